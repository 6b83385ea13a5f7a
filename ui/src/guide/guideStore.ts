// The first-run guide at runtime: its progress (read from and written to localStorage on every
// change), the watch on the editor's store that ticks steps 2 and 3 off, and making a flow from a
// template, which is step 1 when it is the guide's template. The rules are in guideProgress.ts.
import { useEffect } from "react";
import { create } from "zustand";
import { api } from "../api";
import { useEditor } from "../store/flowStore";
import {
  dismissed,
  editorSnapshot,
  guideView,
  observed,
  pickedTemplate,
  readProgress,
  withListedFlows,
  writeProgress,
  type EditorSnapshot,
  type GuideProgress,
  type GuideView,
} from "./guideProgress";

type GuideState = {
  progress: GuideProgress;
  /** The guide was finished in this session: its last tick stays in view until closed. */
  finishedThisSession: boolean;
  /** A flow was made from a template (step 1 when it is the guide's). */
  picked: (templateId: string, flow: { id: string; name: string }) => void;
  /** The home listed the stored flows (the guide's may have been deleted). */
  flowsListed: (flowIds: string[]) => void;
  observe: (snapshot: EditorSnapshot) => void;
  /** The person closed the guide: it is not shown again. */
  close: () => void;
};

const storage = () => (typeof localStorage === "undefined" ? undefined : localStorage);

export const useGuide = create<GuideState>()((set, get) => {
  const keep = (progress: GuideProgress, finishedThisSession = get().finishedThisSession) => {
    if (progress === get().progress && finishedThisSession === get().finishedThisSession) return;
    writeProgress(storage(), progress);
    set({ progress, finishedThisSession });
  };
  return {
    progress: readProgress(storage()),
    finishedThisSession: false,
    picked: (templateId, flow) => keep(pickedTemplate(get().progress, templateId, flow)),
    flowsListed: (flowIds) => keep(withListedFlows(get().progress, flowIds)),
    observe: (snapshot) => {
      const before = get().progress;
      const after = observed(before, snapshot);
      keep(after, get().finishedThisSession || (before.status === "open" && after.status === "done"));
    },
    close: () => {
      const { progress } = get();
      keep(progress.status === "done" ? progress : dismissed(progress), false);
    },
  };
});

/** Ticks the guide's steps 2 and 3 off as the editor's store changes; answers how to stop. */
export function watchEditor(): () => void {
  useGuide.getState().observe(editorSnapshot(useEditor.getState()));
  return useEditor.subscribe((state) => useGuide.getState().observe(editorSnapshot(state)));
}

/** The watch, for as long as the studio shell is mounted. */
export function useGuideWatch() {
  useEffect(watchEditor, []);
}

/** What the guide shows now, re-rendered as the progress or the editor's flow, previews or run change. */
export function useGuideView(): GuideView {
  const progress = useGuide((state) => state.progress);
  const finishedThisSession = useGuide((state) => state.finishedThisSession);
  const openFlowId = useEditor((state) => state.flow?.id ?? null);
  const previewCount = useEditor((state) => Object.keys(state.previews).length);
  const runStatus = useEditor((state) => state.run?.status ?? null);
  return guideView(progress, { openFlowId, previewCount, runStatus }, finishedThisSession);
}

/** Makes a new flow from a template, tells the guide, and opens the flow in the editor. Errors are
 *  the caller's to show. */
export async function openTemplate(templateId: string): Promise<void> {
  const document = await api.createFromTemplate(templateId);
  // The editor first: the home (and its list, without the new flow) is gone before the guide
  // hears of a flow that list would call deleted.
  useEditor.getState().open(document);
  useGuide.getState().picked(templateId, document.flow);
}
