//! `http.request`: one HTTP request per record — to enrich records from an API (the response is
//! added to the record) or to send them somewhere (as the flow's last node). Requests run on a
//! few workers at once, under a requests-per-second limit, with the same retries as `http.read`.

use reqwest::{Method, Url};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sluice_core::component::{
    BuildContext, ComponentConfig, Input, Reach, Transform, TransformConfig,
};
use sluice_core::engine::Output;
use sluice_core::expression::Expressions;
use sluice_core::{Batch, ComponentError, Record};
use std::collections::BTreeMap;

use super::client::{HttpClient, excerpt};

/// Sends one request per record; templates see the record's fields (`{{ id }}`) and `vars`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpRequestConfig {
    /// The URL, a template over the record, e.g. `https://api.example.com/customers/{{ id }}`.
    pub url: String,
    /// The HTTP method.
    #[serde(default)]
    pub method: RequestMethod,
    /// Extra request headers (templates).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Query-string parameters (templates).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// The JSON body, a template; by default POST, PUT and PATCH send the record itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The field the response (JSON, or text) is added to the record as; empty to add nothing.
    #[serde(default = "default_response_field")]
    pub response_field: String,
    /// How many requests may be in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// At most this many requests per second, across all workers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_second: Option<f64>,
    /// How long one request may take, in seconds.
    #[serde(default = "super::client::default_timeout")]
    pub timeout_seconds: u64,
    /// Attempts per request, the first included (connection errors, 5xx and 429 are retried).
    #[serde(default = "super::client::default_attempts")]
    pub attempts: u32,
    /// The largest response body read, in bytes (default 64 MiB); a larger one fails the
    /// request, naming this setting.
    #[serde(default = "super::client::default_max_response_bytes")]
    pub max_response_bytes: u64,
}

fn default_response_field() -> String {
    "response".into()
}
fn default_concurrency() -> u32 {
    4
}

/// The methods `http.request` sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum RequestMethod {
    #[default]
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl RequestMethod {
    fn method(self) -> Method {
        match self {
            RequestMethod::Get => Method::GET,
            RequestMethod::Post => Method::POST,
            RequestMethod::Put => Method::PUT,
            RequestMethod::Patch => Method::PATCH,
            RequestMethod::Delete => Method::DELETE,
        }
    }

    fn sends_record(self) -> bool {
        matches!(
            self,
            RequestMethod::Post | RequestMethod::Put | RequestMethod::Patch
        )
    }
}

impl ComponentConfig for HttpRequestConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Contacts {
            url: self.url.clone(),
            sends_records: true,
        }]
    }
}

impl TransformConfig for HttpRequestConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        let client = HttpClient::for_node(
            context.credential.clone(),
            self.attempts,
            self.requests_per_second,
            self.timeout_seconds,
            self.max_response_bytes,
        )?;
        Ok(Box::new(HttpRequest {
            config: self.clone(),
            expressions: context.expressions,
            client,
            // A GET only reads; any other request changes something, so a preview only shows it.
            dry_run: !context.live && self.method != RequestMethod::Get,
        }))
    }
}

struct HttpRequest<'run> {
    config: HttpRequestConfig,
    expressions: &'run Expressions,
    client: HttpClient,
    /// A preview: say what would be sent instead of sending it.
    dry_run: bool,
}

/// One record's request, ready to send.
struct Prepared {
    url: Url,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// What became of one record's request.
enum Outcome {
    Done(Record),
    Rejected(Record, String),
}

impl HttpRequest<'_> {
    /// The request for `record`, rendered, or why it cannot be made.
    fn prepare(&self, record: &Record) -> Result<Prepared, String> {
        let mut values: Map<String, Value> = record
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_json()))
            .collect();
        values.insert("record".into(), record.to_value());
        let render = |field: &str, template: &str| {
            self.expressions
                .render(template, &values)
                .map_err(|error| format!("`{field}`: {error}"))
        };
        let rendered = render("url", &self.config.url)?;
        let mut url = Url::parse(&rendered)
            .map_err(|error| format!("`url` is not a URL ({rendered}): {error}"))?;
        for (name, template) in &self.config.query {
            let value = render(&format!("query.{name}"), template)?;
            url.query_pairs_mut().append_pair(name, &value);
        }
        let headers = self
            .config
            .headers
            .iter()
            .map(|(name, template)| {
                Ok((name.clone(), render(&format!("headers.{name}"), template)?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let body = match &self.config.body {
            Some(template) => Some(render("body", template)?),
            None if self.config.method.sends_record() => Some(record.to_value().to_string()),
            None => None,
        };
        Ok(Prepared { url, headers, body })
    }

    fn send(
        &self,
        client: &mut HttpClient,
        record: Record,
        should_stop: &dyn Fn() -> bool,
    ) -> Result<Outcome, ComponentError> {
        let Prepared { url, headers, body } = match self.prepare(&record) {
            Ok(prepared) => prepared,
            Err(problem) => return Ok(Outcome::Rejected(record, problem)),
        };
        let method = self.config.method.method();
        if self.dry_run {
            let mut record = record;
            if !self.config.response_field.is_empty() {
                let sent = serde_json::json!({
                    "not_sent": "a preview sends no request that changes something; ask for a live preview of this node to send it",
                    "method": method.as_str(),
                    "url": url.as_str(),
                    "body": body,
                });
                record.insert(self.config.response_field.clone(), sent);
            }
            return Ok(Outcome::Done(record));
        }
        match client.send(&method, &url, &headers, body.as_deref(), should_stop) {
            Ok(response) => {
                let mut record = record;
                if !self.config.response_field.is_empty() {
                    let value = if response.body.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&response.body)
                            .unwrap_or_else(|_| Value::String(excerpt(&response.body)))
                    };
                    record.insert(self.config.response_field.clone(), value);
                }
                Ok(Outcome::Done(record))
            }
            Err(ComponentError::Failed(problem)) => Ok(Outcome::Rejected(record, problem)),
            Err(halted) => Err(halted),
        }
    }
}

impl Transform for HttpRequest<'_> {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        let workers = (self.config.concurrency.max(1) as usize).min(batch.len().max(1));
        let mut outcomes: Vec<Option<Result<Outcome, ComponentError>>> =
            (0..batch.len()).map(|_| None).collect();
        let control = out.control();
        let should_stop = || control.is_stopping();
        // Records are handed out in order and results kept in place: the output keeps the input's
        // order whatever order the responses arrive in.
        let queue = std::sync::Mutex::new(batch.into_iter().enumerate());
        let results = std::sync::Mutex::new(&mut outcomes);
        std::thread::scope(|scope| {
            for index in 0..workers {
                let mut client = self.client.worker(index as u64);
                let (queue, results, should_stop, this) = (&queue, &results, &should_stop, &*self);
                scope.spawn(move || {
                    loop {
                        let next = queue.lock().expect("request queue").next();
                        let Some((position, record)) = next else {
                            break;
                        };
                        let outcome = this.send(&mut client, record, should_stop);
                        let halted = matches!(outcome, Err(ComponentError::Halted));
                        results.lock().expect("request results")[position] = Some(outcome);
                        if halted {
                            break;
                        }
                    }
                });
            }
        });
        for outcome in outcomes.into_iter().flatten() {
            match outcome? {
                Outcome::Done(record) => out.emit(record)?,
                Outcome::Rejected(record, problem) => out.reject(record, problem)?,
            }
        }
        Ok(())
    }
}
