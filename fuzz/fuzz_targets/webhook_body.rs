//! A webhook request body taken (or refused) for a stored flow: the same call the local server
//! makes for a request, token and all. Records taken start (or join) runs of the flow, as they
//! would in the daemon.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sluice_runtime::Sluice;

struct Installation {
    _home: tempfile::TempDir,
    _data: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    sluice: Sluice,
    flow_id: String,
    token: String,
}

static INSTALLATION: LazyLock<Installation> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().expect("a temporary folder");
    let flow = sluice_tests::flow_json(
        serde_json::json!([
            {"id": "hook", "type": "webhook", "config": {"idle_seconds": 0.05, "max_body_bytes": 65536}},
            {"id": "save", "type": "json.write", "config": {"path": "events.ndjson", "append": true}}
        ]),
        serde_json::json!([{"from": "hook", "to": "save"}]),
    );
    let hook = sluice_tests::store_webhook_flow(&sluice, data.path(), &flow);
    Installation {
        _home: home,
        _data: data,
        runtime,
        sluice,
        flow_id: hook.flow_id,
        token: hook.token,
    }
});

fuzz_target!(|input: &[u8]| {
    let installation = &*INSTALLATION;
    let _inside = installation.runtime.enter();
    let taken =
        installation
            .sluice
            .accept_webhook(&installation.flow_id, &installation.token, input, None);
    if let Err(refused) = taken {
        assert!(!refused.message.is_empty(), "a refusal says why");
    }
});
