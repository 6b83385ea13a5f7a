// One node on the canvas: title, type, status, record counts, problems, a pinned sample, and its
// ports.
import { Handle, Position, type NodeProps, type Node } from "@xyflow/react";
import { memo } from "react";
import { useEditor } from "../store/flowStore";
import { Markdown } from "../text/Markdown";
import { fieldWords } from "../text/problemWords";
import type { NodeView } from "./viewModel";

export type SluiceNodeData = { view: NodeView };

function SluiceNodeCard({ data, selected }: NodeProps<Node<SluiceNodeData>>) {
  const view = data.view;
  const pinned = useEditor((state) => view.id in state.pinned);
  const settingLabels = useEditor((state) => state.settingLabels);
  const trouble = view.problems.length > 0 || view.error;
  return (
    <div
      className={`node ${view.kind} ${view.status} ${selected ? "selected" : ""} ${trouble ? "trouble" : ""} ${view.inputs.length > 1 ? "named-inputs" : ""}`}
      data-testid={`node-${view.id}`}
      data-status={view.status}
    >
      {view.inputs.map((port, index) => (
        <Handle
          key={port}
          type="target"
          position={Position.Left}
          id={port}
          style={{ top: `${((index + 1) / (view.inputs.length + 1)) * 100}%` }}
          title={port}
          data-testid={`input-${view.id}-${port}`}
        />
      ))}
      {view.inputs.length > 1 && (
        <div className="input-labels">
          {view.inputs.map((port) => <span key={port}>{port}</span>)}
        </div>
      )}
      <div className="node-title">{view.title}</div>
      <div className="node-id">{view.id}{pinned && <span className="pinned" data-testid={`pinned-${view.id}`} title="Its sample is pinned as test input: previews start from it"> · pinned</span>}</div>
      {view.counts && (
        <div className="node-counts" data-testid={`counts-${view.id}`}>
          {view.counts.in > 0 && <span title="records in">in {view.counts.in.toLocaleString()}</span>}
          <span title="records out">out {view.counts.out.toLocaleString()}</span>
          {view.counts.errored > 0 && <span className="errored" title="records errored">errors {view.counts.errored.toLocaleString()}</span>}
        </div>
      )}
      {view.problems.length > 0 && (
        <div className="node-problem" data-testid={`problem-${view.id}`}>
          {view.problems[0].field ? `${fieldWords(view.problems[0].field, settingLabels)}: ` : ""}<Markdown text={view.problems[0].message} />
          {view.problems.length > 1 && ` (+${view.problems.length - 1} more)`}
        </div>
      )}
      {view.error && <div className="node-problem" data-testid={`error-${view.id}`}><Markdown text={view.error} /></div>}
      <div className="ports">
        {view.ports.map((port, index) => (
          <Handle
            key={port}
            type="source"
            position={Position.Right}
            id={port}
            style={{ top: `${((index + 1) / (view.ports.length + 1)) * 100}%` }}
            title={port}
          />
        ))}
        {view.kind !== "unknown" && (
          <Handle type="source" position={Position.Bottom} id="error" className="error-port" title="error: records this node could not process" />
        )}
      </div>
    </div>
  );
}

export const SluiceNode = memo(SluiceNodeCard);
