//! Helpers for connector tests: run one component on its own, without an engine.

use std::path::Path;

use sluice_core::component::{BuildContext, SinkConfig, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::expression::Expressions;
use sluice_core::{OnError, Record};

/// A build context rooted at `base_dir`, with no state, credential or inputs.
pub fn context<'a>(base_dir: &'a Path, expressions: &'a Expressions) -> BuildContext<'a> {
    BuildContext::standalone(base_dir, expressions)
}

/// A build context rooted at `base_dir`, with `state` as the last committed sync state.
pub fn with_context<T>(
    base_dir: &Path,
    state: Option<&serde_json::Value>,
    credential: Option<std::sync::Arc<dyn sluice_core::credential::CredentialAccess>>,
    body: impl FnOnce(&BuildContext<'_>) -> T,
) -> T {
    let expressions = Expressions::for_validation();
    let context = BuildContext {
        state,
        credential,
        ..context(base_dir, &expressions)
    };
    body(&context)
}

/// Everything a source emits, what it rejected, and its output (for stats and checkpoints).
pub struct SourceResult {
    pub records: Vec<Record>,
    pub rejected: Vec<Record>,
    pub output: Output<'static>,
}

/// Reads a source to the end, routing rejected records aside.
pub fn read_source(
    config: &dyn SourceConfig,
    base_dir: &Path,
    state: Option<&serde_json::Value>,
) -> Result<SourceResult, String> {
    read_source_with(config, base_dir, state, None)
}

/// Reads a source to the end with a credential.
pub fn read_source_with(
    config: &dyn SourceConfig,
    base_dir: &Path,
    state: Option<&serde_json::Value>,
    credential: Option<std::sync::Arc<dyn sluice_core::credential::CredentialAccess>>,
) -> Result<SourceResult, String> {
    with_context(base_dir, state, credential, |context| {
        let mut output = Output::for_test(&["out"], OnError::Route);
        let mut source = config.build(context).map_err(|error| error.to_string())?;
        source
            .read(&mut output)
            .map_err(|error| error.to_string())?;
        Ok(SourceResult {
            records: output.take("out"),
            rejected: output.take("error"),
            output,
        })
    })
}

/// Writes records through a sink and commits (or aborts, when `commit` is false). Returns the
/// records the sink rejected.
pub fn write_sink(
    config: &dyn SinkConfig,
    base_dir: &Path,
    records: Vec<Record>,
    commit: bool,
) -> Result<Vec<Record>, String> {
    write_sink_with(config, base_dir, records, commit, None)
}

/// Writes records through a sink with a credential, as [`write_sink`] does.
pub fn write_sink_with(
    config: &dyn SinkConfig,
    base_dir: &Path,
    records: Vec<Record>,
    commit: bool,
    credential: Option<std::sync::Arc<dyn sluice_core::credential::CredentialAccess>>,
) -> Result<Vec<Record>, String> {
    with_context(base_dir, None, credential, |context| {
        let mut output = Output::for_test(&[], OnError::Route);
        let staging = config.staging(context).map_err(|error| error.to_string())?;
        let mut sink = config
            .build(context, &staging)
            .map_err(|error| error.to_string())?;
        for chunk in records.chunks(3) {
            sink.write(chunk.to_vec(), &mut output)
                .map_err(|error| error.to_string())?;
        }
        if commit {
            sink.prepare(&mut output)
                .map_err(|error| error.to_string())?;
            sink.commit().map_err(|error| error.to_string())?;
        } else {
            sink.abort();
        }
        Ok(output.take("error"))
    })
}

/// Records from a JSON array literal.
pub fn records(value: serde_json::Value) -> Vec<Record> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| sluice_core::Record::from(item.as_object().expect("objects").clone()))
        .collect()
}

/// A credential with fixed values, as the runtime would resolve it.
#[derive(Debug)]
pub struct FixedCredential {
    pub kind: &'static str,
    pub values: Vec<(&'static str, String)>,
}

impl sluice_core::credential::CredentialAccess for FixedCredential {
    fn name(&self) -> &str {
        "test credential"
    }

    fn kind(&self) -> &str {
        self.kind
    }

    /// A field's value; `hosts` is the local test servers' unless given.
    fn field(&self, name: &str) -> Option<String> {
        let given = self
            .values
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.clone());
        given.or_else(|| (name == "hosts").then(|| "127.0.0.1".to_string()))
    }
}

/// A throwaway test server's credential fields, from `variable` ("host=… port=… user=…
/// password=… dbname=…", as `tests/postgres.sh` and `tests/mariadb.sh` set it), without TLS.
pub fn server_fields(variable: &str) -> Vec<(&'static str, String)> {
    let settings = std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run the tests through tests/postgres.sh and tests/mariadb.sh (make test does)")
    });
    let value = |key: &str| {
        settings
            .split_whitespace()
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
            .unwrap_or_default()
            .to_string()
    };
    vec![
        ("host", value("host")),
        ("port", value("port")),
        ("database", value("dbname")),
        ("user", value("user")),
        ("password", value("password")),
        ("tls", "disable".to_string()),
    ]
}

/// Starts `router` on 127.0.0.1 on a port of its own; the server lives as long as the test.
pub fn serve(router: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    format!("http://{address}")
}

/// Where the batches a transform test hands over come from.
pub const INPUT: sluice_core::component::Input<'static> = sluice_core::component::Input {
    port: sluice_core::flow::DEFAULT_INPUT_PORT,
    from: "test",
};
