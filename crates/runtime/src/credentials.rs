//! Credentials: named, typed sets of fields that flows refer to by name. Non-secret fields go to
//! SQLite, secret fields only to the secret store (the OS keychain). Nothing here returns, logs
//! or puts a secret in a message.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};
use sluice_core::Flow;
use sluice_core::credential::{CredentialAccess, CredentialType};
use sluice_store::StoredCredential;

use crate::secrets::SecretKey;
use crate::{Error, Result, Sluice};

/// A credential as the studio and CLI list it: never its secrets, only which are set.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct CredentialInfo {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The type's title, e.g. "Bearer token".
    pub title: String,
    /// The non-secret fields.
    #[ts(type = "Record<string, unknown>")]
    pub fields: Map<String, Value>,
    /// The secret fields that have a value.
    pub secrets_set: Vec<String>,
    /// The stored flows that use it, by name.
    pub used_by: Vec<String>,
}

/// A credential type as the studio shows it in the form.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct CredentialTypeInfo {
    pub kind: String,
    pub title: String,
    pub description: String,
    /// JSON Schema of its fields; secret ones are `"writeOnly": true`.
    #[ts(type = "Record<string, unknown>")]
    pub schema: Value,
    pub secret_fields: Vec<String>,
    /// Whether "Test connection" can prove it works.
    pub testable: bool,
}

/// What a person enters to add or change a credential. Secrets not given when editing are kept.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
pub struct CredentialInput {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl Sluice {
    /// Every credential type the connectors declare.
    pub fn credential_types(&self) -> Vec<CredentialTypeInfo> {
        self.registry()
            .credential_types()
            .iter()
            .map(|credential_type| CredentialTypeInfo {
                kind: credential_type.kind.to_string(),
                title: credential_type.title.to_string(),
                description: credential_type.description.to_string(),
                schema: (credential_type.schema)(),
                secret_fields: credential_type.secret_fields(),
                testable: credential_type.test.is_some(),
            })
            .collect()
    }

    pub(crate) fn credential_type(&self, kind: &str) -> Result<CredentialType> {
        let registry = self.registry();
        registry.credential_type(kind).cloned().ok_or_else(|| {
            let known: Vec<&str> = registry
                .credential_types()
                .iter()
                .map(|credential_type| credential_type.kind.as_ref())
                .collect();
            Error::Credential(format!(
                "'{kind}' is not a credential type; the types are: {}",
                known.join(", ")
            ))
        })
    }

    /// Every credential, by name.
    pub fn credentials(&self) -> Result<Vec<CredentialInfo>> {
        let usage = self.credential_usage()?;
        self.store()
            .credentials()?
            .into_iter()
            .map(|stored| Ok(self.info(stored, &usage)))
            .collect()
    }

    /// The credential called `name`.
    pub fn credential(&self, name: &str) -> Result<CredentialInfo> {
        let stored = self.stored_credential(name)?;
        Ok(self.info(stored, &self.credential_usage()?))
    }

    pub(crate) fn stored_credential(&self, name: &str) -> Result<StoredCredential> {
        self.store().credential_by_name(name)?.ok_or_else(|| {
            Error::NotFound(format!(
                "there is no credential named '{name}'; `sluice credentials list` shows them"
            ))
        })
    }

    fn info(
        &self,
        stored: StoredCredential,
        usage: &HashMap<String, Vec<String>>,
    ) -> CredentialInfo {
        let title = self
            .registry()
            .credential_type(&stored.kind)
            .map(|credential_type| credential_type.title.to_string())
            .unwrap_or_else(|| stored.kind.clone());
        CredentialInfo {
            used_by: usage.get(&stored.name).cloned().unwrap_or_default(),
            id: stored.id,
            name: stored.name,
            kind: stored.kind,
            title,
            fields: stored.fields,
            secrets_set: stored.secret_fields,
        }
    }

    /// Credential name → names of the stored flows whose nodes use it.
    fn credential_usage(&self) -> Result<HashMap<String, Vec<String>>> {
        let mut usage: HashMap<String, Vec<String>> = HashMap::new();
        for summary in self.store().list_flows()? {
            let Some(stored) = self.store().flow(&summary.id)? else {
                continue;
            };
            let Ok(flow) = Flow::from_json(&stored.document) else {
                continue;
            };
            let mut names: Vec<String> = flow
                .nodes
                .iter()
                .filter_map(|node| node.credential.clone())
                .collect();
            names.sort();
            names.dedup();
            for name in names {
                usage.entry(name).or_default().push(flow.name.clone());
            }
        }
        Ok(usage)
    }

    /// Adds a credential (`editing` is None) or changes the one called `editing`. The fields are
    /// checked against the type's schema; secrets go to the secret store before anything is
    /// written to SQLite, so a keychain that refuses leaves everything as it was.
    pub fn save_credential(
        &self,
        input: CredentialInput,
        editing: Option<&str>,
    ) -> Result<CredentialInfo> {
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(Error::Credential("a credential needs a name".into()));
        }
        let existing = match editing {
            Some(editing) => Some(self.stored_credential(editing)?),
            None => None,
        };
        if let Some(taken) = self.store().credential_by_name(&name)?
            && existing.as_ref().map(|existing| &existing.id) != Some(&taken.id)
        {
            return Err(Error::Credential(format!(
                "a credential named '{name}' exists already; choose another name or edit that one"
            )));
        }
        let credential_type = self.credential_type(&input.kind)?;
        let secret_fields = credential_type.secret_fields();
        let managed = credential_type.managed_fields();
        if let Some(field) = input
            .fields
            .keys()
            .chain(input.secrets.keys())
            .find(|field| managed.contains(field))
        {
            return Err(Error::Credential(format!(
                "'{field}' is kept by Sluice itself (connect the credential to set it)"
            )));
        }
        let known: Vec<String> = credential_type
            .fields()
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        for field in input.fields.keys().chain(input.secrets.keys()) {
            if !known.contains(field) {
                return Err(Error::Credential(format!(
                    "'{field}' is not a field of a {} credential; its fields are: {}",
                    credential_type.title,
                    known.join(", ")
                )));
            }
        }
        for field in input.fields.keys() {
            if secret_fields.contains(field) {
                return Err(Error::Credential(format!(
                    "'{field}' is a secret: give it as a secret (a prompt or stdin), not as a field"
                )));
            }
        }
        // Secrets already set stay set unless a new value is given; switching types drops them.
        let same_kind = existing
            .as_ref()
            .is_some_and(|existing| existing.kind == input.kind);
        let kept: Vec<String> = match (&existing, same_kind) {
            (Some(existing), true) => existing.secret_fields.clone(),
            _ => Vec::new(),
        };
        let mut fields = Map::new();
        if let Some(existing) = existing.as_ref().filter(|_| same_kind) {
            for field in &managed {
                if let Some(value) = existing.fields.get(field) {
                    fields.insert(field.clone(), value.clone());
                }
            }
        }
        for (field, value) in input.fields {
            let blank =
                matches!(&value, Value::String(text) if text.trim().is_empty()) || value.is_null();
            if !blank {
                fields.insert(field, value);
            }
        }
        for (field, property) in credential_type.fields() {
            if let (Some(value), Some(choices)) = (fields.get(&field), property["enum"].as_array())
                && !choices.contains(value)
            {
                let choices: Vec<String> = choices.iter().map(text_of).collect();
                return Err(Error::Credential(format!(
                    "'{field}' must be one of {}, not {}",
                    choices.join(", "),
                    text_of(value)
                )));
            }
            if !fields.contains_key(&field)
                && !secret_fields.contains(&field)
                && let Some(default) = property.get("default")
            {
                fields.insert(field, default.clone());
            }
        }
        crate::credential_hosts::fill_hosts(&credential_type, &mut fields);
        let secrets: BTreeMap<String, String> = input
            .secrets
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .collect();
        for required in credential_type.required_fields() {
            let present = fields.contains_key(&required)
                || secrets.contains_key(&required)
                || kept.contains(&required);
            if !present {
                let how = if secret_fields.contains(&required) {
                    "a secret"
                } else {
                    "a field"
                };
                return Err(Error::Credential(format!(
                    "a {} credential needs '{required}' ({how})",
                    credential_type.title
                )));
            }
        }
        let id = existing
            .as_ref()
            .map(|existing| existing.id.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let mut secrets_set: Vec<String> = kept;
        for (field, value) in &secrets {
            self.secrets().set(
                &SecretKey {
                    credential_id: &id,
                    credential_name: &name,
                    field,
                },
                value,
            )?;
            if !secrets_set.contains(field) {
                secrets_set.push(field.clone());
            }
        }
        if let Some(existing) = existing.as_ref().filter(|_| !same_kind) {
            for field in &existing.secret_fields {
                self.forget_secret(existing, field)?;
            }
        }
        secrets_set.sort();
        let stored = StoredCredential {
            id,
            name: name.clone(),
            kind: input.kind,
            fields,
            secret_fields: secrets_set,
            created_at: String::new(),
            updated_at: String::new(),
        };
        self.store().save_credential(&stored)?;
        if let Some(previous) = existing.filter(|previous| previous.name != name) {
            self.rename_in_flows(&previous.name, &name)?;
        }
        self.credential(&name)
    }

    fn forget_secret(&self, stored: &StoredCredential, field: &str) -> Result<()> {
        self.secrets().delete(&SecretKey {
            credential_id: &stored.id,
            credential_name: &stored.name,
            field,
        })
    }

    /// Renames a credential and the references to it in stored flows (each gets a new version).
    pub fn rename_credential(&self, name: &str, new_name: &str) -> Result<CredentialInfo> {
        let stored = self.stored_credential(name)?;
        self.save_credential(
            CredentialInput {
                name: new_name.to_string(),
                kind: stored.kind.clone(),
                fields: stored.fields.clone(),
                secrets: BTreeMap::new(),
            },
            Some(name),
        )
    }

    fn rename_in_flows(&self, old: &str, new: &str) -> Result<()> {
        for summary in self.store().list_flows()? {
            let loaded = self.find_flow(&summary.id)?;
            if !loaded
                .flow
                .nodes
                .iter()
                .any(|node| node.credential.as_deref() == Some(old))
            {
                continue;
            }
            let mut flow = loaded.flow;
            for node in &mut flow.nodes {
                if node.credential.as_deref() == Some(old) {
                    node.credential = Some(new.to_string());
                }
            }
            self.save_flow(&flow, Some(&loaded.base_dir))?;
        }
        Ok(())
    }

    /// Deletes a credential and its secrets; returns the flows that used it (they will not run
    /// until it is added again).
    pub fn remove_credential(&self, name: &str) -> Result<Vec<String>> {
        let stored = self.stored_credential(name)?;
        for field in &stored.secret_fields {
            self.forget_secret(&stored, field)?;
        }
        self.store().delete_credential(&stored.id)?;
        Ok(self.credential_usage()?.remove(name).unwrap_or_default())
    }

    /// The credentials a flow's nodes name, by node id. A missing one is an error naming the
    /// node and what to do.
    pub(crate) fn credentials_for(
        &self,
        flow: &Flow,
    ) -> Result<HashMap<String, Arc<dyn CredentialAccess>>> {
        let mut resolved: HashMap<String, Arc<dyn CredentialAccess>> = HashMap::new();
        let mut by_name: HashMap<String, Arc<dyn CredentialAccess>> = HashMap::new();
        for node in &flow.nodes {
            let Some(name) = &node.credential else {
                continue;
            };
            if let Some(access) = by_name.get(name) {
                resolved.insert(node.id.clone(), access.clone());
                continue;
            }
            let stored = self.store().credential_by_name(name)?.ok_or_else(|| {
                Error::Credential(format!(
                    "node '{}' uses the credential '{name}', which does not exist here: add it \
                     with `sluice credentials add` or in the studio's Credentials view",
                    node.id
                ))
            })?;
            let access = self.resolve_credential(stored)?;
            by_name.insert(name.clone(), access.clone());
            resolved.insert(node.id.clone(), access);
        }
        Ok(resolved)
    }
}

impl sluice_core::commit::CredentialLookup for Sluice {
    fn credential(&self, name: &str) -> std::result::Result<Arc<dyn CredentialAccess>, String> {
        let stored = self
            .store()
            .credential_by_name(name)
            .map_err(|error| error.to_string())?
            .ok_or_else(|| {
                format!("the credential '{name}' it was written with no longer exists: add it again under that name")
            })?;
        self.resolve_credential(stored)
            .map_err(|error| error.to_string())
    }
}
