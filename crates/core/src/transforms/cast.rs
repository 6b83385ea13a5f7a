//! `cast`: converts fields to a type, record by record, with a per-record error when a value does
//! not convert.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::expression::parse_datetime_text;
use crate::record::{Batch, Value, describe_value};
use crate::value::Decimal;

/// Converts fields to a type. CSV values are all text; this is where they become numbers, dates
/// and so on. A value that does not convert is a per-record error (see `on_error`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CastConfig {
    /// Field name → the type to convert it to.
    pub fields: IndexMap<String, CastType>,
    /// The strftime layout of date text, e.g. `%d/%m/%Y %H:%M`. Without it, ISO 8601 / RFC 3339
    /// dates and unix timestamps are read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datetime_format: Option<String>,
    /// Treat empty text as null instead of an error (CSV writes missing values as empty text).
    #[serde(default = "default_true")]
    pub empty_as_null: bool,
}

fn default_true() -> bool {
    true
}

/// A type a field can be converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CastType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A number with or without decimals.
    Number,
    /// true or false (also reads yes/no, y/n, 1/0, on/off).
    Boolean,
    /// An exact decimal number: money and quantities that must not pick up rounding errors
    /// (`0.1 + 0.2` stays `0.3`). Written as its digits, e.g. `"19.99"`.
    Decimal,
    /// A date and time, written as RFC 3339 in UTC.
    Datetime,
    /// A calendar date without a time, written as `YYYY-MM-DD`.
    Date,
    /// JSON text parsed into a value (object, array, number, …).
    Json,
}

impl ComponentConfig for CastConfig {}

impl TransformConfig for CastConfig {
    fn is_stateless(&self) -> bool {
        true
    }

    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        Ok(Box::new(Cast {
            config: self.clone(),
        }))
    }
}

struct Cast {
    config: CastConfig,
}

impl Transform for Cast {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        'records: for mut record in batch {
            for (field, target) in &self.config.fields {
                let Some(value) = record.get_mut(field) else {
                    continue;
                };
                match convert(&*value, *target, &self.config) {
                    Ok(converted) => *value = converted,
                    Err(reason) => {
                        let message = format!("field `{field}`: {reason}");
                        out.reject(record, message)?;
                        continue 'records;
                    }
                }
            }
            out.emit(record)?;
        }
        Ok(())
    }
}

fn convert(value: &Value, target: CastType, config: &CastConfig) -> Result<Value, String> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    if let Value::String(text) = value
        && text.trim().is_empty()
        && config.empty_as_null
        && target != CastType::String
    {
        return Ok(Value::Null);
    }
    // Rendered only for a message: most values convert.
    let shown = Shown(value);
    let text = value.as_str().map(str::trim);
    match target {
        CastType::String => Ok(Value::String(value.to_text().as_ref().into())),
        CastType::Integer => match value {
            Value::Int(_) => Ok(value.clone()),
            Value::Float(float) => whole(*float, shown),
            Value::Decimal(decimal) if decimal.fract().is_zero() => i64::try_from(*decimal)
                .map(Value::Int)
                .map_err(|_| format!("{shown} is too large for a whole number")),
            Value::Bool(flag) => Ok(Value::Int(i64::from(*flag))),
            Value::String(_) => {
                let text = text.unwrap_or_default();
                match text.parse::<i64>() {
                    Ok(integer) => Ok(Value::Int(integer)),
                    Err(_) => match text.parse::<f64>() {
                        Ok(float) => whole(float, shown),
                        Err(_) => Err(format!("{shown} is not a whole number")),
                    },
                }
            }
            _ => Err(format!("{shown} is not a whole number")),
        },
        CastType::Number => match value {
            Value::Float(_) | Value::Int(_) => Ok(value.clone()),
            Value::Decimal(decimal) => decimal
                .to_string()
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| format!("{shown} is not a number")),
            Value::Bool(flag) => Ok(Value::Float(f64::from(u8::from(*flag)))),
            Value::String(_) => text
                .unwrap_or_default()
                .parse::<f64>()
                .ok()
                .filter(|float| float.is_finite())
                .map(Value::Float)
                .ok_or_else(|| format!("{shown} is not a number")),
            _ => Err(format!("{shown} is not a number")),
        },
        CastType::Decimal => match value {
            Value::Decimal(_) => Ok(value.clone()),
            Value::Int(integer) => Ok(Value::Decimal(Decimal::from(*integer))),
            Value::Float(float) => Decimal::from_f64_retain(*float)
                .map(|decimal| Value::Decimal(decimal.round_dp(15).normalize()))
                .ok_or_else(|| format!("{shown} is not a decimal number")),
            Value::String(_) => {
                let text = text.unwrap_or_default();
                Decimal::from_str_exact(text)
                    .or_else(|_| Decimal::from_scientific(text))
                    .map(Value::Decimal)
                    .map_err(|_| format!("{shown} is not a decimal number"))
            }
            _ => Err(format!("{shown} is not a decimal number")),
        },
        CastType::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::Int(0) => Ok(Value::Bool(false)),
            Value::Int(1) => Ok(Value::Bool(true)),
            Value::Float(float) if *float == 0.0 => Ok(Value::Bool(false)),
            Value::Float(float) if *float == 1.0 => Ok(Value::Bool(true)),
            Value::String(_) => match text.unwrap_or_default().to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "1" | "on" => Ok(Value::Bool(true)),
                "false" | "f" | "no" | "n" | "0" | "off" => Ok(Value::Bool(false)),
                _ => Err(format!("{shown} is not true or false")),
            },
            _ => Err(format!("{shown} is not true or false")),
        },
        CastType::Datetime => match value {
            Value::Timestamp(_) => Ok(value.clone()),
            Value::Date(date) => Ok(Value::Timestamp(
                date.and_hms_opt(0, 0, 0)
                    .expect("midnight exists")
                    .and_utc(),
            )),
            Value::String(_) | Value::Int(_) | Value::Float(_) => {
                parse_datetime_text(&value.to_text(), config.datetime_format.as_deref())
                    .map(Value::Timestamp)
            }
            _ => Err(format!("{shown} is not a date")),
        },
        CastType::Date => match value {
            Value::Date(_) => Ok(value.clone()),
            Value::Timestamp(at) => Ok(Value::Date(at.date_naive())),
            Value::String(_) | Value::Int(_) => {
                parse_datetime_text(&value.to_text(), config.datetime_format.as_deref())
                    .map(|at| Value::Date(at.date_naive()))
            }
            _ => Err(format!("{shown} is not a date")),
        },
        CastType::Json => match value {
            Value::String(text) => serde_json::from_str::<Value>(text)
                .map_err(|error| format!("{shown} is not valid JSON ({error})")),
            other => Ok(other.clone()),
        },
    }
}

/// A value as error messages show it ([`describe_value`]), rendered when formatted.
#[derive(Clone, Copy)]
struct Shown<'a>(&'a Value);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&describe_value(self.0))
    }
}

fn whole(float: f64, shown: Shown<'_>) -> Result<Value, String> {
    if float.is_finite() && float.fract() == 0.0 && float.abs() < 9.0e15 {
        Ok(Value::Int(float as i64))
    } else {
        Err(format!("{shown} is not a whole number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::OnError;
    use crate::transforms::testing::{records, run};
    use serde_json::json;

    fn cast(fields: serde_json::Value) -> CastConfig {
        serde_json::from_value(json!({"fields": fields})).unwrap()
    }

    #[test]
    fn converts_csv_text_to_types() {
        let config = cast(json!({
            "id": "integer", "amount": "number", "vip": "boolean", "at": "datetime",
            "meta": "json", "zip": "string", "empty": "integer"
        }));
        let input = records(json!([{
            "id": " 42 ", "amount": "19.5", "vip": "Yes", "at": "2026-03-01 12:00:00",
            "meta": "{\"a\": [1]}", "zip": 1234, "empty": ""
        }]));
        let mut out = run(&config, input, OnError::Fail);
        assert_eq!(
            out.take("out")[0].to_value(),
            json!({"id": 42, "amount": 19.5, "vip": true, "at": "2026-03-01T12:00:00Z",
                   "meta": {"a": [1]}, "zip": "1234", "empty": null})
        );
    }

    #[test]
    fn a_custom_date_layout_is_used() {
        let mut config = cast(json!({"day": "datetime"}));
        config.datetime_format = Some("%d/%m/%Y".into());
        let mut out = run(
            &config,
            records(json!([{"day": "31/12/2025"}])),
            OnError::Fail,
        );
        assert_eq!(out.take("out")[0]["day"], json!("2025-12-31T00:00:00Z"));
    }

    #[test]
    fn values_that_do_not_convert_are_routed_with_the_field_named() {
        let config = cast(json!({"id": "integer", "amount": "number", "vip": "boolean"}));
        let input = records(json!([
            {"id": "1.5", "amount": "1", "vip": "yes"},
            {"id": "2", "amount": "lots", "vip": "yes"},
            {"id": "3", "amount": "1", "vip": "maybe"},
            {"id": "4", "amount": "1", "vip": "no"},
        ]));
        let mut out = run(&config, input, OnError::Route);
        assert_eq!(out.take("out").len(), 1);
        let messages: Vec<String> = out
            .take("error")
            .iter()
            .map(|record| record["_error"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "field `id`: '1.5' is not a whole number",
                "field `amount`: 'lots' is not a number",
                "field `vip`: 'maybe' is not true or false",
            ]
        );
    }
}
