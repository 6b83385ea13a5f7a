// The editor's store: the flow being edited with undo/redo, selection, the engine's problems,
// each node's last preview and the live run. Rust (SQLite) is the source of truth; this mirrors it and
// saves edits back (debounced, see App).
import { create } from "zustand";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Flow } from "../bindings/Flow";
import type { FlowDocument } from "../bindings/FlowDocument";
import type { NodeSettingLabels } from "../bindings/NodeSettingLabels";
import type { NodeStats } from "../bindings/NodeStats";
import type { NodeStatus } from "../bindings/NodeStatus";
import type { Problem } from "../bindings/Problem";
import type { RunNotice } from "../bindings/RunNotice";
import type { RunFailure } from "../bindings/RunFailure";
import type { RunReport } from "../bindings/RunReport";
import { mergePreview, type PinnedSamples, type Previews } from "../preview/previewResults";
import type { RunStatus } from "../bindings/RunStatus";
import * as edits from "./flowEdits";

/** The run the canvas shows: live while it runs, then how it ended. */
export type LiveRun = {
  runId: string;
  status: "running" | RunStatus;
  nodes: Record<string, { status: "running" | NodeStatus; stats: NodeStats; error: string | null }>;
  failure: { node: string | null; message: string } | null;
};

export type EditorState = {
  components: ComponentInfo[];
  /** The words for a node's own settings, from the engine (the same its messages use). */
  settingLabels: NodeSettingLabels | null;
  flow: Flow | null;
  baseDir: string;
  version: number | null;
  problems: Problem[];
  /** What the engine advises about the nodes' settings (never in the way of a run). */
  advice: Problem[];
  /** False for a flow from elsewhere until the person approves what it touches. */
  trusted: boolean;
  /** Nodes the person asked to preview live (their requests are sent); not saved. */
  liveNodes: string[];
  /** Nodes pasted since the last save: from elsewhere, so the save tells the runtime. */
  pasted: string[];
  selected: string[];
  past: Flow[];
  future: Flow[];
  /** Edits not yet saved. */
  dirty: boolean;
  /** Each node's last preview, kept until replaced (marked stale after upstream edits). */
  previews: Previews;
  /** Why the last preview stopped, when it failed. */
  previewFailure: RunFailure | null;
  /** Samples pinned as test input: previews feed them on instead of running what is before. */
  pinned: PinnedSamples;
  run: LiveRun | null;
};

export type EditorActions = {
  setComponents: (components: ComponentInfo[]) => void;
  setSettingLabels: (labels: NodeSettingLabels) => void;
  setTrusted: (trusted: boolean) => void;
  setLive: (id: string, live: boolean) => void;
  open: (document: FlowDocument) => void;
  close: () => void;
  /** Takes the save's answer; `sentPasted` are the pasted node ids that save reported. */
  saved: (document: FlowDocument, sentPasted?: string[]) => void;
  /** Applies an edit; it can be undone. */
  edit: (change: (flow: Flow) => Flow) => void;
  /** Moves nodes without an undo step per pixel (the drag's end is one step). */
  move: (id: string, position: { x: number; y: number }, done: boolean) => void;
  addNode: (component: string, position: { x: number; y: number }) => string | null;
  /** A palette click: the new node goes into free space, or after the one selected node (see
   *  `flowEdits.addFromPalette`), and becomes the selection. */
  addFromPalette: (component: string, view: edits.CanvasView) => string | null;
  select: (ids: string[]) => void;
  removeSelected: () => void;
  paste: (text: string) => boolean;
  undo: () => void;
  redo: () => void;
  /** Takes a preview's report (of the flow as it was sent). */
  previewed: (flow: Flow, report: RunReport) => void;
  /** Pins a node's sample as test input (records given), or unpins it (null). */
  pin: (node: string, records: Record<string, unknown>[] | null) => void;
  /** The samples stored as pinned for flow `flowId`, once read (ignored if another flow is open). */
  pinsLoaded: (flowId: string, pinned: PinnedSamples) => void;
  runNotice: (notice: RunNotice) => void;
};

const HISTORY_LIMIT = 100;

const initial: EditorState = {
  components: [],
  settingLabels: null,
  flow: null,
  baseDir: "",
  version: null,
  problems: [],
  advice: [],
  trusted: true,
  liveNodes: [],
  pasted: [],
  selected: [],
  past: [],
  future: [],
  dirty: false,
  previews: {},
  previewFailure: null,
  pinned: {},
  run: null,
};

const emptyStats: NodeStats = { records_in: 0, records_out: 0, records_errored: 0, bytes: 0, duration_ms: 0, busy_ms: 0, memory_peak_bytes: 0, spilled_bytes: 0 };

export const useEditor = create<EditorState & EditorActions>()((set, get) => ({
  ...initial,

  setComponents: (components) => set({ components }),

  setSettingLabels: (settingLabels) => set({ settingLabels }),

  setTrusted: (trusted) => set({ trusted }),

  setLive: (id, live) => {
    const others = get().liveNodes.filter((node) => node !== id);
    set({ liveNodes: live ? [...others, id] : others });
  },

  open: (document) =>
    set({
      ...initial,
      components: get().components,
      settingLabels: get().settingLabels,
      flow: document.flow,
      baseDir: document.base_dir,
      version: document.version,
      problems: document.problems,
      advice: document.advice,
      trusted: document.trusted,
    }),

  close: () => set({ ...initial, components: get().components, settingLabels: get().settingLabels }),

  saved: (document, sentPasted = []) => {
    // Keep edits made while the save was on its way; take the problems and version.
    const stillCurrent = JSON.stringify(get().flow) === JSON.stringify(document.flow);
    const pasted = get().pasted.filter((id) => !sentPasted.includes(id));
    set({ version: document.version, problems: document.problems, advice: document.advice, trusted: document.trusted, dirty: !stillCurrent, pasted });
  },

  edit: (change) => {
    const { flow, past } = get();
    if (!flow) return;
    const next = change(flow);
    if (next === flow) return;
    set({ flow: next, past: [...past, flow].slice(-HISTORY_LIMIT), future: [], dirty: true });
  },

  move: (id, position, done) => {
    const { flow } = get();
    if (!flow) return;
    if (done) {
      get().edit((current) => edits.moveNode(current, id, position));
    } else {
      set({ flow: edits.moveNode(flow, id, position) });
    }
  },

  addNode: (component, position) => {
    const info = get().components.find((candidate) => candidate.type === component);
    if (!info || !get().flow) return null;
    let added: string | null = null;
    get().edit((flow) => {
      const [next, id] = edits.addNode(flow, info, position);
      added = id;
      return next;
    });
    set({ selected: added ? [added] : [] });
    return added;
  },

  addFromPalette: (component, view) => {
    const { flow, components, selected } = get();
    if (!flow) return null;
    const added = edits.addFromPalette(flow, components, component, selected, view);
    if (!added) return null;
    get().edit(() => added[0]);
    set({ selected: [added[1]] });
    return added[1];
  },

  select: (ids) => set({ selected: ids }),

  removeSelected: () => {
    const { selected } = get();
    if (selected.length === 0) return;
    get().edit((flow) => edits.removeNodes(flow, selected));
    set({ selected: [] });
  },

  paste: (text) => {
    const { flow } = get();
    if (!flow) return false;
    const pasted = edits.pasteNodes(flow, text, { x: 40, y: 40 });
    if (!pasted) return false;
    get().edit(() => pasted[0]);
    set({ selected: pasted[1], pasted: [...get().pasted, ...pasted[1]] });
    return true;
  },

  undo: () => {
    const { flow, past, future } = get();
    if (!flow || past.length === 0) return;
    set({ flow: past[past.length - 1], past: past.slice(0, -1), future: [flow, ...future], dirty: true });
  },

  redo: () => {
    const { flow, past, future } = get();
    if (!flow || future.length === 0) return;
    set({ flow: future[0], past: [...past, flow], future: future.slice(1), dirty: true });
  },

  pin: (node, records) => {
    const { [node]: _unpinned, ...others } = get().pinned;
    set({ pinned: records ? { ...others, [node]: records } : others });
  },

  pinsLoaded: (flowId, pinned) => {
    if (get().flow?.id === flowId) set({ pinned });
  },

  previewed: (flow, report) => set({ previews: mergePreview(get().previews, flow, report), previewFailure: report.failure }),

  runNotice: (notice) => {
    const { flow, run } = get();
    if (!flow || notice.flow_id !== flow.id) return;
    switch (notice.notice) {
      case "started":
        set({ run: { runId: notice.run_id, status: "running", nodes: {}, failure: null } });
        return;
      case "event": {
        if (!run || run.runId !== notice.run_id) return;
        const event = notice.event;
        const nodes = { ...run.nodes };
        if (event.event === "node_started") {
          nodes[event.node] = { status: "running", stats: emptyStats, error: null };
        } else if (event.event === "node_progress") {
          nodes[event.node] = { status: "running", stats: event.stats, error: null };
        } else if (event.event === "node_finished") {
          nodes[event.node] = { status: event.status, stats: event.stats, error: event.error };
        } else {
          return;
        }
        set({ run: { ...run, nodes } });
        return;
      }
      case "finished": {
        const nodes: LiveRun["nodes"] = {};
        for (const report of notice.report.nodes) {
          nodes[report.node] = { status: report.status, stats: report.stats, error: report.error };
        }
        set({
          run: {
            runId: notice.run_id,
            status: notice.report.status,
            nodes,
            failure: notice.report.failure
              ? { node: notice.report.failure.node, message: notice.report.failure.message }
              : null,
          },
        });
        return;
      }
      case "broken":
        set({
          run: {
            runId: notice.run_id,
            status: "failed",
            nodes: run?.nodes ?? {},
            failure: { node: null, message: notice.message },
          },
        });
        return;
    }
  },
}));
