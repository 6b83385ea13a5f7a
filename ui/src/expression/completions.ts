// The completion options for a place in an expression (see completionContext): field names from
// the upstream samples, Sluice's filters and functions with their help, the flow's variables.
import type { Word } from "../bindings/Word";
import type { CompletionContext } from "./completionContext";
import { fieldReference, isPlainName, quotedText } from "./fieldReference";
import { compactJson } from "./resultCells";

export type CompletionOption = {
  label: string;
  /** The text that replaces what was typed. */
  insert: string;
  /** Where the replacement starts when not where the typed word does (`vars["a-b"]` replaces the dot). */
  replaceFrom?: number;
  /** How many characters after the cursor `insert` replaces too (a closing `"]` already there). */
  replaceAfter?: number;
  /** Where the cursor ends up, counted from the start of `insert`; its end when absent. */
  cursor?: number;
  type: "field" | "filter" | "function" | "variable" | "keyword" | "global";
  detail: string;
  info: string;
};

/** What completion knows about the node being edited. */
export type CompletionData = {
  fields: string[];
  words: Word[];
  vars: Record<string, unknown>;
  /** A record from upstream, to show an example value of each field. */
  sample?: Record<string, unknown>;
};

const KEYWORD_HELP: [string, string][] = [
  ["and", "True when both sides are: `status == 'active' and amount > 10`."],
  ["or", "True when either side is."],
  ["not", "The opposite: `not archived`."],
  ["in", "Is in a list or text: `country in ['DE', 'FR']`."],
  ["is", "A test: `nickname is defined`, `note is none`."],
  ["if", "A choice: `'big' if amount > 100 else 'small'`."],
  ["else", "The other side of `if`."],
  ["true", "Yes."],
  ["false", "No."],
  ["none", "No value (null)."],
];

const GLOBAL_HELP: [string, string][] = [
  ["record", 'The whole record; `record["first name"]` reads a field whose name is not a plain word.'],
  ["vars", "The flow's variables, e.g. `vars.region`."],
];

function fieldOptions(data: CompletionData): CompletionOption[] {
  return data.fields.map((name) => ({
    label: name,
    insert: fieldReference(name),
    type: "field",
    detail: "field",
    info: data.sample && name in data.sample ? `e.g. ${compactJson(data.sample[name])}` : "A field of the record.",
  }));
}

function functionOption(word: Word): CompletionOption {
  const takesArguments = !word.example.startsWith(`${word.name}()`);
  return {
    label: word.name,
    insert: `${word.name}()`,
    cursor: takesArguments ? word.name.length + 1 : undefined,
    type: "function",
    detail: word.example,
    info: word.help,
  };
}

/** Everything to offer in `context`; the editor narrows it down to what matches the typed prefix. */
export function completionOptions(context: CompletionContext, data: CompletionData): CompletionOption[] {
  switch (context.kind) {
    case "none":
      return [];
    case "filter":
      return data.words
        .filter((word) => word.kind === "filter")
        .map((word) => ({ label: word.name, insert: word.name, type: "filter", detail: word.example, info: word.help }));
    case "var":
      return Object.entries(data.vars).map(([name, value]) => ({
        label: name,
        insert: isPlainName(name) ? name : `["${quotedText(name)}"]`,
        replaceFrom: isPlainName(name) ? undefined : context.dot,
        type: "variable",
        detail: compactJson(value, 40),
        info: "A variable of the flow.",
      }));
    case "record-key":
      return data.fields.map((name) => ({
        label: name,
        insert: `${quotedText(name, context.quote)}${context.quote}]`,
        replaceAfter: context.closed || undefined,
        type: "field",
        detail: "field",
        info: data.sample && name in data.sample ? `e.g. ${compactJson(data.sample[name])}` : "A field of the record.",
      }));
    case "value":
      return [
        ...fieldOptions(data),
        ...data.words.filter((word) => word.kind === "function").map(functionOption),
        ...GLOBAL_HELP.map(([name, info]): CompletionOption => ({ label: name, insert: name, type: "global", detail: "", info })),
        ...KEYWORD_HELP.map(([name, info]): CompletionOption => ({ label: name, insert: name, type: "keyword", detail: "", info })),
      ];
  }
}

/** Whether completion opens by itself while typing here (elsewhere it waits for Ctrl+Space):
 *  after `|` and `vars.` the next word is surely one of the offers; in the open it is only once a
 *  name is being typed, so spaces and operators do not pop a list up. */
export function offersWhileTyping(context: CompletionContext): boolean {
  if (context.kind === "none") return false;
  return context.kind !== "value" || context.prefix.length > 0;
}
