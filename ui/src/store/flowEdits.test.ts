import { describe, expect, it } from "vitest";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Flow } from "../bindings/Flow";
import { ASSUMED_NODE_SIZE, NODE_GAP, type Rect } from "../canvas/placement";
import { addFromPalette, addNode, connect, copyNodes, newNodeId, pasteNodes, removeEdge, removeNodes, updateNode } from "./flowEdits";

const empty: Flow = { format: "sluice.flow/1", id: "f", name: "test", nodes: [], edges: [] };
const filterInfo: ComponentInfo = {
  type: "filter", kind: "transform", title: "Filter", category: "Transform", description: "",
  config_schema: {}, default_config: null, credential_kinds: [], acts_outside: false, takes_requests: false,
  ports: { kind: "fixed", ports: ["out"] }, inputs: ["in"],
};
const csvInfo: ComponentInfo = { ...filterInfo, type: "csv.read", kind: "source", default_config: null, credential_kinds: [] };

describe("flow edits", () => {
  it("gives new nodes unique, valid ids", () => {
    const [one, first] = addNode(empty, csvInfo, { x: 10.4, y: 20.6 });
    const [two, second] = addNode(one, csvInfo, { x: 0, y: 0 });
    expect([first, second]).toEqual(["csv_read_1", "csv_read_2"]);
    expect(two.nodes[0].position).toEqual({ x: 10, y: 21 });
    expect(newNodeId(two, "filter")).toBe("filter_1");
  });

  it("connects once, never a node to itself, and an error edge turns on routing", () => {
    let [flow] = addNode(empty, csvInfo, { x: 0, y: 0 });
    [flow] = addNode(flow, filterInfo, { x: 0, y: 0 });
    flow = connect(flow, "csv_read_1", "out", "filter_1");
    flow = connect(flow, "csv_read_1", null, "filter_1");
    flow = connect(flow, "filter_1", "out", "filter_1");
    expect(flow.edges).toEqual([{ from: "csv_read_1", to: "filter_1" }]);
    flow = connect(flow, "filter_1", "error", "csv_read_1");
    expect(flow.edges[1]).toEqual({ from: "filter_1", from_port: "error", to: "csv_read_1" });
    expect(flow.nodes[1].on_error).toBe("route");
  });

  it("connects to a named input once, and removes the edge to that input only", () => {
    let flow = connect(empty, "orders", null, "join", "left");
    flow = connect(flow, "customers", "out", "join", "right");
    flow = connect(flow, "customers", "out", "join", "right");
    flow = connect(flow, "orders", null, "join", "in");
    expect(flow.edges).toEqual([
      { from: "orders", to: "join", to_port: "left" },
      { from: "customers", to: "join", to_port: "right" },
      { from: "orders", to: "join" },
    ]);
    flow = removeEdge(flow, { from: "orders", port: null, to: "join", input: "left" });
    expect(flow.edges).toEqual([
      { from: "customers", to: "join", to_port: "right" },
      { from: "orders", to: "join" },
    ]);
  });

  it("removing nodes removes their edges", () => {
    let [flow] = addNode(empty, csvInfo, { x: 0, y: 0 });
    [flow] = addNode(flow, filterInfo, { x: 0, y: 0 });
    flow = connect(flow, "csv_read_1", "out", "filter_1");
    flow = removeNodes(flow, ["filter_1"]);
    expect(flow.nodes.map((node) => node.id)).toEqual(["csv_read_1"]);
    expect(flow.edges).toEqual([]);
  });

  it("copy then paste duplicates nodes with fresh ids and their inner edges", () => {
    let [flow] = addNode(empty, csvInfo, { x: 0, y: 0 });
    [flow] = addNode(flow, filterInfo, { x: 100, y: 0 });
    flow = connect(flow, "csv_read_1", "out", "filter_1");
    const clipboard = copyNodes(flow, ["csv_read_1", "filter_1"]);
    const pasted = pasteNodes(flow, clipboard, { x: 40, y: 40 });
    expect(pasted).not.toBeNull();
    const [next, ids] = pasted!;
    expect(ids).toEqual(["csv_read_2", "filter_2"]);
    expect(next.nodes[3].position).toEqual({ x: 140, y: 40 });
    expect(next.edges[1]).toEqual({ from: "csv_read_2", to: "filter_2" });
    expect(pasteNodes(flow, "not json", { x: 0, y: 0 })).toBeNull();
    expect(pasteNodes(flow, '{"nodes": []}', { x: 0, y: 0 })).toBeNull();
  });
});

describe("adding from the palette", () => {
  const sinkInfo: ComponentInfo = { ...filterInfo, type: "sqlite.write", kind: "sink" };
  const routeInfo: ComponentInfo = { ...filterInfo, type: "route", ports: { kind: "per_item", list: "routes", name: "port", then: ["else"] } };
  const components = [csvInfo, filterInfo, sinkInfo, routeInfo];
  const view = { centre: { x: 400, y: 300 }, measured: {} };
  const size = ASSUMED_NODE_SIZE;
  const rect = (flow: Flow, id: string) => ({ ...flow.nodes.find((node) => node.id === id)!.position!, ...size });
  const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const noneOverlap = (flow: Flow) =>
    flow.nodes.every((a, i) => flow.nodes.every((b, j) => i === j || !overlap(rect(flow, a.id), rect(flow, b.id))));

  it("three clicks with nothing selected never overlap, near the middle of the view", () => {
    let flow = empty;
    for (const type of ["csv.read", "filter", "sqlite.write"]) [flow] = addFromPalette(flow, components, type, [], view)!;
    expect(flow.nodes).toHaveLength(3);
    expect(noneOverlap(flow)).toBe(true);
    expect(flow.nodes[0].position).toEqual({ x: 400 - size.width / 2, y: 300 - size.height / 2 });
    expect(flow.edges).toEqual([]);
  });

  it("three clicks each following the last (the new node is selected) build a chain, none overlapping", () => {
    let flow = empty;
    let selected: string[] = [];
    for (const type of ["csv.read", "filter", "sqlite.write"]) {
      const [next, id] = addFromPalette(flow, components, type, selected, view)!;
      [flow, selected] = [next, [id]];
    }
    expect(noneOverlap(flow)).toBe(true);
    expect(flow.edges).toEqual([{ from: "csv_read_1", to: "filter_1" }, { from: "filter_1", to: "sqlite_write_1" }]);
  });

  it("quick-add puts the new node to the right of the selected one and joins them", () => {
    let [flow] = addNode(empty, csvInfo, { x: 100, y: 100 });
    [flow] = addNode(flow, csvInfo, { x: 100, y: 400 });
    const [next, id] = addFromPalette(flow, components, "filter", ["csv_read_1"], view)!;
    const placed = next.nodes.find((node) => node.id === id)!.position!;
    expect(placed.x).toBeGreaterThanOrEqual(100 + size.width + NODE_GAP);
    expect(placed.y).toBe(100);
    expect(next.edges).toEqual([{ from: "csv_read_1", to: id }]);
  });

  it("a second quick-add from the same node goes below the first, not on it", () => {
    let [flow] = addNode(empty, csvInfo, { x: 100, y: 100 });
    [flow] = addFromPalette(flow, components, "filter", ["csv_read_1"], view)!;
    [flow] = addFromPalette(flow, components, "filter", ["csv_read_1"], view)!;
    expect(noneOverlap(flow)).toBe(true);
    expect(rect(flow, "filter_2").x).toBe(rect(flow, "filter_1").x);
    expect(flow.edges.map((edge) => edge.to)).toEqual(["filter_1", "filter_2"]);
  });

  it("no edge when the selected node is a destination or the new node is a source", () => {
    let [flow] = addNode(empty, sinkInfo, { x: 400, y: 300 });
    const [afterSink] = addFromPalette(flow, components, "filter", ["sqlite_write_1"], view)!;
    expect(afterSink.edges).toEqual([]);
    expect(noneOverlap(afterSink)).toBe(true);
    [flow] = addNode(empty, filterInfo, { x: 400, y: 300 });
    const [sourceAfter] = addFromPalette(flow, components, "csv.read", ["filter_1"], view)!;
    expect(sourceAfter.edges).toEqual([]);
    expect(noneOverlap(sourceAfter)).toBe(true);
  });

  it("with several nodes selected it only places; a route feeds from its first free port", () => {
    let [flow] = addNode(empty, csvInfo, { x: 0, y: 0 });
    [flow] = addNode(flow, filterInfo, { x: 300, y: 0 });
    expect(addFromPalette(flow, components, "filter", ["csv_read_1", "filter_1"], view)![0].edges).toEqual([]);
    [flow] = addNode(empty, routeInfo, { x: 0, y: 0 });
    flow = updateNode(flow, "route_1", { config: { routes: [{ port: "eu", when: "x" }] } });
    [flow] = addFromPalette(flow, components, "sqlite.write", ["route_1"], view)!;
    [flow] = addFromPalette(flow, components, "sqlite.write", ["route_1"], view)!;
    expect(flow.edges).toEqual([
      { from: "route_1", from_port: "eu", to: "sqlite_write_1" },
      { from: "route_1", from_port: "else", to: "sqlite_write_2" },
    ]);
    expect(addFromPalette(flow, components, "no.such.type", [], view)).toBeNull();
  });
});
