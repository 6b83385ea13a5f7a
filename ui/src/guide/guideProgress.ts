// The first-run guide's progress and what it shows: the small state kept in localStorage (one key,
// with a version), how it moves as the person picks the template, previews and runs the guide's
// flow, and which steps are ticked where. Pure, tested beside; guideStore.ts holds it at runtime.
import type { LiveRun } from "../store/flowStore";

/** Where the progress is kept in localStorage. */
export const GUIDE_STORAGE_KEY = "sluice.firstRunGuide";
/** The shape of the stored progress; a stored value of another version is not trusted. */
export const GUIDE_VERSION = 1;
/** The template the guide builds its flow from. */
export const GUIDE_TEMPLATE = "customers-to-sqlite";

export type GuideProgress = {
  version: typeof GUIDE_VERSION;
  /** "open" while it guides; "dismissed" when the person closed it; "done" once all three steps
   *  happened. The last two are final: the guide is not shown again. */
  status: "open" | "dismissed" | "done";
  /** The flow the guide made from its template (step 1), once made. */
  flow: { id: string; name: string } | null;
  /** Step 2: the guide's flow was previewed. */
  previewed: boolean;
  /** Step 3: a run of the guide's flow succeeded. */
  ran: boolean;
};

/** The part of the editor's store the guide watches. */
export type EditorSnapshot = {
  /** The flow open in the editor; null on the home screen. */
  openFlowId: string | null;
  /** How many nodes have a preview. */
  previewCount: number;
  /** How the open flow's latest run stands, if it has one. */
  runStatus: LiveRun["status"] | null;
};

export const freshProgress: GuideProgress = { version: GUIDE_VERSION, status: "open", flow: null, previewed: false, ran: false };

/** The stored progress; a fresh one when there is none or it cannot be read. A stored value of
 *  another version still keeps a guide the person dismissed or finished from coming back. */
export function readProgress(storage: Pick<Storage, "getItem"> | undefined): GuideProgress {
  let stored: unknown;
  try {
    const text = storage?.getItem(GUIDE_STORAGE_KEY);
    if (!text) return freshProgress;
    stored = JSON.parse(text);
  } catch {
    return freshProgress;
  }
  if (typeof stored !== "object" || stored === null) return freshProgress;
  const value = stored as Record<string, unknown>;
  const status = value.status === "dismissed" || value.status === "done" ? value.status : "open";
  if (value.version !== GUIDE_VERSION) return { ...freshProgress, status };
  const flow = value.flow as Record<string, unknown> | null | undefined;
  const validFlow = typeof flow?.id === "string" && typeof flow?.name === "string" ? { id: flow.id, name: flow.name } : null;
  return {
    version: GUIDE_VERSION,
    status,
    flow: validFlow,
    previewed: validFlow !== null && value.previewed === true,
    ran: validFlow !== null && value.ran === true,
  };
}

/** Keeps the progress; a storage that refuses (private mode, full) only costs the guide its memory. */
export function writeProgress(storage: Pick<Storage, "setItem"> | undefined, progress: GuideProgress): void {
  try {
    storage?.setItem(GUIDE_STORAGE_KEY, JSON.stringify(progress));
  } catch {
    // Nothing to tell the person: the guide simply starts over next time.
  }
}

/** The editor's store as the guide sees it. */
export function editorSnapshot(state: { flow: { id: string } | null; previews: Record<string, unknown>; run: { status: LiveRun["status"] } | null }): EditorSnapshot {
  return { openFlowId: state.flow?.id ?? null, previewCount: Object.keys(state.previews).length, runStatus: state.run?.status ?? null };
}

/** Step 1: a flow was made from `templateId`. Only the guide's template, while the guide is open
 *  and has no flow yet, makes it the guide's flow (a second copy does not restart the guide). */
export function pickedTemplate(progress: GuideProgress, templateId: string, flow: { id: string; name: string }): GuideProgress {
  if (progress.status !== "open" || progress.flow !== null || templateId !== GUIDE_TEMPLATE) return progress;
  return { ...progress, flow: { id: flow.id, name: flow.name }, previewed: false, ran: false };
}

/** The stored flows were listed: when the guide's flow is not among them (deleted), step 1 is to
 *  be done again. */
export function withListedFlows(progress: GuideProgress, flowIds: string[]): GuideProgress {
  if (progress.status !== "open" || !progress.flow || flowIds.includes(progress.flow.id)) return progress;
  return { ...progress, flow: null, previewed: false, ran: false };
}

/** Ticks steps 2 and 3 off from what the editor shows for the guide's flow; "done" once all three
 *  happened. Answers the same object when nothing changed, so callers can skip a write. */
export function observed(progress: GuideProgress, snapshot: EditorSnapshot): GuideProgress {
  if (progress.status !== "open" || !progress.flow || snapshot.openFlowId !== progress.flow.id) return progress;
  const previewed = progress.previewed || snapshot.previewCount > 0;
  const ran = progress.ran || snapshot.runStatus === "succeeded";
  if (previewed === progress.previewed && ran === progress.ran) return progress;
  return { ...progress, previewed, ran, status: previewed && ran ? "done" : "open" };
}

export function dismissed(progress: GuideProgress): GuideProgress {
  return progress.status === "dismissed" ? progress : { ...progress, status: "dismissed" };
}

export type GuideStepId = "pick" | "preview" | "run";

export type GuideStep = {
  id: GuideStepId;
  title: string;
  /** What to do for it, in the person's words. */
  hint: string;
  done: boolean;
  /** The first step not done yet: the one to do now. */
  current: boolean;
};

/** What the guide shows: nothing, the card in the home page, or the checklist over the editor. */
export type GuideView =
  | { show: false }
  | { show: true; place: "home" | "editor"; steps: GuideStep[]; flow: GuideProgress["flow"]; finished: boolean };

/**
 * What the guide shows for the progress, the editor's snapshot (no open flow = the home screen),
 * and whether the guide was finished in this session (its last tick stays in view until the person
 * closes it or leaves the flow; from the next start on, a finished guide is gone).
 */
export function guideView(progress: GuideProgress, snapshot: EditorSnapshot, finishedThisSession: boolean): GuideView {
  const place = snapshot.openFlowId === null ? "home" : "editor";
  const onGuideFlow = progress.flow !== null && snapshot.openFlowId === progress.flow.id;
  const visible =
    progress.status === "open" ? place === "home" || onGuideFlow : progress.status === "done" && finishedThisSession && onGuideFlow;
  if (!visible) return { show: false };
  const done: Record<GuideStepId, boolean> = {
    pick: progress.flow !== null,
    preview: progress.previewed,
    run: progress.ran,
  };
  const texts: Record<GuideStepId, { title: string; hint: string }> = {
    pick: {
      title: "Pick a template",
      hint: "Make a ready-made flow that reads customers from a CSV file and keeps the active ones in a SQLite database.",
    },
    preview: {
      title: "Preview its records",
      hint: "Press Preview at the top of the editor: the flow runs on a few records and writes nothing.",
    },
    run: {
      title: "Run it",
      hint: "Press Run now: the flow writes its records for real, and Runs shows how it went.",
    },
  };
  const order: GuideStepId[] = ["pick", "preview", "run"];
  const current = order.find((id) => !done[id]) ?? null;
  return {
    show: true,
    place,
    flow: progress.flow,
    finished: progress.status === "done",
    steps: order.map((id) => ({ id, ...texts[id], done: done[id], current: id === current })),
  };
}
