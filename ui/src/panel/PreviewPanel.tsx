// The data preview: for the selected node (or the last one), its sample records as a table and
// its fields with their types.
import { useEditor } from "../store/flowStore";
import { fieldTypes } from "./schemaForm";

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function PreviewPanel() {
  const preview = useEditor((state) => state.preview);
  const selected = useEditor((state) => state.selected);
  const flow = useEditor((state) => state.flow)!;
  if (!preview) return <p className="muted">Press Preview to see sample records at every node.</p>;
  const nodeId = selected.length === 1 ? selected[0] : flow.nodes[flow.nodes.length - 1]?.id;
  const report = preview.nodes.find((candidate) => candidate.node === nodeId);
  const samples = (report?.samples ?? []) as Record<string, unknown>[];
  const fields = fieldTypes(samples);
  return (
    <div className="preview" data-testid="preview-panel">
      <h2>
        Preview of “{nodeId}” — {samples.length} sample record{samples.length === 1 ? "" : "s"}
        {report?.stats.records_errored ? `, ${report.stats.records_errored} errored` : ""} (nothing was written)
      </h2>
      {preview.failure && <p className="field-problem">{preview.failure.node ? `${preview.failure.node}: ` : ""}{preview.failure.message}</p>}
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
