//! The flow file format: round trips, the committed JSON Schema, and every validation message.

use serde_json::json;
use sluice_core::Flow;
use sluice_core::validate::validate;
use sluice_tests::{flow_json, repository_root};

fn problems(flow: serde_json::Value) -> String {
    let flow = Flow::from_json(&flow.to_string()).expect("parses");
    match validate(&flow, &sluice_connectors::registry()) {
        Ok(()) => "valid".to_string(),
        Err(report) => report.to_string(),
    }
}

fn csv_to_sqlite(middle: serde_json::Value) -> serde_json::Value {
    let mut nodes = vec![json!({"id": "read", "type": "csv.read", "config": {"path": "in.csv"}})];
    nodes.push(middle);
    nodes.push(
        json!({"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}),
    );
    flow_json(
        json!(nodes),
        json!([{"from": "read", "to": "step"}, {"from": "step", "to": "save"}]),
    )
}

#[test]
fn the_examples_round_trip_unchanged() {
    for example in ["customers-to-sqlite", "orders-incremental"] {
        let path = repository_root()
            .join("examples")
            .join(example)
            .join("flow.sluice.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let flow = Flow::from_json(&text).unwrap();
        validate(&flow, &sluice_connectors::registry()).unwrap();
        let again = Flow::from_json(&flow.to_json()).unwrap();
        assert_eq!(flow, again, "{example}");
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let written: serde_json::Value = serde_json::from_str(&flow.to_json()).unwrap();
        assert_eq!(original, written, "{example}: nothing is added or lost");
    }
}

#[test]
fn the_committed_schema_matches_the_code() {
    let path = repository_root().join("connectors/schema/sluice.flow-1.schema.json");
    let generated = serde_json::to_string_pretty(&sluice_core::schema::flow_schema(
        &sluice_connectors::registry(),
    ))
    .unwrap()
        + "\n";
    if std::env::var_os("SLUICE_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date with the Rust types; run `SLUICE_UPDATE_SCHEMA=1 cargo test -p sluice-tests --test flow_format` and commit it",
        path.display()
    );
}

#[test]
fn the_schema_ties_each_node_type_to_its_config() {
    let schema = sluice_core::schema::flow_schema(&sluice_connectors::registry());
    let rules = schema["$defs"]["Node"]["allOf"].as_array().unwrap();
    let csv_rule = rules
        .iter()
        .find(|rule| rule["if"]["properties"]["type"]["const"] == "csv.read")
        .unwrap();
    let reference = csv_rule["then"]["properties"]["config"]["$ref"]
        .as_str()
        .unwrap();
    let name = reference.strip_prefix("#/$defs/").unwrap();
    assert_eq!(schema["$defs"][name]["required"], json!(["path"]));
    assert!(
        schema["$defs"][name]["properties"]["delimiter"]["description"]
            .as_str()
            .unwrap()
            .contains("between fields")
    );
    // Every reference points at a definition that exists.
    let text = schema.to_string();
    for piece in text.split("\"$ref\":\"#/$defs/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(
            schema["$defs"].get(name).is_some(),
            "dangling reference {name}"
        );
    }
}

#[test]
fn not_json_is_refused_with_line_and_column() {
    let error = Flow::from_json(
        "{\n  \"format\": \"sluice.flow/1\",\n  \"id\": \"x\"\n  \"name\": \"n\"\n}",
    )
    .unwrap_err();
    insta::assert_snapshot!("not_json", error.to_string());
    assert_eq!((error.line, error.column), (4, 3));
}

#[test]
fn a_misspelled_top_level_field_is_refused_with_its_position() {
    let error = Flow::from_json(
        r#"{"format": "sluice.flow/1", "id": "x", "name": "n", "nodes": [], "edgs": []}"#,
    )
    .unwrap_err();
    insta::assert_snapshot!("unknown_top_level_field", error.to_string());
    let error = Flow::from_json(r#"{"format": "sluice.flow/1", "id": "x", "name": "n", "nodes": [{"id": "a", "config": {}}]}"#)
        .unwrap_err();
    insta::assert_snapshot!("node_without_type", error.to_string());
}

#[test]
fn validation_unknown_node_type() {
    insta::assert_snapshot!(problems(csv_to_sqlite(
        json!({"id": "step", "type": "fliter", "config": {"when": "true"}})
    )));
}

#[test]
fn validation_unknown_config_field() {
    insta::assert_snapshot!(problems(csv_to_sqlite(
        json!({"id": "step", "type": "filter", "config": {"when": "true", "whn": 1}})
    )));
}

#[test]
fn validation_missing_config_field() {
    insta::assert_snapshot!(problems(csv_to_sqlite(
        json!({"id": "step", "type": "filter", "config": {}})
    )));
}

#[test]
fn validation_wrong_config_type() {
    insta::assert_snapshot!(problems(csv_to_sqlite(
        json!({"id": "step", "type": "limit", "config": {"count": "ten"}})
    )));
}

#[test]
fn validation_a_choice_that_is_not_one() {
    insta::assert_snapshot!(problems(csv_to_sqlite(
        json!({"id": "step", "type": "cast", "config": {"fields": {"amount": "int"}}})
    )));
    insta::assert_snapshot!(
        "validation_a_choice_left_empty",
        problems(csv_to_sqlite(
            json!({"id": "step", "type": "cast", "config": {"fields": {"amount": ""}}})
        ))
    );
}

#[test]
fn validation_expression_does_not_compile() {
    insta::assert_snapshot!(problems(csv_to_sqlite(
        json!({"id": "step", "type": "map", "config": {"set": {"total": "amount *", "ok": "1 + 1"}}})
    )));
}

#[test]
fn an_expression_nesting_thousands_deep_is_refused_not_a_crash() {
    let deep = format!("name{}", " | upper".repeat(20_000));
    let report = problems(csv_to_sqlite(
        json!({"id": "step", "type": "map", "config": {"set": {"loud": deep}}}),
    ));
    assert!(
        report.contains("node `step`, field `set.loud`")
            && report.contains("it nests too deeply: 20000 levels")
            && report.len() < 400,
        "{report}"
    );
}

#[test]
fn a_flow_with_more_nodes_than_the_limit_is_refused_in_one_problem() {
    let chain = |count: usize| {
        let mut nodes = vec![json!({"id": "n0", "type": "csv.read", "config": {"path": "in.csv"}})];
        let mut edges = Vec::new();
        for index in 1..count {
            nodes.push(json!({"id": format!("n{index}"), "type": "limit", "config": {"count": 1}}));
            edges.push(json!({"from": format!("n{}", index - 1), "to": format!("n{index}")}));
        }
        nodes.push(json!({"id": "save", "type": "csv.write", "config": {"path": "out.csv"}}));
        edges.push(json!({"from": format!("n{}", count - 1), "to": "save"}));
        flow_json(json!(nodes), json!(edges))
    };
    let limit = sluice_core::validate::MAX_NODES;
    assert_eq!(problems(chain(limit - 1)), "valid");
    let refused = problems(chain(limit));
    assert!(
        refused.contains("501 nodes") && refused.contains("at most 500 nodes"),
        "{refused}"
    );
    assert_eq!(
        refused.lines().count(),
        2,
        "one problem, not one per node: {refused}"
    );
}

#[test]
fn validation_edges_to_missing_nodes_and_ports() {
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "split", "type": "route", "config": {"routes": [{"port": "big", "when": "amount > 10"}]}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([
            {"from": "read", "to": "split"},
            {"from": "split", "from_port": "bigg", "to": "save"},
            {"from": "split", "from_port": "big", "to": "nowhere"},
            {"from": "ghost", "to": "save"},
            {"from": "read", "from_port": "error", "to": "save"}
        ]),
    );
    insta::assert_snapshot!(problems(flow));
}

#[test]
fn validation_cycle() {
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "a", "type": "filter", "config": {"when": "true"}},
            {"id": "b", "type": "map", "config": {}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([
            {"from": "read", "to": "a"}, {"from": "a", "to": "b"}, {"from": "b", "to": "a"}, {"from": "b", "to": "save"}
        ]),
    );
    insta::assert_snapshot!(problems(flow));
}

#[test]
fn validation_unconnected_nodes() {
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "lonely", "type": "filter", "config": {"when": "true"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([]),
    );
    insta::assert_snapshot!(problems(flow));
}

#[test]
fn validation_an_error_port_with_nothing_connected_would_lose_records() {
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "shape", "type": "map", "config": {}, "on_error": "route"},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([{"from": "read", "to": "shape"}, {"from": "shape", "to": "save"}]),
    );
    insta::assert_snapshot!(problems(flow));
}

#[test]
fn validation_roles_of_edges() {
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "other", "type": "json.read", "config": {"path": "in.json"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}},
            {"id": "more", "type": "csv.write", "config": {"path": "out.csv"}}
        ]),
        json!([{"from": "read", "to": "save"}, {"from": "save", "to": "more"}, {"from": "read", "to": "other"},
               {"from": "other", "to": "more"}]),
    );
    insta::assert_snapshot!(problems(flow));
}

#[test]
fn validation_flow_level_problems() {
    let mut flow = flow_json(
        json!([
            {"id": "a b", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "a b", "type": "csv.write", "config": {"path": "out.csv"}},
            {"id": "", "type": "filter", "config": {"when": "true"}}
        ]),
        json!([]),
    );
    flow["format"] = json!("sluice.flow/2");
    flow["name"] = json!(" ");
    insta::assert_snapshot!(problems(flow));
    let empty = flow_json(json!([]), json!([]));
    insta::assert_snapshot!("validation_no_nodes", problems(empty));
}

#[test]
fn validation_schedule() {
    let mut flow =
        csv_to_sqlite(json!({"id": "step", "type": "filter", "config": {"when": "true"}}));
    flow["schedule"] =
        json!({"cron": "0 7 * * Mon-Fri", "timezone": "Europe/Berln", "enabled": true});
    insta::assert_snapshot!(problems(flow));
}

#[test]
fn a_valid_flow_is_valid() {
    assert_eq!(
        problems(csv_to_sqlite(
            json!({"id": "step", "type": "filter", "config": {"when": "status == 'active'"}})
        )),
        "valid"
    );
}
