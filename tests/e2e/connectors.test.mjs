// End to end: a connector manifest (Airbyte's declarative YAML) imported into the real studio
// becomes an App in the palette; its node form comes from the manifest's spec, its secret from a
// credential; a preview of its stream shows the demo orders API's records and a run writes them
// into SQLite.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startDemoApi } from "./demo_api.mjs";
import { studioSession } from "./session.mjs";

const work = process.env.SLUICE_E2E_HOME;
const shots = process.env.SLUICE_E2E_SHOTS;
const token = "demo-token-0f3c9a";
let browser;
let api;
let apiUrl;

const byTest = (id) => browser.$(`[data-testid="${id}"]`);
const textOf = async (id) => (await (await byTest(id)).getProperty("textContent")) ?? "";
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const shot = async (name) => {
  await sleep(300);
  execFileSync("import", ["-window", "root", path.join(shots, `connectors-${name}.png`)]);
};
const invoke = (command, args) => browser.execute((name, payload) => window.__TAURI_INTERNALS__.invoke(name, payload), command, args);
const waitForText = (id, text, timeout = 15000) =>
  browser.waitUntil(async () => (await textOf(id)).includes(text), { timeout, timeoutMsg: `${id} never showed “${text}”` });

before(async () => {
  api = await startDemoApi(9);
  apiUrl = api.url;
  browser = await studioSession();
  await browser.setTimeout({ implicit: 5000 });
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  api?.stop();
});

test("an imported connector manifest is an App: its form, its credential, a preview and a run into SQLite", async () => {
  await (await byTest("flows")).waitForExist({ timeout: 20000 });
  const manifest = path.join(work, "demo-orders.yaml");
  fs.copyFileSync(path.resolve("examples/demo-orders-connector/manifest.yaml"), manifest);
  const imported = await invoke("import_connector", { path: manifest });
  assert.equal(imported.type, "app.demo_orders");
  assert.deepEqual(imported.streams, ["orders"]);
  await invoke("save_credential", {
    input: { name: "demo shop", kind: "app.demo_orders", fields: { hosts: "127.0.0.1" }, secrets: { token } },
    editing: null,
  });
  const document = await invoke("create_flow", { name: "Orders through a connector" });
  await browser.refresh();
  await (await browser.$(`tr[data-flow-id="${document.flow.id}"] [data-testid="open-flow"]`)).click();
  await waitForText("flow-name", "Orders through a connector");

  // The palette lists it under Apps with the built-in connectors; its form is the manifest's spec.
  await waitForText("palette", "Demo orders");
  assert.match(await textOf("palette"), /Apps[\s\S]*GitHub/);
  await (await byTest("palette-app.demo_orders")).click();
  await (await byTest("node-credential")).selectByAttribute("value", "demo shop");
  await (await byTest("field-base_url")).setValue(apiUrl);
  await (await byTest("field-start_date")).setValue("2026-01-01T00:00:00Z");
  assert.ok(!(await (await byTest("node-panel")).getText()).includes("API token"), "the secret is not in the node form");
  await shot("form");

  await (await byTest("preview")).click();
  await waitForText("preview-table", "Grace", 20000);
  await shot("preview");

  const database = path.join(work, "orders-from-connector.db");
  await (await byTest("palette-sqlite.write")).click();
  await (await byTest("field-path")).setValue(database);
  await (await byTest("field-table")).setValue("orders");
  await waitForText("save-state", "Saved");
  await browser.waitUntil(async () => !(await (await byTest("run")).getAttribute("disabled")), {
    timeout: 10000,
    timeoutMsg: "the flow never became runnable",
  });
  await (await byTest("run")).click();
  await waitForText("run-status", "succeeded", 30000);
  assert.match(await textOf("counts-app_demo_orders_1"), /out 9/);
  const rows = execFileSync("python3", ["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM orders').fetchone()[0])", database], { encoding: "utf8" });
  assert.equal(rows.trim(), "9");
  await shot("run");
  // What this test made does not stay for the tests after it.
  await invoke("remove_credential", { name: "demo shop" });
});
