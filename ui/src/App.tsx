// The studio shell: the flows home or the editor, the component list from Rust, run notices,
// and importing a flow file dropped on the window.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { useEffect, useState } from "react";
import { api, errorText } from "./api";
import { Editor } from "./Editor";
import { FlowsHome } from "./home/FlowsHome";
import { useEditor } from "./store/flowStore";

export function App() {
  const flow = useEditor((state) => state.flow);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);

  useEffect(() => {
    api.components().then(useEditor.getState().setComponents, (error) => setNotice({ text: errorText(error), error: true }));
    const stopRuns = api.onRun((runNotice) => useEditor.getState().runNotice(runNotice));
    const stopDrops = getCurrentWebview().onDragDropEvent(async (event) => {
      if (event.payload.type !== "drop") return;
      for (const path of event.payload.paths.filter((candidate) => candidate.endsWith(".json"))) {
        await importFile(path, setNotice);
      }
    });
    return () => {
      stopRuns.then((stop) => stop());
      stopDrops.then((stop) => stop());
    };
  }, []);

  return (
    <div className="app">
      {notice && (
        <div className={notice.error ? "notice error" : "notice"} role="status" data-testid="notice">
          <span>{notice.text}</span>
          <button onClick={() => setNotice(null)} aria-label="Dismiss">×</button>
        </div>
      )}
      {flow ? <Editor onNotice={setNotice} /> : <FlowsHome onNotice={setNotice} />}
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
    const missing = outcome.credentials_needed.length
      ? ` It uses credentials you need to connect: ${outcome.credentials_needed.join(", ")}.`
      : "";
    setNotice({ text: `Imported “${outcome.name}”.${missing}`, error: false });
    useEditor.getState().open(await api.openFlow(outcome.flow_id));
  } catch (error) {
    setNotice({ text: `Could not import ${path}: ${errorText(error)}`, error: true });
  }
}
