//! SQLite database files: `sqlite.read` (a table or a query, optionally incremental by a cursor
//! column) and `sqlite.write` (append, replace or upsert, one transaction per run).

mod publish;
mod query;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use publish::staging_kind;
pub use query::SqlConfig;
pub use read::SqliteReadConfig;
pub use write::SqliteWriteConfig;

use rusqlite::types::{Value as SqlValue, ValueRef};
use sluice_core::registry::ComponentDescriptor;
use sluice_core::{Text, Value};

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
        ComponentDescriptor::transform::<SqlConfig>(
            "sql",
            "SQL query",
            "A SQL query over its inputs, each a table named after its node: joins, CTEs, window functions.",
        ),
    ]
}

/// A name as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQLite value as a record value. Blobs become bytes.
fn to_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(integer) => Value::Int(integer),
        ValueRef::Real(real) => Value::Float(real),
        ValueRef::Text(text) => Value::String(match std::str::from_utf8(text) {
            Ok(text) => Text::from(text),
            Err(_) => Text::from(String::from_utf8_lossy(text)),
        }),
        ValueRef::Blob(bytes) => Value::Bytes(bytes.into()),
    }
}

/// A record value as a SQLite value: booleans as 0/1, bytes as blobs, decimals, dates and times
/// as their text (exact, and ordered as text), arrays and objects as JSON text.
fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(flag) => SqlValue::Integer(i64::from(*flag)),
        Value::Int(integer) => SqlValue::Integer(*integer),
        Value::Float(float) => SqlValue::Real(*float),
        Value::Bytes(bytes) => SqlValue::Blob(bytes.to_vec()),
        Value::Json(json) if json.tree().is_number() => {
            SqlValue::Real(json.tree().as_f64().unwrap_or(f64::NAN))
        }
        other => SqlValue::Text(other.to_text().into_owned()),
    }
}

/// A record value bound to a statement parameter; a missing field binds null. Text and bytes are
/// borrowed, not copied.
pub(crate) struct Bind<'a>(pub Option<&'a Value>);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput;
        Ok(match self.0 {
            Some(Value::String(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Some(Value::Bytes(bytes)) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
            Some(Value::Int(integer)) => ToSqlOutput::Borrowed(ValueRef::Integer(*integer)),
            Some(value) => ToSqlOutput::Owned(to_sql(value)),
            None => ToSqlOutput::Owned(SqlValue::Null),
        })
    }
}

/// The column type a value suggests when a table is created.
fn column_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::Null => None,
        Value::Bool(_) | Value::Int(_) => Some("INTEGER"),
        Value::Json(json) if json.tree().is_u64() => Some("INTEGER"),
        Value::Float(_) => Some("REAL"),
        Value::Json(json) if json.tree().is_number() => Some("REAL"),
        Value::Bytes(_) => Some("BLOB"),
        _ => Some("TEXT"),
    }
}
