// The demo orders API (the `sluice-demo-api` binary) on a free port of 127.0.0.1, for the e2e
// tests that read it; `stop()` ends it.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the API with `orders` orders and waits until it answers; returns its URL and `stop`. */
export async function startDemoApi(orders) {
  const port = await freePort();
  const api = spawn(path.resolve("target/debug/sluice-demo-api"), ["--port", String(port), "--orders", String(orders), "--throttle-every", "0"], { stdio: "ignore" });
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise((resolve) => net.connect(port, "127.0.0.1").on("connect", function () { this.end(); resolve(true); }).on("error", () => resolve(false)));
    if (up) break;
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => api.kill() };
}
