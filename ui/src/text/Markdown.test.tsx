import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";

const html = (text: string) => renderToStaticMarkup(<Markdown text={text} />);

describe("<Markdown>", () => {
  it("draws one paragraph inline, with code and bold", () => {
    expect(html("unknown node type `filtr`; try **filter**")).toBe(
      '<span class="markdown">unknown node type <code>filtr</code>; try <strong>filter</strong></span>',
    );
  });

  it("draws paragraphs and lists as blocks", () => {
    expect(html("Pages:\n- `cursor`\n- offset")).toBe(
      '<div class="markdown"><p>Pages:</p><ul><li><code>cursor</code></li><li>offset</li></ul></div>',
    );
  });

  it("shows HTML in a message as text, never as markup", () => {
    expect(html('<img src=x onerror="alert(1)"> `<b>`')).toBe(
      '<span class="markdown">&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <code>&lt;b&gt;</code></span>',
    );
  });

  it("draws nothing for empty text", () => {
    expect(html("  ")).toBe("");
  });
});
