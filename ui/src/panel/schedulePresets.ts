// The schedule presets people pick from, the cron (with seconds) each one writes, and the mode
// the schedule pane shows. A cron written by hand that matches a preset opens as that preset, but
// once someone chooses raw cron it stays raw, even when the text happens to match a preset.

export type Preset =
  | { kind: "minutes"; every: number }
  | { kind: "hourly"; minute: number }
  | { kind: "daily"; hour: number; minute: number }
  | { kind: "weekdays"; hour: number; minute: number }
  | { kind: "weekly"; day: string; hour: number; minute: number }
  | { kind: "monthly"; day: number; hour: number; minute: number }
  | { kind: "cron"; cron: string };

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function presetToCron(preset: Preset): string {
  switch (preset.kind) {
    case "minutes":
      return `0 */${preset.every} * * * *`;
    case "hourly":
      return `0 ${preset.minute} * * * *`;
    case "daily":
      return `0 ${preset.minute} ${preset.hour} * * *`;
    case "weekdays":
      return `0 ${preset.minute} ${preset.hour} * * Mon-Fri`;
    case "weekly":
      return `0 ${preset.minute} ${preset.hour} * * ${preset.day}`;
    case "monthly":
      return `0 ${preset.minute} ${preset.hour} ${preset.day} * *`;
    case "cron":
      return preset.cron;
  }
}

const number = (text: string) => (/^\d+$/.test(text) ? Number(text) : null);

export function cronToPreset(cron: string): Preset {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 6 && fields[0] === "0") {
    const [, minute, hour, day, month, weekday] = fields;
    const m = number(minute);
    const h = number(hour);
    if (minute.startsWith("*/") && hour === "*" && day === "*" && month === "*" && weekday === "*") {
      const every = number(minute.slice(2));
      if (every) return { kind: "minutes", every };
    }
    if (m !== null && hour === "*" && day === "*" && month === "*" && weekday === "*") return { kind: "hourly", minute: m };
    if (m !== null && h !== null && month === "*") {
      if (day === "*" && weekday === "*") return { kind: "daily", hour: h, minute: m };
      if (day === "*" && weekday === "Mon-Fri") return { kind: "weekdays", hour: h, minute: m };
      if (day === "*" && WEEKDAYS.includes(weekday)) return { kind: "weekly", day: weekday, hour: h, minute: m };
      const d = number(day);
      if (d !== null && weekday === "*") return { kind: "monthly", day: d, hour: h, minute: m };
    }
  }
  return { kind: "cron", cron };
}

/** What the schedule pane's "Repeat" picker holds: a preset kind, or raw cron. */
export type ScheduleMode = Preset["kind"];

/** The mode a pane opens in: the preset the cron matches, raw cron otherwise. */
export function initialScheduleMode(cron: string): ScheduleMode {
  return cronToPreset(cron).kind;
}

/** What the pane shows for the chosen mode. Raw cron stays raw; a preset mode shows the preset the
 *  cron matches, or raw cron when the cron was changed to something no preset writes (undo). */
export function presetInMode(mode: ScheduleMode, cron: string): Preset {
  return mode === "cron" ? { kind: "cron", cron } : cronToPreset(cron);
}

/** A preset of `kind` that keeps what it can of `from`: its time of day, or all of it when the
 *  kind is the same. */
export function switchPreset(kind: ScheduleMode, from: Preset): Preset {
  if (from.kind === kind) return from;
  const hour = "hour" in from ? from.hour : 7;
  const minute = "minute" in from ? from.minute : 0;
  switch (kind) {
    case "minutes": return { kind, every: 15 };
    case "hourly": return { kind, minute };
    case "daily": return { kind, hour, minute };
    case "weekdays": return { kind, hour, minute };
    case "weekly": return { kind, day: "Mon", hour, minute };
    case "monthly": return { kind, day: 1, hour, minute };
    case "cron": return { kind, cron: presetToCron(from) };
  }
}

/** Choosing a mode in the picker: the new mode and the cron to store. Raw cron keeps the text as
 *  it was, ready to edit; a preset writes its cron, keeping the time of day when it can. */
export function chooseScheduleMode(mode: ScheduleMode, cron: string): { mode: ScheduleMode; cron: string } {
  if (mode === "cron") return { mode, cron };
  return { mode, cron: presetToCron(switchPreset(mode, cronToPreset(cron))) };
}

/** The timezone of this computer, the default for a new schedule. */
export function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Every IANA timezone the platform knows, for the picker. */
export function timezones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const zones = supported ? supported("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}
