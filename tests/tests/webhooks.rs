//! Webhooks through the runtime's local server on 127.0.0.1: a request's JSON body starts a run
//! (or joins the one in progress) and is answered 202 at once; a wrong token, a body that is not
//! JSON or too large are refused with 4xx; every accepted record arrives once.

use std::time::Duration;

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_start_runs_and_every_accepted_record_arrives_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("events.ndjson");
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.5, "max_body_bytes": 2048}},
            {"id": "save", "type": "json.write", "config": {"path": out, "append": true}}
        ]),
        json!([{"from": "hook", "to": "save"}]),
    );
    let file = data.path().join("hook.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = sluice_tests::store_own_flow(&sluice, &file);
    let port = sluice_tests::serve_webhooks(&sluice).await;
    let url = sluice.webhook_url(&flow_id).unwrap();
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{port}/hooks/{flow_id}/")),
        "{url}"
    );
    assert_eq!(
        sluice.webhook_url(&flow_id).unwrap(),
        url,
        "the URL stays the same"
    );
    let client = reqwest::Client::new();

    // Refusals: wrong token (404, as if nothing were there), not JSON (400), not objects (422),
    // too large (413).
    let wrong = client
        .post(format!("{}x", &url[..url.len() - 1]))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let not_json = client.post(&url).body("id=1").send().await.unwrap();
    assert_eq!(not_json.status(), 400);
    assert!(not_json.text().await.unwrap().contains("not JSON"));
    let scalar = client.post(&url).body("42").send().await.unwrap();
    assert_eq!(scalar.status(), 422);
    let large = client
        .post(&url)
        .body(format!("{{\"blob\": \"{}\"}}", "x".repeat(4096)))
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 413);

    // Twenty requests in quick succession, one of them an array of three: 202 each, fast.
    let mut accepted = 0;
    for index in 0..20 {
        let body = if index == 7 {
            json!([{"event": "batch", "n": 1}, {"event": "batch", "n": 2}, {"event": "batch", "n": 3}])
        } else {
            json!({"event": "signup", "n": index})
        };
        let started = std::time::Instant::now();
        let answer = client.post(&url).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 202);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "answered quickly"
        );
        accepted += answer.json::<serde_json::Value>().await.unwrap()["accepted"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(accepted, 22);

    // Runs take them all; then the flow is idle again.
    let mut lines = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        lines = std::fs::read_to_string(&out)
            .map(|text| text.lines().count())
            .unwrap_or(0);
        if lines == 22 && !sluice.is_running(&flow_id) {
            break;
        }
    }
    assert_eq!(lines, 22, "every accepted record arrived once");
    let runs = sluice.runs(Some(&flow_id), 50).unwrap();
    assert!(runs.iter().all(|run| run.trigger == "webhook" && run.status == sluice_store::RunStatus::Succeeded), "{runs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_of_a_failed_run_are_kept_on_disk_and_delivered_by_the_next_run() {
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    // A destination under a plain file: every write fails.
    std::fs::write(data.path().join("blocked"), "not a folder").unwrap();
    let broken = data.path().join("blocked/events.ndjson");
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.2}},
            {"id": "save", "type": "json.write", "config": {"path": broken}}
        ]),
        json!([{"from": "hook", "to": "save"}]),
    );
    let sluice_tests::StoredWebhook { flow_id, token, .. } =
        sluice_tests::store_webhook_flow(&sluice, data.path(), &flow);

    let accepted = sluice
        .accept_webhook(&flow_id, &token, br#"[{"n": 1}, {"n": 2}, {"n": 3}]"#, None)
        .unwrap();
    assert_eq!(accepted, 3);
    let wait_idle = || async {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if !sluice.is_running(&flow_id) {
                return;
            }
        }
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    wait_idle().await;
    let failed = sluice.runs(Some(&flow_id), 10).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, sluice_store::RunStatus::Failed);
    assert_eq!(
        sluice.store().waiting_webhook_records(&flow_id).unwrap(),
        3,
        "given back"
    );
    // On disk: another installation opened on the home sees them waiting.
    let reopened = sluice_runtime::Sluice::open(Some(home.path())).unwrap();
    assert_eq!(
        reopened
            .store()
            .flows_with_waiting_webhook_records()
            .unwrap(),
        vec![flow_id.to_string()]
    );

    // Fixed, the next request's run delivers the three first, then the new one.
    let good = data.path().join("events.ndjson");
    let loaded = sluice.find_flow(&flow_id).unwrap();
    let mut fixed = loaded.flow;
    fixed.nodes[1].config = json!({"path": good, "append": true});
    sluice.save_flow(&fixed, Some(&loaded.base_dir)).unwrap();
    sluice
        .accept_webhook(&flow_id, &token, br#"{"n": 4}"#, None)
        .unwrap();
    // 1 first alone (it failed a run before), which clears the others to go together.
    assert_eq!(delivered(&sluice, &flow_id, &good, 4).await, [1, 2, 3, 4]);
    assert_eq!(sluice.store().waiting_webhook_records(&flow_id).unwrap(), 0);
}

/// The numbers in the NDJSON file at `path`, once it holds `count` lines and the flow is idle
/// (waiting at most ten seconds).
async fn delivered(
    sluice: &sluice_runtime::Sluice,
    flow_id: &str,
    path: &std::path::Path,
    count: usize,
) -> Vec<i64> {
    let read = || -> Vec<i64> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["n"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    };
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if read().len() >= count && !sluice.is_running(flow_id) {
            break;
        }
    }
    read()
}

/// Waits until the flow has `count` runs and none in progress (at most ten seconds).
async fn runs_settled(sluice: &sluice_runtime::Sluice, flow_id: &str, count: usize) {
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let runs = sluice.runs(Some(flow_id), 50).unwrap();
        if runs.len() >= count && !sluice.is_running(flow_id) {
            return;
        }
    }
    panic!("the flow never had {count} runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_keeps_failing_is_set_aside_and_the_records_behind_it_arrive() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("events.ndjson");
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.2}},
            {"id": "types", "type": "cast", "config": {"fields": {"n": "integer"}}},
            {"id": "save", "type": "json.write", "config": {"path": out, "append": true}}
        ]),
        json!([{"from": "hook", "to": "types"}, {"from": "types", "to": "save"}]),
    );
    let sluice_tests::StoredWebhook { flow_id, token, .. } =
        sluice_tests::store_webhook_flow(&sluice, data.path(), &flow);
    let post = |body: &'static str| sluice.accept_webhook(&flow_id, &token, body.as_bytes(), None);

    // The record that cannot be cast fails the run of all three.
    post(r#"[{"n": 1}, {"n": "oops"}, {"n": 2}]"#).unwrap();
    runs_settled(&sluice, &flow_id, 1).await;
    assert!(std::fs::read_to_string(&out).unwrap_or_default().is_empty());
    // The next request: 1 goes through alone, then the others fail together again.
    post(r#"{"n": 3}"#).unwrap();
    runs_settled(&sluice, &flow_id, 3).await;
    // Two more requests: each time "oops" fails alone; the second time it is set aside, and 2
    // to 5 arrive in a run right after.
    post(r#"{"n": 4}"#).unwrap();
    runs_settled(&sluice, &flow_id, 4).await;
    post(r#"{"n": 5}"#).unwrap();
    assert_eq!(
        delivered(&sluice, &flow_id, &out, 5).await,
        [1, 2, 3, 4, 5],
        "each good record once, in order"
    );
    let aside = sluice.set_aside_webhook_records(&flow_id).unwrap();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&aside[0].body).unwrap(),
        json!({"n": "oops"})
    );
    let detail = sluice.run_detail(&aside[0].failed_run).unwrap();
    assert!(
        detail
            .logs
            .iter()
            .any(|line| line.message.contains("it is set aside")),
        "{:?}",
        detail.logs
    );
    assert_eq!(sluice.store().waiting_webhook_records(&flow_id).unwrap(), 0);
    assert_eq!(sluice.requeue_webhook_records(&flow_id).unwrap(), 1);
    assert_eq!(sluice.store().waiting_webhook_records(&flow_id).unwrap(), 1);
}
