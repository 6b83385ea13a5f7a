import { describe, expect, it } from "vitest";
import { highlightClass, stringValue, tokenize, type Token } from "./tokens";

const kinds = (source: string) => tokenize(source).filter((token) => token.kind !== "space").map((token) => `${token.kind}:${token.text}`);

describe("tokenize", () => {
  it("covers the source end to end, white space included", () => {
    const source = "first_name ~ ' ' ~ last_name";
    const tokens = tokenize(source);
    expect(tokens.map((token) => token.text).join("")).toBe(source);
    tokens.forEach((token, index) => expect(token.from).toBe(index === 0 ? 0 : tokens[index - 1].to));
  });

  it("tells fields, operators and strings apart", () => {
    expect(kinds("status == 'active' and amount >= 10.5")).toEqual([
      "field:status", "operator:==", "string:'active'", "keyword:and", "field:amount", "operator:>=", "number:10.5",
    ]);
  });

  it("marks the names after a pipe as filters, with their keyword arguments", () => {
    expect(kinds("(amount | float(default=0) * 100) | round | int")).toEqual([
      "punctuation:(", "field:amount", "pipe:|", "filter:float", "punctuation:(", "argument:default", "operator:=", "number:0",
      "punctuation:)", "operator:*", "number:100", "punctuation:)", "pipe:|", "filter:round", "pipe:|", "filter:int",
    ]);
  });

  it("knows functions, globals, attributes and tests", () => {
    expect(kinds("now() ~ vars.region ~ address.city")).toEqual([
      "function:now", "punctuation:(", "punctuation:)", "operator:~", "global:vars", "punctuation:.", "attribute:region",
      "operator:~", "field:address", "punctuation:.", "attribute:city",
    ]);
    expect(kinds("nickname is not defined")).toEqual(["field:nickname", "keyword:is", "keyword:not", "test:defined"]);
    expect(kinds("note is none")).toEqual(["field:note", "keyword:is", "test:none"]);
  });

  it("reads record[\"…\"] as naming a field, other subscripts as strings", () => {
    expect(kinds(`record["first name"] ~ tags['x']`)).toEqual([
      "global:record", "punctuation:[", 'record-key:"first name"', "punctuation:]", "operator:~", "field:tags", "punctuation:[",
      "string:'x'", "punctuation:]",
    ]);
  });

  it("keeps an unclosed string open to the end, with escaped quotes inside", () => {
    const string = tokenize("a ~ 'it\\'s").at(-1);
    expect(string).toMatchObject({ kind: "string", text: "'it\\'s", closed: false });
    expect(tokenize("'a\\'b' ~ x")[0]).toMatchObject({ kind: "string", text: "'a\\'b'", closed: true });
  });

  it("turns what it does not understand into unknown tokens rather than failing", () => {
    expect(kinds("a $ b")).toEqual(["field:a", "unknown:$", "field:b"]);
  });
});

describe("stringValue", () => {
  it("reads escapes the way the engine does", () => {
    expect(stringValue(`"first name"`)).toBe("first name");
    expect(stringValue(`'it\\'s'`)).toBe("it's");
    expect(stringValue(`"a\\"b\\\\c\\n\\u00e9"`)).toBe('a"b\\c\né');
    expect(stringValue(`"open`)).toBe("open");
  });
});

describe("highlightClass", () => {
  const token = (source: string, index = 0): Token => tokenize(source).filter((candidate) => candidate.kind !== "space")[index];

  it("marks fields the upstream node does not send as unknown", () => {
    const known = new Set(["first_name", "first name"]);
    expect(highlightClass(token("first_name"), known)).toBe("expr-field expr-known");
    expect(highlightClass(token("frist_name"), known)).toBe("expr-field expr-unknown");
    expect(highlightClass(token(`record["first name"]`, 2), known)).toBe("expr-field expr-known");
    expect(highlightClass(token(`record["last name"]`, 2), known)).toBe("expr-field expr-unknown");
  });

  it("calls no field unknown before anything upstream was previewed", () => {
    expect(highlightClass(token("anything"), new Set())).toBe("expr-field");
  });

  it("gives filters, strings and numbers classes of their own", () => {
    const none = new Set<string>();
    expect(highlightClass(token("a | upper", 2), none)).toBe("expr-filter");
    expect(highlightClass(token("'open"), none)).toBe("expr-string expr-open");
    expect(highlightClass(token("12"), none)).toBe("expr-number");
    expect(highlightClass(token("a ,", 1), none)).toBeNull();
  });
});
