//! Keys that compare by value, for grouping (and matching in joins): a value's canonical bytes,
//! the same for the same number whatever its kind (1, 1.0 and a decimal 1.00 are one key) and
//! different for text and numbers ("1" is not 1). Null is a key of its own.

use rust_decimal::Decimal;

use crate::value::Value;

/// Appends the canonical bytes of `value` to `key`.
pub fn push_value(key: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => key.push(0),
        Value::Bool(flag) => key.extend([1, u8::from(*flag)]),
        Value::Int(number) => push_decimal(key, Decimal::from(*number)),
        Value::Decimal(number) => push_decimal(key, *number),
        Value::Float(number) => match Decimal::try_from(*number) {
            Ok(exact) if Decimal::to_string(&exact).parse::<f64>().ok() == Some(*number) => {
                push_decimal(key, exact)
            }
            // Not a decimal (NaN, infinities, beyond a decimal's range): its bits.
            _ => {
                key.push(3);
                key.extend(number.to_bits().to_le_bytes());
            }
        },
        Value::String(text) => push_bytes(key, 4, text.as_bytes()),
        Value::Bytes(bytes) => push_bytes(key, 5, bytes),
        Value::Date(date) => push_bytes(key, 6, date.to_string().as_bytes()),
        Value::Time(time) => push_bytes(key, 7, time.to_string().as_bytes()),
        Value::Timestamp(at) => {
            key.push(8);
            key.extend(at.timestamp().to_le_bytes());
            key.extend(at.timestamp_subsec_nanos().to_le_bytes());
        }
        Value::Json(nested) => push_bytes(key, 9, nested.tree().to_string().as_bytes()),
    }
}

fn push_decimal(key: &mut Vec<u8>, number: Decimal) {
    push_bytes(key, 2, number.normalize().to_string().as_bytes());
}

fn push_bytes(key: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    key.push(tag);
    key.extend((bytes.len() as u32).to_le_bytes());
    key.extend(bytes);
}

/// The key of several values together (a group's fields).
pub fn key_of<'v>(values: impl IntoIterator<Item = &'v Value>) -> Vec<u8> {
    let mut key = Vec::new();
    for value in values {
        push_value(&mut key, value);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_one_key_whatever_their_kind_and_text_is_another() {
        let one = key_of([&Value::Int(1)]);
        assert_eq!(one, key_of([&Value::Float(1.0)]));
        assert_eq!(one, key_of([&Value::Decimal("1.00".parse().unwrap())]));
        assert_ne!(one, key_of([&Value::from("1")]));
        assert_ne!(
            key_of([&Value::Float(0.1)]),
            key_of([&Value::Float(0.1 + 1e-17 * 3.0)])
        );
        assert_ne!(key_of([&Value::Null]), key_of([&Value::from("")]));
        // Fields do not run into each other.
        assert_ne!(
            key_of([&Value::from("ab"), &Value::from("c")]),
            key_of([&Value::from("a"), &Value::from("bc")])
        );
    }
}
