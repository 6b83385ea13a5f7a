// End to end: a join wired on the canvas of the real studio — two CSV sources connected to the
// join's `left` and `right` inputs by clicking their handles — then previewed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { studioSession } from "./session.mjs";

const work = process.env.SLUICE_E2E_HOME;
const shots = process.env.SLUICE_E2E_SHOTS;
const example = new URL("../../examples/sales-by-country/", import.meta.url);
let browser;

const byTest = (id) => browser.$(`[data-testid="${id}"]`);
const textOf = async (id) => (await (await byTest(id)).getProperty("textContent")) ?? "";
const shot = (name) => execFileSync("import", ["-window", "root", path.join(shots, `join-${name}.png`)]);
const invoke = (command, args) => browser.execute((name, payload) => window.__TAURI_INTERNALS__.invoke(name, payload), command, args);
const waitForText = (id, text, timeout = 15000) =>
  browser.waitUntil(async () => (await textOf(id)).includes(text), { timeout, timeoutMsg: `${id} never showed “${text}”` });

/** Clicks a node's output, then the given input of another node (click-to-connect). */
async function connect(from, to, input) {
  await browser.execute(
    (source, target, port) => {
      document.querySelector(`[data-testid="node-${source}"] .react-flow__handle[data-handleid="out"]`).click();
      document.querySelector(`[data-testid="node-${target}"] .react-flow__handle.target[data-handleid="${port}"]`).click();
    },
    from,
    to,
    input,
  );
}

before(async () => {
  browser = await studioSession();
  await browser.setTimeout({ implicit: 5000 });
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
});

test("a join wired on the canvas to its left and right inputs previews the joined records", async () => {
  await (await byTest("flows")).waitForExist({ timeout: 20000 });
  for (const file of ["orders.csv", "customers.csv"]) {
    fs.copyFileSync(new URL(file, example), path.join(work, file));
  }
  const document = await invoke("create_flow", { name: "Orders with their customer" });
  const flow = {
    ...document.flow,
    nodes: [
      { id: "orders", type: "csv.read", position: { x: 0, y: 0 }, config: { path: path.join(work, "orders.csv") } },
      { id: "customers", type: "csv.read", position: { x: 0, y: 220 }, config: { path: path.join(work, "customers.csv") } },
      { id: "with_customer", type: "join", position: { x: 320, y: 110 }, config: { kind: "left", on: [{ left: "customer_id", right: "id" }] } },
    ],
    edges: [],
  };
  await invoke("save_flow", { flow });
  await browser.refresh();
  await (await browser.$(`tr[data-flow-id="${flow.id}"] [data-testid="open-flow"]`)).click();
  await waitForText("flow-name", "Orders with their customer");

  // The join shows its two inputs, named; each is wired by clicking a source's output, then it.
  await (await byTest("input-with_customer-left")).waitForExist({ timeout: 10000 });
  await (await byTest("input-with_customer-right")).waitForExist({ timeout: 10000 });
  await connect("orders", "with_customer", "left");
  await connect("customers", "with_customer", "right");
  await waitForText("save-state", "Saved");
  await browser.waitUntil(
    async () => (await invoke("open_flow", { id: flow.id })).flow.edges.length === 2,
    { timeout: 10000, timeoutMsg: "the two edges were never saved" },
  );
  const stored = (await invoke("open_flow", { id: flow.id })).flow;
  assert.deepEqual(
    stored.edges.map((edge) => `${edge.from}>${edge.to}:${edge.to_port}`).sort(),
    ["customers>with_customer:right", "orders>with_customer:left"],
  );
  shot("wired");

  // The join previews: each order with its customer's name; the unknown customer's order kept.
  await browser.execute(() => document.querySelector('[data-testid="node-with_customer"] .node-title').click());
  await (await byTest("preview")).click();
  await waitForText("preview-table", "Ada Lovelace", 20000);
  const table = await textOf("preview-table");
  assert.match(table, /Grace Hopper/);
  assert.match(table, /c9/, "the left join keeps the order of an unknown customer");
  // The key pair is a row of the form, each side a field of its input.
  assert.equal(await (await byTest("field-on-0-left")).getValue(), "customer_id");
  assert.equal(await (await byTest("field-on-0-right")).getValue(), "id");
  shot("preview");
});

test("a code node is edited in a Lua editor and previews what its code makes", async () => {
  const document = await invoke("create_flow", { name: "Orders with a code step" });
  const flow = {
    ...document.flow,
    nodes: [
      { id: "orders", type: "csv.read", position: { x: 0, y: 0 }, config: { path: path.join(work, "orders.csv") } },
      { id: "doubled", type: "code", position: { x: 320, y: 0 }, config: { code: "return record" } },
    ],
    edges: [{ from: "orders", to: "doubled" }],
  };
  await invoke("save_flow", { flow });
  await browser.refresh();
  await (await browser.$(`tr[data-flow-id="${flow.id}"] [data-testid="open-flow"]`)).click();
  await waitForText("flow-name", "Orders with a code step");
  await browser.execute(() => document.querySelector('[data-testid="node-doubled"] .node-title').click());
  // CodeMirror with line numbers, and the bound text area WebDriver types into.
  await (await browser.$('[data-testid="field-code-editor"] .cm-lineNumbers')).waitForExist({ timeout: 10000 });
  await browser.execute(() => {
    const area = document.querySelector('[data-testid="field-code"]');
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set.call(area, "record.doubled = record.total * 2\nreturn record");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await waitForText("field-code-editor", "record.doubled");
  await waitForText("save-state", "Saved");
  await (await byTest("preview")).click();
  await waitForText("preview-table", "241", 20000);
  shot("code");
});
