// How an expression names a field: bare when the name is a plain identifier (`first_name`),
// else through the whole record (`record["first name"]`), so any field can be written.
import { KEYWORDS } from "./tokens";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` can stand alone in an expression (not a keyword such as `in` or `none`). */
export function isPlainName(name: string): boolean {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name);
}

/** The text between the quotes of a string literal that means `text`. */
export function quotedText(text: string, quote: "'" | '"' = '"'): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return quote === '"' ? escaped : escaped.replace(/\\"/g, '"').replace(/'/g, "\\'");
}

/** The expression that reads field `name` of the record. */
export function fieldReference(name: string): string {
  return isPlainName(name) ? name : `record["${quotedText(name)}"]`;
}
