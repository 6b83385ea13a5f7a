// Makes the CodeMirror view of an expression editor (loaded on demand, see ExpressionEditor):
// CodeMirror is most of the editor's weight, so the studio's first screen does not wait for it.
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import type { CompletionData } from "./completions";
import { expressionData, expressionExtensions, fromOutside } from "./editorSetup";

/** A mounted editor, driven by the React component around it. */
export type MountedEditor = {
  /** Shows `text` unless it is what the editor holds already (no echo to onChange). */
  setValue: (text: string) => void;
  setData: (data: CompletionData) => void;
  /** Focuses the editor with the cursor at the end. */
  focusAtEnd: () => void;
  destroy: () => void;
};

export type MountOptions = {
  value: string;
  data: CompletionData;
  onChange: (text: string) => void;
  label: string;
  placeholder: string;
};

export function mountExpressionEditor(parent: HTMLElement, options: MountOptions): MountedEditor {
  const data = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: options.value,
      extensions: expressionExtensions({ ...options, data, initialData: options.data }),
    }),
  });
  return {
    setValue: (text) => {
      if (view.state.doc.toString() === text) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, annotations: fromOutside.of(true) });
    },
    setData: (next) => view.dispatch({ effects: data.reconfigure(expressionData.of(next)) }),
    focusAtEnd: () => {
      view.focus();
      view.dispatch({ selection: { anchor: view.state.doc.length } });
    },
    destroy: () => view.destroy(),
  };
}
