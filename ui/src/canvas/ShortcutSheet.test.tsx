import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ShortcutSheet } from "./ShortcutSheet";
import { SHORTCUTS, comboLabel } from "./shortcuts";

describe("the shortcut sheet", () => {
  it("lists every shortcut of the table the key handler uses, with all its keys", () => {
    const html = renderToStaticMarkup(<ShortcutSheet onClose={() => undefined} />);
    expect(html).toContain('data-testid="shortcut-sheet"');
    for (const shortcut of SHORTCUTS) {
      const row = new RegExp(`<tr data-testid="shortcut-${shortcut.command}">(.*?)</tr>`).exec(html)?.[1];
      expect(row, shortcut.command).toBeDefined();
      expect(row).toContain(shortcut.description);
      for (const combo of shortcut.combos) expect(row).toContain(`<kbd>${comboLabel(combo, false)}</kbd>`);
    }
  });
});
