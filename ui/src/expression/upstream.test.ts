import { describe, expect, it } from "vitest";
import type { Flow } from "../bindings/Flow";
import type { NodeReport } from "../bindings/NodeReport";
import type { Previews } from "../preview/previewResults";
import { upstreamOf } from "./upstream";

const report = (node: string, samples: NodeReport["samples"]): Previews[string] => ({
  report: { node, status: "succeeded", error: null, samples, stats: { records_in: 0, records_out: 0, records_errored: 0, bytes: 0, duration_ms: 0, busy_ms: 0 } },
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
      records: [{ first_name: "Ada", last_name: "Lovelace" }, { id: 1, first_name: "Grace" }],
      vars: { region: "EU" },
    });
  });

  it("has nothing to show before the nodes feeding it were previewed", () => {
    expect(upstreamOf({ ...flow, vars: undefined }, "out", {})).toEqual({ fields: [], records: [], vars: {} });
  });
});
