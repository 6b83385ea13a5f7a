//! A stored flow's history: every save is a version (edits in the editor fold into one per
//! minute of editing), each labelled with what it changed; a version can be compared with the
//! flow as it is and restored.

use std::path::Path;

use sluice_core::Flow;
use sluice_core::flow_diff::FlowDiff;
use sluice_store::SaveNote;

use crate::{Error, Result, Sluice};

impl Sluice {
    /// Saves a flow as the new current version of the stored flow with its id (a version is
    /// kept only when the document changed). Work in progress is saved as it is — an invalid
    /// flow can be stored and edited, it just cannot run. These are the person's own edits: a
    /// new flow, or a new version of an approved one, is approved.
    pub fn save_flow(&self, flow: &Flow, base_dir: Option<&Path>) -> Result<i64> {
        let note = VersionNote {
            why: None,
            edit: false,
            may_approve: true,
        };
        self.save_version(flow, base_dir, &note)
    }

    /// Saves `flow` as [`Sluice::save_flow`] does, as `note` says.
    pub(crate) fn save_version(
        &self,
        flow: &Flow,
        base_dir: Option<&Path>,
        note: &VersionNote<'_>,
    ) -> Result<i64> {
        let VersionNote {
            why,
            edit,
            may_approve,
        } = *note;
        let stored = self.store().flow(&flow.id)?;
        let approved = may_approve
            && match &stored {
                Some(stored) => {
                    self.store().trusted_version(&flow.id)? == Some(stored.summary.current_version)
                }
                None => true,
            };
        let previous_schedule = stored
            .and_then(|stored| Flow::from_json(&stored.document).ok())
            .and_then(|stored| stored.schedule);
        if previous_schedule != flow.schedule {
            // A new or changed schedule owes nothing from before it.
            self.store().clear_schedule_state(&flow.id)?;
            self.schedule_changes.notify_one();
        }
        let base_dir = base_dir.map(|dir| dir.to_string_lossy().into_owned());
        let note = SaveNote {
            describe: &|before| change_label(why, before, flow),
            edit,
        };
        let version = self.store().save_flow(
            &flow.id,
            &flow.name,
            &flow.to_json(),
            base_dir.as_deref(),
            &note,
        )?;
        if approved {
            self.store().trust_version(&flow.id, version)?;
        }
        Ok(version)
    }

    /// Keeps the current version of a stored flow as it is (saved on purpose): the next edit
    /// starts a new version.
    pub fn keep_flow_version(&self, reference: &str) -> Result<()> {
        let loaded = self.find_flow(reference)?;
        let version = loaded.version.expect("a stored flow has a version");
        Ok(self.store().keep_version(&loaded.flow.id, version)?)
    }

    /// What restoring `version` would change in the stored flow as it is now.
    pub fn version_diff(&self, reference: &str, version: i64) -> Result<FlowDiff> {
        let current = self.find_flow(reference)?.flow;
        let earlier = self.flow_version(reference, version)?;
        Ok(sluice_core::flow_diff::diff(&current, &earlier))
    }

    /// An earlier version of a stored flow.
    pub fn flow_version(&self, reference: &str, version: i64) -> Result<Flow> {
        let id = self.resolve_flow_id(reference)?;
        let document = self.store().flow_version(&id, version)?.ok_or_else(|| {
            Error::NotFound(format!("flow '{reference}' has no version {version}"))
        })?;
        Flow::from_json(&document).map_err(|error| Error::Parse {
            file: format!("version {version} of flow '{reference}'"),
            error,
        })
    }

    /// Makes an earlier version current again, as a new version (nothing is lost). It is
    /// approved if that version was: an old version from elsewhere that was never approved asks
    /// for review again, whatever the current version's approval.
    pub fn restore_flow_version(&self, reference: &str, version: i64) -> Result<i64> {
        let flow = self.flow_version(reference, version)?;
        let why = format!("restored version {version}");
        let note = VersionNote {
            why: Some(&why),
            edit: false,
            may_approve: true,
        };
        let restored = self.save_version(&flow, None, &note)?;
        if self.store().version_approved(&flow.id, version)? {
            self.store().trust_version(&flow.id, restored)?;
        } else {
            self.store().distrust(&flow.id)?;
        }
        Ok(restored)
    }

    /// The saved versions of a stored flow, newest first.
    pub fn flow_versions(&self, reference: &str) -> Result<Vec<sluice_store::FlowVersion>> {
        let id = self.resolve_flow_id(reference)?;
        Ok(self.store().flow_versions(&id)?)
    }
}

/// How a save enters the history: `why` starts the version's label (before what changed); an
/// `edit` from the editor folds into the current version while that is an edit of the last minute
/// (see [`SaveNote`]); `may_approve` is false when the save holds nodes from elsewhere.
#[derive(Clone, Copy)]
pub(crate) struct VersionNote<'a> {
    pub why: Option<&'a str>,
    pub edit: bool,
    pub may_approve: bool,
}

/// A version's label: `why` (when given) and what changed from the `before` document; "created"
/// for a flow's first version.
pub(crate) fn change_label(why: Option<&str>, before: Option<&str>, flow: &Flow) -> String {
    let change = match before.map(Flow::from_json) {
        None => "created".to_string(),
        Some(Ok(before)) => sluice_core::flow_diff::diff(&before, flow).summary(),
        Some(Err(_)) => "changed".to_string(),
    };
    match why {
        Some(why) if before.is_none() => why.to_string(),
        Some(why) => format!("{why}: {change}"),
        None => change,
    }
}
