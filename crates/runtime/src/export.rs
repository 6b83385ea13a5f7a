//! Flows that travel: an export writes file paths under the flow's folder relative to it (the
//! importer resolves them against the file's folder) and names the absolute ones left in
//! warnings; an import warns when the flow writes where another stored flow writes.

use std::path::{Path, PathBuf};

use sluice_core::Flow;
use sluice_core::component::Reach;

use crate::{Error, Result, Sluice};

/// A flow document ready to share, and what in it may not travel.
#[derive(Debug, Clone)]
pub struct ExportedFlow {
    /// The flow as pretty JSON.
    pub document: String,
    /// One sentence per absolute path left in it.
    pub warnings: Vec<String>,
}

impl Sluice {
    /// A stored flow as a document to share (see the module doc). It holds credential names,
    /// never secrets.
    pub fn export_flow(&self, reference: &str) -> Result<ExportedFlow> {
        let loaded = self.find_flow(reference)?;
        let mut flow = loaded.flow;
        let warnings = self.make_paths_relative(&mut flow, &loaded.base_dir);
        flow.connectors = self.connectors_to_carry(&flow)?;
        Ok(ExportedFlow {
            document: flow.to_json(),
            warnings,
        })
    }

    /// Writes [`Sluice::export_flow`]'s document to `path`; gives back its warnings.
    pub fn export_flow_to(&self, reference: &str, path: &Path) -> Result<Vec<String>> {
        let exported = self.export_flow(reference)?;
        std::fs::write(path, format!("{}\n", exported.document)).map_err(|source| Error::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })?;
        Ok(exported.warnings)
    }

    /// Rewrites each node's absolute file paths under `folder` as relative ones; warns about the
    /// absolute paths outside it.
    fn make_paths_relative(&self, flow: &mut Flow, folder: &Path) -> Vec<String> {
        let mut warnings = Vec::new();
        for node in &mut flow.nodes {
            for reach in self.reaches_of(node) {
                let (Reach::Reads { path } | Reach::Writes { path }) = reach else {
                    continue;
                };
                if !path.is_absolute() {
                    continue;
                }
                match path.strip_prefix(folder) {
                    Ok(relative) => replace_text(&mut node.config, &path, relative),
                    Err(_) => warnings.push(format!(
                        "node `{}` uses the absolute path {}; on another computer it will likely not exist — put the file in the flow's folder ({}) or fix the path after importing",
                        node.id,
                        path.display(),
                        folder.display()
                    )),
                }
            }
        }
        warnings
    }
}

/// Replaces every string in `config` that spells `from` with `to`.
fn replace_text(config: &mut serde_json::Value, from: &Path, to: &Path) {
    match config {
        serde_json::Value::String(text) if Path::new(text.as_str()) == from => {
            // Forward slashes: the file is read on any system.
            let parts: Vec<String> = (to.components())
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            *text = parts.join("/");
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_text(item, from, to)),
        serde_json::Value::Object(fields) => fields
            .values_mut()
            .for_each(|field| replace_text(field, from, to)),
        _ => {}
    }
}

impl Sluice {
    /// One warning per other stored flow that writes a file `flow` writes too (an imported copy
    /// of a flow adds to the original's data unless its destination changes).
    pub(crate) fn shared_destinations(&self, flow: &Flow, base_dir: &Path) -> Result<Vec<String>> {
        let written = self.written_files(flow, base_dir);
        let mut warnings = Vec::new();
        if written.is_empty() {
            return Ok(warnings);
        }
        for summary in self.store().list_flows()? {
            if summary.id == flow.id {
                continue;
            }
            let Ok(other) = self.find_flow(&summary.id) else {
                continue;
            };
            for path in self.written_files(&other.flow, &other.base_dir) {
                if written.contains(&path) {
                    warnings.push(format!(
                        "it writes to {}, as the flow “{}” does: change the path if it should not add to that flow's data",
                        path.display(),
                        summary.name
                    ));
                }
            }
        }
        Ok(warnings)
    }

    /// The files a flow's nodes write, resolved against its folder.
    fn written_files(&self, flow: &Flow, base_dir: &Path) -> Vec<PathBuf> {
        (flow.nodes.iter())
            .flat_map(|node| self.reaches_of(node))
            .filter_map(|reach| match reach {
                Reach::Writes { path } => Some(base_dir.join(path)),
                _ => None,
            })
            .collect()
    }
}
