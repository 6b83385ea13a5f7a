//! `sluice credentials`: credential types, adding, testing and removing credentials, OAuth2
//! sign-in in the browser.

use clap::Subcommand;
use sluice_runtime::Sluice;

use crate::{Failure, output};

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// List the credential types and their fields (secret ones marked).
    Types,
    /// List the credentials (never their secrets) and the flows that use them.
    List,
    /// Add a credential. Its secrets are asked for at a prompt, or read from standard input
    /// (one line per secret field, in the order `sluice credentials types` lists them) — never
    /// from the command line.
    Add {
        /// The name flows refer to it by.
        name: String,
        /// Its type, e.g. http.bearer (see `sluice credentials types`).
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// A non-secret field, as NAME=VALUE (repeatable).
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
    },
    /// Change a credential's fields, name or secrets.
    Edit {
        name: String,
        /// A non-secret field to set, as NAME=VALUE (repeatable).
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// A new name (flows that use it are updated).
        #[arg(long)]
        rename: Option<String>,
        /// Enter the secrets again (prompt or standard input).
        #[arg(long)]
        secrets: bool,
    },
    /// Check that a credential works (Test connection).
    Test { name: String },
    /// Connect an OAuth2 credential: sign in in the browser (the address is also printed), or
    /// fetch a token with the client credentials grant.
    Connect { name: String },
    /// Disconnect an OAuth2 credential: revoke its tokens where the provider allows, forget them.
    Disconnect { name: String },
    /// Delete a credential and its secrets.
    Remove { name: String },
}

/// `NAME=VALUE` arguments as a JSON object of strings.
fn field_arguments(
    arguments: &[String],
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    arguments
        .iter()
        .map(|argument| {
            let (name, value) = argument.split_once('=').ok_or_else(|| Failure {
                code: 2,
                message: format!("--field {argument}: write it as NAME=VALUE"),
            })?;
            Ok((
                name.trim().to_string(),
                serde_json::Value::String(value.to_string()),
            ))
        })
        .collect()
}

/// The secrets of a credential type: asked for at a hidden prompt when standard input is a
/// terminal, otherwise read from it one line each. Empty answers are left out.
fn read_secrets(
    sluice: &Sluice,
    kind: &str,
) -> Result<std::collections::BTreeMap<String, String>, Failure> {
    use std::io::{BufRead, IsTerminal};
    let Some(credential_type) = sluice
        .credential_types()
        .into_iter()
        .find(|credential_type| credential_type.kind == kind)
    else {
        return Ok(Default::default());
    };
    let interactive = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    let mut secrets = std::collections::BTreeMap::new();
    for field in credential_type.secret_fields {
        let value = if interactive {
            rpassword::prompt_password(format!("{field} (not shown): ")).map_err(|error| {
                Failure {
                    code: 1,
                    message: format!("cannot read {field}: {error}"),
                }
            })?
        } else {
            match lines.next() {
                Some(line) => line.map_err(|error| Failure {
                    code: 1,
                    message: format!("cannot read {field} from standard input: {error}"),
                })?,
                None => String::new(),
            }
        };
        let value = value.trim_end_matches(['\r', '\n']).to_string();
        if !value.is_empty() {
            secrets.insert(field, value);
        }
    }
    Ok(secrets)
}

pub async fn credentials(
    sluice: &Sluice,
    command: CredentialsCommand,
    json: bool,
) -> Result<u8, Failure> {
    match command {
        CredentialsCommand::Types => output::credential_types(&sluice.credential_types(), json),
        CredentialsCommand::List => output::credentials(&sluice.credentials()?, json),
        CredentialsCommand::Add { name, kind, fields } => {
            let fields = field_arguments(&fields)?;
            let secrets = read_secrets(sluice, &kind)?;
            let saved = sluice.save_credential(
                sluice_runtime::CredentialInput {
                    name,
                    kind,
                    fields,
                    secrets,
                },
                None,
            )?;
            output::credential_saved(&saved, sluice.secrets().describe().as_str(), json);
        }
        CredentialsCommand::Edit {
            name,
            fields,
            rename,
            secrets,
        } => {
            let current = sluice.credential(&name)?;
            let mut merged = current.fields.clone();
            merged.extend(field_arguments(&fields)?);
            let secrets = if secrets {
                read_secrets(sluice, &current.kind)?
            } else {
                Default::default()
            };
            let saved = sluice.save_credential(
                sluice_runtime::CredentialInput {
                    name: rename.unwrap_or(name.clone()),
                    kind: current.kind,
                    fields: merged,
                    secrets,
                },
                Some(&name),
            )?;
            output::credential_saved(&saved, sluice.secrets().describe().as_str(), json);
        }
        CredentialsCommand::Test { name } => {
            let tester = sluice.clone();
            let outcome = tokio::task::spawn_blocking(move || tester.test_credential(&name))
                .await
                .map_err(|error| Failure {
                    code: 1,
                    message: format!("the test stopped unexpectedly: {error}"),
                })?;
            match outcome {
                Ok(message) => say!("{message}"),
                Err(error) => return Err(error.into()),
            }
        }
        CredentialsCommand::Connect { name } => {
            let connector = sluice.clone();
            let connected = tokio::task::spawn_blocking(move || {
                connector.connect_oauth2(
                    &name,
                    &open_in_browser,
                    std::time::Duration::from_secs(300),
                )
            })
            .await
            .map_err(|error| Failure {
                code: 1,
                message: format!("connecting stopped unexpectedly: {error}"),
            })??;
            output::credential_saved(&connected, sluice.secrets().describe().as_str(), json);
        }
        CredentialsCommand::Disconnect { name } => {
            let disconnector = sluice.clone();
            let target = name.clone();
            tokio::task::spawn_blocking(move || disconnector.disconnect_oauth2(&target))
                .await
                .map_err(|error| Failure {
                    code: 1,
                    message: format!("disconnecting stopped unexpectedly: {error}"),
                })??;
            if !json {
                say!("disconnected '{name}': its tokens are revoked and forgotten");
            }
        }
        CredentialsCommand::Remove { name } => {
            let used_by = sluice.remove_credential(&name)?;
            if !json {
                say!("removed credential '{name}' and its secrets");
                if !used_by.is_empty() {
                    say!(
                        "these flows use it and will not run until it is added again: {}",
                        used_by.join(", ")
                    );
                }
            }
        }
    }
    Ok(0)
}

/// Prints the sign-in address and asks the system to open it in the browser.
fn open_in_browser(url: &str) -> Result<(), String> {
    eprintln!(
        "Sign in to connect the credential; if no browser opens, open this address:\n  {url}"
    );
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    // A missing opener is fine: the address is printed.
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    Ok(())
}
