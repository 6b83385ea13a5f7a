import { describe, expect, it } from "vitest";
import { completionContextAt } from "./completionContext";

/** The context at the `‸` in `marked`. */
const at = (marked: string) => completionContextAt(marked.replace("‸", ""), marked.indexOf("‸"));

describe("completionContextAt", () => {
  it("offers filters after a pipe, typed or not", () => {
    expect(at("amount | fl‸")).toEqual({ kind: "filter", from: 9, prefix: "fl" });
    expect(at("amount |‸")).toEqual({ kind: "filter", from: 8, prefix: "" });
    expect(at("(amount | float * 100) | ‸")).toEqual({ kind: "filter", from: 25, prefix: "" });
  });

  it("offers values in the middle of an expression, not only at its start", () => {
    expect(at("first_name ~ ' ' ~ la‸")).toEqual({ kind: "value", from: 19, prefix: "la" });
    expect(at("first_name ~ ' ' ~ la‸ ~ x")).toEqual({ kind: "value", from: 19, prefix: "la" });
    expect(at("(am‸")).toEqual({ kind: "value", from: 1, prefix: "am" });
    expect(at("‸")).toEqual({ kind: "value", from: 0, prefix: "" });
    expect(at("amount | float(default=‸")).toEqual({ kind: "value", from: 23, prefix: "" });
  });

  it("offers the flow's variables after vars.", () => {
    expect(at("country == vars.‸")).toEqual({ kind: "var", from: 16, prefix: "", dot: 15 });
    expect(at("vars.reg‸ion")).toEqual({ kind: "var", from: 5, prefix: "reg", dot: 4 });
  });

  it("offers field names inside record[\"…, counting the closing quote and bracket already there", () => {
    expect(at('record["first‸')).toEqual({ kind: "record-key", from: 8, prefix: "first", quote: '"', closed: 0 });
    expect(at("record['‸']")).toEqual({ kind: "record-key", from: 8, prefix: "", quote: "'", closed: 2 });
    expect(at("record['‸' ~ x")).toEqual({ kind: "record-key", from: 8, prefix: "", quote: "'", closed: 1 });
  });

  it("offers nothing inside other strings, after numbers or on other objects' attributes", () => {
    expect(at("status == 'act‸")).toEqual({ kind: "none" });
    expect(at("amount > 10‸")).toEqual({ kind: "none" });
    expect(at("status == 'active'‸")).toEqual({ kind: "none" });
    expect(at("address.ci‸")).toEqual({ kind: "none" });
    expect(at("nickname is def‸")).toEqual({ kind: "none" });
  });
});
