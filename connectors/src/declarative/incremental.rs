//! `DatetimeBasedCursor`: the time windows (slices) a read asks for, from the start date or the
//! committed state (less the lookback) to now, in `step`s; the records each window keeps; and
//! the state — the latest cursor value delivered, with fingerprints of the records delivered at
//! exactly that value, so the next run (which asks again from that value) skips them and every
//! record is delivered once.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value, json};

use super::datetime::{self, IsoDuration};
use super::interpolate::{Context, Interpolator};
use super::model::{DatetimeBound, DatetimeCursor};
use super::request::Injected;

/// The most windows one read may ask for (a tiny step over years is a mistake, not a plan).
const MAX_WINDOWS: usize = 200_000;
/// The records at the last cursor value the state remembers.
const MAX_TIES: usize = 10_000;

/// One time window of a read.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

/// The cursor of one read: its windows, what it delivered, and the state to commit.
#[derive(Debug)]
pub struct Cursor<'a> {
    model: &'a DatetimeCursor,
    formats: Vec<String>,
    /// Records before this moment were delivered by an earlier run (the committed state less
    /// the lookback window: records updated late within it are read again).
    since: Option<DateTime<FixedOffset>>,
    /// The committed state's value and the records delivered at it.
    committed: Option<(String, HashSet<u64>)>,
    /// The latest cursor value delivered in this run, as written in records, with its time.
    latest: Option<(DateTime<FixedOffset>, String)>,
    ties: Vec<u64>,
    pub windows: Vec<Window>,
    /// The window being read: a record past its end is delivered but moves the state no
    /// further than the window (windows after it are still to read).
    current: Option<Window>,
}

impl<'a> Cursor<'a> {
    pub fn new(
        model: &'a DatetimeCursor,
        interpolator: &Interpolator,
        context: &Context,
        state: Option<&Value>,
        now: DateTime<Utc>,
    ) -> Result<Cursor<'a>, String> {
        let now = now.fixed_offset();
        let mut formats = model.cursor_datetime_formats.clone();
        formats.push(model.datetime_format.clone());
        let start = bound(
            &model.start_datetime,
            &model.datetime_format,
            interpolator,
            context,
        )?;
        let end = match &model.end_datetime {
            Some(end) => bound(end, &model.datetime_format, interpolator, context)?.min(now),
            None => now,
        };
        let committed_value = state
            .and_then(|state| state.get(&model.cursor_field))
            .and_then(|value| match value {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            });
        let since = committed_value
            .as_deref()
            .map(|text| datetime::parse_any(text, &formats))
            .transpose()
            .map_err(|problem| format!("the saved position of the stream cannot be read ({problem}); reset the node's sync state"))?;
        let lookback = model
            .lookback_window
            .as_deref()
            .map(|text| interpolator.text(text, context))
            .transpose()?;
        let lookback = lookback
            .filter(|text| !text.is_empty())
            .map(|text| IsoDuration::parse(&text))
            .transpose()?;
        let since = since.map(|since| lookback.map_or(since, |lookback| lookback.before(since)));
        let mut from = start.min(end);
        if let Some(since) = since {
            from = from.max(since);
        }
        // A format chrono cannot write is refused now, not when the state is written.
        datetime::format(&now, &model.datetime_format)?;
        let step = model
            .step
            .as_deref()
            .map(|text| interpolator.text(text, context))
            .transpose()?;
        let step = step
            .filter(|text| !text.is_empty())
            .map(|text| IsoDuration::parse(&text))
            .transpose()?;
        let granularity = model
            .cursor_granularity
            .as_deref()
            .map(IsoDuration::parse)
            .transpose()?;
        let windows = windows(from, end, step, granularity)?;
        let ties = state
            .and_then(|state| state.get("sluice_ties"))
            .and_then(Value::as_array)
            .map(|ties| ties.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        Ok(Cursor {
            model,
            formats,
            since,
            committed: committed_value.map(|value| (value, ties)),
            latest: None,
            ties: Vec::new(),
            windows,
            current: None,
        })
    }

    /// Starts reading `window`.
    pub fn enter(&mut self, window: &Window) {
        self.current = Some(window.clone());
    }

    /// A moment as the state and requests write it: in UTC, in the cursor's format.
    fn written(&self, at: &DateTime<FixedOffset>) -> String {
        datetime::format(
            &at.with_timezone(&Utc).fixed_offset(),
            &self.model.datetime_format,
        )
        .expect("the format was checked when the cursor was made")
    }

    /// The window's bounds as templates see them (`stream_interval.start_time`, …).
    pub fn fields(&self, window: &Window) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert(
            self.start_field(),
            Value::String(self.written(&window.start)),
        );
        fields.insert(self.end_field(), Value::String(self.written(&window.end)));
        fields
    }

    fn start_field(&self) -> String {
        self.model
            .partition_field_start
            .clone()
            .unwrap_or_else(|| "start_time".into())
    }

    fn end_field(&self) -> String {
        self.model
            .partition_field_end
            .clone()
            .unwrap_or_else(|| "end_time".into())
    }

    /// The window's start and end as request options.
    pub fn injected(
        &self,
        window: &Window,
        interpolator: &Interpolator,
        context: &Context,
    ) -> Result<Injected, String> {
        let mut injected = Injected::default();
        let fields = self.fields(window);
        if let Some(option) = &self.model.start_time_option {
            injected.add(option, &fields[&self.start_field()], interpolator, context)?;
        }
        if let Some(option) = &self.model.end_time_option {
            injected.add(option, &fields[&self.end_field()], interpolator, context)?;
        }
        Ok(injected)
    }

    /// Whether to deliver `record`: not before what an earlier run delivered, and not one of the
    /// records it delivered at its last value. Notes what the state should say.
    pub fn admit(&mut self, record: &Map<String, Value>) -> Result<bool, String> {
        let Some(raw) = record
            .get(&self.model.cursor_field)
            .filter(|value| !value.is_null())
        else {
            return Ok(true);
        };
        let text = super::request::text_of(raw);
        let at = datetime::parse_any(&text, &self.formats).map_err(|problem| {
            format!(
                "the record's cursor field {}: {problem}",
                self.model.cursor_field
            )
        })?;
        if self.since.is_some_and(|since| at < since) {
            return Ok(false);
        }
        let fingerprint = fingerprint(record);
        if let Some((value, delivered)) = &self.committed
            && datetime::parse_any(value, &self.formats).is_ok_and(|committed| committed == at)
            && delivered.contains(&fingerprint)
        {
            return Ok(false);
        }
        if self.current.as_ref().is_some_and(|window| at > window.end) {
            return Ok(true);
        }
        match &self.latest {
            Some((latest, _)) if *latest > at => {}
            Some((latest, _)) if *latest == at => {
                if self.ties.len() < MAX_TIES {
                    self.ties.push(fingerprint);
                }
            }
            _ => {
                self.latest = Some((at, text));
                self.ties = vec![fingerprint];
            }
        }
        Ok(true)
    }

    /// The state to commit once the records delivered so far are written; `None` when nothing
    /// newer than the committed state was delivered.
    pub fn state(&self) -> Option<Value> {
        let (at, text) = self.latest.as_ref()?;
        let mut ties = self.ties.clone();
        // Records delivered earlier at this same value are skipped again next time too.
        if let Some((value, delivered)) = &self.committed
            && datetime::parse_any(value, &self.formats).is_ok_and(|committed| committed == *at)
        {
            ties.extend(
                delivered
                    .iter()
                    .copied()
                    .take(MAX_TIES.saturating_sub(ties.len())),
            );
        }
        let _ = text;
        let mut state = Map::new();
        state.insert(
            self.model.cursor_field.clone(),
            Value::String(self.written(at)),
        );
        state.insert("sluice_ties".into(), json!(ties));
        Some(Value::Object(state))
    }
}

/// A `start_datetime` / `end_datetime`: rendered, read in its format, kept within its bounds.
fn bound(
    bound: &DatetimeBound,
    cursor_format: &str,
    interpolator: &Interpolator,
    context: &Context,
) -> Result<DateTime<FixedOffset>, String> {
    let read = |text: &str, format: &str| -> Result<DateTime<FixedOffset>, String> {
        let rendered = interpolator.text(text, context)?;
        datetime::parse(&rendered, format).or_else(|_| datetime::parse_any(&rendered, &[]))
    };
    match bound {
        DatetimeBound::Text(text) => read(text, cursor_format),
        DatetimeBound::MinMax(minmax) => {
            let format = minmax.datetime_format.as_deref().unwrap_or(cursor_format);
            let mut at = read(&minmax.datetime, format)?;
            if let Some(least) = minmax
                .min_datetime
                .as_deref()
                .filter(|text| !text.is_empty())
            {
                at = at.max(read(least, format)?);
            }
            if let Some(most) = minmax
                .max_datetime
                .as_deref()
                .filter(|text| !text.is_empty())
            {
                at = at.min(read(most, format)?);
            }
            Ok(at)
        }
    }
}

/// The windows from `from` to `end`: one, or one per `step` (each ending a granularity before
/// the next starts, the last at `end`).
fn windows(
    from: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    step: Option<IsoDuration>,
    granularity: Option<IsoDuration>,
) -> Result<Vec<Window>, String> {
    let Some(step) = step.filter(|step| !step.is_zero()) else {
        return Ok(if from <= end {
            vec![Window { start: from, end }]
        } else {
            Vec::new()
        });
    };
    let mut windows = Vec::new();
    let mut start = from;
    while start <= end {
        let next = step.after(start);
        if next <= start {
            break;
        }
        let close = granularity
            .map_or(next, |granularity| granularity.before(next))
            .min(end);
        windows.push(Window {
            start,
            end: close.max(start),
        });
        if windows.len() > MAX_WINDOWS {
            return Err(format!(
                "the incremental read would ask for more than {MAX_WINDOWS} time windows; use a later start date or a longer step"
            ));
        }
        start = next;
    }
    Ok(windows)
}

/// A record's fingerprint, the same in every run (FNV-1a over its JSON).
pub fn fingerprint(record: &Map<String, Value>) -> u64 {
    let text = serde_json::to_string(record).unwrap_or_default();
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    }) & ((1 << 53) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn record(at: &str) -> Map<String, Value> {
        json!({ "id": at, "updated_at": at })
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn the_lookback_reads_late_records_again_and_a_record_past_its_window_moves_no_state() {
        let model: DatetimeCursor = serde_json::from_value(json!({
            "cursor_field": "updated_at", "datetime_format": "%Y-%m-%dT%H:%M:%SZ",
            "start_datetime": "2024-01-01T00:00:00Z", "step": "P1D", "lookback_window": "PT1H"
        }))
        .unwrap();
        let interpolator = Interpolator::new("2024-01-03T00:00:00Z".parse().unwrap());
        let state = json!({ "updated_at": "2024-01-02T11:00:00+02:00" });
        let mut cursor = Cursor::new(
            &model,
            &interpolator,
            &Context::new(),
            Some(&state),
            "2024-01-03T00:00:00Z".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(
            cursor.windows[0].start,
            at("2024-01-02T08:00:00Z"),
            "the state less the lookback, in UTC"
        );
        assert!(
            cursor.admit(&record("2024-01-02T08:30:00Z")).unwrap(),
            "updated late, within the lookback"
        );
        assert!(!cursor.admit(&record("2024-01-02T07:30:00Z")).unwrap());
        let first = cursor.windows[0].clone();
        cursor.enter(&first);
        assert!(
            cursor.admit(&record("2024-01-05T00:00:00Z")).unwrap(),
            "delivered all the same"
        );
        assert_eq!(
            cursor.state().unwrap()["updated_at"],
            "2024-01-02T08:30:00Z",
            "not moved past the window"
        );
    }

    #[test]
    fn windows_step_with_granularity_and_end_exactly_at_the_end() {
        let day = IsoDuration::parse("P1D").ok();
        let second = IsoDuration::parse("PT1S").ok();
        let windows = windows(
            at("2024-01-01T00:00:00Z"),
            at("2024-01-03T12:00:00Z"),
            day,
            second,
        )
        .unwrap();
        assert_eq!(
            windows,
            vec![
                Window {
                    start: at("2024-01-01T00:00:00Z"),
                    end: at("2024-01-01T23:59:59Z")
                },
                Window {
                    start: at("2024-01-02T00:00:00Z"),
                    end: at("2024-01-02T23:59:59Z")
                },
                Window {
                    start: at("2024-01-03T00:00:00Z"),
                    end: at("2024-01-03T12:00:00Z")
                },
            ]
        );
        assert_eq!(
            super::windows(
                at("2024-01-02T00:00:00Z"),
                at("2024-01-01T00:00:00Z"),
                None,
                None
            )
            .unwrap(),
            vec![]
        );
        let tiny = IsoDuration::parse("PT1S").ok();
        assert!(
            super::windows(
                at("2000-01-01T00:00:00Z"),
                at("2024-01-01T00:00:00Z"),
                tiny,
                None
            )
            .unwrap_err()
            .contains("time windows")
        );
    }
}
