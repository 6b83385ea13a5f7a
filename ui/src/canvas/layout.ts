// "Tidy up": lays a flow out left to right with dagre, sources left of what they feed, no two
// cards overlapping. Pure (a flow in, a flow out) so the store keeps it as one undoable edit.
import dagre from "@dagrejs/dagre";
import type { Flow } from "../bindings/Flow";
import { ASSUMED_NODE_SIZE, NODE_GAP, type Point, type Size } from "./placement";

/** Space between the columns (ranks): room for an edge to bend between a port and an input. */
const COLUMN_GAP = NODE_GAP * 2;

/** The flow with every node placed by dagre, left to right. `sizes` are the sizes the canvas
 *  measured; a node it has not measured gets the size placement assumes. The layout keeps the
 *  top-left corner the nodes had, so the flow stays where the person was looking. Returns `flow`
 *  itself when no node moves, so tidying a tidy flow adds no undo step. */
export function layoutFlow(flow: Flow, sizes: Record<string, Size> = {}): Flow {
  if (flow.nodes.length === 0) return flow;
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: NODE_GAP, ranksep: COLUMN_GAP, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const sizeOf = (id: string): Size => sizes[id] ?? ASSUMED_NODE_SIZE;
  for (const node of flow.nodes) graph.setNode(node.id, { ...sizeOf(node.id) });
  const known = new Set(flow.nodes.map((node) => node.id));
  for (const edge of flow.edges) {
    // An edge to a node that is not there (an imported flow with a typo) has nowhere to go.
    if (known.has(edge.from) && known.has(edge.to) && edge.from !== edge.to) graph.setEdge(edge.from, edge.to);
  }
  dagre.layout(graph);

  const placed = new Map<string, Point>();
  for (const node of flow.nodes) {
    const { x, y } = graph.node(node.id);
    const size = sizeOf(node.id);
    placed.set(node.id, { x: x - size.width / 2, y: y - size.height / 2 });
  }
  const before = topLeft(flow.nodes.map((node) => node.position ?? { x: 0, y: 0 }));
  const after = topLeft([...placed.values()]);
  let moved = false;
  const nodes = flow.nodes.map((node) => {
    const spot = placed.get(node.id)!;
    const position = { x: Math.round(spot.x - after.x + before.x), y: Math.round(spot.y - after.y + before.y) };
    if (node.position && node.position.x === position.x && node.position.y === position.y) return node;
    moved = true;
    return { ...node, position };
  });
  return moved ? { ...flow, nodes } : flow;
}

function topLeft(points: Point[]): Point {
  let x = Infinity;
  let y = Infinity;
  for (const point of points) {
    x = Math.min(x, point.x);
    y = Math.min(y, point.y);
  }
  return { x, y };
}
