// "Fields from the node before": the upstream fields as chips to drag into the node's form.
import { startFieldDrag } from "./fieldDrop";

export function FieldChips({ fields, hasUpstream }: { fields: string[]; hasUpstream: boolean }) {
  if (!hasUpstream) return null;
  return (
    <div className="field upstream-fields" data-testid="upstream-fields">
      <span>Fields from the node before</span>
      {fields.length === 0 ? (
        <div className="help">Preview the node before this one to list its fields here.</div>
      ) : (
        <div>
          {fields.map((name) => (
            <span
              key={name}
              className="field-chip draggable"
              draggable
              data-testid={`upstream-field-${name}`}
              title="Drag into an expression, or onto a list of fields or rows"
              onDragStart={(event) => startFieldDrag(event.dataTransfer, name)}
            >
              {name}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
