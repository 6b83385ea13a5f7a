//! Airbyte's declarative (low-code YAML) connector manifests, run natively: a manifest is read
//! and checked ([`load`]), its streams read over HTTP with its pagination, authentication, error
//! handling, partitions and incremental cursor ([`read`]), each record handed to a flow.

mod auth;
mod datetime;
mod incremental;
mod interpolate;
mod load;
mod model;
mod paginate;
mod partitions;
mod read;
mod request;
mod select;
mod send;
#[cfg(test)]
mod tests;

pub use load::{ManifestError, SUPPORTED};
pub use read::{Delivery, ReadSettings, Reader};

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
