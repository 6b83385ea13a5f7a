// The flow editor: toolbar, palette, canvas, node panel, and the preview / runs / history panes.
// Edits autosave (debounced); every saved change is a version in the store.
import { save } from "@tauri-apps/plugin-dialog";
import { useEffect, useRef, useState } from "react";
import { api, errorText } from "./api";
import { Canvas } from "./canvas/Canvas";
import { HistoryPanel } from "./panel/HistoryPanel";
import { NodePanel } from "./panel/NodePanel";
import { Palette } from "./panel/Palette";
import { PreviewPanel } from "./panel/PreviewPanel";
import { ReviewDialog } from "./review/ReviewDialog";
import { RunsPanel } from "./runs/RunsPanel";
import { SchedulePanel } from "./panel/SchedulePanel";
import { useEditor } from "./store/flowStore";
import { copyNodes } from "./store/flowEdits";

type Props = { onNotice: (notice: { text: string; error: boolean } | null) => void };
type Pane = "preview" | "runs" | "history" | "schedule" | null;

const AUTOSAVE_MS = 500;

/** Saves the flow now if it has unsaved edits. */
export async function saveNow() {
  const { flow, dirty, saved, pasted } = useEditor.getState();
  if (!flow || !dirty) return;
  saved(await api.saveFlow(flow, pasted), pasted);
}

export function Editor({ onNotice }: Props) {
  const flow = useEditor((state) => state.flow)!;
  const dirty = useEditor((state) => state.dirty);
  const run = useEditor((state) => state.run);
  const problems = useEditor((state) => state.problems);
  const trusted = useEditor((state) => state.trusted);
  const [pane, setPane] = useState<Pane>(null);
  const [reviewing, setReviewing] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const saving = useRef<Promise<void> | null>(null);

  // Debounced autosave.
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => {
      saving.current = saveNow().catch((error) => onNotice({ text: errorText(error), error: true }));
    }, AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [flow, dirty, onNotice]);

  // Keyboard: undo/redo, delete, copy/paste (flow JSON on the clipboard, so it works across flows).
  useEffect(() => {
    const onKey = async (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (target.closest("input, textarea, select")) return;
      const state = useEditor.getState();
      const command = event.ctrlKey || event.metaKey;
      if (command && event.key.toLowerCase() === "z") {
        event.preventDefault();
        if (event.shiftKey) state.redo();
        else state.undo();
      } else if (command && event.key.toLowerCase() === "y") {
        event.preventDefault();
        state.redo();
      } else if (event.key === "Delete" || event.key === "Backspace") {
        state.removeSelected();
      } else if (command && event.key.toLowerCase() === "c" && state.flow && state.selected.length) {
        await navigator.clipboard.writeText(copyNodes(state.flow, state.selected));
      } else if (command && event.key.toLowerCase() === "v") {
        const text = await navigator.clipboard.readText().catch(() => "");
        if (!state.paste(text)) onNotice({ text: "The clipboard does not hold Sluice nodes.", error: true });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onNotice]);

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
  const canRun = problems.length === 0 && trusted;
  const runHint = !trusted
    ? "Review and approve this flow first: it came from elsewhere"
    : problems.length > 0
      ? "Fix the problems marked on the canvas first"
      : "Run the flow now";

  return (
    <div className="editor">
      <header className="toolbar">
        <button data-testid="back" onClick={() => act("back", async () => useEditor.getState().close())}>← Flows</button>
        <h1 data-testid="flow-name">{flow.name}</h1>
        <span className="muted save-state" data-testid="save-state">{dirty ? "Saving…" : "Saved"}</span>
        <span className="spacer" />
        <button data-testid="preview" disabled={busy !== null || !trusted} title={trusted ? "Run on a few records without writing anything" : runHint} onClick={() => act("preview", async () => {
          const { flow: current, liveNodes } = useEditor.getState();
          useEditor.getState().setPreview(await api.previewFlow(current!, 20, liveNodes));
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
              useEditor.getState().setPreview(null);
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
            await api.exportFlow(flow.id, path);
            onNotice({ text: `Exported to ${path}. It holds no secrets.`, error: false });
          }
        })}>Export…</button>
      </header>
      {!trusted && (
        <div className="notice error" role="alert" data-testid="review-needed">
          <span>This flow came from elsewhere. Nothing of it runs until you review what it touches and approve it.</span>
          <button className="link" data-testid="review" onClick={() => setReviewing(true)}>Review…</button>
        </div>
      )}
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
      {run && run.status !== "running" && run.failure && (
        <div className="notice error" data-testid="run-failure">
          {run.status === "committing"
            ? `The run committed, but “${run.failure.node ?? "a destination"}” could not be published yet: ${run.failure.message}. Sluice publishes it at its next start.`
            : `The run failed${run.failure.node ? ` at “${run.failure.node}”` : ""}: ${run.failure.message}. Nothing it wrote was kept.`}
        </div>
      )}
      <div className="workspace">
        <Palette />
        <Canvas />
        <NodePanel />
      </div>
      {pane && (
        <section className="pane">
          <button className="close" aria-label="Close" onClick={() => setPane(null)}>×</button>
          {pane === "preview" && <PreviewPanel />}
          {pane === "runs" && <RunsPanel />}
          {pane === "history" && <HistoryPanel onNotice={onNotice} />}
          {pane === "schedule" && <SchedulePanel />}
        </section>
      )}
    </div>
  );
}
