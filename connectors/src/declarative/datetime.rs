//! Dates and times as Airbyte's manifests write them: Python `strftime`/`strptime` formats (with
//! Airbyte's `%s`, `%ms` and `%s_as_float`), ISO 8601 durations (`P1D`, `PT1H`, `P1M`), and
//! flexible parsing of what APIs send.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Airbyte's default format for `datetime_format`-less output (`day_delta`).
pub const DEFAULT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S.%f%z";

/// `at` written with a Python `strftime` format; a format with a directive chrono does not know
/// is refused (chrono would panic on it).
pub fn format(at: &DateTime<FixedOffset>, format: &str) -> Result<String, String> {
    Ok(match format {
        "%s" => at.timestamp().to_string(),
        "%ms" => at.timestamp_millis().to_string(),
        "%s_as_float" => {
            let seconds = at.timestamp() as f64 + f64::from(at.timestamp_subsec_micros()) / 1e6;
            format!("{seconds}")
        }
        _ => {
            let pattern = chrono_format(format);
            let items: Vec<Item<'_>> = StrftimeItems::new(&pattern).collect();
            if items.iter().any(|item| matches!(item, Item::Error)) {
                return Err(format!(
                    "'{format}' is not a date format Sluice understands"
                ));
            }
            at.format_with_items(items.into_iter()).to_string()
        }
    })
}

/// Python's directives where chrono's differ: `%f` is microseconds (six digits) in Python.
fn chrono_format(format: &str) -> String {
    let mut out = String::with_capacity(format.len() + 4);
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => out.push_str("%6f"),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// `text` read with a Python `strptime` format (a missing zone is UTC).
pub fn parse(text: &str, format: &str) -> Result<DateTime<FixedOffset>, String> {
    let text = text.trim();
    let utc = |at: DateTime<Utc>| at.fixed_offset();
    match format {
        "%s" => {
            return text
                .parse::<i64>()
                .ok()
                .and_then(|seconds| Utc.timestamp_opt(seconds, 0).single())
                .map(utc)
                .ok_or_else(|| format!("'{text}' is not a number of seconds since 1970"));
        }
        "%ms" => {
            return text
                .parse::<i64>()
                .ok()
                .and_then(|millis| Utc.timestamp_millis_opt(millis).single())
                .map(utc)
                .ok_or_else(|| format!("'{text}' is not a number of milliseconds since 1970"));
        }
        "%s_as_float" => {
            return text
                .parse::<f64>()
                .ok()
                .filter(|seconds| seconds.is_finite())
                .and_then(|seconds| {
                    Utc.timestamp_micros((seconds * 1e6).round() as i64)
                        .single()
                })
                .map(utc)
                .ok_or_else(|| format!("'{text}' is not a number of seconds since 1970"));
        }
        _ => {}
    }
    let pattern = format.replace("%f", "%.f").replace(".%.f", "%.f");
    if let Ok(parsed) = DateTime::parse_from_str(text, &pattern) {
        return Ok(parsed);
    }
    if let Ok(parsed) = NaiveDateTime::parse_from_str(text, &pattern) {
        return Ok(parsed.and_utc().fixed_offset());
    }
    if let Ok(parsed) = NaiveDate::parse_from_str(text, &pattern) {
        return Ok(parsed
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .fixed_offset());
    }
    Err(format!(
        "'{text}' does not match the datetime format '{format}'"
    ))
}

/// `text` read with the first of `formats` that fits, else as any common date or time.
pub fn parse_any(text: &str, formats: &[String]) -> Result<DateTime<FixedOffset>, String> {
    for format in formats {
        if let Ok(parsed) = parse(text, format) {
            return Ok(parsed);
        }
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(parsed);
    }
    sluice_core::expression::parse_datetime_text(text, None)
        .map(|at| at.fixed_offset())
        .map_err(|_| match formats {
            [] => format!("'{text}' is not a date or time"),
            _ => format!(
                "'{text}' matches none of the datetime formats {}",
                formats.join(", ")
            ),
        })
}

/// An ISO 8601 duration: calendar months apart from the rest, as `isodate` keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoDuration {
    pub months: u32,
    pub exact: Duration,
}

impl IsoDuration {
    /// `P1Y2M3W4DT5H6M7.5S` and its parts; refused with the text otherwise.
    pub fn parse(text: &str) -> Result<IsoDuration, String> {
        let invalid = || format!("'{text}' is not an ISO 8601 duration such as P1D, PT1H or P1M");
        let body = text.trim().strip_prefix('P').ok_or_else(invalid)?;
        let (date, time) = body.split_once('T').unwrap_or((body, ""));
        let mut months = 0u32;
        let mut micros: i64 = 0;
        for (part, in_time) in [(date, false), (time, true)] {
            let mut number = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' || c == ',' {
                    number.push(if c == ',' { '.' } else { c });
                    continue;
                }
                let amount: f64 = number.parse().map_err(|_| invalid())?;
                number.clear();
                let whole = || {
                    if amount.fract() == 0.0 && amount < 1e6 {
                        Ok(amount as u32)
                    } else {
                        Err(invalid())
                    }
                };
                let seconds = match (c, in_time) {
                    ('Y', false) => {
                        months = months.saturating_add(whole()?.saturating_mul(12));
                        0.0
                    }
                    ('M', false) => {
                        months = months.saturating_add(whole()?);
                        0.0
                    }
                    ('W', false) => amount * 7.0 * 86_400.0,
                    ('D', false) => amount * 86_400.0,
                    ('H', true) => amount * 3_600.0,
                    ('M', true) => amount * 60.0,
                    ('S', true) => amount,
                    _ => return Err(invalid()),
                };
                if !(0.0..1e11).contains(&seconds) {
                    return Err(invalid());
                }
                micros = micros.saturating_add((seconds * 1e6).round() as i64);
            }
            if !number.is_empty() {
                return Err(invalid());
            }
        }
        if body.is_empty() || body == "T" {
            return Err(invalid());
        }
        Ok(IsoDuration {
            months,
            exact: Duration::microseconds(micros),
        })
    }

    pub fn is_zero(&self) -> bool {
        self.months == 0 && self.exact.is_zero()
    }

    pub fn after(&self, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        let at = at
            .checked_add_months(Months::new(self.months))
            .unwrap_or(at);
        at.checked_add_signed(self.exact).unwrap_or(at)
    }

    pub fn before(&self, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        let at = at
            .checked_sub_months(Months::new(self.months))
            .unwrap_or(at);
        at.checked_sub_signed(self.exact).unwrap_or(at)
    }

    /// Seconds, counting a month as 30 days (for Python's `total_seconds()`).
    pub fn total_seconds(&self) -> f64 {
        f64::from(self.months) * 30.0 * 86_400.0
            + self.exact.num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6
    }
}

/// Python's `str(datetime)`: `2024-05-01 12:00:00+00:00`, with microseconds when not zero.
pub fn python_text(at: &DateTime<FixedOffset>) -> String {
    if at.timestamp_subsec_micros() == 0 {
        at.format("%Y-%m-%d %H:%M:%S%:z").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S%.6f%:z").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn python_formats_write_microseconds_and_epochs() {
        let moment = at("2024-05-01T12:30:05.25Z");
        assert_eq!(
            format(&moment, "%Y-%m-%dT%H:%M:%S.%f%z").unwrap(),
            "2024-05-01T12:30:05.250000+0000"
        );
        assert_eq!(format(&moment, "%s").unwrap(), "1714566605");
        assert_eq!(format(&moment, "%ms").unwrap(), "1714566605250");
        assert_eq!(format(&moment, "%s_as_float").unwrap(), "1714566605.25");
        assert_eq!(format(&moment, "%Y-%m-%d").unwrap(), "2024-05-01");
        assert_eq!(
            python_text(&at("2024-05-01T12:30:05Z")),
            "2024-05-01 12:30:05+00:00"
        );
    }

    #[test]
    fn a_format_chrono_does_not_know_is_refused_not_a_panic() {
        assert!(format(&at("2024-05-01T00:00:00Z"), "%Q").is_err());
    }

    #[test]
    fn python_formats_parse_with_and_without_zones() {
        assert_eq!(
            parse("2024-05-01T12:30:05Z", "%Y-%m-%dT%H:%M:%SZ").unwrap(),
            at("2024-05-01T12:30:05Z")
        );
        assert_eq!(
            parse("2024-05-01", "%Y-%m-%d").unwrap(),
            at("2024-05-01T00:00:00Z")
        );
        assert_eq!(
            parse("2024-05-01T12:30:05.250000+0200", "%Y-%m-%dT%H:%M:%S.%f%z").unwrap(),
            at("2024-05-01T12:30:05.25+02:00")
        );
        assert_eq!(
            parse("1714566605", "%s").unwrap(),
            at("2024-05-01T12:30:05Z")
        );
        assert!(
            parse("yesterday", "%Y-%m-%d")
                .unwrap_err()
                .contains("does not match")
        );
        assert_eq!(
            parse_any("2024-05-01 12:30:05", &[]).unwrap(),
            at("2024-05-01T12:30:05Z")
        );
    }

    #[test]
    fn durations_keep_months_apart() {
        let month = IsoDuration::parse("P1M").unwrap();
        assert_eq!(
            month.after(at("2024-01-31T00:00:00Z")),
            at("2024-02-29T00:00:00Z")
        );
        let mixed = IsoDuration::parse("P1DT1H30M").unwrap();
        assert_eq!(mixed.exact, Duration::minutes(24 * 60 + 90));
        assert_eq!(
            IsoDuration::parse("PT0.000001S").unwrap().exact,
            Duration::microseconds(1)
        );
        assert_eq!(IsoDuration::parse("P2W").unwrap().exact, Duration::days(14));
        for bad in ["", "P", "1D", "PT", "P1H", "PXD", "P1.5M"] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad}");
        }
    }
}
