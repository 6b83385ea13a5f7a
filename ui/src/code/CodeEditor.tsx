// The `code` node's editor: CodeMirror (Lua, line numbers, `record.` completion from the
// upstream fields), loaded on first use, and a text area bound to the same value — the editor
// until CodeMirror is there, and what WebDriver types into (it cannot type into CodeMirror).
import { useEffect, useRef, useState } from "react";
import type { MountedCodeEditor } from "./mountCodeEditor";

let loading: Promise<typeof import("./mountCodeEditor")> | null = null;
const loadEditor = () => (loading ??= import("./mountCodeEditor"));

type CodeEditorProps = {
  value: string;
  onChange: (value: string) => void;
  /** The fields of the records coming in, for `record.` completion. */
  fields: string[];
  testId: string;
  label: string;
};

export function CodeEditor({ value, onChange, fields, testId, label }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<MountedCodeEditor | null>(null);
  const [ready, setReady] = useState(false);
  const latest = useRef({ value, fields, onChange });
  latest.current = { value, fields, onChange };

  useEffect(() => {
    let mounted = true;
    loadEditor().then(({ mountCodeEditor }) => {
      if (!mounted || !host.current) return;
      editor.current = mountCodeEditor(host.current, {
        value: latest.current.value,
        fields: () => latest.current.fields,
        onChange: (text) => latest.current.onChange(text),
        label,
      });
      setReady(true);
    });
    return () => {
      mounted = false;
      editor.current?.destroy();
      editor.current = null;
    };
  }, [label]);

  useEffect(() => editor.current?.setValue(value), [value]);

  return (
    <div className="code-editor">
      <div ref={host} data-testid={`${testId}-editor`} />
      <textarea
        className={ready ? "bound-input" : "sql"}
        data-testid={testId}
        rows={10}
        spellCheck={false}
        value={value}
        aria-label={label}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
