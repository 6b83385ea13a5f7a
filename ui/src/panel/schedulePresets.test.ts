import { describe, expect, it } from "vitest";
import { cronToPreset, presetToCron, type Preset } from "./schedulePresets";

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
