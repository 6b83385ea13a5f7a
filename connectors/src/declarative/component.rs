//! A manifest in Sluice terms: one source node type per connector (`app.<id>`) whose form is
//! the manifest's spec without its secrets (plus the stream to read and a base URL override),
//! and one credential type holding the secrets (`airbyte_secret` fields), bound to the hosts the
//! manifest talks to.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use sluice_core::component::{
    BuildContext, Component, ComponentConfig, Reach, Source, SourceConfig,
};
use sluice_core::credential::{CredentialAccess, CredentialType};
use sluice_core::engine::Output;
use sluice_core::json_records::ShapeCache;
use sluice_core::registry::{ComponentDescriptor, ConfigError};
use sluice_core::{ComponentError, Record};

use super::spec::{SpecFields, set_path};
use super::{Delivery, Manifest, ReadSettings};

/// A connector: a manifest with the name and words Sluice shows for it.
#[derive(Debug)]
pub struct Connector {
    /// Its id, e.g. `github`: the node type is `app.github`, the credential type `app.github`.
    pub id: String,
    pub title: String,
    pub description: String,
    pub manifest: Manifest,
    pub(super) fields: SpecFields,
}

impl Connector {
    pub fn new(id: &str, title: &str, description: &str, manifest: Manifest) -> Arc<Connector> {
        let fields = SpecFields::of(manifest.settings_schema());
        Arc::new(Connector {
            id: id.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            manifest,
            fields,
        })
    }

    /// The node type, e.g. `app.github`.
    pub fn component(&self) -> String {
        format!("app.{}", self.id)
    }

    /// Its source node type.
    pub fn descriptor(self: &Arc<Self>) -> ComponentDescriptor {
        let (for_schema, for_parse, for_normalize) = (self.clone(), self.clone(), self.clone());
        let descriptor = ComponentDescriptor::dynamic_source(
            self.component(),
            self.title.clone(),
            "Apps",
            self.description.clone(),
            Arc::new(move || for_schema.config_schema()),
            Arc::new(move |config| Ok(Component::Source(Box::new(for_parse.parse(config)?)))),
            Arc::new(move |config| for_normalize.parse(config).map(|parsed| parsed.to_json())),
        );
        match self.fields.has_secrets() {
            true => descriptor.with_credential_kind(self.component()),
            false => descriptor,
        }
    }

    /// The credential type holding its secrets, when its spec has any.
    pub fn credential_type(self: &Arc<Self>) -> Option<CredentialType> {
        if !self.fields.has_secrets() {
            return None;
        }
        let (for_schema, for_test) = (self.clone(), self.clone());
        Some(CredentialType {
            kind: self.component().into(),
            title: format!("{} account", self.title).into(),
            description: format!("The secrets {} needs (kept in the system keychain), and the hosts they may be sent to.", self.title).into(),
            schema: Arc::new(move || {
                let manifest = &for_schema.manifest;
                for_schema.fields.credential_schema(&manifest.hosts(), manifest.fetches_tokens())
            }),
            test: Some(Arc::new(move |credential| for_test.check(credential))),
            browse: None,
        })
    }

    /// The node's config schema: the stream, the settings (the spec without secrets), a base URL.
    fn config_schema(&self) -> schemars::Schema {
        let streams = self.manifest.stream_names();
        let value = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.title,
            "description": self.description,
            "type": "object",
            "required": ["stream", "settings"],
            "additionalProperties": false,
            "properties": {
                "stream": {
                    "type": "string",
                    "title": "Stream",
                    "description": "What to read.",
                    "enum": streams,
                    "default": streams.first(),
                },
                "settings": self.fields.settings_schema(),
                "base_url": {
                    "type": "string",
                    "title": "Base URL",
                    "description": "Another address for the API than the connector's own, e.g. a self-hosted instance. The credential's hosts must include it.",
                    "format": "uri",
                },
            },
        });
        schemars::Schema::try_from(value).expect("an object is a schema")
    }

    /// What a read needs: the settings with the credential's secrets put in place (a required
    /// one missing is refused, saying where to set it).
    pub(super) fn read_settings(
        &self,
        settings: &Map<String, Value>,
        base_url: Option<String>,
        credential: Option<Arc<dyn CredentialAccess>>,
    ) -> Result<ReadSettings, ComponentError> {
        let mut config = Value::Object(settings.clone());
        let mut secrets = Vec::new();
        for path in self.fields.secret_paths() {
            let value = credential
                .as_ref()
                .and_then(|credential| credential.field(&path))
                .filter(|value| !value.is_empty());
            match value {
                Some(value) => {
                    secrets.push(value.clone());
                    set_path(&mut config, &path, Value::String(value));
                }
                None if self.fields.is_required_secret(&path) => {
                    return Err(ComponentError::failed(match &credential {
                        Some(credential) => format!(
                            "the credential '{}' has no {path}; set it in Credentials",
                            credential.name()
                        ),
                        None => format!(
                            "{} needs a credential ({path}); choose or make one in the node's Credential field",
                            self.title
                        ),
                    }));
                }
                None => {}
            }
        }
        Ok(ReadSettings {
            config,
            base_url,
            allowed: crate::http::AllowedHosts::of(credential.as_ref()),
            secrets,
            max_response_bytes: crate::http::default_max_response_bytes(),
            timeout: std::time::Duration::from_secs(crate::http::default_timeout()),
            now: chrono::Utc::now(),
            credential,
        })
    }

    fn parse(self: &Arc<Self>, config: Value) -> Result<AppReadConfig, ConfigError> {
        let refuse = |field: &str, message: String| ConfigError {
            field: Some(field.to_string()),
            message,
        };
        let Value::Object(mut fields) = config else {
            return Err(refuse("", "the node's settings must be an object".into()));
        };
        if let Some(unknown) = fields
            .keys()
            .find(|key| !matches!(key.as_str(), "stream" | "settings" | "base_url"))
        {
            return Err(refuse(
                unknown,
                format!("unknown field `{unknown}`; the fields are stream, settings, base_url"),
            ));
        }
        let streams = self.manifest.stream_names();
        let stream = match fields.remove("stream") {
            Some(Value::String(stream)) => stream,
            None | Some(Value::Null) => streams
                .first()
                .map(|first| first.to_string())
                .unwrap_or_default(),
            Some(other) => return Err(refuse("stream", format!("expects text, not {other}"))),
        };
        if !streams.contains(&stream.as_str()) {
            return Err(refuse(
                "stream",
                format!(
                    "{} has no stream '{stream}'; choose one of {}",
                    self.title,
                    streams.join(", ")
                ),
            ));
        }
        let settings = match fields.remove("settings") {
            Some(Value::Object(settings)) => settings,
            None | Some(Value::Null) => Map::new(),
            Some(other) => {
                return Err(refuse(
                    "settings",
                    format!("expects an object, not {other}"),
                ));
            }
        };
        let settings = self
            .fields
            .check_settings(settings)
            .map_err(|(field, message)| refuse(&format!("settings.{field}"), message))?;
        let base_url = match fields.remove("base_url") {
            Some(Value::String(url)) if !url.trim().is_empty() => {
                reqwest::Url::parse(url.trim()).map_err(|error| {
                    refuse("base_url", format!("'{url}' is not a URL: {error}"))
                })?;
                Some(url.trim().to_string())
            }
            None | Some(Value::Null) | Some(Value::String(_)) => None,
            Some(other) => return Err(refuse("base_url", format!("expects a URL, not {other}"))),
        };
        Ok(AppReadConfig {
            connector: self.clone(),
            stream,
            settings,
            base_url,
        })
    }
}

/// An `app.<id>` node: which stream, with which settings.
#[derive(Debug)]
pub struct AppReadConfig {
    connector: Arc<Connector>,
    stream: String,
    settings: Map<String, Value>,
    base_url: Option<String>,
}

impl AppReadConfig {
    fn to_json(&self) -> Value {
        let mut config = json!({ "stream": self.stream, "settings": self.settings });
        if let Some(base_url) = &self.base_url {
            config["base_url"] = json!(base_url);
        }
        config
    }
}

impl ComponentConfig for AppReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        let urls = match &self.base_url {
            Some(base_url) => vec![base_url.clone()],
            None => self.connector.manifest.urls(),
        };
        urls.into_iter()
            .map(|url| Reach::Contacts {
                url,
                sends_records: false,
            })
            .collect()
    }
}

impl SourceConfig for AppReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let settings = self.connector.read_settings(
            &self.settings,
            self.base_url.clone(),
            context.credential.clone(),
        )?;
        Ok(Box::new(AppRead {
            connector: self.connector.clone(),
            stream: self.stream.clone(),
            settings,
            state: context.state.cloned(),
        }))
    }
}

struct AppRead {
    connector: Arc<Connector>,
    stream: String,
    settings: ReadSettings,
    state: Option<Value>,
}

impl Source for AppRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let mut delivery = ToOutput {
            out,
            shapes: ShapeCache::default(),
        };
        self.connector.manifest.read(
            &self.stream,
            &self.settings,
            self.state.as_ref(),
            &mut delivery,
        )?;
        delivery.out.flush()
    }
}

/// Records and states into the engine's output.
struct ToOutput<'o, 'run> {
    out: &'o mut Output<'run>,
    shapes: ShapeCache,
}

impl Delivery for ToOutput<'_, '_> {
    fn record(&mut self, record: Map<String, Value>) -> Result<(), ComponentError> {
        let record = self.shapes.record(record);
        self.out.emit(record)
    }
    fn refuse(&mut self, found: Value, why: String) -> Result<(), ComponentError> {
        let mut record = Record::new();
        record.insert("value", found);
        self.out.reject(record, why)
    }
    fn checkpoint(&mut self, state: Value) -> Result<(), ComponentError> {
        // Everything emitted so far is covered; stored only once every sink committed.
        self.out.flush()?;
        self.out.checkpoint(state);
        Ok(())
    }
    fn should_stop(&self) -> bool {
        self.out.should_stop()
    }
}
