//! `aggregate`: each function on a small table worked out by hand, and the same groups whether
//! they fit in memory or spill with a budget too small for one.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::*;
use crate::flow::OnError;
use crate::memory::MemoryBudget;
use crate::transforms::testing::{records, run, run_within};

fn config(value: Json) -> AggregateConfig {
    serde_json::from_value(value).unwrap()
}

fn as_json(records: Vec<Record>) -> Vec<Json> {
    records.iter().map(Record::to_value).collect()
}

#[test]
fn every_function_per_group_in_the_order_groups_appeared() {
    let input = records(json!([
        {"country": "FR", "amount": "10.10", "name": "Ada", "tag": "a"},
        {"country": "DE", "amount": 5, "name": "Bo", "tag": null},
        {"country": "FR", "amount": "0.20", "name": "Cy", "tag": "a"},
        {"country": "FR", "amount": null, "name": "Di", "tag": "b"},
        {"country": "DE", "amount": 2.5, "name": "Ed"}
    ]));
    let aggregate = config(json!({
        "group_by": ["country"],
        "compute": [
            {"name": "orders", "function": "count"},
            {"name": "amounts", "function": "count", "field": "amount"},
            {"name": "tags", "function": "count_distinct", "field": "tag"},
            {"name": "total", "function": "sum", "field": "amount"},
            {"name": "mean", "function": "avg", "field": "amount"},
            {"name": "least", "function": "min", "field": "name"},
            {"name": "most", "function": "max", "field": "name"},
            {"name": "first_tag", "function": "first", "field": "tag"},
            {"name": "last_tag", "function": "last", "field": "tag"},
            {"name": "names", "function": "list", "field": "name"},
            {"name": "joined", "function": "string_agg", "field": "name", "separator": "/"}
        ]
    }));
    let out = as_json(run(&aggregate, input, OnError::Fail).take("out"));
    assert_eq!(
        out,
        [
            // Text amounts summed as exact decimals: 10.10 + 0.20 = 10.3, not 10.299999….
            json!({"country": "FR", "orders": 3, "amounts": 2, "tags": 2, "total": "10.3",
                   "mean": "5.15", "least": "Ada", "most": "Di", "first_tag": "a", "last_tag": "b",
                   "names": ["Ada", "Cy", "Di"], "joined": "Ada/Cy/Di"}),
            // A floating-point input makes the sum floating-point.
            json!({"country": "DE", "orders": 2, "amounts": 2, "tags": 0, "total": 7.5,
                   "mean": 3.75, "least": "Bo", "most": "Ed", "first_tag": null, "last_tag": null,
                   "names": ["Bo", "Ed"], "joined": "Bo/Ed"}),
        ]
    );
}

#[test]
fn no_records_and_no_groups_give_one_count_of_zero_and_a_non_number_is_the_records_error() {
    let count = config(
        json!({"compute": [{"name": "n", "function": "count"}, {"name": "s", "function": "sum", "field": "x"}]}),
    );
    assert_eq!(
        as_json(run(&count, Vec::new(), OnError::Fail).take("out")),
        [json!({"n": 0, "s": null})]
    );
    let input = records(json!([{"x": 1}, {"x": "twelve"}, {"x": 2}]));
    let mut out = run(&count, input, OnError::Route);
    assert_eq!(as_json(out.take("out")), [json!({"n": 2, "s": 3})]);
    let errors = out.take("error");
    assert!(
        errors[0]["_error"]
            .as_str()
            .unwrap()
            .contains("'twelve' is not a number")
    );
}

#[test]
fn spilled_groups_give_the_same_results_as_groups_in_memory() {
    let rows: Vec<Json> = (0..4000)
        .map(|id| json!({"id": id, "group": format!("g{}", (id * 7919) % 301), "amount": format!("{}.{:02}", id % 97, id % 100), "tag": id % 5}))
        .collect();
    let input = records(Json::Array(rows));
    let aggregate = config(json!({
        "group_by": ["group"],
        "compute": [
            {"name": "n", "function": "count"},
            {"name": "tags", "function": "count_distinct", "field": "tag"},
            {"name": "total", "function": "sum", "field": "amount"},
            {"name": "mean", "function": "avg", "field": "amount"},
            {"name": "low", "function": "min", "field": "id"},
            {"name": "first", "function": "first", "field": "id"},
            {"name": "last", "function": "last", "field": "id"},
            {"name": "ids", "function": "list", "field": "id"},
            {"name": "joined", "function": "string_agg", "field": "id"}
        ]
    }));
    let sorted = |records: Vec<Record>| {
        let mut rows = as_json(records);
        rows.sort_by_key(|row| row["group"].as_str().unwrap().to_string());
        rows
    };
    let mut in_memory = run(&aggregate, input.clone(), OnError::Fail);
    assert_eq!(in_memory.stats.spilled_bytes, 0);
    let expected = sorted(in_memory.take("out"));
    assert_eq!(expected.len(), 301);
    let budget = Arc::new(MemoryBudget::new(2000));
    let mut spilled = run_within(&aggregate, input, OnError::Fail, budget.clone());
    assert!(spilled.stats.spilled_bytes > 0);
    assert_eq!(sorted(spilled.take("out")), expected);
    assert!(budget.try_take(2000), "everything held was given back");
}
