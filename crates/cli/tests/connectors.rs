//! `sluice connectors`: importing a folder of manifests reports each refusal, and what is
//! imported is listed, becomes a node type and can be removed.

mod common;

use common::{run, text};

#[test]
fn connectors_import_a_folder_reporting_each_refusal_then_list_and_remove() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir(folder.path().join("source-quotes")).unwrap();
    std::fs::write(
        folder.path().join("source-quotes/manifest.yaml"),
        "version: 6.0.0\nstreams:\n  - name: quotes\n    retriever:\n      requester: { url_base: 'https://api.quotes.example', path: /quotes }\n      record_selector: { extractor: { field_path: [data] } }\n",
    )
    .unwrap();
    std::fs::write(
        folder.path().join("broken.yaml"),
        "version: 1\nstreams: [\n",
    )
    .unwrap();
    let imported = run(
        home.path(),
        &["connectors", "import", folder.path().to_str().unwrap()],
    );
    assert_eq!(
        imported.status.code(),
        Some(2),
        "{}",
        text(&imported.stderr)
    );
    let stdout = text(&imported.stdout);
    assert!(
        stdout.contains("imported quotes as app.quotes (version 1): streams quotes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("broken.yaml: the manifest is not valid YAML: line 2 column 10"),
        "{stdout}"
    );
    assert!(stdout.contains("1 of 2 manifests imported"), "{stdout}");
    let listed: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["--json", "connectors", "list"]).stdout)
            .unwrap();
    let quotes = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|connector| connector["id"] == "quotes")
        .unwrap();
    assert_eq!(quotes["version"], 1);
    assert_eq!(quotes["hosts"], serde_json::json!(["api.quotes.example"]));
    let components = text(&run(home.path(), &["components"]).stdout);
    assert!(components.contains("app.quotes"), "{components}");
    assert_eq!(
        run(home.path(), &["connectors", "remove", "quotes"])
            .status
            .code(),
        Some(0)
    );
    let missing = run(home.path(), &["connectors", "show", "quotes"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no connector 'quotes'"));
}
