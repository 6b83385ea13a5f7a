//! How HTTP requests authenticate: a credential (API key, bearer token, basic, OAuth2; see
//! `credential_types.rs`) applied to a request. Secrets stay out of every message: URLs
//! are shown with a query-string key replaced by `***`, and texts are scrubbed of secret values.

use std::sync::Arc;

use reqwest::Url;
use reqwest::blocking::RequestBuilder;
use sluice_core::credential::{CredentialAccess, read_fields};

use super::credential_types::{API_KEY, BASIC, BEARER, KeyPlacement, OAUTH2};

/// The hosts a credential may be sent to (its `hosts` field): `api.example.com` (any port),
/// `127.0.0.1:8080` (that port only) or `*.example.com` (its subdomains).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    credential: String,
    hosts: Vec<String>,
}

impl AllowedHosts {
    /// The hosts `credential` may be sent to; `None` without a credential.
    pub fn of(credential: Option<&Arc<dyn CredentialAccess>>) -> Option<AllowedHosts> {
        let credential = credential?;
        let hosts = credential
            .field("hosts")
            .unwrap_or_default()
            .split([',', ' ', '\n'])
            .map(|host| host.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|host| !host.is_empty())
            .collect();
        Some(AllowedHosts {
            credential: credential.name().to_string(),
            hosts,
        })
    }

    /// Whether the credential may go with a request to `url`; if not, why, naming both. Over
    /// plain `http` it goes only to this machine, or to a host listed as `http://host`.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = url.port_or_known_default();
        let plain = url.scheme() == "http";
        let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
        let mut only_plain_refused = false;
        for entry in &self.hosts {
            let (entry, plain_listed) = match entry.strip_prefix("http://") {
                Some(rest) => (rest, true),
                None => (entry.strip_prefix("https://").unwrap_or(entry), false),
            };
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((name, port)) if !name.contains(':') => (name, port.parse::<u16>().ok()),
                _ => (entry, None),
            };
            let name_matches = match name.strip_prefix("*.") {
                // Subdomains of a domain name; an IP address has none.
                Some(domain) => url.domain().is_some() && host.ends_with(&format!(".{domain}")),
                None => host == name.trim_start_matches('[').trim_end_matches(']'),
            };
            if !(name_matches && entry_port.is_none_or(|entry_port| Some(entry_port) == port)) {
                continue;
            }
            if !plain || plain_listed || loopback {
                return Ok(());
            }
            only_plain_refused = true;
        }
        if only_plain_refused {
            return Err(format!(
                "the credential '{}' is not sent to {url} over plain http, where anyone on the network could read it: use https, or if you trust the network, add http://{host} to the credential's Hosts",
                self.credential
            ));
        }
        if self.hosts.is_empty() {
            return Err(format!(
                "the credential '{}' names no hosts it may be sent to, so it is not sent to {host}: add the API's host to its Hosts field (in Credentials, or `sluice credentials edit '{}' --field hosts={host}`)",
                self.credential, self.credential
            ));
        }
        Err(format!(
            "the credential '{}' may be sent only to {}; this request goes to {host}, so it was not sent. If you trust {host}, add it to the credential's Hosts",
            self.credential,
            self.hosts.join(", ")
        ))
    }
}

/// A credential ready to apply to requests.
#[derive(Clone, Default)]
pub enum Auth {
    /// An OAuth2 credential: a fresh access token for each request.
    OAuth2(Arc<dyn CredentialAccess>),
    #[default]
    None,
    Header {
        name: String,
        value: String,
    },
    Query {
        name: String,
        value: String,
    },
    Basic {
        username: String,
        password: String,
    },
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::OAuth2(_) => "Auth::OAuth2(***)",
            Auth::Header { .. } => "Auth::Header(***)",
            Auth::Query { .. } => "Auth::Query(***)",
            Auth::Basic { .. } => "Auth::Basic(***)",
            Auth::Bearer(_) => "Auth::Bearer(***)",
        })
    }
}

impl Auth {
    /// The auth a credential gives, or why it cannot be used.
    pub fn from_credential(credential: Option<Arc<dyn CredentialAccess>>) -> Result<Auth, String> {
        let Some(credential) = credential else {
            return Ok(Auth::None);
        };
        match credential.kind() {
            API_KEY => {
                let fields: super::credential_types::ApiKey = read_fields(credential.as_ref())?;
                let (name, value) = (fields.parameter, fields.key);
                Ok(match fields.placement {
                    KeyPlacement::Query => Auth::Query { name, value },
                    KeyPlacement::Header => Auth::Header { name, value },
                })
            }
            BEARER => {
                let fields: super::credential_types::Bearer = read_fields(credential.as_ref())?;
                Ok(Auth::Bearer(fields.token))
            }
            BASIC => {
                let fields: super::credential_types::Basic = read_fields(credential.as_ref())?;
                Ok(Auth::Basic {
                    username: fields.username,
                    password: fields.password,
                })
            }
            OAUTH2 => Ok(Auth::OAuth2(credential.clone())),
            other => Err(format!(
                "the credential '{}' is a {other} credential, which HTTP requests cannot use",
                credential.name()
            )),
        }
    }

    /// The URL to request: with the key in the query string when that is where it goes.
    pub fn url(&self, url: &Url) -> Url {
        match self {
            Auth::Query { name, value } => {
                let mut url = url.clone();
                url.query_pairs_mut().append_pair(name, value);
                url
            }
            _ => url.clone(),
        }
    }

    /// Adds the credential's header, if it goes in one. For OAuth2, `rejected` is the token
    /// the API just refused (a new one is fetched); returns the token sent, if any.
    pub fn apply(
        &self,
        request: RequestBuilder,
        rejected: Option<&str>,
    ) -> Result<(RequestBuilder, Option<String>), String> {
        Ok(match self {
            Auth::Header { name, value } => (request.header(name.as_str(), value.as_str()), None),
            Auth::Basic { username, password } => {
                (request.basic_auth(username, Some(password)), None)
            }
            Auth::Bearer(token) => (request.bearer_auth(token), None),
            Auth::OAuth2(credential) => {
                let token = credential.access_token(rejected)?;
                (request.bearer_auth(&token), Some(token))
            }
            Auth::None | Auth::Query { .. } => (request, None),
        })
    }

    /// What hides this credential's secrets in text (for OAuth2, the tokens stored now).
    pub fn redactor(&self) -> Redactor {
        let secrets = match self {
            Auth::Header { value, .. } | Auth::Query { value, .. } => vec![value.clone()],
            Auth::Basic { username, password } => {
                use base64::Engine;
                let pair = format!("{username}:{password}");
                vec![
                    password.clone(),
                    base64::engine::general_purpose::STANDARD.encode(pair),
                ]
            }
            Auth::Bearer(token) => vec![token.clone()],
            Auth::OAuth2(credential) => ["access_token", "refresh_token", "client_secret"]
                .iter()
                .filter_map(|field| credential.field(field))
                .collect(),
            Auth::None => Vec::new(),
        };
        Redactor::default().with(secrets)
    }
}

/// Hides secrets in text — errors, logs, response bodies that become records — in every form a
/// server may echo them or a message may carry them: as they are, URL-encoded (as a query string
/// carries them, `+` or `%20` for a space), and JSON-escaped; basic authentication adds the
/// base64 of `user:password` (see [`Auth::redactor`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Longest first, so a form inside another is not replaced half.
    forms: Vec<String>,
}

impl Redactor {
    /// The same, hiding `secrets` too.
    pub fn with(mut self, secrets: impl IntoIterator<Item = String>) -> Redactor {
        for secret in secrets.into_iter().filter(|secret| !secret.is_empty()) {
            let mut query = Url::parse("http://x/").expect("a URL");
            query.query_pairs_mut().append_pair("s", &secret);
            let url_encoded = query.query().unwrap_or_default()[2..].to_string();
            let json = serde_json::to_string(&secret).unwrap_or_default();
            let json_escaped = json[1..json.len().saturating_sub(1).max(1)].to_string();
            self.forms.extend([
                url_encoded.replace('+', "%20"),
                url_encoded,
                json_escaped,
                secret,
            ]);
        }
        self.forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        self.forms.dedup();
        self
    }

    /// `text` with every form of every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for form in self.forms.iter().filter(|form| !form.is_empty()) {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), "***");
            }
        }
        text
    }

    /// A response body with its secrets hidden (a body that is not text is given back as is).
    pub fn scrub_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        match String::from_utf8(body) {
            Ok(text) if self.forms.iter().any(|form| text.contains(form.as_str())) => {
                self.scrub(&text).into_bytes()
            }
            Ok(text) => text.into_bytes(),
            Err(error) => error.into_bytes(),
        }
    }
}

/// "Test connection" for HTTP credentials: GET the test URL with the credential.
pub(super) fn test_with_request(credential: Arc<dyn CredentialAccess>) -> Result<String, String> {
    let Some(test_url) = credential.field("test_url").filter(|url| !url.is_empty()) else {
        return Err(format!(
            "the credential '{}' has no test URL: add one (a URL that answers 2xx when the credential works, e.g. https://api.github.com/user)",
            credential.name()
        ));
    };
    let url = Url::parse(&test_url)
        .map_err(|error| format!("the test URL {test_url} is not a URL: {error}"))?;
    if let Some(allowed) = AllowedHosts::of(Some(&credential)) {
        allowed.check(&url)?;
    }
    let auth = Auth::from_credential(Some(credential.clone()))?;
    let client = super::client::build_client(
        std::time::Duration::from_secs(20),
        AllowedHosts::of(Some(&credential)),
    )?;
    let (request, token) = auth.apply(client.get(auth.url(&url)), None)?;
    let redactor = auth.redactor().with(token);
    let response = request.send().map_err(|error| {
        redactor.scrub(&format!("could not reach {url}: {}", error.without_url()))
    })?;
    let status = response.status();
    if status.is_success() {
        Ok(format!("{url} answered {status}: the credential works"))
    } else if status == reqwest::StatusCode::UNAUTHORIZED
        || status == reqwest::StatusCode::FORBIDDEN
    {
        Err(format!(
            "{url} answered {status}: the credential was refused"
        ))
    } else {
        Err(format!("{url} answered {status}"))
    }
}
