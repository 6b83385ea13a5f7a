// What the canvas draws for each node — title, kind, status, counts, problems — computed from
// the flow, the engine's problems, the live run and the last preview. The canvas reads this,
// not the raw flow.
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { ComponentKind } from "../bindings/ComponentKind";
import type { Flow } from "../bindings/Flow";
import type { Problem } from "../bindings/Problem";
import type { RunReport } from "../bindings/RunReport";
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

export function nodeViews(
  flow: Flow,
  components: ComponentInfo[],
  problems: Problem[],
  run: LiveRun | null,
  preview: RunReport | null,
): NodeView[] {
  return flow.nodes.map((node) => {
    const info = components.find((candidate) => candidate.type === node.type);
    const kind = info?.kind ?? "unknown";
    const live = run?.nodes[node.id];
    const previewed = preview?.nodes.find((report) => report.node === node.id);
    const stats = live?.stats ?? previewed?.stats ?? null;
    const failedHere = run?.failure && run.failure.node === node.id ? run.failure.message : null;
    return {
      id: node.id,
      component: node.type,
      title: info?.title ?? node.type,
      kind,
      ports: outputPorts(kind, node.type, node.config),
      status: live ? live.status : "idle",
      counts: stats ? { in: stats.records_in, out: stats.records_out, errored: stats.records_errored } : null,
      error: live?.error ?? failedHere,
      problems: problems.filter((problem) => problem.node === node.id),
    };
  });
}
