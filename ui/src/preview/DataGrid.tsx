// The data grid for a node's sample records: typed, sortable column headers, only the rows in
// view rendered, nested values opened in place, cells and rows copied, headers dragged into the
// node's form as field names. Logic lives in grid.ts.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type RefObject } from "react";
import { errorText } from "../api";
import { startFieldDrag } from "../expression/fieldDrop";
import {
  cellCopyText,
  cellKind,
  cellText,
  columnWidths,
  gridCommand,
  isExpanded,
  isNumericColumn,
  moveActiveCell,
  nextSortOrder,
  prettyJson,
  rowCopyText,
  rowHeightAt,
  rowTop,
  scrollTopToReveal,
  sortedRecordOrder,
  tallRows,
  toggleExpanded,
  totalHeight,
  visibleRowRange,
  type ActiveCell,
  type ExpandedCell,
  type FieldTypes,
  type GridRecord,
  type RowLayout,
  type SortOrder,
} from "./grid";

/** Heights that match `.data-grid-header`, `.data-grid-row` and `.data-grid-json` in styles.css:
 *  a row, a line of opened JSON, and the JSON box's padding plus a scroll bar. */
const rowHeight = 28;
const openedRowSizes = { rowHeight, jsonLineHeight: 17, maxJsonLines: 14, jsonChrome: 22 };
/** Rows rendered beyond each edge so a quick scroll does not show blank space. */
const overscan = 8;
/** Until the scroll box is measured, render as if it were this tall. */
const unmeasuredHeight = 320;
const gutterWidth = 64;

type DataGridProps = {
  records: GridRecord[];
  fields: FieldTypes[];
  /** What the grid shows, for screen readers: "Sample records of “map_1”". */
  label: string;
  testId?: string;
};

type Status = { text: string };

export function DataGrid({ records, fields, label, testId }: DataGridProps) {
  const scrollBox = useRef<HTMLDivElement>(null);
  const viewportHeight = useClientHeight(scrollBox, unmeasuredHeight);
  const idPrefix = useId();
  const [scrollTop, setScrollTop] = useState(0);
  const [sort, setSort] = useState<SortOrder>(null);
  const [expanded, setExpanded] = useState<ExpandedCell[]>([]);
  const [active, setActive] = useState<ActiveCell>({ position: 0, column: 0 });
  const [status, setStatus] = useState<Status | null>(null);
  const revealActive = useRef(false);
  const [shownRecords, setShownRecords] = useState(records);
  if (shownRecords !== records) {
    // New samples: opened cells and the cursor pointed into the old ones.
    setShownRecords(records);
    setExpanded([]);
    setActive({ position: 0, column: 0 });
  }

  const order = useMemo(() => sortedRecordOrder(records, sort), [records, sort]);
  const widths = useMemo(() => columnWidths(records, fields), [records, fields]);
  const layout: RowLayout = useMemo(
    () => ({ rowHeight, tallRows: tallRows(expanded, order, records, openedRowSizes) }),
    [expanded, order, records],
  );
  // The sticky header covers the top row's worth of the scroll box.
  const bodyHeight = Math.max(0, viewportHeight - rowHeight);
  const { start, end } = visibleRowRange({ scrollTop, viewportHeight: bodyHeight, count: order.length, overscan, layout });
  const cellId = (position: number, column: number) => `${idPrefix}-${position}-${column}`;
  const activeShown = active.position >= start && active.position < end && active.column < fields.length;

  useEffect(() => {
    if (!status) return;
    const timer = setTimeout(() => setStatus(null), 2500);
    return () => clearTimeout(timer);
  }, [status]);

  useEffect(() => {
    if (!revealActive.current) return;
    revealActive.current = false;
    // Rows are already scrolled into view; this brings a column in from the side.
    document.getElementById(cellId(active.position, active.column))?.scrollIntoView({ block: "nearest", inline: "nearest" });
  });

  const copy = (text: string, what: string) => {
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(text))
      .then(
        () => setStatus({ text: `Copied ${what}.` }),
        (failure) => setStatus({ text: `Could not copy ${what}: ${errorText(failure)}` }),
      );
  };
  const copyCell = (record: number, field: string) => copy(cellCopyText(records[record][field]), `${field} of record ${record + 1}`);
  const copyRow = (record: number) => copy(rowCopyText(records[record]), `record ${record + 1} as JSON`);
  const toggle = (record: number, field: string) => setExpanded((current) => toggleExpanded(current, record, field));
  const activate = (cell: ActiveCell) => {
    setActive(cell);
    scrollBox.current?.focus({ preventScroll: true });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const command = gridCommand(event);
    // Keys pressed on a button inside are that button's; a text selection copies as text.
    if (!command || event.target !== event.currentTarget || !order.length || !fields.length) return;
    if (command.startsWith("copy") && window.getSelection()?.toString()) return;
    event.preventDefault();
    const record = order[Math.min(active.position, order.length - 1)];
    const field = fields[Math.min(active.column, fields.length - 1)].name;
    const value = records[record][field];
    if (command === "copy-cell") return copyCell(record, field);
    if (command === "copy-row") return copyRow(record);
    if (command === "toggle") {
      if (typeof value === "object" && value !== null) toggle(record, field);
      return;
    }
    if (command === "collapse") {
      if (isExpanded(expanded, record, field)) toggle(record, field);
      return;
    }
    const next = moveActiveCell(active, command, order.length, fields.length, Math.floor(bodyHeight / rowHeight));
    const top = scrollTopToReveal(next.position, event.currentTarget.scrollTop, bodyHeight, layout);
    event.currentTarget.scrollTop = top;
    setScrollTop(top);
    setActive(next);
    revealActive.current = true;
  };

  const template = [`${gutterWidth}px`, ...widths.map((width, index) => {
    const column = `calc(${width}ch + 16px)`;
    return index === widths.length - 1 ? `minmax(${column}, 1fr)` : column;
  })].join(" ");

  return (
    <div className="data-grid" data-testid={testId} style={{ "--grid-columns": template } as CSSProperties}>
      <div
        ref={scrollBox}
        className="data-grid-scroll"
        role="grid"
        aria-label={label}
        aria-rowcount={order.length + 1}
        aria-colcount={fields.length + 1}
        aria-activedescendant={activeShown ? cellId(active.position, active.column) : undefined}
        tabIndex={0}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        <div className="data-grid-canvas">
          <div className="data-grid-header" role="row" aria-rowindex={1}>
            <div className="data-grid-gutter" role="columnheader" title="Record number, in the order the node sent them">#</div>
            {fields.map((field) => (
              <ColumnHeader key={field.name} field={field} sort={sort} onSort={() => setSort((current) => nextSortOrder(current, field.name))} />
            ))}
          </div>
          <div className="data-grid-body" role="rowgroup" style={{ height: totalHeight(order.length, layout) }}>
            {order.slice(start, end).map((record, offset) => {
              const position = start + offset;
              return (
                <div
                  key={record}
                  className="data-grid-row"
                  role="row"
                  aria-rowindex={position + 2}
                  style={{ top: rowTop(position, layout), height: rowHeightAt(position, layout) }}
                >
                  <div className="data-grid-gutter" role="rowheader">
                    {record + 1}
                    <button
                      className="data-grid-copy"
                      tabIndex={-1}
                      aria-label={`Copy record ${record + 1} as JSON`}
                      title="Copy this record as JSON (Ctrl+Shift+C)"
                      data-testid={`grid-copy-row-${record}`}
                      onClick={() => copyRow(record)}
                    />
                  </div>
                  {fields.map((field, column) => (
                    <GridCell
                      key={field.name}
                      id={cellId(position, column)}
                      value={records[record][field.name]}
                      field={field}
                      record={record}
                      active={active.position === position && active.column === column}
                      open={isExpanded(expanded, record, field.name)}
                      onActivate={() => activate({ position, column })}
                      onToggle={() => toggle(record, field.name)}
                      onCopy={() => copyCell(record, field.name)}
                    />
                  ))}
                </div>
              );
            })}
          </div>
        </div>
        {!records.length && <p className="muted data-grid-none">The node sent no records.</p>}
      </div>
      <p className="data-grid-footer muted" role="status" data-testid="grid-status">
        {status?.text ?? "Click a header to sort. Arrows move, Enter opens a nested value, Ctrl+C (⌘C) copies a cell, Ctrl+Shift+C its record."}
      </p>
    </div>
  );
}

function ColumnHeader({ field, sort, onSort }: { field: FieldTypes; sort: SortOrder; onSort: () => void }) {
  const direction = sort?.field === field.name ? sort.direction : null;
  return (
    <div
      className={`data-grid-column${isNumericColumn(field) ? " numeric" : ""}`}
      role="columnheader"
      aria-sort={direction ?? "none"}
      draggable
      title={`Drag ${field.name} into an expression or a list of fields`}
      onDragStart={(event) => startFieldDrag(event.dataTransfer, field.name)}
    >
      <button
        className="data-grid-sort"
        tabIndex={-1}
        title={`Sort by ${field.name}: ascending, descending, then as the node sent them`}
        data-testid={`grid-sort-${field.name}`}
        onClick={onSort}
      >
        <span className="data-grid-field">{field.name}</span> <em>{field.types.join(" | ")}</em>
        {direction && <span className="data-grid-arrow">{direction === "ascending" ? " ▲" : " ▼"}</span>}
      </button>
    </div>
  );
}

type GridCellProps = {
  id: string;
  value: unknown;
  field: FieldTypes;
  record: number;
  active: boolean;
  open: boolean;
  onActivate: () => void;
  onToggle: () => void;
  onCopy: () => void;
};

function GridCell({ id, value, field, record, active, open, onActivate, onToggle, onCopy }: GridCellProps) {
  const kind = cellKind(value);
  const text = cellText(value);
  const nested = kind === "object" || kind === "list";
  const className = ["data-grid-cell", kind, isNumericColumn(field) ? "numeric" : "", active ? "active" : "", open ? "open" : ""];
  return (
    <div id={id} className={className.filter(Boolean).join(" ")} role="gridcell" data-field={field.name} data-record={record} onClick={onActivate}>
      {nested ? (
        <button className="data-grid-nested" tabIndex={-1} aria-expanded={open} title={open ? "Hide the JSON" : "Show the JSON"} onClick={onToggle}>
          {text}
        </button>
      ) : (
        <span className="data-grid-value" title={cellTitle(kind, text)}>{text}</span>
      )}
      {open && <pre className="data-grid-json">{prettyJson(value)}</pre>}
      <button className="data-grid-copy" tabIndex={-1} aria-label={`Copy ${field.name}`} title="Copy this value (Ctrl+C)" onClick={onCopy} />
    </div>
  );
}

function cellTitle(kind: string, text: string): string | undefined {
  if (kind === "missing") return "This record has no such field";
  if (kind === "empty") return "Empty text";
  // Long text is cut at the column's edge; the whole of it shows on hover.
  return text.length > 20 ? text.slice(0, 1000) : undefined;
}

/** The element's inner height, kept current as the pane is resized. */
function useClientHeight(element: RefObject<HTMLElement | null>, unmeasured: number): number {
  const [height, setHeight] = useState(unmeasured);
  useLayoutEffect(() => {
    const box = element.current;
    if (!box) return;
    const measure = () => setHeight(box.clientHeight || unmeasured);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [element, unmeasured]);
  return height;
}
