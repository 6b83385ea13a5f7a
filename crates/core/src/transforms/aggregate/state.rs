//! One aggregation's running state for one group: updated record by record, merged with the
//! partial state of the same group spilled earlier, written as values for a spill file, and
//! finished into the output value.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::{AggregateFunction, Aggregation};
use crate::value::{Text, Value};

/// A number being summed: whole numbers stay whole until they overflow, decimals stay exact,
/// a floating-point input makes the sum floating-point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Number {
    Int(i64),
    Decimal(Decimal),
    Float(f64),
}

impl Number {
    /// The number `value` holds (text is read as a number); `None` for null, an error otherwise.
    fn of(value: &Value) -> Result<Option<Number>, String> {
        Ok(Some(match value {
            Value::Null => return Ok(None),
            Value::Int(number) => Number::Int(*number),
            Value::Decimal(number) => Number::Decimal(*number),
            Value::Float(number) => Number::Float(*number),
            Value::String(text) if text.trim().is_empty() => return Ok(None),
            Value::String(text) => match text.trim().parse::<Decimal>() {
                Ok(number) => Number::Decimal(number),
                Err(_) => Number::Float(
                    text.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("'{text}' is not a number"))?,
                ),
            },
            other => return Err(format!("a {} is not a number", other.type_name())),
        }))
    }

    fn add(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => match a.checked_add(b) {
                Some(sum) => Number::Int(sum),
                None => Number::Decimal(Decimal::from(a) + Decimal::from(b)),
            },
            (Number::Float(a), b) | (b, Number::Float(a)) => Number::Float(a + b.as_f64()),
            (a, b) => match a.as_decimal().checked_add(b.as_decimal()) {
                Some(sum) => Number::Decimal(sum),
                None => Number::Float(a.as_f64() + b.as_f64()),
            },
        }
    }

    fn as_decimal(self) -> Decimal {
        match self {
            Number::Int(number) => Decimal::from(number),
            Number::Decimal(number) => number,
            Number::Float(number) => Decimal::try_from(number).unwrap_or_default(),
        }
    }

    fn as_f64(self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        match self {
            Number::Int(number) => number as f64,
            Number::Decimal(number) => number.to_f64().unwrap_or(f64::NAN),
            Number::Float(number) => number,
        }
    }

    fn to_value(self) -> Value {
        match self {
            Number::Int(number) => Value::Int(number),
            Number::Decimal(number) => Value::Decimal(number),
            Number::Float(number) => Value::Float(number),
        }
    }
}

/// Whether `function` can take `value`: a sum or mean needs a number (or text that reads as
/// one); why not, when it cannot.
pub(super) fn check(function: AggregateFunction, value: Option<&Value>) -> Result<(), String> {
    match (function, value) {
        (AggregateFunction::Sum | AggregateFunction::Avg, Some(value)) => {
            Number::of(value).map(drop)
        }
        _ => Ok(()),
    }
}

/// The running state of one aggregation in one group.
#[derive(Debug, Clone)]
pub(super) enum State {
    Count(i64),
    Distinct(HashSet<Vec<u8>>),
    Sum(Option<Number>),
    Average(Option<Number>, i64),
    Min(Option<Value>),
    Max(Option<Value>),
    First(Option<Value>),
    Last(Option<Value>),
    List(Vec<serde_json::Value>),
    Joined(Option<String>),
}

impl State {
    pub(super) fn new(function: AggregateFunction) -> State {
        match function {
            AggregateFunction::Count => State::Count(0),
            AggregateFunction::CountDistinct => State::Distinct(HashSet::new()),
            AggregateFunction::Sum => State::Sum(None),
            AggregateFunction::Avg => State::Average(None, 0),
            AggregateFunction::Min => State::Min(None),
            AggregateFunction::Max => State::Max(None),
            AggregateFunction::First => State::First(None),
            AggregateFunction::Last => State::Last(None),
            AggregateFunction::List => State::List(Vec::new()),
            AggregateFunction::StringAgg => State::Joined(None),
        }
    }

    /// Takes one record's value of the aggregation's field (`None` when the record lacks it, or
    /// when the aggregation reads no field: `count` of records). Nulls are left out by every
    /// function but `count` of records.
    pub(super) fn update(
        &mut self,
        aggregation: &Aggregation,
        value: Option<&Value>,
    ) -> Result<(), String> {
        let value = match value {
            Some(value) if !value.is_null() => value,
            _ => {
                if let (State::Count(count), None) = (self, &aggregation.field) {
                    *count += 1;
                }
                return Ok(());
            }
        };
        match self {
            State::Count(count) => *count += 1,
            State::Distinct(seen) => {
                seen.insert(crate::keys::key_of([value]));
            }
            State::Sum(sum) => {
                if let Some(number) = Number::of(value)? {
                    *sum = Some(sum.map_or(number, |sum| sum.add(number)));
                }
            }
            State::Average(sum, count) => {
                if let Some(number) = Number::of(value)? {
                    *sum = Some(sum.map_or(number, |sum| sum.add(number)));
                    *count += 1;
                }
            }
            State::Min(least) => keep_if(least, value, std::cmp::Ordering::Less),
            State::Max(most) => keep_if(most, value, std::cmp::Ordering::Greater),
            State::First(first) => {
                first.get_or_insert_with(|| value.clone());
            }
            State::Last(last) => *last = Some(value.clone()),
            State::List(items) => items.push(value.to_json()),
            State::Joined(text) => {
                let separator = aggregation.separator.as_deref().unwrap_or(", ");
                match text {
                    Some(text) => {
                        text.push_str(separator);
                        text.push_str(&value.to_text());
                    }
                    None => *text = Some(value.to_text().into_owned()),
                }
            }
        }
        Ok(())
    }

    /// Takes in the state of the same group spilled earlier (`earlier` came before `self`).
    pub(super) fn merge_earlier(&mut self, earlier: State, aggregation: &Aggregation) {
        match (self, earlier) {
            (State::Count(count), State::Count(before)) => *count += before,
            (State::Distinct(seen), State::Distinct(before)) => seen.extend(before),
            (State::Sum(sum), State::Sum(before)) => *sum = add_options(*sum, before),
            (State::Average(sum, count), State::Average(before, counted)) => {
                *sum = add_options(*sum, before);
                *count += counted;
            }
            (State::Min(least), State::Min(Some(before))) => {
                keep_if(least, &before, std::cmp::Ordering::Less)
            }
            (State::Max(most), State::Max(Some(before))) => {
                keep_if(most, &before, std::cmp::Ordering::Greater)
            }
            (State::First(first), State::First(Some(before))) => *first = Some(before),
            (State::Last(last @ None), State::Last(before)) => *last = before,
            (State::List(items), State::List(mut before)) => {
                before.append(items);
                *items = before;
            }
            (State::Joined(text), State::Joined(Some(before))) => {
                let separator = aggregation.separator.as_deref().unwrap_or(", ");
                *text = Some(match text.take() {
                    Some(after) => format!("{before}{separator}{after}"),
                    None => before,
                });
            }
            _ => {}
        }
    }

    /// The values a spill file keeps of this state.
    pub(super) fn to_partial(&self) -> Value {
        match self {
            State::Count(count) => Value::Int(*count),
            State::Distinct(seen) => {
                let mut bytes = Vec::new();
                for key in seen {
                    bytes.extend((key.len() as u32).to_le_bytes());
                    bytes.extend(key);
                }
                Value::Bytes(bytes.into_boxed_slice())
            }
            State::Sum(sum) => sum.map_or(Value::Null, Number::to_value),
            State::Average(sum, count) => Value::from(serde_json::json!([
                sum.map_or(serde_json::Value::Null, |sum| sum.to_value().to_json()),
                count
            ])),
            State::Min(value) | State::Max(value) | State::First(value) | State::Last(value) => {
                value.clone().unwrap_or_default()
            }
            State::List(items) => Value::from(serde_json::Value::Array(items.clone())),
            State::Joined(text) => text.clone().map_or(Value::Null, Value::from),
        }
    }

    /// The state a spill file kept (see [`State::to_partial`]).
    pub(super) fn from_partial(function: AggregateFunction, value: Value) -> State {
        let some = |value: Value| Some(value).filter(|value| !value.is_null());
        match function {
            AggregateFunction::Count => State::Count(match value {
                Value::Int(count) => count,
                _ => 0,
            }),
            AggregateFunction::CountDistinct => {
                let mut seen = HashSet::new();
                if let Value::Bytes(bytes) = value {
                    let mut rest: &[u8] = &bytes;
                    while rest.len() >= 4 {
                        let length =
                            u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
                        seen.insert(rest[4..4 + length].to_vec());
                        rest = &rest[4 + length..];
                    }
                }
                State::Distinct(seen)
            }
            AggregateFunction::Sum => State::Sum(Number::of(&value).ok().flatten()),
            AggregateFunction::Avg => {
                let pair = value.to_json();
                let sum = Value::from(pair[0].clone());
                let sum = match (&pair[0], sum) {
                    (serde_json::Value::String(text), _) => text.parse().ok().map(Number::Decimal),
                    (_, sum) => Number::of(&sum).ok().flatten(),
                };
                State::Average(sum, pair[1].as_i64().unwrap_or(0))
            }
            AggregateFunction::Min => State::Min(some(value)),
            AggregateFunction::Max => State::Max(some(value)),
            AggregateFunction::First => State::First(some(value)),
            AggregateFunction::Last => State::Last(some(value)),
            AggregateFunction::List => State::List(match value.to_json() {
                serde_json::Value::Array(items) => items,
                _ => Vec::new(),
            }),
            AggregateFunction::StringAgg => State::Joined(value.as_str().map(str::to_string)),
        }
    }

    /// The group's result.
    pub(super) fn finish(self) -> Value {
        match self {
            State::Count(count) => Value::Int(count),
            State::Distinct(seen) => Value::Int(seen.len() as i64),
            State::Sum(sum) => sum.map_or(Value::Null, Number::to_value),
            State::Average(None, _) | State::Average(_, 0) => Value::Null,
            State::Average(Some(sum), count) => match sum {
                Number::Float(sum) => Value::Float(sum / count as f64),
                other => match other.as_decimal().checked_div(Decimal::from(count)) {
                    Some(average) => Value::Decimal(average.normalize()),
                    None => Value::Float(other.as_f64() / count as f64),
                },
            },
            State::Min(value) | State::Max(value) | State::First(value) | State::Last(value) => {
                value.unwrap_or_default()
            }
            State::List(items) => Value::from(serde_json::Value::Array(items)),
            State::Joined(text) => text.map_or(Value::Null, |text| Value::String(Text::from(text))),
        }
    }

    /// About how much memory the state takes beyond its own size.
    pub(super) fn memory_bytes(&self) -> u64 {
        (match self {
            State::Distinct(seen) => seen.iter().map(|key| key.len() + 48).sum(),
            State::List(items) => items.len() * 48,
            State::Joined(Some(text)) => text.len(),
            State::Min(Some(value))
            | State::Max(Some(value))
            | State::First(Some(value))
            | State::Last(Some(value)) => value.heap_bytes(),
            _ => 0,
        }) as u64
    }
}

fn add_options(a: Option<Number>, b: Option<Number>) -> Option<Number> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.add(b)),
        (a, b) => a.or(b),
    }
}

/// Keeps `value` in `kept` when there is none yet or it compares `wanted` to it.
fn keep_if(kept: &mut Option<Value>, value: &Value, wanted: std::cmp::Ordering) {
    if kept
        .as_ref()
        .is_none_or(|kept| crate::ordering::compare(value, kept) == wanted)
    {
        *kept = Some(value.clone());
    }
}
