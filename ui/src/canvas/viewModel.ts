// What the canvas draws for each node — title, kind, status, counts, problems — computed from
// the flow, the engine's problems, the live run and the last preview. The canvas reads this,
// not the raw flow.
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { ComponentKind } from "../bindings/ComponentKind";
import type { Flow } from "../bindings/Flow";
import type { Problem } from "../bindings/Problem";
import type { Previews } from "../preview/previewResults";
import type { LiveRun } from "../store/flowStore";

export type NodeView = {
  id: string;
  component: string;
  title: string;
  kind: ComponentKind | "unknown";
  /** Output ports besides `error`. */
  ports: string[];
  status: "idle" | "running" | "succeeded" | "failed" | "stopped";
  counts: { in: number; out: number; errored: number } | null;
  /** The run's failure on this node, in the runtime's words. */
  error: string | null;
  problems: Problem[];
};

/** Output ports of a node: `route` has one per rule plus `else`; sinks have none. */
export function outputPorts(kind: ComponentKind | "unknown", component: string, config: unknown): string[] {
  if (kind === "sink") return [];
  if (component === "route") {
    const routes = (config as { routes?: { port?: unknown }[] } | null)?.routes ?? [];
    const named = routes.map((rule) => rule?.port).filter((port): port is string => typeof port === "string" && port !== "");
    return [...named, "else"];
  }
  return ["out"];
}

/** What the views of one render were computed from; a view is reused while these stay the same,
 *  so moving one node of 500 re-renders one node, not 500. */
type ViewInputs = { components: ComponentInfo[]; problems: Problem[]; run: LiveRun | null; previews: Previews };
type ViewCache = { inputs: ViewInputs; views: WeakMap<Flow["nodes"][number], NodeView> };

export function createViewCache(): ViewCache {
  return { inputs: { components: [], problems: [], run: null, previews: {} }, views: new WeakMap() };
}

export function nodeViews(
  flow: Flow,
  components: ComponentInfo[],
  problems: Problem[],
  run: LiveRun | null,
  previews: Previews,
  cache: ViewCache = createViewCache(),
): NodeView[] {
  const inputs = { components, problems, run, previews };
  const same = (Object.keys(inputs) as (keyof ViewInputs)[]).every((key) => cache.inputs[key] === inputs[key]);
  if (!same) {
    cache.inputs = inputs;
    cache.views = new WeakMap();
  }
  const infoByType = new Map(components.map((info) => [info.type, info]));
  const problemsByNode = new Map<string, Problem[]>();
  for (const problem of problems) {
    if (problem.node) problemsByNode.set(problem.node, [...(problemsByNode.get(problem.node) ?? []), problem]);
  }
  return flow.nodes.map((node) => {
    const cached = cache.views.get(node);
    if (cached) return cached;
    const info = infoByType.get(node.type);
    const kind = info?.kind ?? "unknown";
    const live = run?.nodes[node.id];
    const previewed = previews[node.id]?.report;
    const stats = live?.stats ?? previewed?.stats ?? null;
    const failedHere = run?.failure && run.failure.node === node.id ? run.failure.message : null;
    const view: NodeView = {
      id: node.id,
      component: node.type,
      title: info?.title ?? node.type,
      kind,
      ports: outputPorts(kind, node.type, node.config),
      status: live ? live.status : "idle",
      counts: stats ? { in: stats.records_in, out: stats.records_out, errored: stats.records_errored } : null,
      error: live?.error ?? failedHere,
      problems: problemsByNode.get(node.id) ?? [],
    };
    cache.views.set(node, view);
    return view;
  });
}
