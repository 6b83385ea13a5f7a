// The studio's speed, measured on the real app (run by `make bench-studio` through run.sh):
// cold start to an interactive flows list, and frame times while panning and dragging on a
// 500-node flow. Prints the figures; asserts nothing (it is a benchmark, not a test).
import { studioSession } from "./session.mjs";

const FRAMES = 180;

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
  return `mean ${mean.toFixed(1)} ms (${(1000 / mean).toFixed(0)} fps), p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
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
  // Zoom in to about 100%, as when editing: only the nodes in view are drawn.
  for (let click = 0; click < 10; click++) await (await browser.$(".react-flow__controls-zoomin")).click();
  await browser.pause(300);
  const zoom = await browser.execute(() => document.querySelector(".react-flow__viewport").style.transform);
  console.log(`zoomed in (${zoom}):`);
  console.log(`500 nodes, editing zoom, panning:         ${summary(await measureFrames(browser, "pan"))}`);
} finally {
  await browser.deleteSession().catch(() => {});
}
