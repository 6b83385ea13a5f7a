// End to end: a PostgreSQL table into SQLite in the real studio, against the throwaway server
// tests/postgres.sh starts (make e2e runs under it). The credential's password goes to the real
// Secret Service; the node form lists the credential's tables and the chosen table's columns;
// the preview shows the rows; the run writes them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { studioSession } from "./session.mjs";

const work = process.env.SLUICE_E2E_HOME;
const shots = process.env.SLUICE_E2E_SHOTS;
const server = Object.fromEntries(
  (process.env.SLUICE_TEST_POSTGRES ?? "").split(/\s+/).filter(Boolean).map((pair) => pair.split("=")),
);
let browser;

const byTest = (id) => browser.$(`[data-testid="${id}"]`);
const textOf = async (id) => (await (await byTest(id)).getProperty("textContent")) ?? "";
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const shot = async (name) => {
  await sleep(300);
  execFileSync("import", ["-window", "root", path.join(shots, `postgres-${name}.png`)]);
};
const invoke = (command, args) => browser.execute((name, payload) => window.__TAURI_INTERNALS__.invoke(name, payload), command, args);
const waitForText = (id, text, timeout = 15000) =>
  browser.waitUntil(async () => (await textOf(id)).includes(text), { timeout, timeoutMsg: `${id} never showed “${text}”: ${""}` });

before(async () => {
  assert.ok(server.port, "SLUICE_TEST_POSTGRES is not set: run the e2e tests through tests/postgres.sh (make e2e does)");
  execFileSync(process.env.SLUICE_TEST_PSQL, ["-q", "-v", "ON_ERROR_STOP=1", process.env.SLUICE_TEST_POSTGRES, "-c", `
    DROP TABLE IF EXISTS e2e_customers;
    CREATE TABLE e2e_customers (id int PRIMARY KEY, email text, country char(2), credit numeric(10, 2));
    INSERT INTO e2e_customers VALUES (1, 'ada@example.org', 'GB', 120.50), (2, 'grace@example.org', 'US', 80);`]);
  browser = await studioSession();
  await browser.setTimeout({ implicit: 5000 });
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
});

test("a PostgreSQL table reaches SQLite through the table picker", async () => {
  await (await byTest("flows")).waitForExist({ timeout: 20000 });
  await invoke("save_credential", {
    input: {
      name: "warehouse", kind: "postgres",
      fields: { host: server.host, port: server.port, database: server.dbname, user: server.user, tls: "disable" },
      secrets: { password: server.password },
    },
    editing: null,
  });
  const document = await invoke("create_flow", { name: "Customers from PostgreSQL" });
  await browser.refresh();
  await (await browser.$(`tr[data-flow-id="${document.flow.id}"] [data-testid="open-flow"]`)).click();
  await waitForText("flow-name", "Customers from PostgreSQL");

  // The source: its credential, then a table from the picker and two of its columns.
  await (await byTest("palette-postgres.read")).click();
  await (await byTest("node-credential")).selectByAttribute("value", "warehouse");
  await browser.waitUntil(
    async () => (await browser.execute(() => [...document.querySelectorAll('[data-testid="picker-table"] option')].map((option) => option.value))).includes("e2e_customers"),
    { timeout: 15000, timeoutMsg: "the table picker never listed the table" },
  );
  await (await byTest("field-table")).setValue("e2e_customers");
  await waitForText("column-choices", "+ email");
  await (await browser.$("button=+ email")).click();
  await (await browser.$("button=+ credit")).click();
  assert.equal(await (await byTest("field-columns")).getValue(), "email, credit");
  await shot("table-picker");

  // The preview reads the rows; the destination goes after the source (quick-add) and the run
  // writes them.
  await (await byTest("preview")).click();
  await waitForText("preview-table", "grace@example.org");
  assert.match(await textOf("preview-table"), /120\.5/);
  await shot("preview");
  const database = path.join(work, "customers.db");
  await (await byTest("palette-sqlite.write")).click();
  await (await byTest("field-path")).setValue(database);
  await (await byTest("field-table")).setValue("customers");
  await waitForText("save-state", "Saved");
  await browser.waitUntil(async () => !(await (await byTest("run")).getAttribute("disabled")), {
    timeout: 10000,
    timeoutMsg: "the flow never became runnable",
  });
  await (await byTest("run")).click();
  await waitForText("run-status", "succeeded", 30000);
  assert.ok(fs.existsSync(database), "the run wrote the database");
  assert.match(await textOf("counts-postgres_read_1"), /out 2/);
  await shot("run");
});
