// The CodeMirror extensions of the expression editor: one line that wraps, tokens coloured by
// `tokenize` (fields the upstream node does not send underlined), completion from
// `completionContextAt`, and field names dropped in as references. The decisions live in the
// pure modules beside this one; this file only plugs them into CodeMirror.
import { autocompletion, closeBrackets, closeBracketsKeymap, pickedCompletion, type Completion, type CompletionContext as EditorCompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { history, historyKeymap, standardKeymap } from "@codemirror/commands";
import { Annotation, Compartment, EditorState, Facet, RangeSetBuilder, type Extension, type Text } from "@codemirror/state";
import { Decoration, EditorView, keymap, placeholder, ViewPlugin, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { completionContextAt } from "./completionContext";
import { completionOptions, offersWhileTyping, type CompletionData, type CompletionOption } from "./completions";
import { carriesField, droppedField, fieldInsertion } from "./fieldDrop";
import { fieldNamed, highlightClass, tokenize } from "./tokens";

/** What the editor knows about the node: its upstream fields, the vocabulary, the flow's vars. */
export const expressionData = Facet.define<CompletionData, CompletionData>({
  combine: (values) => values[0] ?? { fields: [], words: [], vars: {} },
});

/** Marks a change that came from outside (the value prop), which must not be echoed back. */
export const fromOutside = Annotation.define<boolean>();

/** The marks for `doc`'s tokens; an unknown field says so when hovered. */
export function tokenDecorations(doc: Text, fields: string[]): DecorationSet {
  const known = new Set(fields);
  const builder = new RangeSetBuilder<Decoration>();
  for (const token of tokenize(doc.toString())) {
    const className = highlightClass(token, known);
    if (!className || token.to === token.from) continue;
    const unknownField = className.includes("expr-unknown") ? fieldNamed(token) : null;
    const attributes = unknownField !== null ? { title: `The node before sent no field “${unknownField}” in its preview` } : undefined;
    builder.add(token.from, token.to, Decoration.mark({ class: className, attributes }));
  }
  return builder.finish();
}

const highlighting = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = tokenDecorations(view.state.doc, view.state.facet(expressionData).fields);
    }
    update(update: ViewUpdate) {
      const fields = update.state.facet(expressionData).fields;
      if (update.docChanged || fields !== update.startState.facet(expressionData).fields) {
        this.decorations = tokenDecorations(update.state.doc, fields);
      }
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/** A line break typed or pasted becomes a space: expressions are one line (that may wrap). A value
 *  set from outside is shown as it is. */
export const singleLine = EditorState.transactionFilter.of((transaction) => {
  if (!transaction.docChanged || transaction.newDoc.lines === 1 || transaction.annotation(fromOutside)) return transaction;
  const text = transaction.newDoc.toString();
  const breaks: { from: number; to: number; insert: string }[] = [];
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) breaks.push({ from: at, to: at + 1, insert: " " });
  // One character for one: the selection still fits.
  return [transaction, { changes: breaks, sequential: true }];
});

/** A CodeMirror completion for an option: a plain insert, or one that places the cursor or
 *  replaces more than the typed word (`vars["a-b"]` replaces the dot, `record["a b"]` an
 *  auto-closed `"]`). */
function editorCompletion(option: CompletionOption): Completion {
  const completion: Completion = { label: option.label, detail: option.detail || undefined, info: option.info || undefined, type: option.type === "field" ? "variable" : option.type };
  if (option.cursor === undefined && option.replaceFrom === undefined && option.replaceAfter === undefined) return { ...completion, apply: option.insert };
  return {
    ...completion,
    apply: (view, picked, from, to) => {
      const start = option.replaceFrom ?? from;
      view.dispatch({
        changes: { from: start, to: to + (option.replaceAfter ?? 0), insert: option.insert },
        selection: { anchor: start + (option.cursor ?? option.insert.length) },
        annotations: pickedCompletion.of(picked),
        userEvent: "input.complete",
      });
    },
  };
}

/** Completion at the cursor: what `completionContextAt` says is wanted there. */
export function completionSource(context: EditorCompletionContext): CompletionResult | null {
  const where = completionContextAt(context.state.doc.toString(), context.pos);
  if (where.kind === "none" || (!context.explicit && !offersWhileTyping(where))) return null;
  const options = completionOptions(where, context.state.facet(expressionData)).map(editorCompletion);
  return { from: where.from, options, validFor: where.kind === "record-key" ? /^[^"'\\]*$/ : /^\w*$/ };
}

const fieldDrops = EditorView.domEventHandlers({
  dragover(event) {
    if (!carriesField(event.dataTransfer)) return false;
    event.preventDefault();
    event.dataTransfer!.dropEffect = "copy";
    return true;
  },
  drop(event, view) {
    const name = droppedField(event.dataTransfer);
    if (!name) return false;
    const position = view.posAtCoords({ x: event.clientX, y: event.clientY }) ?? view.state.selection.main.head;
    const { from, insert, cursor } = fieldInsertion(view.state.doc.toString(), position, name);
    view.dispatch({ changes: { from, insert }, selection: { anchor: cursor }, userEvent: "input.drop" });
    view.focus();
    event.preventDefault();
    return true;
  },
});

export type EditorOptions = {
  /** Called with the whole text after each edit made in the editor. */
  onChange: (text: string) => void;
  /** The accessible name of the editor (the form field's label). */
  label: string;
  placeholder: string;
  /** The compartment holding `expressionData`, reconfigured as the upstream samples change. */
  data: Compartment;
  initialData: CompletionData;
};

/** Everything the expression editor is made of. */
export function expressionExtensions(options: EditorOptions): Extension[] {
  return [
    options.data.of(expressionData.of(options.initialData)),
    history(),
    closeBrackets(),
    autocompletion({ override: [completionSource], icons: false }),
    keymap.of([
      // Enter never breaks the line (completion, when open, takes it first).
      { key: "Enter", run: () => true },
      ...closeBracketsKeymap,
      ...historyKeymap,
      ...standardKeymap.filter((binding) => binding.key !== "Enter"),
    ]),
    singleLine,
    highlighting,
    fieldDrops,
    EditorView.lineWrapping,
    placeholder(options.placeholder),
    EditorView.contentAttributes.of({ "aria-label": options.label, spellcheck: "false", autocapitalize: "off", autocorrect: "off" }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && !update.transactions.some((transaction) => transaction.annotation(fromOutside))) {
        options.onChange(update.state.doc.toString());
      }
    }),
  ];
}
