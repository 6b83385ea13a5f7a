// The data grid's logic as pure functions: what a cell shows and copies, how columns are typed,
// sized and sorted, which rows a scroll position shows, and what a key press does.

/** A record as a node sends it: field name to JSON value. */
export type GridRecord = Record<string, unknown>;

/** A field seen in the records with the value types it holds, nulls listed last. */
export type FieldTypes = { name: string; types: string[] };

/** How a value shows in a cell; `missing` is a field the record does not have at all. */
export type CellKind = "missing" | "null" | "empty" | "string" | "number" | "boolean" | "object" | "list";

/** The type name of one value, as column headers and field chips show it. */
export function valueType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Each field in the order first seen with the types of its values. A field holding both whole and
 *  fractional numbers is a `number`, and `null` comes last so the real type reads first. */
export function fieldTypes(records: GridRecord[]): FieldTypes[] {
  const seen = new Map<string, Set<string>>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      if (!seen.has(name)) seen.set(name, new Set());
      seen.get(name)!.add(valueType(value));
    }
  }
  return [...seen.entries()].map(([name, kinds]) => {
    if (kinds.has("integer") && kinds.has("number")) kinds.delete("integer");
    const types = [...kinds].filter((type) => type !== "null");
    return { name, types: kinds.has("null") ? [...types, "null"] : types };
  });
}

/** Whether a column holds only numbers (and nulls), so it reads right-aligned. */
export function isNumericColumn(field: FieldTypes): boolean {
  const types = field.types.filter((type) => type !== "null");
  return types.length > 0 && types.every((type) => type === "integer" || type === "number");
}

export function cellKind(value: unknown): CellKind {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (value === "") return "empty";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "object";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "string";
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A collapsed object or list: `{3 fields}`, `[5 items]`. */
export function nestedSummary(value: object): string {
  return Array.isArray(value) ? `[${plural(value.length, "item", "items")}]` : `{${plural(Object.keys(value).length, "field", "fields")}}`;
}

/** The one line a cell shows: null as `null`, numbers as written (no grouping, so 1050 stays
 *  1050), nested values as their summary, a missing field or an empty string as nothing. */
export function cellText(value: unknown): string {
  const kind = cellKind(value);
  if (kind === "missing" || kind === "empty") return "";
  if (kind === "object" || kind === "list") return nestedSummary(value as object);
  return String(value);
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** What copying a cell puts on the clipboard: a string as it is (no quotes), nested values as
 *  pretty JSON, null as `null`, a missing field as nothing. */
export function cellCopyText(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return typeof value === "object" && value !== null ? prettyJson(value) : String(value);
}

/** What copying a row puts on the clipboard: the whole record as pretty JSON. */
export function rowCopyText(record: GridRecord): string {
  return prettyJson(record);
}

/** The longest a column gets before its cells are cut with an ellipsis, in characters. */
const widestColumn = 40;
const narrowestColumn = 4;

/** Each column's width in characters, from every record (not just the rows on screen) so widths
 *  do not jump while scrolling. The header needs room for name, type and sort arrow. */
export function columnWidths(records: GridRecord[], fields: FieldTypes[]): number[] {
  return fields.map((field) => {
    let widest = field.name.length + 1 + field.types.join(" | ").length + 2;
    for (const record of records) widest = Math.max(widest, cellText(record[field.name]).length);
    return Math.min(widestColumn, Math.max(narrowestColumn, widest));
  });
}

/** The column the rows are sorted by and which way; null keeps the records as they came. */
export type SortOrder = { field: string; direction: "ascending" | "descending" } | null;

/** A header click: a new column sorts ascending, then descending, then back to unsorted. */
export function nextSortOrder(current: SortOrder, field: string): SortOrder {
  if (current?.field !== field) return { field, direction: "ascending" };
  return current.direction === "ascending" ? { field, direction: "descending" } : null;
}

const typeRank: Record<string, number> = { integer: 0, number: 0, string: 1, boolean: 2, list: 3, object: 4 };

/** Ascending order of two non-null values: numbers numerically, strings as people read them
 *  ("item 9" before "item 10"), false before true; mixed types group by type. */
export function compareValues(a: unknown, b: unknown): number {
  const rankA = typeRank[valueType(a)];
  const rankB = typeRank[valueType(b)];
  if (rankA !== rankB) return rankA - rankB;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a.localeCompare(b, undefined, { numeric: true });
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

/** The records' indexes in the order shown. Nulls and missing values go last whichever way the
 *  column is sorted; ties keep the order the records came in. */
export function sortedRecordOrder(records: GridRecord[], sort: SortOrder): number[] {
  const order = records.map((_, index) => index);
  if (!sort) return order;
  const sign = sort.direction === "ascending" ? 1 : -1;
  return order.sort((indexA, indexB) => {
    const a = records[indexA][sort.field];
    const b = records[indexB][sort.field];
    const blankA = a === null || a === undefined;
    const blankB = b === null || b === undefined;
    if (blankA || blankB) return blankA === blankB ? indexA - indexB : blankA ? 1 : -1;
    return sign * compareValues(a, b) || indexA - indexB;
  });
}

/** A nested value opened in place, by record index (not screen position, so sorting keeps it). */
export type ExpandedCell = { record: number; field: string };

export function isExpanded(expanded: ExpandedCell[], record: number, field: string): boolean {
  return expanded.some((cell) => cell.record === record && cell.field === field);
}

export function toggleExpanded(expanded: ExpandedCell[], record: number, field: string): ExpandedCell[] {
  return isExpanded(expanded, record, field)
    ? expanded.filter((cell) => cell.record !== record || cell.field !== field)
    : [...expanded, { record, field }];
}

/** Sizes an opened row is made of: the usual row, then the JSON's lines (up to a limit, past which
 *  it scrolls inside) and room for the JSON box's padding and scroll bar. */
export type OpenedRowSizes = { rowHeight: number; jsonLineHeight: number; maxJsonLines: number; jsonChrome: number };

/** A row taller than the rest because a cell in it is opened. */
export type TallRow = { position: number; height: number };

/** The rows with an opened cell, by screen position (ascending) in the order shown, each as tall
 *  as its longest opened JSON needs. */
export function tallRows(expanded: ExpandedCell[], order: number[], records: GridRecord[], sizes: OpenedRowSizes): TallRow[] {
  const linesByRecord = new Map<number, number>();
  for (const { record, field } of expanded) {
    const lines = prettyJson(records[record]?.[field] ?? null).split("\n").length;
    linesByRecord.set(record, Math.max(lines, linesByRecord.get(record) ?? 0));
  }
  const rows: TallRow[] = [];
  order.forEach((record, position) => {
    const lines = linesByRecord.get(record);
    if (lines === undefined) return;
    const height = sizes.rowHeight + Math.min(lines, sizes.maxJsonLines) * sizes.jsonLineHeight + sizes.jsonChrome;
    rows.push({ position, height });
  });
  return rows;
}

/** Row heights: every row is `rowHeight` tall except the tall rows, so any row's place is known
 *  without measuring the page. */
export type RowLayout = { rowHeight: number; tallRows: TallRow[] };

export function rowHeightAt(position: number, layout: RowLayout): number {
  return layout.tallRows.find((row) => row.position === position)?.height ?? layout.rowHeight;
}

/** Where a row starts, from the top of the first row. */
export function rowTop(position: number, layout: RowLayout): number {
  let top = position * layout.rowHeight;
  for (const row of layout.tallRows) if (row.position < position) top += row.height - layout.rowHeight;
  return top;
}

export function totalHeight(count: number, layout: RowLayout): number {
  return rowTop(count, layout);
}

/** The row at a height from the top of the first row, clamped to the rows there are. */
export function rowAt(offset: number, count: number, layout: RowLayout): number {
  let extraAbove = 0;
  for (const row of layout.tallRows) {
    const top = row.position * layout.rowHeight + extraAbove;
    if (offset < top) break;
    if (offset < top + row.height) return Math.min(row.position, count - 1);
    extraAbove += row.height - layout.rowHeight;
  }
  const position = Math.floor((offset - extraAbove) / layout.rowHeight);
  return Math.max(0, Math.min(count - 1, position));
}

/** The rows to render for a scroll position: those in view plus `overscan` either side, as
 *  `start` (first) to `end` (one past the last). */
export function visibleRowRange(view: {
  scrollTop: number;
  viewportHeight: number;
  count: number;
  overscan: number;
  layout: RowLayout;
}): { start: number; end: number } {
  const { scrollTop, viewportHeight, count, overscan, layout } = view;
  if (count <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = rowAt(top, count, layout);
  const last = rowAt(top + Math.max(1, viewportHeight) - 1, count, layout);
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + 1 + overscan) };
}

/** The scroll position that brings a row fully into view, moving as little as it can. */
export function scrollTopToReveal(position: number, scrollTop: number, viewportHeight: number, layout: RowLayout): number {
  const top = rowTop(position, layout);
  const bottom = top + rowHeightAt(position, layout);
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.min(top, bottom - viewportHeight);
  return scrollTop;
}

/** What a key press on the grid asks for. */
export type GridCommand =
  | "up" | "down" | "left" | "right" | "page-up" | "page-down" | "row-start" | "row-end" | "first" | "last"
  | "toggle" | "collapse" | "copy-cell" | "copy-row";

type KeyPress = { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean };

/** Arrows, Page Up/Down and Home/End (with Ctrl or ⌘: first/last row) move; Enter or Space opens a
 *  nested value and Escape closes it; Ctrl/⌘+C copies the cell, Ctrl/⌘+Shift+C its row. */
export function gridCommand(press: KeyPress): GridCommand | null {
  const command = press.ctrlKey || press.metaKey;
  if (press.altKey) return null;
  if (command && press.key.toLowerCase() === "c") return press.shiftKey ? "copy-row" : "copy-cell";
  if (command && press.key === "Home") return "first";
  if (command && press.key === "End") return "last";
  if (command || press.shiftKey) return null;
  const plain: Record<string, GridCommand> = {
    ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right",
    PageUp: "page-up", PageDown: "page-down", Home: "row-start", End: "row-end",
    Enter: "toggle", " ": "toggle", Escape: "collapse",
  };
  return plain[press.key] ?? null;
}

/** The cell keyboard focus is on: a screen position and a column index. */
export type ActiveCell = { position: number; column: number };

/** Where a move command takes the active cell, kept inside the grid. */
export function moveActiveCell(active: ActiveCell, command: GridCommand, rows: number, columns: number, pageRows: number): ActiveCell {
  const clamp = (value: number, size: number) => Math.max(0, Math.min(size - 1, value));
  const { position, column } = active;
  const moved: Partial<Record<GridCommand, ActiveCell>> = {
    up: { position: position - 1, column },
    down: { position: position + 1, column },
    left: { position, column: column - 1 },
    right: { position, column: column + 1 },
    "page-up": { position: position - Math.max(1, pageRows), column },
    "page-down": { position: position + Math.max(1, pageRows), column },
    "row-start": { position, column: 0 },
    "row-end": { position, column: columns - 1 },
    first: { position: 0, column },
    last: { position: rows - 1, column },
  };
  const next = moved[command] ?? active;
  return { position: clamp(next.position, rows), column: clamp(next.column, columns) };
}
