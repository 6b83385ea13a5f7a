//! A manifest's authenticator made ready for requests: API key (header or query), bearer, basic,
//! OAuth2 access tokens from the refresh-token or client-credentials grant (fetched when needed,
//! renewed before expiry and once after a 401), and the selective choice between them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use sluice_core::ComponentError;

use super::interpolate::{Context, Interpolator};
use super::model::{Authenticator, InjectInto, OAuth};
use super::session::SessionTokens;
use crate::http::{AllowedHosts, excerpt};

/// An authenticator with its templates evaluated.
#[derive(Debug)]
pub enum Auth {
    None,
    /// A header or query parameter carrying a key.
    Key {
        into: InjectInto,
        name: String,
        value: String,
    },
    Basic {
        username: String,
        password: String,
    },
    Bearer(String),
    OAuth2(Box<OAuthTokens>),
    Session(Box<SessionTokens>),
}

/// OAuth2 tokens for one read: the access token, fetched on first use.
#[derive(Debug)]
pub struct OAuthTokens {
    endpoint: String,
    form: Vec<(String, String)>,
    /// The client secret and refresh token the grant sends.
    grant_secrets: Vec<String>,
    token_field: String,
    expires_field: String,
    current: Mutex<Option<(String, Option<Instant>)>>,
}

impl Auth {
    /// The authenticator of a requester, its templates evaluated with the connector's config.
    pub fn build(
        model: Option<&Authenticator>,
        interpolator: &Interpolator,
        context: &Context,
        base_override: Option<&str>,
    ) -> Result<Auth, String> {
        let Some(model) = model else {
            return Ok(Auth::None);
        };
        let text = |template: &str| interpolator.text(template, context);
        Ok(match model {
            Authenticator::NoAuth {} => Auth::None,
            Authenticator::ApiKeyAuthenticator {
                api_token,
                header,
                inject_into,
            } => {
                let value = text(api_token)?;
                match (inject_into, header) {
                    (Some(option), _) => Auth::Key {
                        into: option.inject_into,
                        name: text(option.field_name.as_deref().unwrap_or_default())?,
                        value,
                    },
                    (None, Some(header)) => Auth::Key {
                        into: InjectInto::Header,
                        name: text(header)?,
                        value,
                    },
                    (None, None) => {
                        return Err(
                            "ApiKeyAuthenticator names neither `inject_into` nor `header`".into(),
                        );
                    }
                }
            }
            Authenticator::BearerAuthenticator { api_token } => Auth::Bearer(text(api_token)?),
            Authenticator::BasicHttpAuthenticator { username, password } => Auth::Basic {
                username: text(username)?,
                password: text(password.as_deref().unwrap_or_default())?,
            },
            Authenticator::SessionTokenAuthenticator(session) => Auth::Session(Box::new(
                SessionTokens::build(session, interpolator, context, base_override)?,
            )),
            Authenticator::OAuthAuthenticator(oauth) => {
                Auth::OAuth2(Box::new(OAuthTokens::build(oauth, interpolator, context)?))
            }
            Authenticator::SelectiveAuthenticator {
                authenticator_selection_path,
                authenticators,
            } => {
                let mut chosen = &Value::Object(
                    context
                        .get("config")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                );
                for key in authenticator_selection_path {
                    chosen = chosen.get(key).unwrap_or(&Value::Null);
                }
                let name = match chosen {
                    Value::String(name) => name.clone(),
                    Value::Null => {
                        return Err(format!(
                            "the setting {} that chooses the authentication is not set",
                            authenticator_selection_path.join(".")
                        ));
                    }
                    other => other.to_string(),
                };
                let model = authenticators.get(&name).ok_or_else(|| {
                    format!(
                        "the authentication '{name}' is not one of {}",
                        authenticators
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                Auth::build(Some(model), interpolator, context, base_override)?
            }
        })
    }

    /// The secrets this authentication sends, for hiding them in messages and records.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Auth::None => Vec::new(),
            Auth::Key { value, .. } | Auth::Bearer(value) => vec![value.clone()],
            Auth::Basic { username, password } => {
                let pair = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                vec![password.clone(), pair]
            }
            Auth::OAuth2(tokens) => tokens.secrets(),
            Auth::Session(tokens) => tokens.held().into_iter().collect(),
        }
    }

    /// Whether a 401 may be answered by fetching a new token.
    pub fn renews(&self) -> bool {
        matches!(self, Auth::OAuth2(_) | Auth::Session(_))
    }

    /// Adds the credential to a request; for OAuth2 fetches a token first when there is none
    /// (or `renew` asks for a new one). Returns the token sent, to hide it in messages.
    pub fn apply(
        &self,
        client: &reqwest::blocking::Client,
        allowed: Option<&AllowedHosts>,
        mut request: reqwest::blocking::RequestBuilder,
        query: &mut Vec<(String, String)>,
        renew: bool,
    ) -> Result<(reqwest::blocking::RequestBuilder, Option<String>), ComponentError> {
        Ok(match self {
            Auth::None => (request, None),
            Auth::Key {
                into: InjectInto::RequestParameter,
                name,
                value,
            } => {
                query.push((name.clone(), value.clone()));
                (request, None)
            }
            Auth::Key { name, value, .. } => (request.header(name.as_str(), value.as_str()), None),
            Auth::Basic { username, password } => {
                (request.basic_auth(username, Some(password)), None)
            }
            Auth::Bearer(token) => (request.bearer_auth(token), None),
            Auth::OAuth2(tokens) => {
                let token = tokens.token(client, allowed, renew)?;
                request = request.bearer_auth(&token);
                (request, Some(token))
            }
            Auth::Session(tokens) => tokens.apply(client, allowed, request, query, renew)?,
        })
    }
}

impl OAuthTokens {
    fn build(
        model: &OAuth,
        interpolator: &Interpolator,
        context: &Context,
    ) -> Result<OAuthTokens, String> {
        let text = |template: &Option<String>| {
            template
                .as_deref()
                .map(|template| interpolator.text(template, context))
                .transpose()
        };
        let endpoint = text(&model.token_refresh_endpoint)?
            .filter(|endpoint| !endpoint.is_empty())
            .ok_or("OAuthAuthenticator has no `token_refresh_endpoint`")?;
        let grant = text(&model.grant_type)?.unwrap_or_else(|| "refresh_token".into());
        let name = |given: &Option<String>, default: &str| {
            given.clone().unwrap_or_else(|| default.to_string())
        };
        let mut form = vec![(name(&model.grant_type_name, "grant_type"), grant.clone())];
        for (field, template) in [
            (name(&model.client_id_name, "client_id"), &model.client_id),
            (
                name(&model.client_secret_name, "client_secret"),
                &model.client_secret,
            ),
        ] {
            if let Some(value) = text(template)?.filter(|value| !value.is_empty()) {
                form.push((field, value));
            }
        }
        if grant == "refresh_token" {
            let refresh = text(&model.refresh_token)?
                .filter(|token| !token.is_empty())
                .ok_or(
                    "OAuthAuthenticator: the refresh token is empty; connect the account again",
                )?;
            form.push((name(&model.refresh_token_name, "refresh_token"), refresh));
        }
        if !model.scopes.is_empty() {
            form.push(("scope".into(), model.scopes.join(" ")));
        }
        for (field, template) in model.refresh_request_body.iter().flatten() {
            let value = match interpolator.value(template, context)? {
                Value::String(text) => text,
                other => other.to_string(),
            };
            form.push((field.clone(), value));
        }
        let initial = text(&model.access_token_value)?.filter(|token| !token.is_empty());
        let grant_secrets = [model.client_secret.as_ref(), model.refresh_token.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|template| text(&Some(template.clone())).ok().flatten())
            .filter(|value| !value.is_empty())
            .collect();
        Ok(OAuthTokens {
            endpoint,
            form,
            grant_secrets,
            token_field: model
                .access_token_name
                .clone()
                .unwrap_or_else(|| "access_token".into()),
            expires_field: model
                .expires_in_name
                .clone()
                .unwrap_or_else(|| "expires_in".into()),
            current: Mutex::new(initial.map(|token| (token, None))),
        })
    }

    fn secrets(&self) -> Vec<String> {
        let mut secrets = self.grant_secrets();
        if let Some((token, _)) = self.current.lock().expect("token lock").as_ref() {
            secrets.push(token.clone());
        }
        secrets
    }

    /// The client secret and refresh token the grant sends.
    fn grant_secrets(&self) -> Vec<String> {
        self.grant_secrets.clone()
    }

    /// A valid access token: the one held unless it expires within a minute or `renew`.
    fn token(
        &self,
        client: &reqwest::blocking::Client,
        allowed: Option<&AllowedHosts>,
        renew: bool,
    ) -> Result<String, ComponentError> {
        let mut current = self.current.lock().expect("token lock");
        if let Some((token, expires)) = current.as_ref()
            && !renew
            && expires.is_none_or(|at| at > Instant::now() + Duration::from_secs(60))
        {
            return Ok(token.clone());
        }
        let url = reqwest::Url::parse(&self.endpoint).map_err(|error| {
            ComponentError::failed(format!(
                "the token endpoint {} is not a URL: {error}",
                self.endpoint
            ))
        })?;
        if let Some(allowed) = allowed {
            allowed.check(&url).map_err(|problem| {
                ComponentError::failed(format!("the token endpoint: {problem}"))
            })?;
        }
        let redactor = crate::http::Redactor::default().with(self.grant_secrets());
        let response = client
            .post(url.clone())
            .header("Accept", "application/json")
            .form(&self.form)
            .send()
            .map_err(|error| {
                ComponentError::failed(redactor.scrub(&format!(
                    "the token endpoint {url} could not be reached: {}",
                    error.without_url()
                )))
            })?;
        let status = response.status();
        let body = crate::http::read_limited(response, 1 << 20).map_err(|problem| {
            ComponentError::failed(format!(
                "the token endpoint's answer could not be read: {problem}"
            ))
        })?;
        if !status.is_success() {
            return Err(ComponentError::failed(format!(
                "the token endpoint {url} refused to give an access token ({status}): {} — connect the account again or check the client id and secret",
                excerpt(&redactor.scrub_bytes(body.clone()))
            )));
        }
        let answer: Value = serde_json::from_slice(&body).map_err(|_| {
            ComponentError::failed(format!("the token endpoint {url} did not answer JSON"))
        })?;
        let token = answer
            .get(&self.token_field)
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ComponentError::failed(format!(
                    "the token endpoint {url} answered without `{}`",
                    self.token_field
                ))
            })?
            .to_string();
        let expires = answer
            .get(&self.expires_field)
            .and_then(|value| value.as_u64().or_else(|| value.as_str()?.parse().ok()))
            .map(|seconds| Instant::now() + Duration::from_secs(seconds.min(366 * 86_400)));
        *current = Some((token.clone(), expires));
        Ok(token)
    }
}
