import { describe, expect, it } from "vitest";
import {
  cellCopyText,
  cellKind,
  cellText,
  columnWidths,
  fieldTypes,
  gridCommand,
  isNumericColumn,
  moveActiveCell,
  nextSortOrder,
  rowAt,
  rowCopyText,
  rowTop,
  scrollTopToReveal,
  sortedRecordOrder,
  tallRows,
  toggleExpanded,
  totalHeight,
  visibleRowRange,
  type RowLayout,
} from "./grid";

const even: RowLayout = { rowHeight: 28, tallRows: [] };

describe("visible rows", () => {
  it("renders the rows in view plus the overscan, not the whole list", () => {
    expect(visibleRowRange({ scrollTop: 0, viewportHeight: 280, count: 10_000, overscan: 3, layout: even })).toEqual({ start: 0, end: 13 });
    expect(visibleRowRange({ scrollTop: 28 * 100, viewportHeight: 280, count: 10_000, overscan: 3, layout: even })).toEqual({ start: 97, end: 113 });
  });

  it("counts a row cut by the bottom edge as visible", () => {
    expect(visibleRowRange({ scrollTop: 14, viewportHeight: 28, count: 100, overscan: 0, layout: even })).toEqual({ start: 0, end: 2 });
  });

  it("stops at the last row when scrolled to the end or past it", () => {
    expect(visibleRowRange({ scrollTop: 28 * 95, viewportHeight: 280, count: 100, overscan: 3, layout: even })).toEqual({ start: 92, end: 100 });
    expect(visibleRowRange({ scrollTop: 99_999, viewportHeight: 280, count: 100, overscan: 3, layout: even })).toEqual({ start: 96, end: 100 });
  });

  it("renders nothing for no records and still one row before the pane is measured", () => {
    expect(visibleRowRange({ scrollTop: 0, viewportHeight: 280, count: 0, overscan: 3, layout: even })).toEqual({ start: 0, end: 0 });
    expect(visibleRowRange({ scrollTop: 0, viewportHeight: 0, count: 5, overscan: 0, layout: even })).toEqual({ start: 0, end: 1 });
  });

  it("places rows below an opened one lower by its extra height", () => {
    const opened: RowLayout = { ...even, tallRows: [{ position: 2, height: 200 }, { position: 5, height: 200 }] };
    expect(rowTop(2, opened)).toBe(56);
    expect(rowTop(3, opened)).toBe(56 + 200);
    expect(rowTop(6, opened)).toBe(4 * 28 + 2 * 200);
    expect(totalHeight(10, opened)).toBe(8 * 28 + 2 * 200);
    expect(rowAt(56 + 199, 10, opened)).toBe(2);
    expect(rowAt(56 + 200, 10, opened)).toBe(3);
    expect(rowAt(4 * 28 + 2 * 200 + 1, 10, opened)).toBe(6);
    expect(visibleRowRange({ scrollTop: 60, viewportHeight: 100, count: 10, overscan: 0, layout: opened })).toEqual({ start: 2, end: 3 });
  });

  it("scrolls only as far as needed to show a row", () => {
    expect(scrollTopToReveal(20, 0, 280, even)).toBe(21 * 28 - 280);
    expect(scrollTopToReveal(3, 280, 280, even)).toBe(84);
    expect(scrollTopToReveal(12, 280, 280, even)).toBe(280);
    const opened: RowLayout = { ...even, tallRows: [{ position: 1, height: 200 }] };
    expect(scrollTopToReveal(1, 0, 100, opened)).toBe(28);
  });
});

describe("sorting", () => {
  const records = [
    { name: "item 10", cents: 1050, active: true },
    { name: "Item 9", cents: null, active: false },
    { name: "item 2", cents: 199 },
    { name: "", cents: 70, active: true },
  ];

  it("cycles a column ascending, descending, then unsorted; another column starts ascending", () => {
    const ascending = nextSortOrder(null, "cents");
    expect(ascending).toEqual({ field: "cents", direction: "ascending" });
    const descending = nextSortOrder(ascending, "cents");
    expect(descending).toEqual({ field: "cents", direction: "descending" });
    expect(nextSortOrder(descending, "cents")).toBeNull();
    expect(nextSortOrder(descending, "name")).toEqual({ field: "name", direction: "ascending" });
  });

  it("sorts numbers as numbers, not as text, and keeps nulls last both ways", () => {
    expect(sortedRecordOrder(records, { field: "cents", direction: "ascending" })).toEqual([3, 2, 0, 1]);
    expect(sortedRecordOrder(records, { field: "cents", direction: "descending" })).toEqual([0, 2, 3, 1]);
  });

  it("sorts text as people read it: case aside, numbers inside by value, empty first", () => {
    expect(sortedRecordOrder(records, { field: "name", direction: "ascending" })).toEqual([3, 2, 1, 0]);
  });

  it("puts records without the field last and keeps ties in their original order", () => {
    expect(sortedRecordOrder(records, { field: "active", direction: "descending" })).toEqual([0, 3, 1, 2]);
    expect(sortedRecordOrder(records, null)).toEqual([0, 1, 2, 3]);
  });

  it("groups mixed types instead of comparing a number with a word", () => {
    const mixed = [{ v: "b" }, { v: 3 }, { v: "a" }, { v: 20 }];
    expect(sortedRecordOrder(mixed, { field: "v", direction: "ascending" })).toEqual([1, 3, 2, 0]);
  });
});

describe("cells", () => {
  it("shows null as null, an empty string and a missing field as nothing, each its own kind", () => {
    expect([cellText(null), cellKind(null)]).toEqual(["null", "null"]);
    expect([cellText(""), cellKind("")]).toEqual(["", "empty"]);
    expect([cellText(undefined), cellKind(undefined)]).toEqual(["", "missing"]);
  });

  it("shows numbers as written and booleans as words", () => {
    expect(cellText(1050)).toBe("1050");
    expect(cellText(10.5)).toBe("10.5");
    expect(cellText(false)).toBe("false");
    expect(cellKind(0)).toBe("number");
  });

  it("collapses nested values to a count", () => {
    expect(cellText({ a: 1, b: 2, c: { d: 3 } })).toBe("{3 fields}");
    expect(cellText({ a: 1 })).toBe("{1 field}");
    expect(cellText([1, 2, 3, 4, 5])).toBe("[5 items]");
    expect(cellText([])).toBe("[0 items]");
    expect(cellKind([])).toBe("list");
  });

  it("copies a string bare, a nested value as pretty JSON and a row as JSON", () => {
    expect(cellCopyText("Ada Lovelace")).toBe("Ada Lovelace");
    expect(cellCopyText(1050)).toBe("1050");
    expect(cellCopyText(null)).toBe("null");
    expect(cellCopyText(undefined)).toBe("");
    expect(cellCopyText({ tags: ["x"] })).toBe('{\n  "tags": [\n    "x"\n  ]\n}');
    const row = { id: 1, name: "Ada", note: null };
    expect(JSON.parse(rowCopyText(row))).toEqual(row);
    expect(rowCopyText(row)).toContain('\n  "name": "Ada"');
  });

  it("remembers opened cells by record, so sorting moves them with their row", () => {
    const records = [{}, { tags: ["x"] }, {}, {}, { address: { city: "London" } }];
    const sizes = { rowHeight: 28, jsonLineHeight: 17, maxJsonLines: 12, jsonChrome: 20 };
    const opened = toggleExpanded(toggleExpanded([], 4, "address"), 1, "tags");
    expect(tallRows(opened, [4, 3, 2, 1, 0], records, sizes).map((row) => row.position)).toEqual([0, 3]);
    expect(toggleExpanded(opened, 4, "address")).toEqual([{ record: 1, field: "tags" }]);
  });

  it("makes an opened row as tall as its JSON, up to a limit past which the JSON scrolls", () => {
    const records = [{ small: { a: 1 }, list: [1, 2, 3] }, { big: Array.from({ length: 100 }, (_, index) => index) }];
    const sizes = { rowHeight: 28, jsonLineHeight: 17, maxJsonLines: 12, jsonChrome: 20 };
    const bothOpen = [{ record: 0, field: "small" }, { record: 0, field: "list" }, { record: 1, field: "big" }];
    expect(tallRows(bothOpen, [0, 1], records, sizes)).toEqual([
      { position: 0, height: 28 + 5 * 17 + 20 },
      { position: 1, height: 28 + 12 * 17 + 20 },
    ]);
  });
});

describe("columns", () => {
  it("types each field, merging whole and fractional numbers and listing null last", () => {
    expect(fieldTypes([{ id: 1, name: null, score: 2 }, { id: 2, name: "a", score: 1.5, tags: ["x"], at: { y: 1 } }])).toEqual([
      { name: "id", types: ["integer"] },
      { name: "name", types: ["string", "null"] },
      { name: "score", types: ["number"] },
      { name: "tags", types: ["list"] },
      { name: "at", types: ["object"] },
    ]);
  });

  it("right-aligns only columns of numbers", () => {
    expect(isNumericColumn({ name: "cents", types: ["integer", "null"] })).toBe(true);
    expect(isNumericColumn({ name: "id", types: ["integer", "string"] })).toBe(false);
    expect(isNumericColumn({ name: "gone", types: ["null"] })).toBe(false);
  });

  it("sizes columns from every record, within bounds, so they do not jump while scrolling", () => {
    const records = [{ id: 1, note: "x".repeat(200) }, { id: 22222222 }];
    expect(columnWidths(records, fieldTypes(records))).toEqual([12, 40]);
  });
});

describe("keys", () => {
  const press = (key: string, extra: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
    gridCommand({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra });

  it("copies with Ctrl or ⌘, the row with Shift too", () => {
    expect(press("c", { ctrlKey: true })).toBe("copy-cell");
    expect(press("c", { metaKey: true })).toBe("copy-cell");
    expect(press("C", { ctrlKey: true, shiftKey: true })).toBe("copy-row");
    expect(press("c")).toBeNull();
  });

  it("moves with arrows and opens with Enter or Space", () => {
    expect(press("ArrowDown")).toBe("down");
    expect(press("End", { ctrlKey: true })).toBe("last");
    expect(press("Enter")).toBe("toggle");
    expect(press(" ")).toBe("toggle");
    expect(press("ArrowDown", { shiftKey: true })).toBeNull();
  });

  it("keeps the active cell inside the grid", () => {
    expect(moveActiveCell({ position: 0, column: 0 }, "up", 10, 3, 5)).toEqual({ position: 0, column: 0 });
    expect(moveActiveCell({ position: 8, column: 2 }, "page-down", 10, 3, 5)).toEqual({ position: 9, column: 2 });
    expect(moveActiveCell({ position: 4, column: 1 }, "right", 10, 3, 5)).toEqual({ position: 4, column: 2 });
    expect(moveActiveCell({ position: 4, column: 1 }, "row-start", 10, 3, 5)).toEqual({ position: 4, column: 0 });
    expect(moveActiveCell({ position: 4, column: 1 }, "last", 10, 3, 5)).toEqual({ position: 9, column: 1 });
  });
});
