// Dragging a field name (from a data grid header or an upstream field chip) into the node's form:
// what the drag carries, and what a drop adds — a reference inside an expression, a new `set`
// row computing the field, or the name in a rename map or a list of names.
import { fieldReference } from "./fieldReference";

/** The drag data type that marks a field name (plain text is set too, for other drop targets). */
export const FIELD_DRAG_TYPE = "application/x-sluice-field";

/** Starts dragging field `name`. */
export function startFieldDrag(transfer: DataTransfer, name: string): void {
  transfer.setData(FIELD_DRAG_TYPE, name);
  transfer.setData("text/plain", name);
  transfer.effectAllowed = "copy";
}

/** Whether a drag carries a field (readable during dragover, when the data itself is not). */
export function carriesField(transfer: DataTransfer | null): boolean {
  return !!transfer && Array.from(transfer.types).includes(FIELD_DRAG_TYPE);
}

/** The field a drop carries, if any. */
export function droppedField(transfer: DataTransfer | null): string | null {
  return transfer?.getData(FIELD_DRAG_TYPE) || null;
}

const WORD_CHARACTER = /[A-Za-z0-9_]/;

/** The change that drops field `name` into expression `source` at `position`: its reference,
 *  after the word the drop landed in (not splitting it), spaced from what it touches. */
export function fieldInsertion(source: string, position: number, name: string): { from: number; insert: string; cursor: number } {
  let at = Math.max(0, Math.min(position, source.length));
  while (at < source.length && at > 0 && WORD_CHARACTER.test(source[at - 1]) && WORD_CHARACTER.test(source[at])) at += 1;
  const before = at > 0 ? source[at - 1] : "";
  const after = source[at] ?? "";
  const spaceBefore = before !== "" && !/[\s([{]/.test(before) ? " " : "";
  const spaceAfter = after !== "" && !/[\s)\]},.]/.test(after) ? " " : "";
  const insert = `${spaceBefore}${fieldReference(name)}${spaceAfter}`;
  return { from: at, insert, cursor: at + spaceBefore.length + fieldReference(name).length };
}

/** A form field that takes dropped field names. */
export type DropTarget = "expression-map" | "map" | "list";

/** The field's value after dropping field `name` on it: a `set` map gains `name → name`'s
 *  reference, another map gains `name` with its value to fill in, a list gains `name`. A name
 *  already there changes nothing. */
export function withDroppedField(target: DropTarget, value: unknown, name: string): unknown {
  if (target === "list") {
    const names = Array.isArray(value) ? (value as string[]) : [];
    return names.includes(name) ? value : [...names, name];
  }
  const entries = (value ?? {}) as Record<string, string>;
  if (name in entries) return value;
  return { ...entries, [name]: target === "expression-map" ? fieldReference(name) : "" };
}
