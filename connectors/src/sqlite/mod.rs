//! SQLite database files: `sqlite.read` (a table or a query, optionally incremental by a cursor
//! column) and `sqlite.write` (append, replace or upsert, one transaction per run).

mod publish;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use publish::staging_kind;
pub use read::SqliteReadConfig;
pub use write::SqliteWriteConfig;

use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::Value;
use sluice_core::registry::ComponentDescriptor;

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![
        ComponentDescriptor::source::<SqliteReadConfig>(
            "sqlite.read",
            "Read SQLite",
            "Databases",
            "Reads rows from a SQLite table or query, all at once or only the new ones since the last run.",
        ),
        ComponentDescriptor::sink::<SqliteWriteConfig>(
            "sqlite.write",
            "Write SQLite",
            "Databases",
            "Writes records to a SQLite table (created as needed) in one transaction per run.",
        ),
    ]
}

/// A name as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQLite value as JSON. Blobs become lowercase hex text.
fn to_json(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(integer) => Value::from(integer),
        ValueRef::Real(real) => {
            serde_json::Number::from_f64(real).map_or(Value::Null, Value::Number)
        }
        ValueRef::Text(text) => Value::String(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => {
            Value::String(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
        }
    }
}

/// A JSON value as a SQLite value: booleans as 0/1, arrays and objects as JSON text.
fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(flag) => SqlValue::Integer(i64::from(*flag)),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => SqlValue::Integer(integer),
            None => SqlValue::Real(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => SqlValue::Text(text.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// A record's value bound to a statement without copying text.
pub(crate) struct Bind<'a>(pub Option<&'a Value>);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput;
        Ok(match self.0 {
            Some(Value::String(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Some(value) => ToSqlOutput::Owned(to_sql(value)),
            None => ToSqlOutput::Owned(SqlValue::Null),
        })
    }
}

/// The column type a JSON value suggests when a table is created.
fn column_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null => None,
        Value::Bool(_) => Some("INTEGER"),
        Value::Number(number) if number.is_i64() || number.is_u64() => Some("INTEGER"),
        Value::Number(_) => Some("REAL"),
        _ => Some("TEXT"),
    }
}
