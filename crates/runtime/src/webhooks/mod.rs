//! Webhooks: a local HTTP server on 127.0.0.1 that starts flows whose source is a `webhook` node.
//! Each flow has a private URL with a random token in its path (the token is kept in the secret
//! store); a request's JSON body is queued for the flow in the database and answered 202 at
//! once, and a run is started — or the one in progress takes it. Records leave the queue when
//! the run that took them decides to commit; a failed run (or a stopped process) gives them
//! back to the front of the queue for the next run — a record that fails a run of its own after
//! that is set aside (`set_aside`), so one bad record cannot hold up the rest. The HTTP side is in
//! `server`.

mod listener;
mod server;
mod set_aside;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::Value;
use sluice_core::component::Inbox;

use crate::secrets::SecretKey;
use crate::{
    Error, LoadedFlow, Result, RunNotice, RunObserver, RunStatus, RunTarget, Sluice, Trigger,
};

/// The port the webhook server listens on unless the `webhook.port` setting says otherwise.
pub const DEFAULT_WEBHOOK_PORT: u16 = 8788;
const PORT_SETTING: &str = "webhook.port";
/// No request body may be larger than this, whatever a flow allows.
const LARGEST_BODY: usize = 64 * 1024 * 1024;
/// What a refused request is told to wait when the queue is full.
const QUEUE_FULL_RETRY_SECONDS: u64 = 30;

/// One flow's webhook records: kept in the store (a 202 means they are on disk), with a signal
/// for the run waiting on them.
#[derive(Debug)]
pub(crate) struct WebhookInbox {
    store: Arc<sluice_store::Store>,
    flow_id: String,
    signal: Mutex<u64>,
    arrived: Condvar,
}

/// One run's view of its flow's webhook records: what it takes is marked as its own, so its
/// decision to commit consumes exactly those, and a run that does not commit gives them back.
#[derive(Debug)]
pub(crate) struct RunInbox {
    pub inbox: Arc<WebhookInbox>,
    pub run_id: String,
}

impl Inbox for RunInbox {
    fn next(&self, wait: Duration) -> Option<Value> {
        self.inbox.next_for(&self.run_id, wait)
    }
}

impl WebhookInbox {
    /// The next record for run `run_id`, waiting up to `wait` for one.
    fn next_for(&self, run_id: &str, wait: Duration) -> Option<Value> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let seen = *self.signal.lock().expect("webhook signal");
            match self.store.take_webhook_record(&self.flow_id, run_id) {
                Ok(Some(body)) => match serde_json::from_str(&body) {
                    Ok(value) => return Some(value),
                    Err(error) => {
                        tracing::error!(%error, "a queued webhook record is damaged; skipped");
                        continue;
                    }
                },
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, "cannot read the webhook queue");
                    return None;
                }
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            let signal = self.signal.lock().expect("webhook signal");
            let _ = self
                .arrived
                .wait_timeout_while(signal, left, |signal| *signal == seen)
                .expect("webhook signal");
        }
    }

    fn push(&self, records: Vec<Value>) -> Result<()> {
        let texts: Vec<String> = records.iter().map(Value::to_string).collect();
        self.store.enqueue_webhook_records(&self.flow_id, &texts)?;
        *self.signal.lock().expect("webhook signal") += 1;
        self.arrived.notify_all();
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.store
            .waiting_webhook_records(&self.flow_id)
            .map_or(true, |waiting| waiting == 0)
    }
}

/// Every flow's webhook queue.
pub(crate) type WebhookInboxes = Arc<Mutex<HashMap<String, Arc<WebhookInbox>>>>;

/// Why a webhook request was refused: the status and a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRefusal {
    pub status: u16,
    pub message: String,
    /// When to try again (a full queue, a busy server).
    pub retry_after_seconds: Option<u64>,
}

fn refusal(status: u16, message: impl Into<String>) -> WebhookRefusal {
    WebhookRefusal {
        status,
        message: message.into(),
        retry_after_seconds: None,
    }
}

/// A webhook request let in before its body is read: whose it is and how much body it may send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub flow_id: String,
    pub max_body_bytes: u64,
}

impl Sluice {
    /// The stored flow with its webhook node's settings, if it has one.
    fn webhook_config(
        &self,
        flow_id: &str,
    ) -> Result<Option<(LoadedFlow, sluice_connectors::webhook::WebhookConfig)>> {
        let loaded = self.find_flow(flow_id)?;
        let Some(node) = loaded
            .flow
            .nodes
            .iter()
            .find(|node| self.takes_requests(node))
        else {
            return Ok(None);
        };
        let config = serde_json::from_value(node.config.clone()).map_err(|error| {
            Error::NotFound(format!(
                "the webhook node's settings are not valid: {error}"
            ))
        })?;
        Ok(Some((loaded, config)))
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

    /// Takes a webhook request for `flow_id`: [`Sluice::check_webhook`], then
    /// [`Sluice::accept_webhook_body`]. Returns how many records were accepted.
    pub fn accept_webhook(
        &self,
        flow_id: &str,
        token: &str,
        body: &[u8],
        observer: Option<RunObserver>,
    ) -> std::result::Result<usize, WebhookRefusal> {
        let target = self.check_webhook(flow_id, token)?;
        self.accept_webhook_body(&target, body, observer)
    }

    /// What may be known before a request's body is read: the token is the flow's, the flow is
    /// approved, and its queue has room. Anything else learns only "no webhook here".
    pub fn check_webhook(
        &self,
        flow_id: &str,
        token: &str,
    ) -> std::result::Result<WebhookTarget, WebhookRefusal> {
        let not_found = || refusal(404, "no webhook here");
        let Ok(Some((loaded, config))) = self.webhook_config(flow_id) else {
            return Err(not_found());
        };
        let flow_id = loaded.flow.id.clone();
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
        if !matches!(self.is_trusted(&loaded), Ok(true)) {
            return Err(refusal(
                403,
                "this flow came from elsewhere and is not approved yet: open it in Sluice, review what it touches and approve it",
            ));
        }
        let waiting = self
            .store()
            .waiting_webhook_bytes(&flow_id)
            .map_err(|error| refusal(503, error.to_string()))?;
        if waiting >= config.max_queued_bytes {
            return Err(WebhookRefusal {
                retry_after_seconds: Some(QUEUE_FULL_RETRY_SECONDS),
                ..refusal(
                    429,
                    format!(
                        "{waiting} bytes of earlier requests wait for this flow (at most {}, `max_queued_bytes`); try again later",
                        config.max_queued_bytes
                    ),
                )
            });
        }
        Ok(WebhookTarget {
            flow_id,
            max_body_bytes: config.max_body_bytes.min(LARGEST_BODY as u64),
        })
    }

    /// Takes the body of a request [`Sluice::check_webhook`] let in: checks the size and the
    /// JSON, queues the records and makes sure a run takes them.
    pub fn accept_webhook_body(
        &self,
        target: &WebhookTarget,
        body: &[u8],
        observer: Option<RunObserver>,
    ) -> std::result::Result<usize, WebhookRefusal> {
        if body.len() as u64 > target.max_body_bytes {
            return Err(refusal(
                413,
                format!(
                    "the body is larger than this webhook takes ({} bytes)",
                    target.max_body_bytes
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
        self.webhook_inbox(&target.flow_id)
            .push(records)
            .map_err(|error| refusal(503, format!("Sluice could not keep the records: {error}")))?;
        self.ensure_webhook_run(&target.flow_id, observer);
        Ok(count)
    }

    pub(crate) fn webhook_inbox(&self, flow_id: &str) -> Arc<WebhookInbox> {
        self.webhook_inboxes
            .lock()
            .expect("webhook inboxes")
            .entry(flow_id.to_string())
            .or_insert_with(|| {
                Arc::new(WebhookInbox {
                    store: self.store.clone(),
                    flow_id: flow_id.to_string(),
                    signal: Mutex::new(0),
                    arrived: Condvar::new(),
                })
            })
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
                // The run's decision consumed what it took; a run that did not commit gave its
                // records back when it was recorded.
                let finished = match &notice {
                    RunNotice::Finished { report, run_id, .. } => Some(
                        matches!(report.status, RunStatus::Succeeded | RunStatus::Committing)
                            || sluice.store.set_aside_by(run_id).unwrap_or(0) > 0,
                    ),
                    RunNotice::Broken { .. } => Some(false),
                    _ => None,
                };
                if let Some(observer) = &settle_observer {
                    observer(notice);
                }
                if let Some(moved_on) = finished {
                    // Records that came after the run stopped listening get a run of their own,
                    // as do those behind a record the run set aside; after another failure
                    // they wait for the next request.
                    if moved_on && !inbox.is_empty() {
                        // The finished run is no longer registered when its notice comes.
                        sluice.ensure_webhook_run(&settle_flow, settle_observer.clone());
                    }
                }
            },
        );
        if let Err(error) = started {
            tracing::warn!(flow = %flow_id, %error, "a webhook request could not start its flow");
        }
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
    use serde_json::json;

    #[test]
    fn records_a_run_gave_back_come_first_in_order_and_others_stay_with_their_run() {
        let store = Arc::new(sluice_store::Store::open_in_memory().unwrap());
        let inbox = WebhookInbox {
            store: store.clone(),
            flow_id: "flow".into(),
            signal: Mutex::new(0),
            arrived: Condvar::new(),
        };
        inbox
            .push(vec![json!({"n": 1}), json!({"n": 2}), json!({"n": 3})])
            .unwrap();
        assert_eq!(inbox.next_for("a", Duration::ZERO), Some(json!({"n": 1})));
        assert_eq!(inbox.next_for("a", Duration::ZERO), Some(json!({"n": 2})));
        assert_eq!(inbox.next_for("b", Duration::ZERO), Some(json!({"n": 3})));
        assert_eq!(
            store.give_back_webhook_records("a", false).unwrap(),
            sluice_store::GivenBack {
                given_back: 2,
                set_aside: 0
            }
        );
        let order: Vec<Value> =
            std::iter::from_fn(|| inbox.next_for("c", Duration::ZERO)).collect();
        assert_eq!(
            order,
            [json!({"n": 1}), json!({"n": 2})],
            "n 3 stays with b"
        );
        assert!(inbox.is_empty());
        assert_eq!(inbox.next_for("c", Duration::from_millis(10)), None);
    }

    #[test]
    fn a_waiting_run_wakes_when_a_record_arrives() {
        let inbox = Arc::new(WebhookInbox {
            store: Arc::new(sluice_store::Store::open_in_memory().unwrap()),
            flow_id: "flow".into(),
            signal: Mutex::new(0),
            arrived: Condvar::new(),
        });
        let sender = inbox.clone();
        let pushing = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            sender.push(vec![json!({"late": true})]).unwrap();
        });
        assert_eq!(
            inbox.next_for("run", Duration::from_secs(5)),
            Some(json!({"late": true}))
        );
        pushing.join().unwrap();
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
