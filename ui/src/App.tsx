// The studio shell: the flows home or the editor, the component list from Rust, run notices,
// importing a flow file dropped on the window, and the first-run guide (its watch on the editor,
// its checklist over it). Notices float over the studio (in the editor, over the canvas beside its
// own banners) instead of pushing the layout down.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { listen } from "@tauri-apps/api/event";
import { Component, useEffect, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { api, errorText } from "./api";
import { Editor, saveNow } from "./Editor";
import { FlowsHome } from "./home/FlowsHome";
import { GuideChecklist } from "./guide/FirstRunGuide";
import { useGuideWatch } from "./guide/guideStore";
import { useEditor } from "./store/flowStore";
import { importConnectorFile } from "./panel/importConnector";
import { CredentialsView } from "./credentials/CredentialsView";
import { UpdateBanner, UpdatesDialog, updateBannerKey, useUpdates } from "./updates/UpdatesDialog";

export function App() {
  const flow = useEditor((state) => state.flow);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const updates = useUpdates();
  const [showCredentials, setShowCredentials] = useState(false);
  const [dismissedUpdate, setDismissedUpdate] = useState<string | null>(null);
  // Where the editor shows notices; null on the home and credentials views.
  const [editorNotices, setEditorNotices] = useState<HTMLElement | null>(null);
  // The guide's checklist sits in the canvas row's bottom-right corner (clear of the toolbar, the
  // canvas controls bottom-left and the node panel right), which moves up when a pane opens below.
  const guideHost = flow ? (editorNotices?.closest<HTMLElement>(".workspace") ?? null) : null;
  useGuideWatch();

  useEffect(() => {
    api.components().then(useEditor.getState().setComponents, (error) => setNotice({ text: errorText(error), error: true }));
    api.nodeSettingLabels().then(useEditor.getState().setSettingLabels, () => undefined);
    const stopRuns = api.onRun((runNotice) => useEditor.getState().runNotice(runNotice));
    const stopDrops = getCurrentWebview().onDragDropEvent(async (event) => {
      if (event.payload.type !== "drop") return;
      for (const path of event.payload.paths) {
        if (path.endsWith(".json")) await importFile(path, setNotice);
        if (path.endsWith(".yaml") || path.endsWith(".yml")) await importConnectorFile(path, setNotice);
      }
    });
    // Closing the window: save what is unsaved, then let the window go (Sluice stays in the tray).
    const stopClose = listen("close-requested", async () => {
      await saveNow().catch(() => undefined);
      await getCurrentWindow().destroy();
    });
    return () => {
      stopRuns.then((stop) => stop());
      stopDrops.then((stop) => stop());
      stopClose.then((stop) => stop());
    };
  }, []);

  const notices = (
    <>
      {notice && (
        <div className={notice.error ? "notice error" : "notice"} role="status" data-testid="notice">
          <span>{notice.text}</span>
          <button onClick={() => setNotice(null)} aria-label="Dismiss">×</button>
        </div>
      )}
      {!updates.open && updateBannerKey(updates.status) !== dismissedUpdate && (
        <UpdateBanner
          status={updates.status}
          onOpen={() => updates.setOpen(true)}
          onDismiss={() => setDismissedUpdate(updateBannerKey(updates.status))}
        />
      )}
    </>
  );

  return (
    <div className="app">
      {flow && editorNotices ? createPortal(notices, editorNotices) : <div className="notices">{notices}</div>}
      <ErrorBoundary>
        {flow ? (
          <Editor onNotice={setNotice} noticeSlot={setEditorNotices} />
        ) : showCredentials ? (
          <CredentialsView onClose={() => setShowCredentials(false)} />
        ) : (
          <FlowsHome onNotice={setNotice} onUpdates={() => updates.setOpen(true)} onCredentials={() => setShowCredentials(true)} />
        )}
        {flow && (guideHost ? createPortal(<GuideChecklist />, guideHost) : <GuideChecklist />)}
      </ErrorBoundary>
      {updates.open && <UpdatesDialog status={updates.status} onClose={() => updates.setOpen(false)} />}
    </div>
  );
}

/** Imports a flow file and opens it, or says why it was refused. */
export async function importFile(
  path: string,
  setNotice: (notice: { text: string; error: boolean } | null) => void,
) {
  try {
    const outcome = await api.importFlow(path);
    const missing = outcome.credentials_missing.length
      ? ` It uses credentials that are not here yet: ${outcome.credentials_missing.join(", ")} — pick or create them in the Credential field of the nodes marked, or under Credentials.`
      : "";
    const review = outcome.trusted ? "" : " It came from elsewhere: review what it touches and approve it before it runs.";
    const problems = outcome.problems.length
      ? ` It has ${outcome.problems.length} problem${outcome.problems.length === 1 ? "" : "s"} to fix before it can run; they are marked on its nodes.`
      : "";
    const warnings = outcome.warnings.map((warning) => ` Note: ${warning}.`).join("");
    setNotice({ text: `Imported “${outcome.name}”.${problems}${review}${missing}${warnings}`, error: false });
    useEditor.getState().open(await api.openFlow(outcome.flow_id));
  } catch (error) {
    setNotice({ text: `Could not import ${path}: ${errorText(error)}`, error: true });
  }
}

/** Shows a failure of the UI itself as a message with a way back, instead of a blank window. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="notice error" role="alert" data-testid="ui-error">
        <span>Something went wrong in the studio: {this.state.error.message}. Your flow was saved.</span>
        <button
          onClick={() => {
            useEditor.getState().close();
            this.setState({ error: null });
          }}
        >
          Back to flows
        </button>
      </div>
    );
  }
}
