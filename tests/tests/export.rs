//! An exported flow travels: paths under the flow's folder become relative to it, and absolute
//! paths outside it are named in warnings.

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
