// What an expression in a node can see while it is being written: the fields and sample records
// that the nodes feeding it sent in their last previews (or, before one, the columns of the
// database table it reads), and the flow's variables.
import type { DatabaseTable } from "../bindings/DatabaseTable";
import type { Flow } from "../bindings/Flow";
import { chosenTable } from "../panel/databasePicker";
import type { Word } from "../bindings/Word";
import type { Previews } from "../preview/previewResults";
import type { CompletionData } from "./completions";

export type Upstream = {
  /** Field names of the upstream samples, in the order first seen. */
  fields: string[];
  /** The same, by the input port they arrive at (a join's `left` and `right`). */
  fieldsByInput?: Record<string, string[]>;
  /** The upstream sample records, node after node in edge order. */
  records: Record<string, unknown>[];
  /** The flow's variables (`vars`). */
  vars: Record<string, unknown>;
};

export const noUpstream: Upstream = { fields: [], fieldsByInput: {}, records: [], vars: {} };

/** What feeds node `nodeId` of `flow`, from the previews kept so far. */
export function upstreamOf(flow: Flow, nodeId: string, previews: Previews): Upstream {
  const sources = [...new Set(flow.edges.filter((edge) => edge.to === nodeId).map((edge) => edge.from))];
  const records = sources.flatMap((source) => (previews[source]?.report.samples ?? []) as Record<string, unknown>[]);
  const fields = new Set<string>();
  for (const record of records) Object.keys(record).forEach((name) => fields.add(name));
  const fieldsByInput: Record<string, string[]> = {};
  for (const edge of flow.edges.filter((candidate) => candidate.to === nodeId)) {
    const input = edge.to_port ?? "in";
    const known = new Set(fieldsByInput[input] ?? []);
    for (const record of (previews[edge.from]?.report.samples ?? []) as Record<string, unknown>[]) {
      Object.keys(record).forEach((name) => known.add(name));
    }
    fieldsByInput[input] = [...known];
  }
  return { fields: [...fields], fieldsByInput, records, vars: (flow.vars ?? {}) as Record<string, unknown> };
}

/** What the node panel hands each expression field: the upstream samples for live results, and
 *  what completion and highlighting know. */
export type ExpressionSupport = { upstream: Upstream; completion: CompletionData };

export function expressionSupport(upstream: Upstream, words: Word[]): ExpressionSupport {
  return { upstream, completion: { fields: upstream.fields, words, vars: upstream.vars, sample: upstream.records[0] } };
}

/** A database table the node reads straight from, when the node feeding it is the only one and
 *  names a credential and a `table`: its columns complete expressions before any preview. */
export type UpstreamTable = { credential: string; table: string; schema: string; columns: string[] };

export function upstreamTable(flow: Flow, nodeId: string): UpstreamTable | null {
  const sources = [...new Set(flow.edges.filter((edge) => edge.to === nodeId).map((edge) => edge.from))];
  const source = sources.length === 1 ? flow.nodes.find((node) => node.id === sources[0]) : undefined;
  const config = (source?.config ?? {}) as Record<string, unknown>;
  if (!source?.credential || typeof config.table !== "string" || !config.table || config.query) return null;
  const columns = Array.isArray(config.columns) ? config.columns.filter((name): name is string => typeof name === "string") : [];
  return { credential: source.credential, table: config.table, schema: typeof config.schema === "string" ? config.schema : "", columns };
}

/** The fields an upstream table sends: the columns the node lists, else all the table's. */
export function tableFields(source: UpstreamTable, tables: DatabaseTable[]): string[] {
  if (source.columns.length > 0) return source.columns;
  return chosenTable(tables, source.table, source.schema)?.columns.map((column) => column.name) ?? [];
}

/** The upstream, with `fields` standing in for a preview not made yet. */
export function withFields(upstream: Upstream, fields: string[]): Upstream {
  return upstream.fields.length > 0 || fields.length === 0 ? upstream : { ...upstream, fields };
}
