import { describe, expect, it } from "vitest";
import { fieldReference, isPlainName, quotedText } from "./fieldReference";
import { stringValue, tokenize } from "./tokens";

describe("fieldReference", () => {
  it("writes plain names bare", () => {
    expect(fieldReference("first_name")).toBe("first_name");
    expect(fieldReference("_id2")).toBe("_id2");
  });

  it("reads awkward names through record[…]", () => {
    expect(fieldReference("first name")).toBe('record["first name"]');
    expect(fieldReference("2024 total")).toBe('record["2024 total"]');
    expect(fieldReference("é")).toBe('record["é"]');
    expect(fieldReference('say "hi"\\')).toBe('record["say \\"hi\\"\\\\"]');
  });

  it("does not let a field named like a keyword read as the keyword", () => {
    expect(isPlainName("in")).toBe(false);
    expect(fieldReference("none")).toBe('record["none"]');
  });

  it("writes references the tokenizer reads back as the same field", () => {
    for (const name of ["first name", 'a"b', "it's", "tab\there"]) {
      const key = tokenize(fieldReference(name)).find((token) => token.kind === "record-key")!;
      expect(stringValue(key.text)).toBe(name);
    }
  });
});

describe("quotedText", () => {
  it("escapes for either quote", () => {
    expect(quotedText(`it's "x"`, "'")).toBe(`it\\'s "x"`);
    expect(quotedText(`it's "x"`, '"')).toBe(`it's \\"x\\"`);
  });
});
