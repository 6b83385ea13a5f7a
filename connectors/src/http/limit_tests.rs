//! What an API controls is bounded: a response larger than `max_response_bytes` fails the
//! request with the setting's name, whether it announces its length or streams without one.

use std::io::{BufRead, BufReader, Write};

use axum::Router;
use axum::routing::get;
use serde_json::json;

use super::tests::serve;
use crate::testing::read_source_with;

/// 30 JSON records, about 3,000 bytes.
fn records() -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..30)
        .map(|id| json!({"id": id, "pad": "x".repeat(80)}))
        .collect();
    serde_json::to_vec(&items).unwrap()
}

/// A server answering every request with the records in chunks, announcing no length.
fn serve_chunked() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let mut stream = stream;
            let mut reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
            for piece in records().chunks(500) {
                reply.extend(format!("{:x}\r\n", piece.len()).bytes());
                reply.extend(piece);
                reply.extend(b"\r\n");
            }
            reply.extend(b"0\r\n\r\n");
            let _ = stream.write_all(&reply);
        }
    });
    format!("http://{address}")
}

#[test]
fn a_response_larger_than_the_limit_fails_naming_the_setting() {
    let sized = serve(Router::new().route("/records", get(|| async { records() })));
    let chunked = serve_chunked();
    let folder = tempfile::tempdir().unwrap();
    for base in [sized, chunked] {
        let read = |limit: u64| {
            let config: super::HttpReadConfig = serde_json::from_value(json!({
                "url": format!("{base}/records"), "attempts": 1, "max_response_bytes": limit
            }))
            .unwrap();
            read_source_with(&config, folder.path(), None, None)
        };
        assert_eq!(read(10_000).unwrap().records.len(), 30, "{base}");
        let error = read(1_000).err().expect("refused");
        assert!(
            error.contains("larger than 1000 bytes") && error.contains("max_response_bytes"),
            "{base}: {error}"
        );
    }
}
