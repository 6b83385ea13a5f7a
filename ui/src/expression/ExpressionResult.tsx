// The live result under an expression field: what each expression gives on the first few
// upstream sample records, asked of the engine a moment after typing stops. A map's rows show
// together, so the block reads as the records the map will make.
import { Fragment, useEffect, useState, type CSSProperties } from "react";
import { api, errorText } from "../api";
import { RESULT_RECORDS, resultCells, type Outcome } from "./resultCells";
import type { Upstream } from "./upstream";

/** How long typing must pause before the expressions are tried. */
const TYPING_PAUSE_MS = 250;

/** An expression to try, with the field it computes (a map row) or none (a filter's condition). */
export type NamedExpression = { name?: string; expression: string };

type ExpressionResultProps = { expressions: NamedExpression[]; upstream: Upstream };

export function ExpressionResult({ expressions, upstream }: ExpressionResultProps) {
  const records = upstream.records.slice(0, RESULT_RECORDS);
  const written = expressions.filter((entry) => entry.expression.trim() !== "");
  const [tried, setTried] = useState<{ key: string; outcomes: Outcome[] } | null>(null);
  // Compared by content: the records and vars are rebuilt on every render of the panel.
  const key = JSON.stringify([written, records, upstream.vars]);

  useEffect(() => {
    if (written.length === 0 || records.length === 0) return;
    let current = true;
    const timer = setTimeout(() => {
      const trying = written.map((entry) =>
        api.tryExpression(upstream.vars, entry.expression, records).then(
          (trials): Outcome => ({ trials }),
          (error): Outcome => ({ compileError: errorText(error) }),
        ),
      );
      Promise.all(trying).then((outcomes) => current && setTried({ key, outcomes }));
    }, TYPING_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // `key` stands for the expressions, records and vars.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  if (records.length === 0) {
    return <div className="expression-result muted" data-testid="expression-result">Preview the node before it to see live results.</div>;
  }
  const plural = records.length === 1 ? "" : "s";
  if (written.length === 0) {
    return <div className="expression-result muted" data-testid="expression-result">Type an expression to see what it gives on the first {records.length} sample record{plural}.</div>;
  }
  const fresh = tried?.key === key;
  // A grid: a row per expression (named by its field in a map), a column per record.
  const named = written.some((entry) => entry.name);
  const columns = { gridTemplateColumns: `${named ? "auto " : ""}repeat(${records.length}, minmax(0, 1fr))` } as CSSProperties;
  return (
    <div className={`expression-result${fresh ? "" : " pending"}`} data-testid="expression-result" aria-live="polite">
      <div className="expression-result-title">On the first {records.length} sample record{plural}:</div>
      <div className="expression-result-grid" style={columns}>
        {named && <span />}
        {records.map((_, index) => <span key={index} className="expression-result-record">#{index + 1}</span>)}
        {tried &&
          written.map((entry, index) => (
            // While new results are on their way the old ones stay, matched by position.
            <Fragment key={index}>
              {named && <span className="expression-result-name">{entry.name}</span>}
              {tried.outcomes[index] &&
                resultCells(tried.outcomes[index], records.length).map((cell, cellIndex) => (
                  <code key={cellIndex} className={cell.error ? "error" : undefined} title={cell.text} style={cell.span > 1 ? { gridColumn: `span ${cell.span}` } : undefined}>
                    {cell.text}
                  </code>
                ))}
            </Fragment>
          ))}
      </div>
    </div>
  );
}
