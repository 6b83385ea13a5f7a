//! Reading one stream of a manifest: its partitions (parents read first), its time windows when
//! incremental, and for each the pages of requests; records selected, transformed, filtered and
//! handed on, with the cursor's state after each window is complete.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sluice_core::ComponentError;
use sluice_core::credential::CredentialAccess;

use super::auth::Auth;
use super::incremental::Cursor;
use super::interpolate::{Context, Interpolator};
use super::model::{HttpRequester, Requester, Retriever, SimpleRetriever, Stream};
use super::paginate::{LastPage, Pages};
use super::partitions::partitions;
use super::request::{Injected, prepare};
use super::send::{Outcome, Sender, headers_value};
use crate::http::{AllowedHosts, Redactor, excerpt};

/// The most pages one slice may have: an API that never stops paging is stopped.
const MAX_PAGES_PER_SLICE: u64 = 1_000_000;

/// What a read of a manifest's streams needs from outside the manifest.
#[derive(Debug, Clone)]
pub struct ReadSettings {
    /// The connector's settings (its spec's fields), secrets included.
    pub config: Value,
    /// Replaces the manifest's `url_base` (a self-hosted instance, or a local test server).
    pub base_url: Option<String>,
    /// Where the credential may be sent.
    pub allowed: Option<AllowedHosts>,
    /// Values to hide in messages and records (the secrets of `config`).
    pub secrets: Vec<String>,
    pub max_response_bytes: u64,
    pub timeout: Duration,
    /// The read's start: `now_utc()` and the end of incremental windows.
    pub now: DateTime<Utc>,
    /// The credential holding the secrets, which keeps OAuth2 tokens between runs.
    pub credential: Option<Arc<dyn CredentialAccess>>,
}

/// What a read hands on: records (or a non-object it found, with where) and states to commit.
pub trait Delivery {
    fn record(&mut self, record: Map<String, Value>) -> Result<(), ComponentError>;
    fn refuse(&mut self, found: Value, why: String) -> Result<(), ComponentError>;
    fn checkpoint(&mut self, state: Value) -> Result<(), ComponentError>;
    fn should_stop(&self) -> bool;
}

/// Reads streams of one manifest with one set of settings.
pub struct Reader<'a> {
    pub settings: &'a ReadSettings,
    pub interpolator: Interpolator,
    client: reqwest::blocking::Client,
    /// The settings without their secrets, for the templates that see records.
    public_config: Value,
}

impl<'a> Reader<'a> {
    pub fn new(settings: &'a ReadSettings) -> Result<Reader<'a>, ComponentError> {
        let mut public_config = settings.config.clone();
        without_secrets(&mut public_config, &settings.secrets);
        Ok(Reader {
            settings,
            public_config,
            interpolator: Interpolator::new(settings.now),
            client: crate::http::build_client(settings.timeout, settings.allowed.clone())
                .map_err(ComponentError::failed)?,
        })
    }

    /// Reads `stream` from `state` (the last committed), delivering records and checkpoints; a
    /// failure's message never shows a secret of the settings.
    pub fn read(
        &self,
        stream: &Stream,
        state: Option<&Value>,
        delivery: &mut dyn Delivery,
    ) -> Result<(), ComponentError> {
        self.read_stream(stream, state, delivery)
            .map_err(|error| match error {
                ComponentError::Failed(message) => ComponentError::Failed(
                    Redactor::default()
                        .with(self.settings.secrets.clone())
                        .scrub(&message),
                ),
                other => other,
            })
    }

    fn read_stream(
        &self,
        stream: &Stream,
        state: Option<&Value>,
        delivery: &mut dyn Delivery,
    ) -> Result<(), ComponentError> {
        let Retriever::SimpleRetriever(retriever) = &stream.retriever;
        let Requester::HttpRequester(requester) = &retriever.requester;
        let failed =
            |message: String| ComponentError::failed(format!("stream {}: {message}", stream.name));
        let base = self.context(&stream.parameters);
        let auth = Auth::build(
            requester.authenticator.as_ref(),
            &self.interpolator,
            &self.context(&requester.parameters),
            self.settings.base_url.as_deref(),
            self.settings.credential.as_ref(),
        )
        .map_err(failed)?;
        let routers = retriever
            .partition_router
            .as_ref()
            .map(|routers| routers.as_slice())
            .unwrap_or_default();
        let partitions = partitions(
            routers,
            &self.interpolator,
            &base,
            &mut |parent, on_record| {
                self.read_stream(
                    parent,
                    None,
                    &mut Collect {
                        on_record,
                        stop: &|| delivery_stop(delivery),
                    },
                )
            },
        )?;
        let mut cursor = match &stream.incremental_sync {
            Some(super::model::IncrementalSync::DatetimeBasedCursor(model)) => Some(
                Cursor::new(model, &self.interpolator, &base, state, self.settings.now)
                    .map_err(failed)?,
            ),
            None => None,
        };
        let windows: Vec<Option<super::incremental::Window>> = match &cursor {
            Some(cursor) => cursor.windows.iter().cloned().map(Some).collect(),
            None => vec![None],
        };
        let mut redactor = Redactor::default().with(self.settings.secrets.clone());
        redactor = redactor.with(auth.secrets());
        let sender = Sender {
            client: self.client.clone(),
            auth: &auth,
            handler: requester.error_handler.as_ref(),
            interpolator: &self.interpolator,
            config: &self.settings.config,
            allowed: self.settings.allowed.as_ref(),
            redactor,
            max_response_bytes: self.settings.max_response_bytes,
        };
        for window in &windows {
            for partition in &partitions {
                let mut slice = partition.fields.clone();
                let mut injected = partition.injected.clone();
                if let (Some(cursor), Some(window)) = (cursor.as_mut(), window) {
                    cursor.enter(window);
                    slice.extend(cursor.fields(window));
                    injected.merge(
                        cursor
                            .injected(window, &self.interpolator, &base)
                            .map_err(failed)?,
                    );
                }
                let slice = Slice {
                    fields: slice,
                    injected,
                };
                self.read_slice(
                    stream,
                    retriever,
                    requester,
                    &sender,
                    &slice,
                    cursor.as_mut(),
                    delivery,
                )?;
                // Stopped (cancelled, or enough read): a window cut short gives no state.
                if delivery.should_stop() {
                    return Ok(());
                }
            }
            if let Some(state) = cursor.as_ref().and_then(Cursor::state) {
                delivery.checkpoint(state)?;
            }
        }
        Ok(())
    }

    /// Hands on a page's records: filtered, transformed, admitted by the cursor, and scrubbed of
    /// secrets. Templates that see records see the settings without their secrets. Returns the
    /// last record delivered.
    #[allow(clippy::too_many_arguments)]
    fn deliver_page(
        &self,
        stream: &Stream,
        retriever: &SimpleRetriever,
        found: Vec<Value>,
        shown_url: &str,
        context: &Context,
        sender: &Sender<'_>,
        mut cursor: Option<&mut Cursor<'_>>,
        delivery: &mut dyn Delivery,
    ) -> Result<Option<Value>, ComponentError> {
        let failed =
            |message: String| ComponentError::failed(format!("stream {}: {message}", stream.name));
        let mut context = context.clone();
        context.insert("config".into(), self.public_config.clone());
        let mut last_record = None;
        for item in found {
            let Value::Object(mut record) = item else {
                delivery.refuse(
                    item,
                    format!("{shown_url} gave a record that is not an object"),
                )?;
                continue;
            };
            let selector = &retriever.record_selector;
            if !super::select::keep(
                selector,
                &Value::Object(record.clone()),
                &self.interpolator,
                &context,
            )
            .map_err(failed)?
            {
                continue;
            }
            super::select::transform(
                &stream.transformations,
                &mut record,
                &self.interpolator,
                &context,
            )
            .map_err(failed)?;
            if let Some(cursor) = cursor.as_deref_mut()
                && !cursor.admit(&record).map_err(failed)?
            {
                continue;
            }
            scrub_strings(&mut record, &sender.redactor);
            last_record = Some(Value::Object(record.clone()));
            delivery.record(record)?;
        }
        Ok(last_record)
    }

    /// The variables every template of a component sees.
    fn context(&self, parameters: &Map<String, Value>) -> Context {
        let mut context = Map::new();
        context.insert("config".into(), self.settings.config.clone());
        context.insert("parameters".into(), Value::Object(parameters.clone()));
        context
    }

    #[allow(clippy::too_many_arguments)]
    fn read_slice(
        &self,
        stream: &Stream,
        retriever: &SimpleRetriever,
        requester: &HttpRequester,
        sender: &Sender<'_>,
        slice: &Slice,
        mut cursor: Option<&mut Cursor<'_>>,
        delivery: &mut dyn Delivery,
    ) -> Result<(), ComponentError> {
        let failed =
            |message: String| ComponentError::failed(format!("stream {}: {message}", stream.name));
        let mut context = self.context(&requester.parameters);
        for alias in ["stream_slice", "stream_partition", "stream_interval"] {
            context.insert(alias.into(), Value::Object(slice.fields.clone()));
        }
        let mut pages = Pages::start(retriever.paginator.as_ref(), &self.interpolator, &context)
            .map_err(failed)?;
        // Tokens seen in this slice: an API that sends one again would page forever.
        let mut seen_tokens: std::collections::HashSet<String> = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES_PER_SLICE {
            context.insert("next_page_token".into(), pages.token_variable());
            let mut injected = Injected::default();
            if !(retriever.ignore_stream_slicer_parameters_on_paginated_requests
                && pages.has_token())
            {
                injected.merge(slice.injected.clone());
            }
            injected.merge(
                pages
                    .injected(&self.interpolator, &context)
                    .map_err(failed)?,
            );
            let path = pages.path();
            let request = prepare(
                requester,
                &self.interpolator,
                &context,
                injected,
                path.as_deref(),
                self.settings.base_url.as_deref(),
            )
            .map_err(failed)?;
            let answer = match sender.send(&request, &|| delivery.should_stop())? {
                Outcome::Success(answer) => answer,
                Outcome::Ignored => return Ok(()),
            };
            let decoded: Value = if answer.body.iter().all(u8::is_ascii_whitespace) {
                Value::Object(Map::new())
            } else {
                serde_json::from_slice(&answer.body).map_err(|error| {
                    failed(format!(
                        "{} answered {} with a body that is not JSON ({error}): {}",
                        answer.shown_url,
                        answer.status,
                        excerpt(&answer.body)
                    ))
                })?
            };
            let found = super::select::extract(
                &retriever.record_selector,
                &decoded,
                &self.interpolator,
                &context,
            )
            .map_err(failed)?;
            let extracted = found.len();
            let last_record = self.deliver_page(
                stream,
                retriever,
                found,
                &answer.shown_url,
                &context,
                sender,
                cursor.as_deref_mut(),
                delivery,
            )?;
            let headers = headers_value(&answer.headers);
            let last = LastPage {
                response: &decoded,
                headers: &headers,
                last_record: last_record.as_ref(),
                size: extracted,
            };
            if delivery.should_stop()
                || !pages
                    .advance(&last, &self.interpolator, &context)
                    .map_err(failed)?
            {
                return Ok(());
            }
            let token = pages.token_variable();
            if !seen_tokens.insert(token.to_string()) {
                return Err(failed(format!(
                    "{} gave a next page it had given before ({}); the API or the manifest's pagination is wrong",
                    answer.shown_url,
                    excerpt(token.to_string().as_bytes())
                )));
            }
        }
        Err(failed(format!(
            "more than {MAX_PAGES_PER_SLICE} pages in one slice; the API does not stop paging"
        )))
    }
}

/// A partition in one time window.
struct Slice {
    fields: Map<String, Value>,
    injected: Injected,
}

/// The records of a parent stream, handed to a callback (no state, no refusals).
struct Collect<'c, 'r> {
    on_record: &'c mut dyn FnMut(Map<String, Value>) -> Result<(), ComponentError>,
    stop: &'r dyn Fn() -> bool,
}

impl Delivery for Collect<'_, '_> {
    fn record(&mut self, record: Map<String, Value>) -> Result<(), ComponentError> {
        (self.on_record)(record)
    }
    fn refuse(&mut self, _found: Value, _why: String) -> Result<(), ComponentError> {
        Ok(())
    }
    fn checkpoint(&mut self, _state: Value) -> Result<(), ComponentError> {
        Ok(())
    }
    fn should_stop(&self) -> bool {
        (self.stop)()
    }
}

fn delivery_stop(delivery: &dyn Delivery) -> bool {
    delivery.should_stop()
}

/// Text values equal to a secret (at any depth) removed.
fn without_secrets(value: &mut Value, secrets: &[String]) {
    match value {
        Value::String(text)
            if secrets
                .iter()
                .any(|secret| !secret.is_empty() && secret == text) =>
        {
            *value = Value::Null
        }
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|inner| without_secrets(inner, secrets)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|inner| without_secrets(inner, secrets)),
        _ => {}
    }
}

/// Every text value of a record with its secrets hidden.
fn scrub_strings(record: &mut Map<String, Value>, redactor: &Redactor) {
    fn scrub(value: &mut Value, redactor: &Redactor) {
        match value {
            Value::String(text) => {
                let scrubbed = redactor.scrub(text);
                if scrubbed != *text {
                    *text = scrubbed;
                }
            }
            Value::Object(fields) => fields.values_mut().for_each(|inner| scrub(inner, redactor)),
            Value::Array(items) => items.iter_mut().for_each(|inner| scrub(inner, redactor)),
            _ => {}
        }
    }
    record.values_mut().for_each(|value| scrub(value, redactor));
}
