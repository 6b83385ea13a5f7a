//! Sending a stream's requests with the manifest's error handling: response filters decide
//! (success, ignore, retry, rate limited, fail), backoff strategies decide how long to wait (or
//! the server's `Retry-After`), a 401 renews an OAuth2 token once; bodies are read up to a
//! limit and secrets are hidden in every message.

use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};
use sluice_core::ComponentError;

use super::auth::Auth;
use super::interpolate::{Context, Interpolator};
use super::model::{Backoff, DefaultErrorHandler, ErrorHandler, ResponseFilter};
use super::request::Prepared;
use crate::http::{
    AllowedHosts, Redactor, excerpt, read_limited, retry_after_of, sleep_unless_stopped,
};

/// The longest wait Sluice accepts from a server or a backoff strategy.
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// A response with its body read.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub shown_url: String,
}

/// What the error handling made of a response.
#[derive(Debug)]
pub enum Outcome {
    Success(Answer),
    /// A response the manifest says to ignore: no records, no next page.
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Success,
    Ignore,
    Retry,
    Fail,
}

/// The client of one stream read.
pub struct Sender<'a> {
    pub client: reqwest::blocking::Client,
    pub auth: &'a Auth,
    pub handler: Option<&'a ErrorHandler>,
    pub interpolator: &'a Interpolator,
    pub config: &'a Value,
    pub allowed: Option<&'a AllowedHosts>,
    pub redactor: Redactor,
    pub max_response_bytes: u64,
}

impl Sender<'_> {
    /// Sends `request`, retrying and waiting as the manifest says.
    pub fn send(
        &self,
        request: &Prepared,
        should_stop: &dyn Fn() -> bool,
    ) -> Result<Outcome, ComponentError> {
        let handlers = handlers_of(self.handler);
        let max_retries = handlers
            .first()
            .and_then(|handler| handler.max_retries)
            .unwrap_or(5)
            .min(50);
        let max_time = Duration::from_secs(
            handlers
                .iter()
                .filter_map(|handler| handler.max_time)
                .max()
                .unwrap_or(600),
        );
        let started = Instant::now();
        let mut renewed = false;
        let mut renew = false;
        let mut retries = 0u32;
        loop {
            let (answer, token) = match self.attempt(request, renew) {
                Ok(sent) => sent,
                Err(Attempt::Fatal(error)) => return Err(error),
                Err(Attempt::Unreachable(problem)) => {
                    retries += 1;
                    if retries > max_retries || started.elapsed() > max_time {
                        return Err(ComponentError::failed(format!(
                            "{} could not be reached after {retries} attempts: {problem}",
                            self.shown(request)
                        )));
                    }
                    sleep_unless_stopped(Duration::from_secs(1 << retries.min(6)), should_stop)?;
                    continue;
                }
            };
            renew = false;
            let redactor = self.redactor.clone().with(token);
            let decoded: Value = serde_json::from_slice(&answer.body).unwrap_or_else(|_| json!({}));
            let (action, filter) = self.resolve(&handlers, &answer, &decoded);
            match action {
                // The body is kept as sent (a next-page URL may carry a key); the records made
                // from it are scrubbed once decoded.
                Action::Success => return Ok(Outcome::Success(answer)),
                Action::Ignore => return Ok(Outcome::Ignored),
                Action::Fail
                    if answer.status == StatusCode::UNAUTHORIZED
                        && self.auth.renews()
                        && !renewed =>
                {
                    renewed = true;
                    renew = true;
                    continue;
                }
                Action::Fail => {
                    let message = filter
                        .and_then(|filter| filter.error_message.as_deref())
                        .map(|template| {
                            self.interpolator
                                .text(template, &self.context(&answer, &decoded))
                        })
                        .transpose()
                        .map_err(ComponentError::failed)?
                        .filter(|message| !message.is_empty());
                    let detail = message
                        .unwrap_or_else(|| excerpt(&redactor.scrub_bytes(answer.body.clone())));
                    return Err(ComponentError::failed(redactor.scrub(&format!(
                        "{} answered {}: {detail}{}",
                        answer.shown_url,
                        answer.status,
                        advice(answer.status)
                    ))));
                }
                Action::Retry => {
                    retries += 1;
                    if retries > max_retries || started.elapsed() > max_time {
                        return Err(ComponentError::failed(redactor.scrub(&format!(
                            "{} still answered {} after {} attempts: {}",
                            answer.shown_url,
                            answer.status,
                            retries,
                            excerpt(&redactor.scrub_bytes(answer.body.clone()))
                        ))));
                    }
                    let pause = self.backoff(&handlers, &answer, retries)?;
                    tracing::debug!(url = %answer.shown_url, retries, wait_ms = pause.as_millis() as u64, "retrying");
                    sleep_unless_stopped(pause, should_stop)?;
                }
            }
        }
    }

    fn shown(&self, request: &Prepared) -> String {
        self.redactor
            .scrub(&format!("{} {}", request.method, request.url))
    }

    fn attempt(
        &self,
        request: &Prepared,
        renew: bool,
    ) -> Result<(Answer, Option<String>), Attempt> {
        let mut query = request.query.clone();
        // The request's own query is added last, with what the authenticator adds.
        let mut builder = request.to_request(&self.client, &[]);
        if !request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("accept"))
        {
            builder = builder.header("Accept", "application/json");
        }
        let (mut builder, token) = self
            .auth
            .apply(&self.client, self.allowed, builder, &mut query, renew)
            .map_err(Attempt::Fatal)?;
        let mut url = request.url.clone();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        let shown_url = self
            .redactor
            .clone()
            .with(token.clone())
            .scrub(url.as_str());
        if let Some(allowed) = self.allowed {
            allowed.check(&url).map_err(|problem| {
                Attempt::Fatal(ComponentError::failed(format!(
                    "{} {shown_url}: {problem}",
                    request.method
                )))
            })?;
        }
        builder = builder.query(&query);
        let response = builder.send().map_err(|error| {
            Attempt::Unreachable(
                self.redactor
                    .clone()
                    .with(token.clone())
                    .scrub(&error.without_url().to_string())
                    .replace('\n', " "),
            )
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(response, self.max_response_bytes).map_err(|problem| {
            Attempt::Fatal(ComponentError::failed(format!(
                "{} {shown_url}: {problem}",
                request.method
            )))
        })?;
        Ok((
            Answer {
                status,
                headers,
                body,
                shown_url,
            },
            token,
        ))
    }

    /// The variables of a response for filters and messages.
    fn context(&self, answer: &Answer, decoded: &Value) -> Context {
        let mut context = Map::new();
        context.insert("config".into(), self.config.clone());
        context.insert("response".into(), decoded.clone());
        context.insert("headers".into(), headers_value(&answer.headers));
        context
    }

    /// The first matching filter's action, else Airbyte's default for the status.
    fn resolve<'h>(
        &self,
        handlers: &[&'h DefaultErrorHandler],
        answer: &Answer,
        decoded: &Value,
    ) -> (Action, Option<&'h ResponseFilter>) {
        let context = self.context(answer, decoded);
        for handler in handlers {
            for filter in &handler.response_filters {
                if self.matches(filter, answer, decoded, &context) {
                    let action = match filter
                        .action
                        .as_deref()
                        .unwrap_or("FAIL")
                        .to_ascii_uppercase()
                        .as_str()
                    {
                        "SUCCESS" => Action::Success,
                        "IGNORE" => Action::Ignore,
                        "RETRY" | "RATE_LIMITED" | "RESET_PAGINATION" => Action::Retry,
                        _ => Action::Fail,
                    };
                    return (action, Some(filter));
                }
            }
        }
        let action = match answer.status.as_u16() {
            100..=399 => Action::Success,
            400 | 401 | 403 | 404 | 405 => Action::Fail,
            _ => Action::Retry,
        };
        (action, None)
    }

    fn matches(
        &self,
        filter: &ResponseFilter,
        answer: &Answer,
        decoded: &Value,
        context: &Context,
    ) -> bool {
        if filter.http_codes.contains(&answer.status.as_u16()) {
            return true;
        }
        if let Some(predicate) = &filter.predicate
            && self
                .interpolator
                .condition(predicate, context)
                .unwrap_or(false)
        {
            return true;
        }
        filter
            .error_message_contains
            .as_deref()
            .is_some_and(|needle| {
                !needle.is_empty() && error_text(decoded, &answer.body).contains(needle)
            })
    }

    /// How long to wait before retry number `retries`.
    fn backoff(
        &self,
        handlers: &[&DefaultErrorHandler],
        answer: &Answer,
        retries: u32,
    ) -> Result<Duration, ComponentError> {
        let config_context = {
            let mut context = Map::new();
            context.insert("config".into(), self.config.clone());
            context
        };
        let number = |template: &Value| -> Option<f64> {
            match self.interpolator.value(template, &config_context).ok()? {
                Value::Number(number) => number.as_f64(),
                Value::String(text) => text.trim().parse().ok(),
                _ => None,
            }
        };
        for strategy in handlers
            .iter()
            .flat_map(|handler| handler.backoff_strategies.iter())
        {
            let seconds = match strategy {
                Backoff::ExponentialBackoffStrategy { factor } => {
                    let factor = factor.as_ref().and_then(number).unwrap_or(5.0);
                    Some(factor * 2f64.powi(retries.min(20) as i32))
                }
                Backoff::ConstantBackoffStrategy {
                    backoff_time_in_seconds,
                } => number(backoff_time_in_seconds),
                Backoff::WaitTimeFromHeader {
                    header,
                    regex,
                    max_waiting_time_in_seconds,
                } => {
                    let found = header_number(&answer.headers, header, regex.as_deref());
                    if let (Some(found), Some(most)) = (found, max_waiting_time_in_seconds)
                        && found >= *most
                    {
                        return Err(ComponentError::failed(format!(
                            "{} asked to wait {found} s ({header}), longer than the manifest allows ({most} s); run again later",
                            answer.shown_url
                        )));
                    }
                    found
                }
                Backoff::WaitUntilTimeFromHeader {
                    header,
                    min_wait,
                    regex,
                } => {
                    let least = min_wait.as_ref().and_then(number);
                    let now = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .map_or(0.0, |now| now.as_secs_f64());
                    match header_number(&answer.headers, header, regex.as_deref()) {
                        Some(until) => Some((until - now).max(least.unwrap_or(0.0)))
                            .filter(|wait| *wait > 0.0 || least.is_some()),
                        None => least,
                    }
                }
            };
            if let Some(seconds) = seconds.filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            {
                return bounded(Duration::from_secs_f64(seconds.min(1e6)), answer);
            }
        }
        if let Some(after) = retry_after_of(&answer.headers) {
            return bounded(after, answer);
        }
        Ok(Duration::from_secs(1 << (retries - 1).min(6)))
    }
}

enum Attempt {
    Unreachable(String),
    Fatal(ComponentError),
}

fn bounded(wait: Duration, answer: &Answer) -> Result<Duration, ComponentError> {
    if wait > LONGEST_WAIT {
        return Err(ComponentError::failed(format!(
            "{} asked to wait {} s before trying again, longer than Sluice waits; run the flow again later",
            answer.shown_url,
            wait.as_secs()
        )));
    }
    Ok(wait)
}

/// The default handlers in order (a composite's, or the one).
fn handlers_of(handler: Option<&ErrorHandler>) -> Vec<&DefaultErrorHandler> {
    fn collect<'h>(handler: &'h ErrorHandler, into: &mut Vec<&'h DefaultErrorHandler>) {
        match handler {
            ErrorHandler::DefaultErrorHandler(default) => into.push(default),
            ErrorHandler::CompositeErrorHandler { error_handlers } => {
                for inner in error_handlers {
                    collect(inner, into);
                }
            }
        }
    }
    let mut handlers = Vec::new();
    if let Some(handler) = handler {
        collect(handler, &mut handlers);
    }
    handlers
}

/// The text an error body carries (`message`, `error`, `errors`…), else the whole body.
fn error_text(decoded: &Value, body: &[u8]) -> String {
    for key in ["message", "error", "errors", "error_message", "detail"] {
        if let Some(found) = decoded.get(key) {
            return match found {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
        }
    }
    String::from_utf8_lossy(body).into_owned()
}

/// Response headers as a mapping for templates, with `link` parsed into `{rel: {url, rel}}` as
/// requests' `response.links`.
pub fn headers_value(headers: &HeaderMap) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        if let Ok(text) = value.to_str() {
            map.insert(name.as_str().to_string(), Value::String(text.to_string()));
        }
    }
    if let Some(link) = headers.get("link").and_then(|value| value.to_str().ok()) {
        map.insert("link".into(), Value::Object(parse_links(link)));
    }
    Value::Object(map)
}

fn parse_links(header: &str) -> Map<String, Value> {
    let mut links = Map::new();
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let Some(url) = pieces.next().map(|url| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        }) else {
            continue;
        };
        for parameter in pieces {
            if let Some((key, value)) = parameter.trim().split_once('=')
                && key.trim() == "rel"
            {
                let rel = value.trim().trim_matches('"').to_string();
                links.insert(rel.clone(), json!({ "url": url, "rel": rel }));
            }
        }
    }
    links
}

fn header_number(headers: &HeaderMap, name: &str, pattern: Option<&str>) -> Option<f64> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    let text = match pattern {
        Some(pattern) => {
            let regex = regex::RegexBuilder::new(&format!("^(?:{pattern})"))
                .size_limit(1 << 20)
                .build()
                .ok()?;
            regex.find(text)?.as_str().to_string()
        }
        None => text.to_string(),
    };
    text.parse().ok()
}

fn advice(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => " — the credential was refused; check it in Credentials",
        StatusCode::FORBIDDEN => " — the credential may lack a permission this stream needs",
        StatusCode::NOT_FOUND => " — check the connector's settings (and its base URL)",
        _ => "",
    }
}
