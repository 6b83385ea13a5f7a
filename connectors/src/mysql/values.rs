//! Record values bound for MySQL and MariaDB: the column type a field is staged in (the table's,
//! widened so the server checks the table's own limits when the rows are published; or one the
//! values suggest for a new column), and whether a value fits it — why not, in words.

use mysql::Value as SqlValue;
use rust_decimal::Decimal;
use sluice_core::Value;

use crate::coerce::{boolean, date, describe, float, integer, moment, time};

/// How a staging column holds a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Staged {
    Boolean,
    /// Whole numbers (`BIGINT`, or `BIGINT UNSIGNED`).
    Integer {
        unsigned: bool,
    },
    Double,
    /// An exact decimal with at most `precision` digits, `scale` of them after the point.
    Decimal {
        precision: u32,
        scale: u32,
    },
    /// Text; `key`: part of the upsert key, so indexable (at most 768 characters).
    Text {
        key: bool,
    },
    Binary {
        key: bool,
    },
    Date,
    Time,
    DateTime,
    Json,
}

/// The most digits of a MySQL decimal, and after its point.
const MAX_PRECISION: u32 = 65;
const MAX_SCALE: u32 = 30;

/// The longest indexable text (768 four-byte characters: InnoDB's 3072-byte key limit).
const KEY_CHARACTERS: usize = 768;

impl Staged {
    /// How a field is staged for a table column (`DATA_TYPE`, `COLUMN_TYPE`, precision and scale
    /// from `information_schema.COLUMNS`).
    pub fn for_column(data_type: &str, column_type: &str, precision: u32, scale: u32) -> Staged {
        let unsigned = column_type.contains("unsigned");
        match data_type {
            "tinyint" if column_type.starts_with("tinyint(1)") => Staged::Boolean,
            "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "year" => {
                Staged::Integer { unsigned }
            }
            "float" | "double" | "real" => Staged::Double,
            "decimal" | "numeric" => Staged::Decimal { precision, scale },
            "date" => Staged::Date,
            "time" => Staged::Time,
            "datetime" | "timestamp" => Staged::DateTime,
            "json" => Staged::Json,
            "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
                Staged::Binary { key: false }
            }
            _ => Staged::Text { key: false },
        }
    }

    /// The column type values suggest when Sluice creates the column (`None` for null); `key`
    /// for a column of the upsert key.
    pub fn for_value(value: &Value, key: bool) -> Option<Staged> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(_) => Staged::Boolean,
            Value::Int(_) => Staged::Integer { unsigned: false },
            Value::Float(_) => Staged::Double,
            Value::Decimal(decimal) => Staged::Decimal {
                precision: digits(decimal).0 + decimal.scale(),
                scale: decimal.scale(),
            },
            Value::String(_) => Staged::Text { key },
            Value::Bytes(_) => Staged::Binary { key },
            Value::Date(_) => Staged::Date,
            Value::Time(_) => Staged::Time,
            Value::Timestamp(_) => Staged::DateTime,
            Value::Json(json) if json.tree().is_number() => Staged::Double,
            Value::Json(_) => Staged::Json,
        })
    }

    /// The type that holds both (numbers widen, decimals grow); text when nothing else would.
    pub fn widen(self, other: Staged) -> Staged {
        use Staged::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Integer { .. }, Double) | (Double, Integer { .. }) => Double,
            (
                Decimal {
                    precision: p1,
                    scale: s1,
                },
                Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => {
                let scale = s1.max(s2).min(MAX_SCALE);
                let whole = (p1 - s1).max(p2 - s2);
                Decimal {
                    precision: (whole + scale).min(MAX_PRECISION),
                    scale,
                }
            }
            (Integer { .. }, Decimal { precision, scale })
            | (Decimal { precision, scale }, Integer { .. }) => Decimal {
                precision: (precision - scale)
                    .max(19)
                    .saturating_add(scale)
                    .min(MAX_PRECISION),
                scale,
            },
            (Text { key: k1 }, Text { key: k2 }) => Text { key: k1 || k2 },
            (Binary { key: k1 }, Binary { key: k2 }) => Binary { key: k1 || k2 },
            (a, b) => Text {
                key: [a, b]
                    .iter()
                    .any(|side| matches!(side, Text { key: true } | Binary { key: true })),
            },
        }
    }

    pub fn sql_type(&self) -> String {
        match self {
            Staged::Boolean => "BOOLEAN".into(),
            Staged::Integer { unsigned: false } => "BIGINT".into(),
            Staged::Integer { unsigned: true } => "BIGINT UNSIGNED".into(),
            Staged::Double => "DOUBLE".into(),
            Staged::Decimal { precision, scale } => {
                format!("DECIMAL({}, {scale})", (*precision).max(1))
            }
            // Keys compare exactly: "a" and "A" are two keys.
            Staged::Text { key: true } => format!("VARCHAR({KEY_CHARACTERS}) COLLATE utf8mb4_bin"),
            Staged::Text { key: false } => "LONGTEXT".into(),
            Staged::Binary { key: true } => "VARBINARY(3072)".into(),
            Staged::Binary { key: false } => "LONGBLOB".into(),
            Staged::Date => "DATE".into(),
            Staged::Time => "TIME(6)".into(),
            Staged::DateTime => "DATETIME(6)".into(),
            Staged::Json => "JSON".into(),
        }
    }
}

/// The digits of a decimal before and after its point.
fn digits(decimal: &Decimal) -> (u32, u32) {
    let whole = decimal.trunc().abs().to_string();
    let whole = if whole == "0" { 0 } else { whole.len() as u32 };
    (whole, decimal.scale())
}

/// `value` bound for a column staged as `staged` (a missing field binds NULL); why not, when it
/// does not fit.
pub(super) fn fit(value: Option<&Value>, staged: &Staged) -> Result<SqlValue, String> {
    let Some(value) = value.filter(|value| !value.is_null()) else {
        return Ok(SqlValue::NULL);
    };
    let refuse = || {
        Err(format!(
            "{} does not fit a column of type {}",
            describe(value),
            staged.sql_type()
        ))
    };
    let text = |text: &str| -> Result<SqlValue, String> {
        if matches!(staged, Staged::Text { key: true }) && text.chars().count() > KEY_CHARACTERS {
            return Err(format!(
                "the text is longer than the {KEY_CHARACTERS} characters a key column holds"
            ));
        }
        Ok(SqlValue::Bytes(text.as_bytes().to_vec()))
    };
    match staged {
        Staged::Boolean => match boolean(value) {
            Some(flag) => Ok(SqlValue::Int(i64::from(flag))),
            None => refuse(),
        },
        Staged::Integer { unsigned } => match integer(value) {
            Some(integer) if *unsigned && integer < 0 => refuse(),
            Some(integer) => Ok(SqlValue::Int(integer)),
            // Unsigned values beyond i64 come as exact decimals.
            None if *unsigned => match value.to_text().trim().parse::<u64>() {
                Ok(integer) => Ok(SqlValue::UInt(integer)),
                Err(_) => refuse(),
            },
            None => refuse(),
        },
        Staged::Double => match float(value) {
            Some(float) if float.is_finite() => Ok(SqlValue::Double(float)),
            _ => refuse(),
        },
        Staged::Decimal { precision, scale } => {
            let decimal = match value {
                Value::Decimal(decimal) => Some(*decimal),
                Value::Int(integer) => Some(Decimal::from(*integer)),
                Value::Float(float) => Decimal::from_str_exact(&float.to_string()).ok(),
                Value::String(text) => Decimal::from_str_exact(text.trim()).ok(),
                Value::Json(json) => Decimal::from_str_exact(&json.tree().to_string()).ok(),
                _ => None,
            };
            let Some(decimal) = decimal.map(|decimal| decimal.normalize()) else {
                return refuse();
            };
            let (whole, decimals) = digits(&decimal);
            if decimals > *scale {
                return Err(format!(
                    "{} has more decimals than the column's {scale}: it would be rounded",
                    describe(value)
                ));
            }
            if whole > precision.saturating_sub(*scale) {
                return refuse();
            }
            Ok(SqlValue::Bytes(decimal.to_string().into_bytes()))
        }
        Staged::Text { .. } => match value {
            Value::Json(json) => text(&json.tree().to_string()),
            Value::Float(float) if !float.is_finite() => text(&crate::coerce::float_text(*float)),
            other => text(&other.to_text()),
        },
        Staged::Binary { key } => {
            let bytes = match value {
                Value::Bytes(bytes) => bytes.to_vec(),
                other => other.to_text().into_owned().into_bytes(),
            };
            if *key && bytes.len() > 3072 {
                return Err("the bytes are longer than the 3072 a key column holds".into());
            }
            Ok(SqlValue::Bytes(bytes))
        }
        Staged::Date => match date(value).filter(|day| in_range(*day)) {
            Some(day) => Ok(date_time(day, chrono::NaiveTime::MIN)),
            None => refuse(),
        },
        Staged::Time => match time(value) {
            Some(time) => Ok(time_of_day(time)),
            None => refuse(),
        },
        Staged::DateTime => match moment(value).filter(|moment| in_range(moment.date_naive())) {
            Some(moment) => Ok(date_time(moment.date_naive(), moment.time())),
            None => refuse(),
        },
        Staged::Json => {
            let json = match value {
                Value::Json(json) => json.tree().to_string(),
                other => serde_json::to_string(other).map_err(|error| error.to_string())?,
            };
            Ok(SqlValue::Bytes(json.into_bytes()))
        }
    }
}

/// MySQL's dates run from year 1 to 9999.
fn in_range(day: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&day.year())
}

fn date_time(day: chrono::NaiveDate, time: chrono::NaiveTime) -> SqlValue {
    use chrono::{Datelike, Timelike};
    SqlValue::Date(
        u16::try_from(day.year()).unwrap_or(0),
        day.month() as u8,
        day.day() as u8,
        time.hour() as u8,
        time.minute() as u8,
        time.second() as u8,
        time.nanosecond().min(999_999_999) / 1000,
    )
}

fn time_of_day(time: chrono::NaiveTime) -> SqlValue {
    use chrono::Timelike;
    SqlValue::Time(
        false,
        0,
        time.hour() as u8,
        time.minute() as u8,
        time.second() as u8,
        time.nanosecond().min(999_999_999) / 1000,
    )
}
