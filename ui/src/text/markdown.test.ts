import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, summary } from "./markdown";

const text = (value: string) => ({ type: "text", text: value });
const code = (value: string) => ({ type: "code", text: value });

describe("markdown: inline", () => {
  it("turns backticks into code spans, literally", () => {
    expect(parseInline("unknown node type `filtr`")).toEqual([text("unknown node type "), code("filtr")]);
    // What csv.read's delimiter help says: nothing inside a span is markup.
    expect(parseInline("`,` (default), `;`, `\\t` for a tab, `|`, `**`")).toEqual([
      code(","), text(" (default), "), code(";"), text(", "), code("\\t"), text(" for a tab, "), code("|"), text(", "), code("**"),
    ]);
  });

  it("keeps a backtick that is never closed, and takes longer fences", () => {
    expect(parseInline("it's a ` mark")).toEqual([text("it's a ` mark")]);
    expect(parseInline("``a ` b`` and `c``d`")).toEqual([code("a ` b"), text(" and "), code("c``d")]);
    expect(parseInline("`` `x` ``")).toEqual([code("`x`")]);
  });

  it("makes **bold**, which may hold code", () => {
    expect(parseInline("a **big** deal")).toEqual([text("a "), { type: "bold", children: [text("big")] }, text(" deal")]);
    expect(parseInline("**set `x` first**")).toEqual([{ type: "bold", children: [text("set "), code("x"), text(" first")] }]);
  });

  it("leaves unpaired or spaced stars alone", () => {
    expect(parseInline("2 ** 3 ** 4")).toEqual([text("2 ** 3 ** 4")]);
    expect(parseInline("a **b")).toEqual([text("a **b")]);
    expect(parseInline("****")).toEqual([text("****")]);
  });

  it("never produces markup from HTML: tags are text", () => {
    expect(parseInline("<b>hi</b> <script>x</script>")).toEqual([text("<b>hi</b> <script>x</script>")]);
  });
});

describe("markdown: blocks", () => {
  it("joins wrapped lines and splits paragraphs at blank lines", () => {
    // schemars keeps a doc comment's line breaks; they are where the comment wrapped.
    expect(parseMarkdown("The longest a row may be.\nA longer one stops the run.\n\nRaise it.")).toEqual([
      { type: "paragraph", children: [text("The longest a row may be. A longer one stops the run.")] },
      { type: "paragraph", children: [text("Raise it.")] },
    ]);
  });

  it("reads bullet lists, also right after a paragraph line and with wrapped items", () => {
    expect(parseMarkdown("How to page:\n- `cursor`: the next\n  page's token\n* **offset**: a count\nAfter.")).toEqual([
      { type: "paragraph", children: [text("How to page:")] },
      {
        type: "list",
        items: [
          [code("cursor"), text(": the next page's token")],
          [{ type: "bold", children: [text("offset")] }, text(": a count")],
        ],
      },
      { type: "paragraph", children: [text("After.")] },
    ]);
  });

  it("does not take bold or a hyphenated word for a bullet", () => {
    expect(parseMarkdown("**Note** this\nwell-known -x")).toEqual([
      { type: "paragraph", children: [{ type: "bold", children: [text("Note")] }, text(" this well-known -x")] },
    ]);
  });

  it("has no blocks for empty text", () => {
    expect(parseMarkdown("")).toEqual([]);
    expect(parseMarkdown("\n \r\n")).toEqual([]);
  });

  it("summarises to the first paragraph's plain text", () => {
    expect(summary("A cursor in\neach `response`.\n\nMore.")).toBe("A cursor in each response.");
    expect(summary("- **one**\n- two")).toBe("one");
    expect(summary("")).toBe("");
  });
});
