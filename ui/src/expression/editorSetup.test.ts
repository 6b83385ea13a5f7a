import { CompletionContext } from "@codemirror/autocomplete";
import { EditorState, Text } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { completionSource, expressionData, fromOutside, singleLine, tokenDecorations } from "./editorSetup";

const data = {
  fields: ["first_name", "last_name"],
  words: [{ name: "upper", kind: "filter" as const, example: "country | upper", help: "The text in capitals." }],
  vars: {},
};
const stateOf = (doc: string) => EditorState.create({ doc, extensions: [singleLine, expressionData.of(data)] });

describe("the editor's single line", () => {
  it("turns typed or pasted line breaks into spaces", () => {
    const state = stateOf("a").update({ changes: { from: 1, insert: "\nand\nb" }, selection: { anchor: 7 } }).state;
    expect(state.doc.toString()).toBe("a and b");
    expect(state.selection.main.head).toBe(7);
  });

  it("shows a value set from outside as it is", () => {
    const state = stateOf("").update({ changes: { from: 0, insert: "'a\nb'" }, annotations: fromOutside.of(true) }).state;
    expect(state.doc.lines).toBe(2);
  });
});

describe("completionSource", () => {
  const complete = (doc: string, explicit = false) => completionSource(new CompletionContext(stateOf(doc), doc.length, explicit));

  it("opens on filters after a pipe, with help", () => {
    const result = complete("last_name | ")!;
    expect(result.from).toBe(12);
    expect(result.options).toEqual([expect.objectContaining({ label: "upper", detail: "country | upper", info: "The text in capitals." })]);
  });

  it("opens on fields while a name is typed mid-expression, and waits for Ctrl+Space after an operator", () => {
    expect(complete("first_name ~ ' ' ~ la")!.options.map((option) => option.label)).toContain("last_name");
    expect(complete("first_name ~ ")).toBeNull();
    expect(complete("first_name ~ ", true)!.options.map((option) => option.label)).toContain("last_name");
  });
});

describe("tokenDecorations", () => {
  it("marks known and unknown fields differently", () => {
    const marks: string[] = [];
    tokenDecorations(Text.of(["first_name ~ frist"]), data.fields).between(0, 100, (from, to, decoration) => {
      marks.push(`${from}-${to}:${decoration.spec.class}${decoration.spec.attributes ? ` (${decoration.spec.attributes.title})` : ""}`);
    });
    expect(marks).toEqual([
      "0-10:expr-field expr-known",
      "11-12:expr-operator",
      "13-18:expr-field expr-unknown (The node before sent no field “frist” in its preview)",
    ]);
  });
});
