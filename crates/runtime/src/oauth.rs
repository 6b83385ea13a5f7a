//! OAuth2 credentials: connecting (authorization code with PKCE through the system browser and a
//! loopback redirect on 127.0.0.1, RFC 8252; or the client credentials grant), access tokens
//! refreshed ahead of expiry — one refresh at a time per credential, across processes too (a
//! lock file), a rotated refresh token stored at once — and disconnecting, which revokes where the provider supports it. Requests go
//! through the workspace's reqwest (blocking) via the oauth2 crate's HTTP client hook.

use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenResponse, TokenUrl,
};
use sluice_core::credential::CredentialAccess;
use sluice_store::StoredCredential;

use crate::oauth_loopback::wait_for_code;
use crate::secrets::SecretKey;
use crate::{CredentialInfo, Error, Result, Sluice};

/// The credential type connectors declare for OAuth2.
pub const OAUTH2: &str = "oauth2";
/// Refresh when the access token has less than this left.
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

type OAuthClient =
    BasicClient<EndpointMaybeSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet>;

/// The client for token endpoints and revocation, made once: no redirects (RFC 6749 §3.1.2).
fn token_client() -> std::result::Result<&'static reqwest::blocking::Client, reqwest::Error> {
    static CLIENT: std::sync::OnceLock<reqwest::blocking::Client> = std::sync::OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client);
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    Ok(CLIENT.get_or_init(|| client))
}

/// Sends the oauth2 crate's requests (its HTTP client hook) with [`token_client`].
fn send(request: oauth2::HttpRequest) -> std::result::Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let mut outgoing = token_client()?
        .request(parts.method, parts.uri.to_string())
        .body(body);
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name, value);
    }
    let response = outgoing.send()?;
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes()?.to_vec();
    Ok(builder.body(body).expect("a response from valid parts"))
}

pub(crate) fn field(stored: &StoredCredential, name: &str) -> Option<String> {
    stored
        .fields
        .get(name)
        .and_then(|value| value.as_str())
        .map(str::to_string)
        .filter(|value| !value.is_empty())
}

fn url_field<T>(
    stored: &StoredCredential,
    name: &str,
    parse: fn(String) -> std::result::Result<T, url::ParseError>,
) -> Result<Option<T>> {
    field(stored, name)
        .map(|text| {
            parse(text.clone()).map_err(|error| {
                Error::Credential(format!(
                    "the credential '{}': {name} is not a URL ({text}): {error}",
                    stored.name
                ))
            })
        })
        .transpose()
}

impl Sluice {
    pub(crate) fn secret(&self, stored: &StoredCredential, name: &str) -> Result<Option<String>> {
        self.secrets().get(&SecretKey {
            credential_id: &stored.id,
            credential_name: &stored.name,
            field: name,
        })
    }

    fn oauth_client(&self, stored: &StoredCredential) -> Result<OAuthClient> {
        if stored.kind != OAUTH2 {
            return Err(Error::Credential(format!(
                "the credential '{}' is not an OAuth2 credential",
                stored.name
            )));
        }
        let client_id = field(stored, "client_id").ok_or_else(|| {
            Error::Credential(format!("the credential '{}' has no client_id", stored.name))
        })?;
        let mut client = BasicClient::new(ClientId::new(client_id))
            .set_auth_uri_option(url_field(stored, "authorization_url", AuthUrl::new)?)
            .set_token_uri_option(url_field(stored, "token_url", TokenUrl::new)?);
        if let Some(secret) = self.secret(stored, "client_secret")? {
            client = client.set_client_secret(ClientSecret::new(secret));
        }
        Ok(client)
    }

    fn scopes(stored: &StoredCredential) -> Vec<Scope> {
        field(stored, "scopes")
            .unwrap_or_default()
            .split([' ', ','])
            .filter(|scope| !scope.is_empty())
            .map(|scope| Scope::new(scope.to_string()))
            .collect()
    }

    /// Stores what a token endpoint answered: the access token, its expiry, and a new refresh
    /// token when the provider rotated it (kept otherwise). Returns the expiry.
    fn store_tokens(
        &self,
        stored: &StoredCredential,
        tokens: &oauth2::basic::BasicTokenResponse,
    ) -> Result<Option<DateTime<Utc>>> {
        let key = |field| SecretKey {
            credential_id: &stored.id,
            credential_name: &stored.name,
            field,
        };
        self.secrets()
            .set(&key("access_token"), tokens.access_token().secret())?;
        if let Some(refresh) = tokens.refresh_token() {
            self.secrets()
                .set(&key("refresh_token"), refresh.secret())?;
        }
        let mut updated = stored.clone();
        let expires_at = tokens.expires_in().map(|lifetime| {
            Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::zero())
        });
        match expires_at {
            Some(at) => {
                updated.fields.insert(
                    "expires_at".into(),
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into(),
                );
            }
            None => {
                updated.fields.remove("expires_at");
            }
        }
        let mut newly_set = vec!["access_token"];
        if tokens.refresh_token().is_some() {
            newly_set.push("refresh_token");
        }
        for field in newly_set {
            if !updated.secret_fields.iter().any(|name| name == field) {
                updated.secret_fields.push(field.into());
            }
        }
        updated.secret_fields.sort();
        self.store().save_credential(&updated)?;
        Ok(expires_at)
    }

    fn stored_oauth(&self, name: &str) -> Result<StoredCredential> {
        self.store().credential_by_name(name)?.ok_or_else(|| {
            Error::NotFound(format!(
                "there is no credential named '{name}'; `sluice credentials list` shows them"
            ))
        })
    }

    /// Connects an OAuth2 credential. With the authorization code grant: listens on 127.0.0.1
    /// on a free port, hands `open_browser` the provider's sign-in URL (PKCE S256, a random
    /// state), waits up to `patience` for the browser to come back, checks the state and
    /// exchanges the code. With client credentials: asks the token endpoint directly.
    /// Blocking: call it off the async runtime.
    pub fn connect_oauth2(
        &self,
        name: &str,
        open_browser: &dyn Fn(&str) -> std::result::Result<(), String>,
        patience: Duration,
    ) -> Result<CredentialInfo> {
        let stored = self.stored_oauth(name)?;
        let client = self.oauth_client(&stored)?;
        let failed = |what: &str, error: &dyn std::fmt::Display| {
            Error::Credential(format!("connecting '{name}': {what}: {error}"))
        };
        let tokens = if field(&stored, "grant").as_deref() == Some("client_credentials") {
            client
                .exchange_client_credentials()
                .map_err(|error| failed("the token URL is missing", &error))?
                .add_scopes(Self::scopes(&stored))
                .request(&send)
                .map_err(|error| failed("the token endpoint refused", &describe(&error)))?
        } else {
            let listener = TcpListener::bind("127.0.0.1:0")
                .map_err(|error| failed("cannot listen on 127.0.0.1", &error))?;
            let port = listener
                .local_addr()
                .map_err(|error| failed("no port", &error))?
                .port();
            let redirect = RedirectUrl::new(format!("http://127.0.0.1:{port}/callback"))
                .expect("a valid loopback URL");
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            let (url, state) = client
                .authorize_url(CsrfToken::new_random)
                .map_err(|error| failed("the authorization URL is missing", &error))?
                .add_scopes(Self::scopes(&stored))
                .set_pkce_challenge(challenge)
                .set_redirect_uri(std::borrow::Cow::Borrowed(&redirect))
                .url();
            open_browser(url.as_str())
                .map_err(|error| failed("cannot open the browser", &error))?;
            let code = wait_for_code(&listener, state.secret(), patience)
                .map_err(|error| failed("the sign-in did not complete", &error))?;
            client
                .exchange_code(AuthorizationCode::new(code))
                .map_err(|error| failed("the token URL is missing", &error))?
                .set_pkce_verifier(verifier)
                .set_redirect_uri(std::borrow::Cow::Borrowed(&redirect))
                .request(&send)
                .map_err(|error| failed("the token endpoint refused the code", &describe(&error)))?
        };
        self.store_tokens(&stored, &tokens)?;
        self.credential(name)
    }

    /// Disconnects an OAuth2 credential: revokes its refresh token (or access token) where the
    /// provider has a revocation URL, then forgets the tokens. The credential itself stays.
    pub fn disconnect_oauth2(&self, name: &str) -> Result<()> {
        let stored = self.stored_oauth(name)?;
        if let Some(revocation_url) =
            url_field(&stored, "revocation_url", |text| url::Url::parse(&text))?
        {
            let token = match (
                self.secret(&stored, "refresh_token")?,
                self.secret(&stored, "access_token")?,
            ) {
                (Some(refresh), _) => Some((refresh, "refresh_token")),
                (None, Some(access)) => Some((access, "access_token")),
                (None, None) => None,
            };
            if let Some((token, hint)) = token {
                self.revoke(&stored, revocation_url, &token, hint)?;
            }
        }
        for field in ["access_token", "refresh_token"] {
            self.secrets().delete(&SecretKey {
                credential_id: &stored.id,
                credential_name: &stored.name,
                field,
            })?;
        }
        let mut updated = stored;
        updated.fields.remove("expires_at");
        updated
            .secret_fields
            .retain(|field| field != "access_token" && field != "refresh_token");
        self.store().save_credential(&updated)?;
        Ok(())
    }

    /// A valid access token for the OAuth2 credential `id`: the stored one while it has more
    /// than a minute left, else a refreshed one (client credentials: a new one). `rejected`
    /// says the API refused the current token (a 401): refresh regardless. One refresh at a
    /// time per credential; a run that waited for another's refresh uses its result.
    pub(crate) fn oauth2_access_token(
        &self,
        id: &str,
        rejected: Option<&str>,
    ) -> Result<(String, Option<DateTime<Utc>>)> {
        let lock = self.credential_lock(id);
        let _serialised = lock.lock().expect("token lock");
        // And across processes (the studio and `sluice daemon` on one machine): a lock file.
        let _across_processes = self.lock_credential_file(id)?;
        let stored = self
            .store()
            .credential_by_id(id)?
            .ok_or_else(|| Error::Credential("the OAuth2 credential was removed".into()))?;
        let current = self.secret(&stored, "access_token")?;
        let expires_at =
            field(&stored, "expires_at").and_then(|text| text.parse::<DateTime<Utc>>().ok());
        match (&current, rejected) {
            // Another run refreshed while this one waited: its token is new, use it.
            (Some(token), Some(refused)) if token != refused => {
                return Ok((token.clone(), expires_at));
            }
            (Some(token), None) if is_fresh(expires_at) => return Ok((token.clone(), expires_at)),
            _ => {}
        }
        let client = self.oauth_client(&stored)?;
        let name = &stored.name;
        let tokens = if field(&stored, "grant").as_deref() == Some("client_credentials") {
            client
                .exchange_client_credentials()
                .map_err(|error| Error::Credential(format!("'{name}': {error}")))?
                .add_scopes(Self::scopes(&stored))
                .request(&send)
        } else {
            let refresh = self.secret(&stored, "refresh_token")?.ok_or_else(|| {
                Error::Credential(format!(
                    "the OAuth2 credential '{name}' is not connected (or its access expired \
                     without a refresh token): connect it in the Credentials view"
                ))
            })?;
            client
                .exchange_refresh_token(&RefreshToken::new(refresh))
                .map_err(|error| Error::Credential(format!("'{name}': {error}")))?
                .request(&send)
        }
        .map_err(|error| {
            Error::Credential(format!(
                "the OAuth2 credential '{name}' could not be refreshed ({}): connect it again in \
                 the Credentials view",
                describe(&error)
            ))
        })?;
        let expires_at = self.store_tokens(&stored, &tokens)?;
        tracing::info!(credential = %name, "refreshed an OAuth2 access token");
        Ok((tokens.access_token().secret().clone(), expires_at))
    }
}

impl Sluice {
    /// Revokes a token (RFC 7009): a form POST with the client's authentication. Over HTTPS,
    /// or plain HTTP to this machine only.
    fn revoke(
        &self,
        stored: &StoredCredential,
        url: url::Url,
        token: &str,
        hint: &str,
    ) -> Result<()> {
        let name = &stored.name;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !loopback {
            return Err(Error::Credential(format!(
                "'{name}': the revocation URL must use https ({url})"
            )));
        }
        let client_id = field(stored, "client_id").unwrap_or_default();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("token_type_hint", hint)
            .append_pair("client_id", &client_id)
            .finish();
        let mut request = token_client()
            .map_err(|error| Error::Credential(error.to_string()))?
            .post(url.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(secret) = self.secret(stored, "client_secret")? {
            request = request.basic_auth(&client_id, Some(secret));
        }
        let response = request.send().map_err(|error| {
            Error::Credential(format!(
                "cannot reach the revocation URL {url} for '{name}': {}",
                error.without_url()
            ))
        })?;
        if !response.status().is_success() {
            return Err(Error::Credential(format!(
                "the provider did not revoke '{name}' ({url} answered {})",
                response.status()
            )));
        }
        Ok(())
    }
}

/// Whether a token expiring at `expires_at` has more than [`REFRESH_AHEAD`] left (one without a
/// known expiry is taken as fresh).
pub(crate) fn is_fresh(expires_at: Option<DateTime<Utc>>) -> bool {
    expires_at.is_none_or(|at| {
        at - Utc::now() > chrono::Duration::from_std(REFRESH_AHEAD).expect("a small duration")
    })
}

/// An OAuth2 error without token values: the error code and the provider's description.
fn describe<E, R>(error: &oauth2::RequestTokenError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: oauth2::ErrorResponse + std::fmt::Display,
{
    match error {
        oauth2::RequestTokenError::ServerResponse(response) => response.to_string(),
        oauth2::RequestTokenError::Request(error) => format!("the request failed: {error}"),
        oauth2::RequestTokenError::Parse(error, _) => format!("an unreadable answer: {error}"),
        oauth2::RequestTokenError::Other(text) => text.clone(),
    }
}

/// An OAuth2 credential during a run: its fields, and access tokens from [`Sluice`].
pub(crate) struct OAuthCredential {
    pub sluice: Sluice,
    pub id: String,
    pub name: String,
    pub fields: std::collections::BTreeMap<String, String>,
    /// The token this run last got and its expiry: the keychain is asked again only when it
    /// nears expiry or an API refuses it.
    pub current: Mutex<Option<(String, Option<DateTime<Utc>>)>>,
}

impl std::fmt::Debug for OAuthCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthCredential")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl CredentialAccess for OAuthCredential {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &str {
        OAUTH2
    }

    fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    fn access_token(&self, rejected: Option<&str>) -> std::result::Result<String, String> {
        let mut current = self.current.lock().expect("token cache");
        if let (Some((token, expires_at)), None) = (current.as_ref(), rejected)
            && is_fresh(*expires_at)
        {
            return Ok(token.clone());
        }
        let (token, expires_at) = self
            .sluice
            .oauth2_access_token(&self.id, rejected)
            .map_err(|error| error.to_string())?;
        *current = Some((token.clone(), expires_at));
        Ok(token)
    }
}
