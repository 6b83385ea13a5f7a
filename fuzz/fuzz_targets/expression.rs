//! An expression: compiled, then evaluated (as a value and as a condition) on a record with text,
//! numbers and nested JSON.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sluice_core::expression::{Expressions, RecordScope};

static RECORD: LazyLock<sluice_core::Record> = LazyLock::new(|| {
    serde_json::json!({"status": "active", "amount": "12.5", "n": 3, "c": {"name": "Ada", "list": [1, "x"]}})
        .as_object()
        .expect("an object")
        .clone()
        .into()
});

fuzz_target!(|input: &[u8]| {
    let Ok(source) = std::str::from_utf8(input) else {
        return;
    };
    let expressions = Expressions::for_validation();
    if let Ok(compiled) = expressions.compile(source) {
        let scope = RecordScope::enter(RECORD.clone());
        let _ = compiled.evaluate(&scope);
        let _ = compiled.is_true(&scope);
    }
});
