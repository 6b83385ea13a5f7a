//! The expression language (MiniJinja) used by every condition and computed field: one
//! environment per run with Sluice's filters, expressions compiled once and evaluated per record.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Serde};
use minijinja::{Environment, Error as EngineError, ErrorKind, UndefinedBehavior, Value};

use crate::record::Record;

/// Why an expression could not be compiled or evaluated, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExpressionError {
    pub message: String,
}

impl ExpressionError {
    fn from_engine(error: &EngineError) -> ExpressionError {
        let text = error.to_string();
        // MiniJinja appends "(in <expression>:1)"; the caller says where the expression is.
        let text = match text.rfind(" (in ") {
            Some(index) => text[..index].to_string(),
            None => text,
        };
        // "invalid operation" says nothing the detail does not; other kinds (syntax error,
        // unknown filter, …) are kept because they say what sort of mistake it is.
        let text = text
            .strip_prefix("invalid operation: ")
            .map(str::to_string)
            .unwrap_or(text);
        ExpressionError { message: text }
    }
}

/// The expression environment of one run: Sluice's filters and functions, the flow variables as
/// `vars`, and `now()` fixed to the run's start so every record of a run sees the same time.
pub struct Expressions {
    environment: Environment<'static>,
}

impl std::fmt::Debug for Expressions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Expressions")
    }
}

impl Expressions {
    /// The environment for a run that started at `started_at` with these flow variables.
    pub fn new(
        vars: &serde_json::Map<String, serde_json::Value>,
        started_at: DateTime<Utc>,
    ) -> Self {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        environment.add_global("vars", Value::from(Serde(vars)));
        let now = started_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        environment.add_function("now", move || now.clone());
        environment.add_filter("json", to_json);
        environment.add_filter("parse_json", parse_json);
        environment.add_filter("parse_datetime", parse_datetime);
        environment.add_filter("format_datetime", format_datetime);
        environment.add_filter("timestamp", timestamp);
        environment.add_filter("round", round);
        environment.add_filter("float", to_float);
        environment.add_filter("int", to_int);
        Expressions { environment }
    }

    /// An environment for checking expressions without running anything.
    pub fn for_validation() -> Self {
        Self::new(&serde_json::Map::new(), Utc::now())
    }

    /// Renders a template such as `https://api.example.com/{{ vars.account }}/orders` with the
    /// flow variables and the given extra values (e.g. `cursor`, `page`).
    pub fn render(
        &self,
        template: &str,
        values: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, ExpressionError> {
        if !template.contains("{{") && !template.contains("{%") {
            return Ok(template.to_string());
        }
        self.environment
            .render_str(template, Value::from(Serde(values)))
            .map_err(|error| ExpressionError::from_engine(&error))
    }

    /// Compiles a bare expression such as `status == 'active'` or `amount | float * 100`.
    pub fn compile(&self, source: &str) -> Result<CompiledExpression<'_>, ExpressionError> {
        if source.trim().is_empty() {
            return Err(ExpressionError {
                message: "the expression is empty".into(),
            });
        }
        let expression = self
            .environment
            .compile_expression_owned(source.to_string())
            .map_err(|error| ExpressionError::from_engine(&error))?;
        let mut fields: Vec<String> = expression.undeclared_variables(false).into_iter().collect();
        fields.retain(|name| !matches!(name.as_str(), "record" | "vars" | "now"));
        fields.sort();
        Ok(CompiledExpression {
            expression,
            source: source.to_string(),
            fields,
        })
    }
}

/// An expression compiled once for a run, evaluated against one record at a time.
pub struct CompiledExpression<'env> {
    expression: minijinja::Expression<'env, 'static>,
    source: String,
    fields: Vec<String>,
}

impl std::fmt::Debug for CompiledExpression<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledExpression")
            .field("source", &self.source)
            .finish()
    }
}

impl CompiledExpression<'_> {
    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The record fields the expression reads (its free variables, less `record` and `vars`).
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Evaluates the expression for the record in `scope`, giving a JSON value.
    pub fn evaluate(&self, scope: &RecordScope) -> Result<serde_json::Value, ExpressionError> {
        let value = self.evaluate_raw(scope)?;
        if value.is_undefined() {
            return Err(self.missing_field_error(scope));
        }
        to_json_value(&value).map_err(|error| ExpressionError::from_engine(&error))
    }

    /// Evaluates the expression as a condition: true when its value is truthy.
    pub fn is_true(&self, scope: &RecordScope) -> Result<bool, ExpressionError> {
        let value = self.evaluate_raw(scope)?;
        if value.is_undefined() {
            return Err(self.missing_field_error(scope));
        }
        Ok(value.is_true())
    }

    fn evaluate_raw(&self, scope: &RecordScope) -> Result<Value, ExpressionError> {
        self.expression.eval(scope.value.clone()).map_err(|error| {
            let missing = self.missing_fields(scope);
            if missing.is_empty() || error.kind() != ErrorKind::UndefinedError {
                ExpressionError::from_engine(&error)
            } else {
                self.missing_field_error(scope)
            }
        })
    }

    fn missing_fields(&self, scope: &RecordScope) -> Vec<&str> {
        let record = scope.record();
        self.fields
            .iter()
            .filter(|field| !record.contains_key(field.as_str()))
            .map(String::as_str)
            .collect()
    }

    fn missing_field_error(&self, scope: &RecordScope) -> ExpressionError {
        let missing = self.missing_fields(scope);
        let available: Vec<&str> = scope.record().keys().map(String::as_str).take(12).collect();
        let message = match missing.as_slice() {
            [] => "the expression has no value for this record".to_string(),
            [one] => format!(
                "the record has no field `{one}` (its fields: {})",
                available.join(", ")
            ),
            many => format!(
                "the record has no fields {} (its fields: {})",
                many.iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                available.join(", ")
            ),
        };
        ExpressionError { message }
    }
}

/// A record made visible to expressions: its fields are top-level variables and `record` is the
/// whole record. Entering and leaving a scope moves the record; nothing is copied.
pub struct RecordScope {
    value: Value,
}

#[derive(Debug)]
struct ScopeObject {
    record: Record,
}

/// `record` inside an expression: a read-only view of the current record's fields.
#[derive(Debug)]
struct RecordView(Arc<ScopeObject>);

impl Object for ScopeObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        key.as_str().and_then(|name| self.get_value_by_str(name))
    }

    fn get_value_by_str(self: &Arc<Self>, name: &str) -> Option<Value> {
        match self.record.get(name) {
            Some(value) => Some(from_json_value(value)),
            None if name == "record" => Some(Value::from_object(RecordView(self.clone()))),
            None => None,
        }
    }
}

impl Object for RecordView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        key.as_str()
            .and_then(|name| self.0.record.get(name))
            .map(from_json_value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<Value> = self
            .0
            .record
            .keys()
            .map(|key| Value::from(key.as_str()))
            .collect();
        Enumerator::Values(keys)
    }
}

impl RecordScope {
    /// Makes `record` visible to expressions.
    pub fn enter(record: Record) -> RecordScope {
        RecordScope {
            value: Value::from_object(ScopeObject { record }),
        }
    }

    /// The record in scope.
    pub fn record(&self) -> &Record {
        &self
            .value
            .downcast_object_ref::<ScopeObject>()
            .expect("a scope always holds a ScopeObject")
            .record
    }

    /// Gives the record back. It is moved out when no evaluation result still refers to it, and
    /// copied otherwise (only when an expression returned `record` itself).
    pub fn leave(self) -> Record {
        let object = self
            .value
            .downcast_object::<ScopeObject>()
            .expect("a scope always holds a ScopeObject");
        drop(self.value);
        match Arc::try_unwrap(object) {
            Ok(object) => object.record,
            Err(shared) => shared.record.clone(),
        }
    }
}

/// JSON → expression value. Strings, numbers and booleans convert directly; arrays and objects go
/// through serde.
pub fn from_json_value(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(flag) => Value::from(*flag),
        serde_json::Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                Value::from(integer)
            } else if let Some(unsigned) = number.as_u64() {
                Value::from(unsigned)
            } else {
                Value::from(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(text) => Value::from(text.as_str()),
        other => Value::from(Serde(other)),
    }
}

/// Expression value → JSON.
pub fn to_json_value(value: &Value) -> Result<serde_json::Value, EngineError> {
    use minijinja::value::ValueKind;
    Ok(match value.kind() {
        ValueKind::Undefined | ValueKind::None => serde_json::Value::Null,
        ValueKind::Bool => serde_json::Value::Bool(value.is_true()),
        ValueKind::String => serde_json::Value::String(value.as_str().unwrap_or_default().into()),
        ValueKind::Number if value.is_integer() => match i64::try_from(value.clone()) {
            Ok(integer) => serde_json::Value::from(integer),
            Err(_) => serde_json::to_value(value).map_err(serde_error)?,
        },
        ValueKind::Number => {
            let float = f64::try_from(value.clone())?;
            serde_json::Number::from_f64(float)
                .map(serde_json::Value::Number)
                .ok_or_else(|| {
                    EngineError::new(
                        ErrorKind::InvalidOperation,
                        "the result is not a finite number",
                    )
                })?
        }
        _ => serde_json::to_value(value).map_err(serde_error)?,
    })
}

fn serde_error(error: serde_json::Error) -> EngineError {
    EngineError::new(ErrorKind::InvalidOperation, error.to_string())
}

/// `value | json`: the value as compact JSON text.
fn to_json(value: &Value) -> Result<String, EngineError> {
    serde_json::to_string(&to_json_value(value)?).map_err(serde_error)
}

/// `text | parse_json`: JSON text as a value (object, array, number, …).
fn parse_json(text: &str) -> Result<Value, EngineError> {
    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|error| {
        EngineError::new(
            ErrorKind::InvalidOperation,
            format!("not valid JSON: {error}"),
        )
    })?;
    Ok(Value::from(Serde(&parsed)))
}

/// Reads a date/time from a value: text (see [`parse_datetime_text`]) or a unix timestamp in
/// seconds.
fn read_datetime(value: &Value, format: Option<&str>) -> Result<DateTime<Utc>, EngineError> {
    let invalid = |detail: String| EngineError::new(ErrorKind::InvalidOperation, detail);
    if value.is_number() {
        let seconds = f64::try_from(value.clone())?;
        return Utc
            .timestamp_opt(seconds.trunc() as i64, (seconds.fract() * 1e9) as u32)
            .single()
            .ok_or_else(|| invalid(format!("{seconds} is not a valid unix timestamp")));
    }
    let text = value
        .as_str()
        .ok_or_else(|| invalid(format!("cannot read a date from a {}", value.kind())))?;
    parse_datetime_text(text, format).map_err(invalid)
}

/// Reads a date/time from text: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS[.fff]]]`, a unix timestamp in
/// seconds, or any layout given as a strftime `format`. Times without an offset are taken as UTC.
pub fn parse_datetime_text(text: &str, format: Option<&str>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Some(format) = format {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Ok(parsed.with_timezone(&Utc));
        }
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(parsed.and_utc());
        }
        if let Ok(parsed) = NaiveDate::parse_from_str(text, format) {
            return Ok(parsed
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc());
        }
        return Err(format!(
            "'{text}' does not match the date format '{format}'"
        ));
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Ok(parsed.with_timezone(&Utc));
    }
    for layout in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, layout) {
            return Ok(parsed.and_utc());
        }
    }
    if let Ok(parsed) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(parsed
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc());
    }
    if let Ok(seconds) = text.parse::<i64>()
        && let Some(parsed) = Utc.timestamp_opt(seconds, 0).single()
    {
        return Ok(parsed);
    }
    Err(format!(
        "'{text}' is not a date; give its layout, e.g. parse_datetime('%d/%m/%Y')"
    ))
}

/// `text | parse_datetime` or `text | parse_datetime('%d/%m/%Y %H:%M')`: an RFC 3339 UTC timestamp.
fn parse_datetime(value: &Value, format: Option<String>) -> Result<String, EngineError> {
    let parsed = read_datetime(value, format.as_deref())?;
    Ok(parsed.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `date | format_datetime('%d.%m.%Y')`: a date/time rendered with a strftime layout.
fn format_datetime(value: &Value, format: String) -> Result<String, EngineError> {
    use std::fmt::Write;
    let parsed = read_datetime(value, None)?;
    let mut rendered = String::new();
    write!(rendered, "{}", parsed.format(&format)).map_err(|_| {
        EngineError::new(
            ErrorKind::InvalidOperation,
            format!("'{format}' is not a valid date layout"),
        )
    })?;
    Ok(rendered)
}

/// The `default` a conversion filter was given, positionally or as `default=`.
fn conversion_default(
    default: Option<Value>,
    kwargs: &Kwargs,
) -> Result<Option<Value>, EngineError> {
    let default = match default {
        Some(default) => Some(default),
        None => kwargs.get::<Option<Value>>("default")?,
    };
    kwargs.assert_all_used()?;
    Ok(default)
}

fn conversion_error(value: &Value, what: &str) -> EngineError {
    let shown = match value.as_str() {
        Some(text) => format!("'{text}'"),
        None if value.is_undefined() || value.is_none() => "an empty value".to_string(),
        None => value.to_string(),
    };
    EngineError::new(
        ErrorKind::InvalidOperation,
        format!("{shown} is not {what}"),
    )
}

/// `text | float` or `text | float(default=0)`: a number. Replaces MiniJinja's built-in to say
/// which value did not convert.
fn to_float(value: &Value, default: Option<Value>, kwargs: Kwargs) -> Result<Value, EngineError> {
    let default = conversion_default(default, &kwargs)?;
    let converted = if value.is_number() {
        f64::try_from(value.clone()).ok()
    } else if let Some(text) = value.as_str() {
        text.trim().parse::<f64>().ok()
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        Some(if value.is_true() { 1.0 } else { 0.0 })
    } else {
        None
    };
    match (converted, default) {
        (Some(number), _) => Ok(Value::from(number)),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(conversion_error(value, "a number")),
    }
}

/// `text | int` or `text | int(default=0)`: a whole number (decimals are cut off).
fn to_int(value: &Value, default: Option<Value>, kwargs: Kwargs) -> Result<Value, EngineError> {
    let default = conversion_default(default, &kwargs)?;
    let converted = if value.is_integer() {
        Some(value.clone())
    } else if value.is_number() {
        f64::try_from(value.clone())
            .ok()
            .filter(|number| number.is_finite())
            .map(|number| Value::from(number.trunc() as i64))
    } else if let Some(text) = value.as_str() {
        let text = text.trim();
        text.parse::<i64>().ok().map(Value::from).or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|number| number.is_finite())
                .map(|number| Value::from(number.trunc() as i64))
        })
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        Some(Value::from(i64::from(value.is_true())))
    } else {
        None
    };
    match (converted, default) {
        (Some(number), _) => Ok(number),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(conversion_error(value, "a whole number")),
    }
}

/// `number | round` or `number | round(2)`: rounds half away from zero. Replaces MiniJinja's
/// built-in, which formats and re-parses the number (it dominated the cost of mapping amounts).
fn round(value: &Value, precision: Option<i32>) -> Result<Value, EngineError> {
    if value.is_integer() {
        return Ok(value.clone());
    }
    let number = f64::try_from(value.clone()).map_err(|_| {
        EngineError::new(
            ErrorKind::InvalidOperation,
            format!("cannot round a {}", value.kind()),
        )
    })?;
    let rounded = match precision.unwrap_or(0) {
        0 => number.round(),
        digits => {
            let scale = 10f64.powi(digits);
            (number * scale).round() / scale
        }
    };
    Ok(Value::from(rounded))
}

/// `date | timestamp`: seconds since 1970-01-01 UTC.
fn timestamp(value: &Value) -> Result<i64, EngineError> {
    Ok(read_datetime(value, None)?.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: serde_json::Value) -> Record {
        Record::from(value.as_object().unwrap().clone())
    }

    fn eval(source: &str, fields: serde_json::Value) -> Result<serde_json::Value, ExpressionError> {
        let expressions = Expressions::new(
            json!({"region": "EU"}).as_object().unwrap(),
            "2026-11-26T10:00:00Z".parse().unwrap(),
        );
        let compiled = expressions.compile(source)?;
        let scope = RecordScope::enter(record(fields));
        compiled.evaluate(&scope)
    }

    #[test]
    fn fields_are_variables_and_record_is_the_whole_record() {
        let row = json!({"first_name": "Ada", "last name": "Lovelace"});
        assert_eq!(
            eval("first_name ~ ' ' ~ record['last name']", row).unwrap(),
            json!("Ada Lovelace")
        );
    }

    #[test]
    fn numeric_mapping_from_csv_strings() {
        let row = json!({"amount": "12.35"});
        assert_eq!(
            eval("(amount | float * 100) | round | int", row).unwrap(),
            json!(1235)
        );
    }

    #[test]
    fn documented_filters_work() {
        let row = json!({"name": "  Ada Lovelace ", "tags": "a,b,c", "email": "ADA@X.ORG"});
        assert_eq!(
            eval("name | trim | upper", row.clone()).unwrap(),
            json!("ADA LOVELACE")
        );
        assert_eq!(
            eval("email | lower", row.clone()).unwrap(),
            json!("ada@x.org")
        );
        assert_eq!(
            eval("tags | split(',') | length", row.clone()).unwrap(),
            json!(3)
        );
        assert_eq!(
            eval("name | trim | replace('Ada', 'A.')", row.clone()).unwrap(),
            json!("A. Lovelace")
        );
        assert_eq!(
            eval("missing | default('n/a')", row.clone()).unwrap(),
            json!("n/a")
        );
        assert_eq!(eval("42 | string", row.clone()).unwrap(), json!("42"));
        assert_eq!(eval("2.675 | round(1)", row.clone()).unwrap(), json!(2.7));
        assert_eq!(eval("-2.5 | round", row.clone()).unwrap(), json!(-3.0));
        assert_eq!(eval("7 | round", row.clone()).unwrap(), json!(7));
        assert_eq!(eval("'7' | int + 1", row.clone()).unwrap(), json!(8));
        assert_eq!(eval("' 7.9 ' | int", row.clone()).unwrap(), json!(7));
        assert_eq!(
            eval("'n/a' | float(default=0.5)", row.clone()).unwrap(),
            json!(0.5)
        );
        assert_eq!(eval("'n/a' | int(3)", row.clone()).unwrap(), json!(3));
        assert_eq!(eval("true | int", row.clone()).unwrap(), json!(1));
        assert_eq!(
            eval("'n/a' | float", row.clone()).unwrap_err().message,
            "'n/a' is not a number"
        );
        assert_eq!(
            eval("{'a': [1, 2]} | json", row.clone()).unwrap(),
            json!("{\"a\":[1,2]}")
        );
        assert_eq!(
            eval("'{\"a\": 3}' | parse_json", row.clone()).unwrap(),
            json!({"a": 3})
        );
        assert_eq!(eval("vars.region", row).unwrap(), json!("EU"));
    }

    #[test]
    fn dates_parse_and_format() {
        let row = json!({"day": "26/11/2026", "at": "2026-11-26 08:30:00"});
        assert_eq!(
            eval("day | parse_datetime('%d/%m/%Y')", row.clone()).unwrap(),
            json!("2026-11-26T00:00:00Z")
        );
        assert_eq!(
            eval("at | format_datetime('%H:%M')", row.clone()).unwrap(),
            json!("08:30")
        );
        assert_eq!(
            eval("at | timestamp", row.clone()).unwrap(),
            json!(1_795_681_800)
        );
        assert_eq!(
            eval("now()", row.clone()).unwrap(),
            json!("2026-11-26T10:00:00Z")
        );
        let error = eval("day | parse_datetime", row).unwrap_err();
        assert!(
            error.message.contains("'26/11/2026' is not a date"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_field_names_the_field_and_what_there_is() {
        let error = eval("stauts == 'active'", json!({"status": "active"})).unwrap_err();
        assert_eq!(
            error.message,
            "the record has no field `stauts` (its fields: status)"
        );
    }

    #[test]
    fn syntax_errors_are_reported_without_engine_noise() {
        let expressions = Expressions::for_validation();
        let error = expressions.compile("status == ").unwrap_err();
        assert!(error.message.starts_with("syntax error"), "{error}");
        assert!(!error.message.contains("<expression>"), "{error}");
    }

    #[test]
    fn leaving_a_scope_gives_the_same_record_back() {
        let row = record(json!({"a": 1, "b": "two"}));
        let expressions = Expressions::for_validation();
        let compiled = expressions.compile("record").unwrap();
        let scope = RecordScope::enter(row.clone());
        let value = compiled.evaluate(&scope).unwrap();
        assert_eq!(value, json!({"a": 1, "b": "two"}));
        assert_eq!(scope.leave(), row);
    }
}
