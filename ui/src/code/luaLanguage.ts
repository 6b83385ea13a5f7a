// Lua for CodeMirror's highlighter: keywords, strings, comments, numbers, and `record` (the
// record the `code` node hands the function). A small stream tokenizer, beside its test.
import type { StreamParser, StringStream } from "@codemirror/language";

const KEYWORDS = new Set([
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
  "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
]);

type State = { inComment: boolean };

/** The token at the stream's position: its style, or null for plain text. */
export function luaToken(stream: StringStream, state: State): string | null {
  if (state.inComment) {
    if (stream.skipTo("]]")) {
      stream.match("]]");
      state.inComment = false;
    } else {
      stream.skipToEnd();
    }
    return "comment";
  }
  if (stream.eatSpace()) return null;
  if (stream.match("--[[")) {
    state.inComment = true;
    return luaToken(stream, state) && "comment";
  }
  if (stream.match("--")) {
    stream.skipToEnd();
    return "comment";
  }
  const quote = stream.peek();
  if (quote === '"' || quote === "'") {
    stream.next();
    let escaped = false;
    for (let next = stream.next(); next !== undefined; next = stream.next()) {
      if (next === quote && !escaped) break;
      escaped = !escaped && next === "\\";
    }
    return "string";
  }
  if (stream.match(/^\d+(\.\d+)?([eE][-+]?\d+)?/)) return "number";
  const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word) {
    const text = (word as RegExpMatchArray)[0];
    if (KEYWORDS.has(text)) return "keyword";
    return text === "record" ? "variableName.special" : "variableName";
  }
  stream.next();
  return null;
}

export const lua: StreamParser<State> = {
  name: "lua",
  startState: () => ({ inComment: false }),
  token: luaToken,
  languageData: { commentTokens: { line: "--" } },
};
