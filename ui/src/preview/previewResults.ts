// Preview results kept per node: each node's last previewed records with a fingerprint of the
// part of the flow that made them (the node and everything upstream), so an upstream edit marks
// them stale instead of throwing them away.
import type { Flow } from "../bindings/Flow";
import type { NodeReport } from "../bindings/NodeReport";
import type { RunReport } from "../bindings/RunReport";

/** One node's last preview. */
export type NodePreview = { report: NodeReport; fingerprint: string };

/** Every node's last preview, by node id. */
export type Previews = Record<string, NodePreview>;

/** What decides a node's records: its own settings and those of every node upstream of it, and
 *  the edges between them (not where they sit on the canvas). */
export function upstreamFingerprint(flow: Flow, nodeId: string): string {
  const kept = new Set([nodeId]);
  const waiting = [nodeId];
  while (waiting.length) {
    const current = waiting.pop()!;
    for (const edge of flow.edges) {
      if (edge.to === current && !kept.has(edge.from)) {
        kept.add(edge.from);
        waiting.push(edge.from);
      }
    }
  }
  const nodes = flow.nodes
    .filter((node) => kept.has(node.id))
    .map(({ id, type, config, on_error, credential }) => ({ id, type, config, on_error, credential }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const edges = flow.edges
    .filter((edge) => kept.has(edge.from) && kept.has(edge.to))
    .map((edge) => `${edge.from}:${edge.from_port ?? "out"}>${edge.to}`)
    .sort();
  return JSON.stringify({ nodes, edges, vars: flow.vars ?? {} });
}

/** The previews after a preview of `flow` reported `report`: its nodes' results replace theirs,
 *  the others are kept. */
export function mergePreview(previews: Previews, flow: Flow, report: RunReport): Previews {
  const next = { ...previews };
  for (const node of report.nodes) {
    next[node.node] = { report: node, fingerprint: upstreamFingerprint(flow, node.node) };
  }
  return next;
}

/** Whether the flow changed upstream of the node since its preview. */
export function isStale(preview: NodePreview, flow: Flow, nodeId: string): boolean {
  return preview.fingerprint !== upstreamFingerprint(flow, nodeId);
}

/** The node a Preview press runs up to: the one selected, else the whole flow (null). */
export function previewTarget(selected: string[]): string | null {
  return selected.length === 1 ? selected[0] : null;
}

/** Samples pinned as test input, by node id: kept while the flow is open. */
export type PinnedSamples = Record<string, Record<string, unknown>[]>;

/** The pins a preview of `flow` sends: those of nodes still in it. */
export function pinsFor(flow: Flow, pinned: PinnedSamples): PinnedSamples {
  const ids = new Set(flow.nodes.map((node) => node.id));
  return Object.fromEntries(Object.entries(pinned).filter(([node]) => ids.has(node)));
}

/** Whether a node's sample can be pinned: its records leave by its `out` port only (a pinned
 *  sample has one port). */
export function canPin(flow: Flow, nodeId: string): boolean {
  return !flow.edges.some((edge) => edge.from === nodeId && (edge.from_port ?? "out") !== "out");
}
