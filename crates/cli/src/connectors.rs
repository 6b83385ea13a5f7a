//! `sluice connectors`: the connectors built into Sluice and those imported from Airbyte's
//! declarative manifests (a file, or every manifest in a folder), listed, shown and removed.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use sluice_runtime::{ConnectorInfo, Sluice};

use crate::Failure;
use crate::output::{print_json, table};

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Import a manifest (Airbyte's declarative YAML), or every `manifest.yaml` / `*.yaml` in a
    /// folder: each becomes the node type `app.<id>`. Importing a changed manifest again adds a version.
    Import {
        /// A manifest file, or a folder of them.
        path: PathBuf,
        /// The connector's id (default: from the file or folder name, `source-` dropped).
        #[arg(long)]
        id: Option<String>,
        /// The name the palette shows (default: the spec's title).
        #[arg(long)]
        title: Option<String>,
    },
    /// List the connectors: built in, then imported.
    List,
    /// Show one connector: its streams, hosts and version.
    Show { id: String },
    /// Remove an imported connector, all its versions.
    Remove { id: String },
}

pub fn connectors(sluice: &Sluice, command: ConnectorCommand, json: bool) -> Result<u8, Failure> {
    match command {
        ConnectorCommand::Import { path, id, title } => {
            return import(sluice, &path, id.as_deref(), title.as_deref(), json);
        }
        ConnectorCommand::List => {
            let found = sluice.connectors()?;
            if json {
                print_json(&found);
            } else {
                let rows = found
                    .iter()
                    .map(|connector| {
                        vec![
                            connector.component.clone(),
                            connector.title.clone(),
                            connector
                                .version
                                .map_or("built in".to_string(), |version| format!("v{version}")),
                            connector.streams.join(", "),
                        ]
                    })
                    .collect();
                table(&["TYPE", "NAME", "VERSION", "STREAMS"], rows);
            }
        }
        ConnectorCommand::Show { id } => {
            let connector = sluice.connector(&id)?;
            if json {
                print_json(&connector);
            } else {
                show(&connector);
            }
        }
        ConnectorCommand::Remove { id } => {
            sluice.remove_connector(&id)?;
            if !json {
                say!("removed the connector {id}");
            }
        }
    }
    Ok(0)
}

fn show(connector: &ConnectorInfo) {
    say!("{} ({})", connector.title, connector.component);
    match (&connector.version, &connector.origin) {
        (Some(version), Some(origin)) => say!("version {version}, imported from {origin}"),
        _ => say!("built into Sluice"),
    }
    say!("streams: {}", connector.streams.join(", "));
    say!(
        "hosts: {}",
        if connector.hosts.is_empty() {
            "(named in its credential)".to_string()
        } else {
            connector.hosts.join(", ")
        }
    );
    if let Some(url) = &connector.documentation_url {
        say!("documentation: {url}");
    }
}

/// Imports one manifest, or each in a folder (reporting every refusal, exit 2 if any).
fn import(
    sluice: &Sluice,
    path: &Path,
    id: Option<&str>,
    title: Option<&str>,
    json: bool,
) -> Result<u8, Failure> {
    let files = manifests_in(path)?;
    if files.len() > 1 && id.is_some() {
        return Err(Failure {
            code: 2,
            message: "--id names one connector; give it with one manifest file".into(),
        });
    }
    let mut imported = Vec::new();
    let mut refused = Vec::new();
    for file in &files {
        match sluice.import_connector_file(file, id, title) {
            Ok(connector) => imported.push(connector),
            Err(error) => refused.push(error.to_string()),
        }
    }
    if json {
        print_json(&serde_json::json!({ "imported": imported, "refused": refused }));
    } else {
        for connector in &imported {
            say!(
                "imported {} as {} (version {}): streams {}",
                connector.title,
                connector.component,
                connector.version.unwrap_or(1),
                connector.streams.join(", ")
            );
        }
        for problem in &refused {
            say!("refused {problem}");
        }
        if files.len() > 1 {
            say!("{} of {} manifests imported", imported.len(), files.len());
        }
    }
    Ok(if refused.is_empty() { 0 } else { 2 })
}

/// The manifest files at `path`: the file itself, or a folder's `*.yaml` / `*.yml` files at any depth.
fn manifests_in(path: &Path) -> Result<Vec<PathBuf>, Failure> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|error| Failure {
            code: 1,
            message: format!("cannot read {}: {error}", folder.display()),
        })?;
        for entry in entries.flatten() {
            let entry_path = entry.path();
            // A linked folder is not followed: a link back up would never end.
            let is_folder = entry.file_type().is_ok_and(|kind| kind.is_dir());
            if is_folder {
                folders.push(entry_path);
            } else if matches!(
                entry_path
                    .extension()
                    .and_then(|extension| extension.to_str()),
                Some("yaml" | "yml")
            ) && entry_path
                .file_name()
                .is_some_and(|name| name != "metadata.yaml" && name != "acceptance-test-config.yml")
            {
                found.push(entry_path);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(Failure {
            code: 2,
            message: format!("{} holds no .yaml manifests", path.display()),
        });
    }
    Ok(found)
}
