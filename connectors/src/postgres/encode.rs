//! Record values in PostgreSQL's binary COPY format: the column type a value makes when Sluice
//! creates a column, whether a value fits a column's type (and why not, in words), and its bytes.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use postgres::types::{Kind, Type};
use sluice_core::Value;

use crate::coerce::{boolean, date, describe, float, integer, moment, time};

/// A column type Sluice writes in binary. Columns of other types (enums, UUIDs, arrays,
/// intervals…) are staged as text and cast by the server when published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColumnKind {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Json,
    Jsonb,
}

/// How a staging column holds a field: in binary as `kind`, or as text (`array`: written as
/// PostgreSQL's array text) that the server casts to the table's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Staged {
    Binary(ColumnKind),
    /// An exact decimal for a `numeric(precision, scale)` column: more decimals would be
    /// rounded, more digits refused, so such values are refused here, each with its reason.
    Decimal {
        precision: u32,
        scale: u32,
    },
    Text {
        array: bool,
    },
}

impl Staged {
    /// How a field is staged for a table column of type `column_type` (`numeric`: its precision
    /// and scale, when it has them).
    pub fn for_column(column_type: &Type, numeric: Option<(u32, u32)>) -> Staged {
        if let Some((precision, scale)) = numeric {
            return Staged::Decimal { precision, scale };
        }
        match ColumnKind::of(column_type) {
            Some(kind) => Staged::Binary(kind),
            None => Staged::Text {
                array: matches!(column_type.kind(), Kind::Array(_)),
            },
        }
    }

    /// The staging column's SQL type.
    pub fn sql_type(self) -> &'static str {
        match self {
            Staged::Binary(kind) => kind.sql_type(),
            Staged::Decimal { .. } => "numeric",
            Staged::Text { .. } => "text",
        }
    }
}

impl ColumnKind {
    /// The kind of a PostgreSQL type, when Sluice writes it in binary (`varchar` and `char` as
    /// text: the server checks their length when the rows are published).
    pub fn of(column_type: &Type) -> Option<ColumnKind> {
        Some(match *column_type {
            Type::BOOL => ColumnKind::Bool,
            Type::INT2 => ColumnKind::Int2,
            Type::INT4 => ColumnKind::Int4,
            Type::INT8 => ColumnKind::Int8,
            Type::FLOAT4 => ColumnKind::Float4,
            Type::FLOAT8 => ColumnKind::Float8,
            Type::NUMERIC => ColumnKind::Numeric,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR => ColumnKind::Text,
            Type::BYTEA => ColumnKind::Bytea,
            Type::DATE => ColumnKind::Date,
            Type::TIME => ColumnKind::Time,
            Type::TIMESTAMP => ColumnKind::Timestamp,
            Type::TIMESTAMPTZ => ColumnKind::Timestamptz,
            Type::JSON => ColumnKind::Json,
            Type::JSONB => ColumnKind::Jsonb,
            _ => return None,
        })
    }

    /// The column type a value makes when Sluice creates the column (`None` for null).
    pub fn for_value(value: &Value) -> Option<ColumnKind> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(_) => ColumnKind::Bool,
            Value::Int(_) => ColumnKind::Int8,
            Value::Float(_) => ColumnKind::Float8,
            Value::Decimal(_) => ColumnKind::Numeric,
            Value::String(_) => ColumnKind::Text,
            Value::Bytes(_) => ColumnKind::Bytea,
            Value::Date(_) => ColumnKind::Date,
            Value::Time(_) => ColumnKind::Time,
            Value::Timestamp(_) => ColumnKind::Timestamptz,
            Value::Json(json) if json.tree().is_number() => ColumnKind::Numeric,
            Value::Json(_) => ColumnKind::Jsonb,
        })
    }

    /// The kind that holds both `self` and `other` (whole numbers with fractions widen to
    /// `double precision` or `numeric`); `None` when nothing but text would.
    pub fn widen(self, other: ColumnKind) -> Option<ColumnKind> {
        use ColumnKind::*;
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Int8, Float8) | (Float8, Int8) => Some(Float8),
            (Int8 | Float8, Numeric) | (Numeric, Int8 | Float8) => Some(Numeric),
            _ => None,
        }
    }

    pub fn sql_type(self) -> &'static str {
        match self {
            ColumnKind::Bool => "boolean",
            ColumnKind::Int2 => "smallint",
            ColumnKind::Int4 => "integer",
            ColumnKind::Int8 => "bigint",
            ColumnKind::Float4 => "real",
            ColumnKind::Float8 => "double precision",
            ColumnKind::Numeric => "numeric",
            ColumnKind::Text => "text",
            ColumnKind::Bytea => "bytea",
            ColumnKind::Date => "date",
            ColumnKind::Time => "time",
            ColumnKind::Timestamp => "timestamp",
            ColumnKind::Timestamptz => "timestamptz",
            ColumnKind::Json => "json",
            ColumnKind::Jsonb => "jsonb",
        }
    }
}

/// The start of a binary COPY stream: signature, flags, no header extension.
pub(super) const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end of a binary COPY stream.
pub(super) const COPY_TRAILER: &[u8] = &(-1i16).to_be_bytes();

/// Appends one field: its length, then `value` in `staged`'s binary form (a missing field or a
/// null as NULL). On `Err` (the value does not fit, said in words) `out` may hold part of it:
/// the caller cuts the row back.
pub(super) fn field(
    value: Option<&Value>,
    staged: Staged,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let value = match value {
        None | Some(Value::Null) => {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            return Ok(());
        }
        Some(value) => value,
    };
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    match staged {
        Staged::Binary(kind) => binary(value, kind, out)?,
        Staged::Decimal { precision, scale } => {
            fits_decimal(value, precision, scale)?;
            binary(value, ColumnKind::Numeric, out)?;
        }
        Staged::Text { array: false } => text(&text_of(value), out)?,
        Staged::Text { array: true } => text(&array_text(value), out)?,
    }
    let length = i32::try_from(out.len() - start - 4)
        .map_err(|_| "the value is larger than PostgreSQL takes (1 GB)".to_string())?;
    out[start..start + 4].copy_from_slice(&length.to_be_bytes());
    Ok(())
}

fn binary(value: &Value, kind: ColumnKind, out: &mut Vec<u8>) -> Result<(), String> {
    let refuse = || {
        Err(format!(
            "{} does not fit a column of type {}",
            describe(value),
            kind.sql_type()
        ))
    };
    match kind {
        ColumnKind::Bool => match boolean(value) {
            Some(flag) => out.push(u8::from(flag)),
            None => return refuse(),
        },
        ColumnKind::Int2 | ColumnKind::Int4 | ColumnKind::Int8 => {
            let Some(integer) = integer(value) else {
                return refuse();
            };
            match kind {
                ColumnKind::Int2 => match i16::try_from(integer) {
                    Ok(small) => out.extend_from_slice(&small.to_be_bytes()),
                    Err(_) => return refuse(),
                },
                ColumnKind::Int4 => match i32::try_from(integer) {
                    Ok(medium) => out.extend_from_slice(&medium.to_be_bytes()),
                    Err(_) => return refuse(),
                },
                _ => out.extend_from_slice(&integer.to_be_bytes()),
            }
        }
        ColumnKind::Float4 | ColumnKind::Float8 => {
            let Some(float) = float(value) else {
                return refuse();
            };
            if kind == ColumnKind::Float4 {
                let single = float as f32;
                if float.is_finite() && !single.is_finite() {
                    return refuse();
                }
                out.extend_from_slice(&single.to_be_bytes());
            } else {
                out.extend_from_slice(&float.to_be_bytes());
            }
        }
        ColumnKind::Numeric => {
            let digits = match value {
                Value::Int(integer) => integer.to_string(),
                Value::Decimal(decimal) => decimal.to_string(),
                Value::Float(float) if float.is_finite() => float.to_string(),
                Value::Float(float) if float.is_nan() => "NaN".into(),
                Value::Float(float) if *float > 0.0 => "Infinity".into(),
                Value::Float(_) => "-Infinity".into(),
                Value::String(text) => text.trim().to_string(),
                Value::Json(json) if json.tree().is_number() => json.tree().to_string(),
                _ => return refuse(),
            };
            if !numeric(&digits, out) {
                return refuse();
            }
        }
        ColumnKind::Text => text(&text_of(value), out)?,
        ColumnKind::Bytea => match value {
            Value::Bytes(bytes) => out.extend_from_slice(bytes),
            Value::String(text) => out.extend_from_slice(text.as_bytes()),
            _ => return refuse(),
        },
        ColumnKind::Date => match date(value).filter(|day| in_range(*day)) {
            Some(day) => out.extend_from_slice(&days_since_2000(day).to_be_bytes()),
            None => return refuse(),
        },
        ColumnKind::Time => match time(value) {
            Some(time) => {
                let micros = i64::from(time.num_seconds_from_midnight()) * 1_000_000
                    + i64::from(time.nanosecond().min(999_999_999) / 1000);
                out.extend_from_slice(&micros.to_be_bytes());
            }
            None => return refuse(),
        },
        ColumnKind::Timestamp | ColumnKind::Timestamptz => {
            let micros =
                moment(value).and_then(|moment| (moment - epoch_2000()).num_microseconds());
            match micros {
                Some(micros) => out.extend_from_slice(&micros.to_be_bytes()),
                None => return refuse(),
            }
        }
        ColumnKind::Json | ColumnKind::Jsonb => {
            let json = match value {
                Value::Json(json) => json.tree().to_string(),
                other => serde_json::to_string(other).map_err(|error| error.to_string())?,
            };
            if kind == ColumnKind::Jsonb {
                if json.contains("\\u0000") {
                    return Err(
                        "the JSON holds a NUL character (\\u0000), which a jsonb column cannot store"
                            .into(),
                    );
                }
                out.push(1);
            }
            out.extend_from_slice(json.as_bytes());
        }
    }
    Ok(())
}

/// A value as text; a float that is not a number as `NaN`, `Infinity` or `-Infinity`.
fn text_of(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::Float(float) if !float.is_finite() => crate::coerce::float_text(*float).into(),
        other => other.to_text(),
    }
}

/// Whether a date is one PostgreSQL stores (from 4713 BC; timestamps up to 294276 AD).
fn in_range(day: NaiveDate) -> bool {
    use chrono::Datelike;
    (-4712..=294_275).contains(&day.year())
}

/// Refuses a number with more decimals than `scale` (it would be rounded) or more digits before
/// the point than `precision - scale`.
fn fits_decimal(value: &Value, precision: u32, scale: u32) -> Result<(), String> {
    let text = match value {
        Value::Decimal(decimal) => decimal.normalize().to_string(),
        Value::Int(integer) => integer.to_string(),
        Value::Float(float) if float.is_finite() => float.to_string(),
        Value::String(text) => text.trim().to_string(),
        _ => return Ok(()),
    };
    let unsigned = text.trim_start_matches(['-', '+']);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let fraction = fraction.trim_end_matches('0');
    let whole = whole.trim_start_matches('0');
    if fraction.len() > scale as usize {
        return Err(format!(
            "{} has more decimals than the column's {scale}: it would be rounded",
            describe(value)
        ));
    }
    if whole.len() > precision.saturating_sub(scale) as usize {
        return Err(format!(
            "{} has more digits than the column's numeric({precision}, {scale}) holds",
            describe(value)
        ));
    }
    Ok(())
}

/// Text as PostgreSQL stores it: any UTF-8 but the NUL character.
fn text(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    if text.contains('\0') {
        return Err("the text holds a NUL character, which PostgreSQL cannot store".into());
    }
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn epoch_2000() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
        .and_utc()
}

fn days_since_2000(day: NaiveDate) -> i32 {
    let days = (day - epoch_2000().date_naive()).num_days();
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

/// Appends a NUMERIC in binary (base-10000 digits, weight, sign, scale) from decimal text
/// (`-12.5`, `1.5e3`, `NaN`, `Infinity`); false when the text is not a number.
pub(super) fn numeric(text: &str, out: &mut Vec<u8>) -> bool {
    const POSITIVE: u16 = 0x0000;
    const NEGATIVE: u16 = 0x4000;
    let special = match text {
        "NaN" => Some(0xC000u16),
        "Infinity" | "+Infinity" => Some(0xD000),
        "-Infinity" => Some(0xF000),
        _ => None,
    };
    if let Some(sign) = special {
        for part in [0u16, 0, sign, 0] {
            out.extend_from_slice(&part.to_be_bytes());
        }
        return true;
    }
    let expanded;
    let text = if text.contains(['e', 'E']) {
        match rust_decimal::Decimal::from_scientific(text) {
            Ok(decimal) => {
                expanded = decimal.to_string();
                expanded.as_str()
            }
            Err(_) => return false,
        }
    } else {
        text
    };
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (NEGATIVE, rest),
        None => (POSITIVE, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return false;
    }
    // PostgreSQL keeps at most 16383 digits after the point.
    let Ok(scale) = u16::try_from(fraction.len()) else {
        return false;
    };
    if scale > 16_383 {
        return false;
    }
    // Groups of four digits: the whole part padded on the left, the fraction on the right.
    let pad = (4 - whole.len() % 4) % 4;
    let whole_groups = (whole.len() + pad) / 4;
    let mut padded = "0".repeat(pad) + whole + fraction;
    padded.push_str(&"0".repeat((4 - fraction.len() % 4) % 4));
    let mut groups: Vec<u16> = padded
        .as_bytes()
        .chunks(4)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0u16, |sum, digit| sum * 10 + u16::from(digit - b'0'))
        })
        .collect();
    let mut weight = whole_groups as i64 - 1;
    let leading = groups.iter().take_while(|group| **group == 0).count();
    groups.drain(..leading);
    weight -= leading as i64;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let (Ok(count), Ok(weight)) = (i16::try_from(groups.len()), i16::try_from(weight)) else {
        return false;
    };
    let (weight, sign) = if groups.is_empty() {
        (0, POSITIVE)
    } else {
        (weight, sign)
    };
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&scale.to_be_bytes());
    for group in groups {
        out.extend_from_slice(&group.to_be_bytes());
    }
    true
}

/// A value as PostgreSQL's array text (`{1,2,"a b"}`): JSON arrays become arrays (nested ones
/// nested), any other value its text.
fn array_text(value: &Value) -> String {
    fn element(json: &serde_json::Value, out: &mut String) {
        match json {
            serde_json::Value::Null => out.push_str("NULL"),
            serde_json::Value::Array(items) => {
                out.push('{');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    element(item, out);
                }
                out.push('}');
            }
            serde_json::Value::String(text) => quoted(text, out),
            other => quoted(&other.to_string(), out),
        }
    }
    fn quoted(text: &str, out: &mut String) {
        out.push('"');
        for character in text.chars() {
            if character == '"' || character == '\\' {
                out.push('\\');
            }
            out.push(character);
        }
        out.push('"');
    }
    match value {
        Value::Json(json) if json.tree().is_array() => {
            let mut out = String::new();
            element(json.tree(), &mut out);
            out
        }
        other => other.to_text().into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_parts(text: &str) -> Vec<i32> {
        let mut out = Vec::new();
        assert!(numeric(text, &mut out), "{text}");
        out.chunks(2)
            .map(|pair| i32::from(u16::from_be_bytes([pair[0], pair[1]])))
            .collect()
    }

    #[test]
    fn numerics_are_base_10000_digits_with_weight_sign_and_scale() {
        // [count, weight, sign, scale, digits…]
        assert_eq!(numeric_parts("123.45"), [2, 0, 0, 2, 123, 4500]);
        assert_eq!(numeric_parts("0.001"), [1, 0xFFFF, 0, 3, 10]);
        assert_eq!(numeric_parts("10000"), [1, 1, 0, 0, 1]);
        assert_eq!(numeric_parts("-7"), [1, 0, 0x4000, 0, 7]);
        assert_eq!(numeric_parts("0.00"), [0, 0, 0, 2]);
        assert_eq!(numeric_parts("1.5e3"), [1, 0, 0, 0, 1500]);
        assert_eq!(numeric_parts("NaN"), [0, 0, 0xC000, 0]);
        for bad in ["", ".", "1.2.3", "12a", "--1", "1e"] {
            assert!(!numeric(bad, &mut Vec::new()), "{bad}");
        }
    }

    #[test]
    fn values_that_do_not_fit_say_what_and_which_type() {
        let mut out = Vec::new();
        let refused = |value: Value, kind: ColumnKind| {
            field(Some(&value), Staged::Binary(kind), &mut Vec::new()).unwrap_err()
        };
        assert_eq!(
            refused(Value::from("abc"), ColumnKind::Int8),
            "the text “abc” does not fit a column of type bigint"
        );
        assert_eq!(
            refused(Value::Int(70_000), ColumnKind::Int2),
            "the number “70000” does not fit a column of type smallint"
        );
        assert!(refused(Value::Float(1.5), ColumnKind::Int4).contains("integer"));
        assert!(refused(Value::from("a\0b"), ColumnKind::Text).contains("NUL"));
        field(
            Some(&Value::from("12")),
            Staged::Binary(ColumnKind::Int4),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [0, 0, 0, 4, 0, 0, 0, 12]);
    }

    #[test]
    fn json_arrays_become_array_text() {
        let value = Value::from(serde_json::json!([[1, null], ["a \"b\"", true]]));
        assert_eq!(array_text(&value), r#"{{"1",NULL},{"a \"b\"","true"}}"#);
    }
}
