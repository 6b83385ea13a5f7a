import { beforeEach, describe, expect, it } from "vitest";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { FlowDocument } from "../bindings/FlowDocument";
import { useEditor } from "./flowStore";

const components: ComponentInfo[] = [
  { type: "csv.read", kind: "source", title: "Read CSV", category: "Files", description: "", config_schema: {}, default_config: null, credential_kinds: [], acts_outside: false, takes_requests: false, ports: { kind: "fixed", ports: ["out"] }, inputs: [] },
  { type: "limit", kind: "transform", title: "Limit", category: "Transform", description: "", config_schema: {}, default_config: { count: 10 }, credential_kinds: [], acts_outside: false, takes_requests: false, ports: { kind: "fixed", ports: ["out"] }, inputs: ["in"] },
];
const document: FlowDocument = {
  flow: { format: "sluice.flow/1", id: "f1", name: "Flow", nodes: [], edges: [] },
  base_dir: "/data",
  version: 1,
  problems: [{ node: null, field: "nodes", message: "the flow has no nodes" }],
  advice: [],
  trusted: false,
};
const stats = (out: number) => ({ records_in: 0, records_out: out, records_errored: 0, bytes: 0, duration_ms: 1, busy_ms: 1, memory_peak_bytes: 0, spilled_bytes: 0 });

describe("editor store", () => {
  beforeEach(() => {
    useEditor.getState().setComponents(components);
    useEditor.getState().open(document);
  });

  it("adds a node with its defaults, selects it, and undo/redo walk the history", () => {
    const id = useEditor.getState().addNode("limit", { x: 5, y: 5 });
    expect(id).toBe("limit_1");
    expect(useEditor.getState().selected).toEqual(["limit_1"]);
    expect(useEditor.getState().flow!.nodes[0].config).toEqual({ count: 10 });
    expect(useEditor.getState().dirty).toBe(true);
    useEditor.getState().undo();
    expect(useEditor.getState().flow!.nodes).toHaveLength(0);
    useEditor.getState().redo();
    expect(useEditor.getState().flow!.nodes).toHaveLength(1);
    expect(useEditor.getState().addNode("no.such.type", { x: 0, y: 0 })).toBeNull();
  });

  it("a palette click selects the new node, so the next click follows it in one undo step", () => {
    const view = { centre: { x: 0, y: 0 }, measured: {} };
    expect(useEditor.getState().addFromPalette("csv.read", view)).toBe("csv_read_1");
    expect(useEditor.getState().addFromPalette("limit", view)).toBe("limit_1");
    expect(useEditor.getState().selected).toEqual(["limit_1"]);
    expect(useEditor.getState().flow!.edges).toEqual([{ from: "csv_read_1", to: "limit_1" }]);
    useEditor.getState().undo();
    expect(useEditor.getState().flow!.nodes.map((node) => node.id)).toEqual(["csv_read_1"]);
    expect(useEditor.getState().flow!.edges).toEqual([]);
  });

  it("a drag is one undo step", () => {
    useEditor.getState().addNode("limit", { x: 0, y: 0 });
    for (const x of [10, 20, 30]) useEditor.getState().move("limit_1", { x, y: 0 }, false);
    useEditor.getState().move("limit_1", { x: 40, y: 0 }, true);
    expect(useEditor.getState().flow!.nodes[0].position).toEqual({ x: 40, y: 0 });
    useEditor.getState().undo();
    expect(useEditor.getState().flow!.nodes[0].position).toEqual({ x: 30, y: 0 });
    useEditor.getState().undo();
    expect(useEditor.getState().flow!.nodes).toHaveLength(0);
  });

  it("keeps edits made while a save was on its way", () => {
    useEditor.getState().addNode("limit", { x: 0, y: 0 });
    const sent = useEditor.getState().flow!;
    useEditor.getState().addNode("csv.read", { x: 0, y: 0 });
    useEditor.getState().saved({ ...document, flow: sent, version: 2, problems: [] });
    expect(useEditor.getState().dirty).toBe(true);
    expect(useEditor.getState().version).toBe(2);
    expect(useEditor.getState().problems).toEqual([]);
  });

  it("mirrors a run from its notices, ignoring other flows' runs", () => {
    const store = useEditor.getState();
    store.runNotice({ notice: "started", run_id: "other", flow_id: "f2" });
    expect(useEditor.getState().run).toBeNull();
    store.runNotice({ notice: "started", run_id: "r1", flow_id: "f1" });
    store.runNotice({ notice: "event", run_id: "r1", flow_id: "f1", event: { event: "node_progress", node: "read", stats: stats(500) } });
    expect(useEditor.getState().run!.nodes.read).toMatchObject({ status: "running", stats: { records_out: 500 } });
    store.runNotice({
      notice: "finished", run_id: "r1", flow_id: "f1",
      report: {
        status: "failed", failure: { node: "read", message: "cannot open the CSV file" }, states: {}, duration_ms: 3,
        nodes: [{ node: "read", status: "failed", stats: stats(0), error: "cannot open the CSV file", samples: [] }],
      },
    });
    const run = useEditor.getState().run!;
    expect(run.status).toBe("failed");
    expect(run.failure).toEqual({ node: "read", message: "cannot open the CSV file" });
    expect(run.nodes.read.status).toBe("failed");
  });

  it("pastes flow JSON and refuses anything else", () => {
    expect(useEditor.getState().paste("hello")).toBe(false);
    const clipboard = JSON.stringify({ nodes: [{ id: "a", type: "limit", config: { count: 1 }, position: { x: 0, y: 0 } }], edges: [] });
    expect(useEditor.getState().paste(clipboard)).toBe(true);
    expect(useEditor.getState().selected).toEqual(["a"]);
    expect(useEditor.getState().flow!.nodes[0].position).toEqual({ x: 40, y: 40 });
  });

  it("remembers pasted nodes until a save has reported them", () => {
    const clipboard = JSON.stringify({ nodes: [{ id: "a", type: "limit", config: { count: 1 }, position: { x: 0, y: 0 } }], edges: [] });
    useEditor.getState().paste(clipboard);
    expect(useEditor.getState().pasted).toEqual(["a"]);
    const sent = useEditor.getState().flow!;
    useEditor.getState().saved({ ...document, flow: sent, version: 2, trusted: false }, ["a"]);
    expect(useEditor.getState().pasted).toEqual([]);
    expect(useEditor.getState().trusted).toBe(false);
  });
});
