//! The webhook HTTP server on 127.0.0.1: a request is checked (token, approval, queue room)
//! before its body is read; the body is read under the flow's size limit and a time limit; a
//! bounded number of requests are handled at once, the rest told to come back (503); connections
//! are bounded in number, idle time and age (see `listener`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::Semaphore;

use super::listener::BoundedListener;
use super::{LARGEST_BODY, WebhookRefusal, refusal};
use crate::{RunObserver, Sluice};

/// Requests handled at once; more are answered 503 with `Retry-After`.
const CONCURRENT_REQUESTS: usize = 16;
/// How long a request's body may take to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// What every request handler shares.
#[derive(Clone)]
struct Server {
    sluice: Sluice,
    observer: Option<RunObserver>,
    slots: Arc<Semaphore>,
}

impl Sluice {
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
            .with_state(Server {
                sluice: self.clone(),
                observer,
                slots: Arc::new(Semaphore::new(CONCURRENT_REQUESTS)),
            });
        axum::serve(BoundedListener::new(listener), router).await
    }

    /// Starts the webhook server on 127.0.0.1 at the configured port, on the current tokio
    /// runtime. A port in use is logged, and Sluice goes on without webhooks.
    pub async fn start_webhook_server(&self, observer: Option<RunObserver>) -> Option<u16> {
        let port = self.webhook_port().unwrap_or(super::DEFAULT_WEBHOOK_PORT);
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => {
                // This process serves webhooks: flows with records waiting get a run (records
                // a stopped process had taken were given back when this one opened the home).
                match self.store().flows_with_waiting_webhook_records() {
                    Ok(waiting) => {
                        for flow_id in waiting {
                            self.ensure_webhook_run(&flow_id, observer.clone());
                        }
                    }
                    Err(error) => tracing::error!(%error, "cannot read the webhook queue"),
                }
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

/// Checks the request before reading its body, reads the body under the flow's limits, then
/// queues its records.
async fn receive(
    State(server): State<Server>,
    Path((flow_id, token)): Path<(String, String)>,
    body: Body,
) -> Response {
    let Ok(_slot) = server.slots.clone().try_acquire_owned() else {
        return refused_unread(WebhookRefusal {
            retry_after_seconds: Some(5),
            ..refusal(
                503,
                "Sluice is busy with other webhook requests; try again shortly",
            )
        });
    };
    let sluice = server.sluice.clone();
    let checked = tokio::task::spawn_blocking(move || sluice.check_webhook(&flow_id, &token)).await;
    let target = match checked {
        Ok(Ok(target)) => target,
        Ok(Err(why)) => return refused_unread(why),
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
        }
    };
    let limit = usize::try_from(target.max_body_bytes).unwrap_or(LARGEST_BODY);
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) if format!("{error:?}").contains("LengthLimit") => {
            return refused_unread(refusal(
                413,
                format!("the body is larger than this webhook takes ({limit} bytes)"),
            ));
        }
        Ok(Err(error)) => {
            return refused_unread(refusal(400, format!("the body could not be read: {error}")));
        }
        Err(_) => {
            return refused_unread(refusal(
                408,
                format!(
                    "the body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            ));
        }
    };
    let (sluice, observer) = (server.sluice.clone(), server.observer.clone());
    let accepted =
        tokio::task::spawn_blocking(move || sluice.accept_webhook_body(&target, &bytes, observer))
            .await;
    match accepted {
        Ok(Ok(count)) => (
            StatusCode::ACCEPTED,
            axum::Json(json!({ "accepted": count })),
        )
            .into_response(),
        Ok(Err(why)) => refused(why),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// A refusal sent before the body was read (or while reading it): the connection closes after
/// it, and the response says so — a client that sent its next request on that connection would
/// find it closed mid-request.
fn refused_unread(refusal: WebhookRefusal) -> Response {
    let mut response = refused(refusal);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A refusal as a response, with `Retry-After` when it says when to come back.
fn refused(refusal: WebhookRefusal) -> Response {
    let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, axum::Json(json!({ "error": refusal.message }))).into_response();
    if let Some(seconds) = refusal.retry_after_seconds {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
