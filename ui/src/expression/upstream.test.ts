import { describe, expect, it } from "vitest";
import type { Flow } from "../bindings/Flow";
import type { NodeReport } from "../bindings/NodeReport";
import type { Previews } from "../preview/previewResults";
import { tableFields, upstreamOf, upstreamTable, withFields } from "./upstream";

const report = (node: string, samples: NodeReport["samples"]): Previews[string] => ({
  report: { node, status: "succeeded", error: null, samples, stats: { records_in: 0, records_out: 0, records_errored: 0, bytes: 0, duration_ms: 0, busy_ms: 0, memory_peak_bytes: 0, spilled_bytes: 0 } },
  fingerprint: "",
});

const flow = {
  format: "sluice.flow/1",
  id: "f",
  name: "f",
  nodes: [],
  edges: [
    { from: "people", to: "merge" },
    { from: "orders", to: "merge" },
    { from: "merge", to: "out" },
  ],
  vars: { region: "EU" },
} as unknown as Flow;

describe("upstreamOf", () => {
  it("gathers the samples and fields of every node feeding this one, with the flow's vars", () => {
    const previews: Previews = {
      people: report("people", [{ first_name: "Ada", last_name: "Lovelace" }]),
      orders: report("orders", [{ id: 1, first_name: "Grace" }]),
      merge: report("merge", [{ other: true }]),
    };
    expect(upstreamOf(flow, "merge", previews)).toEqual({
      fields: ["first_name", "last_name", "id"],
      fieldsByInput: { in: ["first_name", "last_name", "id"] },
      records: [{ first_name: "Ada", last_name: "Lovelace" }, { id: 1, first_name: "Grace" }],
      vars: { region: "EU" },
    });
  });

  it("keeps apart the fields of a join's two inputs", () => {
    const join = { ...flow, edges: [{ from: "people", to: "join", to_port: "right" }, { from: "orders", to: "join", to_port: "left" }] };
    const previews: Previews = {
      people: report("people", [{ first_name: "Ada" }]),
      orders: report("orders", [{ id: 1, person: "Ada" }]),
    };
    expect(upstreamOf(join, "join", previews).fieldsByInput).toEqual({ right: ["first_name"], left: ["id", "person"] });
  });

  it("has nothing to show before the nodes feeding it were previewed", () => {
    expect(upstreamOf({ ...flow, vars: undefined }, "out", {})).toEqual({ fields: [], fieldsByInput: { in: [] }, records: [], vars: {} });
  });
});

describe("upstreamTable", () => {
  const orders = { columns: [{ name: "id", data_type: "integer" }, { name: "total", data_type: "numeric" }] };
  const tables = [
    { schema: "shop", name: "orders", ...orders },
    { schema: "public", name: "orders", columns: [{ name: "legacy", data_type: "text" }] },
  ];
  const reading = (config: Record<string, unknown>, credential: string | null = "warehouse") =>
    ({
      ...flow,
      nodes: [{ id: "orders", type: "postgres.read", credential, config }],
      edges: [{ from: "orders", to: "paid" }],
    }) as unknown as Flow;

  it("completes a database table's columns before any preview, in the schema the node names", () => {
    const source = upstreamTable(reading({ table: "orders", schema: "shop" }), "paid")!;
    expect(source).toEqual({ credential: "warehouse", table: "orders", schema: "shop", columns: [] });
    expect(tableFields(source, tables)).toEqual(["id", "total"]);
    const upstream = withFields({ fields: [], records: [], vars: {} }, tableFields(source, tables));
    expect(upstream.fields).toEqual(["id", "total"]);
  });

  it("takes the columns the node lists, and leaves a previewed upstream as it is", () => {
    const source = upstreamTable(reading({ table: "orders", columns: ["total"] }), "paid")!;
    expect(tableFields(source, [])).toEqual(["total"]);
    const previewed = { fields: ["total", "added"], records: [], vars: {} };
    expect(withFields(previewed, ["total"])).toBe(previewed);
  });

  it("knows no table for a query, a node without a credential, or two nodes feeding one", () => {
    expect(upstreamTable(reading({ query: "SELECT 1", table: "orders" }), "paid")).toBeNull();
    expect(upstreamTable(reading({ table: "orders" }, null), "paid")).toBeNull();
    expect(upstreamTable(flow, "merge")).toBeNull();
  });
});
