//! The manifest's authenticators and error handlers as typed values (see `model.rs`).

// The variants are Airbyte's component names, as manifests write them in `type`.
#![allow(clippy::enum_variant_names)]

use serde::Deserialize;
use serde_json::{Map, Value};

use super::model::{RequestOption, Requester};

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Authenticator {
    NoAuth {},
    ApiKeyAuthenticator {
        api_token: String,
        #[serde(default)]
        header: Option<String>,
        #[serde(default)]
        inject_into: Option<RequestOption>,
    },
    BearerAuthenticator {
        api_token: String,
    },
    BasicHttpAuthenticator {
        username: String,
        #[serde(default)]
        password: Option<String>,
    },
    OAuthAuthenticator(Box<OAuth>),
    SessionTokenAuthenticator(Box<SessionToken>),
    SelectiveAuthenticator {
        authenticator_selection_path: Vec<String>,
        authenticators: std::collections::BTreeMap<String, Authenticator>,
    },
}

/// `SessionTokenAuthenticator`: a login request whose answer holds a session token.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionToken {
    pub login_requester: Requester,
    pub session_token_path: Vec<String>,
    #[serde(default)]
    pub expiration_duration: Option<String>,
    pub request_authentication: SessionInjection,
}

/// How a session token goes with requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum SessionInjection {
    ApiKey { inject_into: RequestOption },
    Bearer {},
}

/// `OAuthAuthenticator`: an access token from the refresh-token (or client-credentials) grant.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuth {
    #[serde(default)]
    pub token_refresh_endpoint: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub grant_type: Option<String>,
    #[serde(default)]
    pub refresh_request_body: Option<Map<String, Value>>,
    #[serde(default)]
    pub access_token_name: Option<String>,
    #[serde(default)]
    pub expires_in_name: Option<String>,
    #[serde(default)]
    pub access_token_value: Option<String>,
    #[serde(default)]
    pub client_id_name: Option<String>,
    #[serde(default)]
    pub client_secret_name: Option<String>,
    #[serde(default)]
    pub refresh_token_name: Option<String>,
    #[serde(default)]
    pub grant_type_name: Option<String>,
    /// The provider rotates the refresh token: where the new one is written.
    #[serde(default)]
    pub refresh_token_updater: Option<RefreshTokenUpdater>,
}

/// `refresh_token_updater`: a refresh token that changes at every refresh.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RefreshTokenUpdater {
    /// The new token's field in the token endpoint's answer.
    #[serde(default)]
    pub refresh_token_name: Option<String>,
    /// Where in the settings the refresh token is (default `credentials.refresh_token`).
    #[serde(default)]
    pub refresh_token_config_path: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum ErrorHandler {
    DefaultErrorHandler(DefaultErrorHandler),
    CompositeErrorHandler { error_handlers: Vec<ErrorHandler> },
}

/// `DefaultErrorHandler`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DefaultErrorHandler {
    #[serde(default)]
    pub response_filters: Vec<ResponseFilter>,
    #[serde(default)]
    pub backoff_strategies: Vec<Backoff>,
    #[serde(default)]
    pub max_retries: Option<u32>,
    #[serde(default)]
    pub max_time: Option<u64>,
}

/// `HttpResponseFilter`.
#[derive(Debug, Clone, Deserialize)]
pub struct ResponseFilter {
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub http_codes: Vec<u16>,
    #[serde(default)]
    pub error_message_contains: Option<String>,
    #[serde(default)]
    pub predicate: Option<Value>,
    #[serde(default)]
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
pub enum Backoff {
    ExponentialBackoffStrategy {
        #[serde(default)]
        factor: Option<Value>,
    },
    ConstantBackoffStrategy {
        backoff_time_in_seconds: Value,
    },
    WaitTimeFromHeader {
        header: String,
        #[serde(default)]
        regex: Option<String>,
        #[serde(default)]
        max_waiting_time_in_seconds: Option<f64>,
    },
    WaitUntilTimeFromHeader {
        header: String,
        #[serde(default)]
        min_wait: Option<Value>,
        #[serde(default)]
        regex: Option<String>,
    },
}
