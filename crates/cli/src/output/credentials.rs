//! Credentials as the CLI shows them: their types, the saved ones, and what a save did.

pub fn credential_types(types: &[sluice_runtime::CredentialTypeInfo], json: bool) {
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(types).expect("types serialise")
        );
        return;
    }
    for credential_type in types {
        say!("{}  {}", credential_type.kind, credential_type.title);
        say!("    {}", credential_type.description);
        if let Some(properties) = credential_type.schema["properties"].as_object() {
            let required: Vec<&str> = credential_type.schema["required"]
                .as_array()
                .map(|names| names.iter().filter_map(|name| name.as_str()).collect())
                .unwrap_or_default();
            for (field, property) in properties {
                let mut notes = Vec::new();
                if credential_type.secret_fields.contains(field) {
                    notes.push("secret".to_string());
                }
                if required.contains(&field.as_str()) {
                    notes.push("required".to_string());
                }
                if let Some(default) = property.get("default") {
                    notes.push(format!("default {default}"));
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join(", "))
                };
                say!(
                    "    --field {field}{notes}: {}",
                    property["description"]
                        .as_str()
                        .or(property["title"].as_str())
                        .unwrap_or("")
                );
            }
        }
    }
}

pub fn credentials(credentials: &[sluice_runtime::CredentialInfo], json: bool) {
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(credentials).expect("credentials serialise")
        );
        return;
    }
    if credentials.is_empty() {
        say!("no credentials yet; add one with `sluice credentials add NAME --type TYPE`");
        return;
    }
    for credential in credentials {
        let used = if credential.used_by.is_empty() {
            "not used by any flow".to_string()
        } else {
            format!("used by {}", credential.used_by.join(", "))
        };
        say!(
            "{}  {} ({})  secrets set: {}  {used}",
            credential.name,
            credential.title,
            credential.kind,
            if credential.secrets_set.is_empty() {
                "none".to_string()
            } else {
                credential.secrets_set.join(", ")
            }
        );
    }
}

pub fn credential_saved(
    credential: &sluice_runtime::CredentialInfo,
    secret_store: &str,
    json: bool,
) {
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(credential).expect("credential serialises")
        );
        return;
    }
    say!(
        "saved credential '{}' ({}); its secrets ({}) are in {secret_store}",
        credential.name,
        credential.title,
        if credential.secrets_set.is_empty() {
            "none".to_string()
        } else {
            credential.secrets_set.join(", ")
        }
    );
}
