// The tray menu the way a desktop panel sees it: libayatana-appindicator exports the menu over
// the session bus (com.canonical.dbusmenu), and a panel reads its layout and sends "clicked"
// events. The tests do the same, since Xvfb has no panel to click.
import { execFileSync, spawnSync } from "node:child_process";

const MENU_PATH = "/org/ayatana/NotificationItem/tray_icon_tray_app_sluice/Menu";

function busctl(...args) {
  return execFileSync("busctl", ["--user", "--json=short", ...args], { encoding: "utf8" });
}

const owners = new Map();

/** The bus connection of process `pid` that exports the tray menu. */
function menuOwner(pid) {
  if (!owners.has(pid)) owners.set(pid, findMenuOwner(pid));
  return owners.get(pid);
}

function findMenuOwner(pid) {
  const connections = execFileSync("busctl", ["--user", "list", "--no-legend"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] === String(pid) && fields[0].startsWith(":"))
    .map((fields) => fields[0]);
  for (const name of connections) {
    const found = spawnSync("busctl", ["--user", "--timeout=1", "call", "--", name, MENU_PATH, "com.canonical.dbusmenu", "GetLayout", "iias", "0", "0", "0"], { encoding: "utf8" });
    if (found.status === 0) return name;
  }
  throw new Error(`process ${pid} exports no tray menu (connections: ${connections.join(", ")})`);
}

function items(node) {
  const [id, properties, children] = node;
  return {
    id,
    label: properties.label?.data ?? null,
    enabled: properties.enabled?.data ?? true,
    children: children.map((child) => items(child.data)),
  };
}

/** The tray menu of the studio process `pid`: [{ id, label, enabled, children }]. */
export function trayMenu(pid) {
  const layout = JSON.parse(busctl("call", "--", menuOwner(pid), MENU_PATH, "com.canonical.dbusmenu", "GetLayout", "iias", "0", "-1", "0"));
  return items(layout.data[1]).children;
}

function find(items, label) {
  const queue = [...items];
  while (queue.length) {
    const item = queue.shift();
    if (item.label !== null && label.test(item.label)) return item;
    queue.push(...item.children);
  }
  throw new Error(`no tray item matches ${label} (${JSON.stringify(items.map((item) => item.label))})`);
}

/** Clicks the first item (submenus included) whose label matches `label`, as a panel does. A
 *  menu rebuilt between reading and clicking (its items get new ids) is read again. */
export function clickTrayItem(pid, label) {
  const owner = menuOwner(pid);
  for (let attempt = 1; ; attempt++) {
    const item = find(trayMenu(pid), label);
    const clicked = spawnSync("busctl", ["--user", "call", "--", owner, MENU_PATH, "com.canonical.dbusmenu", "Event", "isvu", String(item.id), "clicked", "i", "0", "0"], { encoding: "utf8" });
    if (clicked.status === 0) return item;
    if (attempt === 3) throw new Error(`clicking ${item.label} in the tray failed: ${clicked.stderr}`);
  }
}
