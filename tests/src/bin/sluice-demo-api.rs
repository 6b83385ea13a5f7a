//! `sluice-demo-api`: the demo orders API the HTTP example reads (see examples/api-orders).
//! Usage: sluice-demo-api [--port 8787] [--orders 45] [--throttle-every 7]

use sluice_tests::demo_api::{DEMO_TOKEN, DemoApi, serve};

fn argument(name: &str, default: u64) -> u64 {
    let arguments: Vec<String> = std::env::args().collect();
    arguments
        .iter()
        .position(|argument| argument == name)
        .and_then(|index| arguments.get(index + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port = argument("--port", 8787);
    let api = DemoApi::new(
        argument("--orders", 45) as usize,
        argument("--throttle-every", 7),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port as u16)).await?;
    eprintln!(
        "demo orders API on http://127.0.0.1:{port}/v1/orders (bearer token {DEMO_TOKEN}); \
         POST /v1/orders/generate?count=5 adds orders"
    );
    serve(listener, api).await
}
