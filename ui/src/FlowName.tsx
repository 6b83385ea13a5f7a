// The flow's name in the editor's toolbar: click to rename; a name another flow has is refused
// by the engine with a message, and the name stays as it was.
import { useState } from "react";
import { api, errorText } from "./api";
import { saveNow } from "./Editor";
import { useEditor } from "./store/flowStore";

type Props = { onNotice: (notice: { text: string; error: boolean } | null) => void };

export function FlowName({ onNotice }: Props) {
  const flow = useEditor((state) => state.flow)!;
  const [editing, setEditing] = useState<string | null>(null);

  const rename = async (name: string) => {
    setEditing(null);
    if (name.trim() === flow.name) return;
    try {
      await saveNow();
      await api.renameFlow(flow.id, name);
      useEditor.getState().edit((current) => ({ ...current, name: name.trim() }));
    } catch (error) {
      onNotice({ text: errorText(error), error: true });
    }
  };

  if (editing === null) {
    return (
      <h1 data-testid="flow-name" title="Click to rename" onClick={() => setEditing(flow.name)}>
        {flow.name}
      </h1>
    );
  }
  return (
    <input
      className="flow-name-input"
      data-testid="flow-name-input"
      aria-label="Flow name"
      autoFocus
      value={editing}
      onChange={(event) => setEditing(event.target.value)}
      onBlur={() => rename(editing)}
      onKeyDown={(event) => {
        if (event.key === "Enter") event.currentTarget.blur();
        if (event.key === "Escape") setEditing(null);
      }}
    />
  );
}
