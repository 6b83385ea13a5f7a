import { describe, expect, it } from "vitest";
import type { Edge } from "../bindings/Edge";
import type { Flow } from "../bindings/Flow";
import { layoutFlow } from "./layout";
import { ASSUMED_NODE_SIZE, type Rect, type Size } from "./placement";

const flowOf = (ids: string[], edges: [string, string, string?][]): Flow => ({
  format: "sluice.flow/1", id: "f", name: "n",
  // Everything piled on one spot, as a flow written by hand or by a script often is.
  nodes: ids.map((id) => ({ id, type: "filter", config: {} })),
  edges: edges.map(([from, to, port]): Edge => (port ? { from, from_port: port, to } : { from, to })),
});

const rects = (flow: Flow, sizes: Record<string, Size> = {}): Map<string, Rect> =>
  new Map(flow.nodes.map((node) => [node.id, { ...node.position!, ...(sizes[node.id] ?? ASSUMED_NODE_SIZE) }]));

const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function expectNoOverlaps(placed: Map<string, Rect>) {
  const all = [...placed.entries()];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (overlap(all[i][1], all[j][1])) throw new Error(`${all[i][0]} overlaps ${all[j][0]}`);
    }
  }
}

function expectSourcesLeftOfTargets(flow: Flow, placed: Map<string, Rect>) {
  for (const edge of flow.edges) {
    const from = placed.get(edge.from)!;
    const to = placed.get(edge.to)!;
    expect(from.x + from.width, `${edge.from} -> ${edge.to}`).toBeLessThan(to.x);
  }
}

describe("tidy up (layoutFlow)", () => {
  it("places every node, sources left of their targets, none on another", () => {
    // read -> keep -> (out) save, keep -(error)-> rejects, and a node on its own.
    const flow = flowOf(["save", "read", "keep", "rejects", "alone"], [["read", "keep"], ["keep", "save"], ["keep", "rejects", "error"]]);
    const tidy = layoutFlow(flow);
    expect(tidy.nodes.map((node) => node.id)).toEqual(flow.nodes.map((node) => node.id));
    for (const node of tidy.nodes) {
      expect(Number.isInteger(node.position?.x) && Number.isInteger(node.position?.y), node.id).toBe(true);
    }
    const placed = rects(tidy);
    expectNoOverlaps(placed);
    expectSourcesLeftOfTargets(tidy, placed);
    // Both of keep's outputs are in the column after it.
    expect(placed.get("save")!.x).toBe(placed.get("rejects")!.x);
  });

  it("uses the sizes the canvas measured, so big cards do not overlap", () => {
    const flow = flowOf(["a", "b", "c"], [["a", "b"], ["a", "c"]]);
    const sizes = { a: { width: 400, height: 300 }, b: { width: 300, height: 200 }, c: { width: 300, height: 200 } };
    const placed = rects(layoutFlow(flow, sizes), sizes);
    expectNoOverlaps(placed);
    expectSourcesLeftOfTargets(flow, placed);
  });

  it("keeps the flow where it was and changes nothing else", () => {
    const flow = flowOf(["a", "b"], [["a", "b"]]);
    flow.nodes[0].position = { x: 500, y: 300 };
    flow.nodes[1].position = { x: 520, y: 900 };
    const tidy = layoutFlow(flow);
    const placed = rects(tidy);
    expect(Math.min(placed.get("a")!.x, placed.get("b")!.x)).toBe(500);
    expect(Math.min(placed.get("a")!.y, placed.get("b")!.y)).toBe(300);
    expect(tidy.edges).toBe(flow.edges);
    expect(tidy.nodes[0].config).toBe(flow.nodes[0].config);
  });

  it("returns the same flow when it is already tidy (no empty undo step)", () => {
    const once = layoutFlow(flowOf(["a", "b", "c"], [["a", "b"], ["b", "c"]]));
    expect(layoutFlow(once)).toBe(once);
    const empty = flowOf([], []);
    expect(layoutFlow(empty)).toBe(empty);
  });

  it("survives what an imported flow may hold: a cycle, a self-edge, an edge to a missing node", () => {
    const flow = flowOf(["a", "b", "c"], [["a", "b"], ["b", "c"], ["c", "a"], ["b", "b"], ["a", "ghost"]]);
    const placed = rects(layoutFlow(flow));
    expect(placed.size).toBe(3);
    expectNoOverlaps(placed);
  });

  it("lays out 500 nodes: a long chain and a wide tree", () => {
    const chainIds = Array.from({ length: 500 }, (_, index) => `step_${index}`);
    const chain = flowOf(chainIds, chainIds.slice(1).map((id, index) => [chainIds[index], id]));
    const chainPlaced = rects(layoutFlow(chain));
    expect(chainPlaced.size).toBe(500);
    expectSourcesLeftOfTargets(chain, chainPlaced);

    // A binary tree: node i feeds 2i+1 and 2i+2.
    const treeIds = Array.from({ length: 500 }, (_, index) => `node_${index}`);
    const treeEdges = treeIds.slice(1).map((id, index): [string, string] => [treeIds[Math.floor(index / 2)], id]);
    const tree = flowOf(treeIds, treeEdges);
    const treePlaced = rects(layoutFlow(tree));
    expect(treePlaced.size).toBe(500);
    expectNoOverlaps(treePlaced);
    expectSourcesLeftOfTargets(tree, treePlaced);
  });
});
