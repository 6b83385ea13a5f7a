//! The expression language as a person uses it: filters, dates, missing fields, errors.

use super::*;
use crate::record::Record;
use serde_json::json;

fn record(value: serde_json::Value) -> Record {
    Record::from(value.as_object().unwrap().clone())
}

fn eval(source: &str, fields: serde_json::Value) -> Result<Value, ExpressionError> {
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
