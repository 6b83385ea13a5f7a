//! Reading a record value as the type a destination column wants, without losing anything: a
//! whole number only from a whole value, a date only from a date or its ISO text, and so on.
//! Shared by the database destinations, with the words their refusals use.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sluice_core::Value;

/// A value in a message: its kind and a short view of it.
pub fn describe(value: &Value) -> String {
    let text = value.to_text();
    let shown: String = text.chars().take(40).collect();
    let more = if shown.len() < text.len() { "…" } else { "" };
    let kind = match value {
        Value::String(_) => "the text",
        Value::Int(_) | Value::Float(_) | Value::Decimal(_) => "the number",
        Value::Bool(_) => "the boolean",
        Value::Bytes(_) => "the bytes",
        Value::Date(_) => "the date",
        Value::Time(_) => "the time",
        Value::Timestamp(_) => "the timestamp",
        Value::Json(_) | Value::Null => "the value",
    };
    format!("{kind} “{shown}{more}”")
}

pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::Int(0) => Some(false),
        Value::Int(1) => Some(true),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
            "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A whole number, without rounding anything away.
pub fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Int(integer) => Some(*integer),
        Value::Float(float) if float.fract() == 0.0 && float.abs() < 9.2e18 => Some(*float as i64),
        Value::Decimal(decimal) if decimal.fract().is_zero() => i64::try_from(decimal.trunc()).ok(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A float that is not a number, as databases write it: `NaN`, `Infinity`, `-Infinity`.
pub fn float_text(float: f64) -> String {
    match float {
        float if float.is_nan() => "NaN".into(),
        float if float > 0.0 => "Infinity".into(),
        _ => "-Infinity".into(),
    }
}

/// A floating-point number, from a number or its text; a whole number only when the float holds
/// it exactly.
pub fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Int(integer) => {
            let float = *integer as f64;
            (float as i64 == *integer && float.abs() < 9.2e18).then_some(float)
        }
        Value::Float(float) => Some(*float),
        Value::Decimal(decimal) => decimal.to_string().parse().ok(),
        Value::String(text) => text.trim().parse().ok(),
        Value::Json(json) => json.tree().as_f64(),
        _ => None,
    }
}

pub fn date(value: &Value) -> Option<NaiveDate> {
    match value {
        Value::Date(day) => Some(*day),
        Value::String(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok(),
        _ => None,
    }
}

pub fn time(value: &Value) -> Option<NaiveTime> {
    match value {
        Value::Time(time) => Some(*time),
        Value::String(text) => ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .find_map(|format| NaiveTime::parse_from_str(text.trim(), format).ok()),
        _ => None,
    }
}

/// A moment: a timestamp, a date at midnight UTC, or text in RFC 3339 (a timestamp without a
/// zone is taken as UTC, as the database sources read one).
pub fn moment(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Timestamp(moment) => Some(*moment),
        Value::Date(day) => Some(day.and_time(NaiveTime::MIN).and_utc()),
        Value::String(text) => {
            let text = text.trim();
            DateTime::parse_from_rfc3339(text)
                .map(|moment| moment.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
                        .iter()
                        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                        .map(|moment| moment.and_utc())
                })
        }
        _ => None,
    }
}
