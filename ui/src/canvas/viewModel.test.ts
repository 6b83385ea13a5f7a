import { describe, expect, it } from "vitest";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Flow } from "../bindings/Flow";
import type { LiveRun } from "../store/flowStore";
import type { PortRule } from "../bindings/PortRule";
import { nodeViews, outputPorts } from "./viewModel";

const info = (type: string, kind: ComponentInfo["kind"], title: string): ComponentInfo => ({
  type, kind, title, category: "x", description: "", config_schema: {}, default_config: null, credential_kinds: [], acts_outside: false, takes_requests: false,
  ports: { kind: "fixed", ports: kind === "sink" ? [] : ["out"] }, inputs: kind === "source" ? [] : ["in"],
});
const components = [
  info("csv.read", "source", "Read CSV"), info("filter", "transform", "Filter"), info("sqlite.write", "sink", "Write SQLite"),
  { ...info("route", "transform", "Route"), ports: { kind: "per_item", list: "routes", name: "port", then: ["else"] } as PortRule },
];
const flow: Flow = {
  format: "sluice.flow/1", id: "f", name: "n",
  nodes: [
    { id: "read", type: "csv.read", config: { path: "a.csv" } },
    { id: "keep", type: "filter", config: { when: "x ==" } },
    { id: "save", type: "sqlite.write", config: {} },
  ],
  edges: [],
};

describe("canvas view model", () => {
  it("names ports as the type's port rule says", () => {
    expect(outputPorts({ kind: "fixed", ports: [] }, {})).toEqual([]);
    const perRule: PortRule = { kind: "per_item", list: "routes", name: "port", then: ["else"] };
    expect(outputPorts(perRule, { routes: [{ port: "eu", when: "x" }, { port: "" }] })).toEqual(["eu", "else"]);
    expect(outputPorts(perRule, { routes: "not a list" })).toEqual(["else"]);
    expect(outputPorts({ kind: "fixed", ports: ["out"] }, {})).toEqual(["out"]);
    expect(outputPorts(undefined, {})).toEqual(["out"]);
  });

  it("puts problems, live counts and the failure on the right nodes", () => {
    const run: LiveRun = {
      runId: "r", status: "failed",
      nodes: {
        read: { status: "succeeded", stats: { records_in: 0, records_out: 5, records_errored: 0, bytes: 10, duration_ms: 1, busy_ms: 1, memory_peak_bytes: 0, spilled_bytes: 0 }, error: null },
        keep: { status: "failed", stats: { records_in: 5, records_out: 0, records_errored: 1, bytes: 0, duration_ms: 1, busy_ms: 1, memory_peak_bytes: 0, spilled_bytes: 0 }, error: "boom" },
      },
      failure: { node: "keep", message: "boom" },
    };
    const problems = [{ node: "keep", field: "when", message: "does not compile" }, { node: null, field: "name", message: "x" }];
    const views = nodeViews(flow, components, problems, run, {});
    expect(views.map((view) => view.title)).toEqual(["Read CSV", "Filter", "Write SQLite"]);
    expect(views[0]).toMatchObject({ status: "succeeded", counts: { in: 0, out: 5, errored: 0 }, error: null, problems: [] });
    expect(views[1]).toMatchObject({ status: "failed", error: "boom" });
    expect(views[1].problems).toHaveLength(1);
    expect(views[2]).toMatchObject({ status: "idle", counts: null, ports: [] });
  });

  it("shows preview counts when there is no run", () => {
    const report = { node: "read", status: "succeeded" as const, stats: { records_in: 0, records_out: 3, records_errored: 0, bytes: 0, duration_ms: 0, busy_ms: 0, memory_peak_bytes: 0, spilled_bytes: 0 }, error: null, samples: [] };
    const previews = { read: { report, fingerprint: "" } };
    expect(nodeViews(flow, components, [], null, previews)[0].counts).toEqual({ in: 0, out: 3, errored: 0 });
  });
});

describe("view cache", () => {
  it("reuses the views of nodes that did not change", async () => {
    const { createViewCache } = await import("./viewModel");
    const cache = createViewCache();
    const none: never[] = [];
    const noPreviews = {};
    const first = nodeViews(flow, components, none, null, noPreviews, cache);
    const moved = { ...flow, nodes: flow.nodes.map((node) => (node.id === "keep" ? { ...node, position: { x: 1, y: 1 } } : node)) };
    const second = nodeViews(moved, components, none, null, noPreviews, cache);
    expect(second[0]).toBe(first[0]);
    // A moved node is drawn elsewhere (the canvas node's position), not differently.
    expect(second[1]).toBe(first[1]);
    const problems = [{ node: "read", field: null, message: "x" }];
    const third = nodeViews(moved, components, problems, null, noPreviews, cache);
    expect(third[0]).not.toBe(second[0]);
    expect(third[0].problems).toHaveLength(1);
    expect(third[1]).toBe(second[1]);
    // A preview of one node, or a live count of one, re-renders that node only.
    const report = { node: "keep", status: "succeeded" as const, stats: { records_in: 3, records_out: 2, records_errored: 0, bytes: 0, duration_ms: 0, busy_ms: 0, memory_peak_bytes: 0, spilled_bytes: 0 }, error: null, samples: [] };
    const fourth = nodeViews(moved, components, problems, null, { keep: { report, fingerprint: "" } }, cache);
    expect(fourth[0]).toBe(third[0]);
    expect(fourth[1]).not.toBe(third[1]);
    expect(fourth[1].counts).toEqual({ in: 3, out: 2, errored: 0 });
  });

  it("keeps a node's view while an edit to its settings changes nothing it draws", async () => {
    const { createViewCache } = await import("./viewModel");
    const cache = createViewCache();
    const problems = [{ node: "keep", field: "when", message: "does not compile" }];
    const first = nodeViews(flow, components, problems, null, {}, cache);
    const typed = { ...flow, nodes: flow.nodes.map((node) => (node.id === "keep" ? { ...node, config: { when: "x == " } } : node)) };
    // The same problem, as a new object from the next validation.
    const again = [{ node: "keep", field: "when", message: "does not compile" }];
    const second = nodeViews(typed, components, again, null, {}, cache);
    expect(second[1]).toBe(first[1]);
    const fixed = nodeViews(typed, components, [], null, {}, cache);
    expect(fixed[1]).not.toBe(first[1]);
    expect(fixed[1].problems).toEqual([]);
    // A route's rules name its ports: an edit that renames one is drawn.
    const routed = { ...flow, nodes: [{ id: "split", type: "route", config: { routes: [{ port: "eu", when: "x" }] } }] };
    const before = nodeViews(routed, components, [], null, {}, cache);
    const renamed = { ...routed, nodes: [{ id: "split", type: "route", config: { routes: [{ port: "us", when: "x" }] } }] };
    const after = nodeViews(renamed, components, [], null, {}, cache);
    expect(after[0]).not.toBe(before[0]);
    expect(after[0].ports).toEqual(["us", "else"]);
  });
});
