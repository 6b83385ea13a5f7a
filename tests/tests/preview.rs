//! A preview changes nothing outside: requests that would change something are shown, not sent,
//! unless the person asks for a live preview of that node; plain GETs still enrich.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::routing::{get, post};
use serde_json::json;
use sluice_runtime::{Error, PreviewRequest, RunTarget};
use sluice_tests::{flow_json, temporary_installation};

/// A preview of at most `limit` records per source.
fn records(limit: u64) -> PreviewRequest {
    PreviewRequest {
        limit,
        ..PreviewRequest::default()
    }
}

/// A local API counting the POSTs and GETs it receives.
async fn serve(posts: Arc<AtomicUsize>, gets: Arc<AtomicUsize>) -> String {
    let app = Router::new()
        .route(
            "/events",
            post(move || async move {
                posts.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"accepted": true}))
            }),
        )
        .route(
            "/customers/{id}",
            get(move || async move {
                gets.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"tier": "gold"}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_shows_the_requests_it_would_send_and_sends_them_only_when_asked() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("in.csv"), "id,kind\n1,signup\n2,login\n").unwrap();
    let (posts, gets) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let base = serve(posts.clone(), gets.clone()).await;
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "enrich", "type": "http.request",
             "config": {"url": format!("{base}/customers/{{{{ id }}}}"), "response_field": "crm"}},
            {"id": "post", "type": "http.request",
             "config": {"url": format!("{base}/events"), "method": "POST"}}
        ]),
        json!([{"from": "read", "to": "enrich"}, {"from": "enrich", "to": "post"}]),
    );
    let file = data.path().join("flow.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let loaded = sluice.load_flow_file(&file).unwrap();

    let report = sluice
        .preview(RunTarget::Loaded(Box::new(loaded.clone())), records(10))
        .await
        .unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    assert_eq!(posts.load(Ordering::SeqCst), 0, "the preview sent no POST");
    assert_eq!(gets.load(Ordering::SeqCst), 2, "plain GETs still enrich");
    let post = report
        .nodes
        .iter()
        .find(|node| node.node == "post")
        .unwrap();
    let shown = post.samples[0]["response"].to_json();
    assert_eq!(shown["method"], "POST");
    assert_eq!(shown["url"], format!("{base}/events"));
    assert!(
        shown["body"]
            .as_str()
            .unwrap()
            .contains("\"kind\":\"signup\"")
    );
    assert!(shown["not_sent"].as_str().unwrap().contains("live preview"));

    let report = sluice
        .preview(
            RunTarget::Loaded(Box::new(loaded)),
            PreviewRequest {
                live: vec!["post".into()],
                ..records(10)
            },
        )
        .await
        .unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    assert_eq!(
        posts.load(Ordering::SeqCst),
        2,
        "asked for, the live preview sends"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_built_flow_previews_up_to_a_node_and_a_lone_source_on_its_own() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("in.csv"),
        "id,kind\n1,signup\n2,login\n3,signup\n",
    )
    .unwrap();
    // Unfinished downstream: a map whose expression does not compile yet, a destination with no
    // input, nothing at the end of the map, and a schedule with a zone being typed.
    let mut flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "signups", "type": "filter", "config": {"when": "kind == 'signup'"}},
            {"id": "shape", "type": "map", "config": {"set": {"label": "id ~"}}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([{"from": "read", "to": "signups"}, {"from": "signups", "to": "shape"}]),
    );
    flow["schedule"] = json!({"cron": "0 0 7 * * *", "timezone": "Europe/Ber", "enabled": false});
    let file = data.path().join("flow.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    assert!(
        matches!(sluice.load_flow_file(&file), Err(Error::Invalid { .. })),
        "the whole flow cannot run"
    );
    let loaded = sluice.read_flow_file(&file).unwrap();
    let preview = |upto: &str| PreviewRequest {
        upto: Some(upto.to_string()),
        ..records(10)
    };

    let report = sluice
        .preview(
            RunTarget::Loaded(Box::new(loaded.clone())),
            preview("signups"),
        )
        .await
        .unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    let nodes: Vec<&str> = report.nodes.iter().map(|node| node.node.as_str()).collect();
    assert_eq!(
        nodes,
        ["read", "signups"],
        "only the part up to the node ran"
    );
    let kept: Vec<String> = report.nodes[1]
        .samples
        .iter()
        .map(|record| record["id"].to_json().as_str().unwrap().to_string())
        .collect();
    assert_eq!(kept, ["1", "3"]);

    let report = sluice
        .preview(RunTarget::Loaded(Box::new(loaded.clone())), preview("read"))
        .await
        .unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    assert_eq!(report.nodes.len(), 1);
    assert_eq!(report.nodes[0].samples.len(), 3, "a lone source previews");

    match sluice
        .preview(
            RunTarget::Loaded(Box::new(loaded.clone())),
            preview("shape"),
        )
        .await
    {
        Err(Error::Invalid { report, .. }) => {
            assert_eq!(report.problems.len(), 1, "{report}");
            assert_eq!(report.problems[0].node.as_deref(), Some("shape"));
        }
        other => panic!("the map's own problem still stops its preview: {other:?}"),
    }
    match sluice
        .preview(RunTarget::Loaded(Box::new(loaded)), preview("nowhere"))
        .await
    {
        Err(error) => assert!(error.to_string().contains("no node `nowhere`"), "{error}"),
        Ok(_) => panic!("a node that is not there cannot be previewed"),
    }
    assert!(
        !data.path().join("out.db").exists(),
        "a preview writes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_sample_feeds_the_nodes_after_it_without_running_what_is_before() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    // The file is gone: only the pinned sample can feed the map.
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "missing.csv"}},
            {"id": "signups", "type": "filter", "config": {"when": "kind == 'signup'"}},
            {"id": "shape", "type": "map", "config": {"set": {"label": "'#' ~ id"}}},
            {"id": "other", "type": "csv.write", "config": {"path": "out.csv"}}
        ]),
        json!([
            {"from": "read", "to": "signups"}, {"from": "signups", "to": "shape"},
            {"from": "read", "to": "other"}
        ]),
    );
    let file = data.path().join("flow.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let loaded = sluice.read_flow_file(&file).unwrap();
    let sample = json!({"id": "7", "kind": "signup"})
        .as_object()
        .unwrap()
        .clone();
    let request = PreviewRequest {
        upto: Some("shape".into()),
        pinned: [("signups".to_string(), vec![sample])].into(),
        ..records(10)
    };
    let report = sluice
        .preview(RunTarget::Loaded(Box::new(loaded)), request)
        .await
        .unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    let nodes: Vec<&str> = report.nodes.iter().map(|node| node.node.as_str()).collect();
    assert_eq!(
        nodes,
        ["signups", "shape"],
        "the reader only fed the pinned node"
    );
    assert_eq!(report.nodes[1].samples[0]["label"].to_json(), json!("#7"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_records_leave_by_several_ports_cannot_be_pinned() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "records", "config": {"records": [{"kind": "a"}]}},
            {"id": "split", "type": "route", "config": {"routes": [{"port": "a", "when": "kind == 'a'"}]}},
            {"id": "as", "type": "map", "config": {}},
            {"id": "rest", "type": "map", "config": {}}
        ]),
        json!([
            {"from": "read", "to": "split"},
            {"from": "split", "from_port": "a", "to": "as"},
            {"from": "split", "from_port": "else", "to": "rest"}
        ]),
    );
    let file = data.path().join("flow.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let loaded = sluice.read_flow_file(&file).unwrap();
    let sample = json!({"kind": "a"}).as_object().unwrap().clone();
    let request = PreviewRequest {
        pinned: [("split".to_string(), vec![sample])].into(),
        ..records(10)
    };
    let error = sluice
        .preview(RunTarget::Loaded(Box::new(loaded)), request)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cannot be pinned"), "{error}");
}

/// A pinned sample stays with the stored flow on this machine: read back when the flow opens
/// again, replaced or unpinned, refused when too big, and gone with the flow.
#[test]
fn pinned_samples_are_kept_with_the_stored_flow_until_unpinned() {
    let (_home, sluice) = temporary_installation();
    let flow = sluice.create_flow("pins").unwrap().flow;
    let sample = |id: &str| vec![json!({"id": id}).as_object().unwrap().clone()];
    sluice
        .pin_sample(&flow.id, "read", Some(sample("1")))
        .unwrap();
    sluice
        .pin_sample(&flow.id, "read", Some(sample("2")))
        .unwrap();
    sluice
        .pin_sample(&flow.id, "shape", Some(sample("3")))
        .unwrap();
    let pinned = sluice.pinned_samples(&flow.id).unwrap();
    assert_eq!(pinned.len(), 2);
    assert_eq!(pinned["read"], sample("2"), "a new pin replaces the last");
    sluice.pin_sample(&flow.id, "shape", None).unwrap();
    assert_eq!(
        sluice
            .pinned_samples(&flow.id)
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["read"]
    );

    let too_many = vec![serde_json::Map::new(); sluice_connectors::MAX_RECORDS + 1];
    let refused = sluice
        .pin_sample(&flow.id, "read", Some(too_many))
        .unwrap_err();
    assert!(matches!(refused, Error::Refused(_)), "{refused}");
    assert!(refused.to_string().contains("too big to pin"), "{refused}");
    assert_eq!(
        sluice.pinned_samples(&flow.id).unwrap()["read"],
        sample("2")
    );

    sluice.delete_flow(&flow.id).unwrap();
    assert!(sluice.pinned_samples(&flow.id).unwrap().is_empty());
}
