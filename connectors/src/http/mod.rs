//! HTTP APIs: `http.read` (a paginated JSON API as a source) and `http.request` (one request per
//! record), with the credential types requests authenticate with (API key, bearer token, basic,
//! OAuth2), retries, rate limits and incremental reads.

mod auth;
mod client;
mod credential_types;
#[cfg(test)]
mod leak_tests;
#[cfg(test)]
mod limit_tests;
mod pagination;
mod read;
mod request;
#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod tests;

pub(crate) use auth::{AllowedHosts, Redactor};
pub(crate) use client::{
    build_client, default_max_response_bytes, default_timeout, excerpt, read_limited,
    retry_after_of, sleep_unless_stopped,
};
pub use credential_types::credential_types;
pub use read::HttpReadConfig;
pub use request::HttpRequestConfig;

use sluice_core::registry::ComponentDescriptor;

pub fn descriptors() -> Vec<ComponentDescriptor> {
    let read = ComponentDescriptor::source::<HttpReadConfig>(
        "http.read",
        "Read HTTP API",
        "APIs",
        "Reads records from a JSON API page by page: pagination, authentication, retries, rate limits, incremental reads.",
    );
    let request = ComponentDescriptor::transform::<HttpRequestConfig>(
        "http.request",
        "HTTP request",
        "Sends one request per record — to look records up in an API (the response is added) or to send them to one (as the last node).",
    );
    vec![
        read.with_credentials(CREDENTIALS),
        ComponentDescriptor {
            category: "APIs".into(),
            ..request
        }
        .with_credentials(CREDENTIALS)
        .ending_flows(),
    ]
}

const CREDENTIALS: &[&str] = &[
    credential_types::API_KEY,
    credential_types::BEARER,
    credential_types::BASIC,
    credential_types::OAUTH2,
];
