//! What the database credentials share: their fields (a connection URL, or host, port, database,
//! user and a password kept in the keychain; TLS and a CA file) as a typed struct whose derived
//! schema is the form, with the help it shows.

// The struct declares the form; the connectors read the fields by name, as the URL replaces them.
#![allow(dead_code)]

use schemars::JsonSchema;
use serde::Deserialize;
use sluice_core::credential::CredentialType;

/// How the connection is encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(inline)]
pub enum Tls {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyFull,
}

/// A database server, database and user.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DatabaseFields {
    /// Instead of the fields below (see its example). Kept in the keychain, as it may hold the password.
    #[schemars(title = "Connection URL", extend("writeOnly" = true))]
    pub url: Option<String>,
    /// The server's name or address, e.g. db.example.com or 127.0.0.1.
    #[schemars(title = "Host")]
    pub host: Option<String>,
    /// The server's port.
    #[schemars(title = "Port", range(min = 1, max = 65535))]
    pub port: Option<u16>,
    /// The database to use.
    #[schemars(title = "Database")]
    pub database: Option<String>,
    /// The user to connect as.
    #[schemars(title = "User")]
    pub user: Option<String>,
    /// The user's password.
    #[schemars(title = "Password", extend("writeOnly" = true))]
    pub password: Option<String>,
    /// disable: never. prefer: when the server offers it. require: always, trusting the server's certificate unless a CA file is given. verify-full: always, and the certificate must be valid for the host (trusted CAs, or the CA file).
    #[schemars(title = "Encryption (TLS)")]
    #[serde(default)]
    pub tls: Tls,
    /// A PEM file with the certificate authority that signed the server's certificate, for a private CA.
    #[schemars(title = "CA certificate file")]
    pub ca_file: Option<String>,
}

/// A database's credential type: [`DatabaseFields`], with the database's URL form
/// (`url_example`) and usual port in the form.
pub fn credential_type(
    kind: &'static str,
    title: &'static str,
    description: &'static str,
    url_example: &'static str,
    default_port: u16,
) -> CredentialType {
    let mut credential_type = CredentialType::typed::<DatabaseFields>(kind, title, description);
    credential_type.schema = std::sync::Arc::new(move || {
        let mut schema =
            serde_json::to_value(schemars::schema_for!(DatabaseFields)).expect("schemas serialize");
        let properties = &mut schema["properties"];
        properties["url"]["description"] = format!(
            "Instead of the fields below: `{url_example}`. Kept in the keychain, as it may hold the password."
        )
        .into();
        properties["port"]["default"] = default_port.into();
        schema
    });
    credential_type
}
