// The studio's speed, measured on the real app (run by `make bench-studio` through run.sh):
// cold start to an interactive flows list; on a 500-node flow, frame times while panning and
// dragging, a preview of one node, typing in a form field (input to paint), placing a node by a
// palette click and tidying the layout; the web process's memory. Prints the figures; asserts
// nothing (it is a benchmark).
import fs from "node:fs";
import path from "node:path";
import { execSync } from "node:child_process";
import { studioSession } from "./session.mjs";

const FRAMES = 180;

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
  return `mean ${mean.toFixed(1)} ms (${(1000 / mean).toFixed(0)} fps), p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
}

/** The resident memory of the studio's web processes, in MB. */
function webProcessMemory() {
  const lines = execSync("ps -eo rss=,comm=").toString().split("\n");
  const kilobytes = lines.filter((line) => /WebKitWeb/i.test(line)).reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
  return `${(kilobytes / 1024).toFixed(0)} MB`;
}

/** A chain of 500 nodes: a CSV source, 498 filters, a CSV destination, on a grid. */
function bigFlow() {
  const nodes = [];
  const edges = [];
  for (let index = 0; index < 500; index++) {
    const id = `n${index}`;
    const type = index === 0 ? "csv.read" : index === 499 ? "csv.write" : "filter";
    const config = index === 0 ? { path: "in.csv" } : index === 499 ? { path: "out.csv" } : { when: `id != '${index}'` };
    nodes.push({ id, type, config, position: { x: (index % 25) * 220, y: Math.floor(index / 25) * 120 } });
    if (index > 0) edges.push({ from: `n${index - 1}`, to: id });
  }
  return { format: "sluice.flow/1", id: "01930000-0000-7000-8000-0000000b1500", name: "500 nodes", nodes, edges };
}

/** Runs `frames` animation frames, calling `step(frame)` in each, and returns the frame times. */
async function measureFrames(browser, kind) {
  return browser.executeAsync(
    (kind, frames, done) => {
      const pane = document.querySelector(".react-flow__pane");
      const node = document.querySelector('[data-testid="node-n30"]') ?? document.querySelector(".react-flow__node [data-testid]");
      const box = (kind === "drag" ? node : pane).getBoundingClientRect();
      const start = { x: box.left + 40, y: box.top + 20 };
      const target = kind === "drag" ? node : pane;
      const fire = (type, x, y, on) => kind === "idle" ? undefined :
        on.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0, buttons: type === "mouseup" ? 0 : 1 }));
      fire("mousedown", start.x, start.y, target);
      const times = [];
      let last = performance.now();
      let frame = 0;
      const tick = (now) => {
        times.push(now - last);
        last = now;
        frame += 1;
        const offset = Math.sin(frame / 20) * 200;
        fire("mousemove", start.x + offset, start.y + offset / 2, window);
        if (frame < frames) requestAnimationFrame(tick);
        else {
          fire("mouseup", start.x + offset, start.y + offset / 2, window);
          done(times.slice(5));
        }
      };
      requestAnimationFrame(tick);
    },
    kind,
    FRAMES,
  );
}

const launched = performance.now();
const browser = await studioSession();
try {
  await browser.$('[data-testid="flows"]').waitForExist({ timeout: 30000 });
  const interactive = performance.now() - launched;
  const inPage = await browser.execute(() => performance.now());
  console.log(`cold start to an interactive flows list: ${interactive.toFixed(0)} ms (WebDriver session included; ${inPage.toFixed(0)} ms of it in the page since it began loading)`);

  const files = path.join(process.env.SLUICE_HOME, "files");
  fs.mkdirSync(files, { recursive: true });
  fs.writeFileSync(path.join(files, "in.csv"), "id,name\n" + Array.from({ length: 50 }, (_, row) => `${row},row ${row}`).join("\n") + "\n");
  await browser.execute((flow) => window.__TAURI_INTERNALS__.invoke("save_flow", { flow }), bigFlow());
  await browser.execute(() => location.reload());
  await browser.$('[data-testid="flows"]').waitForExist({ timeout: 30000 });
  const opening = performance.now();
  await (await browser.$("button=500 nodes")).click();
  await browser.$('[data-testid="node-n499"]').waitForExist({ timeout: 30000 });
  console.log(`opening the 500-node flow: ${(performance.now() - opening).toFixed(0)} ms`);
  await browser.pause(500);
  console.log(`500 nodes, idle (no input):                ${summary(await measureFrames(browser, "idle"))}`);
  console.log(`500 nodes, all in view, panning:         ${summary(await measureFrames(browser, "pan"))}`);
  console.log(`500 nodes, all in view, dragging a node: ${summary(await measureFrames(browser, "drag"))}`);
  console.log(`web process memory after panning and dragging: ${webProcessMemory()}`);
  // Zoom in to about 100%, as when editing: only the nodes in view are drawn.
  for (let click = 0; click < 10; click++) await (await browser.$(".react-flow__controls-zoomin")).click();
  await browser.pause(300);
  const zoom = await browser.execute(() => document.querySelector(".react-flow__viewport").style.transform);
  console.log(`zoomed in (${zoom}):`);
  console.log(`500 nodes, editing zoom, panning:         ${summary(await measureFrames(browser, "pan"))}`);

  // A preview of one node near the start (it and what feeds it run; the 495 after it do not):
  // in the page, from the Preview press to the records painted. A node never previewed each time.
  const previews = [];
  for (const node of ["n4", "n5", "n6", "n8", "n9", "n10", "n11"]) {
    previews.push(await browser.executeAsync((id, done) => {
      document.querySelector(`[data-testid="node-${id}"] .node-title`).click();
      const started = performance.now();
      document.querySelector('[data-testid="preview"]').click();
      const poll = () => {
        const heading = document.querySelector('[data-testid="preview-panel"] h2')?.textContent ?? "";
        if (heading.includes(`“${id}”`)) requestAnimationFrame(() => done(performance.now() - started));
        else requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
    }, node));
  }
  console.log(`preview of one node (press to records painted): ${summary(previews)}`);

  // Typing in a form field: from the input event to the next painted frame.
  await browser.execute(() => document.querySelector('[data-testid="node-n7"] .node-title').click());
  const typing = await browser.executeAsync((done) => {
    const input = document.querySelector('[data-testid="field-when"]');
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
    const times = [];
    const work = [];
    let text = input.value;
    const next = () => {
      if (times.length === 40) return done({ times, work });
      text += times.length % 2 ? " " : "x";
      const started = performance.now();
      setter.call(input, text);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      // An input event is discrete: React renders and commits before dispatchEvent returns.
      work.push(performance.now() - started);
      requestAnimationFrame(() => requestAnimationFrame(() => {
        times.push(performance.now() - started);
        next();
      }));
    };
    next();
  });
  console.log(`typing in a field, input to React committed:  ${summary(typing.work)}`);
  console.log(`typing in a field, input to paint (40 keys):  ${summary(typing.times)}`);

  // Placing by a palette click (free space among 500 nodes) and tidying the layout.
  const timed = (selector) => browser.executeAsync((target, done) => {
    const started = performance.now();
    document.querySelector(target).click();
    requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - started)));
  }, selector);
  const placing = [];
  for (let round = 0; round < 5; round++) {
    await browser.execute(() => document.querySelector(".react-flow__pane").click());
    placing.push(await timed('[data-testid="palette-map"]'));
  }
  console.log(`placing a node by a palette click (to paint):  ${summary(placing)}`);
  const tidying = [];
  for (let round = 0; round < 3; round++) tidying.push(await timed('[data-testid="auto-layout"]'));
  console.log(`tidy up (auto-layout) of 505 nodes (to paint): ${summary(tidying)}`);
} finally {
  await browser.deleteSession().catch(() => {});
}
