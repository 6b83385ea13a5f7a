import { describe, expect, it } from "vitest";
import { SHORTCUTS, comboLabel, commandFor, keysFor, type KeyCombo, type KeyPress } from "./shortcuts";

const press = (key: string, modifiers: Partial<KeyPress> = {}): KeyPress => ({
  key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...modifiers,
});

/** The key press a combo describes (with Ctrl or ⌘ for `mod`). */
const pressOf = (combo: KeyCombo, command: "ctrlKey" | "metaKey"): KeyPress =>
  press(combo.shift === true && combo.key.length === 1 ? combo.key.toUpperCase() : combo.key, { [command]: Boolean(combo.mod), shiftKey: combo.shift === true });

describe("keyboard shortcuts", () => {
  it("every combo in the table reaches its own command, with Ctrl and with ⌘", () => {
    for (const shortcut of SHORTCUTS) {
      for (const combo of shortcut.combos) {
        expect(commandFor(pressOf(combo, "ctrlKey")), comboLabel(combo, false)).toBe(shortcut.command);
        expect(commandFor(pressOf(combo, "metaKey")), comboLabel(combo, true)).toBe(shortcut.command);
      }
    }
  });

  it("lists each command once, so the sheet shows no duplicates", () => {
    const commands = SHORTCUTS.map((shortcut) => shortcut.command);
    expect(new Set(commands).size).toBe(commands.length);
    expect(commands).toEqual(expect.arrayContaining(["undo", "redo", "delete", "copy", "paste", "tidy", "search", "shortcuts", "close"]));
  });

  it("tells undo from redo and plain letters from shortcuts", () => {
    expect(commandFor(press("z", { ctrlKey: true }))).toBe("undo");
    expect(commandFor(press("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(commandFor(press("L", { shiftKey: true }))).toBe("tidy");
    expect(commandFor(press("l"))).toBeNull();
    expect(commandFor(press("k"))).toBeNull();
    expect(commandFor(press("l", { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(commandFor(press("z", { ctrlKey: true, altKey: true }))).toBeNull();
    // `?` is Shift+/ on a US keyboard and a key of its own elsewhere.
    expect(commandFor(press("?", { shiftKey: true }))).toBe("shortcuts");
    expect(commandFor(press("?"))).toBe("shortcuts");
  });

  it("writes combos the way each platform does", () => {
    expect(comboLabel({ key: "z", mod: true, shift: true }, false)).toBe("Ctrl+Shift+Z");
    expect(comboLabel({ key: "z", mod: true, shift: true }, true)).toBe("⌘⇧Z");
    expect(comboLabel({ key: "Escape" }, false)).toBe("Esc");
    expect(comboLabel({ key: "?", shift: "any" }, false)).toBe("?");
    expect(keysFor("redo", false)).toBe("Ctrl+Shift+Z or Ctrl+Y");
    expect(keysFor("tidy", true)).toBe("⇧L");
  });
});
