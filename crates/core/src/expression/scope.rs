//! A record made visible to expressions, and the conversions between record values and MiniJinja's.

use std::cell::{Ref, RefCell};
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Serde, ValueKind};
use minijinja::{Error as EngineError, ErrorKind, Value as JinjaValue};
use rust_decimal::prelude::ToPrimitive;

use crate::record::Record;
use crate::value::{Text, Value};

/// A record made visible to expressions: its fields are top-level variables and `record` is the
/// whole record. Entering and leaving a scope moves the record; nothing is copied. Compiled
/// expressions read the record in place; only MiniJinja needs it wrapped, which happens once per
/// scope, on first use.
pub struct RecordScope {
    state: RefCell<ScopeState>,
}

enum ScopeState {
    Plain(Record),
    Wrapped(JinjaValue),
    /// Only while switching from one to the other.
    Moving,
}

#[derive(Debug)]
struct ScopeObject {
    record: Record,
}

/// `record` inside an expression: a read-only view of the current record's fields.
#[derive(Debug)]
struct RecordView(Arc<ScopeObject>);

impl Object for ScopeObject {
    fn get_value(self: &Arc<Self>, key: &JinjaValue) -> Option<JinjaValue> {
        key.as_str().and_then(|name| self.get_value_by_str(name))
    }

    fn get_value_by_str(self: &Arc<Self>, name: &str) -> Option<JinjaValue> {
        match self.record.get(name) {
            Some(value) => Some(to_jinja(value)),
            None if name == "record" => Some(JinjaValue::from_object(RecordView(self.clone()))),
            None => None,
        }
    }
}

impl Object for RecordView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JinjaValue) -> Option<JinjaValue> {
        key.as_str()
            .and_then(|name| self.0.record.get(name))
            .map(to_jinja)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<JinjaValue> = self.0.record.keys().map(JinjaValue::from).collect();
        Enumerator::Values(keys)
    }
}

impl RecordScope {
    /// Makes `record` visible to expressions.
    pub fn enter(record: Record) -> RecordScope {
        RecordScope {
            state: RefCell::new(ScopeState::Plain(record)),
        }
    }

    /// The record in scope.
    pub fn record(&self) -> Ref<'_, Record> {
        Ref::map(self.state.borrow(), |state| match state {
            ScopeState::Plain(record) => record,
            ScopeState::Wrapped(value) => {
                &value
                    .downcast_object_ref::<ScopeObject>()
                    .expect("a scope wraps a ScopeObject")
                    .record
            }
            ScopeState::Moving => unreachable!("a scope is never seen while it moves"),
        })
    }

    /// The record as MiniJinja's context (wrapped on first use).
    pub(super) fn context(&self) -> JinjaValue {
        let mut state = self.state.borrow_mut();
        if let ScopeState::Plain(_) = &*state {
            let ScopeState::Plain(record) = std::mem::replace(&mut *state, ScopeState::Moving)
            else {
                unreachable!("checked above")
            };
            *state = ScopeState::Wrapped(JinjaValue::from_object(ScopeObject { record }));
        }
        match &*state {
            ScopeState::Wrapped(value) => value.clone(),
            _ => unreachable!("wrapped above"),
        }
    }

    /// Gives the record back. It is moved out when no evaluation result still refers to it, and
    /// copied otherwise (only when an expression returned `record` itself).
    pub fn leave(self) -> Record {
        match self.state.into_inner() {
            ScopeState::Plain(record) => record,
            ScopeState::Wrapped(value) => {
                let object = value
                    .downcast_object::<ScopeObject>()
                    .expect("a scope wraps a ScopeObject");
                drop(value);
                match Arc::try_unwrap(object) {
                    Ok(object) => object.record,
                    Err(shared) => shared.record.clone(),
                }
            }
            ScopeState::Moving => unreachable!("a scope is never left while it moves"),
        }
    }
}

/// A record value as an expression value. Dates and times are their ISO 8601 text, bytes their
/// hex text (as in JSON and CSV); decimals are floating-point numbers inside expressions.
fn to_jinja(value: &Value) -> JinjaValue {
    match value {
        Value::Null => JinjaValue::from(()),
        Value::Bool(flag) => JinjaValue::from(*flag),
        Value::Int(integer) => JinjaValue::from(*integer),
        Value::Float(float) => JinjaValue::from(*float),
        Value::Decimal(decimal) => JinjaValue::from(decimal.to_f64().unwrap_or(f64::NAN)),
        Value::String(text) => JinjaValue::from(text.as_str()),
        Value::Json(json) => from_json_value(json.tree()),
        other => JinjaValue::from(other.to_text().as_ref()),
    }
}

/// An expression value as a record value.
pub(super) fn from_jinja(value: &JinjaValue) -> Result<Value, EngineError> {
    Ok(match value.kind() {
        ValueKind::Undefined | ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(value.is_true()),
        ValueKind::String => Value::String(Text::from(value.as_str().unwrap_or_default())),
        ValueKind::Bytes => Value::Bytes(value.as_bytes().unwrap_or_default().into()),
        ValueKind::Number if value.is_integer() => match i64::try_from(value.clone()) {
            Ok(integer) => Value::Int(integer),
            Err(_) => Value::from(serde_json::to_value(value).map_err(serde_error)?),
        },
        ValueKind::Number => {
            let float = f64::try_from(value.clone())?;
            if !float.is_finite() {
                return Err(EngineError::new(
                    ErrorKind::InvalidOperation,
                    "the result is not a finite number",
                ));
            }
            Value::Float(float)
        }
        _ => {
            within_result_size(value)?;
            Value::from(serde_json::to_value(value).map_err(serde_error)?)
        }
    })
}

/// The most an array or object an expression makes may take, written as JSON. (A few operators
/// make large values in one step — `(x,) * 1000` repeats a list — which fuel does not see.)
const MAX_RESULT_JSON_BYTES: usize = 4 << 20;

/// Refuses an array or object that would be larger than [`MAX_RESULT_JSON_BYTES`] as JSON,
/// finding out without making it.
fn within_result_size(value: &JinjaValue) -> Result<(), EngineError> {
    match crate::value::json_length_within(value, MAX_RESULT_JSON_BYTES) {
        Some(_) => Ok(()),
        None => Err(EngineError::new(
            ErrorKind::InvalidOperation,
            format!(
                "the result is larger than {} MiB as JSON; make fewer or smaller items",
                MAX_RESULT_JSON_BYTES >> 20
            ),
        )),
    }
}

/// JSON → expression value. Strings, numbers and booleans convert directly; arrays and objects go
/// through serde.
fn from_json_value(value: &serde_json::Value) -> JinjaValue {
    match value {
        serde_json::Value::Null => JinjaValue::from(()),
        serde_json::Value::Bool(flag) => JinjaValue::from(*flag),
        serde_json::Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                JinjaValue::from(integer)
            } else if let Some(unsigned) = number.as_u64() {
                JinjaValue::from(unsigned)
            } else {
                JinjaValue::from(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(text) => JinjaValue::from(text.as_str()),
        other => JinjaValue::from(Serde(other)),
    }
}

/// Expression value → JSON.
pub(super) fn to_json_value(value: &JinjaValue) -> Result<serde_json::Value, EngineError> {
    Ok(from_jinja(value)?.into_json())
}

pub(super) fn serde_error(error: serde_json::Error) -> EngineError {
    EngineError::new(ErrorKind::InvalidOperation, error.to_string())
}
