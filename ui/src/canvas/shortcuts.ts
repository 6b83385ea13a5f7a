// The editor's keyboard shortcuts, in one table: the Editor's key handler asks it which command a
// key press means, and the shortcut sheet (`?`) lists it, so the sheet cannot drift from the keys.

export type Command = "undo" | "redo" | "delete" | "copy" | "paste" | "save" | "tidy" | "search" | "shortcuts" | "close";

/** One way to press a shortcut. `mod` is Ctrl, or ⌘ on a Mac (either works everywhere). `shift`
 *  must match exactly unless it is "any" (a `?` needs Shift on some keyboards and not others). */
export type KeyCombo = { key: string; mod?: boolean; shift?: boolean | "any" };

export type Shortcut = { command: Command; description: string; combos: KeyCombo[] };

export const SHORTCUTS: Shortcut[] = [
  { command: "undo", description: "Undo the last edit", combos: [{ key: "z", mod: true }] },
  { command: "redo", description: "Redo what was undone", combos: [{ key: "z", mod: true, shift: true }, { key: "y", mod: true }] },
  { command: "delete", description: "Delete the selected nodes", combos: [{ key: "Delete", shift: "any" }, { key: "Backspace", shift: "any" }] },
  { command: "copy", description: "Copy the selected nodes (as flow JSON, so they paste into any flow)", combos: [{ key: "c", mod: true }] },
  { command: "paste", description: "Paste nodes copied from this or another flow", combos: [{ key: "v", mod: true }] },
  { command: "save", description: "Keep this version in the history as it is (edits save by themselves)", combos: [{ key: "s", mod: true }] },
  { command: "tidy", description: "Tidy up: lay the flow out left to right", combos: [{ key: "l", shift: true }] },
  { command: "search", description: "Find a node by its id, type or title", combos: [{ key: "k", mod: true }] },
  { command: "shortcuts", description: "Show these shortcuts", combos: [{ key: "?", shift: "any" }] },
  { command: "close", description: "Close the node search or this list", combos: [{ key: "Escape" }] },
];

/** The parts of a KeyboardEvent a shortcut depends on. */
export type KeyPress = { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean };

function matches(combo: KeyCombo, press: KeyPress): boolean {
  if (press.altKey) return false;
  if ((press.ctrlKey || press.metaKey) !== Boolean(combo.mod)) return false;
  if (combo.shift !== "any" && press.shiftKey !== Boolean(combo.shift)) return false;
  return press.key.toLowerCase() === combo.key.toLowerCase();
}

/** The command a key press means, or null. */
export function commandFor(press: KeyPress): Command | null {
  return SHORTCUTS.find((shortcut) => shortcut.combos.some((combo) => matches(combo, press)))?.command ?? null;
}

const NAMED_KEYS: Record<string, string> = { Delete: "Delete", Backspace: "Backspace", Escape: "Esc" };

/** How a combo is written for people: `Ctrl+Shift+Z`, or `⌘⇧Z` on a Mac. */
export function comboLabel(combo: KeyCombo, mac: boolean): string {
  const key = NAMED_KEYS[combo.key] ?? combo.key.toUpperCase();
  const parts = [combo.mod ? (mac ? "⌘" : "Ctrl") : null, combo.shift === true ? (mac ? "⇧" : "Shift") : null, key];
  return parts.filter(Boolean).join(mac ? "" : "+");
}

/** Every way to press `command`, written for people: "Ctrl+Shift+Z or Ctrl+Y". */
export function keysFor(command: Command, mac: boolean): string {
  const shortcut = SHORTCUTS.find((candidate) => candidate.command === command);
  return (shortcut?.combos ?? []).map((combo) => comboLabel(combo, mac)).join(" or ");
}

/** Keys and gestures the canvas (React Flow, as Canvas.tsx sets it up) answers by itself. They are
 *  no commands of the table above; the sheet lists them so it shows all the keyboard does here. */
export function canvasGestures(mac: boolean): { keys: string; description: string }[] {
  return [
    { keys: "Arrow keys", description: "Move the selected nodes (with Shift, farther)" },
    { keys: "Tab, Enter", description: "Go from node to node; select the one in focus" },
    { keys: mac ? "⇧ + drag" : "Shift + drag", description: "Select the nodes in a box" },
    { keys: mac ? "⌘ + click" : "Ctrl + click", description: "Add a node to the selection, or take it out" },
  ];
}

/** Whether this is a Mac, where ⌘ is the command key. */
export function isMac(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}
