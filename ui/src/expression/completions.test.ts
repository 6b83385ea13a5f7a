import { describe, expect, it } from "vitest";
import type { Word } from "../bindings/Word";
import { completionContextAt } from "./completionContext";
import { completionOptions, offersWhileTyping, type CompletionData } from "./completions";

const words: Word[] = [
  { name: "float", kind: "filter", example: "amount | float(default=0)", help: "The value as a number with decimals." },
  { name: "upper", kind: "filter", example: "country | upper", help: "The text in capitals." },
  { name: "now", kind: "function", example: "now()", help: "When the run started." },
  { name: "range", kind: "function", example: "range(3)", help: "The numbers from 0." },
];
const data: CompletionData = {
  fields: ["first_name", "first name", "amount"],
  words,
  vars: { region: "EU", "cut-off": 10 },
  sample: { first_name: "Ada", amount: "12.5" },
};
const at = (marked: string) => completionOptions(completionContextAt(marked.replace("‸", ""), marked.indexOf("‸")), data);

describe("completionOptions", () => {
  it("offers only filters after a pipe, each with its example and help", () => {
    expect(at("amount | ‸")).toEqual([
      { label: "float", insert: "float", type: "filter", detail: "amount | float(default=0)", info: "The value as a number with decimals." },
      { label: "upper", insert: "upper", type: "filter", detail: "country | upper", info: "The text in capitals." },
    ]);
  });

  it("offers fields (quoted when awkward, with an example value), functions, globals and keywords elsewhere", () => {
    const options = at("amount > 1 and fi‸");
    expect(options.find((option) => option.label === "first_name")).toMatchObject({ insert: "first_name", info: 'e.g. "Ada"' });
    expect(options.find((option) => option.label === "first name")).toMatchObject({ insert: 'record["first name"]', type: "field" });
    expect(options.find((option) => option.label === "now")).toMatchObject({ insert: "now()", cursor: undefined, type: "function" });
    expect(options.find((option) => option.label === "range")).toMatchObject({ insert: "range()", cursor: 6 });
    expect(options.map((option) => option.label)).toEqual(expect.arrayContaining(["record", "vars", "and", "in"]));
    expect(options.some((option) => option.type === "filter")).toBe(false);
  });

  it("offers the flow's variables after vars., as vars[\"…\"] when the name is awkward", () => {
    const options = at("vars.‸");
    expect(options.map((option) => option.label)).toEqual(["region", "cut-off"]);
    expect(options[0]).toMatchObject({ insert: "region", replaceFrom: undefined, detail: '"EU"' });
    expect(options[1]).toMatchObject({ insert: '["cut-off"]', replaceFrom: 4 });
  });

  it("offers raw field names inside record[\"…, closing the string and bracket once", () => {
    expect(at('record["fi‸').map((option) => option.insert)).toEqual(['first_name"]', 'first name"]', 'amount"]']);
    expect(at('record["fi‸"]')[1]).toMatchObject({ insert: 'first name"]', replaceAfter: 2 });
  });

  it("offers nothing inside a string", () => {
    expect(at("status == 'a‸")).toEqual([]);
  });
});

describe("offersWhileTyping", () => {
  it("opens by itself after | and vars., and in the open only once a name is typed", () => {
    expect(offersWhileTyping(completionContextAt("a | ", 4))).toBe(true);
    expect(offersWhileTyping(completionContextAt("vars.", 5))).toBe(true);
    expect(offersWhileTyping(completionContextAt("a == ", 5))).toBe(false);
    expect(offersWhileTyping(completionContextAt("a == b", 6))).toBe(true);
    expect(offersWhileTyping(completionContextAt("'x", 2))).toBe(false);
  });
});
