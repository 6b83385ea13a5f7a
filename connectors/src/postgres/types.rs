//! PostgreSQL types as Sluice values: which columns are decoded from PostgreSQL's binary form,
//! which are selected as their text (`::text`: enums, UUIDs, intervals, network and geometric
//! types…) or as JSON (`to_jsonb`: arrays), and decoding a row's values.

use std::fmt::Write;

use postgres::Row;
use postgres::types::{FromSql, Kind, Type};
use sluice_core::{Text, Value};

use super::quote;

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// Decoded from its binary form.
    Native,
    /// Selected as its text.
    AsText,
    /// Selected as JSON.
    AsJson,
}

/// How a column of type `column_type` is read.
pub(super) fn reading(column_type: &Type) -> Reading {
    let native = [
        Type::BOOL,
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::OID,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::NUMERIC,
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
        Type::BYTEA,
        Type::DATE,
        Type::TIME,
        Type::TIMESTAMP,
        Type::TIMESTAMPTZ,
        Type::JSON,
        Type::JSONB,
    ];
    if native.contains(column_type) {
        Reading::Native
    } else if matches!(column_type.kind(), Kind::Array(_)) {
        Reading::AsJson
    } else {
        Reading::AsText
    }
}

/// The select-list item that reads column `name` as `reading` says, under its own name.
pub(super) fn select_item(name: &str, reading: Reading) -> String {
    let column = quote(name);
    match reading {
        Reading::Native => column,
        Reading::AsText => format!("{column}::text AS {column}"),
        Reading::AsJson => format!("to_jsonb({column}) AS {column}"),
    }
}

/// The value at `index` of `row`, whose column (as selected) has type `column_type`.
pub(super) fn value(row: &Row, index: usize, column_type: &Type) -> Result<Value, postgres::Error> {
    fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<Option<T>, postgres::Error> {
        row.try_get::<_, Option<T>>(index)
    }
    let value = match *column_type {
        Type::BOOL => get::<bool>(row, index)?.map(Value::Bool),
        Type::INT2 => get::<i16>(row, index)?.map(|integer| Value::Int(integer.into())),
        Type::INT4 => get::<i32>(row, index)?.map(|integer| Value::Int(integer.into())),
        Type::INT8 => get::<i64>(row, index)?.map(Value::Int),
        Type::OID => get::<u32>(row, index)?.map(|integer| Value::Int(integer.into())),
        Type::FLOAT4 => get::<f32>(row, index)?.map(|float| Value::Float(float.into())),
        Type::FLOAT8 => get::<f64>(row, index)?.map(Value::Float),
        Type::NUMERIC => get::<NumericText>(row, index)?.map(|numeric| numeric.into_value()),
        Type::BYTEA => get::<&[u8]>(row, index)?.map(|bytes| Value::Bytes(bytes.into())),
        Type::DATE => get::<chrono::NaiveDate>(row, index)?.map(Value::Date),
        Type::TIME => get::<chrono::NaiveTime>(row, index)?.map(Value::Time),
        // A timestamp without a zone is read as UTC.
        Type::TIMESTAMP => get::<chrono::NaiveDateTime>(row, index)?
            .map(|timestamp| Value::Timestamp(timestamp.and_utc())),
        Type::TIMESTAMPTZ => {
            get::<chrono::DateTime<chrono::Utc>>(row, index)?.map(Value::Timestamp)
        }
        Type::JSON | Type::JSONB => get::<serde_json::Value>(row, index)?.map(Value::from),
        _ => get::<&str>(row, index)?.map(|text| Value::String(Text::from(text))),
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A NUMERIC as its exact decimal text (`NaN`, `Infinity` and `-Infinity` as such).
struct NumericText(String);

impl NumericText {
    /// An exact decimal where it fits (28 significant digits), its text beyond.
    fn into_value(self) -> Value {
        match rust_decimal::Decimal::from_str_exact(&self.0) {
            Ok(decimal) => Value::Decimal(decimal),
            Err(_) => Value::String(Text::from(self.0)),
        }
    }
}

impl<'a> FromSql<'a> for NumericText {
    fn from_sql(
        _column_type: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        numeric_text(raw)
            .map(NumericText)
            .ok_or_else(|| "a NUMERIC value the server sent is malformed".into())
    }

    fn accepts(column_type: &Type) -> bool {
        *column_type == Type::NUMERIC
    }
}

/// The text of PostgreSQL's binary NUMERIC: digit count, weight (of the first base-10000
/// digit), sign, display scale, then the base-10000 digits.
fn numeric_text(raw: &[u8]) -> Option<String> {
    let word =
        |at: usize| -> Option<u16> { Some(u16::from_be_bytes([*raw.get(at)?, *raw.get(at + 1)?])) };
    let (count, weight, sign, scale) = (word(0)?, word(2)? as i16, word(4)?, word(6)?);
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        0x0000 | 0x4000 => {}
        _ => return None,
    }
    let digits: Vec<u16> = (0..usize::from(count))
        .map(|index| word(8 + 2 * index))
        .collect::<Option<_>>()?;
    let digit = |index: i32| -> u16 {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.get(index).copied())
            .unwrap_or(0)
    };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for index in 0..=i32::from(weight) {
            let group = digit(index);
            if index == 0 {
                write!(text, "{group}").ok()?;
            } else {
                write!(text, "{group:04}").ok()?;
            }
        }
    }
    if scale > 0 {
        let mut fraction = String::new();
        let mut index = i32::from(weight) + 1;
        while fraction.len() < usize::from(scale) {
            write!(fraction, "{:04}", digit(index)).ok()?;
            index += 1;
        }
        fraction.truncate(usize::from(scale));
        text.push('.');
        text.push_str(&fraction);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::numeric_text;

    /// PostgreSQL's binary NUMERIC for `digits` (base 10000), as the server sends it.
    fn numeric(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = Vec::new();
        for word in [digits.len() as u16, weight as u16, sign, scale] {
            raw.extend_from_slice(&word.to_be_bytes());
        }
        for digit in digits {
            raw.extend_from_slice(&digit.to_be_bytes());
        }
        raw
    }

    #[test]
    fn binary_numerics_become_their_exact_text() {
        assert_eq!(numeric_text(&numeric(0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric_text(&numeric(0, 0, 2, &[])).unwrap(), "0.00");
        assert_eq!(numeric_text(&numeric(0, 0, 0, &[42])).unwrap(), "42");
        assert_eq!(
            numeric_text(&numeric(1, 0x4000, 0, &[12, 3456])).unwrap(),
            "-123456"
        );
        assert_eq!(
            numeric_text(&numeric(0, 0, 2, &[410, 4200])).unwrap(),
            "410.42"
        );
        assert_eq!(numeric_text(&numeric(-1, 0, 4, &[5])).unwrap(), "0.0005");
        assert_eq!(
            numeric_text(&numeric(-2, 0, 8, &[12])).unwrap(),
            "0.00000012"
        );
        assert_eq!(numeric_text(&numeric(2, 0, 0, &[1])).unwrap(), "100000000");
        assert_eq!(numeric_text(&numeric(0, 0xC000, 0, &[])).unwrap(), "NaN");
        assert!(numeric_text(&[0, 1]).is_none());
        assert!(numeric_text(&numeric(0, 0x1234, 0, &[1])).is_none());
    }
}
