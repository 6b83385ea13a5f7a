// End to end: the studio's updater against an update server on 127.0.0.1 serving fixtures signed
// with a key made for this run (tests/e2e/run.sh points the debug build at it). An older version
// is no update; a tampered download is refused; a newer, signed version is offered, downloaded and
// verified, and waits for the person to say "Install". Nothing is installed by this test.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import { studioSession } from "./session.mjs";
import { clickTrayItem, trayMenu } from "./tray_menu.mjs";

const work = process.env.SLUICE_E2E_HOME;
const app = process.env.SLUICE_E2E_APP;
const shots = process.env.SLUICE_E2E_SHOTS;
const port = Number(process.env.SLUICE_E2E_UPDATE_PORT);
const key = process.env.SLUICE_E2E_UPDATE_KEY;
const tauri = path.resolve("node_modules/.bin/tauri");
let browser;
let server;
/** What the update server answers for the release manifest, and the requests it saw. */
let manifest = null;
const requests = [];
const artifacts = new Map();

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
/** A picture of the screen, once the page has painted the last change. */
const shot = async (name) => {
  await sleep(500);
  execFileSync("import", ["-window", "root", path.join(shots, `update-${name}.png`)]);
};

/** Writes an artifact and signs it with the run's key (the way `make bundle` signs a release). */
function signedArtifact(name, bytes) {
  const file = path.join(work, name);
  fs.writeFileSync(file, bytes);
  execFileSync(tauri, ["signer", "sign", "-k", fs.readFileSync(key, "utf8"), "-p", "", file], {
    env: { ...process.env, TAURI_SIGNING_PRIVATE_KEY_PASSWORD: "" },
    stdio: "ignore",
  });
  return fs.readFileSync(`${file}.sig`, "utf8");
}

function release(version, artifact, signature) {
  artifacts.set(`/download/${artifact}`, fs.readFileSync(path.join(work, artifact)));
  return {
    version,
    notes: `What is new in ${version}:\n- faster runs`,
    pub_date: "2026-11-20T09:00:00Z",
    platforms: {
      "linux-x86_64": { signature, url: `http://127.0.0.1:${port}/download/${artifact}` },
    },
  };
}

before(async () => {
  server = http.createServer((request, response) => {
    requests.push(request.url);
    if (request.url.startsWith("/studio/")) {
      if (!manifest) {
        response.writeHead(204).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(manifest));
      return;
    }
    const body = artifacts.get(request.url);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  browser = await studioSession("error");
});

after(async () => {
  await browser?.deleteSession().catch(() => {});
  server?.close();
});

async function dialogState(expected) {
  const dialog = await browser.$('[data-testid="updates-dialog"]');
  await browser.waitUntil(async () => (await dialog.getAttribute("data-state")) === expected, {
    timeout: 20000,
    timeoutMsg: `the updates dialog never said ${expected} (it says ${await dialog.getAttribute("data-state")}: ${await browser.$('[data-testid="update-message"]').getText().catch(() => "")})`,
  });
  return browser.$('[data-testid="update-message"]').getText();
}

test("the updater offers only newer, correctly signed versions and asks before installing", async () => {
  const binaryBefore = crypto.createHash("sha256").update(fs.readFileSync(app)).digest("hex");
  await browser.$('[data-testid="flows"]').waitForExist({ timeout: 20000 });
  await browser.$('[data-testid="updates-open"]').click();
  assert.match(await dialogState("idle"), /You have Sluice 0\.1\.0/);

  // An older version is no update.
  const olderSignature = signedArtifact("Sluice_0.0.9_amd64.AppImage", crypto.randomBytes(64 * 1024));
  manifest = release("0.0.9", "Sluice_0.0.9_amd64.AppImage", olderSignature);
  await browser.$('[data-testid="update-check"]').click();
  assert.match(await dialogState("up_to_date"), /Sluice 0\.1\.0 is up to date/);
  assert.ok(requests.some((url) => url === "/studio/linux/x86_64/0.1.0"), `the endpoint was asked with this build's target and version (${requests})`);
  assert.ok(!requests.some((url) => url.startsWith("/download/")), "nothing was downloaded for an older version");

  // A newer version whose download was changed after signing is refused.
  const genuine = crypto.randomBytes(256 * 1024);
  const signature = signedArtifact("Sluice_0.2.0_amd64.AppImage", genuine);
  manifest = release("0.2.0", "Sluice_0.2.0_amd64.AppImage", signature);
  const tampered = Buffer.from(genuine);
  tampered[1000] ^= 0xff;
  artifacts.set("/download/Sluice_0.2.0_amd64.AppImage", tampered);
  await browser.$('[data-testid="update-check"]').click();
  assert.match(await dialogState("available"), /Sluice 0\.2\.0 is available; you have 0\.1\.0/);
  assert.match(await browser.$('[data-testid="release-notes"]').getText(), /faster runs/);
  await browser.$('[data-testid="update-download"]').click();
  assert.match(await dialogState("failed"), /not signed by Sluice's release key.*nothing was installed/s);
  await shot("tampered");

  // The genuine download verifies and waits for the person's word.
  artifacts.set("/download/Sluice_0.2.0_amd64.AppImage", genuine);
  await browser.$('[data-testid="update-check"]').click();
  await dialogState("available");
  await browser.$('[data-testid="update-download"]').click();
  assert.match(await dialogState("ready"), /downloaded and its signature checked/);
  assert.ok(await browser.$('[data-testid="update-install"]').isDisplayed(), "Install and restart is offered");
  await shot("ready");

  // "Later" closes the dialog; the studio keeps saying that the update is there.
  await browser.$('[data-testid="update-close"]').click();
  await browser.$('[data-testid="update-banner"]').waitForDisplayed({ timeout: 5000 });
  assert.match(await browser.$('[data-testid="update-banner"]').getText(), /Sluice 0\.2\.0 is available/);

  // The tray says so too, and its item opens the dialog where the update waits.
  const [studio] = execFileSync("pgrep", ["-f", "-x", app], { encoding: "utf8" }).split("\n").filter(Boolean);
  assert.ok(trayMenu(studio).some((item) => item.label === "Install Sluice 0.2.0…"), "the tray offers the downloaded update");
  clickTrayItem(studio, /^Install Sluice 0\.2\.0/);
  assert.match(await dialogState("ready"), /Sluice 0\.2\.0 is downloaded/);

  const binaryAfter = crypto.createHash("sha256").update(fs.readFileSync(app)).digest("hex");
  assert.equal(binaryAfter, binaryBefore, "nothing was installed without the person's word");
});
