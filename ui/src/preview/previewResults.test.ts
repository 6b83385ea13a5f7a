import { describe, expect, it } from "vitest";
import type { Flow } from "../bindings/Flow";
import type { RunReport } from "../bindings/RunReport";
import { canPin, isStale, mergePreview, pinsFor, previewTarget, upstreamFingerprint } from "./previewResults";

const flow: Flow = {
  format: "sluice.flow/1",
  id: "f",
  name: "f",
  nodes: [
    { id: "read", type: "csv.read", config: { path: "in.csv" } },
    { id: "keep", type: "filter", config: { when: "true" } },
    { id: "shape", type: "map", config: {} },
  ],
  edges: [{ from: "read", to: "keep" }, { from: "keep", to: "shape" }],
};

const stats = { records_in: 0, records_out: 1, records_errored: 0, bytes: 0, duration_ms: 0, busy_ms: 0, memory_peak_bytes: 0, spilled_bytes: 0 };
const report = (nodes: string[]): RunReport => ({
  status: "succeeded",
  failure: null,
  nodes: nodes.map((node) => ({ node, status: "succeeded", stats, error: null, samples: [{ id: node }] })),
  states: {},
  duration_ms: 1,
});

const withConfig = (id: string, config: Flow["nodes"][number]["config"]): Flow => ({
  ...flow,
  nodes: flow.nodes.map((node) => (node.id === id ? { ...node, config } : node)),
});

describe("preview results", () => {
  it("keeps earlier nodes' results when a later preview covers only part of the flow", () => {
    const first = mergePreview({}, flow, report(["read", "keep", "shape"]));
    const second = mergePreview(first, flow, report(["read"]));
    expect(Object.keys(second).sort()).toEqual(["keep", "read", "shape"]);
    expect(second.shape).toBe(first.shape);
  });

  it("marks a node stale when something upstream of it changes, not when something below does", () => {
    const previews = mergePreview({}, flow, report(["read", "keep", "shape"]));
    const editedFilter = withConfig("keep", { when: "false" });
    expect(isStale(previews.read, editedFilter, "read")).toBe(false);
    expect(isStale(previews.keep, editedFilter, "keep")).toBe(true);
    expect(isStale(previews.shape, editedFilter, "shape")).toBe(true);
    const editedMap = withConfig("shape", { set: { a: "1" } });
    expect(isStale(previews.keep, editedMap, "keep")).toBe(false);
  });

  it("ignores where nodes sit on the canvas", () => {
    const moved = { ...flow, nodes: flow.nodes.map((node) => ({ ...node, position: { x: 5, y: 5 } })) };
    expect(upstreamFingerprint(moved, "shape")).toBe(upstreamFingerprint(flow, "shape"));
  });

  it("sees a rewired edge upstream", () => {
    const rewired = { ...flow, edges: [{ from: "read", to: "shape" }, { from: "keep", to: "shape" }] };
    expect(upstreamFingerprint(rewired, "shape")).not.toBe(upstreamFingerprint(flow, "shape"));
  });

  it("previews up to the one selected node, else the whole flow", () => {
    expect(previewTarget(["keep"])).toBe("keep");
    expect(previewTarget([])).toBeNull();
    expect(previewTarget(["read", "keep"])).toBeNull();
  });

  it("sends the pins of nodes still in the flow", () => {
    const pinned = { keep: [{ id: 1 }], gone: [{ id: 2 }] };
    expect(pinsFor(flow, pinned)).toEqual({ keep: [{ id: 1 }] });
  });

  it("pins only nodes whose records leave by their out port", () => {
    expect(canPin(flow, "keep")).toBe(true);
    const routed = { ...flow, edges: [...flow.edges, { from: "keep", from_port: "error", to: "shape" }] };
    expect(canPin(routed, "keep")).toBe(false);
  });
});
