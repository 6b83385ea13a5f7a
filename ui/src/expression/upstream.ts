// What an expression in a node can see while it is being written: the fields and sample records
// that the nodes feeding it sent in their last previews, and the flow's variables.
import type { Flow } from "../bindings/Flow";
import type { Word } from "../bindings/Word";
import type { Previews } from "../preview/previewResults";
import type { CompletionData } from "./completions";

export type Upstream = {
  /** Field names of the upstream samples, in the order first seen. */
  fields: string[];
  /** The upstream sample records, node after node in edge order. */
  records: Record<string, unknown>[];
  /** The flow's variables (`vars`). */
  vars: Record<string, unknown>;
};

export const noUpstream: Upstream = { fields: [], records: [], vars: {} };

/** What feeds node `nodeId` of `flow`, from the previews kept so far. */
export function upstreamOf(flow: Flow, nodeId: string, previews: Previews): Upstream {
  const sources = [...new Set(flow.edges.filter((edge) => edge.to === nodeId).map((edge) => edge.from))];
  const records = sources.flatMap((source) => (previews[source]?.report.samples ?? []) as Record<string, unknown>[]);
  const fields = new Set<string>();
  for (const record of records) Object.keys(record).forEach((name) => fields.add(name));
  return { fields: [...fields], records, vars: (flow.vars ?? {}) as Record<string, unknown> };
}

/** What the node panel hands each expression field: the upstream samples for live results, and
 *  what completion and highlighting know. */
export type ExpressionSupport = { upstream: Upstream; completion: CompletionData };

export function expressionSupport(upstream: Upstream, words: Word[]): ExpressionSupport {
  return { upstream, completion: { fields: upstream.fields, words, vars: upstream.vars, sample: upstream.records[0] } };
}
