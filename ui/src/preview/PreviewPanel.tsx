// The data preview: for the selected node (or the last one), its last previewed records as a
// data grid with its fields and their types, marked stale when the flow changed upstream since.
import { useState } from "react";
import { errorText } from "../api";
import { useEditor } from "../store/flowStore";
import { DataGrid } from "./DataGrid";
import { fieldTypes, type GridRecord } from "./grid";
import { pinSample } from "./pins";
import { canPin, isStale } from "./previewResults";

export function PreviewPanel() {
  const previews = useEditor((state) => state.previews);
  const pinned = useEditor((state) => state.pinned);
  const failure = useEditor((state) => state.previewFailure);
  const selected = useEditor((state) => state.selected);
  const flow = useEditor((state) => state.flow)!;
  const [pinProblem, setPinProblem] = useState<string | null>(null);
  const pin = (node: string, records: Record<string, unknown>[] | null) => {
    setPinProblem(null);
    pinSample(node, records).catch((error) => setPinProblem(errorText(error)));
  };
  const nodeId = selected.length === 1 ? selected[0] : flow.nodes[flow.nodes.length - 1]?.id;
  const preview = nodeId ? previews[nodeId] : undefined;
  const problem = failure && <p className="field-problem">{failure.node ? `${failure.node}: ` : ""}{failure.message}</p>;
  if (!preview) {
    return (
      <div className="preview" data-testid="preview-panel">
        {problem}
        <p className="muted" data-testid="preview-empty">
          {nodeId ? `“${nodeId}” has not been previewed yet: select it and press Preview (the rest of the flow may be unfinished).` : "Add a source, select it and press Preview."}
        </p>
      </div>
    );
  }
  const report = preview.report;
  const samples: GridRecord[] = report.samples;
  const fields = fieldTypes(samples);
  const stale = isStale(preview, flow, report.node);
  return (
    <div className="preview" data-testid="preview-panel">
      <h2>
        Preview of “{report.node}” — {samples.length} sample record{samples.length === 1 ? "" : "s"}
        {report.stats.records_errored ? `, ${report.stats.records_errored} errored` : ""} (nothing was written)
        {stale && <span className="stale" data-testid="preview-stale" title="The flow changed upstream of this node since this preview; press Preview to refresh it"> stale</span>}
        {report.node in pinned ? (
          <button className="pin" data-testid="pin-sample" title="Previews run what is before this node again" onClick={() => pin(report.node, null)}>Unpin</button>
        ) : canPin(flow, report.node) && (
          <button className="pin" data-testid="pin-sample" disabled={samples.length === 0} title="Previews feed these records on from here instead of running what is before this node, until you unpin it (kept with the flow on this computer, never exported)" onClick={() => pin(report.node, samples as Record<string, unknown>[])}>Pin as test input</button>
        )}
      </h2>
      {problem}
      {pinProblem && <p className="field-problem" data-testid="pin-problem">{pinProblem}</p>}
      <p className="fields" data-testid="preview-fields">
        {fields.map((field) => <span key={field.name} className="field-chip">{field.name} <em>{field.types.join(" | ")}</em></span>)}
      </p>
      <DataGrid key={report.node} records={samples} fields={fields} label={`Sample records of “${report.node}”`} testId="preview-table" />
    </div>
  );
}
