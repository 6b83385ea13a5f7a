// What the live result under an expression shows: per sample record its value (compact JSON) or
// why it failed, or once, across the records, why the whole expression does not compile.
import type { Trial } from "../bindings/Trial";

/** What trying an expression gave: a trial per record, or the compile error. */
export type Outcome = { trials: Trial[] } | { compileError: string };

/** One cell of the result grid: a record's value or error, or the compile error across all records. */
export type ResultCell = { text: string; error: boolean; span: number };

/** How many sample records the live result is tried on. */
export const RESULT_RECORDS = 3;

/** A value as short JSON, cut with an ellipsis past `limit` characters. */
export function compactJson(value: unknown, limit = 80): string {
  const text = value === undefined ? "undefined" : JSON.stringify(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** The cells of one expression's row in the result grid, one per record tried. */
export function resultCells(outcome: Outcome, records: number): ResultCell[] {
  if ("compileError" in outcome) return [{ text: outcome.compileError, error: true, span: records }];
  return outcome.trials.map((trial) =>
    trial.error !== null ? { text: trial.error, error: true, span: 1 } : { text: compactJson(trial.value), error: false, span: 1 },
  );
}
