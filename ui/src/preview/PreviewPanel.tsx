// The data preview: for the selected node (or the last one), its last previewed records as a
// table with its fields and their types, marked stale when the flow changed upstream since.
import { useEditor } from "../store/flowStore";
import { fieldTypes } from "../panel/schemaForm";
import { isStale } from "./previewResults";

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function PreviewPanel() {
  const previews = useEditor((state) => state.previews);
  const failure = useEditor((state) => state.previewFailure);
  const selected = useEditor((state) => state.selected);
  const flow = useEditor((state) => state.flow)!;
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
  const samples = report.samples as Record<string, unknown>[];
  const fields = fieldTypes(samples);
  const stale = isStale(preview, flow, report.node);
  return (
    <div className="preview" data-testid="preview-panel">
      <h2>
        Preview of “{report.node}” — {samples.length} sample record{samples.length === 1 ? "" : "s"}
        {report.stats.records_errored ? `, ${report.stats.records_errored} errored` : ""} (nothing was written)
        {stale && <span className="stale" data-testid="preview-stale" title="The flow changed upstream of this node since this preview; press Preview to refresh it"> stale</span>}
      </h2>
      {problem}
      <p className="fields" data-testid="preview-fields">
        {fields.map((field) => <span key={field.name} className="field-chip">{field.name} <em>{field.types.join(" | ")}</em></span>)}
      </p>
      <div className="table-scroll">
        <table data-testid="preview-table">
          <thead><tr>{fields.map((field) => <th key={field.name}>{field.name}</th>)}</tr></thead>
          <tbody>
            {samples.map((record, index) => (
              <tr key={index}>{fields.map((field) => <td key={field.name}>{cell(record[field.name])}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
