//! The `sluice` binary as a script would use it: exit codes, messages and JSON output.

mod common;

use std::path::{Path, PathBuf};

use common::{run, text};

/// A copy of an example folder, so runs write their output into a temporary place.
fn example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), folder.path().join(entry.file_name())).unwrap();
        }
    }
    let flow = folder.path().join("flow.sluice.json");
    (folder, flow)
}

#[test]
fn a_successful_run_exits_0_and_summarises_each_node() {
    let home = tempfile::tempdir().unwrap();
    let (folder, flow) = example("customers-to-sqlite");
    let output = run(home.path(), &["run", flow.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(
            "NODE     STATUS     IN  OUT  ERRORED  TIME   BUSY   BYTES  MEMORY  SPILLED\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nshape    succeeded  6   5    1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nread     succeeded  0   8    0 "),
        "{stdout}"
    );
    assert!(stdout.contains(" 576 B "), "the bytes read: {stdout}");
    assert!(stdout.contains(" succeeded in "), "{stdout}");
    assert!(folder.path().join("out/customers.db").exists());
}

#[test]
fn a_failed_run_exits_1_with_one_readable_paragraph() {
    let home = tempfile::tempdir().unwrap();
    let (folder, flow) = example("customers-to-sqlite");
    std::fs::remove_file(folder.path().join("customers.csv")).unwrap();
    let output = run(home.path(), &["run", flow.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: node `read`: cannot open the CSV file "),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Error {"),
        "{stderr}"
    );
    assert!(text(&output.stdout).contains("failed; nothing it wrote was kept"));
}

#[test]
fn an_invalid_flow_exits_2_and_lists_every_problem() {
    let home = tempfile::tempdir().unwrap();
    let (folder, flow) = example("customers-to-sqlite");
    let broken = std::fs::read_to_string(&flow)
        .unwrap()
        .replace("\"filter\"", "\"filtre\"")
        .replace("\"when\"", "\"wen\"");
    let path = folder.path().join("broken.sluice.json");
    std::fs::write(&path, broken).unwrap();
    for command in ["run", "validate"] {
        let output = run(home.path(), &[command, path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("the flow has 1 problem:"), "{stderr}");
        assert!(
            stderr.contains(
                "node `active`, field `type`: unknown node type `filtre`; did you mean `filter`?"
            ),
            "{stderr}"
        );
    }
}

#[test]
fn a_file_that_is_not_json_is_refused_with_line_and_column() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("bad.sluice.json");
    std::fs::write(
        &path,
        "{\n  \"format\": \"sluice.flow/1\",\n  \"id\": 7,\n}",
    )
    .unwrap();
    let output = run(home.path(), &["validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("is not a valid flow file: line 3, column"),
        "{stderr}"
    );

    let output = run(home.path(), &["--json", "validate", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["problems"][0]["line"], 3);
}

#[test]
fn misuse_exits_2() {
    let home = tempfile::tempdir().unwrap();
    assert_eq!(run(home.path(), &["run"]).status.code(), Some(2));
    assert_eq!(run(home.path(), &["frobnicate"]).status.code(), Some(2));
    let output = run(home.path(), &["run", "no-such-file.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "error: there is no flow file no-such-file.json\n"
    );
    let output = run(home.path(), &["runs", "show", "nope"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn validate_accepts_a_good_flow() {
    let home = tempfile::tempdir().unwrap();
    let (_folder, flow) = example("orders-incremental");
    let output = run(home.path(), &["validate", flow.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).ends_with(": valid (4 nodes, 3 edges)\n"));
}

#[test]
fn flows_and_runs_are_managed_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let (folder, flow) = example("orders-incremental");
    let imported = run(
        home.path(),
        &["--json", "flows", "import", flow.to_str().unwrap()],
    );
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        text(&imported.stderr)
    );
    let imported: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(imported["name"], "New orders to NDJSON");

    let list = text(&run(home.path(), &["flows", "list"]).stdout);
    assert!(
        list.contains("New orders to NDJSON  1        never run"),
        "{list}"
    );

    assert_eq!(imported["trusted"], false);
    assert_eq!(imported["review"]["files"][1]["writes"], true);

    // Imported from elsewhere, it runs only once approved: `run` says what it touches, exit 2.
    let refused = run(home.path(), &["run", "New orders to NDJSON"]);
    let message = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{message}");
    assert!(
        message.contains("NOT APPROVED")
            && message.contains("out/paid-orders.ndjson")
            && message.contains("--approve"),
        "{message}"
    );

    // A stored flow runs by name (approved with `--trust` once); relative paths still resolve
    // against the imported file's folder.
    let name = "New orders to NDJSON";
    for (expected_new, arguments) in [
        (4, vec!["--json", "run", "--trust", name]),
        (0, vec!["--json", "run", name]),
    ] {
        let output = run(home.path(), &arguments);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            outcome["report"]["nodes"][3]["stats"]["records_out"],
            expected_new
        );
    }
    let lines = std::fs::read_to_string(folder.path().join("out/paid-orders.ndjson")).unwrap();
    assert_eq!(
        lines.lines().count(),
        4,
        "the second run appended nothing new"
    );

    let runs: serde_json::Value = serde_json::from_slice(
        &run(
            home.path(),
            &["--json", "runs", "list", "--flow", "New orders to NDJSON"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let run_id = runs[0]["id"].as_str().unwrap();
    let shown = text(&run(home.path(), &["runs", "show", &run_id[..13]]).stdout);
    assert!(shown.contains("status   succeeded (cli)"), "{shown}");
    assert!(shown.contains("run started (cli)"), "{shown}");
    // The first run's sample records, node by node.
    let first_run = runs[1]["id"].as_str().unwrap();
    let shown = text(&run(home.path(), &["runs", "show", first_run]).stdout);
    assert!(shown.contains("sample records)"), "{shown}");
    assert!(shown.contains("ada@example.org"), "{shown}");

    let exported = folder.path().join("shared.sluice.json");
    let output = run(
        home.path(),
        &[
            "flows",
            "export",
            "New orders to NDJSON",
            "-o",
            exported.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&flow).unwrap()).unwrap();
    let shared: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert_eq!(original, shared);

    assert_eq!(
        run(home.path(), &["flows", "delete", "New orders to NDJSON"])
            .status
            .code(),
        Some(0)
    );
    assert!(text(&run(home.path(), &["flows", "list"]).stdout).starts_with("no stored flows"));
}

#[test]
fn preview_shows_samples_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let (folder, flow) = example("customers-to-sqlite");
    let output = run(
        home.path(),
        &["--json", "preview", flow.to_str().unwrap(), "--limit", "3"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["nodes"][0]["samples"].as_array().unwrap().len(), 3);
    assert_eq!(
        report["nodes"][2]["samples"][0]["full_name"],
        "Ada Lovelace"
    );
    assert!(!folder.path().join("out").exists());
    let runs = text(&run(home.path(), &["runs", "list"]).stdout);
    assert_eq!(runs, "no runs yet\n", "previews are not run history");
}

#[test]
fn preview_upto_a_node_runs_part_of_an_unfinished_flow_file() {
    let home = tempfile::tempdir().unwrap();
    let (_folder, flow) = example("customers-to-sqlite");
    // Unfinish it: the destination loses its table.
    let text_of_flow = std::fs::read_to_string(&flow).unwrap();
    std::fs::write(&flow, text_of_flow.replace("\"table\"", "\"tabel\"")).unwrap();
    let flow = flow.to_str().unwrap();
    let whole = run(home.path(), &["preview", flow]);
    assert_eq!(whole.status.code(), Some(2), "{}", text(&whole.stdout));
    let output = run(
        home.path(),
        &["--json", "preview", flow, "--upto", "active"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let nodes: Vec<&str> = (report["nodes"].as_array().unwrap().iter())
        .map(|node| node["node"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["read", "active"]);
}

#[test]
fn appending_to_a_table_that_has_rows_says_so_in_the_summary() {
    let home = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.csv"), "id\n1\n2\n").unwrap();
    let flow = serde_json::json!({
        "format": "sluice.flow/1", "id": "0193f0c2-0000-7000-8000-0000000000a1", "name": "append",
        "nodes": [
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ],
        "edges": [{"from": "read", "to": "save"}]
    });
    let file = folder.path().join("flow.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let first = run(home.path(), &["run", file.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        !text(&first.stdout).contains("warning"),
        "{}",
        text(&first.stdout)
    );
    let second = text(&run(home.path(), &["run", file.to_str().unwrap()]).stdout);
    assert!(
        second.contains("warning: save: table `t` already had rows") && second.contains("upsert"),
        "{second}"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let home = tempfile::tempdir().unwrap();
    let mut child = common::sluice(home.path())
        .arg("components")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before reading anything, as `| head -0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "no panic message");
}

#[test]
fn components_and_schema_describe_the_format() {
    let home = tempfile::tempdir().unwrap();
    let components: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["--json", "components"]).stdout).unwrap();
    let types: Vec<&str> = components
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap())
        .collect();
    for expected in [
        "filter",
        "map",
        "select",
        "cast",
        "dedupe",
        "limit",
        "route",
        "csv.read",
        "csv.write",
        "json.read",
        "json.write",
        "sqlite.read",
        "sqlite.write",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    let schema: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["schema"]).stdout).unwrap();
    assert_eq!(schema["properties"]["format"]["const"], "sluice.flow/1");
}
