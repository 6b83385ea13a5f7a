//! The TypeScript types the studio uses are generated from the Rust types that cross IPC and
//! committed in `ui/src/bindings/`; this test fails when they drift apart.
//! Regenerate with `SLUICE_UPDATE_BINDINGS=1 cargo test -p sluice-tests --test bindings`.

use std::collections::BTreeMap;
use std::path::Path;

use ts_rs::TS;

fn export_all(folder: &Path) {
    let config = ts_rs::Config::new()
        .with_large_int("number")
        .with_out_dir(folder);
    sluice_core::Flow::export_all(&config).unwrap();
    sluice_core::validate::Problem::export_all(&config).unwrap();
    sluice_core::labels::NodeSettingLabels::export_all(&config).unwrap();
    sluice_core::flow_diff::FlowDiff::export_all(&config).unwrap();
    sluice_core::expression::vocabulary::Word::export_all(&config).unwrap();
    sluice_core::expression::vocabulary::Trial::export_all(&config).unwrap();
    sluice_core::engine::RunReport::export_all(&config).unwrap();
    sluice_core::credential::DatabaseTable::export_all(&config).unwrap();
    sluice_runtime::FlowDocument::export_all(&config).unwrap();
    sluice_runtime::FlowListing::export_all(&config).unwrap();
    sluice_runtime::TemplateInfo::export_all(&config).unwrap();
    sluice_runtime::ComponentInfo::export_all(&config).unwrap();
    sluice_runtime::ConnectorInfo::export_all(&config).unwrap();
    sluice_runtime::RunNotice::export_all(&config).unwrap();
    sluice_runtime::RunDetail::export_all(&config).unwrap();
    sluice_runtime::ImportOutcome::export_all(&config).unwrap();
    sluice_runtime::FlowReview::export_all(&config).unwrap();
    sluice_runtime::FlowVersion::export_all(&config).unwrap();
    sluice_runtime::ScheduleInfo::export_all(&config).unwrap();
    sluice_runtime::UpdateStatus::export_all(&config).unwrap();
    sluice_runtime::CredentialInfo::export_all(&config).unwrap();
    sluice_runtime::CredentialTypeInfo::export_all(&config).unwrap();
    sluice_runtime::CredentialInput::export_all(&config).unwrap();
}

fn read_folder(folder: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for (name, text) in read_folder(&path) {
                files.insert(
                    format!("{}/{name}", path.file_name().unwrap().to_string_lossy()),
                    text,
                );
            }
        } else if path.extension().is_some_and(|extension| extension == "ts") {
            files.insert(
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap(),
            );
        }
    }
    files
}

#[test]
fn committed_bindings_match_the_rust_types() {
    let committed = sluice_tests::repository_root().join("ui/src/bindings");
    if std::env::var_os("SLUICE_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        export_all(&committed);
    }
    let fresh = tempfile::tempdir().unwrap();
    export_all(fresh.path());
    let expected = read_folder(fresh.path());
    let actual = read_folder(&committed);
    assert!(!expected.is_empty());
    let names = |files: &BTreeMap<String, String>| files.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&actual),
        names(&expected),
        "the set of binding files changed; regenerate (see the module doc)"
    );
    for (name, text) in &expected {
        assert_eq!(
            &actual[name], text,
            "ui/src/bindings/{name} is out of date; regenerate (see the module doc)"
        );
    }
}
