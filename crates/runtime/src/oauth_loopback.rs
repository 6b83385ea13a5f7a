//! The loopback redirect of the OAuth2 authorization-code flow (RFC 8252): a listener on
//! 127.0.0.1 waits for the browser to come back to `/callback`, checks the state and takes the
//! code, answering the browser with a page that says how it went.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Waits for the browser's redirect to `/callback` and returns the code, after checking the
/// state. Other requests (a favicon) get a 404.
pub(crate) fn wait_for_code(
    listener: &TcpListener,
    state: &str,
    patience: Duration,
) -> std::result::Result<String, String> {
    listener
        .set_nonblocking(true)
        .map_err(|error| error.to_string())?;
    let deadline = Instant::now() + patience;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(false)
                    .map_err(|error| error.to_string())?;
                if let Some(outcome) = answer_callback(stream, state) {
                    return outcome;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(format!(
                        "no answer from the browser within {} s",
                        patience.as_secs()
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// Reads one request; `None` when it was not the callback.
fn answer_callback(
    mut stream: TcpStream,
    state: &str,
) -> Option<std::result::Result<String, String>> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_string();
    let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    if url.path() != "/callback" {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        return None;
    }
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let outcome = if query.get("state").map(String::as_str) != Some(state) {
        Err(
            "the answer's state does not match the request (a forged or stale redirect); try again"
                .to_string(),
        )
    } else if let Some(error) = query.get("error") {
        let description = query
            .get("error_description")
            .map(|text| format!(": {text}"))
            .unwrap_or_default();
        Err(format!("the provider refused: {error}{description}"))
    } else {
        query
            .get("code")
            .cloned()
            .ok_or_else(|| "the answer has no code".to_string())
    };
    let (status, message) = match &outcome {
        Ok(_) => (
            "200 OK",
            "Sluice is connected. You can close this tab and go back to Sluice.",
        ),
        Err(_) => (
            "400 Bad Request",
            "Sluice could not connect. Go back to Sluice to see why.",
        ),
    };
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Sluice</title><p style=\"font:16px system-ui;margin:3em\">{message}</p>"
    );
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    Some(outcome)
}
