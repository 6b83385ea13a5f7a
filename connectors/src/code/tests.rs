//! The `code` node: records changed, dropped and multiplied; an error is the record's, with its
//! line; an endless loop and a memory bomb stopped with a clear error; files, programs, other
//! code and the network out of reach.

use serde_json::{Value, json};
use sluice_core::OnError;
use sluice_core::component::{Transform, TransformConfig};
use sluice_core::engine::Output;

use super::CodeConfig;
use crate::testing::{context, records};

fn node(
    code: &str,
    time_limit_ms: u64,
    memory_mb: u64,
) -> Result<Box<dyn Transform + 'static>, String> {
    // Leaked: the node may hold the build context's borrow for as long as the test runs.
    let expressions = Box::leak(Box::new(
        sluice_core::expression::Expressions::for_validation(),
    ));
    let config = CodeConfig {
        code: code.into(),
        time_limit_ms,
        memory_mb,
    };
    config
        .build(&context(std::path::Path::new("."), expressions))
        .map_err(|error| error.to_string())
}

fn run(code: &str, input: Value) -> (Result<(), String>, Vec<Value>, Vec<Value>) {
    let mut node = node(code, 1000, 32).unwrap();
    let mut out = Output::for_test(&["out"], OnError::Route);
    let result = node
        .transform(crate::testing::INPUT, records(input), &mut out)
        .map_err(|error| error.to_string());
    let made = out
        .take("out")
        .iter()
        .map(|record| record.to_value())
        .collect();
    let errors = out
        .take("error")
        .iter()
        .map(|record| record.to_value())
        .collect();
    (result, made, errors)
}

#[test]
fn changes_drops_and_multiplies_records() {
    let code = r#"
        if record.skip then return nil end
        if record.tags then
          local made = {}
          for tag in string.gmatch(record.tags, "[^,]+") do table.insert(made, { id = record.id, tag = tag }) end
          return made
        end
        record.full_name = record.first .. " " .. string.upper(record.last)
        return record"#;
    let (result, made, errors) = run(
        code,
        json!([
            {"id": 1, "first": "Ada", "last": "Lovelace"},
            {"id": 2, "skip": true},
            {"id": 3, "tags": "a,b"}
        ]),
    );
    result.unwrap();
    assert!(errors.is_empty());
    let keys: Vec<&String> = made[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["id", "first", "last", "full_name"],
        "the record's fields first, in order"
    );
    assert_eq!(
        made,
        [
            json!({"id": 1, "first": "Ada", "last": "Lovelace", "full_name": "Ada LOVELACE"}),
            json!({"id": 3, "tag": "a"}),
            json!({"id": 3, "tag": "b"}),
        ]
    );
}

#[test]
fn an_error_is_the_records_with_its_line_and_bad_code_is_refused_with_its_line() {
    let (result, made, errors) = run(
        "local price = record.price\nreturn { total = price * 2 }",
        json!([{"price": 2}, {"price": "x"}]),
    );
    result.unwrap();
    assert_eq!(made, [json!({"total": 4})]);
    let message = errors[0]["_error"].as_str().unwrap();
    assert!(message.starts_with("the code: code:2:"), "{message}");
    let refused = node("local x = = 1", 1000, 32).err().unwrap();
    assert!(
        refused.contains("does not compile") && refused.contains("code:1:"),
        "{refused}"
    );
}

#[test]
fn an_endless_loop_and_a_memory_bomb_are_stopped() {
    let mut endless = node("while true do end", 200, 32).unwrap();
    let mut out = Output::for_test(&["out"], OnError::Route);
    let started = std::time::Instant::now();
    let stopped = endless
        .transform(crate::testing::INPUT, records(json!([{"n": 1}])), &mut out)
        .unwrap_err()
        .to_string();
    assert!(stopped.contains("longer than 200 ms"), "{stopped}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let mut bomb = node(
        "local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end",
        5000,
        16,
    )
    .unwrap();
    let stopped = bomb
        .transform(crate::testing::INPUT, records(json!([{"n": 1}])), &mut out)
        .unwrap_err()
        .to_string();
    assert!(
        stopped.contains("more memory than `memory_mb`"),
        "{stopped}"
    );
}

#[test]
fn files_programs_other_code_and_the_network_are_out_of_reach() {
    for code in [
        "return { x = io.open('/etc/passwd'):read('a') }",
        "os.execute('touch /tmp/sluice-code-was-here')",
        "return { x = dofile('/etc/passwd') }",
        "return { x = load('return 1')() }",
        "return { x = require('socket') }",
        "return { x = debug.getinfo(1) }",
        "return { x = package.loadlib('libc.so.6', 'system') }",
    ] {
        let (result, made, errors) = run(code, json!([{"n": 1}]));
        result.unwrap();
        assert!(made.is_empty(), "{code}");
        let message = errors[0]["_error"].as_str().unwrap();
        assert!(message.contains("a nil value"), "{code}: {message}");
    }
    assert!(!std::path::Path::new("/tmp/sluice-code-was-here").exists());
}
