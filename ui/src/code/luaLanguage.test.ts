import { StringStream } from "@codemirror/language";
import { describe, expect, it } from "vitest";
import { luaToken } from "./luaLanguage";

/** The styled tokens of one line, as [text, style]. */
function tokens(line: string, state = { inComment: false }): [string, string | null][] {
  const stream = new StringStream(line, 4, 2);
  const found: [string, string | null][] = [];
  while (!stream.eol()) {
    stream.start = stream.pos;
    const style = luaToken(stream, state);
    const text = stream.current();
    if (text.trim()) found.push([text, style]);
  }
  return found;
}

describe("Lua highlighting", () => {
  it("tells keywords, the record, strings, numbers and comments apart", () => {
    expect(tokens(`if record.total > 10.5 then return "big \\" one" end -- done`)).toEqual([
      ["if", "keyword"],
      ["record", "variableName.special"],
      [".", null],
      ["total", "variableName"],
      [">", null],
      ["10.5", "number"],
      ["then", "keyword"],
      ["return", "keyword"],
      [`"big \\" one"`, "string"],
      ["end", "keyword"],
      ["-- done", "comment"],
    ]);
  });

  it("keeps a long comment open across lines", () => {
    const state = { inComment: false };
    expect(tokens("x = 1 --[[ a note", state)).toEqual([["x", "variableName"], ["=", null], ["1", "number"], ["--[[ a note", "comment"]]);
    expect(state.inComment).toBe(true);
    expect(tokens("still ]] y", state)).toEqual([["still ]]", "comment"], ["y", "variableName"]]);
  });
});
