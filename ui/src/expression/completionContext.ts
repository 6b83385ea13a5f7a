// What to offer at the cursor of an expression: filters after `|`, the flow's variables after
// `vars.`, field names inside `record["…`, and otherwise fields and functions — anywhere in
// the expression, not only at its start.
import { tokenize, type Token } from "./tokens";

export type CompletionContext =
  | { kind: "none" }
  /** After `|`: the filters. */
  | { kind: "filter"; from: number; prefix: string }
  /** After `vars.`: the flow's variable names. `dot` is where the `.` is, for names that need
   *  `vars["…"]` instead. */
  | { kind: "var"; from: number; prefix: string; dot: number }
  /** Inside the quotes of `record["…`: field names as they are, then the closing quote and
   *  bracket. `closed` counts those already after the cursor (typed or auto-closed), which the
   *  completion steps over instead of doubling. */
  | { kind: "record-key"; from: number; prefix: string; quote: "'" | '"'; closed: number }
  /** Anywhere else a value can start: fields, functions, globals and keywords. */
  | { kind: "value"; from: number; prefix: string };

const WORD_KINDS = new Set(["field", "filter", "test", "function", "attribute", "argument", "global", "keyword"]);

function lastSignificant(tokens: Token[], before: number): Token | undefined {
  for (let index = before - 1; index >= 0; index -= 1) {
    if (tokens[index].kind !== "space") return tokens[index];
  }
  return undefined;
}

/** What completion offers at `cursor` in `source`. */
export function completionContextAt(source: string, cursor: number): CompletionContext {
  const tokens = tokenize(source.slice(0, cursor));
  const last = tokens.at(-1);
  if (last && (last.kind === "string" || last.kind === "record-key") && !last.closed) {
    if (last.kind === "string") return { kind: "none" };
    const quote = last.text[0] as "'" | '"';
    const after = source.slice(cursor);
    const closed = after.startsWith(`${quote}]`) ? 2 : after.startsWith(quote) ? 1 : 0;
    return { kind: "record-key", from: last.from + 1, prefix: last.text.slice(1), quote, closed };
  }
  const typing = last !== undefined && WORD_KINDS.has(last.kind);
  const from = typing ? last.from : cursor;
  const prefix = typing ? last.text : "";
  const wordIndex = typing ? tokens.length - 1 : tokens.length;
  const previous = lastSignificant(tokens, wordIndex);
  if (!typing && last && last.kind !== "space" && last.kind !== "pipe" && last.kind !== "operator" && last.kind !== "punctuation") {
    // Right after a number or a closed string: nothing a name could continue.
    return { kind: "none" };
  }
  if (previous?.kind === "pipe") return { kind: "filter", from, prefix };
  if (previous?.text === ".") {
    const owner = lastSignificant(tokens, tokens.indexOf(previous));
    if (owner?.kind === "global" && owner.text === "vars") return { kind: "var", from, prefix, dot: previous.from };
    return { kind: "none" };
  }
  if (previous?.text === "is" || (previous?.text === "not" && lastSignificant(tokens, tokens.indexOf(previous))?.text === "is")) {
    return { kind: "none" };
  }
  return { kind: "value", from, prefix };
}
