// What the flows list says in its "Next run" column: a time, "paused" while every schedule is
// paused, or that the flow is not scheduled. Pure, tested beside.
import type { FlowListing } from "../bindings/FlowListing";

export type NextRun =
  | { state: "not-scheduled" }
  | { state: "paused"; schedule: string }
  | { state: "scheduled"; schedule: string; at: string | null };

/** A flow's next run as the list shows it; `schedulesPaused` is the home's pause setting. */
export function nextRun(flow: Pick<FlowListing, "schedule" | "next_fire_at">, schedulesPaused: boolean): NextRun {
  if (!flow.schedule) return { state: "not-scheduled" };
  if (schedulesPaused) return { state: "paused", schedule: flow.schedule };
  return { state: "scheduled", schedule: flow.schedule, at: flow.next_fire_at };
}
