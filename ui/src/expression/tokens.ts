// Splits a MiniJinja expression (`status == 'active'`, `amount | float * 100`) into tokens that
// say what each piece is — a field, a filter, a string… — for highlighting and for completion.
// It never fails: text it does not understand becomes an `unknown` token; the engine judges.

export type TokenKind =
  | "space"
  | "string"
  /** A string naming a field: `record["first name"]`. */
  | "record-key"
  | "number"
  | "operator"
  | "pipe"
  | "punctuation"
  | "keyword"
  /** A name after `|`: `float` in `amount | float`. */
  | "filter"
  /** A name after `is`: `defined` in `nickname is defined`. */
  | "test"
  /** A name called with `(` that is not a filter: `now()`. */
  | "function"
  /** A top-level name: a field of the record. */
  | "field"
  /** A name after `.`: `city` in `address.city`, `region` in `vars.region`. */
  | "attribute"
  /** A keyword argument's name: `default` in `float(default=0)`. */
  | "argument"
  /** The globals `vars` (the flow's variables) and `record` (the whole record). */
  | "global"
  | "unknown";

export type Token = {
  kind: TokenKind;
  from: number;
  to: number;
  text: string;
  /** Strings only: whether the closing quote is there. */
  closed?: boolean;
};

export const KEYWORDS = new Set(["and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None"]);
export const GLOBALS = new Set(["vars", "record"]);

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?/y;
const SPACE = /\s+/y;
const OPERATORS = ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "="];
const PUNCTUATION = "()[]{},:.";

function matchAt(pattern: RegExp, source: string, position: number): string | null {
  pattern.lastIndex = position;
  const found = pattern.exec(source);
  return found ? found[0] : null;
}

/** The end of the string literal opening at `from` (after its closing quote, or the source's end). */
function stringEnd(source: string, from: number): { to: number; closed: boolean } {
  const quote = source[from];
  let position = from + 1;
  while (position < source.length) {
    if (source[position] === "\\") position += 2;
    else if (source[position] === quote) return { to: position + 1, closed: true };
    else position += 1;
  }
  return { to: source.length, closed: false };
}

/** The last token before `index` that is not white space. */
function significantBefore(tokens: Token[], index: number): Token | undefined {
  for (let position = index - 1; position >= 0; position -= 1) {
    if (tokens[position].kind !== "space") return tokens[position];
  }
  return undefined;
}

/** What a name is, from the tokens before it and the text after it. */
function nameKind(name: string, tokens: Token[], source: string, end: number): TokenKind {
  const previous = significantBefore(tokens, tokens.length);
  if (previous?.kind === "pipe") return "filter";
  if (previous?.text === ".") return "attribute";
  const beforePrevious = previous ? significantBefore(tokens, tokens.indexOf(previous)) : undefined;
  if (previous?.text === "is" || (previous?.text === "not" && beforePrevious?.text === "is")) {
    if (!KEYWORDS.has(name) || name === "none" || name === "true" || name === "false") return "test";
  }
  if (KEYWORDS.has(name)) return "keyword";
  const after = source.slice(end).trimStart();
  if (after.startsWith("=") && !after.startsWith("==")) return "argument";
  if (after.startsWith("(")) return "function";
  if (GLOBALS.has(name)) return "global";
  return "field";
}

/** The tokens of `source`, covering it end to end. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  const push = (kind: TokenKind, to: number, closed?: boolean) => {
    const token: Token = { kind, from: position, to, text: source.slice(position, to) };
    if (closed !== undefined) token.closed = closed;
    tokens.push(token);
    position = to;
  };
  while (position < source.length) {
    const character = source[position];
    const space = matchAt(SPACE, source, position);
    if (space) {
      push("space", position + space.length);
      continue;
    }
    if (character === "'" || character === '"') {
      const { to, closed } = stringEnd(source, position);
      const bracket = significantBefore(tokens, tokens.length);
      const subscripted = bracket?.text === "[" ? significantBefore(tokens, tokens.indexOf(bracket)) : undefined;
      push(subscripted?.kind === "global" && subscripted.text === "record" ? "record-key" : "string", to, closed);
      continue;
    }
    const number = matchAt(NUMBER, source, position);
    if (number) {
      push("number", position + number.length);
      continue;
    }
    const name = matchAt(NAME, source, position);
    if (name) {
      const end = position + name.length;
      push(nameKind(name, tokens, source, end), end);
      continue;
    }
    if (character === "|") {
      push("pipe", position + 1);
      continue;
    }
    const operator = OPERATORS.find((candidate) => source.startsWith(candidate, position));
    if (operator) {
      push("operator", position + operator.length);
      continue;
    }
    push(PUNCTUATION.includes(character) ? "punctuation" : "unknown", position + 1);
  }
  return tokens;
}

/** The text a string literal stands for (`'it\'s'` → `it's`), without its quotes. */
export function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.endsWith(quote) && literal.length > 1 ? literal.slice(1, -1) : literal.slice(1);
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escaped: string) =>
    escaped.length === 5 ? String.fromCharCode(parseInt(escaped.slice(1), 16)) : escapes[escaped] ?? escaped,
  );
}

/** The field a token names, if it names one: a top-level name or `record["…"]`'s key. */
export function fieldNamed(token: Token): string | null {
  if (token.kind === "field") return token.text;
  if (token.kind === "record-key") return stringValue(token.text);
  return null;
}

/** The CSS class a token is drawn with (none for white space and punctuation). Fields are marked
 *  unknown only when the upstream fields are known at all, so an unpreviewed flow shows no false alarms. */
export function highlightClass(token: Token, knownFields: ReadonlySet<string>): string | null {
  const field = fieldNamed(token);
  if (field !== null) {
    if (knownFields.size === 0) return "expr-field";
    return knownFields.has(field) ? "expr-field expr-known" : "expr-field expr-unknown";
  }
  switch (token.kind) {
    case "string":
      return token.closed ? "expr-string" : "expr-string expr-open";
    case "number":
      return "expr-number";
    case "operator":
    case "pipe":
      return "expr-operator";
    case "keyword":
      return "expr-keyword";
    case "filter":
    case "test":
      return "expr-filter";
    case "function":
      return "expr-function";
    case "global":
      return "expr-global";
    case "attribute":
      return "expr-attribute";
    case "argument":
      return "expr-argument";
    case "unknown":
      return "expr-invalid";
    default:
      return null;
  }
}
