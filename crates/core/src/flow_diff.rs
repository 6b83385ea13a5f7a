//! What changed between two versions of a flow: nodes added, removed and changed (down to the
//! config fields), edges, name, schedule and variables — for the history's labels and the diff
//! shown before restoring.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::flow::{Edge, Flow, Node};

/// One setting of a node that differs: its path (`type`, `on_error`, `config.set.full_name`) and
/// the value before and after (absent when the field was not there).
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct FieldChange {
    pub path: String,
    #[ts(type = "unknown")]
    pub before: Option<Json>,
    #[ts(type = "unknown")]
    pub after: Option<Json>,
}

/// A node present in both versions whose settings differ.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct NodeChange {
    pub node: String,
    pub fields: Vec<FieldChange>,
}

/// The difference from one version of a flow (`before`) to another (`after`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct FlowDiff {
    /// The new name, when it changed.
    pub renamed: Option<String>,
    pub nodes_added: Vec<String>,
    pub nodes_removed: Vec<String>,
    pub nodes_changed: Vec<NodeChange>,
    /// Nodes that only moved on the canvas.
    pub nodes_moved: Vec<String>,
    /// Edges as `from → to` (`from.port → to` for other ports than `out`).
    pub edges_added: Vec<String>,
    pub edges_removed: Vec<String>,
    pub schedule_changed: bool,
    pub vars_changed: bool,
    pub description_changed: bool,
}

/// What changed from `before` to `after`.
pub fn diff(before: &Flow, after: &Flow) -> FlowDiff {
    let old: BTreeMap<&str, &Node> = before
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node))
        .collect();
    let new: BTreeMap<&str, &Node> = after
        .nodes
        .iter()
        .map(|node| (node.id.as_str(), node))
        .collect();
    let mut changes = FlowDiff {
        renamed: (before.name != after.name).then(|| after.name.clone()),
        schedule_changed: before.schedule != after.schedule,
        vars_changed: before.vars != after.vars,
        description_changed: before.description != after.description,
        ..FlowDiff::default()
    };
    for (id, node) in &new {
        match old.get(id) {
            None => changes.nodes_added.push(id.to_string()),
            Some(previous) => {
                let fields = node_fields(previous, node);
                if !fields.is_empty() {
                    changes.nodes_changed.push(NodeChange {
                        node: id.to_string(),
                        fields,
                    });
                } else if previous.position != node.position {
                    changes.nodes_moved.push(id.to_string());
                }
            }
        }
    }
    changes.nodes_removed = (old.keys())
        .filter(|id| !new.contains_key(*id))
        .map(|id| id.to_string())
        .collect();
    let edges = |flow: &Flow| -> Vec<String> { flow.edges.iter().map(edge_words).collect() };
    let (old_edges, new_edges) = (edges(before), edges(after));
    changes.edges_added = (new_edges.iter())
        .filter(|edge| !old_edges.contains(edge))
        .cloned()
        .collect();
    changes.edges_removed = (old_edges.iter())
        .filter(|edge| !new_edges.contains(edge))
        .cloned()
        .collect();
    changes
}

fn edge_words(edge: &Edge) -> String {
    match edge.port() {
        crate::flow::DEFAULT_PORT => format!("{} → {}", edge.from, edge.to),
        port => format!("{}.{port} → {}", edge.from, edge.to),
    }
}

/// The settings of one node that differ (not its position).
fn node_fields(before: &Node, after: &Node) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut compare = |path: &str, old: Json, new: Json| {
        if old != new {
            fields.push(FieldChange {
                path: path.to_string(),
                before: Some(old).filter(|value| !value.is_null()),
                after: Some(new).filter(|value| !value.is_null()),
            });
        }
    };
    compare(
        "type",
        before.component.clone().into(),
        after.component.clone().into(),
    );
    compare(
        "on_error",
        before.on_error.to_string().into(),
        after.on_error.to_string().into(),
    );
    compare(
        "credential",
        before.credential.clone().into(),
        after.credential.clone().into(),
    );
    config_fields(
        "config",
        Some(&before.config),
        Some(&after.config),
        &mut fields,
    );
    fields
}

/// The leaves of two configs that differ; objects are walked by key, anything else compared whole.
fn config_fields(
    path: &str,
    before: Option<&Json>,
    after: Option<&Json>,
    into: &mut Vec<FieldChange>,
) {
    match (before, after) {
        (Some(Json::Object(old)), Some(Json::Object(new))) => {
            let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                config_fields(&format!("{path}.{key}"), old.get(key), new.get(key), into);
            }
        }
        (old, new) if old != new => into.push(FieldChange {
            path: path.to_string(),
            before: old.cloned(),
            after: new.cloned(),
        }),
        _ => {}
    }
}

impl FlowDiff {
    /// True when the two versions are the same but for where nodes sit.
    pub fn is_empty(&self) -> bool {
        self.renamed.is_none()
            && self.nodes_added.is_empty()
            && self.nodes_removed.is_empty()
            && self.nodes_changed.is_empty()
            && self.nodes_moved.is_empty()
            && self.edges_added.is_empty()
            && self.edges_removed.is_empty()
            && !self.schedule_changed
            && !self.vars_changed
            && !self.description_changed
    }

    /// The change in a line, for a version's label: `added filter_1; changed map_1 (set.x)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let list = |ids: &[String]| ids.join(", ");
        if let Some(name) = &self.renamed {
            parts.push(format!("renamed to “{name}”"));
        }
        if !self.nodes_added.is_empty() {
            parts.push(format!("added {}", list(&self.nodes_added)));
        }
        if !self.nodes_removed.is_empty() {
            parts.push(format!("removed {}", list(&self.nodes_removed)));
        }
        for change in &self.nodes_changed {
            let fields: Vec<&str> = (change.fields.iter())
                .map(|field| field.path.strip_prefix("config.").unwrap_or(&field.path))
                .collect();
            parts.push(format!("changed {} ({})", change.node, fields.join(", ")));
        }
        if !self.edges_added.is_empty() {
            parts.push(format!("connected {}", list(&self.edges_added)));
        }
        if !self.edges_removed.is_empty() {
            parts.push(format!("disconnected {}", list(&self.edges_removed)));
        }
        if self.schedule_changed {
            parts.push("changed the schedule".into());
        }
        if self.vars_changed {
            parts.push("changed the variables".into());
        }
        if self.description_changed {
            parts.push("changed the description".into());
        }
        if !self.nodes_moved.is_empty() {
            let count = self.nodes_moved.len();
            parts.push(format!(
                "moved {count} node{}",
                if count == 1 { "" } else { "s" }
            ));
        }
        if parts.is_empty() {
            return "no change".into();
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(value: serde_json::Value) -> Flow {
        let mut document =
            serde_json::json!({"format": "sluice.flow/1", "id": "f", "name": "F", "edges": []});
        document
            .as_object_mut()
            .unwrap()
            .extend(value.as_object().unwrap().clone());
        serde_json::from_value(document).unwrap()
    }

    #[test]
    fn a_diff_names_nodes_fields_and_edges() {
        let before = flow(serde_json::json!({
            "nodes": [
                {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
                {"id": "shape", "type": "map", "config": {"set": {"a": "1", "b": "2"}}},
                {"id": "old", "type": "filter", "config": {"when": "true"}}
            ],
            "edges": [{"from": "read", "to": "old"}]
        }));
        let after = flow(serde_json::json!({
            "name": "G",
            "nodes": [
                {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}, "position": {"x": 5, "y": 5}},
                {"id": "shape", "type": "map", "config": {"set": {"a": "10", "c": "3"}}, "on_error": "skip"},
                {"id": "new", "type": "filter", "config": {"when": "false"}}
            ],
            "edges": [{"from": "read", "to": "shape"}]
        }));
        let changes = diff(&before, &after);
        assert_eq!(changes.nodes_added, ["new"]);
        assert_eq!(changes.nodes_removed, ["old"]);
        assert_eq!(changes.nodes_moved, ["read"]);
        let fields: Vec<&str> = (changes.nodes_changed[0].fields.iter())
            .map(|field| field.path.as_str())
            .collect();
        assert_eq!(
            fields,
            ["on_error", "config.set.a", "config.set.b", "config.set.c"]
        );
        assert_eq!(
            changes.nodes_changed[0].fields[2].after, None,
            "b was removed"
        );
        assert_eq!(
            changes.summary(),
            "renamed to “G”; added new; removed old; changed shape (on_error, set.a, set.b, set.c); connected read → shape; disconnected read → old; moved 1 node"
        );
    }

    #[test]
    fn the_same_flow_is_no_change() {
        let same =
            flow(serde_json::json!({"nodes": [{"id": "read", "type": "csv.read", "config": {}}]}));
        assert!(diff(&same, &same).is_empty());
        assert_eq!(diff(&same, &same).summary(), "no change");
    }
}
