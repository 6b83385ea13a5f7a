// The schedule presets people pick from, and the cron (with seconds) each one writes. A cron
// written by hand that matches a preset opens as that preset.

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
