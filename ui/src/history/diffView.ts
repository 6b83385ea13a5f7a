// What restoring a version would change, as lines a person reads: pure functions over the
// engine's FlowDiff (computed in Rust, the same that labels each version).
import type { FlowDiff } from "../bindings/FlowDiff";

/** One line of a diff: what kind of change, and its words. */
export type DiffLine = { kind: "added" | "removed" | "changed" | "moved" | "flow"; text: string };

/** A value as it reads in a diff: text as it is, the rest as JSON, missing as "(none)". */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return "(none)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The lines of a diff, flow-level changes first, then nodes and edges. */
export function diffLines(diff: FlowDiff): DiffLine[] {
  const lines: DiffLine[] = [];
  if (diff.renamed) lines.push({ kind: "flow", text: `Name becomes “${diff.renamed}”` });
  if (diff.description_changed) lines.push({ kind: "flow", text: "The description changes" });
  if (diff.schedule_changed) lines.push({ kind: "flow", text: "The schedule changes" });
  if (diff.vars_changed) lines.push({ kind: "flow", text: "The variables change" });
  for (const node of diff.nodes_added) lines.push({ kind: "added", text: `Node ${node} comes back` });
  for (const node of diff.nodes_removed) lines.push({ kind: "removed", text: `Node ${node} goes away` });
  for (const change of diff.nodes_changed) {
    for (const field of change.fields) {
      const path = field.path.replace(/^config\./, "");
      lines.push({ kind: "changed", text: `${change.node} · ${path}: ${shown(field.before)} → ${shown(field.after)}` });
    }
  }
  for (const edge of diff.edges_added) lines.push({ kind: "added", text: `Edge ${edge} comes back` });
  for (const edge of diff.edges_removed) lines.push({ kind: "removed", text: `Edge ${edge} goes away` });
  if (diff.nodes_moved.length) lines.push({ kind: "moved", text: `${diff.nodes_moved.length} node(s) move back: ${diff.nodes_moved.join(", ")}` });
  return lines;
}
