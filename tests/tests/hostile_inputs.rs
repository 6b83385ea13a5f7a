//! Files built to hurt: a CSV header repeating one name 100,000 times is read in one pass and
//! logged in a few lines, not a hundred thousand.

use serde_json::json;
use sluice_runtime::{RunStatus, RunTarget, Trigger};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_renamed_by_the_thousand_is_logged_in_a_few_lines() {
    let (_home, sluice) = sluice_tests::temporary_installation();
    let data = tempfile::tempdir().unwrap();
    let columns = 100_000;
    let header = vec!["c"; columns].join(",");
    let row = vec!["1"; columns].join(",");
    std::fs::write(data.path().join("wide.csv"), format!("{header}\n{row}\n")).unwrap();
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "wide.csv"}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}
        ]),
        json!([{"from": "read", "to": "save"}]),
    );
    let file = data.path().join("wide.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let loaded = sluice.load_flow_file(&file).unwrap();
    let outcome = sluice
        .run(RunTarget::Loaded(Box::new(loaded)), Trigger::Cli)
        .await
        .unwrap();
    assert_eq!(outcome.report.status, RunStatus::Succeeded);
    let logs = sluice.run_detail(&outcome.run_id).unwrap().logs;
    assert!(logs.len() < 20, "{} log lines", logs.len());
    assert!(
        logs.iter().any(|line| line
            .message
            .contains("99989 more columns repeat a header name")),
        "{logs:?}"
    );
}
