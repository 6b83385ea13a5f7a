//! Records in the spill files' compact typed encoding: a record is its schema's number and its
//! values, each a tag byte and its bytes (lengths as little-endian u32/u64), so a spilled record
//! reads back exactly as it was — a decimal stays a decimal, a timestamp a timestamp.

use std::io::{self, Read, Write};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike};

use crate::nested::Nested;
use crate::value::{Text, Value};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const FLOAT: u8 = 4;
const DECIMAL: u8 = 5;
const STRING: u8 = 6;
const BYTES: u8 = 7;
const DATE: u8 = 8;
const TIME: u8 = 9;
const TIMESTAMP: u8 = 10;
const JSON: u8 = 11;

/// Writes one record: its schema's number, its values.
pub(super) fn write_record(out: &mut impl Write, schema: u32, values: &[Value]) -> io::Result<()> {
    out.write_all(&schema.to_le_bytes())?;
    out.write_all(&(values.len() as u32).to_le_bytes())?;
    for value in values {
        write_value(out, value)?;
    }
    Ok(())
}

fn write_bytes(out: &mut impl Write, tag: u8, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&[tag])?;
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

fn write_value(out: &mut impl Write, value: &Value) -> io::Result<()> {
    match value {
        Value::Null => out.write_all(&[NULL]),
        Value::Bool(false) => out.write_all(&[FALSE]),
        Value::Bool(true) => out.write_all(&[TRUE]),
        Value::Int(number) => {
            out.write_all(&[INT])?;
            out.write_all(&number.to_le_bytes())
        }
        Value::Float(number) => {
            out.write_all(&[FLOAT])?;
            out.write_all(&number.to_bits().to_le_bytes())
        }
        Value::Decimal(number) => {
            out.write_all(&[DECIMAL])?;
            out.write_all(&number.serialize())
        }
        Value::String(text) => write_bytes(out, STRING, text.as_bytes()),
        Value::Bytes(bytes) => write_bytes(out, BYTES, bytes),
        Value::Date(date) => {
            out.write_all(&[DATE])?;
            out.write_all(&date.num_days_from_ce().to_le_bytes())
        }
        Value::Time(time) => {
            out.write_all(&[TIME])?;
            out.write_all(&time.num_seconds_from_midnight().to_le_bytes())?;
            out.write_all(&time.nanosecond().to_le_bytes())
        }
        Value::Timestamp(at) => {
            out.write_all(&[TIMESTAMP])?;
            out.write_all(&at.timestamp().to_le_bytes())?;
            out.write_all(&at.timestamp_subsec_nanos().to_le_bytes())
        }
        Value::Json(nested) => {
            let text = match nested.unparsed() {
                Some(text) => text.get().to_string(),
                None => nested.tree().to_string(),
            };
            write_bytes(out, JSON, text.as_bytes())
        }
    }
}

/// Reads one record back: its schema's number and values; `None` at the end of the file.
pub(super) fn read_record(input: &mut impl Read) -> io::Result<Option<(u32, Vec<Value>)>> {
    let mut schema = [0u8; 4];
    match input.read_exact(&mut schema) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let count = u32::from_le_bytes(array(input)?) as usize;
    let mut values = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        values.push(read_value(input)?);
    }
    Ok(Some((u32::from_le_bytes(schema), values)))
}

fn array<const N: usize>(input: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a spill file holds {what}"),
    )
}

fn read_value(input: &mut impl Read) -> io::Result<Value> {
    let [tag] = array::<1>(input)?;
    Ok(match tag {
        NULL => Value::Null,
        FALSE => Value::Bool(false),
        TRUE => Value::Bool(true),
        INT => Value::Int(i64::from_le_bytes(array(input)?)),
        FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(array(input)?))),
        DECIMAL => Value::Decimal(rust_decimal::Decimal::deserialize(array(input)?)),
        STRING | BYTES | JSON => {
            let length = u64::from_le_bytes(array(input)?) as usize;
            let mut bytes = vec![0u8; length];
            input.read_exact(&mut bytes)?;
            match tag {
                STRING => Value::String(Text::from_utf8(bytes).map_err(|_| corrupt("bad text"))?),
                BYTES => Value::Bytes(bytes.into_boxed_slice()),
                _ => {
                    let tree: serde_json::Value =
                        serde_json::from_slice(&bytes).map_err(|_| corrupt("bad JSON"))?;
                    Value::Json(Box::new(Nested::from(tree)))
                }
            }
        }
        DATE => Value::Date(
            NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(array(input)?))
                .ok_or_else(|| corrupt("a bad date"))?,
        ),
        TIME => {
            let seconds = u32::from_le_bytes(array(input)?);
            let nanos = u32::from_le_bytes(array(input)?);
            Value::Time(
                NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos)
                    .ok_or_else(|| corrupt("a bad time"))?,
            )
        }
        TIMESTAMP => {
            let seconds = i64::from_le_bytes(array(input)?);
            let nanos = u32::from_le_bytes(array(input)?);
            Value::Timestamp(
                DateTime::from_timestamp(seconds, nanos)
                    .ok_or_else(|| corrupt("a bad timestamp"))?,
            )
        }
        _ => return Err(corrupt("an unknown value")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_reads_back_as_it_was() {
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(-42),
            Value::Float(2.5),
            Value::Decimal("123.4500".parse().unwrap()),
            Value::from("a text longer than twenty-four bytes, on the heap"),
            Value::from("short"),
            Value::Bytes(vec![0, 255, 7].into_boxed_slice()),
            Value::Date(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()),
            Value::Time(NaiveTime::from_hms_nano_opt(23, 59, 58, 123).unwrap()),
            Value::Timestamp(DateTime::from_timestamp(1_764_000_000, 5).unwrap()),
            Value::Json(Box::new(Nested::from(serde_json::json!({"a": [1, 2]})))),
        ];
        let mut file = Vec::new();
        write_record(&mut file, 7, &values).unwrap();
        write_record(&mut file, 0, &[]).unwrap();
        let mut input = file.as_slice();
        assert_eq!(read_record(&mut input).unwrap(), Some((7, values)));
        assert_eq!(read_record(&mut input).unwrap(), Some((0, Vec::new())));
        assert_eq!(read_record(&mut input).unwrap(), None);
    }
}
