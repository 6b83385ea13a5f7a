//! `sort` against orders computed another way (Rust's stable sort by the same rules, written
//! out here), in memory and through spill files with a budget too small to hold a batch.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::*;
use crate::flow::OnError;
use crate::memory::MemoryBudget;
use crate::transforms::testing::{records, run, run_within};

fn config(by: Json) -> SortConfig {
    serde_json::from_value(json!({ "by": by })).unwrap()
}

fn field(records: &[Record], name: &str) -> Vec<Json> {
    records
        .iter()
        .map(|record| record.get(name).map_or(Json::Null, |value| value.to_json()))
        .collect()
}

#[test]
fn orders_by_several_keys_with_nulls_where_asked_and_keeps_ties_in_order() {
    let input = records(json!([
        {"id": 1, "country": "FR", "amount": 10},
        {"id": 2, "country": null, "amount": 5},
        {"id": 3, "country": "DE", "amount": 10},
        {"id": 4, "country": "FR", "amount": 30},
        {"id": 5, "amount": 1},
        {"id": 6, "country": "DE", "amount": 10.0},
        {"id": 7, "country": "FR", "amount": "7"}
    ]));
    let by = json!([{"field": "country"}, {"field": "amount", "order": "desc"}]);
    let sorted = run(&config(by), input.clone(), OnError::Fail).take("out");
    // DE (amounts 10 and 10.0 tie: arrival order), FR (the text "7" first when descending:
    // text ranks above numbers), then the null and the missing country, in arrival order.
    assert_eq!(
        field(&sorted, "id"),
        [
            json!(3),
            json!(6),
            json!(7),
            json!(4),
            json!(1),
            json!(2),
            json!(5)
        ]
    );

    let by = json!([{"field": "country", "nulls": "first", "order": "desc"}]);
    let sorted = run(&config(by), input, OnError::Fail).take("out");
    assert_eq!(
        field(&sorted, "id"),
        [
            json!(2),
            json!(5),
            json!(1),
            json!(4),
            json!(7),
            json!(3),
            json!(6)
        ]
    );
}

/// `count` records with few distinct keys (many ties), some null, in a scrambled order.
fn scrambled(count: u64) -> Vec<Record> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let rows: Vec<Json> = (0..count)
        .map(|id| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let group = state % 23;
            let score = if state.is_multiple_of(11) { Json::Null } else { json!((state >> 8) % 50) };
            json!({"id": id, "group": format!("g{group:02}"), "score": score, "note": "x".repeat((state % 40) as usize)})
        })
        .collect();
    records(Json::Array(rows))
}

/// The same order by Rust's stable sort: group ascending, then score descending with nulls
/// first.
fn expected_ids(input: &[Record]) -> Vec<Json> {
    let mut rows: Vec<(String, Option<i64>, Json)> = input
        .iter()
        .map(|record| {
            let group = record.get("group").unwrap().as_str().unwrap().to_string();
            let score = record.get("score").unwrap().to_json().as_i64();
            (group, score, record.get("id").unwrap().to_json())
        })
        .collect();
    rows.sort_by(|left, right| {
        left.0.cmp(&right.0).then_with(|| match (left.1, right.1) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => b.cmp(&a),
        })
    });
    rows.into_iter().map(|(_, _, id)| id).collect()
}

#[test]
fn spilled_runs_merge_into_the_same_order_as_in_memory() {
    let by = json!([{"field": "group"}, {"field": "score", "order": "desc", "nulls": "first"}]);
    let input = scrambled(3000);
    let expected = expected_ids(&input);
    let mut in_memory = run(&config(by.clone()), input.clone(), OnError::Fail);
    assert_eq!(field(&in_memory.take("out"), "id"), expected);
    assert_eq!(in_memory.stats.spilled_bytes, 0);

    // A budget smaller than a batch: every batch of two is spilled: 1500 runs, merged in passes.
    let budget = Arc::new(MemoryBudget::new(100));
    let mut spilled = run_within(&config(by), input, OnError::Fail, budget.clone());
    assert_eq!(field(&spilled.take("out"), "id"), expected);
    assert!(spilled.stats.spilled_bytes > 0);
    assert!(budget.peak() > 0);
    assert!(budget.try_take(100), "everything held was given back");
}

#[test]
fn the_spill_folder_goes_when_the_sort_ends_or_is_dropped_midway() {
    let budget = Arc::new(MemoryBudget::new(10));
    let new_sort = || Sort {
        keys: Arc::from(config(json!([{"field": "id"}])).by),
        held: Vec::new(),
        memory: MemoryShare::new(budget.clone()),
        spill: None,
        runs: Vec::new(),
    };
    let mut out = Output::for_test(&["out"], OnError::Fail);
    // Dropped midway (a cancelled run): the spill files are removed.
    let mut sort = new_sort();
    for chunk in scrambled(20).chunks(4) {
        sort.transform(crate::transforms::testing::INPUT, chunk.to_vec(), &mut out)
            .unwrap();
    }
    let folder = sort.spill.as_ref().unwrap().folder().to_path_buf();
    assert!(std::fs::read_dir(&folder).unwrap().count() >= 4);
    drop(sort);
    assert!(!folder.exists());
    // Finished: the records come out and the files go with the node.
    let mut sort = new_sort();
    for chunk in scrambled(20).chunks(4) {
        sort.transform(crate::transforms::testing::INPUT, chunk.to_vec(), &mut out)
            .unwrap();
    }
    let folder = sort.spill.as_ref().unwrap().folder().to_path_buf();
    sort.finish(&mut out).unwrap();
    assert_eq!(out.take("out").len(), 20);
    drop(sort);
    assert!(!folder.exists());
}
