//! Tests of typed values: JSON and text forms, reading JSON text, inline text.

use super::*;
use serde_json::json;

#[test]
fn json_reads_into_typed_values_and_writes_back_the_same() {
    let input =
        json!([null, true, 42, -7, 1.5, "text", [1, 2], {"a": {"b": 1}}, 18446744073709551615u64]);
    let values: Vec<Value> = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(values[2], Value::Int(42));
    assert_eq!(values[4], Value::Float(1.5));
    assert!(matches!(values[6], Value::Json(_)));
    assert_eq!(serde_json::to_value(&values).unwrap(), input);
    let converted: Vec<Value> = input.as_array().unwrap().iter().map(Value::from).collect();
    assert_eq!(converted, values);
}

#[test]
fn typed_values_have_one_text_form_for_json_and_csv() {
    let at = DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        Value::Timestamp(at).to_json(),
        json!("2026-03-01T12:00:00Z")
    );
    assert_eq!(Value::Decimal("19.990".parse().unwrap()).to_text(), "19.99");
    assert_eq!(Value::Bytes(Box::new([0, 255])).to_json(), json!("00ff"));
    assert_eq!(Value::Float(2.0).to_text(), "2.0");
    assert_eq!(Value::Float(f64::NAN).to_json(), json!(null));
    assert_eq!(Value::Int(-3).to_text(), "-3");
    assert_eq!(Value::from(json!({"a": 1})).to_text(), r#"{"a":1}"#);
    for value in [
        Value::Int(-42),
        Value::Float(19.99),
        Value::Float(f64::INFINITY),
        Value::from("x"),
    ] {
        let mut text = String::from(">");
        value.write_text(&mut text);
        assert_eq!(text, format!(">{}", value.to_text()));
    }
}

#[test]
fn scalars_read_from_json_text_match_the_parser() {
    for text in [
        "0",
        "-0",
        "7",
        "-7",
        "123456789012345678",
        "-999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551616",
        "1.5",
        "-0.0",
        "1e3",
        "2E-2",
        "null",
        "true",
        "false",
        r#""a\"b""#,
        r#""plain""#,
        r#""""#,
        r#""a text longer than twenty-four bytes""#,
        r#""\u00e9t\u00e9""#,
    ] {
        let raw = RawValue::from_string(text.to_string()).unwrap();
        let parsed = Value::from(serde_json::from_str::<serde_json::Value>(text).unwrap());
        let read = Value::from_json_text(&raw).unwrap();
        assert_eq!(read, parsed, "{text}");
        assert_eq!(read.to_json(), parsed.to_json(), "{text}");
        let mut pushed = vec![Value::Int(1)];
        Value::push_json_text(&mut pushed, &raw).unwrap();
        assert_eq!(pushed, [Value::Int(1), parsed], "{text}");
    }
}

#[test]
fn short_text_is_stored_inline() {
    let Value::String(text) = Value::from("margaret.hamilton@mail") else {
        panic!("text")
    };
    assert!(!text.is_heap_allocated());
    // A value is three words: its tag sits in the spare bits of inline text.
    assert_eq!(std::mem::size_of::<Value>(), 24);
}
