//! A manifest's authenticator made ready for requests: API key (header or query), bearer, basic,
//! OAuth2 access tokens (see `oauth.rs`), a login's session token (see `session.rs`), and the
//! selective choice between them.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::Value;
use sluice_core::ComponentError;
use sluice_core::credential::CredentialAccess;

use super::interpolate::{Context, Interpolator};
use super::model::{Authenticator, InjectInto};
use super::oauth::OAuthTokens;
use super::session::SessionTokens;
use crate::http::AllowedHosts;

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

impl Auth {
    /// The authenticator of a requester, its templates evaluated with the connector's config;
    /// OAuth2 tokens are kept with `credential`.
    pub fn build(
        model: Option<&Authenticator>,
        interpolator: &Interpolator,
        context: &Context,
        base_override: Option<&str>,
        credential: Option<&Arc<dyn CredentialAccess>>,
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
            Authenticator::OAuthAuthenticator(oauth) => Auth::OAuth2(Box::new(OAuthTokens::build(
                oauth,
                interpolator,
                context,
                credential.cloned(),
            )?)),
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
                Auth::build(
                    Some(model),
                    interpolator,
                    context,
                    base_override,
                    credential,
                )?
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
