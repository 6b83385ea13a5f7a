//! A manifest's OAuth2 access tokens: asked of its token endpoint with the refresh-token or
//! client-credentials grant in the manifest's own terms (field names, extra body), and kept with
//! the credential through Sluice's token machinery — reused across runs while fresh, fetched by
//! one run at a time, renewed before expiry and once after a 401, and a rotated refresh token
//! kept before the new access token is used.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sluice_core::ComponentError;
use sluice_core::credential::{CredentialAccess, IssuedToken};

use super::interpolate::{Context, Interpolator};
use super::model::OAuth;
use crate::http::{AllowedHosts, Redactor, excerpt};

/// OAuth2 tokens for one read.
#[derive(Debug)]
pub struct OAuthTokens {
    endpoint: String,
    form: Vec<(String, String)>,
    /// The refresh token's place in `form` and the setting it comes from, when one holds it.
    refresh: Option<RefreshToken>,
    /// The client secret and refresh token the grant sends.
    grant_secrets: Vec<String>,
    token_field: String,
    expires_field: String,
    /// Where tokens are kept between runs; without one, each read fetches its own.
    credential: Option<Arc<dyn CredentialAccess>>,
    current: Mutex<Option<(String, Option<Instant>)>>,
}

/// Where the grant's refresh token is.
#[derive(Debug)]
struct RefreshToken {
    /// Its index in the form.
    at: usize,
    /// The setting holding it (e.g. `credentials.refresh_token`), kept by the credential.
    setting: Option<String>,
    /// The field of the token endpoint's answer that brings a rotated one.
    answer_field: String,
}

impl OAuthTokens {
    /// The grant of `model`, its templates evaluated with the read's settings.
    pub fn build(
        model: &OAuth,
        interpolator: &Interpolator,
        context: &Context,
        credential: Option<Arc<dyn CredentialAccess>>,
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
        let mut refresh = None;
        if grant == "refresh_token" {
            let token = text(&model.refresh_token)?
                .filter(|token| !token.is_empty())
                .ok_or(
                    "OAuthAuthenticator: the refresh token is empty; connect the account again",
                )?;
            let field_name = name(&model.refresh_token_name, "refresh_token");
            let updater = model.refresh_token_updater.as_ref();
            let setting =
                match updater.and_then(|updater| updater.refresh_token_config_path.clone()) {
                    Some(path) => Some(path.join(".")),
                    None if updater.is_some() => Some("credentials.refresh_token".into()),
                    None => model.refresh_token.as_deref().and_then(setting_read_by),
                };
            refresh = Some(RefreshToken {
                at: form.len(),
                setting: setting.filter(|setting| {
                    credential
                        .as_ref()
                        .is_some_and(|credential| credential.field(setting).is_some())
                }),
                answer_field: updater
                    .and_then(|updater| updater.refresh_token_name.clone())
                    .unwrap_or_else(|| field_name.clone()),
            });
            form.push((field_name, token));
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
            refresh,
            grant_secrets,
            token_field: name(&model.access_token_name, "access_token"),
            expires_field: name(&model.expires_in_name, "expires_in"),
            credential,
            current: Mutex::new(initial.map(|token| (token, None))),
        })
    }

    /// The client secret, refresh token and access token held, for hiding them.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = self.grant_secrets.clone();
        if let Some((token, _)) = self.current.lock().expect("token lock").as_ref() {
            secrets.push(token.clone());
        }
        secrets
    }

    /// A valid access token: the one held unless it expires within a minute or `renew` (the
    /// API refused it); then the credential's kept one, or a new one from the token endpoint.
    pub fn token(
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
        let rejected = current
            .as_ref()
            .filter(|_| renew)
            .map(|(token, _)| token.clone());
        let mut fetch =
            |fields: &dyn Fn(&str) -> Option<String>| self.fetch(client, allowed, fields);
        let issued = match &self.credential {
            Some(credential) => credential.kept_token(rejected.as_deref(), &mut fetch),
            None => fetch(&|_| None),
        }
        .map_err(ComponentError::failed)?;
        let expires = issued.expires_in.map(|lifetime| Instant::now() + lifetime);
        *current = Some((issued.access_token.clone(), expires));
        Ok(issued.access_token)
    }

    /// Asks the token endpoint, with the refresh token the credential holds now (`fields`).
    fn fetch(
        &self,
        client: &reqwest::blocking::Client,
        allowed: Option<&AllowedHosts>,
        fields: &dyn Fn(&str) -> Option<String>,
    ) -> Result<IssuedToken, String> {
        let mut form = self.form.clone();
        let mut secrets = self.grant_secrets.clone();
        if let Some(refresh) = &self.refresh
            && let Some(held) = refresh.setting.as_deref().and_then(fields)
            && !held.is_empty()
        {
            secrets.push(held.clone());
            form[refresh.at].1 = held;
        }
        let redactor = Redactor::default().with(secrets);
        let url = reqwest::Url::parse(&self.endpoint).map_err(|error| {
            format!("the token endpoint {} is not a URL: {error}", self.endpoint)
        })?;
        if let Some(allowed) = allowed {
            allowed
                .check(&url)
                .map_err(|problem| format!("the token endpoint: {problem}"))?;
        }
        let response = client
            .post(url.clone())
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .map_err(|error| {
                redactor.scrub(&format!(
                    "the token endpoint {url} could not be reached: {}",
                    error.without_url()
                ))
            })?;
        let status = response.status();
        let body = crate::http::read_limited(response, 1 << 20).map_err(|problem| {
            format!("the token endpoint's answer could not be read: {problem}")
        })?;
        if !status.is_success() {
            return Err(format!(
                "the token endpoint {url} refused to give an access token ({status}): {} — connect the account again or check the client id and secret",
                excerpt(&redactor.scrub_bytes(body))
            ));
        }
        let answer: Value = serde_json::from_slice(&body)
            .map_err(|_| format!("the token endpoint {url} did not answer JSON"))?;
        let access_token = answer
            .get(&self.token_field)
            .and_then(Value::as_str)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                format!(
                    "the token endpoint {url} answered without `{}`",
                    self.token_field
                )
            })?
            .to_string();
        let expires_in = answer
            .get(&self.expires_field)
            .and_then(|value| value.as_u64().or_else(|| value.as_str()?.parse().ok()))
            .map(|seconds| Duration::from_secs(seconds.min(366 * 86_400)));
        let rotated = self
            .refresh
            .as_ref()
            .and_then(|refresh| {
                let setting = refresh.setting.clone()?;
                let new = answer.get(&refresh.answer_field)?.as_str()?;
                (!new.is_empty() && new != form[refresh.at].1).then(|| (setting, new.to_string()))
            })
            .into_iter()
            .collect();
        Ok(IssuedToken {
            access_token,
            expires_in,
            rotated,
        })
    }
}

/// The setting a template only reads, as a dotted path: `{{ config['credentials']['refresh_token'] }}`
/// and `{{ config.credentials.refresh_token }}` give `credentials.refresh_token`.
fn setting_read_by(template: &str) -> Option<String> {
    let expression = template
        .trim()
        .strip_prefix("{{")?
        .strip_suffix("}}")?
        .trim();
    let mut rest = expression.strip_prefix("config")?;
    let mut path = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            path.push(&after[..end]);
            rest = &after[end..];
        } else {
            let inside = rest.strip_prefix('[')?;
            let quote = inside.chars().next().filter(|c| *c == '\'' || *c == '"')?;
            let key_end = inside[1..].find(quote)? + 1;
            path.push(&inside[1..key_end]);
            rest = inside[key_end + 1..].strip_prefix(']')?;
        }
    }
    (!path.is_empty() && path.iter().all(|key| !key.is_empty())).then(|| path.join("."))
}

#[cfg(test)]
mod tests {
    use super::setting_read_by;

    #[test]
    fn the_setting_a_template_reads_is_found_only_when_it_reads_nothing_else() {
        for (template, setting) in [
            (
                "{{ config['credentials']['refresh_token'] }}",
                Some("credentials.refresh_token"),
            ),
            (
                "{{config.credentials.refresh_token}}",
                Some("credentials.refresh_token"),
            ),
            ("{{ config[\"refresh_token\"] }}", Some("refresh_token")),
            ("{{ config['a'] ~ 'x' }}", None),
            ("{{ config.get('refresh_token') }}", None),
            ("Bearer {{ config['token'] }}", None),
            ("{{ config }}", None),
        ] {
            assert_eq!(setting_read_by(template).as_deref(), setting, "{template}");
        }
    }
}
