// The history panel: every saved version of the flow with what it changed; compare one with the
// flow as it is (the engine's diff) and restore it from there (restoring saves it as a new
// version, so nothing is lost).
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { FlowDiff } from "../bindings/FlowDiff";
import type { FlowVersion } from "../bindings/FlowVersion";
import { useEditor } from "../store/flowStore";
import { diffLines } from "./diffView";

type Props = { onNotice: (notice: { text: string; error: boolean } | null) => void };

export function HistoryPanel({ onNotice }: Props) {
  const flowId = useEditor((state) => state.flow!.id);
  const current = useEditor((state) => state.version);
  // A save folded into the current version keeps its number: reload when a save lands.
  const saving = useEditor((state) => state.dirty);
  const [versions, setVersions] = useState<FlowVersion[]>([]);
  const [comparing, setComparing] = useState<{ version: number; diff: FlowDiff } | null>(null);

  useEffect(() => {
    api.flowVersions(flowId).then(setVersions, (error) => onNotice({ text: errorText(error), error: true }));
  }, [flowId, current, saving, onNotice]);

  const restore = async (version: number) => {
    try {
      useEditor.getState().open(await api.restoreFlowVersion(flowId, version));
      setComparing(null);
      onNotice({ text: `Restored version ${version} as a new version.`, error: false });
    } catch (error) {
      onNotice({ text: errorText(error), error: true });
    }
  };

  return (
    <div className="history" data-testid="history-panel">
      <ul>
        {versions.map((version) => (
          <li key={version.version} data-testid={`version-${version.version}`}>
            <strong>Version {version.version}</strong>{" "}
            <span className="muted">{new Date(version.saved_at).toLocaleString()}</span>{" "}
            <span data-testid="version-label">{version.label || "saved"}</span>
            {version.version === current ? <em> (current)</em> : (
              <button data-testid={`compare-${version.version}`} onClick={async () => {
                try {
                  setComparing({ version: version.version, diff: await api.flowVersionDiff(flowId, version.version) });
                } catch (error) {
                  onNotice({ text: errorText(error), error: true });
                }
              }}>Compare…</button>
            )}
          </li>
        ))}
      </ul>
      {comparing && (
        <div className="version-diff" data-testid="version-diff">
          <h3>Restoring version {comparing.version} would change:</h3>
          <ul>
            {diffLines(comparing.diff).map((line, index) => <li key={index} className={`diff-${line.kind}`}>{line.text}</li>)}
          </ul>
          {diffLines(comparing.diff).length === 0 && <p className="muted">Nothing: it is the flow as it is now.</p>}
          <button className="primary" data-testid="restore" onClick={() => restore(comparing.version)}>Restore version {comparing.version}</button>{" "}
          <button onClick={() => setComparing(null)}>Cancel</button>
        </div>
      )}
    </div>
  );
}
