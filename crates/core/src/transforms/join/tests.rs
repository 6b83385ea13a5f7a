//! `join` against a nested loop written out here, for every kind, with repeated and null keys,
//! in whichever order the inputs end, and through partition files with a tiny budget.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::*;
use crate::flow::OnError;
use crate::memory::MemoryBudget;
use crate::transforms::testing::{context, records};

const LEFT_INPUT: Input<'static> = Input {
    port: LEFT,
    from: "orders",
};
const RIGHT_INPUT: Input<'static> = Input {
    port: RIGHT,
    from: "customers",
};

fn orders() -> Vec<Record> {
    records(json!([
        {"id": 1, "customer": 10, "total": 5},
        {"id": 2, "customer": 11, "total": 7},
        {"id": 3, "customer": 10.0, "total": 1},
        {"id": 4, "customer": null, "total": 2},
        {"id": 5, "customer": 99, "total": 3},
        {"id": 6, "customer": "10", "total": 4}
    ]))
}

fn customers() -> Vec<Record> {
    records(json!([
        {"id": 10, "name": "Ada"},
        {"id": 11, "name": "Bo"},
        {"id": 11, "name": "Bo again"},
        {"id": 12, "name": "Cy"},
        {"id": null, "name": "Nobody"}
    ]))
}

/// The join as a nested loop: numbers equal by value, nulls and text-vs-number never equal.
fn nested_loop(kind: JoinKind, left: &[Record], right: &[Record]) -> Vec<Json> {
    let equal = |a: &Record, b: &Record| match (a.get("customer"), b.get("id")) {
        (Some(a), Some(b)) if !a.is_null() && !b.is_null() => {
            a.type_name() != "string"
                && b.type_name() != "string"
                && crate::ordering::compare(a, b).is_eq()
        }
        _ => false,
    };
    let pair = |l: Option<&Record>, r: Option<&Record>| {
        let field = |record: Option<&Record>, name: &str| {
            record
                .and_then(|record| record.get(name))
                .map_or(Json::Null, |value| value.to_json())
        };
        json!({"id": field(l, "id"), "customer": field(l, "customer"), "total": field(l, "total"),
               "right_id": field(r, "id"), "name": field(r, "name")})
    };
    let mut rows = Vec::new();
    for l in left {
        let matches: Vec<&Record> = right.iter().filter(|r| equal(l, r)).collect();
        match kind {
            JoinKind::Semi if !matches.is_empty() => rows.push(l.to_value()),
            JoinKind::Anti if matches.is_empty() => rows.push(l.to_value()),
            JoinKind::Semi | JoinKind::Anti => {}
            _ if matches.is_empty() && kind.keeps(Side::Left) => rows.push(pair(Some(l), None)),
            _ => rows.extend(matches.into_iter().map(|r| pair(Some(l), Some(r)))),
        }
    }
    if kind.keeps(Side::Right) {
        for r in right.iter().filter(|r| !left.iter().any(|l| equal(l, r))) {
            rows.push(pair(None, Some(r)));
        }
    }
    rows
}

/// Runs the join over the two inputs, the right one ending first or last.
fn join(kind: JoinKind, right_first: bool, budget: u64) -> (Vec<Json>, u64) {
    let expressions = crate::expression::Expressions::for_validation();
    let context = BuildContext {
        upstream: vec![LEFT_INPUT, RIGHT_INPUT],
        memory: Arc::new(MemoryBudget::new(budget)),
        ..context(&expressions)
    };
    let config = JoinConfig {
        kind,
        on: vec![JoinKey {
            left: "customer".into(),
            right: "id".into(),
        }],
        collisions: Collisions::Prefix,
        prefix: "right_".into(),
    };
    let mut node = config.build(&context).unwrap();
    let mut out = Output::for_test(&["out"], OnError::Fail);
    let feed = |node: &mut Box<dyn Transform>, out: &mut Output, input, rows: Vec<Record>| {
        for chunk in rows.chunks(2) {
            node.transform(input, chunk.to_vec(), out).unwrap();
        }
        node.input_ended(input, out).unwrap();
    };
    if right_first {
        feed(&mut node, &mut out, RIGHT_INPUT, customers());
        feed(&mut node, &mut out, LEFT_INPUT, orders());
    } else {
        feed(&mut node, &mut out, LEFT_INPUT, orders());
        feed(&mut node, &mut out, RIGHT_INPUT, customers());
    }
    node.finish(&mut out).unwrap();
    let rows = out.take("out").iter().map(Record::to_value).collect();
    (rows, out.stats.spilled_bytes)
}

fn sorted(mut rows: Vec<Json>) -> Vec<Json> {
    rows.sort_by_key(|row| row.to_string());
    rows
}

#[test]
fn every_kind_matches_a_nested_loop_whichever_input_ends_first() {
    for kind in [
        JoinKind::Inner,
        JoinKind::Left,
        JoinKind::Right,
        JoinKind::Full,
        JoinKind::Semi,
        JoinKind::Anti,
    ] {
        let expected = nested_loop(kind, &orders(), &customers());
        let (streamed, spilled) = join(kind, true, 1 << 30);
        assert_eq!(spilled, 0);
        // The right ended first: the left streams through its table, in the left's order.
        let kept_order: Vec<Json> = expected
            .iter()
            .filter(|row| !row["id"].is_null())
            .cloned()
            .collect();
        let streamed_order: Vec<Json> = streamed
            .iter()
            .filter(|row| !row["id"].is_null())
            .cloned()
            .collect();
        assert_eq!(streamed_order, kept_order, "{kind:?}");
        assert_eq!(
            sorted(streamed),
            sorted(expected.clone()),
            "{kind:?}, right first"
        );
        let (held, _) = join(kind, false, 1 << 30);
        assert_eq!(
            sorted(held),
            sorted(expected.clone()),
            "{kind:?}, left first"
        );
        let (spilled_rows, spilled) = join(kind, false, 64);
        assert!(spilled > 0, "{kind:?}: a 64-byte budget spills");
        assert_eq!(
            sorted(spilled_rows),
            sorted(expected),
            "{kind:?}, through files"
        );
    }
}

#[test]
fn colliding_right_fields_are_prefixed_or_dropped() {
    let inner = nested_loop(JoinKind::Inner, &orders(), &customers());
    assert_eq!(
        inner[0],
        json!({"id": 1, "customer": 10, "total": 5, "right_id": 10, "name": "Ada"})
    );
    let expressions = crate::expression::Expressions::for_validation();
    let context = BuildContext {
        upstream: vec![LEFT_INPUT, RIGHT_INPUT],
        ..context(&expressions)
    };
    let config = JoinConfig {
        kind: JoinKind::Inner,
        on: vec![JoinKey {
            left: "customer".into(),
            right: "id".into(),
        }],
        collisions: Collisions::Drop,
        prefix: String::new(),
    };
    let mut node = config.build(&context).unwrap();
    let mut out = Output::for_test(&["out"], OnError::Fail);
    node.transform(RIGHT_INPUT, customers(), &mut out).unwrap();
    node.input_ended(RIGHT_INPUT, &mut out).unwrap();
    node.transform(LEFT_INPUT, orders(), &mut out).unwrap();
    node.finish(&mut out).unwrap();
    assert_eq!(
        out.take("out")[0].to_value(),
        json!({"id": 1, "customer": 10, "total": 5, "name": "Ada"})
    );
}
