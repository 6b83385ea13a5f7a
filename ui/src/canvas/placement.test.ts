import { describe, expect, it } from "vitest";
import type { Flow } from "../bindings/Flow";
import { ASSUMED_NODE_SIZE, NODE_GAP, centredOn, freeSpot, nodeRects, visibleCentre, type Rect } from "./placement";

const size = ASSUMED_NODE_SIZE;
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("placement", () => {
  it("takes the preferred spot when it is free", () => {
    expect(freeSpot([], { x: 100, y: 50 })).toEqual({ x: 100, y: 50 });
    expect(freeSpot([{ x: 1000, y: 1000, ...size }], { x: 100, y: 50 })).toEqual({ x: 100, y: 50 });
  });

  it("moves off a node that sits on the preferred spot, keeping the gap", () => {
    const taken: Rect = { x: 100, y: 50, ...size };
    const spot = freeSpot([taken], { x: 100, y: 50 });
    const placed = { ...spot, ...size };
    expect(overlap(placed, { x: taken.x - NODE_GAP, y: taken.y - NODE_GAP, width: size.width + 2 * NODE_GAP, height: size.height + 2 * NODE_GAP })).toBe(false);
    // Nearest free: straight above or below (a node is wider than it is tall).
    expect(spot.x).toBe(100);
  });

  it("rightward never goes left and stacks in the column before going further right", () => {
    const anchor: Rect = { x: 0, y: 0, ...size };
    const first: Rect = { x: 300, y: 0, ...size };
    const spot = freeSpot([anchor, first], { x: 300, y: 0 }, size, "rightward");
    expect(spot.x).toBe(300);
    expect(Math.abs(spot.y)).toBeGreaterThanOrEqual(size.height + NODE_GAP);
  });

  it("uses measured sizes where the canvas knows them", () => {
    const flow: Flow = {
      format: "sluice.flow/1", id: "f", name: "n", edges: [],
      nodes: [{ id: "a", type: "x", position: { x: 1, y: 2 }, config: {} }, { id: "b", type: "x", config: {} }],
    };
    expect(nodeRects(flow, { a: { width: 250, height: 90 } })).toEqual([
      { id: "a", x: 1, y: 2, width: 250, height: 90 },
      { id: "b", x: 0, y: 0, ...size },
    ]);
  });

  it("finds the middle of the visible canvas in flow coordinates", () => {
    expect(visibleCentre(800, 600, [0, 0, 1])).toEqual({ x: 400, y: 300 });
    expect(visibleCentre(800, 600, [-200, 100, 2])).toEqual({ x: 300, y: 100 });
    expect(centredOn({ x: 400, y: 300 })).toEqual({ x: 400 - size.width / 2, y: 300 - size.height / 2 });
  });
});
