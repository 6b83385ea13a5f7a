//! What the expression language offers by name — Sluice's filters, the common MiniJinja filters
//! and the functions — with a line of help each, for completion in the studio's editor; and an
//! expression tried on sample records, for its live result.

use crate::expression::{Expressions, RecordScope};
use crate::record::Record;

/// A filter or function, as completion offers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Word {
    pub name: String,
    /// `filter` (written after `|`) or `function` (called).
    pub kind: WordKind,
    /// How it is written, e.g. `amount | float(default=0)`.
    pub example: String,
    pub help: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WordKind {
    Filter,
    Function,
}

/// (name, example, help) of each filter.
const FILTERS: &[(&str, &str, &str)] = &[
    (
        "float",
        "amount | float(default=0)",
        "The value as a number with decimals; `default` for text that is not one.",
    ),
    (
        "int",
        "quantity | int",
        "The value as a whole number (text like \"12\" or a number, cut towards zero).",
    ),
    (
        "round",
        "price | round(2)",
        "The number rounded to so many decimals (none by default).",
    ),
    ("json", "record | json", "The value as compact JSON text."),
    (
        "parse_json",
        "payload | parse_json",
        "JSON text as a value (object, list, number…).",
    ),
    (
        "parse_datetime",
        "created | parse_datetime",
        "Text or a unix timestamp as a date/time (RFC 3339 text by default; `format=` for others).",
    ),
    (
        "format_datetime",
        "created | format_datetime('%Y-%m-%d')",
        "A date/time written in a strftime format.",
    ),
    (
        "timestamp",
        "created | timestamp",
        "A date/time as unix seconds.",
    ),
    (
        "default",
        "nickname | default('n/a')",
        "This value when the field is missing or undefined.",
    ),
    ("upper", "country | upper", "The text in capitals."),
    ("lower", "email | lower", "The text in small letters."),
    (
        "title",
        "name | title",
        "Each word with a capital first letter.",
    ),
    (
        "capitalize",
        "name | capitalize",
        "The first letter a capital, the rest small.",
    ),
    ("trim", "name | trim", "The text without spaces around it."),
    (
        "replace",
        "phone | replace('-', '')",
        "The text with every occurrence of the first text replaced by the second.",
    ),
    (
        "length",
        "tags | length",
        "How many characters, items or fields.",
    ),
    ("first", "tags | first", "The first item of a list."),
    ("last", "tags | last", "The last item of a list."),
    (
        "join",
        "tags | join(', ')",
        "The items of a list joined into text.",
    ),
    (
        "split",
        "labels | split(',')",
        "The text split into a list at each separator.",
    ),
    ("abs", "delta | abs", "The number without its sign."),
    ("string", "id | string", "The value as text."),
    ("bool", "flag | bool", "The value as true or false."),
    ("list", "value | list", "The value as a list."),
    ("sort", "tags | sort", "The list in order."),
    (
        "unique",
        "tags | unique",
        "The list without repeated items.",
    ),
    ("min", "prices | min", "The smallest item."),
    ("max", "prices | max", "The largest item."),
    ("sum", "prices | sum", "The items added up."),
];

/// (name, example, help) of each function.
const FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "now",
        "now()",
        "When the run started, as RFC 3339 text (the same for every record).",
    ),
    (
        "range",
        "range(3)",
        "The numbers from 0 up to (not including) the given one.",
    ),
];

/// Every filter and function, for completion.
pub fn vocabulary() -> Vec<Word> {
    let words = |list: &[(&str, &str, &str)], kind| {
        list.iter()
            .map(move |(name, example, help)| Word {
                name: name.to_string(),
                kind,
                example: example.to_string(),
                help: help.to_string(),
            })
            .collect::<Vec<_>>()
    };
    let mut all = words(FILTERS, WordKind::Filter);
    all.extend(words(FUNCTIONS, WordKind::Function));
    all
}

/// What an expression gave on one sample record: a value (as JSON) or why it failed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Trial {
    #[ts(type = "unknown")]
    pub value: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// Tries `source` on each record; a source that does not compile fails as a whole.
pub fn try_expression(
    expressions: &Expressions,
    source: &str,
    records: Vec<Record>,
) -> Result<Vec<Trial>, String> {
    let compiled = expressions
        .compile(source)
        .map_err(|error| error.to_string())?;
    Ok(records
        .into_iter()
        .map(|record| {
            let scope = RecordScope::enter(record);
            match compiled.evaluate(&scope) {
                Ok(value) => Trial {
                    value: Some(value.to_json()),
                    error: None,
                },
                Err(error) => Trial {
                    value: None,
                    error: Some(error.to_string()),
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: serde_json::Value) -> Record {
        Record::from(value.as_object().expect("an object").clone())
    }

    #[test]
    fn every_word_offered_works_as_its_example_shows() {
        let expressions = Expressions::for_validation();
        let sample = record(serde_json::json!({
            "amount": "12.5", "quantity": "3", "price": 2.345, "record": {"a": 1},
            "payload": "{\"a\": 1}", "created": "2026-12-02T10:00:00Z", "country": "gb",
            "email": "A@B.C", "name": " ada lovelace ", "phone": "1-2", "tags": ["b", "a", "b"],
            "delta": -3, "id": 7, "labels": "a,b", "flag": 1, "value": "ab", "prices": [3, 1, 2], "nickname": null
        }));
        for word in vocabulary() {
            let trials = try_expression(&expressions, &word.example, vec![sample.clone()])
                .unwrap_or_else(|error| panic!("{}: {error}", word.example));
            assert_eq!(trials[0].error, None, "{}", word.example);
        }
    }

    #[test]
    fn a_trial_gives_each_record_its_value_or_its_error() {
        let expressions = Expressions::for_validation();
        let records = vec![
            record(serde_json::json!({"amount": "2.5"})),
            record(serde_json::json!({"amount": "abc"})),
        ];
        let trials = try_expression(&expressions, "amount | float * 2", records).unwrap();
        assert_eq!(trials[0].value, Some(serde_json::json!(5.0)));
        assert!(
            trials[1].error.as_deref().unwrap().contains("abc"),
            "{trials:?}"
        );
        assert!(try_expression(&expressions, "amount |", Vec::new()).is_err());
    }
}
