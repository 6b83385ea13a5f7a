//! The real OAuth2 authorization server of the tests (tests/oauth/server.mjs, on npm's
//! oauth2-mock-server, strict as providers are: single-use refresh tokens, expiring access tokens,
//! an API beside it that accepts only live ones), started as a child process on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The authorization server and its API, stopped when dropped.
pub struct AuthServer {
    child: Child,
    /// The authorization server, e.g. `http://127.0.0.1:PORT` (token endpoint `/token`).
    pub issuer: String,
    /// The API beside it: `/api/items` (seven items, three per page, `Link` headers).
    pub api: String,
}

impl AuthServer {
    /// Starts the server; access tokens live `token_ttl_seconds`.
    pub fn start(token_ttl_seconds: u64) -> AuthServer {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let root = crate::repository_root();
        let mut child = Command::new("node")
            .arg(root.join("tests/oauth/server.mjs"))
            .current_dir(&root)
            .env("TOKEN_TTL", token_ttl_seconds.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs the OAuth2 server (npm packages installed by make)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started: Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("the server said {line:?}"));
        AuthServer {
            child,
            issuer: started["issuer"].as_str().unwrap().to_string(),
            api: started["api"].as_str().unwrap().to_string(),
        }
    }

    /// What the server counted (a plain HTTP/1.0 GET: callable from async tests too).
    pub fn stats(&self) -> Value {
        use std::io::{Read, Write};
        let address = self.api.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(stream, "GET /stats HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1;
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
