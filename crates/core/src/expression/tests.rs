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

/// Records with every kind of value the compiled form meets, from a fixed seed.
fn random_records(count: usize) -> Vec<Record> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let texts = [
        "",
        " ",
        "active",
        "Active",
        "19.99",
        " 7.9 ",
        "-3",
        "1e3",
        "nan",
        "inf",
        "abc",
        "Zoë Müller",
        "12345678901234567890",
        "0",
        "ß",
    ];
    (0..count)
        .map(|_| {
            let mut pick = |values: &[serde_json::Value]| {
                values[(next() % values.len() as u64) as usize].clone()
            };
            let any = [
                json!(null),
                json!(true),
                json!(false),
                json!(0),
                json!(-7),
                json!(42),
                json!(i64::MAX),
                json!(2.5),
                json!(-0.5),
                json!(1e300),
                json!(texts[3]),
                json!(texts[4]),
                json!([1, 2]),
                json!({"a": 1}),
            ];
            let text: Vec<serde_json::Value> = texts.iter().map(|text| json!(text)).collect();
            let numbers = [
                json!(0),
                json!(3),
                json!(-2),
                json!(100),
                json!(0.1),
                json!(-2.5),
                json!(1e300),
            ];
            let fields = json!({
                "a": pick(&numbers), "b": pick(&numbers), "s": pick(&text), "t": pick(&text),
                "x": pick(&any), "y": pick(&any), "status": pick(&text),
                "big": pick(&[json!(9_007_199_254_740_993i64), json!(-9_007_199_254_740_993i64), json!(3)]),
                "c": {"name": pick(&text), "n": pick(&numbers), "inner": {"v": pick(&any)}, "list": [pick(&any), pick(&text)]},
            });
            Record::from(fields.as_object().unwrap().clone())
        })
        .collect()
}

/// Every expression below gives the same result (or the same error) compiled as through
/// MiniJinja, for records of every kind of value; the common shapes are compiled.
#[test]
fn the_compiled_form_agrees_with_minijinja() {
    let compiled_shapes = [
        "status == 'active'",
        "status != 'active' and a > 1",
        "not (a < b) or s == ''",
        "a + b",
        "a - b * 2",
        "a * 1.5",
        "a / b",
        "-a",
        "s ~ ' ' ~ t",
        "a ~ s ~ ' ' ~ b ~ t",
        "s ~ a",
        "x ~ y",
        "x == y",
        "x != y",
        "x < y",
        "x >= y",
        "x and y",
        "x or 'fallback'",
        "not x",
        "'a' in s",
        "s not in t",
        "x + y",
        "(s | float * 100) | round | int",
        "s | float(default=0.5)",
        "s | float(0)",
        "s | int",
        "t | int(3)",
        "x | int",
        "x | float",
        "a | round(2)",
        "b | round",
        "-2.5 | round",
        "x | round",
        "s | upper",
        "t | lower",
        "s | trim",
        "s | trim | length",
        "x | upper",
        "x | length",
        "a | string",
        "x | string",
        "record['status'] == 'active'",
        "record.a > 0",
        "vars.region == 'EU'",
        "vars.limit * 2",
        "now()",
        "true and none",
        "x == none",
        "c.name ~ '!'",
        "c['n'] * 2",
        "c.inner.v",
        "c.inner.v == 42",
        "c.list[1] | upper",
        "c.list[0]",
        "record.c.name",
        "x.a",
        "c.missing",
        "c.inner",
        "c.n | float(0)",
        "c.inner | int(7)",
        "s | float(none)",
        "t | int(default=none)",
        "a == 9007199254740992.0",
        "x > 9007199254740992.0",
        "big == 9007199254740992.0",
        "big > 9007199254740992.0",
        "big + 1",
    ];
    let fallback_shapes = [
        "missing | default('n/a')",
        "s | replace('a', 'b')",
        "t | split(',') | length",
        "x | json",
        "s | parse_json",
        "s | parse_datetime",
        "s | format_datetime('%Y')",
        "s | timestamp",
        "a // 2",
        "a % 2",
        "a ** 2",
        "a < b < 3",
        "a > 1 == true",
        "s if a > 0 else t",
        "record",
        "vars.missing",
        "x is number",
        "1e3 + a",
        "'it\\'s' ~ s",
        "[1, 2] | length",
        "range(3) | length",
        "c.name.upper()",
        "c.list[-1]",
        "vars.region.x",
    ];
    let expressions = Expressions::new(
        json!({"region": "EU", "limit": 10}).as_object().unwrap(),
        "2026-11-26T10:00:00Z".parse().unwrap(),
    );
    let records = random_records(400);
    for (source, should_compile) in compiled_shapes
        .iter()
        .map(|source| (source, true))
        .chain(fallback_shapes.iter().map(|source| (source, false)))
    {
        let compiled = expressions.compile(source).unwrap();
        assert_eq!(
            compiled.is_compiled(),
            should_compile,
            "compiled form of `{source}`"
        );
        // Each record as built in memory and as read from JSON text (its nested values kept as
        // text until looked into).
        let mut shapes = crate::json_records::ShapeCache::default();
        let as_read = records.iter().map(|record| {
            let text = serde_json::to_string(record).unwrap();
            crate::json_records::read_object(&text, &mut shapes).unwrap()
        });
        for record in &records.iter().cloned().chain(as_read).collect::<Vec<_>>() {
            let scope = RecordScope::enter(record.clone());
            let fast = compiled.evaluate(&scope);
            let truth = compiled.is_true(&scope);
            let slow = compiled.evaluate_with_minijinja(&scope);
            assert_eq!(fast, slow, "`{source}` for {record:?}");
            let slow_truth = compiled
                .evaluate_raw(&scope)
                .ok()
                .filter(|value| !value.is_undefined())
                .map(|value| value.is_true());
            if let Some(slow_truth) = slow_truth {
                assert_eq!(
                    truth,
                    Ok(slow_truth),
                    "`{source}` as a condition for {record:?}"
                );
            }
            assert_eq!(&scope.leave(), record);
        }
    }
}

#[test]
fn a_record_field_hides_a_global_as_in_minijinja() {
    let expressions = Expressions::new(
        json!({"region": "EU"}).as_object().unwrap(),
        "2026-11-26T10:00:00Z".parse().unwrap(),
    );
    let compiled = expressions.compile("vars ~ now").unwrap();
    let scope = RecordScope::enter(record(json!({"vars": "v", "now": "n"})));
    assert_eq!(compiled.evaluate(&scope).unwrap(), json!("vn"));
    let compiled = expressions.compile("vars.region").unwrap();
    let scope = RecordScope::enter(record(json!({"vars": {"region": "US"}})));
    assert_eq!(compiled.evaluate(&scope).unwrap(), json!("US"));
}

#[test]
fn expressions_nesting_deeper_than_the_limit_are_refused_before_any_parser() {
    let expressions = Expressions::for_validation();
    let under = format!("name{}", " | upper".repeat(nesting::MAX_NESTING));
    assert!(expressions.compile(&under).is_ok());
    let scope = RecordScope::enter(record(json!({"name": "ada"})));
    assert_eq!(
        expressions
            .compile(&under)
            .unwrap()
            .evaluate(&scope)
            .unwrap(),
        json!("ADA")
    );
    for hostile in [
        format!("name{}", " | upper".repeat(nesting::MAX_NESTING + 1)),
        format!("{}x", "not ".repeat(20_000)),
        format!("{}1{}", "(".repeat(20_000), ")".repeat(20_000)),
        "1".to_string() + &" + 1".repeat(50_000),
    ] {
        let error = expressions.compile(&hostile).err().unwrap();
        assert!(error.message.starts_with("it nests too deeply"), "{error}");
    }
    let template = format!("{{{{ page{} }}}}", " + 1".repeat(nesting::MAX_NESTING + 1));
    let error = expressions
        .render(&template, &serde_json::Map::new())
        .unwrap_err();
    assert!(error.message.starts_with("it nests too deeply"), "{error}");
}

#[test]
fn an_expression_that_makes_too_much_text_or_work_stops_with_a_clear_error() {
    let expressions = Expressions::for_validation();
    let scope = RecordScope::enter(record(json!({"name": "ada"})));
    for hostile in [
        "range(10000) | map('string') | join('y' * 100000)",
        "range(100000) | map('string') | join(',') | length",
    ] {
        let compiled = expressions.compile(hostile).unwrap();
        let error = compiled.evaluate(&scope).unwrap_err();
        assert!(
            error.message.contains("too much work"),
            "{hostile}: {error}"
        );
    }
    let fine = expressions
        .compile("range(100) | map('string') | join(',') | length")
        .unwrap();
    assert_eq!(fine.evaluate(&scope).unwrap(), json!(289));
    // The allowance is per evaluation: a long run evaluates as often as it has records.
    let each = expressions
        .compile("range(50) | map('string') | join(',')")
        .unwrap();
    for _ in 0..20_000 {
        each.evaluate(&scope).unwrap();
    }
    // Repeating a list is one step for the fuel: a written list may not be repeated at all
    // (found by fuzzing, this one made 33 million items), and what an expression makes is
    // checked for size before it becomes a value.
    let error = expressions.compile("((4,)*9*64,)*9*6332").unwrap_err();
    assert!(error.message.contains("repeats a list"), "{error}");
    let repeated = expressions
        .compile("range(600) | batch(600) | list * 7000")
        .unwrap();
    let error = repeated.evaluate(&scope).unwrap_err();
    assert!(
        error.message.contains("larger than 4 MiB as JSON"),
        "{error}"
    );
    let under = expressions
        .compile("range(600) | batch(600) | list * 10")
        .unwrap();
    assert_eq!(
        under.evaluate(&scope).unwrap().to_json()[9][599],
        json!(599)
    );
    let template = "{% for i in range(100000) %}{{ i }}{% endfor %}";
    let error = expressions
        .render(template, &serde_json::Map::new())
        .unwrap_err();
    assert!(error.message.contains("too much work"), "{error}");
}
