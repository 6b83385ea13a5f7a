import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FlowDocument } from "../bindings/FlowDocument";
import type { RunStatus } from "../bindings/RunStatus";
import { GUIDE_STORAGE_KEY, GUIDE_TEMPLATE } from "./guideProgress";

const guideDocument: FlowDocument = {
  flow: { format: "sluice.flow/1", id: "guide-flow", name: "Active customers to SQLite 2", nodes: [], edges: [] },
  base_dir: "/home/files/templates/customers-to-sqlite",
  version: 1,
  problems: [],
  advice: [],
  trusted: true,
};
const otherDocument: FlowDocument = { ...guideDocument, flow: { ...guideDocument.flow, id: "other-flow", name: "Mine" } };
const report = (status: RunStatus) => ({ status, failure: null, nodes: [], states: {}, duration_ms: 3 });
const nodeReport = {
  node: "csv_read_1",
  status: "succeeded" as const,
  stats: { records_in: 0, records_out: 2, records_errored: 0, bytes: 0, duration_ms: 1, busy_ms: 1, memory_peak_bytes: 0, spilled_bytes: 0 },
  error: null,
  samples: [{ name: "Ada" }],
};

let stored: Map<string, string>;

/** The guide and editor stores as a new start of the studio sees them, with `text` kept. */
async function studioStart(text?: string) {
  vi.resetModules();
  stored = new Map(text === undefined ? [] : [[GUIDE_STORAGE_KEY, text]]);
  vi.stubGlobal("localStorage", {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
  });
  const guide = await import("./guideStore");
  const { useEditor } = await import("../store/flowStore");
  return { ...guide, useEditor };
}

const kept = () => JSON.parse(stored.get(GUIDE_STORAGE_KEY) ?? "null");

describe("first-run guide in the studio", () => {
  beforeEach(() => vi.unstubAllGlobals());
  afterEach(() => vi.unstubAllGlobals());

  it("ticks its steps off from the editor's store and remembers them across starts", async () => {
    const studio = await studioStart();
    const stop = studio.watchEditor();
    studio.useGuide.getState().picked(GUIDE_TEMPLATE, guideDocument.flow);
    studio.useEditor.getState().open(guideDocument);
    expect(kept()).toMatchObject({ version: 1, status: "open", flow: { id: "guide-flow" }, previewed: false });

    studio.useEditor.getState().previewed(guideDocument.flow, { ...report("succeeded"), nodes: [nodeReport] });
    expect(kept()).toMatchObject({ previewed: true, ran: false });

    // Back home and in again: the editor forgets the preview, the guide does not.
    studio.useEditor.getState().close();
    studio.useEditor.getState().open(guideDocument);
    expect(studio.useGuide.getState().progress.previewed).toBe(true);

    studio.useEditor.getState().runNotice({ notice: "started", run_id: "r1", flow_id: "guide-flow" });
    expect(kept()).toMatchObject({ ran: false, status: "open" });
    studio.useEditor.getState().runNotice({ notice: "finished", run_id: "r1", flow_id: "guide-flow", report: report("succeeded") });
    expect(kept()).toMatchObject({ ran: true, status: "done" });
    expect(studio.useGuide.getState().finishedThisSession).toBe(true);
    stop();

    const next = await studioStart(stored.get(GUIDE_STORAGE_KEY));
    expect(next.useGuide.getState()).toMatchObject({ progress: { status: "done" }, finishedThisSession: false });
  });

  it("does not count another flow's preview or run", async () => {
    const studio = await studioStart();
    const stop = studio.watchEditor();
    studio.useGuide.getState().picked(GUIDE_TEMPLATE, guideDocument.flow);
    studio.useEditor.getState().open(otherDocument);
    studio.useEditor.getState().previewed(otherDocument.flow, { ...report("succeeded"), nodes: [nodeReport] });
    studio.useEditor.getState().runNotice({ notice: "finished", run_id: "r2", flow_id: "other-flow", report: report("succeeded") });
    expect(studio.useGuide.getState().progress).toMatchObject({ previewed: false, ran: false, status: "open" });
    stop();
  });

  it("stays closed once dismissed, also after a new start", async () => {
    const studio = await studioStart();
    studio.useGuide.getState().close();
    expect(kept()).toMatchObject({ status: "dismissed" });
    const next = await studioStart(stored.get(GUIDE_STORAGE_KEY));
    expect(next.useGuide.getState().progress.status).toBe("dismissed");
  });

  it("closing a guide finished just now hides its last tick and keeps it done", async () => {
    const text = JSON.stringify({ version: 1, status: "open", flow: { id: "guide-flow", name: "x" }, previewed: true, ran: false });
    const studio = await studioStart(text);
    studio.useEditor.getState().open(guideDocument);
    studio.useGuide.getState().observe({ openFlowId: "guide-flow", previewCount: 0, runStatus: "succeeded" });
    expect(studio.useGuide.getState().finishedThisSession).toBe(true);
    studio.useGuide.getState().close();
    expect(studio.useGuide.getState()).toMatchObject({ progress: { status: "done" }, finishedThisSession: false });
    expect(kept()).toMatchObject({ status: "done" });
  });
});
