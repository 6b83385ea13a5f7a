//! Credentials as components see them: the types connectors declare (a JSON Schema whose secret
//! fields are marked `"writeOnly": true`), and the access a component gets during a run. Where
//! secrets are kept is the runtime's business, never the flow's.

use std::borrow::Cow;
use std::fmt;

/// "Test connection": proves a credential works (a line saying how), or says why it does not.
pub type CredentialTest = std::sync::Arc<
    dyn Fn(std::sync::Arc<dyn CredentialAccess>) -> Result<String, String> + Send + Sync,
>;

/// For a database credential: the tables it can read, with their columns (for the node form's
/// table and column pickers), or why they cannot be listed.
pub type CredentialBrowse =
    fn(std::sync::Arc<dyn CredentialAccess>) -> Result<Vec<DatabaseTable>, String>;

/// A table (or view) a database credential can read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct DatabaseTable {
    pub schema: String,
    pub name: String,
    pub columns: Vec<DatabaseColumn>,
}

/// A column of a [`DatabaseTable`], with the database's name for its type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct DatabaseColumn {
    pub name: String,
    pub data_type: String,
}

/// A kind of credential a connector can use, e.g. a bearer token. Built-in kinds are known at
/// compile time; a connector manifest's is made when the manifest is registered.
#[derive(Clone)]
pub struct CredentialType {
    /// Its identifier, stored with each credential, e.g. `http.bearer`.
    pub kind: Cow<'static, str>,
    /// A short title for lists and forms.
    pub title: Cow<'static, str>,
    /// One or two sentences for the form.
    pub description: Cow<'static, str>,
    /// The JSON Schema of its fields; secret fields have `"writeOnly": true`.
    pub schema: std::sync::Arc<dyn Fn() -> serde_json::Value + Send + Sync>,
    /// "Test connection": proves the credential works, or says why it does not.
    pub test: Option<CredentialTest>,
    /// For a database: the tables it can read.
    pub browse: Option<CredentialBrowse>,
}

impl fmt::Debug for CredentialType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialType")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl CredentialType {
    /// A credential type whose fields are the struct `F`: its JSON Schema is the form (doc
    /// comments the help, `#[schemars(extend("writeOnly" = true))]` on secrets), and
    /// [`read_fields`] reads a credential back into it.
    pub fn typed<F: schemars::JsonSchema>(
        kind: &'static str,
        title: &'static str,
        description: &'static str,
    ) -> CredentialType {
        CredentialType {
            kind: kind.into(),
            title: title.into(),
            description: description.into(),
            schema: std::sync::Arc::new(|| {
                serde_json::to_value(schemars::schema_for!(F)).expect("schemas serialize")
            }),
            test: None,
            browse: None,
        }
    }

    /// The same type, with "Test connection".
    pub fn with_test(
        mut self,
        test: fn(std::sync::Arc<dyn CredentialAccess>) -> Result<String, String>,
    ) -> CredentialType {
        self.test = Some(std::sync::Arc::new(test));
        self
    }

    /// The same type, listing the tables it can read (a database).
    pub fn with_browse(mut self, browse: CredentialBrowse) -> CredentialType {
        self.browse = Some(browse);
        self
    }

    /// The fields Sluice maintains itself (tokens, expiry), marked `"x-sluice-managed": true`:
    /// not entered by people, kept across edits.
    pub fn managed_fields(&self) -> Vec<String> {
        self.fields()
            .into_iter()
            .filter(|(_, property)| property["x-sluice-managed"] == serde_json::Value::Bool(true))
            .map(|(name, _)| name)
            .collect()
    }

    /// The names of the fields that are secrets.
    pub fn secret_fields(&self) -> Vec<String> {
        self.fields()
            .into_iter()
            .filter(|(_, property)| property["writeOnly"] == serde_json::Value::Bool(true))
            .map(|(name, _)| name)
            .collect()
    }

    /// The names of the fields that must be given.
    pub fn required_fields(&self) -> Vec<String> {
        (self.schema)()["required"]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|name| name.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every field with its schema.
    pub fn fields(&self) -> Vec<(String, serde_json::Value)> {
        (self.schema)()["properties"]
            .as_object()
            .map(|properties| {
                properties
                    .iter()
                    .map(|(name, property)| (name.clone(), property.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A credential's values read into its type's struct `F` (fields left empty count as missing); a
/// missing required field is named, with what to do.
pub fn read_fields<F: serde::de::DeserializeOwned + schemars::JsonSchema>(
    credential: &dyn CredentialAccess,
) -> Result<F, String> {
    let schema = serde_json::to_value(schemars::schema_for!(F)).expect("schemas serialize");
    let mut values = serde_json::Map::new();
    for name in schema["properties"]
        .as_object()
        .into_iter()
        .flat_map(|properties| properties.keys())
    {
        if let Some(value) = credential.field(name).filter(|value| !value.is_empty()) {
            values.insert(name.clone(), serde_json::Value::String(value));
        }
    }
    serde_json::from_value(serde_json::Value::Object(values)).map_err(|error| {
        let message = error.to_string();
        match message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            Some(field) => format!(
                "the credential '{}' has no {field}: set it with `sluice credentials edit` or in the Credentials view",
                credential.name()
            ),
            None => format!("the credential '{}' is not usable: {message}", credential.name()),
        }
    })
}

/// A credential during a run: its fields, secrets included, looked up when needed. Its Debug
/// output names it and never shows a value.
pub trait CredentialAccess: Send + Sync + fmt::Debug {
    /// The credential's name, for messages.
    fn name(&self) -> &str;
    /// Its type, e.g. `http.bearer`.
    fn kind(&self) -> &str;
    /// A field's value (secret or not); `None` when it is not set.
    fn field(&self, name: &str) -> Option<String>;
    /// For OAuth2 credentials: a valid access token, refreshed ahead of expiry. `rejected` is
    /// the token the API just refused (a 401): a new one is fetched once.
    fn access_token(&self, rejected: Option<&str>) -> Result<String, String> {
        let _ = rejected;
        Err(format!(
            "the credential '{}' is not an OAuth2 credential",
            self.name()
        ))
    }
    /// For a connector that fetches its own tokens (a manifest's OAuth2): the token kept with
    /// the credential while it has over a minute left and is not `rejected` (the one an API
    /// just refused); else `fetch` gets a new one from the credential's current fields, and it
    /// is kept — with the fields the provider rotated, such as a new refresh token — before it
    /// is used. One fetch at a time per credential. This default keeps nothing.
    fn kept_token(
        &self,
        rejected: Option<&str>,
        fetch: TokenFetch<'_>,
    ) -> Result<IssuedToken, String> {
        let _ = rejected;
        fetch(&|name| self.field(name))
    }
}

/// Gets a new token given the credential's current fields (read by name).
pub type TokenFetch<'f> =
    &'f mut dyn FnMut(&dyn Fn(&str) -> Option<String>) -> Result<IssuedToken, String>;

/// A token a connector got for a credential.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    /// How long it is valid, when the provider said.
    pub expires_in: Option<std::time::Duration>,
    /// Fields of the credential the provider replaced (e.g. a rotated refresh token).
    pub rotated: Vec<(String, String)>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The managed fields that keep a connector's own token with its credential (see
/// [`CredentialAccess::kept_token`]): the access token (a secret) and when it expires.
pub const KEPT_ACCESS_TOKEN: &str = "kept_access_token";
pub const KEPT_TOKEN_EXPIRES_AT: &str = "kept_token_expires_at";

/// The schema properties of [`KEPT_ACCESS_TOKEN`] and [`KEPT_TOKEN_EXPIRES_AT`], for a
/// credential type whose connector fetches its own tokens.
pub fn kept_token_properties() -> serde_json::Map<String, serde_json::Value> {
    let serde_json::Value::Object(properties) = serde_json::json!({
        KEPT_ACCESS_TOKEN: {
            "type": "string",
            "description": "The access token Sluice got (kept by Sluice).",
            "writeOnly": true,
            "x-sluice-managed": true,
        },
        KEPT_TOKEN_EXPIRES_AT: {
            "type": "string",
            "description": "When the access token expires (kept by Sluice).",
            "x-sluice-managed": true,
        },
    }) else {
        unreachable!("an object")
    };
    properties
}
