import { describe, expect, it } from "vitest";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Flow } from "../bindings/Flow";
import { addNode, connect, copyNodes, newNodeId, pasteNodes, removeNodes } from "./flowEdits";

const empty: Flow = { format: "sluice.flow/1", id: "f", name: "test", nodes: [], edges: [] };
const filterInfo: ComponentInfo = {
  type: "filter", kind: "transform", title: "Filter", category: "Transform", description: "",
  config_schema: {}, default_config: null, credential_kinds: [], acts_outside: false, takes_requests: false,
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
