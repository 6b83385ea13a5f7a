//! Connectors: those built into Sluice (Apps) and those people import (Airbyte's declarative
//! manifests), stored with every version. The registry answers for both; it is rebuilt when a
//! connector is imported or removed.

use std::sync::Arc;

use serde::Serialize;
use sluice_connectors::declarative::{Connector, Manifest};
use sluice_core::flow::CarriedConnector;
use sluice_core::{Flow, Registry};
use sluice_store::Store;

use crate::{Error, Result, Sluice};

/// A connector, as `sluice connectors list` and the studio show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConnectorInfo {
    /// Its id; its node type is `app.<id>`.
    pub id: String,
    pub title: String,
    /// The node type, e.g. `app.github`.
    #[serde(rename = "type")]
    pub component: String,
    pub streams: Vec<String>,
    /// The hosts its requests go to (its credential is bound to them).
    pub hosts: Vec<String>,
    /// Built into Sluice, as opposed to imported.
    pub built_in: bool,
    /// For an imported one: its version (one per import of a changed manifest) and where it came from.
    pub version: Option<i64>,
    pub origin: Option<String>,
    pub documentation_url: Option<String>,
}

impl ConnectorInfo {
    fn of(connector: &Connector, stored: Option<(i64, String)>) -> ConnectorInfo {
        ConnectorInfo {
            id: connector.id.clone(),
            title: connector.title.clone(),
            component: connector.component(),
            streams: connector
                .manifest
                .stream_names()
                .into_iter()
                .map(str::to_string)
                .collect(),
            hosts: connector.manifest.hosts(),
            built_in: stored.is_none(),
            version: stored.as_ref().map(|(version, _)| *version),
            origin: stored.map(|(_, origin)| origin),
            documentation_url: connector.manifest.documentation_url().map(str::to_string),
        }
    }
}

/// Every node type: the built-in ones, then the imported connectors (newest versions). A stored
/// manifest this build cannot run is left out with a warning.
pub(crate) fn registry_with_imports(store: &Store) -> Result<Registry> {
    let mut registry = sluice_connectors::registry();
    for stored in store.connectors()? {
        match Manifest::parse(&stored.manifest) {
            Ok(manifest) => {
                let description = manifest.description().unwrap_or(&stored.title).to_string();
                let connector = Connector::new(&stored.id, &stored.title, &description, manifest);
                register(&mut registry, &connector);
            }
            Err(error) => {
                tracing::warn!(connector = %stored.id, %error, "an imported connector cannot be used by this version of Sluice")
            }
        }
    }
    Ok(registry)
}

fn register(registry: &mut Registry, connector: &Arc<Connector>) {
    registry.register(connector.descriptor());
    if let Some(credential_type) = connector.credential_type() {
        registry.register_credential_type(credential_type);
    }
}

/// An id from a manifest's file name: `source-pokeapi/manifest.yaml` → `pokeapi`.
fn id_from_path(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = if stem == "manifest" {
        path.parent()
            .and_then(|parent| parent.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or(stem)
    } else {
        stem
    };
    let name = name.strip_prefix("source-").unwrap_or(&name);
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('_')
        .to_string()
}

impl Sluice {
    /// Imports a manifest as connector `id` (its newest version): refused, naming the line or the
    /// component, when it cannot run.
    pub fn import_connector(
        &self,
        text: &str,
        id: &str,
        title: Option<&str>,
        origin: &str,
    ) -> Result<ConnectorInfo> {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(Error::Refused(format!(
                "'{id}' cannot be a connector id: use lower-case letters, digits and _"
            )));
        }
        if sluice_connectors::declarative::library_manifest(id).is_some() {
            return Err(Error::Refused(format!(
                "{origin}: '{id}' is the id of a connector built into Sluice; import it under another id (`--id {id}_custom`)"
            )));
        }
        let manifest =
            Manifest::parse(text).map_err(|error| Error::Refused(format!("{origin}: {error}")))?;
        let title = match title {
            Some(title) => title.to_string(),
            None => default_title(&manifest, id),
        };
        let version = self.store.import_connector(id, &title, text, origin)?;
        self.reload_registry()?;
        let description = manifest.description().unwrap_or(&title).to_string();
        let connector = Connector::new(id, &title, &description, manifest);
        Ok(ConnectorInfo::of(
            &connector,
            Some((version, origin.to_string())),
        ))
    }

    /// Imports the manifest file at `path` (its id from the file or folder name unless given).
    pub fn import_connector_file(
        &self,
        path: &std::path::Path,
        id: Option<&str>,
        title: Option<&str>,
    ) -> Result<ConnectorInfo> {
        let too_large =
            |size: u64| size > sluice_connectors::declarative::MAX_MANIFEST_BYTES as u64;
        let size = std::fs::metadata(path)
            .map_err(|source| Error::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })?
            .len();
        if too_large(size) {
            return Err(Error::Refused(format!(
                "{}: {size} bytes is more than a connector manifest may be",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let id = id.map(str::to_string).unwrap_or_else(|| id_from_path(path));
        self.import_connector(&text, &id, title, &path.display().to_string())
    }

    /// Every connector: built in, then imported.
    pub fn connectors(&self) -> Result<Vec<ConnectorInfo>> {
        let mut found: Vec<ConnectorInfo> = sluice_connectors::declarative::library()
            .iter()
            .map(|connector| ConnectorInfo::of(connector, None))
            .collect();
        for stored in self.store.connectors()? {
            let Ok(manifest) = Manifest::parse(&stored.manifest) else {
                continue;
            };
            let connector = Connector::new(&stored.id, &stored.title, &stored.title, manifest);
            found.retain(|existing| existing.id != stored.id);
            found.push(ConnectorInfo::of(
                &connector,
                Some((stored.version, stored.origin)),
            ));
        }
        Ok(found)
    }

    /// The connector `id`.
    pub fn connector(&self, id: &str) -> Result<ConnectorInfo> {
        let id = id.strip_prefix("app.").unwrap_or(id);
        self.connectors()?
            .into_iter()
            .find(|connector| connector.id == id)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no connector '{id}'; `sluice connectors list` shows them"
                ))
            })
    }

    /// Removes the imported connector `id` with all its versions.
    pub fn remove_connector(&self, id: &str) -> Result<()> {
        let id = id.strip_prefix("app.").unwrap_or(id);
        if !self.store.remove_connector(id)? {
            let built_in = sluice_connectors::declarative::library()
                .iter()
                .any(|connector| connector.id == id);
            return Err(match built_in {
                true => {
                    Error::Refused(format!("'{id}' is built into Sluice and cannot be removed"))
                }
                false => Error::NotFound(format!("no imported connector '{id}'")),
            });
        }
        self.reload_registry()
    }

    /// The manifest of the newest version of imported connector `id`, as imported.
    pub fn connector_manifest(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .store
            .connector_versions(id)?
            .pop()
            .map(|stored| stored.manifest))
    }

    fn reload_registry(&self) -> Result<()> {
        let registry = registry_with_imports(&self.store)?;
        *self.registry.write().expect("registry lock") = Arc::new(registry);
        Ok(())
    }
}

impl Sluice {
    /// The imported connectors `flow`'s nodes use, for an export to carry.
    pub(crate) fn connectors_to_carry(&self, flow: &Flow) -> Result<Vec<CarriedConnector>> {
        let imported = self.store.connectors()?;
        let mut carried: Vec<CarriedConnector> = Vec::new();
        for node in &flow.nodes {
            let Some(id) = node.component.strip_prefix("app.") else {
                continue;
            };
            if let Some(stored) = imported.iter().find(|stored| stored.id == id)
                && !carried.iter().any(|connector| connector.id == id)
            {
                carried.push(CarriedConnector {
                    id: stored.id.clone(),
                    title: stored.title.clone(),
                    manifest: stored.manifest.clone(),
                });
            }
        }
        Ok(carried)
    }

    /// Takes the connectors an imported flow carries: one new here is imported; one whose id
    /// names another connector here is imported under a new id (`<id>_2`, …) and the flow's
    /// nodes are renamed to it, so no connector another flow uses is ever replaced. Says what it
    /// did (and where each sends requests) for the import's review; a manifest that cannot run
    /// is left out (the nodes using it are then marked).
    pub(crate) fn take_carried_connectors(&self, flow: &mut Flow) -> Result<Vec<String>> {
        let origin = format!("the flow '{}'", flow.name);
        let mut notes = Vec::new();
        for connector in std::mem::take(&mut flow.connectors) {
            let here = |id: &str| -> Result<Option<String>> {
                Ok(match self.store.connector_versions(id)?.pop() {
                    Some(stored) => Some(stored.manifest),
                    None => {
                        sluice_connectors::declarative::library_manifest(id).map(str::to_string)
                    }
                })
            };
            let mut id = connector.id.clone();
            let mut number = 1;
            loop {
                match here(&id)? {
                    Some(text) if text == connector.manifest => break,
                    Some(_) if number < 100 => {
                        number += 1;
                        id = format!("{}_{number}", connector.id);
                    }
                    Some(_) => {
                        return Err(Error::Refused(format!(
                            "the connector {} has too many namesakes here",
                            connector.id
                        )));
                    }
                    None => break,
                }
            }
            if here(&id)?.as_deref() == Some(connector.manifest.as_str()) && id == connector.id {
                continue;
            }
            match self.import_connector(&connector.manifest, &id, Some(&connector.title), &origin) {
                Ok(info) => {
                    let hosts = match info.hosts.is_empty() {
                        true => "the hosts its credential names".to_string(),
                        false => info.hosts.join(", "),
                    };
                    let mut note = format!(
                        "it brings the connector {} ({}), which sends requests to {hosts}; it is now among your connectors",
                        info.title, info.component
                    );
                    if id != connector.id {
                        let (old, new) = (format!("app.{}", connector.id), info.component.clone());
                        for node in flow.nodes.iter_mut().filter(|node| node.component == old) {
                            node.component = new.clone();
                        }
                        note.push_str(&format!(
                            " as {new}, because a different connector here is called {old}"
                        ));
                    }
                    notes.push(note);
                }
                Err(error) => notes.push(format!(
                    "it brings the connector {}, which cannot be used here: {error}",
                    connector.title
                )),
            }
        }
        Ok(notes)
    }
}

/// The spec's title without Airbyte's " Spec" suffix, else the id.
fn default_title(manifest: &Manifest, id: &str) -> String {
    manifest
        .settings_schema()
        .and_then(|schema| schema.get("title"))
        .and_then(|title| title.as_str())
        .map(|title| title.trim_end_matches(" Spec").trim().to_string())
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_file_or_folder_names() {
        assert_eq!(
            id_from_path(std::path::Path::new("x/source-poke-api/manifest.yaml")),
            "poke_api"
        );
        assert_eq!(
            id_from_path(std::path::Path::new("exchange-rates.yaml")),
            "exchange_rates"
        );
    }
}
