//! The scheduler: fires stored flows by their schedules, in the desktop app and in `sluice
//! daemon` alike. It never overlaps a flow with itself, makes up for missed fires by the flow's
//! policy, records the last and next fire of each flow, and can be paused as a whole.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sluice_core::schedule::{Decision, FlowSchedule, decide};
use tokio::sync::{Notify, watch};

use crate::{Result, RunNotice, RunTarget, Sluice, Trigger};

/// Wake at least this often, to pick up schedules changed by another process (the CLI).
const LONGEST_SLEEP: Duration = Duration::from_secs(30);
const PAUSED: &str = "schedules.paused";

/// A schedule as the studio shows it while it is edited.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ScheduleInfo {
    /// In words, e.g. "Weekdays at 07:00, Europe/Berlin".
    pub description: String,
    /// The next five fires (RFC 3339, UTC).
    pub next_fires: Vec<String>,
    /// What keeps it from firing.
    pub problems: Vec<sluice_core::validate::Problem>,
}

/// Receives the notices of runs the scheduler starts.
pub type RunObserver = Arc<dyn Fn(RunNotice) + Send + Sync>;

/// The running scheduler. Dropping it does not stop it; call [`SchedulerHandle::stop`].
pub struct SchedulerHandle {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for SchedulerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchedulerHandle")
    }
}

impl SchedulerHandle {
    /// Makes the scheduler look at the schedules again now (after an edit, pause or resume).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops firing new runs (runs in progress go on) and waits for the loop to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// How long the scheduler sleeps before its next look: until the next fire, at most
/// [`LONGEST_SLEEP`]; the whole of it when nothing is scheduled.
fn time_to_sleep(next: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    match next {
        Some(next) => (next - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(LONGEST_SLEEP),
        None => LONGEST_SLEEP,
    }
}

impl Sluice {
    /// Starts the scheduler on the current tokio runtime.
    pub fn start_scheduler(&self, observer: Option<RunObserver>) -> SchedulerHandle {
        let wake = Arc::new(Notify::new());
        let (stop, mut stopped) = watch::channel(false);
        let sluice = self.clone();
        let woken = wake.clone();
        let changes = self.schedule_changes.clone();
        let task = tokio::spawn(async move {
            loop {
                let sleep = match sluice.scheduler_pass(Utc::now(), observer.as_ref()) {
                    Ok(next) => time_to_sleep(next, Utc::now()),
                    Err(error) => {
                        tracing::error!(%error, "the scheduler could not read the schedules; trying again");
                        LONGEST_SLEEP
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(sleep.max(Duration::from_millis(5))) => {}
                    _ = woken.notified() => {}
                    _ = changes.notified() => {}
                    _ = stopped.changed() => break,
                }
                if *stopped.borrow() {
                    break;
                }
            }
        });
        SchedulerHandle { wake, stop, task }
    }

    /// One look at every schedule at `now`: starts what is due, records what was skipped, and
    /// returns when the next fire is.
    pub fn scheduler_pass(
        &self,
        now: DateTime<Utc>,
        observer: Option<&RunObserver>,
    ) -> Result<Option<DateTime<Utc>>> {
        if self.schedules_paused()? {
            return Ok(None);
        }
        let mut earliest: Option<DateTime<Utc>> = None;
        for listing in self.store().list_flows()? {
            let loaded = match self.find_flow(&listing.id) {
                Ok(loaded) => loaded,
                Err(error) => {
                    tracing::warn!(flow = %listing.id, %error, "cannot read a stored flow's schedule");
                    continue;
                }
            };
            let Some(schedule) = loaded
                .flow
                .schedule
                .as_ref()
                .filter(|schedule| schedule.enabled)
            else {
                continue;
            };
            let Ok(parsed) = FlowSchedule::parse(schedule) else {
                tracing::warn!(flow = %listing.id, "the flow's schedule is not valid; it does not fire");
                continue;
            };
            let flow_id = loaded.flow.id.clone();
            let state = self.store().schedule_state(&flow_id)?;
            let last_fire = match &state {
                Some(state) => state.last_fire()?,
                None => None,
            };
            if last_fire.is_none() {
                // Newly scheduled: nothing before now is owed.
                self.store().update_schedule_state(
                    &flow_id,
                    Some(now),
                    parsed.next_after(now),
                    None,
                )?;
            }
            let decision = decide(
                &parsed,
                last_fire.or(Some(now)),
                now,
                self.is_running(&flow_id),
            );
            let next = match decision {
                Decision::Never => None,
                Decision::Wait { next } => {
                    self.store()
                        .update_schedule_state(&flow_id, None, Some(next), None)?;
                    Some(next)
                }
                Decision::Run { fire, catch_up } => {
                    let trigger = if catch_up {
                        Trigger::CatchUp
                    } else {
                        Trigger::Schedule
                    };
                    let next = parsed.next_after(now.max(fire));
                    let started = match observer {
                        Some(observer) => {
                            let observer = observer.clone();
                            self.start_run_observed(
                                RunTarget::Stored(flow_id.clone()),
                                trigger,
                                move |notice| observer(notice),
                            )
                        }
                        None => self.start_run_observed(
                            RunTarget::Stored(flow_id.clone()),
                            trigger,
                            |_| {},
                        ),
                    };
                    match started {
                        Ok(run_id) => {
                            tracing::info!(flow = %flow_id, run = %run_id, trigger = trigger.as_str(), %fire, "scheduled run started");
                            self.store().update_schedule_state(
                                &flow_id,
                                Some(fire),
                                next,
                                Some(&run_id),
                            )?;
                        }
                        Err(crate::Error::Busy(reason)) => {
                            // A run of the flow goes on in another process: the fire is skipped,
                            // as when it goes on here.
                            tracing::warn!(flow = %flow_id, %fire, %reason, "scheduled fire skipped");
                            self.store()
                                .update_schedule_state(&flow_id, Some(fire), next, None)?;
                        }
                        Err(error) => {
                            tracing::warn!(flow = %flow_id, %error, "a scheduled run could not start");
                            self.store()
                                .update_schedule_state(&flow_id, Some(fire), next, None)?;
                        }
                    }
                    next
                }
                Decision::Skip { fire, reason } => {
                    tracing::warn!(flow = %flow_id, %fire, reason = %reason, "scheduled fire skipped");
                    let next = parsed.next_after(now.max(fire));
                    self.store()
                        .update_schedule_state(&flow_id, Some(fire), next, None)?;
                    next
                }
            };
            if let Some(next) = next {
                earliest = Some(earliest.map_or(next, |current| current.min(next)));
            }
        }
        Ok(earliest)
    }

    /// Whether all schedules are paused.
    pub fn schedules_paused(&self) -> Result<bool> {
        Ok(self.store().setting(PAUSED)?.as_deref() == Some("1"))
    }

    /// Pauses or resumes all schedules. Fires that pass while paused are skipped, not made up.
    pub fn set_schedules_paused(&self, paused: bool) -> Result<()> {
        if !paused {
            // Resume from now on: forget what would be owed from the pause.
            for listing in self.store().list_flows()? {
                self.store().clear_schedule_state(&listing.id)?;
            }
        }
        self.store()
            .set_setting(PAUSED, if paused { "1" } else { "0" })?;
        self.schedule_changes.notify_one();
        Ok(())
    }

    /// A schedule in words with its next five fires, or the problems that keep it from firing.
    pub fn describe_schedule(&self, schedule: &sluice_core::flow::Schedule) -> ScheduleInfo {
        let description = sluice_core::schedule::describe(schedule);
        match FlowSchedule::parse(schedule) {
            Ok(parsed) => ScheduleInfo {
                description,
                next_fires: parsed
                    .upcoming(Utc::now(), 5)
                    .iter()
                    .map(|fire| fire.to_rfc3339())
                    .collect(),
                problems: Vec::new(),
            },
            Err(errors) => ScheduleInfo {
                description,
                next_fires: Vec::new(),
                problems: errors.into_iter().map(Into::into).collect(),
            },
        }
    }

    /// Sets or removes a stored flow's schedule (a new version of the flow). Returns the next
    /// five fire times.
    pub fn set_flow_schedule(
        &self,
        reference: &str,
        schedule: Option<sluice_core::flow::Schedule>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let mut loaded = self.find_flow(reference)?;
        let upcoming = match &schedule {
            Some(schedule) => FlowSchedule::parse(schedule)
                .map_err(|errors| crate::Error::Invalid {
                    file: format!("flow '{}'", loaded.flow.name),
                    report: sluice_core::validate::ValidationReport {
                        problems: errors.into_iter().map(Into::into).collect(),
                    },
                })?
                .upcoming(Utc::now(), 5),
            None => Vec::new(),
        };
        loaded.flow.schedule = schedule;
        self.save_flow(&loaded.flow, None)?;
        self.store().clear_schedule_state(&loaded.flow.id)?;
        Ok(upcoming)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduler_sleeps_until_the_next_fire_and_long_when_nothing_is_scheduled() {
        let now: DateTime<Utc> = "2026-11-26T10:00:00Z".parse().unwrap();
        let soon = now + chrono::Duration::seconds(3);
        let later = now + chrono::Duration::hours(2);
        let past = now - chrono::Duration::seconds(1);
        assert_eq!(time_to_sleep(Some(soon), now), Duration::from_secs(3));
        assert_eq!(time_to_sleep(Some(later), now), LONGEST_SLEEP);
        assert_eq!(time_to_sleep(Some(past), now), Duration::ZERO);
        // Nothing scheduled (or paused): no busy loop.
        assert_eq!(time_to_sleep(None, now), LONGEST_SLEEP);
    }
}
