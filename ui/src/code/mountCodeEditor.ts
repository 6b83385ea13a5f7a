// Makes the CodeMirror view of the `code` node's editor (loaded on demand, see CodeEditor): Lua
// highlighting, line numbers (errors name lines), undo, and `record.` completing the fields the
// node before it sent in its preview.
import { autocompletion, type CompletionContext } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { defaultHighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { lua } from "./luaLanguage";

export type MountedCodeEditor = { setValue: (text: string) => void; destroy: () => void };

export function mountCodeEditor(
  parent: HTMLElement,
  options: { value: string; fields: () => string[]; onChange: (text: string) => void; label: string },
): MountedCodeEditor {
  const complete = (context: CompletionContext) => {
    const typed = context.matchBefore(/record\.\w*/);
    if (!typed) return null;
    return { from: typed.from + "record.".length, options: options.fields().map((label) => ({ label, type: "property" })) };
  };
  let fromOutside = false;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: options.value,
      extensions: [
        lineNumbers(),
        history(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        StreamLanguage.define(lua),
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [complete] }),
        EditorView.contentAttributes.of({ "aria-label": options.label }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !fromOutside) options.onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    setValue: (text) => {
      if (view.state.doc.toString() === text) return;
      fromOutside = true;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      fromOutside = false;
    },
    destroy: () => view.destroy(),
  };
}
