#!/usr/bin/python3
"""Does what a window manager would for the tests under Xvfb (which has none):
`close_window.py close` asks the window titled Sluice to close, as its close button would
(WM_DELETE_WINDOW); `close_window.py exists` exits 0 when such a window is mapped. Both look
only at windows on screen."""

import sys

from Xlib import X, display, protocol


def windows(screen_display, window):
    yield window
    for child in window.query_tree().children:
        yield from windows(screen_display, child)


def main(command, title="Sluice"):
    connection = display.Display()
    protocols = connection.intern_atom("WM_PROTOCOLS")
    delete = connection.intern_atom("WM_DELETE_WINDOW")
    root = connection.screen().root
    for window in windows(connection, root):
        name = window.get_wm_name()
        if name != title or delete not in (window.get_wm_protocols() or []):
            continue
        # Only the window on screen: GTK may keep other, unmapped windows with the same title.
        if window.get_attributes().map_state != X.IsViewable:
            continue
        if command == "exists":
            return 0
        if command == "close":
            message = protocol.event.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
            window.send_event(message, event_mask=X.NoEventMask)
            connection.flush()
            return 0
    if command == "close":
        print(f"no window titled {title!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
