// End to end: the real studio (debug build) driven over WebDriver (tauri-driver + WebKitWebDriver)
// under Xvfb. Run through tests/e2e/run.sh, which starts and stops those.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { studioSession } from "./session.mjs";

const work = process.env.SLUICE_E2E_HOME;
const shots = process.env.SLUICE_E2E_SHOTS;
const data = path.join(work, "data");
let browser;
let step = 0;

/** A screenshot of the whole virtual screen (WebDriver screenshots can lag the page). */
function shot(name) {
  step += 1;
  execFileSync("import", ["-window", "root", path.join(shots, `${String(step).padStart(2, "0")}-${name}.png`)]);
}

const byTest = (id) => browser.$(`[data-testid="${id}"]`);

/** Scrolls an element into the middle of its scrolling panel (panes and the node panel scroll). */
async function reveal(id) {
  await browser.execute((testId) => document.querySelector(`[data-testid="${testId}"]`).scrollIntoView({ block: "center" }), id);
  return byTest(id);
}

/** An element's text, also when it is scrolled out of view (getText() is then empty). */
const textOf = async (id) => (await (await byTest(id)).getProperty("textContent")) ?? "";

async function waitForText(id, expected, timeout = 15000) {
  try {
    await browser.waitUntil(async () => (await textOf(id)).includes(expected), { timeout });
  } catch {
    shot(`failed-${id}`);
    const seen = await textOf(id).catch(() => "(not there)");
    throw new Error(`"${id}" never showed "${expected}"; it shows: ${seen.slice(0, 400)}`);
  }
}

/** Drags a palette item onto the canvas (HTML5 drag and drop, dispatched in the page). */
async function dragFromPalette(component, x, y) {
  await browser.execute(
    (type, left, top) => {
      const source = document.querySelector(`[data-testid="palette-${type}"]`);
      const canvas = document.querySelector('[data-testid="canvas"]');
      const transfer = new DataTransfer();
      source.dispatchEvent(new DragEvent("dragstart", { bubbles: true, dataTransfer: transfer }));
      const box = canvas.getBoundingClientRect();
      const at = { bubbles: true, cancelable: true, dataTransfer: transfer, clientX: box.left + left, clientY: box.top + top };
      canvas.dispatchEvent(new DragEvent("dragover", at));
      canvas.dispatchEvent(new DragEvent("drop", at));
      source.dispatchEvent(new DragEvent("dragend", { bubbles: true, dataTransfer: transfer }));
    },
    component,
    x,
    y,
  );
}

/** Connects two nodes the way a click-to-connect user does: the source's port, then the
 *  target's input (clicked in the page: the handles are a few pixels wide). */
async function connect(from, to, port = "out") {
  await browser.execute(
    (source, target, handle) => {
      document.querySelector(`[data-testid="node-${source}"] .react-flow__handle[data-handleid="${handle}"]`).click();
      document.querySelector(`[data-testid="node-${target}"] .react-flow__handle.target`).click();
    },
    from,
    to,
    port,
  );
}

/** Sets an expression field through the input bound to its editor, as typing would (WebDriver
 *  cannot type into CodeMirror, and the bound input is 1 px and may not count as interactable). */
async function typeExpression(id, text) {
  await (await byTest(id)).waitForExist({ timeout: 5000 });
  await browser.execute((testId, value) => {
    const input = document.querySelector(`[data-testid="${testId}"]`);
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, id, text);
}

/** Selects a node by clicking its title (in the page: the node may lie outside the visible part
 *  of the canvas) and waits for the node panel to show it. */
async function selectNode(id) {
  await browser.execute((node) => document.querySelector(`[data-testid="node-${node}"] .node-title`).click(), id);
  await browser.waitUntil(
    () => browser.execute((node) => [...document.querySelectorAll('[data-testid="node-panel"] input')].some((input) => input.value === node), id),
    { timeout: 5000, timeoutMsg: `the node panel never showed ${id}` },
  );
}

async function invoke(command, args) {
  return browser.execute((name, payload) => window.__TAURI_INTERNALS__.invoke(name, payload), command, args);
}

function sqlite(database, query) {
  const script = "import json, sqlite3, sys; print(json.dumps(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()))";
  return JSON.parse(execFileSync("python3", ["-c", script, database, query], { encoding: "utf8" }));
}

before(async () => {
  fs.mkdirSync(data, { recursive: true });
  fs.copyFileSync(new URL("../fixtures/people.csv", import.meta.url), path.join(data, "people.csv"));
  browser = await studioSession();
  await browser.setTimeout({ implicit: 5000 });
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
});

test("build a flow on the canvas, preview it, run it, share it", async () => {
  await waitForText("flows", "Active customers to SQLite");
  shot("home-with-examples");

  // Start at login: a login item that starts Sluice in the tray, and it goes away when unticked.
  const loginItem = () => {
    const folder = path.join(process.env.SLUICE_E2E_USER_HOME, ".config", "autostart");
    return fs.existsSync(folder) ? fs.readdirSync(folder).map((name) => fs.readFileSync(path.join(folder, name), "utf8")) : [];
  };
  await (await byTest("start-at-login")).click();
  await browser.waitUntil(async () => loginItem().length === 1, { timeout: 5000, timeoutMsg: "no login item was written" });
  assert.match(loginItem()[0], /--minimized/);
  await (await byTest("start-at-login")).click();
  await browser.waitUntil(async () => loginItem().length === 0, { timeout: 5000, timeoutMsg: "the login item stayed" });

  await (await byTest("new-flow-name")).setValue("People to SQLite");
  await (await byTest("create-flow")).click();
  await waitForText("flow-name", "People to SQLite");

  await dragFromPalette("csv.read", 60, 60);
  await (await byTest("field-path")).setValue(path.join(data, "people.csv"));
  await dragFromPalette("filter", 300, 60);
  await (await byTest("field-when")).setValue("status == 'active'");
  await dragFromPalette("map", 60, 280);
  await (await byTest("map-set-key-0")).setValue("full_name");
  await (await byTest("map-set-value-0")).setValue("first_name ~ ' ' ~ last_name");
  await (await byTest("map-set-key-1")).setValue("cents");
  await (await byTest("map-set-value-1")).setValue("(amount | float * 100) | round | int");
  await dragFromPalette("sqlite.write", 300, 280);
  await (await byTest("field-path")).setValue(path.join(data, "out.db"));
  await (await byTest("field-table")).setValue("people");
  shot("nodes-added");

  await connect("csv_read_1", "filter_1");
  await connect("filter_1", "map_1");
  await connect("map_1", "sqlite_write_1");
  await waitForText("save-state", "Saved");
  await browser.waitUntil(async () => !(await (await byTest("run")).getAttribute("disabled")) , {
    timeout: 10000,
    timeoutMsg: "the flow never became runnable",
  });
  shot("connected");

  await selectNode("sqlite_write_1");
  // Appending would add the rows again on every run: the form says so and what to choose instead.
  await waitForText("advice-field-mode", "choose upsert");
  await (await byTest("preview")).click();
  await waitForText("preview-table", "Ada Lovelace");
  const preview = await textOf("preview-table");
  assert.match(preview, /Grace Hopper/);
  assert.match(preview, /1050/);
  assert.doesNotMatch(preview, /Alan Turing/, "the filter keeps only active people");
  await waitForText("preview-fields", "cents integer");
  assert.equal(fs.existsSync(path.join(data, "out.db")), false, "a preview writes nothing");
  shot("preview");

  await (await byTest("run")).click();
  await waitForText("run-status", "succeeded");
  await browser.waitUntil(async () => (await (await byTest("node-sqlite_write_1")).getAttribute("data-status")) === "succeeded", {
    timeout: 10000,
  });
  assert.match(await textOf("counts-sqlite_write_1"), /in 3/);
  assert.match(await textOf("counts-csv_read_1"), /out 4/);
  await waitForText("run-node-filter_1", "4");
  // A past run keeps the first records each node sent on.
  await (await reveal("run-node-map_1")).$("td").click();
  await waitForText("run-samples-table", "Ada Lovelace");
  shot("run-succeeded");
  assert.deepEqual(sqlite(path.join(data, "out.db"), "SELECT id, full_name, cents FROM people ORDER BY id"), [
    ["1", "Ada Lovelace", 1050],
    ["3", "Grace Hopper", 700],
    ["4", "Edsger Dijkstra", 199],
  ]);

  // Share: export the flow, import it as a new flow, and it runs the same.
  const flows = await invoke("list_flows", {});
  const original = flows.find((flow) => flow.name === "People to SQLite");
  const exported = path.join(work, "people.sluice.json");
  await invoke("export_flow", { id: original.id, path: exported });
  const text = fs.readFileSync(exported, "utf8");
  assert.match(text, /"format": "sluice.flow\/1"/);
  const imported = await invoke("import_flow", { path: exported });
  assert.notEqual(imported.flow_id, original.id);
  await (await byTest("back")).click();
  const storedFlows = (await invoke("list_flows", {})).length;
  await browser.waitUntil(async () => (await browser.$$('[data-testid="open-flow"]')).length === storedFlows, { timeout: 10000 });
  await browser.pause(300); // let the list paint before the screenshot
  shot("imported");
  assert.equal(
    await (await browser.$(`tr[data-flow-id="${imported.flow_id}"] [data-testid="needs-review"]`)).isExisting(),
    true,
    "the flows list marks the imported flow",
  );
  await (await browser.$(`tr[data-flow-id="${imported.flow_id}"] [data-testid="open-flow"]`)).click();
  await waitForText("flow-name", "People to SQLite");
  // From elsewhere: nothing runs until the person reviews what it touches and approves it.
  await (await byTest("review-needed")).waitForDisplayed({ timeout: 10000 });
  assert.equal(await (await byTest("run")).isEnabled(), false, "Run waits for the review");
  assert.equal(await (await byTest("preview")).isEnabled(), false, "Preview waits for the review");
  await (await byTest("review")).click();
  await (await byTest("review-dialog")).waitForDisplayed({ timeout: 10000 });
  await browser.waitUntil(async () => (await (await byTest("review-dialog")).getText()).includes("people.csv"), {
    timeout: 10000,
    timeoutMsg: "the review does not list the file the flow reads",
  });
  const review = await (await byTest("review-dialog")).getText();
  assert.match(review, /Files it reads[\s\S]*people\.csv/);
  assert.match(review, /Files it writes[\s\S]*out\.db/);
  await browser.pause(300); // let the dialog paint before the screenshot
  shot("review");
  await (await byTest("approve")).click();
  await (await byTest("review-needed")).waitForDisplayed({ reverse: true, timeout: 10000 });
  await (await byTest("run")).click();
  await browser.waitUntil(async () => (await (await byTest("node-sqlite_write_1")).getAttribute("data-status")) === "succeeded", {
    timeout: 15000,
    timeoutMsg: "the imported flow did not run",
  });
  assert.match(await textOf("counts-sqlite_write_1"), /in 3/);
  assert.deepEqual(sqlite(path.join(data, "out.db"), "SELECT COUNT(*) FROM people"), [[6]]);
  shot("imported-run");

  // A node fed by requests shows the flow's private URL (the registry says which nodes are).
  await dragFromPalette("webhook", 540, 60);
  await browser.waitUntil(async () => ((await (await byTest("webhook-url")).getValue()) ?? "").includes("/hooks/"), {
    timeout: 10000,
    timeoutMsg: "the webhook node showed no URL",
  });

  // A condition that does not compile is shown on the node and next to the field.
  await selectNode("filter_1");
  const when = await byTest("field-when");
  await when.clearValue();
  await when.setValue("status ==");
  await waitForText("problem-filter_1", "does not compile");
  await waitForText("problem-field-when", "does not compile");
  assert.equal(await (await byTest("run")).getAttribute("disabled"), "true");
  shot("invalid-condition");

  // A schedule: a preset, in words, with its next five fires.
  await (await byTest("schedule")).click();
  await (await byTest("schedule-enabled")).click();
  await (await byTest("schedule-kind")).selectByAttribute("value", "weekdays");
  await (await byTest("schedule-timezone")).clearValue();
  await (await byTest("schedule-timezone")).setValue("Europe/Berlin");
  await waitForText("schedule-description", "Weekdays at 07:00, Europe/Berlin");
  await browser.waitUntil(async () => (await browser.$$('[data-testid="schedule-next"] li')).length === 5, {
    timeout: 10000,
    timeoutMsg: "the next five fires were not shown",
  });
  await waitForText("schedule", "Scheduled");
  shot("schedule");
});

/** The canvas rectangles of these nodes. */
async function nodeBoxes(ids) {
  return browser.execute(
    (wanted) => wanted.map((id) => {
      const box = document.querySelector(`[data-testid="node-${id}"]`).getBoundingClientRect();
      return { id, left: box.left, top: box.top, right: box.right, bottom: box.bottom };
    }),
    ids,
  );
}

async function storedFlow(name) {
  const listing = (await invoke("list_flows", {})).find((flow) => flow.name === name);
  return (await invoke("open_flow", { id: listing.id })).flow;
}

test("build with the data in sight: preview part of a flow, place by click, fix an import", async () => {
  await (await byTest("back")).click();
  await (await byTest("new-flow-name")).setValue("Half built");
  await (await byTest("create-flow")).click();
  await waitForText("flow-name", "Half built");

  // A lone source previews on its own.
  await (await byTest("palette-csv.read")).click();
  await (await byTest("field-path")).setValue(path.join(data, "people.csv"));
  await waitForText("save-state", "Saved");
  await (await byTest("preview")).click();
  await waitForText("preview-table", "Turing");
  shot("lone-source-preview");

  // Quick-add: with a node selected, a palette click adds the next node after it, connected.
  await (await byTest("palette-filter")).click();
  await typeExpression("field-when", "status == 'active'");
  await (await byTest("palette-map")).click();
  await (await byTest("map-set-key-0")).setValue("label");
  await typeExpression("map-set-value-0", "first_name ~");
  await waitForText("save-state", "Saved");
  const built = await storedFlow("Half built");
  assert.deepEqual(
    built.edges.map((edge) => `${edge.from}>${edge.to}`),
    ["csv_read_1>filter_1", "filter_1>map_1"],
  );
  const boxes = await nodeBoxes(["csv_read_1", "filter_1", "map_1"]);
  for (const a of boxes) {
    for (const b of boxes) {
      const overlap = a.id !== b.id && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      assert.equal(overlap, false, `${a.id} overlaps ${b.id}`);
    }
  }
  shot("placed-by-click");

  // The map is unfinished and nothing is written anywhere, yet the filter previews.
  await selectNode("filter_1");
  await (await byTest("preview")).click();
  await waitForText("preview-table", "Lovelace");
  assert.doesNotMatch(await textOf("preview-table"), /Turing/);

  // Expressions: the live result on the filter's records as it is typed; a field dragged from the
  // fields before it into the map adds a row that sets it.
  await selectNode("map_1");
  await typeExpression("map-set-value-0", "first_name ~ ' ' ~ last_name");
  await waitForText("expression-result", "Ada Lovelace");
  await browser.execute(() => {
    const chip = document.querySelector('[data-testid="upstream-field-amount"]');
    const target = document.querySelector('[data-testid="node-panel"] [data-field="set"]');
    const transfer = new DataTransfer();
    chip.dispatchEvent(new DragEvent("dragstart", { bubbles: true, dataTransfer: transfer }));
    target.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: transfer }));
    target.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
    chip.dispatchEvent(new DragEvent("dragend", { bubbles: true, dataTransfer: transfer }));
  });
  await browser.waitUntil(async () => (await (await byTest("map-set-key-1")).getValue()) === "amount", {
    timeout: 5000,
    timeoutMsg: "the dragged field did not become a row of the map",
  });
  shot("expression-live-result");

  // Changing the condition marks that preview stale instead of throwing it away.
  await selectNode("filter_1");
  await typeExpression("field-when", "status != 'active'");
  await (await byTest("preview-stale")).waitForExist({ timeout: 5000 });
  assert.match(await textOf("preview-table"), /Lovelace/);
  shot("half-built-preview-stale");

  // Pin the source's sample as test input: previews go on from it even once its file is gone.
  await selectNode("csv_read_1");
  await (await byTest("preview")).click();
  await waitForText("preview-table", "Turing");
  await (await byTest("pin-sample")).click();
  await (await byTest("pinned-csv_read_1")).waitForExist({ timeout: 5000 });
  const sourcePath = await byTest("field-path");
  await sourcePath.clearValue();
  await sourcePath.setValue(path.join(data, "gone.csv"));
  await selectNode("filter_1");
  await (await byTest("preview")).click();
  await (await byTest("preview-stale")).waitForExist({ reverse: true, timeout: 10000 });
  await waitForText("preview-table", "Turing");
  assert.doesNotMatch(await textOf("preview-table"), /Lovelace/, "the changed condition ran on the pinned sample");
  shot("pinned-sample");
  // The pin stays with the flow: closed and opened again, the source is still pinned.
  const halfBuilt = await storedFlow("Half built");
  assert.deepEqual(Object.keys(await invoke("pinned_samples", { id: halfBuilt.id })), ["csv_read_1"]);
  await (await byTest("back")).click();
  const listed = await browser.$(`tr[data-flow-id="${halfBuilt.id}"] [data-testid="open-flow"]`);
  await listed.waitForExist({ timeout: 10000 });
  await listed.click();
  await (await byTest("pinned-csv_read_1")).waitForExist({ timeout: 10000 });

  // A custom cron stays a custom cron.
  await (await byTest("schedule")).click();
  await (await byTest("schedule-kind")).selectByAttribute("value", "cron");
  const cron = await byTest("schedule-cron");
  await cron.clearValue();
  await cron.setValue("0 0 7 * * Mon-Fri");
  await browser.pause(500);
  assert.equal(await (await byTest("schedule-kind")).getValue(), "cron");
  assert.equal(await (await byTest("schedule-cron")).getValue(), "0 0 7 * * Mon-Fri");
  shot("custom-cron");

  // A flow file with a typo imports as a draft that opens with the problem marked, and is fixed
  // in the editor.
  const typo = path.join(work, "typo.sluice.json");
  const shared = { ...built, id: "01930000-0000-7000-8000-0000000000e2", name: "With a typo" };
  shared.nodes = shared.nodes.map((node) => (node.id === "filter_1" ? { ...node, type: "filtr" } : node));
  shared.nodes = shared.nodes.filter((node) => node.id !== "map_1");
  shared.edges = shared.edges.filter((edge) => edge.to !== "map_1");
  shared.nodes.push({ id: "save", type: "csv.write", position: { x: 520, y: 0 }, config: { path: path.join(data, "typo-out.csv") } });
  shared.edges.push({ from: "filter_1", to: "save" });
  fs.writeFileSync(typo, JSON.stringify(shared));
  const outcome = await invoke("import_flow", { path: typo });
  assert.equal(outcome.problems.length, 1);
  await (await byTest("back")).click();
  await (await browser.$(`tr[data-flow-id="${outcome.flow_id}"] [data-testid="open-flow"]`)).waitForExist({ timeout: 10000 });
  await (await browser.$(`tr[data-flow-id="${outcome.flow_id}"] [data-testid="open-flow"]`)).click();
  await waitForText("flow-name", "With a typo");
  // `filtr` is drawn as code: the text has no backticks.
  await waitForText("problem-filter_1", "unknown node type filtr");
  await selectNode("filter_1");
  shot("import-with-typo");
  await (await byTest("fix-type")).click();
  await (await byTest("problem-filter_1")).waitForExist({ reverse: true, timeout: 10000 });
  await waitForText("save-state", "Saved");
  assert.equal((await storedFlow("With a typo")).nodes.find((node) => node.id === "filter_1").type, "filter");
  shot("typo-fixed");

  // History: the fix is a version that says what it changed; comparing the imported version shows
  // what restoring it would change, and restoring brings the typo back.
  await (await byTest("history")).click();
  await waitForText("history-panel", "changed filter_1 (type)");
  await (await byTest("compare-1")).click();
  await waitForText("version-diff", "filter_1 · type: filter → filtr");
  shot("history-diff");
  await (await byTest("restore")).click();
  await waitForText("problem-filter_1", "unknown node type");

  // Rename: a name another flow has is refused; a new one is taken.
  // (Typed into the focused field: WebDriver's clear would blur it, which commits the name.)
  const typeName = async (name) => {
    await (await byTest("flow-name")).click();
    await (await byTest("flow-name-input")).waitForExist({ timeout: 5000 });
    await browser.keys(["Control", "a"]);
    await browser.keys(name);
    await browser.keys("Enter");
  };
  await typeName("Half built");
  await waitForText("notice", "another flow is named");
  await waitForText("flow-name", "With a typo");
  await typeName("Typo, restored");
  await waitForText("flow-name", "Typo, restored");
  await waitForText("save-state", "Saved");
  assert.ok(await storedFlow("Typo, restored"), "the new name is stored");
  shot("renamed");

  // A template from the gallery runs as it comes, on its own copy of the sample data.
  await (await byTest("back")).click();
  await (await byTest("show-templates")).click();
  await (await byTest("template-gallery")).waitForDisplayed({ timeout: 10000 });
  assert.ok((await browser.$$('[data-testid^="use-template-"]')).length >= 8, "at least eight templates");
  shot("template-gallery");
  await (await byTest("use-template-typed-json")).click();
  await waitForText("flow-name", "Spreadsheet to typed JSON");
  await (await byTest("run")).click();
  await waitForText("run-status", "succeeded");
  const written = path.join(process.env.SLUICE_HOME, "files", "templates", "typed-json", "out", "products.json");
  assert.match(fs.readFileSync(written, "utf8"), /"stock": 140/);
  shot("template-run");
});
