// "Tidy up": lays a flow out left to right in columns (ranks), sources left of what they feed, no
// two cards overlapping, chains kept on one line. Pure (a flow in, a flow out) so the store keeps
// it as one undoable edit. Linear in the flow's size, so 500 nodes lay out in milliseconds.
import type { Flow } from "../bindings/Flow";
import { ASSUMED_NODE_SIZE, NODE_GAP, type Point, type Size } from "./placement";

/** Space between the columns (ranks): room for an edge to bend between a port and an input. */
const COLUMN_GAP = NODE_GAP * 2;

/** Barycentre sweeps that order the nodes of each column by where what feeds them sits. */
const ORDERING_SWEEPS = 4;

/** The flow with every node placed, left to right. `sizes` are the sizes the canvas measured; a
 *  node it has not measured gets the size placement assumes. The layout keeps the top-left corner
 *  the nodes had, so the flow stays where the person was looking. Returns `flow` itself when no
 *  node moves, so tidying a tidy flow adds no undo step. */
export function layoutFlow(flow: Flow, sizes: Record<string, Size> = {}): Flow {
  if (flow.nodes.length === 0) return flow;
  const ids = flow.nodes.map((node) => node.id);
  const index = new Map(ids.map((id, position) => [id, position]));
  // An edge to a node that is not there (an imported flow with a typo) has nowhere to go.
  const edges = flow.edges.filter((edge) => index.has(edge.from) && index.has(edge.to) && edge.from !== edge.to);
  const feeds = ids.map(() => [] as number[]);
  const fedBy = ids.map(() => [] as number[]);
  for (const edge of edges) {
    feeds[index.get(edge.from)!].push(index.get(edge.to)!);
    fedBy[index.get(edge.to)!].push(index.get(edge.from)!);
  }
  const ranks = rankNodes(feeds, fedBy);
  const columns = orderColumns(ranks, fedBy, feeds);
  const placed = placeColumns(columns, fedBy, (node) => sizes[ids[node]] ?? ASSUMED_NODE_SIZE);

  const before = topLeft(flow.nodes.map((node) => node.position ?? { x: 0, y: 0 }));
  const after = topLeft(placed);
  let moved = false;
  const nodes = flow.nodes.map((node, position) => {
    const spot = placed[position];
    const next = { x: Math.round(spot.x - after.x + before.x), y: Math.round(spot.y - after.y + before.y) };
    if (node.position && node.position.x === next.x && node.position.y === next.y) return node;
    moved = true;
    return { ...node, position: next };
  });
  return moved ? { ...flow, nodes } : flow;
}

/** Each node's column: one past the farthest node feeding it. In a loop (an imported flow may
 *  hold one) the first node of the loop not yet placed is taken as if nothing fed it. */
function rankNodes(feeds: number[][], fedBy: number[][]): number[] {
  const rank = feeds.map(() => 0);
  const waiting = fedBy.map((inputs) => inputs.length);
  const done = feeds.map(() => false);
  const ready = waiting.flatMap((count, node) => (count === 0 ? [node] : []));
  let settled = 0;
  while (settled < feeds.length) {
    if (ready.length === 0) ready.push(done.indexOf(false));
    const node = ready.shift()!;
    if (done[node]) continue;
    done[node] = true;
    settled += 1;
    for (const next of feeds[node]) {
      if (done[next]) continue;
      rank[next] = Math.max(rank[next], rank[node] + 1);
      waiting[next] -= 1;
      if (waiting[next] === 0) ready.push(next);
    }
  }
  return rank;
}

/** The nodes of each column, top to bottom: first in the flow's order, then sorted by the mean
 *  row of their neighbours in the column before (sweeping right) and after (sweeping left). */
function orderColumns(rank: number[], fedBy: number[][], feeds: number[][]): number[][] {
  const columns: number[][] = [];
  rank.forEach((column, node) => (columns[column] ??= []).push(node));
  const filled = columns.map((column) => column ?? []);
  const row = new Map<number, number>();
  const remember = (column: number[]) => column.forEach((node, position) => row.set(node, position));
  filled.forEach(remember);
  const sortBy = (column: number[], neighbours: number[][]) => {
    const key = (node: number) => {
      const known = neighbours[node].filter((other) => row.has(other)).map((other) => row.get(other)!);
      return known.length ? known.reduce((sum, value) => sum + value, 0) / known.length : row.get(node)!;
    };
    const keys = new Map(column.map((node) => [node, key(node)]));
    column.sort((a, b) => keys.get(a)! - keys.get(b)! || row.get(a)! - row.get(b)!);
    remember(column);
  };
  for (let sweep = 0; sweep < ORDERING_SWEEPS; sweep++) {
    if (sweep % 2 === 0) for (let column = 1; column < filled.length; column++) sortBy(filled[column], fedBy);
    else for (let column = filled.length - 2; column >= 0; column--) sortBy(filled[column], feeds);
  }
  return filled;
}

/** Top-left corners: columns side by side, each as wide as its widest card; in a column, each
 *  card level with the first card feeding it when there is room (chains stay on one line), else
 *  below the card above it. */
function placeColumns(columns: number[][], fedBy: number[][], sizeOf: (node: number) => Size): Point[] {
  const placed: Point[] = [];
  let x = 0;
  for (const column of columns) {
    let free = 0;
    let width = 0;
    for (const node of column) {
      const size = sizeOf(node);
      const feeder = fedBy[node].find((other) => placed[other] !== undefined);
      const wanted = feeder === undefined ? free : placed[feeder].y;
      const y = Math.max(wanted, free);
      placed[node] = { x, y };
      free = y + size.height + NODE_GAP;
      width = Math.max(width, size.width);
    }
    x += width + COLUMN_GAP;
  }
  return placed;
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
