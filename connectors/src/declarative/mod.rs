//! Airbyte's declarative (low-code YAML) connector manifests, run natively: a manifest is read
//! and checked ([`load`]), its streams read over HTTP with its pagination, authentication, error
//! handling, partitions and incremental cursor ([`read`]), each record handed to a flow.

mod auth;
#[cfg(test)]
mod auth_tests;
mod check;
mod component;
mod datetime;
mod incremental;
mod interpolate;
#[cfg(test)]
mod interpolate_tests;
mod library;
#[cfg(test)]
mod library_tests;
mod load;
#[cfg(test)]
mod load_tests;
mod model;
mod model_auth;
mod oauth;
mod paginate;
mod partitions;
mod python;
mod read;
mod request;
mod select;
mod send;
mod session;
mod spec;
mod supported;
#[cfg(test)]
mod test_api;
#[cfg(test)]
mod tests;

pub use component::{AppReadConfig, Connector};
pub use library::{library, library_manifest};
pub use load::{MAX_MANIFEST_BYTES, ManifestError};
pub use read::{Delivery, ReadSettings, Reader};
pub use supported::SUPPORTED;

use sluice_core::ComponentError;

/// A manifest, read and checked.
#[derive(Debug, Clone)]
pub struct Manifest {
    source: model::Source,
}

impl Manifest {
    /// Reads a manifest's YAML: refused with the line and column where it does not parse, or
    /// the path of a component Sluice does not run.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Ok(Manifest {
            source: load::load(text)?,
        })
    }

    /// The names of its streams, in order.
    pub fn stream_names(&self) -> Vec<&str> {
        self.source
            .streams
            .iter()
            .map(|stream| stream.name.as_str())
            .collect()
    }

    /// The JSON schema of the connector's settings (`spec.connection_specification`).
    pub fn settings_schema(&self) -> Option<&serde_json::Value> {
        self.source
            .spec
            .as_ref()
            .map(|spec| &spec.connection_specification)
    }

    /// The streams `check` reads to prove the settings work (`CheckStream`).
    pub fn check_streams(&self) -> Vec<&str> {
        let names = self.source.check.as_ref().map(|check| {
            check
                .stream_names
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        });
        names
            .filter(|names| !names.is_empty())
            .unwrap_or_else(|| self.stream_names().into_iter().take(1).collect())
    }

    /// Where the connector's documentation is.
    pub fn documentation_url(&self) -> Option<&str> {
        self.source
            .spec
            .as_ref()
            .and_then(|spec| spec.documentation_url.as_deref())
    }

    /// The addresses its streams send requests to, as written (templates included): what the
    /// trust review of a flow shows.
    pub fn urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = Vec::new();
        for stream in &self.source.streams {
            let model::Retriever::SimpleRetriever(retriever) = &stream.retriever;
            let model::Requester::HttpRequester(requester) = &retriever.requester;
            let url = requester.url_base.clone().or_else(|| requester.url.clone());
            if let Some(url) = url.filter(|url| !urls.contains(url)) {
                urls.push(url);
            }
            if let Some(model::Authenticator::OAuthAuthenticator(oauth)) = &requester.authenticator
                && let Some(endpoint) = oauth
                    .token_refresh_endpoint
                    .clone()
                    .filter(|url| !urls.contains(url))
            {
                urls.push(endpoint);
            }
        }
        urls
    }

    /// Whether a stream authenticates with OAuth2 access tokens it fetches (kept with the
    /// credential between runs).
    pub fn fetches_tokens(&self) -> bool {
        fn is_oauth(authenticator: &model::Authenticator) -> bool {
            match authenticator {
                model::Authenticator::OAuthAuthenticator(_) => true,
                model::Authenticator::SelectiveAuthenticator { authenticators, .. } => {
                    authenticators.values().any(is_oauth)
                }
                _ => false,
            }
        }
        self.source.streams.iter().any(|stream| {
            let model::Retriever::SimpleRetriever(retriever) = &stream.retriever;
            let model::Requester::HttpRequester(requester) = &retriever.requester;
            requester.authenticator.as_ref().is_some_and(is_oauth)
        })
    }

    /// The hosts its requests go to, for binding its credential: a label written as a template
    /// (`{{ config['subdomain'] }}.zendesk.com`) becomes `*`; a host that is all template is left
    /// out (the person names it).
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts = Vec::new();
        for url in self.urls() {
            // A URL that is all template (`{{ config.get('token_url', 'https://…') }}`): its default.
            let url = match url.trim().starts_with("{{") {
                true => quoted_url(&url).unwrap_or(url),
                false => url,
            };
            let marked = replace_templates(&url, "sluicetemplate");
            let Some(host) = reqwest::Url::parse(&marked)
                .ok()
                .and_then(|url| url.host_str().map(str::to_string))
            else {
                continue;
            };
            let labels: Vec<&str> = host.split('.').collect();
            if labels
                .iter()
                .filter(|label| !label.contains("sluicetemplate"))
                .count()
                < 2
            {
                continue;
            }
            let host = labels
                .iter()
                .map(|label| {
                    if label.contains("sluicetemplate") {
                        "*"
                    } else {
                        label
                    }
                })
                .collect::<Vec<_>>()
                .join(".");
            let host = match host.strip_prefix("*.") {
                Some(rest) if !rest.contains('*') => format!("*.{rest}"),
                _ if host.contains('*') => continue,
                _ => host,
            };
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        hosts
    }

    /// What the manifest says it reads (its top-level `description`).
    pub fn description(&self) -> Option<&str> {
        self.source.description.as_deref()
    }

    /// The manifest's `version`.
    pub fn version(&self) -> Option<&str> {
        self.source.version.as_deref()
    }

    /// Reads the stream `name` from `state`, handing records and checkpoints to `delivery`.
    pub fn read(
        &self,
        name: &str,
        settings: &ReadSettings,
        state: Option<&serde_json::Value>,
        delivery: &mut dyn Delivery,
    ) -> Result<(), ComponentError> {
        let stream = self
            .source
            .streams
            .iter()
            .find(|stream| stream.name == name)
            .ok_or_else(|| {
                ComponentError::failed(format!(
                    "the connector has no stream {name}; its streams are {}",
                    self.stream_names().join(", ")
                ))
            })?;
        Reader::new(settings)?.read(stream, state, delivery)
    }
}

/// The first quoted `http(s)://…` text inside a template, if any.
fn quoted_url(template: &str) -> Option<String> {
    for quote in ['\'', '"'] {
        for start in ["http://", "https://"] {
            if let Some(at) = template.find(&format!("{quote}{start}")) {
                let rest = &template[at + 1..];
                let end = rest.find(quote)?;
                return Some(rest[..end].to_string());
            }
        }
    }
    None
}

/// `text` with each `{{ … }}` replaced by `with`.
fn replace_templates(text: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                out.push_str(with);
                rest = &rest[start + end + 2..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
