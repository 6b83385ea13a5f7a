//! A connector's settings as its manifest's `spec.connection_specification` describes them:
//! which fields are secrets (`airbyte_secret`, at any depth, in any `oneOf` choice) and go to a
//! credential, the form of the rest, defaults filled and required fields checked.

use serde_json::{Map, Value, json};

/// The settings fields of one spec.
#[derive(Debug, Clone, Default)]
pub struct SpecFields {
    spec: Value,
    /// Secret fields by dotted path (`credentials.api_token`), with their schema and whether required.
    secrets: Vec<(String, Value, bool)>,
}

impl SpecFields {
    pub fn of(spec: Option<&Value>) -> SpecFields {
        let spec = spec
            .cloned()
            .unwrap_or_else(|| json!({ "type": "object", "properties": {} }));
        let mut secrets = Vec::new();
        collect_secrets(&spec, "", true, &mut secrets);
        SpecFields { spec, secrets }
    }

    pub fn has_secrets(&self) -> bool {
        !self.secrets.is_empty()
    }

    pub fn secret_paths(&self) -> Vec<String> {
        self.secrets
            .iter()
            .map(|(path, _, _)| path.clone())
            .collect()
    }

    pub fn is_required_secret(&self, path: &str) -> bool {
        self.secrets
            .iter()
            .any(|(secret, _, required)| secret == path && *required)
    }

    /// The spec without its secret fields: the node form's `settings`.
    pub fn settings_schema(&self) -> Value {
        let mut schema = without_secrets(&self.spec);
        if let Value::Object(fields) = &mut schema {
            fields.remove("$schema");
            fields.insert("title".into(), json!("Settings"));
            fields.insert("description".into(), json!("The connector's settings, as its manifest's spec describes them; its secrets are in the credential."));
            fields.insert("additionalProperties".into(), json!(false));
        }
        schema
    }

    /// The credential's fields: each secret, the hosts it may be sent to, and when the connector
    /// fetches access tokens (`keeps_tokens`), the fields Sluice keeps them in.
    pub fn credential_schema(&self, hosts: &[String], keeps_tokens: bool) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (path, schema, is_required) in &self.secrets {
            let title = schema.get("title").cloned().unwrap_or_else(|| json!(path));
            let mut field = json!({ "type": "string", "title": title, "writeOnly": true });
            if let Some(description) = schema.get("description") {
                field["description"] = description.clone();
            }
            properties.insert(path.clone(), field);
            if *is_required {
                required.push(json!(path));
            }
        }
        properties.insert(
            "hosts".into(),
            json!({
                "type": "string",
                "title": "Hosts",
                "description": "The hosts these secrets may be sent to, separated by commas. A request to any other host fails before it is sent, as does one over plain http to another machine unless it is listed as http://host.",
                "default": hosts.join(", "),
            }),
        );
        if keeps_tokens {
            properties.extend(sluice_core::credential::kept_token_properties());
        }
        json!({ "type": "object", "required": required, "properties": properties })
    }

    /// The node's settings with defaults filled; refused (field, why) when a required field is
    /// missing or a value is not of its type.
    pub fn check_settings(
        &self,
        mut settings: Map<String, Value>,
    ) -> Result<Map<String, Value>, (String, String)> {
        let properties = self
            .spec
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, schema) in &properties {
            if is_secret(schema) {
                continue;
            }
            if !settings.contains_key(name)
                && let Some(default) = schema.get("default")
            {
                settings.insert(name.clone(), default.clone());
            }
            if let Some(value) = settings.get(name)
                && let Some(problem) = type_problem(schema, value)
            {
                return Err((name.clone(), problem));
            }
        }
        for name in self
            .spec
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let secret = properties.get(name).is_some_and(is_secret);
            if !secret
                && settings
                    .get(name)
                    .is_none_or(|value| value.is_null() || value == "")
            {
                let title = properties
                    .get(name)
                    .and_then(|schema| schema.get("title"))
                    .and_then(Value::as_str)
                    .unwrap_or(name);
                return Err((name.to_string(), format!("{title} is required")));
            }
        }
        Ok(settings)
    }
}

fn is_secret(schema: &Value) -> bool {
    schema.get("airbyte_secret") == Some(&Value::Bool(true))
}

fn collect_secrets(
    schema: &Value,
    path: &str,
    required_here: bool,
    into: &mut Vec<(String, Value, bool)>,
) {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            if is_secret(property) {
                if !into.iter().any(|(existing, _, _)| *existing == child) {
                    into.push((
                        child,
                        property.clone(),
                        required_here && required.contains(&name.as_str()),
                    ));
                }
            } else {
                collect_secrets(
                    property,
                    &child,
                    required_here && required.contains(&name.as_str()),
                    into,
                );
            }
        }
    }
    for choice in ["oneOf", "anyOf"] {
        for variant in schema
            .get(choice)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // Which choice applies is the person's: no secret of one is required.
            collect_secrets(variant, path, false, into);
        }
    }
}

fn without_secrets(schema: &Value) -> Value {
    let Value::Object(fields) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in fields {
        let value = match key.as_str() {
            "properties" => {
                let properties = value.as_object().cloned().unwrap_or_default();
                Value::Object(
                    properties
                        .into_iter()
                        .filter(|(_, property)| !is_secret(property))
                        .map(|(name, property)| (name, without_secrets(&property)))
                        .collect(),
                )
            }
            "oneOf" | "anyOf" | "allOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(without_secrets)
                    .collect(),
            ),
            "required" => {
                let secret = |name: &str| {
                    fields
                        .get("properties")
                        .and_then(|properties| properties.get(name))
                        .is_some_and(is_secret)
                };
                Value::Array(
                    value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|name| !name.as_str().is_some_and(secret))
                        .cloned()
                        .collect(),
                )
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

/// Why `value` does not fit a simple `type`, if it does not.
fn type_problem(schema: &Value, value: &Value) -> Option<String> {
    let kinds: Vec<&str> = match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let fits = kinds.iter().any(|kind| match *kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    });
    (!fits).then(|| format!("expects {}, not {value}", kinds.join(" or ")))
}

/// Sets a dotted path in a JSON object, making objects on the way.
pub fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut at = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (index, part) in parts.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let fields = at.as_object_mut().expect("just made an object");
        if index + 1 == parts.len() {
            fields.insert(part.to_string(), value);
            return;
        }
        at = fields
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Value {
        json!({
            "type": "object",
            "required": ["api_key", "owner"],
            "properties": {
                "api_key": { "type": "string", "title": "API key", "airbyte_secret": true },
                "owner": { "type": "string", "title": "Owner" },
                "per_page": { "type": "integer", "default": 100 },
                "credentials": {
                    "type": "object",
                    "oneOf": [
                        { "properties": { "auth_type": { "const": "token" }, "token": { "type": "string", "airbyte_secret": true } } },
                        { "properties": { "auth_type": { "const": "oauth" }, "client_secret": { "type": "string", "airbyte_secret": true } } }
                    ]
                }
            }
        })
    }

    #[test]
    fn secrets_are_found_at_any_depth_and_left_out_of_the_form() {
        let fields = SpecFields::of(Some(&spec()));
        assert_eq!(
            fields.secret_paths(),
            ["api_key", "credentials.token", "credentials.client_secret"]
        );
        assert!(
            fields.is_required_secret("api_key") && !fields.is_required_secret("credentials.token")
        );
        let form = fields.settings_schema().to_string();
        assert!(
            !form.contains("airbyte_secret") && form.contains("owner"),
            "{form}"
        );
        assert_eq!(fields.settings_schema()["required"], json!(["owner"]));
        let credential = fields.credential_schema(&["api.example.com".into()], false);
        assert_eq!(
            credential["properties"]["api_key"]["writeOnly"],
            json!(true)
        );
        assert!(credential["properties"].get("kept_access_token").is_none());
        let keeping = fields.credential_schema(&[], true);
        assert_eq!(
            keeping["properties"]["kept_access_token"]["x-sluice-managed"],
            json!(true)
        );
        assert_eq!(
            credential["properties"]["hosts"]["default"],
            json!("api.example.com")
        );
        assert_eq!(credential["required"], json!(["api_key"]));
    }

    #[test]
    fn settings_get_defaults_and_are_checked() {
        let fields = SpecFields::of(Some(&spec()));
        let settings = fields
            .check_settings(json!({ "owner": "ada" }).as_object().unwrap().clone())
            .unwrap();
        assert_eq!(settings["per_page"], json!(100));
        assert_eq!(
            fields.check_settings(Map::new()).unwrap_err(),
            ("owner".to_string(), "Owner is required".to_string())
        );
        let wrong = json!({ "owner": "ada", "per_page": "many" })
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(fields.check_settings(wrong).unwrap_err().0, "per_page");
        let mut config = json!({});
        set_path(&mut config, "credentials.token", json!("t"));
        assert_eq!(config, json!({ "credentials": { "token": "t" } }));
    }
}
