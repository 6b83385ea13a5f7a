//! Webhook abuse stays bounded: the token is checked before a body is read, a failing flow's
//! queue is capped (429 with Retry-After), a body that never finishes is cut off, idle
//! connections are closed and their number is capped.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::json;
use sluice_runtime::Sluice;

/// A flow whose destination always fails, so what its webhook accepts stays queued.
fn failing_flow(sluice: &Sluice, data: &std::path::Path, queue: u64) -> String {
    std::fs::write(data.join("blocked"), "a file, not a folder").unwrap();
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "hook", "type": "webhook",
             "config": {"idle_seconds": 0.1, "max_body_bytes": 4096, "max_queued_bytes": queue}},
            {"id": "save", "type": "json.write", "config": {"path": data.join("blocked/out.ndjson")}}
        ]),
        json!([{"from": "hook", "to": "save"}]),
    );
    sluice_tests::store_webhook_flow(sluice, data, &flow).flow_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_refused_before_the_body_and_a_full_queue_says_when_to_return() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let flow_id = failing_flow(&sluice, data.path(), 2_000);
    sluice_tests::serve_webhooks(&sluice).await;
    let url = sluice.webhook_url(&flow_id).unwrap();
    let client = reqwest::Client::new();

    // A wrong token with a body far over the limit: 404, not 413 — the body was never looked at.
    let wrong = format!("{}x", &url[..url.len() - 1]);
    let answer = client
        .post(&wrong)
        .body(vec![b'x'; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    // Its body unread, that connection is closed, and the answer says so: the next request must
    // not be sent on it.
    assert_eq!(answer.headers()["connection"], "close");

    // Each accepted request waits in the queue (the flow keeps failing) until the cap.
    let record = json!({"pad": "y".repeat(400)}).to_string();
    let mut accepted = 0;
    let mut refused = None;
    for _ in 0..20 {
        let answer = client.post(&url).body(record.clone()).send().await.unwrap();
        if answer.status() == 202 {
            accepted += 1;
        } else {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("the queue filled up");
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "30");
    assert!(refused.text().await.unwrap().contains("max_queued_bytes"));
    assert!(
        (4..=6).contains(&accepted),
        "{accepted} accepted before the cap"
    );
    let queued = sluice.store().waiting_webhook_bytes(&flow_id).unwrap();
    assert!(queued < 2_000 + 500, "{queued} bytes queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_coming_is_cut_off() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let flow_id = failing_flow(&sluice, data.path(), 1 << 20);
    let port = sluice_tests::serve_webhooks(&sluice).await;
    let url = sluice.webhook_url(&flow_id).unwrap();
    let path = url.split_once(&format!(":{port}")).unwrap().1.to_string();
    // Announces 100 bytes, sends 10, then waits: the server lets go of it once it has been idle
    // for its idle timeout (answering 4xx, or just closing).
    let started = Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(45)))
            .unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{{\"a\": 1,  "
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    let held = started.elapsed();
    assert!(
        held >= Duration::from_secs(9) && held < Duration::from_secs(20),
        "held {held:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_their_number_is_capped() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let port = sluice_tests::serve_webhooks(&sluice).await;
    let started = Instant::now();
    let outcome = tokio::task::spawn_blocking(move || {
        // 100 connections that send nothing: those over the cap are closed at once, the rest
        // once idle.
        let mut open: Vec<std::net::TcpStream> = (0..100)
            .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        let mut closed_at_once = 0;
        for stream in &mut open {
            stream
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut byte = [0u8; 1];
            if matches!(stream.read(&mut byte), Ok(0)) {
                closed_at_once += 1;
            }
        }
        let mut closed_later = 0;
        for stream in &mut open {
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let mut byte = [0u8; 1];
            if matches!(stream.read(&mut byte), Ok(0) | Err(_)) {
                closed_later += 1;
            }
        }
        (closed_at_once, closed_later)
    })
    .await
    .unwrap();
    let (closed_at_once, closed_later) = outcome;
    assert!(closed_at_once >= 30, "{closed_at_once} closed over the cap");
    assert_eq!(closed_later, 100, "every idle connection is let go");
    assert!(started.elapsed() < Duration::from_secs(25));
}
