//! Flows as the runtime handles them: reading and validating flow files, importing them into the
//! store, exporting them, and finding stored flows by id or name.

use std::path::{Path, PathBuf};

use sluice_core::Flow;
use sluice_core::validate::validate;
use sluice_store::{FlowSummary, SaveNote};

use crate::history::{VersionNote, change_label};
use crate::{Error, Result, Sluice};

/// A flow ready to run or edit, with the folder its relative paths resolve against.
#[derive(Debug, Clone)]
pub struct LoadedFlow {
    pub flow: Flow,
    pub base_dir: PathBuf,
    /// The stored version, when it comes from the store.
    pub version: Option<i64>,
}

/// A stored flow as the studio edits it: the document, where its relative paths resolve, its
/// version, and what keeps it from running.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct FlowDocument {
    pub flow: Flow,
    pub base_dir: String,
    pub version: Option<i64>,
    pub problems: Vec<sluice_core::validate::Problem>,
    /// What the nodes' settings advise; never in the way of a run (e.g. appending adds rows again
    /// on every run).
    pub advice: Vec<sluice_core::validate::Problem>,
    /// Whether it may run and preview: false for a flow from elsewhere until the person
    /// approves what it touches (see `review_flow`).
    pub trusted: bool,
}

/// A stored flow as listed, with its latest run and its schedule.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct FlowListing {
    #[serde(flatten)]
    pub summary: FlowSummary,
    pub last_run: Option<sluice_store::RunRecord>,
    /// The schedule in words, when the flow has an enabled one.
    pub schedule: Option<String>,
    /// The next time the scheduler will run it (RFC 3339), once a scheduler has seen it.
    pub next_fire_at: Option<String>,
    /// False for a flow from elsewhere that waits for the person's review.
    pub trusted: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ImportOutcome {
    pub flow_id: String,
    pub name: String,
    pub version: i64,
    /// Set when the file's id was already taken and the flow was stored under a new one.
    pub replaced_id: Option<String>,
    /// Credentials the flow's nodes name; they must exist before it runs.
    pub credentials_needed: Vec<String>,
    /// Those of them that do not exist in this installation yet.
    pub credentials_missing: Vec<String>,
    /// Whether it may run: false until the person approves what it touches.
    pub trusted: bool,
    /// What keeps it from running: a flow with problems is imported as a draft to fix in the
    /// editor.
    pub problems: Vec<sluice_core::validate::Problem>,
    /// What the person should know: e.g. it writes where another stored flow writes too.
    pub warnings: Vec<String>,
}

impl Sluice {
    /// Reads and validates a flow document. `source` names it in error messages.
    pub fn parse_flow(&self, text: &str, source: &str) -> Result<Flow> {
        let flow = Flow::from_json(text).map_err(|error| Error::Parse {
            file: source.to_string(),
            error,
        })?;
        validate(&flow, &self.registry()).map_err(|report| Error::Invalid {
            file: source.to_string(),
            report,
        })?;
        Ok(flow)
    }

    /// Reads and validates a flow file; its relative paths resolve against its folder.
    pub fn load_flow_file(&self, path: &Path) -> Result<LoadedFlow> {
        let loaded = self.read_flow_file(path)?;
        validate(&loaded.flow, &self.registry()).map_err(|report| Error::Invalid {
            file: path.display().to_string(),
            report,
        })?;
        Ok(loaded)
    }

    /// Reads a flow file without checking more than its structure (an unfinished flow, for a
    /// preview of part of it); its relative paths resolve against its folder.
    pub fn read_flow_file(&self, path: &Path) -> Result<LoadedFlow> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let flow = Flow::from_json(&text).map_err(|error| Error::Parse {
            file: path.display().to_string(),
            error,
        })?;
        Ok(LoadedFlow {
            flow,
            base_dir: folder_of(path),
            version: None,
        })
    }

    /// Imports a flow file into the store. When its id is taken by another stored flow it gets
    /// a new id, unless `replace` is set (then it becomes a new version of that flow). A file
    /// that is not a flow document is refused with its line; a flow with problems (a misspelled
    /// node type, a missing field) is imported as a draft with its problems listed.
    pub fn import_flow_file(&self, path: &Path, replace: bool) -> Result<ImportOutcome> {
        let loaded = self.read_flow_file(path)?;
        self.import_flow(loaded.flow, &loaded.base_dir, replace)
    }

    /// Imports a flow. A flow from elsewhere runs only once the person approves it (unless it is
    /// a version they approved already), and its schedule is off until they turn it on.
    pub fn import_flow(
        &self,
        mut flow: Flow,
        base_dir: &Path,
        replace: bool,
    ) -> Result<ImportOutcome> {
        if let Some(schedule) = &mut flow.schedule {
            schedule.enabled = false;
        }
        let brought = self.take_carried_connectors(&mut flow)?;
        let mut replaced_id = None;
        if !replace && self.store().flow(&flow.id)?.is_some() {
            replaced_id = Some(std::mem::replace(
                &mut flow.id,
                uuid::Uuid::now_v7().to_string(),
            ));
        }
        let version = self.store().save_flow(
            &flow.id,
            &flow.name,
            &flow.to_json(),
            Some(&base_dir.to_string_lossy()),
            &SaveNote {
                describe: &|before| change_label(Some("imported"), before, &flow),
                edit: false,
            },
        )?;
        let mut credentials_needed: Vec<String> = flow
            .nodes
            .iter()
            .filter_map(|node| node.credential.clone())
            .collect();
        credentials_needed.sort();
        credentials_needed.dedup();
        let mut credentials_missing = Vec::new();
        for name in &credentials_needed {
            if self.store().credential_by_name(name)?.is_none() {
                credentials_missing.push(name.clone());
            }
        }
        let trusted = self.store().trusted_version(&flow.id)? == Some(version);
        let problems = self.validate_flow(&flow);
        let mut warnings = self.shared_destinations(&flow, base_dir)?;
        warnings.extend(brought);
        Ok(ImportOutcome {
            flow_id: flow.id,
            name: flow.name,
            version,
            replaced_id,
            credentials_needed,
            credentials_missing,
            trusted,
            problems,
            warnings,
        })
    }

    /// The stored flow matching `reference`: its id, a unique id prefix, or its exact name.
    pub fn find_flow(&self, reference: &str) -> Result<LoadedFlow> {
        let id = self.resolve_flow_id(reference)?;
        let stored = self
            .store()
            .flow(&id)?
            .ok_or_else(|| Error::NotFound(format!("no stored flow '{reference}'")))?;
        let flow = Flow::from_json(&stored.document).map_err(|error| Error::Parse {
            file: format!("stored flow '{reference}'"),
            error,
        })?;
        let base_dir = stored
            .base_dir
            .map(PathBuf::from)
            .unwrap_or_else(|| self.files_folder());
        Ok(LoadedFlow {
            flow,
            base_dir,
            version: Some(stored.summary.current_version),
        })
    }

    pub(crate) fn resolve_flow_id(&self, reference: &str) -> Result<String> {
        if self.store().flow(reference)?.is_some() {
            return Ok(reference.to_string());
        }
        let flows = self.store().list_flows()?;
        let by_prefix: Vec<&FlowSummary> = flows
            .iter()
            .filter(|flow| flow.id.starts_with(reference))
            .collect();
        if by_prefix.len() == 1 && reference.len() >= 4 {
            return Ok(by_prefix[0].id.clone());
        }
        let by_name = self.store().flows_named(reference)?;
        match by_name.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Error::NotFound(format!(
                "no stored flow has the id or name '{reference}'; `sluice flows list` shows them"
            ))),
            _ => Err(Error::NotFound(format!(
                "several flows are named '{reference}'; use the id instead"
            ))),
        }
    }

    /// Every stored flow with its latest run.
    pub fn list_flows(&self) -> Result<Vec<FlowListing>> {
        self.store()
            .list_flows()?
            .into_iter()
            .map(|summary| {
                let last_run = self.store().last_run_of(&summary.id)?;
                let schedule = self
                    .store()
                    .flow(&summary.id)?
                    .and_then(|stored| Flow::from_json(&stored.document).ok())
                    .and_then(|flow| flow.schedule)
                    .filter(|schedule| schedule.enabled);
                let next_fire_at = match &schedule {
                    Some(_) => self
                        .store()
                        .schedule_state(&summary.id)?
                        .and_then(|state| state.next_fire_at),
                    None => None,
                };
                let schedule = schedule.as_ref().map(sluice_core::schedule::describe);
                let trusted =
                    self.store().trusted_version(&summary.id)? == Some(summary.current_version);
                Ok(FlowListing {
                    summary,
                    last_run,
                    schedule,
                    next_fire_at,
                    trusted,
                })
            })
            .collect()
    }

    /// Creates an empty flow named `name`; its relative paths resolve against the home folder.
    pub fn create_flow(&self, name: &str) -> Result<LoadedFlow> {
        let flow = Flow {
            format: sluice_core::flow::FLOW_FORMAT.to_string(),
            id: uuid::Uuid::now_v7().to_string(),
            name: name.trim().to_string(),
            description: None,
            nodes: Vec::new(),
            edges: Vec::new(),
            vars: serde_json::Map::new(),
            schedule: None,
            connectors: Vec::new(),
            memory_mb: None,
        };
        let version = self.save_flow(&flow, Some(&self.files_folder()))?;
        Ok(LoadedFlow {
            flow,
            base_dir: self.files_folder(),
            version: Some(version),
        })
    }

    /// Renames a stored flow (a new version). The name must be new: flows are found by name.
    pub fn rename_flow(&self, reference: &str, name: &str) -> Result<i64> {
        let mut loaded = self.find_flow(reference)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Refused("a flow needs a name".into()));
        }
        let taken = self.store().flows_named(name)?;
        if taken.iter().any(|id| *id != loaded.flow.id) {
            return Err(Error::Refused(format!(
                "another flow is named “{name}”; choose a name no other flow has"
            )));
        }
        loaded.flow.name = name.to_string();
        self.save_flow(&loaded.flow, None)
    }

    /// Copies a stored flow under a new id and name; the copy starts with no sync state.
    pub fn duplicate_flow(&self, reference: &str, name: &str) -> Result<LoadedFlow> {
        let mut loaded = self.find_flow(reference)?;
        let trusted = self.is_trusted(&loaded)?;
        loaded.flow.id = uuid::Uuid::now_v7().to_string();
        loaded.flow.name = name.trim().to_string();
        loaded.version = Some(self.save_flow(&loaded.flow, Some(&loaded.base_dir))?);
        if !trusted {
            // A copy of a flow from elsewhere is from elsewhere too.
            self.store().distrust(&loaded.flow.id)?;
        }
        Ok(loaded)
    }

    /// A stored flow with its problems, for the studio.
    pub fn open_flow(&self, reference: &str) -> Result<FlowDocument> {
        let loaded = self.find_flow(reference)?;
        Ok(self.document(loaded))
    }

    /// A loaded flow with its problems.
    pub fn document(&self, loaded: LoadedFlow) -> FlowDocument {
        let problems = self.validate_flow(&loaded.flow);
        let advice = sluice_core::validate::advise(&loaded.flow, &self.registry());
        let trusted = self.is_trusted(&loaded).unwrap_or(false);
        FlowDocument {
            trusted,
            advice,
            flow: loaded.flow,
            base_dir: loaded.base_dir.to_string_lossy().into_owned(),
            version: loaded.version,
            problems,
        }
    }

    /// Saves an edited flow (a draft may be invalid) and returns it with its problems. `pasted`
    /// names the nodes pasted in since the last save: they come from elsewhere, so when one of
    /// them reaches outside the flow (files, hosts, requests, a credential) the flow needs the
    /// person's approval again.
    pub fn save_document(&self, flow: Flow, pasted: &[String]) -> Result<FlowDocument> {
        let base_dir = match self.store().flow(&flow.id)? {
            Some(stored) => stored
                .base_dir
                .map(PathBuf::from)
                .unwrap_or_else(|| self.files_folder()),
            None => self.files_folder(),
        };
        // Before the save: no moment where the pasted nodes' version counts as approved.
        let from_elsewhere = self.reaches_outside(&flow, pasted);
        if from_elsewhere {
            self.store().distrust(&flow.id)?;
        }
        let note = VersionNote {
            why: None,
            edit: true,
            may_approve: !from_elsewhere,
        };
        let version = self.save_version(&flow, Some(&base_dir), &note)?;
        Ok(self.document(LoadedFlow {
            flow,
            base_dir,
            version: Some(version),
        }))
    }

    /// Whether one of `nodes` of `flow` reaches outside it or names a credential.
    fn reaches_outside(&self, flow: &Flow, nodes: &[String]) -> bool {
        flow.nodes
            .iter()
            .filter(|node| nodes.contains(&node.id))
            .any(|node| node.credential.is_some() || !self.reaches_of(node).is_empty())
    }

    /// A flow being edited, ready to preview or run: relative paths resolve against its stored
    /// folder (the files folder for a flow never saved).
    pub fn loaded_draft(&self, flow: Flow) -> Result<LoadedFlow> {
        let stored = self.store().flow(&flow.id)?;
        let base_dir = stored
            .as_ref()
            .and_then(|stored| stored.base_dir.clone())
            .map(PathBuf::from)
            .unwrap_or_else(|| self.files_folder());
        let version = stored.map(|stored| stored.summary.current_version);
        Ok(LoadedFlow {
            flow,
            base_dir,
            version,
        })
    }

    /// Every problem that keeps a flow from running (none: it can run).
    pub fn validate_flow(&self, flow: &Flow) -> Vec<sluice_core::validate::Problem> {
        match validate(flow, &self.registry()) {
            Ok(()) => Vec::new(),
            Err(report) => report.problems,
        }
    }

    /// Deletes a stored flow (its run history stays).
    pub fn delete_flow(&self, reference: &str) -> Result<()> {
        let id = self.resolve_flow_id(reference)?;
        self.store().delete_flow(&id)?;
        Ok(())
    }
}

/// The folder a file is in, made absolute so a stored flow keeps working from anywhere.
fn folder_of(path: &Path) -> PathBuf {
    let folder = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf())
}
