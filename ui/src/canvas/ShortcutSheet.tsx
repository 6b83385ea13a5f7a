// The `?` sheet: every keyboard shortcut of the editor, drawn from the one table the key handler
// uses (shortcuts.ts), so it lists exactly the keys that work. Escape or a click outside closes it.
import { Fragment } from "react";
import { SHORTCUTS, canvasGestures, comboLabel, isMac } from "./shortcuts";

export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  const mac = isMac();
  return (
    <div className="overlay" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="dialog shortcut-sheet" data-testid="shortcut-sheet" role="dialog" aria-label="Keyboard shortcuts">
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((shortcut) => (
              <tr key={shortcut.command} data-testid={`shortcut-${shortcut.command}`}>
                <td>
                  {shortcut.combos.map((combo, index) => (
                    <Fragment key={index}>
                      {index > 0 && " or "}
                      <kbd>{comboLabel(combo, mac)}</kbd>
                    </Fragment>
                  ))}
                </td>
                <td>{shortcut.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>On the canvas</h3>
        <table>
          <tbody>
            {canvasGestures(mac).map((gesture) => (
              <tr key={gesture.keys}>
                <td><kbd>{gesture.keys}</kbd></td>
                <td>{gesture.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">The keys do nothing while you type in a field.</p>
        <div className="dialog-buttons">
          <button onClick={onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}
