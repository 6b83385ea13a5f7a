// One expression being edited: CodeMirror for the person, and a real <input> bound to the same
// value for WebDriver. WebDriver's setValue/clearValue only work on form controls, not on
// CodeMirror's contenteditable, so the end-to-end tests type into the input (same data-testid as
// before); the value passed in is the one source of truth both show. CodeMirror loads on first
// use; until then the input is the editor, visible.
import { useEffect, useRef, useState } from "react";
import type { CompletionData } from "./completions";
import type { MountedEditor } from "./mountEditor";

let loading: Promise<typeof import("./mountEditor")> | null = null;
const loadEditor = () => (loading ??= import("./mountEditor"));

type ExpressionEditorProps = {
  value: string;
  onChange: (value: string) => void;
  /** Upstream fields, vocabulary and vars for completion and highlighting. */
  data: CompletionData;
  /** On the bound input (`field-when`, `map-set-value-0`); the editor gets `<testId>-editor`. */
  testId: string;
  /** The accessible name, e.g. the form field's label. */
  label: string;
  placeholder?: string;
};

export function ExpressionEditor({ value, onChange, data, testId, label, placeholder = "" }: ExpressionEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const editor = useRef<MountedEditor | null>(null);
  const [ready, setReady] = useState(false);
  // The editor is made once; its callbacks and first contents read the latest props through this.
  const latest = useRef({ value, data, onChange });
  latest.current = { value, data, onChange };

  useEffect(() => {
    let mounted = true;
    loadEditor().then(({ mountExpressionEditor }) => {
      if (!mounted || !host.current) return;
      const typingInFallback = document.activeElement === input.current;
      editor.current = mountExpressionEditor(host.current, {
        value: latest.current.value,
        data: latest.current.data,
        onChange: (text) => latest.current.onChange(text),
        label,
        placeholder,
      });
      if (typingInFallback) editor.current.focusAtEnd();
      setReady(true);
    });
    return () => {
      mounted = false;
      editor.current?.destroy();
      editor.current = null;
    };
    // Made once per mount; the effects below keep it current.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => editor.current?.setValue(value), [value, ready]);
  useEffect(() => editor.current?.setData(data), [data, ready]);

  return (
    <div className="expression-editor">
      <div ref={host} className="expression-editor-host" data-testid={`${testId}-editor`} />
      <input
        ref={input}
        className={ready ? "expression-mirror" : "expression-fallback"}
        data-testid={testId}
        tabIndex={ready ? -1 : undefined}
        aria-hidden={ready ? "true" : undefined}
        aria-label={ready ? undefined : label}
        placeholder={ready ? undefined : placeholder}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
