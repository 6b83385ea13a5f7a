import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ExpressionResult } from "./ExpressionResult";

const text = (html: string) => html.replace(/<[^>]+>/g, "");

describe("ExpressionResult", () => {
  it("asks for a preview of the node before when there are no samples", () => {
    const html = renderToStaticMarkup(<ExpressionResult expressions={[{ expression: "status == 'active'" }]} upstream={{ fields: [], records: [], vars: {} }} />);
    expect(html).toContain('data-testid="expression-result"');
    expect(text(html)).toBe("Preview the node before it to see live results.");
  });

  it("says how many records it will be tried on, at most three", () => {
    const records = [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }];
    expect(text(renderToStaticMarkup(<ExpressionResult expressions={[{ name: "b", expression: " " }]} upstream={{ fields: ["a"], records, vars: {} }} />))).toBe(
      "Type an expression to see what it gives on the first 3 sample records.",
    );
    expect(text(renderToStaticMarkup(<ExpressionResult expressions={[{ expression: "a" }]} upstream={{ fields: ["a"], records: records.slice(0, 1), vars: {} }} />))).toBe(
      "On the first 1 sample record:#1",
    );
  });
});
