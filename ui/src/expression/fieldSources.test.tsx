import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DataGrid } from "../preview/DataGrid";
import { fieldTypes } from "../preview/grid";
import { FieldChips } from "./FieldChips";

describe("where field names can be dragged from", () => {
  it("makes each data grid column header draggable", () => {
    const records = [{ first_name: "Ada", "last name": "Lovelace" }];
    const html = renderToStaticMarkup(<DataGrid records={records} fields={fieldTypes(records)} label="Samples" />);
    const headers = html.match(/<div[^>]*role="columnheader"[^>]*>/g)!.filter((tag) => !tag.includes("data-grid-gutter"));
    expect(headers).toHaveLength(2);
    for (const header of headers) expect(header).toContain('draggable="true"');
  });

  it("lists the upstream fields as draggable chips", () => {
    const html = renderToStaticMarkup(<FieldChips fields={["first_name", "last name"]} hasUpstream />);
    expect(html).toContain("Fields from the node before");
    expect(html).toMatch(/draggable="true" data-testid="upstream-field-first_name"/);
    expect(html).toContain('data-testid="upstream-field-last name"');
  });

  it("says how to get the fields before the node before was previewed, and nothing for a node fed by none", () => {
    expect(renderToStaticMarkup(<FieldChips fields={[]} hasUpstream />)).toContain("Preview the node before this one");
    expect(renderToStaticMarkup(<FieldChips fields={["a"]} hasUpstream={false} />)).toBe("");
  });
});
