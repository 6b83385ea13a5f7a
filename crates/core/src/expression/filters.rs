//! Sluice's own expression filters: JSON, dates, and number conversions that say which value did
//! not convert.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use minijinja::value::{Kwargs, Serde};
use minijinja::{Error as EngineError, ErrorKind, Value};

use super::scope::{serde_error, to_json_value};

/// `value | json`: the value as compact JSON text.
pub(super) fn to_json(value: &Value) -> Result<String, EngineError> {
    serde_json::to_string(&to_json_value(value)?).map_err(serde_error)
}

/// `text | parse_json`: JSON text as a value (object, array, number, …).
pub(super) fn parse_json(text: &str) -> Result<Value, EngineError> {
    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|error| {
        EngineError::new(
            ErrorKind::InvalidOperation,
            format!("not valid JSON: {error}"),
        )
    })?;
    Ok(Value::from(Serde(&parsed)))
}

/// Reads a date/time from a value: text (see [`parse_datetime_text`]) or a unix timestamp in
/// seconds.
fn read_datetime(value: &Value, format: Option<&str>) -> Result<DateTime<Utc>, EngineError> {
    let invalid = |detail: String| EngineError::new(ErrorKind::InvalidOperation, detail);
    if value.is_number() {
        let seconds = f64::try_from(value.clone())?;
        return Utc
            .timestamp_opt(seconds.trunc() as i64, (seconds.fract() * 1e9) as u32)
            .single()
            .ok_or_else(|| invalid(format!("{seconds} is not a valid unix timestamp")));
    }
    let text = value
        .as_str()
        .ok_or_else(|| invalid(format!("cannot read a date from a {}", value.kind())))?;
    parse_datetime_text(text, format).map_err(invalid)
}

/// Reads a date/time from text: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS[.fff]]]`, a unix timestamp in
/// seconds, or any layout given as a strftime `format`. Times without an offset are taken as UTC.
pub fn parse_datetime_text(text: &str, format: Option<&str>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Some(format) = format {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Ok(parsed.with_timezone(&Utc));
        }
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(parsed.and_utc());
        }
        if let Ok(parsed) = NaiveDate::parse_from_str(text, format) {
            return Ok(parsed
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc());
        }
        return Err(format!(
            "'{text}' does not match the date format '{format}'"
        ));
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Ok(parsed.with_timezone(&Utc));
    }
    for layout in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, layout) {
            return Ok(parsed.and_utc());
        }
    }
    if let Ok(parsed) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(parsed
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc());
    }
    if let Ok(seconds) = text.parse::<i64>()
        && let Some(parsed) = Utc.timestamp_opt(seconds, 0).single()
    {
        return Ok(parsed);
    }
    Err(format!(
        "'{text}' is not a date; give its layout, e.g. parse_datetime('%d/%m/%Y')"
    ))
}

/// `text | parse_datetime` or `text | parse_datetime('%d/%m/%Y %H:%M')`: an RFC 3339 UTC timestamp.
pub(super) fn parse_datetime(value: &Value, format: Option<String>) -> Result<String, EngineError> {
    let parsed = read_datetime(value, format.as_deref())?;
    Ok(parsed.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `date | format_datetime('%d.%m.%Y')`: a date/time rendered with a strftime layout.
pub(super) fn format_datetime(value: &Value, format: String) -> Result<String, EngineError> {
    use std::fmt::Write;
    let parsed = read_datetime(value, None)?;
    let mut rendered = String::new();
    write!(rendered, "{}", parsed.format(&format)).map_err(|_| {
        EngineError::new(
            ErrorKind::InvalidOperation,
            format!("'{format}' is not a valid date layout"),
        )
    })?;
    Ok(rendered)
}

/// The `default` a conversion filter was given, positionally or as `default=`.
fn conversion_default(
    default: Option<Value>,
    kwargs: &Kwargs,
) -> Result<Option<Value>, EngineError> {
    let default = match default {
        Some(default) => Some(default),
        None => kwargs.get::<Option<Value>>("default")?,
    };
    kwargs.assert_all_used()?;
    Ok(default)
}

fn conversion_error(value: &Value, what: &str) -> EngineError {
    let shown = match value.as_str() {
        Some(text) => format!("'{text}'"),
        None if value.is_undefined() || value.is_none() => "an empty value".to_string(),
        None => value.to_string(),
    };
    EngineError::new(
        ErrorKind::InvalidOperation,
        format!("{shown} is not {what}"),
    )
}

/// `text | float` or `text | float(default=0)`: a number. Replaces MiniJinja's built-in to say
/// which value did not convert.
pub(super) fn to_float(
    value: &Value,
    default: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, EngineError> {
    let default = conversion_default(default, &kwargs)?;
    let converted = if value.is_number() {
        f64::try_from(value.clone()).ok()
    } else if let Some(text) = value.as_str() {
        text.trim().parse::<f64>().ok()
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        Some(if value.is_true() { 1.0 } else { 0.0 })
    } else {
        None
    };
    match (converted, default) {
        (Some(number), _) => Ok(Value::from(number)),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(conversion_error(value, "a number")),
    }
}

/// `text | int` or `text | int(default=0)`: a whole number (decimals are cut off).
pub(super) fn to_int(
    value: &Value,
    default: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, EngineError> {
    let default = conversion_default(default, &kwargs)?;
    let converted = if value.is_integer() {
        Some(value.clone())
    } else if value.is_number() {
        f64::try_from(value.clone())
            .ok()
            .filter(|number| number.is_finite())
            .map(|number| Value::from(number.trunc() as i64))
    } else if let Some(text) = value.as_str() {
        let text = text.trim();
        text.parse::<i64>().ok().map(Value::from).or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|number| number.is_finite())
                .map(|number| Value::from(number.trunc() as i64))
        })
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        Some(Value::from(i64::from(value.is_true())))
    } else {
        None
    };
    match (converted, default) {
        (Some(number), _) => Ok(number),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(conversion_error(value, "a whole number")),
    }
}

/// `number | round` or `number | round(2)`: rounds half away from zero. Replaces MiniJinja's
/// built-in, which formats and re-parses the number (it dominated the cost of mapping amounts).
pub(super) fn round(value: &Value, precision: Option<i32>) -> Result<Value, EngineError> {
    if value.is_integer() {
        return Ok(value.clone());
    }
    let number = f64::try_from(value.clone()).map_err(|_| {
        EngineError::new(
            ErrorKind::InvalidOperation,
            format!("cannot round a {}", value.kind()),
        )
    })?;
    let rounded = match precision.unwrap_or(0) {
        0 => number.round(),
        digits => {
            let scale = 10f64.powi(digits);
            (number * scale).round() / scale
        }
    };
    Ok(Value::from(rounded))
}

/// `date | timestamp`: seconds since 1970-01-01 UTC.
pub(super) fn timestamp(value: &Value) -> Result<i64, EngineError> {
    Ok(read_datetime(value, None)?.timestamp())
}
