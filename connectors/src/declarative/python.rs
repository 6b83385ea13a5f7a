//! The Python values manifests' templates use, as MiniJinja objects: `datetime` (`now_utc()`,
//! `str_to_datetime()`) with `strftime`, `isoformat`, `timestamp` and duration arithmetic by
//! method, `date` (`today_utc()`), `timedelta` (`duration()`), and text that `| string` keeps as text.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use minijinja::value::{Object, ObjectRepr};
use minijinja::{Error, ErrorKind, State, Value as Jinja};

use super::datetime::{self, IsoDuration};
use super::interpolate::{invalid, text_of};

/// Text that `| string` made: stays text when the template's value is read back.
#[derive(Debug)]
pub struct KeepText(pub String);

impl Object for KeepText {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Python's `datetime` as far as manifests use it.
#[derive(Debug)]
pub struct PyDateTime(pub DateTime<FixedOffset>);

impl Object for PyDateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&datetime::python_text(&self.0))
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Jinja],
    ) -> Result<Jinja, Error> {
        date_method(self.0, method, args, false)
    }
}

/// Python's `date` (`today_utc()`).
#[derive(Debug)]
pub struct PyDate(pub DateTime<FixedOffset>);

impl Object for PyDate {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Jinja],
    ) -> Result<Jinja, Error> {
        date_method(self.0, method, args, true)
    }
}

fn date_method(
    at: DateTime<FixedOffset>,
    method: &str,
    args: &[Jinja],
    date_only: bool,
) -> Result<Jinja, Error> {
    match (method, args) {
        ("strftime", [format]) => Ok(Jinja::from(
            datetime::format(&at, &text_of(format)).map_err(invalid)?,
        )),
        ("isoformat", []) if date_only => Ok(Jinja::from(at.format("%Y-%m-%d").to_string())),
        ("isoformat", []) => Ok(Jinja::from(
            datetime::python_text(&at).replacen(' ', "T", 1),
        )),
        ("timestamp", []) => Ok(Jinja::from(at.timestamp_micros() as f64 / 1e6)),
        ("date", []) => Ok(Jinja::from_object(PyDate(at))),
        ("subtract" | "minus", [duration]) | ("add" | "plus", [duration]) => {
            let duration = duration
                .downcast_object_ref::<PyDuration>()
                .ok_or_else(|| {
                    Error::new(ErrorKind::InvalidOperation, "expects a duration('…')")
                })?;
            let moved = if method == "subtract" || method == "minus" {
                duration.0.before(at)
            } else {
                duration.0.after(at)
            };
            Ok(Jinja::from_object(PyDateTime(moved)))
        }
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

/// Python's `timedelta` from `duration('P1D')`.
#[derive(Debug)]
pub struct PyDuration(pub IsoDuration);

impl Object for PyDuration {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.0.total_seconds() as i64;
        let (days, rest) = (seconds / 86_400, seconds % 86_400);
        let clock = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
        match days {
            0 => f.write_str(&clock),
            1 => write!(f, "1 day, {clock}"),
            days => write!(f, "{days} days, {clock}"),
        }
    }
    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        _args: &[Jinja],
    ) -> Result<Jinja, Error> {
        match method {
            "total_seconds" => Ok(Jinja::from(self.0.total_seconds())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}
