import { describe, expect, it } from "vitest";
import {
  GUIDE_STORAGE_KEY,
  GUIDE_TEMPLATE,
  dismissed,
  editorSnapshot,
  freshProgress,
  guideView,
  observed,
  pickedTemplate,
  readProgress,
  withListedFlows,
  writeProgress,
  type EditorSnapshot,
  type GuideProgress,
} from "./guideProgress";

const guideFlow = { id: "flow-guide", name: "Active customers to SQLite 2" };
const started = pickedTemplate(freshProgress, GUIDE_TEMPLATE, guideFlow);
const home: EditorSnapshot = { openFlowId: null, previewCount: 0, runStatus: null };
const editing = (flowId: string, previewCount = 0, runStatus: EditorSnapshot["runStatus"] = null): EditorSnapshot => ({
  openFlowId: flowId,
  previewCount,
  runStatus,
});

/** A localStorage stand-in holding one key's text. */
function memoryStorage(text: string | null = null) {
  const stored = new Map<string, string>(text === null ? [] : [[GUIDE_STORAGE_KEY, text]]);
  return {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
    stored,
  };
}

const ticks = (progress: GuideProgress, snapshot: EditorSnapshot) => {
  const view = guideView(progress, snapshot, false);
  return view.show ? view.steps.map((step) => `${step.id}:${step.done ? "done" : step.current ? "now" : "later"}`) : null;
};

describe("first-run guide: stored progress", () => {
  it("starts open with nothing done when nothing is stored", () => {
    expect(readProgress(memoryStorage())).toEqual(freshProgress);
    expect(readProgress(undefined)).toEqual(freshProgress);
  });

  it("reads back what it wrote, under its one key with its version", () => {
    const storage = memoryStorage();
    const progress = observed(started, editing(guideFlow.id, 3));
    writeProgress(storage, progress);
    expect([...storage.stored.keys()]).toEqual([GUIDE_STORAGE_KEY]);
    expect(JSON.parse(storage.stored.get(GUIDE_STORAGE_KEY)!)).toMatchObject({ version: 1, previewed: true });
    expect(readProgress(storage)).toEqual(progress);
  });

  it("starts over when the stored text is broken or the storage refuses", () => {
    expect(readProgress(memoryStorage("{not json"))).toEqual(freshProgress);
    expect(readProgress(memoryStorage("42"))).toEqual(freshProgress);
    const refusing = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("full"); } };
    expect(readProgress(refusing)).toEqual(freshProgress);
    expect(() => writeProgress(refusing, started)).not.toThrow();
  });

  it("never brings back a guide that was dismissed or finished, even stored by another version", () => {
    expect(readProgress(memoryStorage(JSON.stringify({ version: 0, status: "dismissed" }))).status).toBe("dismissed");
    expect(readProgress(memoryStorage(JSON.stringify({ version: 7, status: "done", steps: [1, 2, 3] }))).status).toBe("done");
    expect(readProgress(memoryStorage(JSON.stringify({ version: 7, status: "open", flow: guideFlow, ran: true })))).toEqual(freshProgress);
  });

  it("does not tick steps for a stored flow it cannot read", () => {
    const stored = JSON.stringify({ version: 1, status: "open", flow: { id: 5 }, previewed: true, ran: true });
    expect(readProgress(memoryStorage(stored))).toEqual(freshProgress);
  });
});

describe("first-run guide: steps", () => {
  it("step 1 is making a flow from the guide's template, once", () => {
    expect(started.flow).toEqual(guideFlow);
    expect(pickedTemplate(freshProgress, "dedupe-contacts", guideFlow)).toBe(freshProgress);
    expect(pickedTemplate(started, GUIDE_TEMPLATE, { id: "another", name: "Another" })).toBe(started);
    expect(pickedTemplate(dismissed(freshProgress), GUIDE_TEMPLATE, guideFlow).flow).toBeNull();
  });

  it("ticks preview, then run, for the guide's flow, and is done after both", () => {
    const previewed = observed(started, editing(guideFlow.id, 2));
    expect(previewed).toMatchObject({ previewed: true, ran: false, status: "open" });
    expect(observed(previewed, editing(guideFlow.id, 2, "running"))).toBe(previewed);
    expect(observed(previewed, editing(guideFlow.id, 2, "failed"))).toBe(previewed);
    expect(observed(previewed, editing(guideFlow.id, 0, "succeeded"))).toMatchObject({ ran: true, status: "done" });
  });

  it("keeps a run ticked when it came before the preview, and is done only with both", () => {
    const ran = observed(started, editing(guideFlow.id, 0, "succeeded"));
    expect(ran).toMatchObject({ previewed: false, ran: true, status: "open" });
    expect(ticks(ran, editing(guideFlow.id))).toEqual(["pick:done", "preview:now", "run:done"]);
  });

  it("ignores previews and runs of other flows, and everything before step 1", () => {
    expect(observed(started, editing("someone-elses-flow", 4, "succeeded"))).toBe(started);
    expect(observed(freshProgress, editing(guideFlow.id, 4, "succeeded"))).toBe(freshProgress);
  });

  it("stops watching once dismissed", () => {
    const closed = dismissed(started);
    expect(observed(closed, editing(guideFlow.id, 4, "succeeded"))).toBe(closed);
  });

  it("asks for step 1 again when the guide's flow is no longer listed (deleted)", () => {
    const previewed = observed(started, editing(guideFlow.id, 1));
    expect(withListedFlows(previewed, ["seeded-1", guideFlow.id])).toBe(previewed);
    expect(withListedFlows(previewed, ["seeded-1"])).toEqual(freshProgress);
    expect(withListedFlows(freshProgress, [])).toBe(freshProgress);
    const closed = dismissed(previewed);
    expect(withListedFlows(closed, [])).toBe(closed);
  });

  it("reads the editor's store: open flow, how many previews, run status", () => {
    expect(editorSnapshot({ flow: null, previews: {}, run: null })).toEqual(home);
    expect(editorSnapshot({ flow: { id: "f" }, previews: { a: {}, b: {} }, run: { status: "succeeded" } })).toEqual(editing("f", 2, "succeeded"));
  });
});

describe("first-run guide: where it shows", () => {
  it("shows on the home screen with step 1 to do first", () => {
    const view = guideView(freshProgress, home, false);
    expect(view).toMatchObject({ show: true, place: "home", finished: false, flow: null });
    expect(ticks(freshProgress, home)).toEqual(["pick:now", "preview:later", "run:later"]);
    expect(view.show && view.steps.map((step) => step.title)).toEqual(["Pick a template", "Preview its records", "Run it"]);
  });

  it("floats over the editor only on the guide's own flow", () => {
    expect(guideView(started, editing(guideFlow.id), false)).toMatchObject({ show: true, place: "editor" });
    expect(ticks(started, editing(guideFlow.id))).toEqual(["pick:done", "preview:now", "run:later"]);
    expect(guideView(started, editing("someone-elses-flow"), false)).toEqual({ show: false });
    expect(guideView(freshProgress, editing("someone-elses-flow"), false)).toEqual({ show: false });
  });

  it("is never shown again once dismissed", () => {
    const closed = dismissed(started);
    expect(guideView(closed, home, false)).toEqual({ show: false });
    expect(guideView(closed, editing(guideFlow.id), true)).toEqual({ show: false });
  });

  it("shows its last tick in the editor where it was finished, then never again", () => {
    const done = observed(observed(started, editing(guideFlow.id, 1)), editing(guideFlow.id, 1, "succeeded"));
    expect(done.status).toBe("done");
    expect(guideView(done, editing(guideFlow.id), true)).toMatchObject({ show: true, finished: true });
    expect(ticks(done, editing(guideFlow.id))).toBeNull();
    expect(guideView(done, home, true)).toEqual({ show: false });
    expect(guideView(done, editing(guideFlow.id), false)).toEqual({ show: false });
  });
});
