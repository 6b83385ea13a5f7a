//! `SessionTokenAuthenticator`: a login request (the manifest's `login_requester`, its templates
//! evaluated with the settings) whose answer holds a session token at `session_token_path`; the
//! token goes with every request as an API key or a bearer token, and is fetched again when it
//! expires (`expiration_duration`) or the API answers 401.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sluice_core::ComponentError;

use super::interpolate::{Context, Interpolator};
use super::model::{InjectInto, Requester, SessionInjection, SessionToken};
use super::request::{Body, Injected, Prepared, prepare};
use crate::http::{AllowedHosts, Redactor, excerpt, read_limited};

/// A session token for one read, fetched on first use.
#[derive(Debug)]
pub struct SessionTokens {
    login: Prepared,
    token_path: Vec<String>,
    lifetime: Option<Duration>,
    /// Where the token goes: a header or query parameter by name, or `None` for a bearer token.
    placement: Option<(InjectInto, String)>,
    current: Mutex<Option<(String, Option<Instant>)>>,
}

impl SessionTokens {
    pub fn build(
        model: &SessionToken,
        interpolator: &Interpolator,
        context: &Context,
        base_override: Option<&str>,
    ) -> Result<SessionTokens, String> {
        let Requester::HttpRequester(requester) = &model.login_requester;
        let login = prepare(
            requester,
            interpolator,
            context,
            Injected::default(),
            None,
            base_override,
        )?;
        let lifetime = model
            .expiration_duration
            .as_deref()
            .filter(|text| !text.is_empty())
            .map(super::datetime::IsoDuration::parse)
            .transpose()?
            .map(|duration| Duration::from_secs_f64(duration.total_seconds().max(0.0)));
        let placement = match &model.request_authentication {
            SessionInjection::Bearer {} => None,
            SessionInjection::ApiKey { inject_into } => {
                let name = interpolator.text(
                    inject_into.field_name.as_deref().unwrap_or_default(),
                    context,
                )?;
                if name.is_empty() {
                    return Err(
                        "SessionTokenAuthenticator: the request option names no field".into(),
                    );
                }
                Some((inject_into.inject_into, name))
            }
        };
        Ok(SessionTokens {
            login,
            token_path: model.session_token_path.clone(),
            lifetime,
            placement,
            current: Mutex::new(None),
        })
    }

    /// The token, when one was fetched (to hide it in messages).
    pub fn held(&self) -> Option<String> {
        self.current
            .lock()
            .expect("session lock")
            .as_ref()
            .map(|(token, _)| token.clone())
    }

    /// Adds the session token to a request, logging in first when there is none, it expired or
    /// `renew` asks. Returns the token sent.
    pub fn apply(
        &self,
        client: &reqwest::blocking::Client,
        allowed: Option<&AllowedHosts>,
        request: reqwest::blocking::RequestBuilder,
        query: &mut Vec<(String, String)>,
        renew: bool,
    ) -> Result<(reqwest::blocking::RequestBuilder, Option<String>), ComponentError> {
        let token = self.token(client, allowed, renew)?;
        let request = match &self.placement {
            None => request.bearer_auth(&token),
            Some((InjectInto::RequestParameter, name)) => {
                query.push((name.clone(), token.clone()));
                request
            }
            Some((_, name)) => request.header(name.as_str(), token.as_str()),
        };
        Ok((request, Some(token)))
    }

    fn token(
        &self,
        client: &reqwest::blocking::Client,
        allowed: Option<&AllowedHosts>,
        renew: bool,
    ) -> Result<String, ComponentError> {
        let mut current = self.current.lock().expect("session lock");
        if let Some((token, expires)) = current.as_ref()
            && !renew
            && expires.is_none_or(|at| at > Instant::now())
        {
            return Ok(token.clone());
        }
        let url = self.login.url.clone();
        if let Some(allowed) = allowed {
            allowed.check(&url).map_err(|problem| {
                ComponentError::failed(format!("the login request: {problem}"))
            })?;
        }
        let secrets: Vec<String> = match &self.login.body {
            Body::Json(body) => text_values(body),
            Body::Form(pairs) => pairs.iter().map(|(_, value)| value.clone()).collect(),
            Body::Text(text) => vec![text.clone()],
            Body::None => Vec::new(),
        };
        let redactor = Redactor::default().with(secrets);
        let response = self
            .login
            .to_request(client, &self.login.query)
            .send()
            .map_err(|error| {
                ComponentError::failed(redactor.scrub(&format!(
                    "the login request to {url} failed: {}",
                    error.without_url()
                )))
            })?;
        let status = response.status();
        let body = read_limited(response, 1 << 20).map_err(|problem| {
            ComponentError::failed(format!("the login answer could not be read: {problem}"))
        })?;
        if !status.is_success() {
            return Err(ComponentError::failed(format!(
                "the login request to {url} was refused ({status}): {} — check the username and password in the credential",
                excerpt(&redactor.scrub_bytes(body))
            )));
        }
        let answer: Value = serde_json::from_slice(&body).map_err(|_| {
            ComponentError::failed(format!("the login request to {url} did not answer JSON"))
        })?;
        let mut found = &answer;
        for key in &self.token_path {
            found = found.get(key).unwrap_or(&Value::Null);
        }
        let token = match found {
            Value::String(token) if !token.is_empty() => token.clone(),
            Value::Number(number) => number.to_string(),
            _ => {
                return Err(ComponentError::failed(format!(
                    "the login answer from {url} has no session token at {}",
                    self.token_path.join(".")
                )));
            }
        };
        *current = Some((
            token.clone(),
            self.lifetime.map(|lifetime| Instant::now() + lifetime),
        ));
        Ok(token)
    }
}

/// The text values inside a JSON body (the login's password among them), to hide in messages.
fn text_values(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Object(fields) => fields.values().flat_map(text_values).collect(),
        Value::Array(items) => items.iter().flat_map(text_values).collect(),
        _ => Vec::new(),
    }
}
