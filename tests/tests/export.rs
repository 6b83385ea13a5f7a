//! Flows that travel: an import keeps versions and takes a flow with problems as a draft, an
//! export round-trips; paths under the flow's folder become relative to it, and absolute paths
//! outside it are named in warnings.

use serde_json::json;
use sluice_tests::{flow_json, temporary_installation};

#[test]
fn export_writes_paths_under_the_flow_folder_relative_and_warns_about_the_rest() {
    let (_home, sluice) = temporary_installation();
    let folder = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let inside = folder.path().join("data").join("in.csv");
    let outside = elsewhere.path().join("rejects.csv");
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": inside}},
            {"id": "save", "type": "sqlite.write",
             "config": {"path": "out.db", "table": "t"}, "on_error": "route"},
            {"id": "rejects", "type": "csv.write", "config": {"path": outside}}
        ]),
        json!([
            {"from": "read", "to": "save"},
            {"from": "save", "from_port": "error", "to": "rejects"}
        ]),
    );
    let flow = sluice.parse_flow(&flow.to_string(), "test").unwrap();
    sluice
        .import_flow(flow.clone(), folder.path(), true)
        .unwrap();

    let exported = sluice.export_flow(&flow.id).unwrap();
    let document: serde_json::Value = serde_json::from_str(&exported.document).unwrap();
    let path_of = |node: usize| document["nodes"][node]["config"]["path"].clone();
    assert_eq!(
        path_of(0),
        json!(format!("data{}in.csv", std::path::MAIN_SEPARATOR))
    );
    assert_eq!(path_of(1), json!("out.db"), "relative paths stay");
    assert_eq!(
        path_of(2),
        json!(outside),
        "an outside path is kept as it is"
    );
    assert_eq!(exported.warnings.len(), 1, "{:?}", exported.warnings);
    assert!(
        exported.warnings[0].contains("`rejects`")
            && exported.warnings[0].contains(&outside.display().to_string()),
        "{:?}",
        exported.warnings
    );

    // Imported from the shared file's folder, the relative path finds the file beside it.
    let shared = tempfile::tempdir().unwrap();
    let file = shared.path().join("flow.sluice.json");
    let warnings = sluice.export_flow_to(&flow.id, &file).unwrap();
    assert_eq!(warnings, exported.warnings);
    let loaded = sluice.load_flow_file(&file).unwrap();
    assert_eq!(loaded.base_dir, shared.path());
}

#[test]
fn import_validates_keeps_versions_and_export_round_trips() {
    let (_home, sluice) = temporary_installation();
    let example =
        sluice_tests::repository_root().join("examples/customers-to-sqlite/flow.sluice.json");
    let first = sluice.import_flow_file(&example, false).unwrap();
    assert_eq!(first.flow_id, "01930000-0000-7000-8000-000000000001");
    assert_eq!(first.version, 1);
    // The same file again becomes a new flow with a new id…
    let second = sluice.import_flow_file(&example, false).unwrap();
    assert_ne!(second.flow_id, first.flow_id);
    assert_eq!(second.replaced_id.as_deref(), Some(first.flow_id.as_str()));
    // …or, with replace, the same flow (unchanged: still version 1).
    assert_eq!(sluice.import_flow_file(&example, true).unwrap().version, 1);

    let exported = sluice.export_flow(&first.flow_id).unwrap().document;
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&exported).unwrap(),
        original
    );

    assert!(first.problems.is_empty() && first.warnings.is_empty());
    // The copy writes where the original writes: said, not silently shared.
    assert!(
        second.warnings.len() == 2
            && second.warnings[0].contains("customers.db")
            && second.warnings[0].contains(&first.name),
        "{:?}",
        second.warnings
    );

    // A typo does not refuse the flow: it comes in as a draft with its problem marked…
    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("broken.sluice.json");
    std::fs::write(&broken, exported.replace("\"filter\"", "\"filtre\"")).unwrap();
    let draft = sluice.import_flow_file(&broken, false).unwrap();
    assert_eq!(draft.problems.len(), 1, "{:?}", draft.problems);
    assert_eq!(
        draft.problems[0].to_string(),
        "node `active`, field `type`: unknown node type `filtre`; did you mean `filter`?"
    );
    assert_eq!(
        sluice.find_flow(&draft.flow_id).unwrap().flow.nodes.len(),
        5
    );
    // …while a file that is not a flow document is refused with its line, storing nothing.
    std::fs::write(&broken, exported.replace("\"nodes\"", "\"nodez\"")).unwrap();
    let error = sluice.import_flow_file(&broken, false).unwrap_err();
    assert!(error.to_string().contains("line"), "{error}");
    assert_eq!(
        sluice.list_flows().unwrap().len(),
        3,
        "a refused import stores nothing"
    );
}
