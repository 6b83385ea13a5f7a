//! Sluice's own connectors: manifests in Airbyte's declarative format, written here from each
//! vendor's API documentation, built into Sluice and shown in the palette's Apps.

use std::sync::{Arc, LazyLock};

use super::{Connector, Manifest};

/// Each bundled connector: its id (the node type is `app.<id>`), title and manifest.
const MANIFESTS: &[(&str, &str, &str)] = &[
    (
        "airtable",
        "Airtable",
        include_str!("library/airtable.yaml"),
    ),
    ("github", "GitHub", include_str!("library/github.yaml")),
    ("gitlab", "GitLab", include_str!("library/gitlab.yaml")),
    (
        "googlesheets",
        "Google Sheets",
        include_str!("library/googlesheets.yaml"),
    ),
    ("hubspot", "HubSpot", include_str!("library/hubspot.yaml")),
    (
        "intercom",
        "Intercom",
        include_str!("library/intercom.yaml"),
    ),
    ("jira", "Jira", include_str!("library/jira.yaml")),
    (
        "mailchimp",
        "Mailchimp",
        include_str!("library/mailchimp.yaml"),
    ),
    ("notion", "Notion", include_str!("library/notion.yaml")),
    (
        "pipedrive",
        "Pipedrive",
        include_str!("library/pipedrive.yaml"),
    ),
    (
        "salesforce",
        "Salesforce",
        include_str!("library/salesforce.yaml"),
    ),
    ("shopify", "Shopify", include_str!("library/shopify.yaml")),
    ("slack", "Slack", include_str!("library/slack.yaml")),
    ("stripe", "Stripe", include_str!("library/stripe.yaml")),
    ("zendesk", "Zendesk", include_str!("library/zendesk.yaml")),
];

static LIBRARY: LazyLock<Vec<Arc<Connector>>> = LazyLock::new(|| {
    MANIFESTS
        .iter()
        .map(|(id, title, text)| {
            let manifest = Manifest::parse(text)
                .unwrap_or_else(|error| panic!("the bundled {id} manifest: {error}"));
            let description = manifest.description().unwrap_or(title).to_string();
            Connector::new(id, title, &description, manifest)
        })
        .collect()
});

/// The manifest of the built-in connector `id`, as written.
pub fn library_manifest(id: &str) -> Option<&'static str> {
    MANIFESTS
        .iter()
        .find(|(known, _, _)| *known == id)
        .map(|(_, _, text)| *text)
}

/// The connectors built into Sluice.
pub fn library() -> &'static [Arc<Connector>] {
    &LIBRARY
}
