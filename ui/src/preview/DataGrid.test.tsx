import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DataGrid } from "./DataGrid";
import { fieldTypes } from "./grid";

const render = (records: Record<string, unknown>[]) =>
  renderToStaticMarkup(<DataGrid records={records} fields={fieldTypes(records)} label="Sample records" testId="preview-table" />);

const text = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&quot;/g, '"');

describe("data grid", () => {
  it("keeps the test hook on its root with the cell values in its text", () => {
    const html = render([
      { name: "Ada Lovelace", cents: 1050, note: null, address: { city: "London", zip: "N1", country: "UK" }, tags: ["a", "b"] },
      { name: "Grace Hopper", cents: 700, active: false },
    ]);
    expect(html).toMatch(/^<div class="data-grid" data-testid="preview-table"/);
    const shown = text(html);
    for (const value of ["Ada Lovelace", "Grace Hopper", "1050", "null", "{3 fields}", "[2 items]", "false", "cents integer"]) {
      expect(shown).toContain(value);
    }
    expect(html).toContain('class="data-grid-cell number numeric"');
    expect(html).toContain('class="data-grid-cell null"');
    expect(html).toContain('class="data-grid-cell missing"');
  });

  it("renders a window of rows, not ten thousand", () => {
    const records = Array.from({ length: 10_000 }, (_, index) => ({ id: index, name: `person ${index}` }));
    const html = render(records);
    const rows = html.match(/role="row"/g)!.length - 1;
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(40);
    expect(text(html)).toContain("person 0");
    expect(text(html)).not.toContain("person 9999");
  });
});
