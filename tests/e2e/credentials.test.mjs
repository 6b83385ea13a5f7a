// End to end: credentials in the real studio with the real Secret Service (gnome-keyring, started
// by tests/keyring.sh). Create a bearer credential in the Credentials view, test it against the
// demo orders API on 127.0.0.1, pick it in an http.read node's form, run the flow — and the
// token shows up nowhere in the page or Sluice's database.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
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
  execFileSync("import", ["-window", "root", path.join(shots, `credentials-${name}.png`)]);
};
const invoke = (command, args) => browser.execute((name, payload) => window.__TAURI_INTERNALS__.invoke(name, payload), command, args);

before(async () => {
  api = await startDemoApi(12);
  apiUrl = api.url;
  browser = await studioSession();
  await browser.setTimeout({ implicit: 5000 });
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  api?.stop();
});

test("a credential made in the studio lives in the keychain and is used by a node", async () => {
  await (await byTest("flows")).waitForExist({ timeout: 20000 });
  await (await byTest("credentials-open")).click();
  await (await byTest("credential-add")).click();
  await (await byTest("credential-name")).setValue("Demo orders");
  await (await byTest("credential-kind")).selectByAttribute("value", "http.bearer");
  await (await byTest("credential-secret-token")).setValue(token);
  await (await byTest("credential-field-test_url")).setValue(`${apiUrl}/v1/orders`);
  await (await byTest("credential-save")).click();
  // Other tests' credentials may be listed too: this one's row.
  const row = 'tr[data-credential="Demo orders"]';
  await browser.waitUntil(async () => (await browser.$(row).isExisting()) && (await (await browser.$(row)).getText()).includes("token stored"), { timeout: 10000, timeoutMsg: "the credential was not listed" });

  // The secret is in the Secret Service, as another program (libsecret's secret-tool) sees it.
  const stored = (await invoke("list_credentials", {})).find((credential) => credential.name === "Demo orders");
  const fromKeyring = execFileSync("secret-tool", ["lookup", "service", "dev.sluice.credentials", "username", `${stored.id}/token`], { encoding: "utf8" });
  assert.equal(fromKeyring, token);

  await (await browser.$(`${row} [data-testid="credential-test"]`)).click();
  await browser.waitUntil(async () => (await textOf("credential-test-result")).includes("the credential works"), { timeout: 15000, timeoutMsg: "Test connection did not succeed" });
  await shot("view");

  // A flow whose http.read node picks the credential in its form.
  await (await byTest("credentials-close")).click();
  const document = await invoke("create_flow", { name: "Orders from the API" });
  const out = path.join(work, "api-orders.ndjson");
  const flow = {
    ...document.flow,
    nodes: [
      { id: "orders", type: "http.read", position: { x: 0, y: 0 }, config: { url: `${apiUrl}/v1/orders`, records: "$.orders[*]", pagination: { type: "link_header" }, query: { per_page: "5" } } },
      { id: "save", type: "json.write", position: { x: 300, y: 0 }, config: { path: out } },
    ],
    edges: [{ from: "orders", to: "save" }],
  };
  await invoke("save_flow", { flow });
  await browser.refresh();
  await (await browser.$(`tr[data-flow-id="${flow.id}"] [data-testid="open-flow"]`)).click();
  await (await browser.$('[data-testid="node-orders"] .node-title')).click();
  await (await byTest("node-credential")).selectByAttribute("value", "Demo orders");
  await browser.waitUntil(async () => (await textOf("save-state")).includes("Saved"), { timeout: 10000 });
  await browser.waitUntil(async () => !(await (await byTest("run")).getAttribute("disabled")), { timeout: 10000 });
  await (await byTest("run")).click();
  await browser.waitUntil(async () => (await textOf("run-status")).includes("succeeded"), { timeout: 20000, timeoutMsg: `the run did not succeed: ${await textOf("run-status")}` });
  const lines = fs.readFileSync(out, "utf8").trim().split("\n");
  assert.equal(lines.length, 12, "every order arrived once");
  await shot("run");

  // The token is nowhere in the page, the stored flow or Sluice's database.
  const page = await browser.execute(() => document.documentElement.outerHTML + JSON.stringify(localStorage));
  assert.ok(!page.includes(token), "the token is not in the page");
  const exported = await invoke("open_flow", { id: flow.id });
  assert.equal(exported.flow.nodes[0].credential, "Demo orders");
  assert.ok(!JSON.stringify(exported).includes(token));
  for (const file of ["sluice.db", "sluice.db-wal"]) {
    const stored = path.join(process.env.SLUICE_HOME, file);
    if (fs.existsSync(stored)) assert.ok(!fs.readFileSync(stored).includes(Buffer.from(token)), `the token is not in ${file}`);
  }
});

test("an OAuth2 credential connects through the browser and a node uses it", async () => {
  // The strict test authorization server of tests/oauth/server.mjs, with its API.
  const auth = spawn("node", [path.resolve("tests/oauth/server.mjs")], { stdio: ["pipe", "pipe", "ignore"], env: { ...process.env, TOKEN_TTL: "3600" } });
  try {
    const started = await new Promise((resolve) => auth.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk).split("\n")[0]))));
    await browser.refresh();
    await (await byTest("credentials-open")).click();
    await (await byTest("credential-add")).click();
    await (await byTest("credential-name")).setValue("Provider");
    await (await byTest("credential-kind")).selectByAttribute("value", "oauth2");
    await (await byTest("credential-field-authorization_url")).setValue(`${started.issuer}/authorize`);
    await (await byTest("credential-field-token_url")).setValue(`${started.issuer}/token`);
    await (await byTest("credential-field-client_id")).setValue("sluice-desktop");
    await (await byTest("credential-secret-client_secret")).setValue("client-s3cret");
    await (await byTest("credential-save")).click();
    const row = await browser.$('tr[data-credential="Provider"]');
    await browser.waitUntil(async () => (await row.getText()).includes("not connected"), { timeout: 10000 });
    await (await row.$('[data-testid="credential-connect"]')).click();
    await browser.waitUntil(async () => /connected, token until/.test(await (await row.$('[data-testid="credential-secrets"]')).getText()), {
      timeout: 20000,
      timeoutMsg: `the credential did not connect: ${await row.getText()}`,
    });
    await shot("oauth-connected");

    // A node uses it: every item of the protected API arrives.
    const document = await invoke("create_flow", { name: "Items over OAuth2" });
    const out = path.join(work, "oauth-items.ndjson");
    const flow = {
      ...document.flow,
      nodes: [
        { id: "items", type: "http.read", credential: "Provider", config: { url: `${started.api}/api/items`, pagination: { type: "link_header" } } },
        { id: "save", type: "json.write", config: { path: out } },
      ],
      edges: [{ from: "items", to: "save" }],
    };
    await invoke("save_flow", { flow });
    const runId = await invoke("run_flow", { id: flow.id });
    await browser.waitUntil(async () => (await invoke("run_detail", { runId })).run.status !== "running", { timeout: 20000 });
    const detail = await invoke("run_detail", { runId });
    assert.equal(detail.run.status, "succeeded", JSON.stringify(detail.logs));
    assert.equal(fs.readFileSync(out, "utf8").trim().split("\n").length, 7);
    const page = await browser.execute(() => document.documentElement.outerHTML);
    assert.ok(!page.includes("client-s3cret"), "the client secret is not in the page");
  } finally {
    auth.kill();
  }
});
