//! Typed values: what one field of a record holds, and how it reads and writes as JSON and text.
//!
//! Every connector maps its types onto these: CSV text is `String`, JSON numbers are `Int` or
//! `Float`, a database's numeric is `Decimal`, its timestamp `Timestamp`. Short text (up to 24
//! bytes) is stored inline, so most fields cost no allocation.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::nested::Nested;

/// What an allocation costs beyond the bytes asked for (its header and rounding), for memory
/// estimates.
pub const ALLOCATION_OVERHEAD: usize = 16;

/// Text in a value: inline up to 24 bytes, on the heap beyond.
pub type Text = compact_str::CompactString;

/// An exact decimal number (a database's `numeric`), up to 28 significant digits.
pub type Decimal = rust_decimal::Decimal;

/// One field's value.
///
/// As JSON (previews, run samples, `json.write`): null, booleans and numbers as themselves, a
/// decimal as its exact digits in a string, bytes as hex text, dates and times as ISO 8601 text
/// (timestamps in UTC, RFC 3339), `Json` as the nested value it holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Decimal(Decimal),
    String(Text),
    Bytes(Box<[u8]>),
    Date(NaiveDate),
    Time(NaiveTime),
    Timestamp(DateTime<Utc>),
    /// Arrays, objects and numbers beyond `i64`, as JSON.
    Json(Box<Nested>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The text, when the value is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Nested JSON as a value.
    fn json(tree: serde_json::Value) -> Value {
        Value::Json(Box::new(Nested::from(tree)))
    }

    /// The value of one JSON text of a record's field, as the parser read it: an array or object
    /// is kept as its text until something looks inside (see [`Nested`]), a scalar is read now.
    /// `None` for an array or object nested deeper than the parser reads.
    pub fn from_json_text(text: &RawValue) -> Option<Value> {
        let json = text.get();
        if let Some(plain) = plain_string(json) {
            return Some(Value::from(plain));
        }
        Some(match json.as_bytes().first() {
            Some(b'{' | b'[') => Value::Json(Box::new(Nested::from_text(text)?)),
            _ => match json {
                "null" => Value::Null,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => short_integer(json).map_or_else(
                    || serde_json::from_str(json).unwrap_or_default(),
                    Value::Int,
                ),
            },
        })
    }

    /// Appends `text` to `values` as a text value, its bytes copied straight into its place.
    /// (Made aside and moved in, a short text is read back in wider pieces right after its bytes
    /// were copied, a store-forwarding stall that took a tenth of the CSV reader's time.)
    pub fn push_text(values: &mut Vec<Value>, text: &str) {
        values.push(Value::String(Text::default()));
        let Some(Value::String(slot)) = values.last_mut() else {
            unreachable!("a text value was just pushed")
        };
        slot.push_str(text);
    }

    /// Appends the value of one JSON text of a record's field to `values`, as
    /// [`Value::from_json_text`] reads it (text copied into its place, see [`Value::push_text`]).
    pub fn push_json_text(values: &mut Vec<Value>, text: &RawValue) -> Option<()> {
        match plain_string(text.get()) {
            Some(plain) => Value::push_text(values, plain),
            None => values.push(Value::from_json_text(text)?),
        }
        Some(())
    }

    /// The value as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(flag) => serde_json::Value::Bool(*flag),
            Value::Int(integer) => serde_json::Value::from(*integer),
            Value::Float(float) => serde_json::Number::from_f64(*float)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(text) => serde_json::Value::String(text.to_string()),
            Value::Json(json) => json.tree().clone(),
            other => serde_json::Value::String(other.to_text().into_owned()),
        }
    }

    /// The value as JSON, without copying nested JSON.
    pub fn into_json(self) -> serde_json::Value {
        match self {
            Value::Json(json) => json.into_tree(),
            Value::String(text) => serde_json::Value::String(text.into_string()),
            other => other.to_json(),
        }
    }

    /// Roughly how many bytes of text or data the value holds beyond its own three words: what
    /// bounds a record's size.
    pub fn size_in_bytes(&self) -> usize {
        match self {
            Value::String(text) => text.len(),
            Value::Bytes(bytes) => bytes.len(),
            Value::Json(json) => match json.unparsed() {
                Some(text) => text.get().len(),
                None => json_length_within(json.tree(), usize::MAX).unwrap_or(usize::MAX),
            },
            _ => 0,
        }
    }

    /// About how much memory the value holds beyond its own 24 bytes: text too long to be kept
    /// inline, bytes and JSON, each with what the allocator adds to an allocation.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Value::String(text) if text.is_heap_allocated() => {
                text.capacity() + ALLOCATION_OVERHEAD
            }
            Value::Bytes(_) | Value::Json(_) => self.size_in_bytes() + ALLOCATION_OVERHEAD,
            _ => 0,
        }
    }

    /// The value as text, as CSV writes it: text as is, null as empty, numbers and booleans as
    /// JSON writes them, dates and times as ISO 8601, bytes as hex, arrays and objects as JSON.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Bool(flag) => Cow::Borrowed(if *flag { "true" } else { "false" }),
            Value::String(text) => Cow::Borrowed(text),
            other => {
                let mut text = String::new();
                other.write_text(&mut text);
                Cow::Owned(text)
            }
        }
    }

    /// Appends the value's text (as [`Value::to_text`] gives it) to `into`, without an
    /// intermediate string.
    pub fn write_text(&self, into: &mut String) {
        use std::fmt::Write;
        let _ = match self {
            Value::Null => Ok(()),
            Value::Bool(flag) => into.write_str(if *flag { "true" } else { "false" }),
            Value::Int(integer) => into.write_str(itoa::Buffer::new().format(*integer)),
            Value::Float(float) => match serde_json::Number::from_f64(*float) {
                Some(number) => write!(into, "{number}"),
                None => Ok(()),
            },
            Value::Decimal(decimal) => write!(into, "{}", decimal.normalize()),
            Value::String(text) => into.write_str(text),
            Value::Bytes(bytes) => bytes.iter().try_for_each(|byte| write!(into, "{byte:02x}")),
            Value::Date(date) => write!(into, "{}", date.format("%Y-%m-%d")),
            Value::Time(time) => write!(into, "{}", time.format("%H:%M:%S%.f")),
            Value::Timestamp(at) => {
                into.write_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            Value::Json(json) => write!(into, "{}", json.tree()),
        };
    }

    /// The type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Decimal(_) => "decimal",
            Value::String(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::Timestamp(_) => "timestamp",
            Value::Json(json) if json.is_array() => "array",
            Value::Json(json) if json.is_object() => "object",
            Value::Json(_) => "number",
        }
    }
}

/// How many bytes `value` takes written as JSON, found without keeping the text; `None` once
/// that passes `limit` (the writing stops there).
pub(crate) fn json_length_within(value: &impl Serialize, limit: usize) -> Option<usize> {
    struct Counter {
        written: usize,
        limit: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.written = self
                .written
                .checked_add(bytes.len())
                .filter(|written| *written <= self.limit)
                .ok_or_else(|| std::io::Error::other("over the limit"))?;
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter { written: 0, limit };
    match serde_json::to_writer(&mut counter, value) {
        Err(error) if error.is_io() => None,
        _ => Some(counter.written),
    }
}

/// A JSON integer of at most 18 digits (so within `i64`), read without the JSON parser; `None`
/// for anything else, `-0` included (the parser reads it as a float).
fn short_integer(json: &str) -> Option<i64> {
    let digits = json.strip_prefix('-').unwrap_or(json);
    let plain = !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    (plain && json != "-0").then(|| json.parse().ok()).flatten()
}

impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(flag),
            serde_json::Value::Number(number) => match (number.as_i64(), number.as_f64()) {
                (Some(integer), _) => Value::Int(integer),
                (None, Some(float)) if !number.is_u64() => Value::Float(float),
                _ => Value::json(serde_json::Value::Number(number)),
            },
            serde_json::Value::String(text) => Value::String(Text::from(text)),
            other => Value::json(other),
        }
    }
}

impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::String(text) => Value::String(Text::from(text.as_str())),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => Value::json(json.clone()),
            scalar => Value::from(scalar.clone()),
        }
    }
}

/// The text of a JSON string without escapes (`"abc"` → `abc`); `None` for anything else.
pub(crate) fn plain_string(json: &str) -> Option<&str> {
    json.strip_prefix('"')?
        .strip_suffix('"')
        .filter(|text| !text.contains('\\'))
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(Text::from(text))
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(Text::from(text))
    }
}

impl From<Text> for Value {
    fn from(text: Text) -> Value {
        Value::String(text)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Value {
        Value::Bool(flag)
    }
}

impl From<i64> for Value {
    fn from(integer: i64) -> Value {
        Value::Int(integer)
    }
}

impl From<u64> for Value {
    fn from(integer: u64) -> Value {
        match i64::try_from(integer) {
            Ok(integer) => Value::Int(integer),
            Err(_) => Value::json(serde_json::Value::from(integer)),
        }
    }
}

impl From<f64> for Value {
    fn from(float: f64) -> Value {
        Value::Float(float)
    }
}

impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        self.to_json() == *other
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Int(integer) => serializer.serialize_i64(*integer),
            Value::Float(float) if float.is_finite() => serializer.serialize_f64(*float),
            Value::Float(_) => serializer.serialize_unit(),
            Value::String(text) => serializer.serialize_str(text),
            Value::Json(json) => json.tree().serialize(serializer),
            other => serializer.serialize_str(&other.to_text()),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// Reads a value straight from any serde format, without an intermediate JSON value for scalars.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Value, E> {
        Ok(Value::Bool(flag))
    }

    fn visit_i64<E: de::Error>(self, integer: i64) -> Result<Value, E> {
        Ok(Value::Int(integer))
    }

    fn visit_u64<E: de::Error>(self, integer: u64) -> Result<Value, E> {
        Ok(Value::from(integer))
    }

    fn visit_f64<E: de::Error>(self, float: f64) -> Result<Value, E> {
        Ok(Value::Float(float))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        Ok(Value::String(Text::from(text)))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value, E> {
        Ok(Value::String(Text::from(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, sequence: A) -> Result<Value, A::Error> {
        let json = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(sequence))?;
        Ok(Value::json(json))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let json = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Value::json(json))
    }
}

/// A short, human-readable rendering of a value for error messages: strings are quoted and long
/// values are cut so a message never turns into a data dump.
pub fn describe_value(value: &Value) -> String {
    const MAX: usize = 60;
    let text = match value {
        Value::String(text) => format!("'{text}'"),
        Value::Null => "null".to_string(),
        other => other.to_text().into_owned(),
    };
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
