//! Previews: a flow, or the part of it up to one node (the rest may be unfinished), run on a few
//! records with nothing written; nodes may be pinned to a sample kept as test input.

use std::collections::{BTreeMap, HashMap, HashSet};

use sluice_core::engine::{RunControl, RunOptions, RunReport, RunRequest, execute};
use sluice_core::flow::DEFAULT_PORT;
use sluice_core::validate::validate_for_preview;
use sluice_core::{Flow, Node};

use crate::flows::LoadedFlow;
use crate::runs::RunTarget;
use crate::{Error, Result, Sluice};

/// Pinned samples by node id.
pub type Pinned = BTreeMap<String, sluice_store::Sample>;

/// The most one pinned sample may take, as JSON.
const PINNED_BYTES: usize = 8 << 20;

/// What a preview runs.
#[derive(Debug, Clone, Default)]
pub struct PreviewRequest {
    /// Records read from each source, at most.
    pub limit: u64,
    /// Nodes that may change the outside world in this preview (send their requests).
    pub live: Vec<String>,
    /// The node to preview up to: it and what is upstream of it run, the rest of the flow may
    /// be unfinished. The whole flow when `None`.
    pub upto: Option<String>,
    /// Nodes whose output is pinned to these records (a sample kept as test input): they and
    /// what only feeds them do not run; the records go on from there.
    pub pinned: Pinned,
}

impl Sluice {
    /// The samples pinned in a stored flow, by node: kept on this machine across sessions, never
    /// exported (they may hold real data).
    pub fn pinned_samples(&self, flow_id: &str) -> Result<Pinned> {
        Ok(self.store().pinned_samples(flow_id)?)
    }

    /// Pins `records` as the test input of `node` in a stored flow, replacing its last pin;
    /// `None` unpins. At most [`sluice_connectors::MAX_RECORDS`] records and 8 MiB.
    pub fn pin_sample(
        &self,
        flow_id: &str,
        node: &str,
        records: Option<sluice_store::Sample>,
    ) -> Result<()> {
        if let Some(records) = &records {
            let size = serde_json::to_vec(records).map_or(usize::MAX, |text| text.len());
            if records.len() > sluice_connectors::MAX_RECORDS || size > PINNED_BYTES {
                return Err(Error::Refused(format!(
                    "the sample of `{node}` is too big to pin ({} records, {} KiB); a pinned sample holds at most {} records and {} MiB — preview fewer records",
                    records.len(),
                    size / 1024,
                    sluice_connectors::MAX_RECORDS,
                    PINNED_BYTES >> 20
                )));
            }
        }
        Ok(self.store().pin_sample(flow_id, node, records.as_ref())?)
    }

    /// The part of the flow a preview runs (up to its node), checked for a preview.
    fn resolve_for_preview(
        &self,
        target: RunTarget,
        upto: Option<&str>,
        pinned: &Pinned,
    ) -> Result<LoadedFlow> {
        let mut loaded = self.load(target)?;
        if let Some(node) = upto {
            loaded.flow = loaded.flow.upstream_of(node).ok_or_else(|| {
                Error::NotFound(format!(
                    "flow '{}' has no node `{node}` to preview",
                    loaded.flow.name
                ))
            })?;
        }
        // Pinned nodes downstream of `upto` are cut away already.
        for (node, records) in pinned {
            pin(&mut loaded.flow, node, records)?;
        }
        validate_for_preview(&loaded.flow, &self.registry()).map_err(|report| Error::Invalid {
            file: format!("flow '{}'", loaded.flow.name),
            report,
        })?;
        self.check_reach(&loaded)?;
        Ok(loaded)
    }

    /// Previews a flow, or the part of it up to one node (which may be unfinished downstream):
    /// at most `limit` records from each source, nothing written, sample records per node; nodes
    /// that change the outside world only say what they would do, except the `live` ones the
    /// person asked for. Not recorded in the run history; sync state is neither read nor advanced.
    pub async fn preview(&self, target: RunTarget, request: PreviewRequest) -> Result<RunReport> {
        let PreviewRequest {
            limit,
            live,
            upto,
            pinned,
        } = request;
        let loaded = self.resolve_for_preview(target, upto.as_deref(), &pinned)?;
        let credentials = self.credentials_for(&loaded.flow)?;
        let registry = self.registry();
        let report = tokio::task::spawn_blocking(move || {
            execute(
                RunRequest {
                    flow: &loaded.flow,
                    run_id: &uuid::Uuid::now_v7().to_string(),
                    registry: &registry,
                    base_dir: &loaded.base_dir,
                    states: &HashMap::new(),
                    credentials: &credentials,
                    inbox: None,
                    started_at: chrono::Utc::now(),
                    control: RunControl::new(),
                    events: None,
                    journal: None,
                },
                &RunOptions {
                    live_nodes: live,
                    ..RunOptions::preview(limit)
                },
            )
        })
        .await
        .map_err(|error| Error::NotFound(format!("the preview task ended abnormally: {error}")))?;
        Ok(report)
    }
}

/// Makes `node` send `records` instead of running: it becomes a `records` source, and the nodes
/// upstream of it whose records now go nowhere are left out (those that fed other nodes too stay).
fn pin(
    flow: &mut Flow,
    node: &str,
    records: &[serde_json::Map<String, serde_json::Value>],
) -> Result<()> {
    if let Some(edge) =
        (flow.edges.iter()).find(|edge| edge.from == node && edge.port() != DEFAULT_PORT)
    {
        return Err(Error::Refused(format!(
            "the sample of `{node}` cannot be pinned: its records also leave by its `{}` port, and a pinned sample has one; unpin it",
            edge.port()
        )));
    }
    let Some(pinned) = flow.nodes.iter_mut().find(|candidate| candidate.id == node) else {
        return Ok(());
    };
    *pinned = Node {
        id: pinned.id.clone(),
        component: "records".into(),
        position: pinned.position,
        config: serde_json::json!({ "records": records }),
        on_error: Default::default(),
        credential: None,
    };
    let fed_something: HashSet<String> = flow.edges.iter().map(|edge| edge.from.clone()).collect();
    flow.edges.retain(|edge| edge.to != node);
    loop {
        let feeding: HashSet<&str> = flow.edges.iter().map(|edge| edge.from.as_str()).collect();
        let idle: Vec<String> = (flow.nodes.iter())
            .filter(|candidate| fed_something.contains(&candidate.id))
            .filter(|candidate| !feeding.contains(candidate.id.as_str()))
            .map(|candidate| candidate.id.clone())
            .collect();
        if idle.is_empty() {
            return Ok(());
        }
        flow.nodes.retain(|candidate| !idle.contains(&candidate.id));
        flow.edges.retain(|edge| !idle.contains(&edge.to));
    }
}
