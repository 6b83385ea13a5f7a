#!/bin/sh
# The "system browser" of the end-to-end tests (xdg-open runs $BROWSER): it follows the OAuth2
# sign-in address — the test authorization server approves at once — to Sluice's loopback
# redirect, in the background as a real browser would.
( curl --silent --location --max-time 30 "$1" >/dev/null 2>&1 & )
