import { describe, expect, it } from "vitest";
import { compactJson, resultCells } from "./resultCells";

describe("resultCells", () => {
  it("shows each record's value as compact JSON", () => {
    expect(resultCells({ trials: [{ value: "Ada Lovelace", error: null }, { value: { a: [1, 2] }, error: null }, { value: null, error: null }] }, 3)).toEqual([
      { text: '"Ada Lovelace"', error: false, span: 1 },
      { text: '{"a":[1,2]}', error: false, span: 1 },
      { text: "null", error: false, span: 1 },
    ]);
  });

  it("marks a record's failure as an error in its own cell", () => {
    expect(resultCells({ trials: [{ value: 1, error: null }, { value: null, error: "the record has no field `amount`" }] }, 2)[1]).toEqual({
      text: "the record has no field `amount`",
      error: true,
      span: 1,
    });
  });

  it("shows a compile error once, across the records", () => {
    expect(resultCells({ compileError: "unexpected end of input" }, 3)).toEqual([{ text: "unexpected end of input", error: true, span: 3 }]);
  });
});

describe("compactJson", () => {
  it("cuts long values", () => {
    const text = compactJson("x".repeat(200), 20);
    expect(text).toHaveLength(20);
    expect(text.endsWith("…")).toBe(true);
  });
});
