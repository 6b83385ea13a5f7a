//! The HTTP connector's credential types as typed structs: the form (a JSON Schema) is derived
//! from them — doc comments are the help, secret fields `writeOnly` — and a credential's values
//! are read back into them when a request is authenticated.

// Each struct declares all its type's fields (they make the form); some are read by name where
// every credential type is handled alike — `hosts` by the host check, `test_url` by Test
// connection, OAuth2's tokens by the runtime's token machinery — not through the struct.
#![allow(dead_code)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::credential::CredentialType;

pub const API_KEY: &str = "http.api_key";
pub const BEARER: &str = "http.bearer";
pub const BASIC: &str = "http.basic";
pub const OAUTH2: &str = "oauth2";

/// The credential types of the HTTP connector.
pub fn credential_types() -> Vec<CredentialType> {
    vec![
        CredentialType::typed::<ApiKey>(API_KEY, "API key", "A key sent with every request, in a header or the query string.")
            .with_test(super::auth::test_with_request),
        CredentialType::typed::<Bearer>(BEARER, "Bearer token", "A token sent as `Authorization: Bearer …` (personal access tokens, most APIs).")
            .with_test(super::auth::test_with_request),
        CredentialType::typed::<Basic>(BASIC, "Username and password", "HTTP basic authentication.")
            .with_test(super::auth::test_with_request),
        CredentialType::typed::<OAuth2>(
            OAUTH2,
            "OAuth2",
            "Sign in with the provider (authorization code with PKCE in your browser), or an app's client credentials. Sluice refreshes the access token before it expires.",
        )
        .with_test(super::auth::test_with_request),
    ]
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum KeyPlacement {
    #[default]
    Header,
    Query,
}

/// An API key sent with every request.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ApiKey {
    /// A request header, or a query-string parameter.
    #[schemars(title = "Send it in")]
    #[serde(default)]
    pub placement: KeyPlacement,
    /// e.g. X-API-Key, Authorization, api_key.
    #[schemars(title = "Header or parameter name")]
    #[serde(default = "default_key_name")]
    pub parameter: String,
    /// The API key.
    #[schemars(title = "Key", extend("writeOnly" = true))]
    pub key: String,
    /// A URL that answers 2xx when the credential works (e.g. https://api.github.com/user), for Test connection.
    #[schemars(title = "Test URL", extend("format" = "uri"))]
    pub test_url: Option<String>,
    /// The hosts this credential may be sent to, separated by commas (e.g. api.github.com, *.example.com, 127.0.0.1:8080). A request to any other host fails before it is sent, as does one over plain http to another machine unless it is listed as http://host. Filled from the test URL when left empty.
    #[schemars(title = "Hosts", extend("x-sluice-hosts-from" = ["test_url"]))]
    pub hosts: Option<String>,
}

fn default_key_name() -> String {
    "X-API-Key".into()
}

/// A bearer token.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Bearer {
    /// The token.
    #[schemars(title = "Token", extend("writeOnly" = true))]
    pub token: String,
    /// A URL that answers 2xx when the credential works (e.g. https://api.github.com/user), for Test connection.
    #[schemars(title = "Test URL", extend("format" = "uri"))]
    pub test_url: Option<String>,
    /// The hosts this credential may be sent to, separated by commas (e.g. api.github.com, *.example.com, 127.0.0.1:8080). A request to any other host fails before it is sent, as does one over plain http to another machine unless it is listed as http://host. Filled from the test URL when left empty.
    #[schemars(title = "Hosts", extend("x-sluice-hosts-from" = ["test_url"]))]
    pub hosts: Option<String>,
}

/// A username and password.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Basic {
    /// The username.
    #[schemars(title = "Username")]
    pub username: String,
    /// The password.
    #[schemars(title = "Password", extend("writeOnly" = true))]
    pub password: String,
    /// A URL that answers 2xx when the credential works (e.g. https://api.github.com/user), for Test connection.
    #[schemars(title = "Test URL", extend("format" = "uri"))]
    pub test_url: Option<String>,
    /// The hosts this credential may be sent to, separated by commas (e.g. api.github.com, *.example.com, 127.0.0.1:8080). A request to any other host fails before it is sent, as does one over plain http to another machine unless it is listed as http://host. Filled from the test URL when left empty.
    #[schemars(title = "Hosts", extend("x-sluice-hosts-from" = ["test_url"]))]
    pub hosts: Option<String>,
}

/// How an OAuth2 credential signs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Grant {
    #[default]
    AuthorizationCode,
    ClientCredentials,
}

/// An OAuth2 client; Sluice keeps the tokens it gets.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OAuth2 {
    /// authorization_code: you sign in in the browser. client_credentials: the app signs in with its own secret.
    #[schemars(title = "Grant")]
    #[serde(default)]
    pub grant: Grant,
    /// Where the browser signs in, e.g. https://github.com/login/oauth/authorize.
    #[schemars(title = "Authorization URL", extend("format" = "uri"))]
    pub authorization_url: Option<String>,
    /// e.g. https://github.com/login/oauth/access_token.
    #[schemars(title = "Token URL", extend("format" = "uri"))]
    pub token_url: String,
    /// Where Disconnect revokes the tokens (RFC 7009), if the provider has one.
    #[schemars(title = "Revocation URL", extend("format" = "uri"))]
    pub revocation_url: Option<String>,
    /// The app's client ID.
    #[schemars(title = "Client ID")]
    pub client_id: String,
    /// Leave empty for a public client (PKCE only).
    #[schemars(title = "Client secret", extend("writeOnly" = true))]
    pub client_secret: Option<String>,
    /// Space-separated, e.g. `repo read:user`.
    #[schemars(title = "Scopes")]
    pub scopes: Option<String>,
    /// A URL that answers 2xx when the credential works (e.g. https://api.github.com/user), for Test connection.
    #[schemars(title = "Test URL", extend("format" = "uri"))]
    pub test_url: Option<String>,
    /// The hosts this credential may be sent to, separated by commas (e.g. api.github.com, *.example.com, 127.0.0.1:8080). A request to any other host fails before it is sent, as does one over plain http to another machine unless it is listed as http://host. Filled from the test and token URLs when left empty.
    #[schemars(title = "Hosts", extend("x-sluice-hosts-from" = ["test_url", "token_url"]))]
    pub hosts: Option<String>,
    /// The access token Sluice got (kept by Sluice).
    #[schemars(extend("writeOnly" = true, "x-sluice-managed" = true))]
    pub access_token: Option<String>,
    /// The refresh token Sluice got (kept by Sluice).
    #[schemars(extend("writeOnly" = true, "x-sluice-managed" = true))]
    pub refresh_token: Option<String>,
    /// When the access token expires (kept by Sluice).
    #[schemars(extend("x-sluice-managed" = true))]
    pub expires_at: Option<String>,
}
