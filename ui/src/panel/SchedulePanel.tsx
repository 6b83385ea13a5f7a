// The schedule pane: presets (every N minutes, hourly, daily, weekdays, weekly, monthly) or raw
// cron, a timezone (this computer's by default), what to do about missed runs, the schedule in
// words and its next five fires, computed by the engine. The chosen mode is the pane's own state
// (see schedulePresets), so raw cron stays chosen; the Editor remounts the pane per flow.
import { useEffect, useMemo, useState } from "react";
import { api } from "../api";
import type { MissedRunPolicy } from "../bindings/MissedRunPolicy";
import type { Schedule } from "../bindings/Schedule";
import type { ScheduleInfo } from "../bindings/ScheduleInfo";
import { useEditor } from "../store/flowStore";
import {
  WEEKDAYS,
  chooseScheduleMode,
  initialScheduleMode,
  localTimezone,
  presetInMode,
  presetToCron,
  timezones,
  type Preset,
  type ScheduleMode,
} from "./schedulePresets";

const MODES: { mode: ScheduleMode; label: string }[] = [
  { mode: "minutes", label: "Every N minutes" },
  { mode: "hourly", label: "Hourly" },
  { mode: "daily", label: "Daily" },
  { mode: "weekdays", label: "Weekdays" },
  { mode: "weekly", label: "Weekly" },
  { mode: "monthly", label: "Monthly" },
  { mode: "cron", label: "Cron (with seconds)" },
];

/** A fire time in the schedule's timezone (or this computer's, while the zone is being typed). */
function inZone(fire: string, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: "full", timeStyle: "short" };
  try {
    return `${new Date(fire).toLocaleString(undefined, { ...options, timeZone })} (${timeZone})`;
  } catch {
    return new Date(fire).toLocaleString(undefined, options);
  }
}

export function SchedulePanel() {
  const flow = useEditor((state) => state.flow)!;
  const schedule: Schedule = flow.schedule ?? { cron: "0 0 7 * * Mon-Fri", timezone: localTimezone(), enabled: false };
  const [mode, setMode] = useState<ScheduleMode>(() => initialScheduleMode(schedule.cron));
  const preset = useMemo(() => presetInMode(mode, schedule.cron), [mode, schedule.cron]);
  const zones = useMemo(timezones, []);
  const [info, setInfo] = useState<ScheduleInfo | null>(null);

  useEffect(() => {
    let current = true;
    api.describeSchedule(schedule).then((answer) => current && setInfo(answer), () => undefined);
    return () => {
      current = false;
    };
  }, [schedule.cron, schedule.timezone]); // eslint-disable-line react-hooks/exhaustive-deps

  const change = (patch: Partial<Schedule>) =>
    useEditor.getState().edit((current) => ({ ...current, schedule: { ...schedule, ...patch } }));
  const setPreset = (next: Preset) => change({ cron: presetToCron(next) });
  const chooseMode = (chosen: ScheduleMode) => {
    const next = chooseScheduleMode(chosen, schedule.cron);
    setMode(next.mode);
    if (next.cron !== schedule.cron) change({ cron: next.cron });
  };
  const time = "hour" in preset ? `${String(preset.hour).padStart(2, "0")}:${String(preset.minute).padStart(2, "0")}` : "";
  const setTime = (value: string) => {
    const [hour, minute] = value.split(":").map(Number);
    if ("hour" in preset && Number.isFinite(hour) && Number.isFinite(minute)) setPreset({ ...preset, hour, minute });
  };

  return (
    <div className="schedule" data-testid="schedule-panel">
      <label className="field inline">
        <input type="checkbox" data-testid="schedule-enabled" checked={schedule.enabled} onChange={(event) => change({ enabled: event.target.checked })} />
        <span>Run this flow on a schedule</span>
      </label>
      <div className="schedule-row">
        <label className="field">
          <span>Repeat</span>
          <select data-testid="schedule-kind" value={preset.kind} onChange={(event) => chooseMode(event.target.value as ScheduleMode)}>
            {MODES.map((option) => <option key={option.mode} value={option.mode}>{option.label}</option>)}
          </select>
        </label>
        {preset.kind === "minutes" && (
          <label className="field"><span>Every (minutes)</span>
            <input type="number" min={1} max={59} value={preset.every} onChange={(event) => {
              const every = Number(event.target.value);
              if (Number.isInteger(every) && every >= 1) setPreset({ ...preset, every });
            }} />
          </label>
        )}
        {preset.kind === "hourly" && (
          <label className="field"><span>At minute</span>
            <input type="number" min={0} max={59} value={preset.minute} onChange={(event) => setPreset({ ...preset, minute: Number(event.target.value) })} />
          </label>
        )}
        {preset.kind === "weekly" && (
          <label className="field"><span>On</span>
            <select value={preset.day} onChange={(event) => setPreset({ ...preset, day: event.target.value })}>
              {WEEKDAYS.map((day) => <option key={day}>{day}</option>)}
            </select>
          </label>
        )}
        {preset.kind === "monthly" && (
          <label className="field"><span>On day</span>
            <input type="number" min={1} max={31} value={preset.day} onChange={(event) => setPreset({ ...preset, day: Number(event.target.value) })} />
          </label>
        )}
        {"hour" in preset && (
          <label className="field"><span>At</span>
            <input type="time" data-testid="schedule-time" value={time} onChange={(event) => setTime(event.target.value)} />
          </label>
        )}
        {preset.kind === "cron" && (
          <label className="field"><span>Cron: second minute hour day month weekday</span>
            <input className="expression" data-testid="schedule-cron" value={preset.cron} onChange={(event) => change({ cron: event.target.value })} />
          </label>
        )}
        <label className="field">
          <span>Timezone</span>
          <input list="timezones" data-testid="schedule-timezone" value={schedule.timezone} onChange={(event) => change({ timezone: event.target.value })} />
          <datalist id="timezones">{zones.map((zone) => <option key={zone} value={zone} />)}</datalist>
        </label>
        <label className="field">
          <span>Missed while closed</span>
          <select value={schedule.missed ?? "run_once"} onChange={(event) => change({ missed: event.target.value as MissedRunPolicy })}>
            <option value="run_once">Run once when back</option>
            <option value="skip">Skip</option>
          </select>
        </label>
      </div>
      {info && (
        <div data-testid="schedule-info">
          <p><strong data-testid="schedule-description">{info.description}</strong>{schedule.enabled ? "" : " (off)"}</p>
          {info.problems.map((problem, index) => <p key={index} className="field-problem">{problem.message}</p>)}
          {info.next_fires.length > 0 && (
            <ol className="next-fires" data-testid="schedule-next">
              {info.next_fires.map((fire) => <li key={fire}>{inZone(fire, schedule.timezone)}</li>)}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
