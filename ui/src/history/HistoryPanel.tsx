// The history panel: every saved version of the flow; view one's nodes or restore it (restoring
// saves it as a new version, so nothing is lost).
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { Flow } from "../bindings/Flow";
import type { FlowVersion } from "../bindings/FlowVersion";
import { useEditor } from "../store/flowStore";

type Props = { onNotice: (notice: { text: string; error: boolean } | null) => void };

export function HistoryPanel({ onNotice }: Props) {
  const flowId = useEditor((state) => state.flow!.id);
  const current = useEditor((state) => state.version);
  const [versions, setVersions] = useState<FlowVersion[]>([]);
  const [viewing, setViewing] = useState<{ version: number; flow: Flow } | null>(null);

  useEffect(() => {
    api.flowVersions(flowId).then(setVersions, (error) => onNotice({ text: errorText(error), error: true }));
  }, [flowId, current, onNotice]);

  return (
    <div className="history" data-testid="history-panel">
      <ul>
        {versions.map((version) => (
          <li key={version.version}>
            <button className="link" onClick={async () => setViewing({ version: version.version, flow: await api.flowVersion(flowId, version.version) })}>
              Version {version.version}
            </button>{" "}
            <span className="muted">{new Date(version.saved_at).toLocaleString()}</span>
            {version.version === current ? <em> (current)</em> : (
              <button onClick={async () => {
                try {
                  useEditor.getState().open(await api.restoreFlowVersion(flowId, version.version));
                  onNotice({ text: `Restored version ${version.version} as a new version.`, error: false });
                } catch (error) {
                  onNotice({ text: errorText(error), error: true });
                }
              }}>Restore</button>
            )}
          </li>
        ))}
      </ul>
      {viewing && (
        <div className="version-view">
          <h3>Version {viewing.version}: {viewing.flow.nodes.length} nodes, {viewing.flow.edges.length} edges</h3>
          <ul>{viewing.flow.nodes.map((node) => <li key={node.id}>{node.id} <span className="muted">({node.type})</span></li>)}</ul>
        </div>
      )}
    </div>
  );
}
