// The flow editor: toolbar, palette, canvas, node panel, and the preview / runs / history panes.
// Edits autosave (debounced); every saved change is a version in the store. Its banners float
// over the canvas (with the studio's notices, see App) and can be dismissed.
import { save } from "@tauri-apps/plugin-dialog";
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useRef, useState } from "react";
import { api, errorText } from "./api";
import { Canvas } from "./canvas/Canvas";
import { useCanvasCommands } from "./canvas/canvasCommands";
import { NodeSearch } from "./canvas/NodeSearch";
import { ShortcutSheet } from "./canvas/ShortcutSheet";
import { commandFor, isMac, keysFor, type Command } from "./canvas/shortcuts";
import { FlowName } from "./FlowName";
import { HistoryPanel } from "./history/HistoryPanel";
import { NodePanel } from "./panel/NodePanel";
import { Palette } from "./panel/Palette";
import { PreviewPanel } from "./preview/PreviewPanel";
import { loadPins } from "./preview/pins";
import { pinsFor, previewTarget } from "./preview/previewResults";
import { ReviewDialog } from "./review/ReviewDialog";
import { RunsPanel } from "./runs/RunsPanel";
import { SchedulePanel } from "./panel/SchedulePanel";
import { useEditor } from "./store/flowStore";
import { copyNodes } from "./store/flowEdits";
import { runReadiness } from "./store/runReadiness";

type Props = {
  onNotice: (notice: { text: string; error: boolean } | null) => void;
  /** Receives the element where the studio's own notices go while the editor is open. */
  noticeSlot: (element: HTMLElement | null) => void;
};
type Pane = "preview" | "runs" | "history" | "schedule" | null;
/** What floats over the editor, opened from the keyboard. */
type Overlay = "search" | "shortcuts" | null;
/** The commands that still work while an overlay is open (the others would act unseen behind it). */
const OVERLAY_COMMANDS: Command[] = ["search", "shortcuts", "close"];

const AUTOSAVE_MS = 500;

/** Saves the flow now if it has unsaved edits. */
export async function saveNow() {
  const { flow, dirty, saved, pasted } = useEditor.getState();
  if (!flow || !dirty) return;
  saved(await api.saveFlow(flow, pasted), pasted);
}

/** The editor inside the canvas's ReactFlowProvider, so the toolbar and the keys can move the view. */
export function Editor(props: Props) {
  return (
    <ReactFlowProvider>
      <EditorView {...props} />
    </ReactFlowProvider>
  );
}

function EditorView({ onNotice, noticeSlot }: Props) {
  const flow = useEditor((state) => state.flow)!;
  const dirty = useEditor((state) => state.dirty);
  const run = useEditor((state) => state.run);
  const problems = useEditor((state) => state.problems);
  const trusted = useEditor((state) => state.trusted);
  const [pane, setPane] = useState<Pane>(null);
  const [reviewing, setReviewing] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  // Banners the person closed: "review", or the id of the run whose failure they read.
  const [dismissed, setDismissed] = useState<string[]>([]);
  const dismiss = (banner: string) => setDismissed((current) => [...current, banner]);
  const saving = useRef<Promise<void> | null>(null);
  const [overlay, setOverlay] = useState<Overlay>(null);
  const canvas = useCanvasCommands();

  // The samples pinned in this flow, kept from earlier sessions.
  useEffect(() => {
    loadPins(flow.id).catch((error) => onNotice({ text: errorText(error), error: true }));
  }, [flow.id, onNotice]);

  // Debounced autosave.
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => {
      saving.current = saveNow().catch((error) => onNotice({ text: errorText(error), error: true }));
    }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [flow, dirty, onNotice]);

  // Keyboard: the keys are in one table (canvas/shortcuts.ts) that the `?` sheet lists; copy/paste
  // put flow JSON on the clipboard, so it works across flows.
  useEffect(() => {
    const onKey = async (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      // Keys typed into a field, the expression editor or the data grid are theirs.
      if (event.defaultPrevented || target.isContentEditable || target.closest?.("input, textarea, select, .cm-editor, .data-grid")) return;
      const command = commandFor(event);
      if (!command || (overlay && !OVERLAY_COMMANDS.includes(command)) || (command === "close" && !overlay)) return;
      const state = useEditor.getState();
      const actions: Record<Command, () => unknown> = {
        undo: () => state.undo(),
        redo: () => state.redo(),
        delete: () => state.removeSelected(),
        copy: async () => {
          if (state.flow && state.selected.length) await navigator.clipboard.writeText(copyNodes(state.flow, state.selected));
        },
        paste: async () => {
          const text = await navigator.clipboard.readText().catch(() => "");
          if (!state.paste(text)) onNotice({ text: "The clipboard does not hold Sluice nodes.", error: true });
        },
        save: async () => {
          try {
            await saveNow();
            await api.keepFlowVersion(state.flow!.id);
            onNotice({ text: "Saved: this version stays in the history as it is.", error: false });
          } catch (error) {
            onNotice({ text: errorText(error), error: true });
          }
        },
        tidy: () => canvas.tidy(),
        search: () => setOverlay("search"),
        shortcuts: () => setOverlay(overlay === "shortcuts" ? null : "shortcuts"),
        close: () => setOverlay(null),
      };
      if (command !== "copy" && command !== "paste") event.preventDefault();
      await actions[command]();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onNotice, overlay, canvas]);

  const act = async (label: string, action: () => Promise<void>) => {
    setBusy(label);
    try {
      await saving.current;
      await saveNow();
      await action();
    } catch (error) {
      onNotice({ text: errorText(error), error: true });
    } finally {
      setBusy(null);
    }
  };

  const running = run?.status === "running";
  const { canRun, hint: runHint } = runReadiness(problems, flow.schedule, trusted);

  return (
    <div className="editor">
      <header className="toolbar">
        <button data-testid="back" onClick={() => act("back", async () => useEditor.getState().close())}>← Flows</button>
        <FlowName onNotice={onNotice} />
        <span className="muted save-state" data-testid="save-state">{dirty ? "Saving…" : "Saved"}</span>
        <span className="spacer" />
        <button data-testid="auto-layout" disabled={flow.nodes.length === 0} title={`Lay the flow out left to right (${keysFor("tidy", isMac())}); undo puts it back`} onClick={canvas.tidy}>
          Tidy up
        </button>
        {!trusted && dismissed.includes("review") && (
          <button data-testid="review" title="This flow came from elsewhere: review what it touches and approve it" onClick={() => setReviewing(true)}>
            Review…
          </button>
        )}
        <button data-testid="preview" disabled={busy !== null || !trusted} title={trusted ? "Run the selected node (and what feeds it), or the whole flow, on a few records without writing anything; the rest of the flow may be unfinished" : runHint} onClick={() => act("preview", async () => {
          const { flow: current, liveNodes, selected, pinned } = useEditor.getState();
          const sent = current!;
          const report = await api.previewFlow(sent, 20, liveNodes, previewTarget(selected), pinsFor(sent, pinned));
          useEditor.getState().previewed(sent, report);
          setPane("preview");
        })}>Preview</button>
        {running ? (
          <button data-testid="cancel" className="danger" onClick={() => api.cancelRun(run!.runId)}>Cancel run</button>
        ) : (
          <button
            data-testid="run"
            className="primary"
            disabled={busy !== null || !canRun}
            title={runHint}
            onClick={() => act("run", async () => {
              await api.runFlow(flow.id);
              setPane("runs");
            })}
          >
            Run now
          </button>
        )}
        <button data-testid="runs" onClick={() => setPane(pane === "runs" ? null : "runs")}>Runs</button>
        <button data-testid="schedule" onClick={() => setPane(pane === "schedule" ? null : "schedule")}>
          {flow.schedule?.enabled ? "Scheduled" : "Schedule"}
        </button>
        <button data-testid="history" onClick={() => setPane(pane === "history" ? null : "history")}>History</button>
        <button data-testid="export" onClick={() => act("export", async () => {
          const path = await save({ defaultPath: `${flow.name}.sluice.json`, filters: [{ name: "Sluice flow", extensions: ["json"] }] });
          if (path) {
            const warnings = await api.exportFlow(flow.id, path);
            const note = warnings.length ? ` Check before sharing: ${warnings.join(" ")}` : "";
            onNotice({ text: `Exported to ${path}. It holds no secrets; paths inside the flow's folder are written relative to it.${note}`, error: warnings.length > 0 });
          }
        })}>Export…</button>
      </header>
      {reviewing && (
        <ReviewDialog
          flowId={flow.id}
          onClose={() => setReviewing(false)}
          onApproved={() => {
            setReviewing(false);
            useEditor.getState().setTrusted(true);
            onNotice({ text: "Approved: the flow may run. Your own edits keep the approval.", error: false });
          }}
        />
      )}
      <div className="workspace">
        <Palette />
        <Canvas />
        <NodePanel />
        <div className="notices editor-notices">
          <div className="notice-slot" ref={noticeSlot} />
          {!trusted && !dismissed.includes("review") && (
            <div className="notice error" role="alert" data-testid="review-needed">
              <span>This flow came from elsewhere. Nothing of it runs until you review what it touches and approve it.</span>
              <button className="link" data-testid="review" onClick={() => setReviewing(true)}>Review…</button>
              <button onClick={() => dismiss("review")} aria-label="Dismiss">×</button>
            </div>
          )}
          {run && run.status !== "running" && run.failure && !dismissed.includes(run.runId) && (
            <div className="notice error" data-testid="run-failure">
              <span>
                {run.status === "committing"
                  ? `The run committed, but “${run.failure.node ?? "a destination"}” could not be published yet: ${run.failure.message}. Sluice publishes it at its next start.`
                  : `The run failed${run.failure.node ? ` at “${run.failure.node}”` : ""}: ${run.failure.message}. Nothing it wrote was kept.`}
              </span>
              <button onClick={() => dismiss(run.runId)} aria-label="Dismiss">×</button>
            </div>
          )}
        </div>
      </div>
      {overlay === "search" && <NodeSearch onClose={() => setOverlay(null)} />}
      {overlay === "shortcuts" && <ShortcutSheet onClose={() => setOverlay(null)} />}
      {pane && (
        <section className="pane">
          <button className="close" aria-label="Close" onClick={() => setPane(null)}>×</button>
          {pane === "preview" && <PreviewPanel />}
          {pane === "runs" && <RunsPanel />}
          {pane === "history" && <HistoryPanel onNotice={onNotice} />}
          {pane === "schedule" && <SchedulePanel key={flow.id} />}
        </section>
      )}
    </div>
  );
}
