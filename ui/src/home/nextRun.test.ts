import { describe, expect, it } from "vitest";
import { nextRun } from "./nextRun";

const scheduled = { schedule: "Weekdays at 07:00, Europe/Berlin", next_fire_at: "2030-01-07T06:00:00Z" };

describe("next run in the flows list", () => {
  it("shows the next fire while schedules run", () => {
    expect(nextRun(scheduled, false)).toEqual({ state: "scheduled", schedule: scheduled.schedule, at: scheduled.next_fire_at });
  });

  it("says paused instead of a time while schedules are paused", () => {
    expect(nextRun(scheduled, true)).toEqual({ state: "paused", schedule: scheduled.schedule });
  });

  it("a flow without an enabled schedule is not scheduled, paused or not", () => {
    expect(nextRun({ schedule: null, next_fire_at: null }, false)).toEqual({ state: "not-scheduled" });
    expect(nextRun({ schedule: null, next_fire_at: "2030-01-07T06:00:00Z" }, true)).toEqual({ state: "not-scheduled" });
  });
});
