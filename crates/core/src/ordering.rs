//! The order of values, as `sort` uses it: numbers by value whatever their kind (whole, decimal,
//! floating), text by its characters, booleans false first, dates and times in time, bytes and
//! JSON by their content; values of different kinds in a fixed order (null, booleans, numbers,
//! text, dates, times, timestamps, bytes, JSON).

use std::cmp::Ordering;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::value::Value;

/// The rank of a value's kind among kinds.
fn rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Float(_) | Value::Decimal(_) => 2,
        Value::String(_) => 3,
        Value::Date(_) => 4,
        Value::Time(_) => 5,
        Value::Timestamp(_) => 6,
        Value::Bytes(_) => 7,
        Value::Json(_) => 8,
    }
}

/// How `left` and `right` are ordered.
pub fn compare(left: &Value, right: &Value) -> Ordering {
    match (left, right) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
        (Value::Decimal(a), Value::Decimal(b)) => a.cmp(b),
        (Value::Int(a), Value::Decimal(b)) => Decimal::from(*a).cmp(b),
        (Value::Decimal(a), Value::Int(b)) => a.cmp(&Decimal::from(*b)),
        (Value::Int(a), Value::Float(b)) => int_float(*a, *b),
        (Value::Float(a), Value::Int(b)) => int_float(*b, *a).reverse(),
        (Value::Decimal(a), Value::Float(b)) => decimal_float(a, *b),
        (Value::Float(a), Value::Decimal(b)) => decimal_float(b, *a).reverse(),
        (Value::String(a), Value::String(b)) => a.as_str().cmp(b.as_str()),
        (Value::Date(a), Value::Date(b)) => a.cmp(b),
        (Value::Time(a), Value::Time(b)) => a.cmp(b),
        (Value::Timestamp(a), Value::Timestamp(b)) => a.cmp(b),
        (Value::Bytes(a), Value::Bytes(b)) => a.cmp(b),
        (Value::Json(a), Value::Json(b)) => a.tree().to_string().cmp(&b.tree().to_string()),
        _ => rank(left).cmp(&rank(right)),
    }
}

fn int_float(int: i64, float: f64) -> Ordering {
    (int as f64).total_cmp(&float).then_with(|| {
        // Equal as floats: a whole number past 2^53 may still differ from the float.
        match Decimal::try_from(float) {
            Ok(exact) => Decimal::from(int).cmp(&exact),
            Err(_) => Ordering::Equal,
        }
    })
}

fn decimal_float(decimal: &Decimal, float: f64) -> Ordering {
    match Decimal::try_from(float) {
        Ok(exact) => decimal.cmp(&exact),
        // Beyond a decimal's range (or not a number): compare as floats.
        Err(_) => decimal.to_f64().unwrap_or(f64::NAN).total_cmp(&float),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value_across_kinds_and_kinds_have_a_fixed_order() {
        let decimal = |text: &str| Value::Decimal(text.parse().unwrap());
        assert_eq!(compare(&Value::Int(2), &Value::Float(10.5)), Ordering::Less);
        assert_eq!(
            compare(&decimal("10.50"), &Value::Float(10.5)),
            Ordering::Equal
        );
        assert_eq!(
            compare(&Value::Int(11), &decimal("10.99")),
            Ordering::Greater
        );
        assert_eq!(
            compare(&Value::from("b"), &Value::from("ab")),
            Ordering::Greater
        );
        assert_eq!(compare(&Value::Bool(true), &Value::Int(0)), Ordering::Less);
        assert_eq!(compare(&Value::Int(99), &Value::from("1")), Ordering::Less);
        assert_eq!(compare(&Value::Null, &Value::Bool(false)), Ordering::Less);
        assert_eq!(
            compare(
                &Value::Int(9_007_199_254_740_993),
                &Value::Float(9_007_199_254_740_992.0)
            ),
            Ordering::Greater
        );
    }
}
