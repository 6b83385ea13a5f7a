//! HTTP APIs: `http.read` (a paginated JSON API as a source) with the credential types requests
//! authenticate with (API key, bearer token, basic, OAuth2), retries, rate limits and incremental reads.

mod auth;
mod client;
mod read;
#[cfg(test)]
mod tests;

pub use auth::credential_types;
pub use read::HttpReadConfig;

use sluice_core::registry::ComponentDescriptor;

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![ComponentDescriptor::source::<HttpReadConfig>(
        "http.read",
        "Read HTTP API",
        "APIs",
        "Reads records from a JSON API page by page: pagination, authentication, retries, rate limits, incremental reads.",
    )
    .with_credentials(&[auth::API_KEY, auth::BEARER, auth::BASIC, auth::OAUTH2])]
}
