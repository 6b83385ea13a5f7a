// The runs view: the flow's recent runs with status, trigger, start and duration; one run's
// per-node counts, log lines, and the sample records of the node clicked, in the data grid.
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { RunDetail } from "../bindings/RunDetail";
import type { RunRecord } from "../bindings/RunRecord";
import { DataGrid } from "../preview/DataGrid";
import { fieldTypes, type GridRecord } from "../preview/grid";
import { useEditor } from "../store/flowStore";
import { formatBytes, formatMilliseconds } from "./format";

function duration(run: RunRecord): string {
  if (!run.finished_at) return "running";
  return formatMilliseconds(new Date(run.finished_at).getTime() - new Date(run.started_at).getTime());
}

export function RunsPanel() {
  const flowId = useEditor((state) => state.flow!.id);
  const live = useEditor((state) => state.run);
  const [runs, setRuns] = useState<RunRecord[]>([]);
  const [detail, setDetail] = useState<RunDetail | null>(null);
  /** A run the person clicked; otherwise the newest run is shown. */
  const [pinned, setPinned] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The node whose samples are shown. */
  const [sampled, setSampled] = useState<string | null>(null);

  useEffect(() => {
    api.listRuns(flowId, 50).then(setRuns, (failure) => setError(errorText(failure)));
  }, [flowId, live?.status, live?.runId]);

  useEffect(() => {
    const shown = pinned ?? runs[0]?.id;
    if (shown) api.runDetail(shown).then(setDetail, (failure) => setError(errorText(failure)));
  }, [runs, pinned]);

  return (
    <div className="runs" data-testid="runs-panel">
      {error && <p className="field-problem">{error}</p>}
      <table className="runs-list" data-testid="runs-list">
        <thead><tr><th>Status</th><th>Trigger</th><th>Started</th><th>Duration</th></tr></thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} className={detail?.run.id === run.id ? "current" : ""} onClick={() => setPinned(run.id)}>
              <td><span className={`status ${run.status}`} data-testid="run-status">{run.status}</span></td>
              <td>{run.trigger}</td>
              <td>{new Date(run.started_at).toLocaleString()}</td>
              <td>{duration(run)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {detail && (
        <div className="run-detail" data-testid="run-detail">
          {detail.run.error && (
            <p className="field-problem">{detail.run.error_node ? `“${detail.run.error_node}”: ` : ""}{detail.run.error}</p>
          )}
          <table>
            <thead><tr><th>Node</th><th>Status</th><th>In</th><th>Out</th><th>Errored</th><th>Time</th><th title="Time the node worked: its time less its waits for records. The slow node is the one busy the longest.">Busy</th><th>Bytes</th><th title="For a node that holds records back (sort): the most memory its records took">Memory</th><th title="What it wrote to temporary files when the flow's memory budget was full">Spilled</th></tr></thead>
            <tbody>
              {detail.nodes.map((node) => (
                <tr key={node.node_id} data-testid={`run-node-${node.node_id}`} className={sampled === node.node_id ? "current" : ""} title="Show the records it sent on" onClick={() => setSampled(node.node_id)}>
                  <td>{node.node_id}</td><td>{node.status}</td><td>{node.records_in}</td><td>{node.records_out}</td>
                  <td>{node.records_errored}</td><td>{formatMilliseconds(node.duration_ms)}</td>
                  <td>{formatMilliseconds(node.busy_ms)}</td><td>{formatBytes(node.bytes)}</td>
                  <td>{formatBytes(node.memory_peak_bytes)}</td><td>{formatBytes(node.spilled_bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <RunSamples detail={detail} node={sampled} />
          <ol className="log" data-testid="run-log">
            {detail.logs.map((line, index) => (
              <li key={index} className={line.level}>
                <time>{new Date(line.at).toLocaleTimeString()}</time> {line.node_id ? <strong>{line.node_id}</strong> : null} {line.message}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

/** The sample records a node of a past run sent on (a destination: received). */
function RunSamples({ detail, node }: { detail: RunDetail; node: string | null }) {
  const shown = detail.nodes.find((candidate) => candidate.node_id === node);
  if (!shown) return <p className="muted">Click a node to see the first records it sent on in this run.</p>;
  const records = shown.samples as GridRecord[];
  if (!records.length) return <p className="muted" data-testid="run-samples">“{shown.node_id}” sent no records in this run.</p>;
  return (
    <div className="run-samples" data-testid="run-samples">
      <h3>First {records.length} record{records.length === 1 ? "" : "s"} of “{shown.node_id}” in this run</h3>
      <DataGrid key={`${detail.run.id}-${shown.node_id}`} records={records} fields={fieldTypes(records)} label={`Records of “${shown.node_id}” in this run`} testId="run-samples-table" />
    </div>
  );
}
