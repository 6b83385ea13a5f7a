// Where a new node goes on the canvas: in free space, never on top of another node, near the
// middle of what is visible or to the right of the node it follows. Pure geometry in flow
// coordinates, tested beside; the canvas supplies the viewport and the sizes it measured.
import type { Flow } from "../bindings/Flow";

export type Point = { x: number; y: number };
export type Size = { width: number; height: number };
export type Rect = Point & Size;

/** A node's size before React Flow has measured it: a bare card (`.node` has min-width 170px,
 *  a title and an id line), rounded up so a little more text still fits. */
export const ASSUMED_NODE_SIZE: Size = { width: 180, height: 60 };

/** Space kept clear around every node, so cards and their ports do not touch. */
export const NODE_GAP = 32;

/** The search walks a grid of this step around the spot it prefers. */
const STEP = 20;
/** How far (in steps) the search looks before it gives up and goes right of everything. */
const REACH = 40;

/** The rectangles the flow's nodes cover, with the size the canvas measured where it knows it. */
export function nodeRects(flow: Flow, measured: Record<string, Size>): (Rect & { id: string })[] {
  return flow.nodes.map((node) => ({
    id: node.id,
    ...(node.position ?? { x: 0, y: 0 }),
    ...(measured[node.id] ?? ASSUMED_NODE_SIZE),
  }));
}

function overlaps(a: Rect, b: Rect): boolean {
  return (
    a.x < b.x + b.width + NODE_GAP &&
    b.x < a.x + a.width + NODE_GAP &&
    a.y < b.y + b.height + NODE_GAP &&
    b.y < a.y + a.height + NODE_GAP
  );
}

export type Direction = "around" | "rightward";

/** Grid offsets from the preferred spot, cheapest first; computed once per direction. */
const searchOrder: Partial<Record<Direction, { dx: number; dy: number }[]>> = {};

function offsetsNearestFirst(direction: Direction): { dx: number; dy: number }[] {
  const horizontalCost = direction === "rightward" ? 3 : 1;
  const offsets: { dx: number; dy: number; cost: number }[] = [];
  for (let column = direction === "rightward" ? 0 : -REACH; column <= REACH; column++) {
    for (let row = -REACH; row <= REACH; row++) {
      offsets.push({ dx: column * STEP, dy: row * STEP, cost: (column * horizontalCost) ** 2 + row ** 2 });
    }
  }
  return offsets.sort((a, b) => a.cost - b.cost);
}

/** The top-left corner nearest `preferred` where a node of `size` overlaps none of `occupied`.
 *  "around" looks every way; "rightward" never moves left of `preferred` and would rather move
 *  up or down than further right, so a node placed after another stays in its column. */
export function freeSpot(occupied: Rect[], preferred: Point, size: Size = ASSUMED_NODE_SIZE, direction: Direction = "around"): Point {
  const offsets = (searchOrder[direction] ??= offsetsNearestFirst(direction));
  const origin = { x: Math.round(preferred.x), y: Math.round(preferred.y) };
  // Only nodes the search can reach can be in the way (on a 500-node flow, a few dozen).
  const reach = REACH * STEP;
  const area = { x: origin.x - reach, y: origin.y - reach, width: 2 * reach + size.width, height: 2 * reach + size.height };
  const nearby = occupied.filter((rect) => overlaps(area, rect));
  const candidate = { x: 0, y: 0, width: size.width, height: size.height };
  for (const { dx, dy } of offsets) {
    candidate.x = origin.x + dx;
    candidate.y = origin.y + dy;
    if (!nearby.some((rect) => overlaps(candidate, rect))) return { x: candidate.x, y: candidate.y };
  }
  const rightmost = Math.max(...occupied.map((rect) => rect.x + rect.width));
  return { x: Math.round(rightmost + NODE_GAP + 1), y: Math.round(preferred.y) };
}

/** The flow-space point at the middle of the visible canvas; `transform` is React Flow's
 *  [x, y, zoom] and `width`/`height` the canvas's size in screen pixels. */
export function visibleCentre(width: number, height: number, transform: [number, number, number]): Point {
  const [x, y, zoom] = transform;
  return { x: (width / 2 - x) / zoom, y: (height / 2 - y) / zoom };
}

/** The top-left corner that centres a node of `size` on `centre`. */
export function centredOn(centre: Point, size: Size = ASSUMED_NODE_SIZE): Point {
  return { x: centre.x - size.width / 2, y: centre.y - size.height / 2 };
}

/** Where a node placed after `rect` would like to go: one gap to its right, top edges aligned. */
export function rightOf(rect: Rect): Point {
  return { x: rect.x + rect.width + NODE_GAP * 2, y: rect.y };
}
