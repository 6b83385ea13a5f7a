// Pure edits of a flow document: what the canvas does to a flow, without React or IPC, so each
// edit is a value the undo history can keep.
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Edge } from "../bindings/Edge";
import type { Flow } from "../bindings/Flow";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { Node } from "../bindings/Node";
import { ASSUMED_NODE_SIZE, centredOn, freeSpot, nodeRects, rightOf, type Point, type Size } from "../canvas/placement";
import { outputPorts } from "../canvas/viewModel";

/** A new node id for a component type: `csv_read_1`, `filter_2`, … (ids must be unique). */
export function newNodeId(flow: Flow, component: string): string {
  const base = component.replace(/[^A-Za-z0-9_-]/g, "_");
  const taken = new Set(flow.nodes.map((node) => node.id));
  for (let index = 1; ; index++) {
    const candidate = `${base}_${index}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Adds a node of `info`'s type at `position`, with the component's defaults as its config. */
export function addNode(flow: Flow, info: ComponentInfo, position: { x: number; y: number }): [Flow, string] {
  const id = newNodeId(flow, info.type);
  const config = (info.default_config ?? {}) as JsonValue;
  const node: Node = { id, type: info.type, position: { x: Math.round(position.x), y: Math.round(position.y) }, config };
  return [{ ...flow, nodes: [...flow.nodes, node] }, id];
}

/** What the canvas knows when a palette item is clicked: the flow-space middle of what is
 *  visible, and the node sizes React Flow measured. */
export type CanvasView = { centre: Point; measured: Record<string, Size> };

/** Whether a node of kind `from` can feed one of kind `to`: a destination has no outputs and a
 *  source takes no input. */
export function canFeed(from: ComponentInfo["kind"] | undefined, to: ComponentInfo["kind"]): boolean {
  return (from === "source" || from === "transform") && to !== "source";
}

/** Adds the node a palette click asks for, never on top of another node. With exactly one node
 *  selected that can feed it, the new node goes after that one: to its right, joined by an edge
 *  from its first free output port (quick-add). Otherwise it goes into free space near the
 *  middle of the view. Returns null for a type the registry does not know. */
export function addFromPalette(
  flow: Flow,
  components: ComponentInfo[],
  type: string,
  selected: string[],
  view: CanvasView,
): [Flow, string] | null {
  const info = components.find((candidate) => candidate.type === type);
  if (!info) return null;
  const occupied = nodeRects(flow, view.measured);
  const anchor = selected.length === 1 ? flow.nodes.find((node) => node.id === selected[0]) : undefined;
  const anchorInfo = components.find((candidate) => candidate.type === anchor?.type);
  const anchorKind = anchorInfo?.kind;
  if (!anchor || !canFeed(anchorKind, info.kind)) {
    return addNode(flow, info, freeSpot(occupied, centredOn(view.centre), ASSUMED_NODE_SIZE, "around"));
  }
  const anchorRect = occupied.find((rect) => rect.id === anchor.id)!;
  const [next, id] = addNode(flow, info, freeSpot(occupied, rightOf(anchorRect), ASSUMED_NODE_SIZE, "rightward"));
  const ports = outputPorts(anchorInfo?.ports, anchor.config);
  const port = ports.find((candidate) => !flow.edges.some((edge) => edge.from === anchor.id && (edge.from_port ?? "out") === candidate)) ?? ports[0];
  return [connect(next, anchor.id, port, id), id];
}

export function updateNode(flow: Flow, id: string, patch: Partial<Node>): Flow {
  return { ...flow, nodes: flow.nodes.map((node) => (node.id === id ? { ...node, ...patch } : node)) };
}

export function moveNode(flow: Flow, id: string, position: { x: number; y: number }): Flow {
  return updateNode(flow, id, { position: { x: Math.round(position.x), y: Math.round(position.y) } });
}

/** Connects `from`'s port to `to`, unless that edge exists or would connect a node to itself.
 *  Connecting from a node's `error` port switches its `on_error` to `route`. */
export function connect(flow: Flow, from: string, port: string | null, to: string, input: string | null = null): Flow {
  if (from === to) return flow;
  const fromPort = port && port !== "out" ? port : null;
  const toPort = input && input !== "in" ? input : null;
  const exists = flow.edges.some(
    (edge) => edge.from === from && (edge.from_port ?? null) === fromPort && edge.to === to && (edge.to_port ?? null) === toPort,
  );
  if (exists) return flow;
  const edge: Edge = { from, ...(fromPort ? { from_port: fromPort } : {}), to, ...(toPort ? { to_port: toPort } : {}) };
  let next: Flow = { ...flow, edges: [...flow.edges, edge] };
  if (fromPort === "error") next = updateNode(next, from, { on_error: "route" });
  return next;
}

export function removeEdge(flow: Flow, edge: { from: string; port: string | null; to: string; input?: string | null }): Flow {
  const port = edge.port && edge.port !== "out" ? edge.port : null;
  const input = edge.input && edge.input !== "in" ? edge.input : null;
  return {
    ...flow,
    edges: flow.edges.filter(
      (candidate) => !(candidate.from === edge.from && (candidate.from_port ?? null) === port && candidate.to === edge.to
        && (candidate.to_port ?? null) === input),
    ),
  };
}

/** Removes nodes and every edge touching them. */
export function removeNodes(flow: Flow, ids: string[]): Flow {
  const gone = new Set(ids);
  return {
    ...flow,
    nodes: flow.nodes.filter((node) => !gone.has(node.id)),
    edges: flow.edges.filter((edge) => !gone.has(edge.from) && !gone.has(edge.to)),
  };
}

/** The selected nodes and the edges between them, as flow JSON for the clipboard. */
export function copyNodes(flow: Flow, ids: string[]): string {
  const chosen = new Set(ids);
  const fragment = {
    format: "sluice.flow/1",
    nodes: flow.nodes.filter((node) => chosen.has(node.id)),
    edges: flow.edges.filter((edge) => chosen.has(edge.from) && chosen.has(edge.to)),
  };
  return JSON.stringify(fragment, null, 2);
}

/** Pastes clipboard flow JSON: nodes get fresh ids where theirs are taken and move by `offset`.
 *  Returns the new flow and the pasted node ids, or null when the text is not flow JSON. */
export function pasteNodes(flow: Flow, text: string, offset: { x: number; y: number }): [Flow, string[]] | null {
  let fragment: { nodes?: Node[]; edges?: Edge[] };
  try {
    fragment = JSON.parse(text);
  } catch {
    return null;
  }
  if (!fragment || !Array.isArray(fragment.nodes) || fragment.nodes.length === 0) return null;
  let next = flow;
  const renamed = new Map<string, string>();
  for (const node of fragment.nodes) {
    if (typeof node?.id !== "string" || typeof node?.type !== "string") return null;
    const id = next.nodes.some((existing) => existing.id === node.id) ? newNodeId(next, node.type) : node.id;
    renamed.set(node.id, id);
    const position = node.position ?? { x: 0, y: 0 };
    next = {
      ...next,
      nodes: [...next.nodes, { ...node, id, position: { x: position.x + offset.x, y: position.y + offset.y } }],
    };
  }
  for (const edge of fragment.edges ?? []) {
    const from = renamed.get(edge.from);
    const to = renamed.get(edge.to);
    if (from && to) next = { ...next, edges: [...next.edges, { ...edge, from, to }] };
  }
  return [next, [...renamed.values()]];
}
