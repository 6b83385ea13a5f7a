//! What the database credentials share: their fields (a connection URL, or host, port, database,
//! user and a password kept in the keychain; TLS and a CA file), with the help the form shows.

use serde_json::json;

/// The JSON Schema of a database credential: `url_example` shows its URL form, `default_port`
/// is the server's usual port, `verified_against` says what `verify-full` trusts without a CA
/// file.
pub fn credential_fields(
    url_example: &str,
    default_port: u16,
    verified_against: &str,
) -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "url": { "type": "string", "title": "Connection URL", "writeOnly": true,
                     "description": format!("Instead of the fields below: `{url_example}`. Kept in the keychain, as it may hold the password.") },
            "host": { "type": "string", "title": "Host", "description": "The server's name or address, e.g. db.example.com or 127.0.0.1." },
            "port": { "type": "integer", "title": "Port", "default": default_port, "minimum": 1, "maximum": 65535 },
            "database": { "type": "string", "title": "Database" },
            "user": { "type": "string", "title": "User" },
            "password": { "type": "string", "title": "Password", "writeOnly": true },
            "tls": { "type": "string", "title": "Encryption (TLS)", "enum": ["disable", "prefer", "require", "verify-full"], "default": "prefer",
                     "description": format!("disable: never. prefer: when the server offers it. require: always, trusting the server's certificate unless a CA file is given. verify-full: always, and the certificate must be valid for the host ({verified_against}, or the CA file).") },
            "ca_file": { "type": "string", "title": "CA certificate file", "description": "A PEM file with the certificate authority that signed the server's certificate, for a private CA." },
        }
    })
}
