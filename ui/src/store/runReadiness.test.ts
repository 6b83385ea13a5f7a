import { describe, expect, it } from "vitest";
import type { Problem } from "../bindings/Problem";
import type { Schedule } from "../bindings/Schedule";
import { problemsThatMatter, runReadiness } from "./runReadiness";

const badZone: Problem = { node: null, field: "schedule.timezone", message: "'Europe/Berln' is not an IANA timezone" };
const badNode: Problem = { node: "filter_1", field: "when", message: "does not compile" };
const schedule = (enabled: boolean): Schedule => ({ cron: "0 0 7 * * *", timezone: "Europe/Berln", enabled });

describe("run readiness", () => {
  it("an invalid timezone does not stop Run now while the schedule is off", () => {
    expect(runReadiness([badZone], schedule(false), true)).toEqual({ canRun: true, hint: "Run the flow now" });
    expect(problemsThatMatter([badZone, badNode], schedule(false))).toEqual([badNode]);
  });

  it("an invalid timezone stops it while the schedule is on", () => {
    expect(runReadiness([badZone], schedule(true), true).canRun).toBe(false);
    expect(problemsThatMatter([badZone], schedule(true))).toEqual([badZone]);
  });

  it("the flow's own problems and a missing review always stop it", () => {
    expect(runReadiness([badNode], null, true)).toEqual({ canRun: false, hint: "Fix the problems marked on the canvas first" });
    expect(runReadiness([], null, false).canRun).toBe(false);
    expect(runReadiness([], undefined, true).canRun).toBe(true);
  });
});
