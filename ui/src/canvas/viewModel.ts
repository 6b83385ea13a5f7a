// What the canvas draws for each node — title, kind, status, counts, problems — computed from
// the flow, the engine's problems, the live run and the last preview. The canvas reads this,
// not the raw flow.
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { ComponentKind } from "../bindings/ComponentKind";
import type { PortRule } from "../bindings/PortRule";
import type { Flow } from "../bindings/Flow";
import type { NodeReport } from "../bindings/NodeReport";
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
  /** Input ports: none for a source, `in` unless the node takes several inputs (a join's
   *  `left` and `right`). */
  inputs: string[];
  status: "idle" | "running" | "succeeded" | "failed" | "stopped";
  counts: { in: number; out: number; errored: number } | null;
  /** The run's failure on this node, in the runtime's words. */
  error: string | null;
  problems: Problem[];
};

/** Output ports of a node besides `error`, as its type's port rule says (the registry's): fixed
 *  ones, or one per item of a config list (a route's rules) and then fixed ones. */
export function outputPorts(rule: PortRule | undefined, config: unknown): string[] {
  if (!rule) return ["out"];
  if (rule.kind === "fixed") return rule.ports;
  const items = (config as Record<string, unknown> | null)?.[rule.list];
  const named = (Array.isArray(items) ? items : [])
    .map((item) => (item as Record<string, unknown> | null)?.[rule.name])
    .filter((port): port is string => typeof port === "string" && port !== "");
  return [...named, ...rule.then];
}

/** What one node's view was computed from; the view is reused while every part is the same
 *  object, or while what it computes to is equal (a keystroke in a node's settings changes its
 *  config, rarely its view), so moving one node of 500 — or a live count or a preview of one —
 *  re-renders that node, not 500, and typing re-renders none. */
type ViewParts = {
  node: Flow["nodes"][number];
  info: ComponentInfo | undefined;
  live: LiveRun["nodes"][string] | undefined;
  previewed: NodeReport | undefined;
  failedHere: string | null;
  problems: Problem[];
};
type ViewCache = { views: Map<string, { parts: ViewParts; view: NodeView }> };

export function createViewCache(): ViewCache {
  return { views: new Map() };
}

function sameParts(a: ViewParts, b: ViewParts): boolean {
  return a.node === b.node && a.info === b.info && a.live === b.live && a.previewed === b.previewed
    && a.failedHere === b.failedHere && a.problems.length === b.problems.length
    && a.problems.every((problem, index) => problem === b.problems[index]);
}

const sameList = <T>(a: T[], b: T[], same: (x: T, y: T) => boolean) =>
  a.length === b.length && a.every((item, index) => same(item, b[index]));

const sameProblem = (a: Problem, b: Problem) => a.node === b.node && a.field === b.field && a.message === b.message;

/** True when two views draw the same node. */
export function sameView(a: NodeView, b: NodeView): boolean {
  return a.id === b.id && a.component === b.component && a.title === b.title && a.kind === b.kind
    && a.status === b.status && a.error === b.error
    && sameList(a.ports, b.ports, (x, y) => x === y)
    && sameList(a.inputs, b.inputs, (x, y) => x === y)
    && (a.counts === b.counts
      || (a.counts !== null && b.counts !== null && a.counts.in === b.counts.in && a.counts.out === b.counts.out
        && a.counts.errored === b.counts.errored))
    && sameList(a.problems, b.problems, sameProblem);
}

export function nodeViews(
  flow: Flow,
  components: ComponentInfo[],
  problems: Problem[],
  run: LiveRun | null,
  previews: Previews,
  cache: ViewCache = createViewCache(),
): NodeView[] {
  const infoByType = new Map(components.map((info) => [info.type, info]));
  const problemsByNode = new Map<string, Problem[]>();
  for (const problem of problems) {
    if (problem.node) problemsByNode.set(problem.node, [...(problemsByNode.get(problem.node) ?? []), problem]);
  }
  const views = flow.nodes.map((node) => {
    const parts: ViewParts = {
      node,
      info: infoByType.get(node.type),
      live: run?.nodes[node.id],
      previewed: previews[node.id]?.report,
      failedHere: run?.failure && run.failure.node === node.id ? run.failure.message : null,
      problems: problemsByNode.get(node.id) ?? [],
    };
    const cached = cache.views.get(node.id);
    if (cached && sameParts(cached.parts, parts)) return cached.view;
    const computed = viewOf(parts);
    const view = cached && sameView(cached.view, computed) ? cached.view : computed;
    cache.views.set(node.id, { parts, view });
    return view;
  });
  if (cache.views.size > flow.nodes.length) {
    const ids = new Set(flow.nodes.map((node) => node.id));
    for (const id of cache.views.keys()) if (!ids.has(id)) cache.views.delete(id);
  }
  return views;
}

function viewOf({ node, info, live, previewed, failedHere, problems }: ViewParts): NodeView {
  const kind = info?.kind ?? "unknown";
  const stats = live?.stats ?? previewed?.stats ?? null;
  return {
    id: node.id,
    component: node.type,
    title: info?.title ?? node.type,
    kind,
    ports: outputPorts(info?.ports, node.config),
    inputs: info ? info.inputs : ["in"],
    status: live ? live.status : "idle",
    counts: stats ? { in: stats.records_in, out: stats.records_out, errored: stats.records_errored } : null,
    error: live?.error ?? failedHere,
    problems,
  };
}
