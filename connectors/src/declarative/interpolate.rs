//! Interpolation with Airbyte's semantics on MiniJinja: the variables a manifest's `{{ … }}`
//! sees (`config`, `parameters`, `stream_slice`, `next_page_token`, `response`, `record`, …),
//! Airbyte's macros and filters, Python method calls through MiniJinja's pycompat, and a
//! rendered value that reads as a number, boolean or list becoming one (Python's
//! `ast.literal_eval`), unless `| string` asked for text.

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, Utc};
use minijinja::value::{ObjectRepr, Rest, Serde};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value as Jinja};
use serde_json::{Map, Value};

use super::datetime::{self, IsoDuration};
use super::python::{KeepText, PyDate, PyDateTime, PyDuration};

/// The work one evaluation may do (MiniJinja's fuel): a manifest may come from anyone.
const FUEL: u64 = 100_000;

/// The variables one evaluation sees.
pub type Context = Map<String, Value>;

/// The interpolation environment of one read; `now_utc()` is the read's start.
pub struct Interpolator {
    environment: Environment<'static>,
}

impl std::fmt::Debug for Interpolator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interpolator")
    }
}

impl Interpolator {
    pub fn new(now: DateTime<Utc>) -> Interpolator {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Chainable);
        environment.set_fuel(Some(FUEL));
        environment
            .set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        let now = now.fixed_offset();
        environment.add_function("now_utc", move || Jinja::from_object(PyDateTime(now)));
        environment.add_function("today_utc", move || Jinja::from_object(PyDate(now)));
        environment.add_function("today_with_timezone", move |_zone: String| {
            Jinja::from_object(PyDate(now))
        });
        environment.add_function("day_delta", move |days: f64, format: Option<String>| {
            let shifted = now
                .checked_add_signed(chrono::Duration::microseconds((days * 86_400e6) as i64))
                .ok_or_else(|| invalid(format!("day_delta({days}) is not a date")))?;
            datetime::format(
                &shifted,
                format.as_deref().unwrap_or(datetime::DEFAULT_FORMAT),
            )
            .map_err(invalid)
        });
        environment.add_function("duration", |text: String| {
            IsoDuration::parse(&text)
                .map(|duration| Jinja::from_object(PyDuration(duration)))
                .map_err(|message| Error::new(ErrorKind::InvalidOperation, message))
        });
        environment.add_function("str_to_datetime", |text: String| {
            datetime::parse_any(&text, &[])
                .map(|at| Jinja::from_object(PyDateTime(at)))
                .map_err(|message| Error::new(ErrorKind::InvalidOperation, message))
        });
        // Airbyte's `timestamp`: a number as whole seconds, text as (float) seconds since 1970.
        environment.add_function("timestamp", |value: Jinja| -> Result<Jinja, Error> {
            if value.as_str().is_none()
                && let Ok(seconds) = f64::try_from(value.clone())
            {
                return Ok(Jinja::from(seconds as i64));
            }
            moment(&value, None).map(|at| Jinja::from(at.timestamp_micros() as f64 / 1e6))
        });
        environment.add_function(
            "format_datetime",
            |value: Jinja, format: String, input_format: Option<String>| {
                let at = moment(&value, input_format.as_deref())?;
                datetime::format(&at, &format).map_err(invalid)
            },
        );
        environment.add_function("max", |values: Rest<Jinja>| {
            extreme(&values, std::cmp::Ordering::Greater)
        });
        environment.add_function("min", |values: Rest<Jinja>| {
            extreme(&values, std::cmp::Ordering::Less)
        });
        environment.add_function("generate_uuid", || uuid::Uuid::new_v4().to_string());
        // Airbyte's `string`: text as it is, anything else as its JSON text; either stays text.
        environment.add_filter("string", |value: Jinja| {
            let text = match value.as_str() {
                Some(text) => text.to_string(),
                None => serde_json::to_string(&value).unwrap_or_else(|_| value.to_string()),
            };
            Jinja::from_object(KeepText(text))
        });
        environment.add_filter("base64encode", |value: Jinja| {
            base64::engine::general_purpose::STANDARD.encode(text_of(&value))
        });
        environment.add_filter("base64decode", |value: Jinja| {
            base64::engine::general_purpose::STANDARD
                .decode(text_of(&value).trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        "base64decode: the value is not base64 of UTF-8 text",
                    )
                })
        });
        environment.add_filter("hash", hash);
        environment.add_filter(
            "regex_search",
            |value: Jinja, pattern: String| -> Result<Jinja, Error> {
                let regex = regex::RegexBuilder::new(&pattern)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|error| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            format!("regex_search: {error}"),
                        )
                    })?;
                let text = text_of(&value);
                Ok(match regex.captures(&text) {
                    Some(found) => Jinja::from(
                        found
                            .get(1)
                            .or(found.get(0))
                            .map_or("", |part| part.as_str()),
                    ),
                    None => Jinja::from(()),
                })
            },
        );
        Interpolator { environment }
    }

    /// `template` rendered as text (for URLs, parameters and headers).
    pub fn text(&self, template: &str, context: &Context) -> Result<String, String> {
        if !template.contains("{{") && !template.contains("{%") {
            return Ok(template.to_string());
        }
        sluice_core::expression::check_template(template)
            .map_err(|error| format!("`{template}`: {error}"))?;
        self.environment
            .render_str(template, Jinja::from(Serde(context)))
            .map_err(|error| explain(template, &error))
    }

    /// A manifest value evaluated as Airbyte does: text is rendered and read back as a Python
    /// literal; a template that is one expression gives its value; lists and mappings are
    /// evaluated inside; other values are themselves.
    pub fn value(&self, template: &Value, context: &Context) -> Result<Value, String> {
        match template {
            Value::String(text) => self.value_of_text(text, context),
            Value::Array(items) => items
                .iter()
                .map(|item| self.value(item, context))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(fields) => fields
                .iter()
                .map(|(key, value)| Ok((self.text(key, context)?, self.value(value, context)?)))
                .collect::<Result<Map<_, _>, String>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    fn value_of_text(&self, text: &str, context: &Context) -> Result<Value, String> {
        if !text.contains("{{") && !text.contains("{%") {
            return Ok(Value::String(text.to_string()));
        }
        if let Some(expression) = whole_expression(text) {
            sluice_core::expression::check_template(text)
                .map_err(|error| format!("`{text}`: {error}"))?;
            let compiled = self
                .environment
                .compile_expression(expression)
                .map_err(|error| explain(text, &error))?;
            let result = compiled
                .eval(Jinja::from(Serde(context)))
                .map_err(|error| explain(text, &error))?;
            return Ok(to_json(&result));
        }
        let rendered = self.text(text, context)?;
        Ok(literal(&rendered))
    }

    /// A condition (`RecordFilter`, `stop_condition`, a response filter's `predicate`): false when
    /// it renders to one of Python's false values (`False`, `false`, `0`, ``, `[]`, `{}`).
    pub fn condition(&self, template: &Value, context: &Context) -> Result<bool, String> {
        Ok(truthy(&self.value(template, context)?))
    }
}

/// The expression inside a template that is exactly one `{{ … }}`.
fn whole_expression(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%")).then_some(inner)
}

/// A MiniJinja result as JSON: undefined is null, text kept by `| string` stays text, other text
/// is read as a Python literal (Airbyte renders to text and `literal_eval`s it back).
fn to_json(value: &Jinja) -> Value {
    if value.is_undefined() || value.is_none() {
        return Value::Null;
    }
    if let Some(kept) = value.downcast_object_ref::<KeepText>() {
        return Value::String(kept.0.clone());
    }
    if let Some(text) = value.as_str() {
        return literal(text);
    }
    if value
        .as_object()
        .is_some_and(|object| matches!(object.repr(), ObjectRepr::Plain))
    {
        return literal(&value.to_string());
    }
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Python's `ast.literal_eval` on rendered text, for what manifests produce: integers, floats,
/// `True`/`False`/`None`, and JSON-shaped lists and mappings; anything else stays text.
pub fn literal(text: &str) -> Value {
    let trimmed = text.trim();
    match trimmed {
        "True" => return Value::Bool(true),
        "False" => return Value::Bool(false),
        "None" => return Value::Null,
        "" => return Value::String(String::new()),
        _ => {}
    }
    let digits = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    let plain_integer = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if plain_integer {
        if let Ok(number) = trimmed.parse::<i64>() {
            return Value::from(number);
        }
        return Value::String(text.to_string());
    }
    let float_shaped = digits
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && digits.chars().any(|c| matches!(c, '.' | 'e' | 'E'));
    if float_shaped
        && let Ok(number) = trimmed.parse::<f64>()
        && let Some(number) = serde_json::Number::from_f64(number)
    {
        return Value::Number(number);
    }
    if (trimmed.starts_with('[') || trimmed.starts_with('{'))
        && let Ok(parsed) = serde_json::from_str::<Value>(trimmed)
    {
        return parsed;
    }
    Value::String(text.to_string())
}

/// Python truthiness of an evaluated value, with Airbyte's false words.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !matches!(
            text.as_str(),
            "" | "False" | "false" | "0" | "0.0" | "[]" | "{}" | "()" | "None"
        ),
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
    }
}

/// A template function's failure.
pub(super) fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// A MiniJinja error in words, naming the template.
fn explain(template: &str, error: &Error) -> String {
    if error.kind() == ErrorKind::OutOfFuel {
        return format!("`{template}` does too much work for one evaluation; it is stopped");
    }
    let mut text = error.to_string();
    if let Some(index) = text.rfind(" (in ") {
        text.truncate(index);
    }
    format!("`{template}`: {text}")
}

/// A value as Python's `str()` would write it (text as is).
pub(super) fn text_of(value: &Jinja) -> String {
    match value.as_str() {
        Some(text) => text.to_string(),
        None if value.is_none() || value.is_undefined() => "None".into(),
        None => value.to_string(),
    }
}

/// A moment from a datetime object, a number of seconds, or text (in `format` when given).
fn moment(value: &Jinja, format: Option<&str>) -> Result<DateTime<FixedOffset>, Error> {
    if let Some(at) = value.downcast_object_ref::<PyDateTime>() {
        return Ok(at.0);
    }
    if let Some(date) = value.downcast_object_ref::<PyDate>() {
        return Ok(date.0);
    }
    let invalid = |message: String| Error::new(ErrorKind::InvalidOperation, message);
    if let Ok(seconds) = f64::try_from(value.clone())
        && value.as_str().is_none()
    {
        return DateTime::from_timestamp_micros((seconds * 1e6) as i64)
            .map(|at| at.fixed_offset())
            .ok_or_else(|| invalid(format!("{seconds} is not a time")));
    }
    let text = text_of(value);
    match format {
        Some(format) => datetime::parse(&text, format),
        None => text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .map(|at| at.fixed_offset())
            .map_or_else(|| datetime::parse_any(&text, &[]), Ok),
    }
    .map_err(invalid)
}

/// `max(…)` / `min(…)`: numbers by value, datetimes by time, text as text.
fn extreme(values: &[Jinja], wanted: std::cmp::Ordering) -> Result<Jinja, Error> {
    let key = |value: &Jinja| -> (Option<f64>, String) {
        if let Some(at) = value.downcast_object_ref::<PyDateTime>() {
            return (Some(at.0.timestamp_micros() as f64 / 1e6), String::new());
        }
        match (value.as_str(), f64::try_from(value.clone())) {
            (None, Ok(number)) => (Some(number), String::new()),
            _ => (None, text_of(value)),
        }
    };
    let mut best: Option<&Jinja> = None;
    for value in values {
        best = Some(match best {
            None => value,
            Some(current) => {
                let (a, b) = (key(value), key(current));
                let order = match (a.0, b.0) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
                    _ => a.1.cmp(&b.1),
                };
                if order == wanted { value } else { current }
            }
        });
    }
    best.cloned().ok_or_else(|| {
        Error::new(
            ErrorKind::MissingArgument,
            "max and min need at least one value",
        )
    })
}

/// `hash(value, hash_type='md5', salt=None)`: the hex digest of the value's text.
fn hash(value: Jinja, kind: Option<String>, salt: Option<String>) -> Result<String, Error> {
    let mut input = text_of(&value).into_bytes();
    input.extend(salt.unwrap_or_default().into_bytes());
    let hex = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    };
    use md5::Digest as _;
    match kind.as_deref().unwrap_or("md5") {
        "md5" => Ok(hex(&md5::Md5::digest(&input))),
        "sha256" => Ok(hex(&sha2::Sha256::digest(&input))),
        "sha512" => Ok(hex(&sha2::Sha512::digest(&input))),
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("hash: {other} is not supported (md5, sha256 or sha512)"),
        )),
    }
}
