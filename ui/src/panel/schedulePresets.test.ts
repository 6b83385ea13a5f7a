import { describe, expect, it } from "vitest";
import { chooseScheduleMode, cronToPreset, initialScheduleMode, presetInMode, presetToCron, type Preset } from "./schedulePresets";

describe("schedule presets", () => {
  it("write cron with seconds and read back as the same preset", () => {
    const presets: Preset[] = [
      { kind: "minutes", every: 15 },
      { kind: "hourly", minute: 5 },
      { kind: "daily", hour: 18, minute: 30 },
      { kind: "weekdays", hour: 7, minute: 0 },
      { kind: "weekly", day: "Mon", hour: 9, minute: 0 },
      { kind: "monthly", day: 1, hour: 6, minute: 0 },
    ];
    for (const preset of presets) expect(cronToPreset(presetToCron(preset))).toEqual(preset);
    expect(presetToCron({ kind: "weekdays", hour: 7, minute: 0 })).toBe("0 0 7 * * Mon-Fri");
  });

  it("keeps any other expression as raw cron", () => {
    expect(cronToPreset("*/5 * * * * *")).toEqual({ kind: "cron", cron: "*/5 * * * * *" });
    expect(cronToPreset("0 7 * * *")).toEqual({ kind: "cron", cron: "0 7 * * *" });
  });
});

describe("schedule pane mode", () => {
  it("opens as the preset the cron matches, raw cron otherwise", () => {
    expect(initialScheduleMode("0 0 7 * * Mon-Fri")).toBe("weekdays");
    expect(initialScheduleMode("*/5 * * * * *")).toBe("cron");
  });

  it("keeps raw cron chosen and editable when its text matches a preset", () => {
    const chosen = chooseScheduleMode("cron", "0 0 7 * * Mon-Fri");
    expect(chosen).toEqual({ mode: "cron", cron: "0 0 7 * * Mon-Fri" });
    expect(presetInMode(chosen.mode, chosen.cron)).toEqual({ kind: "cron", cron: "0 0 7 * * Mon-Fri" });
    // Typing a cron that a preset would write does not switch the pane back to that preset.
    expect(presetInMode("cron", "0 30 9 * * *")).toEqual({ kind: "cron", cron: "0 30 9 * * *" });
  });

  it("switching to a preset writes its cron and keeps the time of day", () => {
    expect(chooseScheduleMode("daily", "0 0 7 * * Mon-Fri")).toEqual({ mode: "daily", cron: "0 0 7 * * *" });
    expect(chooseScheduleMode("weekly", "0 30 9 * * *")).toEqual({ mode: "weekly", cron: "0 30 9 * * Mon" });
    expect(chooseScheduleMode("weekly", "0 30 9 * * Fri")).toEqual({ mode: "weekly", cron: "0 30 9 * * Fri" });
    expect(chooseScheduleMode("minutes", "*/5 * * * * *")).toEqual({ mode: "minutes", cron: "0 */15 * * * *" });
    expect(chooseScheduleMode("daily", "*/5 * * * * *")).toEqual({ mode: "daily", cron: "0 0 7 * * *" });
  });

  it("a preset mode shows raw cron when the cron became one no preset writes", () => {
    expect(presetInMode("daily", "0 15 8 * * *")).toEqual({ kind: "daily", hour: 8, minute: 15 });
    expect(presetInMode("daily", "*/5 * * * * *")).toEqual({ kind: "cron", cron: "*/5 * * * * *" });
  });
});
