// Whether "Run now" may start the flow, and the hint that says why not. A schedule's problems
// (a cron or timezone being typed) only matter while the schedule is on: a manual run does not
// read the schedule. Pure, tested beside.
import type { Problem } from "../bindings/Problem";
import type { Schedule } from "../bindings/Schedule";

/** The engine's problems that concern the flow as it runs now; a schedule that is off has none. */
export function problemsThatMatter(problems: Problem[], schedule: Schedule | null | undefined): Problem[] {
  if (schedule?.enabled) return problems;
  return problems.filter((problem) => !problem.field?.startsWith("schedule"));
}

export type RunReadiness = { canRun: boolean; hint: string };

export function runReadiness(problems: Problem[], schedule: Schedule | null | undefined, trusted: boolean): RunReadiness {
  if (!trusted) return { canRun: false, hint: "Review and approve this flow first: it came from elsewhere" };
  if (problemsThatMatter(problems, schedule).length > 0) {
    return { canRun: false, hint: "Fix the problems marked on the canvas first" };
  }
  return { canRun: true, hint: "Run the flow now" };
}
