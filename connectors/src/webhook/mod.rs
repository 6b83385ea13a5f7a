//! `webhook`: a source fed by HTTP requests to Sluice's local webhook server — each request's
//! JSON body (an object, or an array of objects) becomes records of a run. A request starts a
//! run, or joins the one in progress; the run ends when no request has come for
//! `idle_seconds`. The server, its URL and its secret token belong to the runtime.

use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sluice_core::component::{BuildContext, ComponentConfig, Inbox, Reach, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::registry::ComponentDescriptor;
use sluice_core::{ComponentError, Record};

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![ComponentDescriptor::source::<WebhookConfig>(
        "webhook",
        "Webhook",
        "APIs",
        "Starts the flow when an app POSTs JSON to its private local URL; each request's body becomes records.",
    )
    .taking_requests()]
}

/// Records from HTTP requests to the flow's webhook URL (shown in the studio, or by
/// `sluice webhooks url FLOW`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A run ends when no request has come for this many seconds (requests until then join it).
    #[serde(default = "default_idle_seconds")]
    pub idle_seconds: f64,
    /// Larger request bodies are refused with 413 Payload Too Large.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// While this many bytes of earlier requests wait for the flow (say, while it keeps
    /// failing), new requests are refused with 429 Too Many Requests and `Retry-After`.
    #[serde(default = "default_max_queued_bytes")]
    pub max_queued_bytes: u64,
}

/// 64 MiB.
pub fn default_max_queued_bytes() -> u64 {
    64 * 1024 * 1024
}

fn default_idle_seconds() -> f64 {
    2.0
}

/// 1 MiB.
pub fn default_max_body_bytes() -> u64 {
    1024 * 1024
}

impl ComponentConfig for WebhookConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Listens]
    }
}

impl SourceConfig for WebhookConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        Ok(Box::new(WebhookSource {
            inbox: context.inbox.clone(),
            idle: Duration::from_secs_f64(self.idle_seconds.clamp(0.05, 3600.0)),
        }))
    }
}

struct WebhookSource {
    inbox: Option<std::sync::Arc<dyn Inbox>>,
    idle: Duration,
}

impl Source for WebhookSource {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        // Started without requests (Run now, a preview): nothing to read.
        let Some(inbox) = &self.inbox else {
            return Ok(());
        };
        let mut quiet_since = Instant::now();
        loop {
            if out.should_stop() {
                return Err(ComponentError::Halted);
            }
            match inbox.next(Duration::from_millis(100)) {
                Some(Value::Object(fields)) => {
                    out.emit(Record::from(fields))?;
                    quiet_since = Instant::now();
                }
                Some(other) => {
                    let mut record = Record::new();
                    record.insert("value", other);
                    out.reject(record, "a webhook request's body is not a JSON object")?;
                    quiet_since = Instant::now();
                }
                None => {
                    out.flush()?;
                    if quiet_since.elapsed() >= self.idle {
                        return Ok(());
                    }
                }
            }
        }
    }
}
