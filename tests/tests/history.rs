//! History worth reading: edits in the editor fold into one version per minute of editing, every
//! version says what it changed, a diff shows what restoring would change, and names stay unique.

use serde_json::json;
use sluice_core::Node;
use sluice_tests::temporary_installation;

fn node(value: serde_json::Value) -> Node {
    serde_json::from_value(value).unwrap()
}

#[test]
fn edits_fold_into_labelled_versions_and_a_diff_shows_what_restoring_changes() {
    let (_home, sluice) = temporary_installation();
    let mut flow = sluice.create_flow("Orders").unwrap().flow;

    // Three autosaves while building: one version, labelled with all of it.
    flow.nodes.push(node(
        json!({"id": "read", "type": "csv.read", "config": {"path": "in.csv"}}),
    ));
    assert_eq!(
        sluice.save_document(flow.clone(), &[]).unwrap().version,
        Some(2)
    );
    flow.nodes.push(node(
        json!({"id": "keep", "type": "filter", "config": {"when": "true"}}),
    ));
    assert_eq!(
        sluice.save_document(flow.clone(), &[]).unwrap().version,
        Some(2)
    );
    flow.edges
        .push(serde_json::from_value(json!({"from": "read", "to": "keep"})).unwrap());
    assert_eq!(
        sluice.save_document(flow.clone(), &[]).unwrap().version,
        Some(2)
    );
    let labels = |sluice: &sluice_runtime::Sluice| -> Vec<String> {
        (sluice.flow_versions(&flow.id).unwrap().into_iter())
            .map(|version| version.label)
            .collect()
    };
    assert_eq!(
        labels(&sluice),
        ["added keep, read; connected read → keep", "created"]
    );

    // Saved on purpose: the next edit is a version of its own.
    sluice.keep_flow_version(&flow.id).unwrap();
    flow.nodes[1].config = json!({"when": "status == 'active'"});
    assert_eq!(
        sluice.save_document(flow.clone(), &[]).unwrap().version,
        Some(3)
    );
    assert_eq!(labels(&sluice)[0], "changed keep (when)");

    // Before restoring version 2: what it would change, field by field.
    let diff = sluice.version_diff(&flow.id, 2).unwrap();
    assert_eq!(diff.nodes_changed.len(), 1);
    let field = &diff.nodes_changed[0].fields[0];
    assert_eq!(field.path, "config.when");
    assert_eq!(field.before, Some(json!("status == 'active'")));
    assert_eq!(field.after, Some(json!("true")));
    assert_eq!(sluice.restore_flow_version(&flow.id, 2).unwrap(), 4);
    assert_eq!(
        labels(&sluice)[0],
        "restored version 2: changed keep (when)"
    );
}

#[test]
fn a_flow_cannot_take_another_flows_name() {
    let (_home, sluice) = temporary_installation();
    let first = sluice.create_flow("Orders").unwrap().flow;
    let second = sluice.create_flow("Customers").unwrap().flow;
    let error = sluice.rename_flow(&second.id, " orders ").unwrap_err();
    assert!(
        error.to_string().contains("another flow is named “orders”"),
        "{error}"
    );
    assert!(
        sluice.rename_flow(&first.id, "Orders").is_ok(),
        "its own name is fine"
    );
    assert!(sluice.rename_flow(&second.id, "  ").is_err());
    assert_eq!(sluice.rename_flow(&second.id, "Clients").unwrap(), 2);
    assert_eq!(
        sluice.flow_versions(&second.id).unwrap()[0].label,
        "renamed to “Clients”"
    );
}
