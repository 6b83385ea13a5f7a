//! Sluice's own connectors: manifests in Airbyte's declarative format, written here from each
//! vendor's API documentation, built into Sluice and shown in the palette's Apps.

use std::sync::{Arc, LazyLock};

use super::{Connector, Manifest};

/// Each bundled connector: its id (the node type is `app.<id>`), title and manifest.
const MANIFESTS: &[(&str, &str, &str)] = &[
    ("github", "GitHub", include_str!("library/github.yaml")),
    ("hubspot", "HubSpot", include_str!("library/hubspot.yaml")),
    ("notion", "Notion", include_str!("library/notion.yaml")),
    ("slack", "Slack", include_str!("library/slack.yaml")),
    ("stripe", "Stripe", include_str!("library/stripe.yaml")),
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
