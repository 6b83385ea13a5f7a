//! When a scheduled flow fires: cron with seconds read in an IANA timezone (correct across DST),
//! and the decision the scheduler takes at each moment — wait, run, catch up, or skip.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::flow::{MissedRunPolicy, Schedule};

/// A flow's schedule, parsed.
#[derive(Debug, Clone)]
pub struct FlowSchedule {
    cron: cron::Schedule,
    timezone: Tz,
    missed: MissedRunPolicy,
}

/// Which part of a schedule is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// `cron` or `timezone`.
    pub field: &'static str,
    pub message: String,
}

impl From<ScheduleError> for crate::validate::Problem {
    fn from(error: ScheduleError) -> Self {
        crate::validate::Problem {
            node: None,
            field: Some(format!("schedule.{}", error.field)),
            message: error.message,
        }
    }
}

impl FlowSchedule {
    /// Parses a schedule: six or seven cron fields (seconds first) and an IANA timezone.
    pub fn parse(schedule: &Schedule) -> Result<FlowSchedule, Vec<ScheduleError>> {
        let mut errors = Vec::new();
        let fields = schedule.cron.split_whitespace().count();
        let cron = if !(6..=7).contains(&fields) {
            errors.push(ScheduleError {
                field: "cron",
                message: format!(
                    "'{}' has {fields} fields; write 6: second minute hour day-of-month month day-of-week, e.g. '0 0 7 * * Mon-Fri'",
                    schedule.cron
                ),
            });
            None
        } else {
            match cron::Schedule::from_str(&schedule.cron) {
                Ok(cron) => Some(cron),
                Err(error) => {
                    errors.push(ScheduleError {
                        field: "cron",
                        message: format!(
                            "'{}' is not a valid cron expression: {error}",
                            schedule.cron
                        ),
                    });
                    None
                }
            }
        };
        let timezone = match schedule.timezone.parse::<Tz>() {
            Ok(timezone) => Some(timezone),
            Err(_) => {
                errors.push(ScheduleError {
                    field: "timezone",
                    message: format!(
                        "'{}' is not an IANA timezone; use a name such as 'Europe/Berlin' or 'UTC'",
                        schedule.timezone
                    ),
                });
                None
            }
        };
        match (cron, timezone) {
            (Some(cron), Some(timezone)) if errors.is_empty() => Ok(FlowSchedule {
                cron,
                timezone,
                missed: schedule.missed.unwrap_or_default(),
            }),
            _ => Err(errors),
        }
    }

    /// The first fire strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .after(&after.with_timezone(&self.timezone))
            .next()
            .map(|at| at.with_timezone(&Utc))
    }

    /// The next `count` fires after `after`, for showing people what a schedule means.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        self.cron
            .after(&after.with_timezone(&self.timezone))
            .take(count)
            .map(|at| at.with_timezone(&Utc))
            .collect()
    }

    /// The latest fire in `(after, until]`, if any.
    pub fn last_fire_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut last = None;
        let mut cursor = after;
        // Bounded: a schedule firing every second, missed for a month, is still 2.6 million steps;
        // jump by skipping whole days when far behind.
        while let Some(next) = self.next_after(cursor) {
            if next > until {
                break;
            }
            last = Some(next);
            cursor = if until - next > chrono::Duration::days(1) {
                // Far behind: look for the last fire of the final day only.
                (until - chrono::Duration::days(1)).max(next)
            } else {
                next
            };
        }
        last
    }

    pub fn missed_policy(&self) -> MissedRunPolicy {
        self.missed
    }
}

/// A schedule in words, e.g. "Weekdays at 07:00, Europe/Berlin", for the shapes the studio's
/// presets write; other expressions are shown as they are.
pub fn describe(schedule: &crate::flow::Schedule) -> String {
    let fields: Vec<&str> = schedule.cron.split_whitespace().collect();
    let zone = &schedule.timezone;
    let number = |text: &str| text.parse::<u32>().ok();
    let time = |hour: &str, minute: &str| match (number(hour), number(minute)) {
        (Some(hour), Some(minute)) if hour < 24 && minute < 60 => {
            Some(format!("{hour:02}:{minute:02}"))
        }
        _ => None,
    };
    let words = match fields.as_slice() {
        ["*", "*", "*", "*", "*", "*"] => Some("Every second".to_string()),
        ["0", "*", "*", "*", "*", "*"] => Some("Every minute".to_string()),
        ["0", minutes, "*", "*", "*", "*"] if minutes.starts_with("*/") => {
            number(&minutes[2..]).map(|every| format!("Every {every} minutes"))
        }
        ["0", minute, "*", "*", "*", "*"] => {
            number(minute).map(|minute| format!("Every hour at :{minute:02}"))
        }
        ["0", minute, hour, "*", "*", "*"] => time(hour, minute).map(|at| format!("Daily at {at}")),
        ["0", minute, hour, "*", "*", days] => time(hour, minute).map(|at| match *days {
            "Mon-Fri" | "MON-FRI" | "1-5" => format!("Weekdays at {at}"),
            "Sat,Sun" | "SAT,SUN" => format!("Weekends at {at}"),
            day => format!("Every {day} at {at}"),
        }),
        ["0", minute, hour, day, "*", "*"] => time(hour, minute)
            .and_then(|at| number(day).map(|day| format!("Monthly on day {day} at {at}"))),
        _ => None,
    };
    match words {
        Some(words) => format!("{words}, {zone}"),
        None => format!("Cron '{}', {zone}", schedule.cron),
    }
}

/// What the scheduler does about one flow at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing is due; wake up at `next`.
    Wait { next: DateTime<Utc> },
    /// Start a run for the fire at `fire`. `catch_up` when it makes up for fires that were missed.
    Run { fire: DateTime<Utc>, catch_up: bool },
    /// Do not run for the fire at `fire`, and say why in the log.
    Skip { fire: DateTime<Utc>, reason: String },
    /// The schedule never fires again.
    Never,
}

/// How late a fire may be handled and still count as on time; later fires were missed (the
/// machine slept, or Sluice was not running).
pub const ON_TIME_TOLERANCE: chrono::Duration = chrono::Duration::seconds(60);

/// The scheduler's decision for a flow whose last handled fire was `last_fire` (`None`: the
/// schedule was just enabled, nothing before `now` is owed), at `now`, with a run of the flow
/// still going or not.
pub fn decide(
    schedule: &FlowSchedule,
    last_fire: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    running: bool,
) -> Decision {
    let Some(since) = last_fire else {
        return match schedule.next_after(now) {
            Some(next) => Decision::Wait { next },
            None => Decision::Never,
        };
    };
    let Some(due) = schedule.last_fire_between(since, now) else {
        return match schedule.next_after(now.max(since)) {
            Some(next) => Decision::Wait { next },
            None => Decision::Never,
        };
    };
    // Missed: a fire older than the tolerance, or more than one fire since the last handled one.
    let first_owed = schedule.next_after(since).unwrap_or(due);
    let missed = now - due > ON_TIME_TOLERANCE || first_owed < due;
    if running {
        return Decision::Skip {
            fire: due,
            reason: "the previous run of this flow is still going".into(),
        };
    }
    if missed {
        return match schedule.missed_policy() {
            MissedRunPolicy::RunOnce => Decision::Run {
                fire: due,
                catch_up: true,
            },
            MissedRunPolicy::Skip => Decision::Skip {
                fire: due,
                reason: format!(
                    "missed while Sluice was not running (last due {due}); the flow's policy is to skip"
                ),
            },
        };
    }
    Decision::Run {
        fire: due,
        catch_up: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, timezone: &str, missed: MissedRunPolicy) -> FlowSchedule {
        FlowSchedule::parse(&Schedule {
            cron: cron.into(),
            timezone: timezone.into(),
            enabled: true,
            missed: Some(missed),
        })
        .unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn fires_in_the_flows_timezone() {
        let weekdays = schedule(
            "0 0 7 * * Mon-Fri",
            "Europe/Berlin",
            MissedRunPolicy::RunOnce,
        );
        // Friday 2026-11-27 07:00 in Berlin is 06:00 UTC; the next is Monday.
        assert_eq!(
            weekdays.upcoming(at("2026-11-26T12:00:00Z"), 2),
            [at("2026-11-27T06:00:00Z"), at("2026-11-30T06:00:00Z")]
        );
        let tokyo = schedule("0 30 9 * * *", "Asia/Tokyo", MissedRunPolicy::RunOnce);
        assert_eq!(
            tokyo.next_after(at("2026-11-26T12:00:00Z")),
            Some(at("2026-11-27T00:30:00Z"))
        );
        let new_york = schedule("0 0 0 1 * *", "America/New_York", MissedRunPolicy::RunOnce);
        assert_eq!(
            new_york.next_after(at("2026-11-26T12:00:00Z")),
            Some(at("2026-12-01T05:00:00Z"))
        );
    }

    #[test]
    fn daylight_saving_transitions() {
        let daily = schedule("0 30 7 * * *", "Europe/Berlin", MissedRunPolicy::RunOnce);
        // Spring forward (2026-03-29): 07:30 is UTC+2 after, UTC+1 before.
        assert_eq!(
            daily.upcoming(at("2026-03-27T12:00:00Z"), 3),
            [
                at("2026-03-28T06:30:00Z"),
                at("2026-03-29T05:30:00Z"),
                at("2026-03-30T05:30:00Z")
            ]
        );
        // Fall back (2026-10-25): back to UTC+1.
        assert_eq!(
            daily.upcoming(at("2026-10-23T12:00:00Z"), 3),
            [
                at("2026-10-24T05:30:00Z"),
                at("2026-10-25T06:30:00Z"),
                at("2026-10-26T06:30:00Z")
            ]
        );
        // A time that does not exist on the spring-forward day (02:30) does not fire that day;
        // a time that happens twice on the fall-back day fires once per occurrence the cron
        // library yields — at most once per wall-clock instant it reports.
        let night = schedule("0 30 2 * * *", "Europe/Berlin", MissedRunPolicy::RunOnce);
        let spring: Vec<_> = night.upcoming(at("2026-03-28T00:00:00Z"), 2);
        assert_eq!(spring[0], at("2026-03-28T01:30:00Z"));
        assert!(
            spring[1] >= at("2026-03-30T00:00:00Z"),
            "no fire at the missing 02:30 on 2026-03-29"
        );
        let autumn = night.upcoming(at("2026-10-24T12:00:00Z"), 3);
        assert!(
            autumn.windows(2).all(|pair| pair[0] < pair[1]),
            "fires are strictly increasing"
        );
        assert_eq!(autumn[0].date_naive().to_string(), "2026-10-25");
    }

    #[test]
    fn on_time_fires_run_and_the_next_is_awaited() {
        let every_minute = schedule("0 * * * * *", "UTC", MissedRunPolicy::RunOnce);
        let last = Some(at("2026-11-26T10:00:00Z"));
        assert_eq!(
            decide(&every_minute, last, at("2026-11-26T10:00:30Z"), false),
            Decision::Wait {
                next: at("2026-11-26T10:01:00Z")
            }
        );
        assert_eq!(
            decide(&every_minute, last, at("2026-11-26T10:01:02Z"), false),
            Decision::Run {
                fire: at("2026-11-26T10:01:00Z"),
                catch_up: false
            }
        );
    }

    #[test]
    fn a_running_flow_never_overlaps_itself() {
        let every_minute = schedule("0 * * * * *", "UTC", MissedRunPolicy::RunOnce);
        let decision = decide(
            &every_minute,
            Some(at("2026-11-26T10:00:00Z")),
            at("2026-11-26T10:01:00Z"),
            true,
        );
        assert_eq!(
            decision,
            Decision::Skip {
                fire: at("2026-11-26T10:01:00Z"),
                reason: "the previous run of this flow is still going".into()
            }
        );
    }

    #[test]
    fn missed_fires_follow_the_policy_and_run_only_once() {
        let hourly = schedule("0 0 * * * *", "UTC", MissedRunPolicy::RunOnce);
        // Asleep from 10:00 to 15:20: five fires missed, one catch-up run for the latest.
        let decision = decide(
            &hourly,
            Some(at("2026-11-26T10:00:00Z")),
            at("2026-11-26T15:20:00Z"),
            false,
        );
        assert_eq!(
            decision,
            Decision::Run {
                fire: at("2026-11-26T15:00:00Z"),
                catch_up: true
            }
        );
        // After it, nothing more is owed until 16:00.
        assert_eq!(
            decide(
                &hourly,
                Some(at("2026-11-26T15:00:00Z")),
                at("2026-11-26T15:20:01Z"),
                false
            ),
            Decision::Wait {
                next: at("2026-11-26T16:00:00Z")
            }
        );
        let skipping = schedule("0 0 * * * *", "UTC", MissedRunPolicy::Skip);
        assert!(matches!(
            decide(&skipping, Some(at("2026-11-26T10:00:00Z")), at("2026-11-26T15:20:00Z"), false),
            Decision::Skip { fire, .. } if fire == at("2026-11-26T15:00:00Z")
        ));
    }

    #[test]
    fn a_newly_enabled_schedule_owes_nothing_from_before() {
        let hourly = schedule("0 0 * * * *", "UTC", MissedRunPolicy::RunOnce);
        assert_eq!(
            decide(&hourly, None, at("2026-11-26T10:30:00Z"), false),
            Decision::Wait {
                next: at("2026-11-26T11:00:00Z")
            }
        );
    }

    #[test]
    fn a_month_of_missed_seconds_is_found_quickly() {
        let every_second = schedule("* * * * * *", "UTC", MissedRunPolicy::RunOnce);
        let decision = decide(
            &every_second,
            Some(at("2026-10-26T10:00:00Z")),
            at("2026-11-26T10:00:00.5Z"),
            false,
        );
        assert_eq!(
            decision,
            Decision::Run {
                fire: at("2026-11-26T10:00:00Z"),
                catch_up: true
            }
        );
    }

    #[test]
    fn schedules_read_in_words() {
        let words = |cron: &str| {
            describe(&Schedule {
                cron: cron.into(),
                timezone: "Europe/Berlin".into(),
                enabled: true,
                missed: None,
            })
        };
        assert_eq!(
            words("0 0 7 * * Mon-Fri"),
            "Weekdays at 07:00, Europe/Berlin"
        );
        assert_eq!(words("0 */15 * * * *"), "Every 15 minutes, Europe/Berlin");
        assert_eq!(words("0 5 * * * *"), "Every hour at :05, Europe/Berlin");
        assert_eq!(words("0 30 18 * * *"), "Daily at 18:30, Europe/Berlin");
        assert_eq!(words("0 0 9 * * Mon"), "Every Mon at 09:00, Europe/Berlin");
        assert_eq!(
            words("0 0 6 1 * *"),
            "Monthly on day 1 at 06:00, Europe/Berlin"
        );
        assert_eq!(
            words("*/5 * * * * *"),
            "Cron '*/5 * * * * *', Europe/Berlin"
        );
    }

    #[test]
    fn bad_schedules_are_explained() {
        let bad = Schedule {
            cron: "0 7 * * *".into(),
            timezone: "Mars/Olympus".into(),
            enabled: true,
            missed: None,
        };
        let errors = FlowSchedule::parse(&bad).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].message.contains("has 5 fields; write 6"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[1].field, "timezone");
    }
}
