//! MySQL and MariaDB values as Sluice values: integers (unsigned beyond `i64` as exact decimals),
//! `tinyint(1)` and `bit(1)` as booleans, decimals exact, dates and times (timestamps in UTC),
//! JSON as JSON (MariaDB's JSON columns are known by their `json_valid` check), binary strings
//! as bytes, everything else as its text.

use chrono::{NaiveDate, NaiveTime};
use mysql::consts::{ColumnFlags, ColumnType};
use mysql::{Column, Value as SqlValue};
use sluice_core::{Text, Value};

/// The character set number of binary strings (BINARY, VARBINARY, BLOB).
const BINARY: u16 = 63;

/// How a column's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    Integer,
    Boolean,
    Float,
    Decimal,
    DateTime,
    Time,
    Json,
    Bytes,
    Text,
}

impl Reading {
    /// How `column` is read; `json` when it is known to hold JSON (MariaDB's JSON columns).
    pub fn of(column: &Column, json: bool) -> Reading {
        let binary = column.character_set() == BINARY;
        match column.column_type() {
            ColumnType::MYSQL_TYPE_TINY if column.column_length() == 1 => Reading::Boolean,
            ColumnType::MYSQL_TYPE_BIT if column.column_length() == 1 => Reading::Boolean,
            ColumnType::MYSQL_TYPE_TINY
            | ColumnType::MYSQL_TYPE_SHORT
            | ColumnType::MYSQL_TYPE_INT24
            | ColumnType::MYSQL_TYPE_LONG
            | ColumnType::MYSQL_TYPE_LONGLONG
            | ColumnType::MYSQL_TYPE_YEAR => Reading::Integer,
            ColumnType::MYSQL_TYPE_FLOAT | ColumnType::MYSQL_TYPE_DOUBLE => Reading::Float,
            ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => Reading::Decimal,
            ColumnType::MYSQL_TYPE_DATE
            | ColumnType::MYSQL_TYPE_DATETIME
            | ColumnType::MYSQL_TYPE_DATETIME2
            | ColumnType::MYSQL_TYPE_TIMESTAMP
            | ColumnType::MYSQL_TYPE_TIMESTAMP2 => Reading::DateTime,
            ColumnType::MYSQL_TYPE_TIME | ColumnType::MYSQL_TYPE_TIME2 => Reading::Time,
            ColumnType::MYSQL_TYPE_JSON => Reading::Json,
            _ if json => Reading::Json,
            ColumnType::MYSQL_TYPE_BIT | ColumnType::MYSQL_TYPE_GEOMETRY => Reading::Bytes,
            _ if binary && !column.flags().contains(ColumnFlags::ENUM_FLAG) => Reading::Bytes,
            _ => Reading::Text,
        }
    }
}

/// A column's value, as `reading` says.
pub(super) fn value(raw: SqlValue, reading: Reading, column: &Column) -> Value {
    match (raw, reading) {
        (SqlValue::NULL, _) => Value::Null,
        // A tinyint(1) holding something else than 0 or 1 keeps its number.
        (SqlValue::Int(integer @ (0 | 1)), Reading::Boolean) => Value::Bool(integer == 1),
        (SqlValue::Bytes(bits), Reading::Boolean) => Value::Bool(bits.iter().any(|bit| *bit != 0)),
        (SqlValue::Int(integer), _) => Value::Int(integer),
        (SqlValue::UInt(integer), _) => match i64::try_from(integer) {
            Ok(integer) => Value::Int(integer),
            Err(_) => Value::Decimal(integer.into()),
        },
        (SqlValue::Float(float), _) => Value::Float(f64::from(float)),
        (SqlValue::Double(float), _) => Value::Float(float),
        (SqlValue::Date(year, month, day, hour, minute, second, micros), _) => {
            date_time(column, (year, month, day), (hour, minute, second, micros))
        }
        (SqlValue::Time(negative, days, hours, minutes, seconds, micros), _) => {
            let time = (!negative && days == 0)
                .then(|| {
                    NaiveTime::from_hms_micro_opt(
                        hours.into(),
                        minutes.into(),
                        seconds.into(),
                        micros,
                    )
                })
                .flatten();
            match time {
                Some(time) => Value::Time(time),
                // Beyond a day (MySQL's TIME is a duration): its text.
                None => {
                    let sign = if negative { "-" } else { "" };
                    let hours = u64::from(days) * 24 + u64::from(hours);
                    Value::from(format!("{sign}{hours}:{minutes:02}:{seconds:02}").as_str())
                }
            }
        }
        (SqlValue::Bytes(bytes), Reading::Decimal) => {
            let text = String::from_utf8_lossy(&bytes);
            match rust_decimal::Decimal::from_str_exact(&text) {
                Ok(decimal) => Value::Decimal(decimal),
                Err(_) => Value::String(Text::from(text.as_ref())),
            }
        }
        (SqlValue::Bytes(bytes), Reading::Json) => {
            match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(json) => Value::from(json),
                Err(_) => Value::String(Text::from(String::from_utf8_lossy(&bytes).as_ref())),
            }
        }
        (SqlValue::Bytes(bytes), Reading::Bytes) => Value::Bytes(bytes.into_boxed_slice()),
        (SqlValue::Bytes(bytes), _) => Value::String(match String::from_utf8(bytes) {
            Ok(text) => Text::from(text),
            Err(error) => Text::from(String::from_utf8_lossy(error.as_bytes()).as_ref()),
        }),
    }
}

/// A DATE as a date; a DATETIME or TIMESTAMP as a moment in UTC (sessions run in UTC). Zero
/// dates (`0000-00-00`) stay text.
fn date_time(column: &Column, (year, month, day): (u16, u8, u8), time: (u8, u8, u8, u32)) -> Value {
    let Some(date) = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into()) else {
        return Value::from(format!("{year:04}-{month:02}-{day:02}").as_str());
    };
    if column.column_type() == ColumnType::MYSQL_TYPE_DATE {
        return Value::Date(date);
    }
    let (hour, minute, second, micros) = time;
    match NaiveTime::from_hms_micro_opt(hour.into(), minute.into(), second.into(), micros) {
        Some(time) => Value::Timestamp(date.and_time(time).and_utc()),
        None => Value::Date(date),
    }
}

/// How a cursor value is written in the sync state and bound when the next run reads from it:
/// dates and times as MySQL reads them.
pub(super) fn cursor_text(value: &Value) -> String {
    match value {
        Value::Timestamp(moment) => moment.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        Value::Time(time) => time.format("%H:%M:%S%.6f").to_string(),
        other => other.to_text().into_owned(),
    }
}

/// The type the bound cursor text is cast to, to compare as the cursor column does.
pub(super) fn cursor_cast(column: &Column) -> Option<&'static str> {
    let unsigned = column.flags().contains(ColumnFlags::UNSIGNED_FLAG);
    Some(match Reading::of(column, false) {
        Reading::Integer | Reading::Boolean if unsigned => "UNSIGNED",
        Reading::Integer | Reading::Boolean => "SIGNED",
        Reading::Float => "DOUBLE",
        Reading::Decimal => "DECIMAL(65, 30)",
        Reading::DateTime if column.column_type() == ColumnType::MYSQL_TYPE_DATE => "DATE",
        Reading::DateTime => "DATETIME(6)",
        Reading::Time => "TIME(6)",
        _ => return None,
    })
}
