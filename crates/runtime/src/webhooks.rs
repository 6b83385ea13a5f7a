//! Webhooks: a local HTTP server on 127.0.0.1 that starts flows whose source is a `webhook` node.
//! Each flow has a private URL with a random token in its path (the token is kept in the secret
//! store); a request's JSON body is queued for the flow and answered 202 at once, and a run is
//! started — or the one in progress takes it. Records a failed run had taken go back to the
//! front of the queue for the next run. The queue is in memory: 202 means Sluice has the
//! records, not that a destination has them yet.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sluice_core::component::Inbox;

use crate::secrets::SecretKey;
use crate::{Error, Result, RunNotice, RunObserver, RunStatus, RunTarget, Sluice, Trigger};

/// The port the webhook server listens on unless the `webhook.port` setting says otherwise.
pub const DEFAULT_WEBHOOK_PORT: u16 = 8788;
const PORT_SETTING: &str = "webhook.port";
/// No request body may be larger than this, whatever a flow allows.
const LARGEST_BODY: usize = 64 * 1024 * 1024;

/// The queue of one flow's webhook records.
#[derive(Debug, Default)]
pub(crate) struct WebhookInbox {
    queue: Mutex<VecDeque<Value>>,
    arrived: Condvar,
    /// What the run in progress has taken, to give back if it fails.
    taken: Mutex<Vec<Value>>,
}

impl Inbox for WebhookInbox {
    fn next(&self, wait: Duration) -> Option<Value> {
        let queue = self.queue.lock().expect("webhook queue");
        let (mut queue, _) = self
            .arrived
            .wait_timeout_while(queue, wait, |queue| queue.is_empty())
            .expect("webhook queue");
        let record = queue.pop_front()?;
        self.taken
            .lock()
            .expect("webhook taken")
            .push(record.clone());
        Some(record)
    }
}

impl WebhookInbox {
    fn push(&self, records: Vec<Value>) {
        self.queue.lock().expect("webhook queue").extend(records);
        self.arrived.notify_all();
    }

    fn is_empty(&self) -> bool {
        self.queue.lock().expect("webhook queue").is_empty()
    }

    /// After a run: kept when it succeeded, given back (in order, first) when it did not.
    fn settle(&self, succeeded: bool) {
        let taken = std::mem::take(&mut *self.taken.lock().expect("webhook taken"));
        if !succeeded && !taken.is_empty() {
            let mut queue = self.queue.lock().expect("webhook queue");
            for record in taken.into_iter().rev() {
                queue.push_front(record);
            }
        }
    }
}

/// Every flow's webhook queue.
pub(crate) type WebhookInboxes = Arc<Mutex<HashMap<String, Arc<WebhookInbox>>>>;

/// Why a webhook request was refused: the status and a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRefusal {
    pub status: u16,
    pub message: String,
}

fn refusal(status: u16, message: impl Into<String>) -> WebhookRefusal {
    WebhookRefusal {
        status,
        message: message.into(),
    }
}

impl Sluice {
    /// The flow's webhook node's settings, if it has one.
    fn webhook_config(
        &self,
        flow_id: &str,
    ) -> Result<Option<(String, sluice_connectors::webhook::WebhookConfig)>> {
        let loaded = self.find_flow(flow_id)?;
        let Some(node) = loaded
            .flow
            .nodes
            .iter()
            .find(|node| node.component == "webhook")
        else {
            return Ok(None);
        };
        let config = serde_json::from_value(node.config.clone()).map_err(|error| {
            Error::NotFound(format!(
                "the webhook node's settings are not valid: {error}"
            ))
        })?;
        Ok(Some((loaded.flow.id, config)))
    }

    fn webhook_token_key(flow_id: &str) -> String {
        format!("webhook-{flow_id}")
    }

    /// The port the webhook server listens on.
    pub fn webhook_port(&self) -> Result<u16> {
        Ok(self
            .store()
            .setting(PORT_SETTING)?
            .and_then(|port| port.parse().ok())
            .unwrap_or(DEFAULT_WEBHOOK_PORT))
    }

    /// Changes the webhook server's port (used from the next start).
    pub fn set_webhook_port(&self, port: u16) -> Result<()> {
        Ok(self.store().set_setting(PORT_SETTING, &port.to_string())?)
    }

    /// The flow's private webhook URL, making its token on first use. Anyone with the URL can
    /// start the flow: share it like a password.
    pub fn webhook_url(&self, flow: &str) -> Result<String> {
        let flow_id = self.find_flow(flow)?.flow.id;
        if self.webhook_config(&flow_id)?.is_none() {
            return Err(Error::NotFound(format!(
                "the flow '{flow}' has no webhook node; add one as its source"
            )));
        }
        let id = Self::webhook_token_key(&flow_id);
        let key = SecretKey {
            credential_id: &id,
            credential_name: &id,
            field: "token",
        };
        let token = match self.secrets().get(&key)? {
            Some(token) => token,
            None => {
                let token = format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                );
                self.secrets().set(&key, &token)?;
                token
            }
        };
        Ok(format!(
            "http://127.0.0.1:{}/hooks/{flow_id}/{token}",
            self.webhook_port()?
        ))
    }

    /// Takes a webhook request for `flow_id`: checks the token, the size and the JSON, queues
    /// the records and makes sure a run takes them. Returns how many records were accepted.
    pub fn accept_webhook(
        &self,
        flow_id: &str,
        token: &str,
        body: &[u8],
        observer: Option<RunObserver>,
    ) -> std::result::Result<usize, WebhookRefusal> {
        let not_found = || refusal(404, "no webhook here");
        let Ok(Some((flow_id, config))) = self.webhook_config(flow_id) else {
            return Err(not_found());
        };
        let id = Self::webhook_token_key(&flow_id);
        let expected = self
            .secrets()
            .get(&SecretKey {
                credential_id: &id,
                credential_name: &id,
                field: "token",
            })
            .map_err(|error| refusal(503, error.to_string()))?
            .ok_or_else(not_found)?;
        if !same_secret(expected.as_bytes(), token.as_bytes()) {
            return Err(not_found());
        }
        if body.len() as u64 > config.max_body_bytes {
            return Err(refusal(
                413,
                format!(
                    "the body is larger than this webhook takes ({} bytes)",
                    config.max_body_bytes
                ),
            ));
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|error| refusal(400, format!("the body is not JSON: {error}")))?;
        let records = match value {
            Value::Object(_) => vec![value],
            Value::Array(items) if items.iter().all(Value::is_object) => items,
            _ => {
                return Err(refusal(
                    422,
                    "the body must be a JSON object, or an array of objects",
                ));
            }
        };
        let count = records.len();
        self.webhook_inbox(&flow_id).push(records);
        self.ensure_webhook_run(&flow_id, observer);
        Ok(count)
    }

    pub(crate) fn webhook_inbox(&self, flow_id: &str) -> Arc<WebhookInbox> {
        self.webhook_inboxes
            .lock()
            .expect("webhook inboxes")
            .entry(flow_id.to_string())
            .or_default()
            .clone()
    }

    /// Starts a run for queued records unless one is in progress (it takes them).
    fn ensure_webhook_run(&self, flow_id: &str, observer: Option<RunObserver>) {
        if self.is_running(flow_id) {
            return;
        }
        let sluice = self.clone();
        let inbox = self.webhook_inbox(flow_id);
        let settle_flow = flow_id.to_string();
        let settle_observer = observer.clone();
        let started = self.start_run_observed(
            RunTarget::Stored(flow_id.to_string()),
            Trigger::Webhook,
            move |notice| {
                let finished = match &notice {
                    RunNotice::Finished { report, .. } => {
                        Some(report.status == RunStatus::Succeeded)
                    }
                    RunNotice::Broken { .. } => Some(false),
                    _ => None,
                };
                if let Some(observer) = &settle_observer {
                    observer(notice);
                }
                if let Some(succeeded) = finished {
                    inbox.settle(succeeded);
                    // Records that came after the run stopped listening get a run of their own;
                    // after a failure they wait for the next request.
                    if succeeded && !inbox.is_empty() {
                        let sluice = sluice.clone();
                        let flow_id = settle_flow.clone();
                        let observer = settle_observer.clone();
                        tokio::spawn(async move {
                            // The finished run is unregistered right after this notice.
                            for _ in 0..50 {
                                if !sluice.is_running(&flow_id) {
                                    break;
                                }
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                            sluice.ensure_webhook_run(&flow_id, observer);
                        });
                    }
                }
            },
        );
        if let Err(error) = started {
            tracing::warn!(flow = %flow_id, %error, "a webhook request could not start its flow");
        }
    }

    /// Serves webhooks on `listener` until the task is dropped. Runs it starts are reported to
    /// `observer`.
    pub async fn serve_webhooks(
        &self,
        listener: tokio::net::TcpListener,
        observer: Option<RunObserver>,
    ) -> std::io::Result<()> {
        let router = axum::Router::new()
            .route(
                "/hooks/{flow_id}/{token}",
                axum::routing::post(receive).get(|| async {
                    (
                        StatusCode::METHOD_NOT_ALLOWED,
                        "POST a JSON body to this URL",
                    )
                }),
            )
            .layer(DefaultBodyLimit::max(LARGEST_BODY))
            .with_state((self.clone(), observer));
        axum::serve(listener, router).await
    }

    /// Starts the webhook server on 127.0.0.1 at the configured port, on the current tokio
    /// runtime. A port in use is logged, and Sluice goes on without webhooks.
    pub async fn start_webhook_server(&self, observer: Option<RunObserver>) -> Option<u16> {
        let port = self.webhook_port().unwrap_or(DEFAULT_WEBHOOK_PORT);
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => {
                let sluice = self.clone();
                tokio::spawn(async move {
                    if let Err(error) = sluice.serve_webhooks(listener, observer).await {
                        tracing::error!(%error, "the webhook server stopped");
                    }
                });
                tracing::info!(port, "webhooks listen on 127.0.0.1");
                Some(port)
            }
            Err(error) => {
                tracing::warn!(
                    port,
                    %error,
                    "webhooks are off: the port is taken (change it with `sluice webhooks port N`)"
                );
                None
            }
        }
    }
}

async fn receive(
    State((sluice, observer)): State<(Sluice, Option<RunObserver>)>,
    Path((flow_id, token)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let outcome = tokio::task::spawn_blocking(move || {
        sluice.accept_webhook(&flow_id, &token, &body, observer)
    })
    .await;
    match outcome {
        Ok(Ok(count)) => (
            StatusCode::ACCEPTED,
            axum::Json(json!({ "accepted": count })),
        )
            .into_response(),
        Ok(Err(refused)) => (
            StatusCode::from_u16(refused.status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(json!({ "error": refused.message })),
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_a_failed_run_took_go_back_first_in_order() {
        let inbox = WebhookInbox::default();
        inbox.push(vec![json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);
        assert_eq!(inbox.next(Duration::ZERO), Some(json!({"n": 1})));
        assert_eq!(inbox.next(Duration::ZERO), Some(json!({"n": 2})));
        inbox.settle(false);
        let order: Vec<Value> = std::iter::from_fn(|| inbox.next(Duration::ZERO)).collect();
        assert_eq!(order, [json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);
        inbox.settle(true);
        assert!(inbox.is_empty());
        assert_eq!(inbox.next(Duration::from_millis(10)), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
