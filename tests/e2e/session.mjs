// One WebDriver session with the studio (tauri-driver on port 4444, started by run.sh): it
// launches the debug app given by SLUICE_E2E_APP.
import { remote } from "webdriverio";

export function studioSession(logLevel = "warn") {
  return remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel,
    capabilities: { "tauri:options": { application: process.env.SLUICE_E2E_APP } },
  });
}
