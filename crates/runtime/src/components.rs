//! What the studio's palette and node forms are built from: every node type with its help text
//! and config JSON Schema, as the registry reports them.

use serde::Serialize;
use sluice_core::ComponentKind;

use crate::Sluice;

/// One node type, as the palette shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ComponentInfo {
    /// The node type written in flows, e.g. `csv.read`.
    #[serde(rename = "type")]
    pub component: String,
    pub kind: ComponentKind,
    pub title: String,
    pub category: String,
    pub description: String,
    /// The config's JSON Schema; field descriptions are the help text.
    pub config_schema: serde_json::Value,
    /// A config with every default filled in, for a new node.
    pub default_config: Option<serde_json::Value>,
    /// The credential types its node can use; empty when it takes none.
    pub credential_kinds: Vec<String>,
    /// Its effect is outside the flow (the requests it sends): a preview only shows what it
    /// would send, unless the person asks for a live preview of the node.
    pub acts_outside: bool,
    /// Its node is fed by requests to the flow's private URL, which the studio shows.
    pub takes_requests: bool,
    /// How its output ports follow from its config.
    pub ports: sluice_core::registry::PortRule,
    /// Its input ports: none for a source, `in` unless it takes several inputs (`join`).
    pub inputs: Vec<String>,
}

impl Sluice {
    /// Every node type, in registry order.
    pub fn components(&self) -> Vec<ComponentInfo> {
        self.registry()
            .descriptors()
            .iter()
            .map(|descriptor| ComponentInfo {
                component: descriptor.component.to_string(),
                kind: descriptor.kind,
                title: descriptor.title.to_string(),
                category: descriptor.category.to_string(),
                description: descriptor.description.to_string(),
                config_schema: serde_json::to_value((descriptor.schema)())
                    .expect("schemas serialize"),
                // A config without required fields has a complete default.
                default_config: (descriptor.normalize)(serde_json::json!({})).ok(),
                credential_kinds: descriptor
                    .credential_kinds
                    .iter()
                    .map(|kind| kind.to_string())
                    .collect(),
                acts_outside: descriptor.may_end_flow,
                takes_requests: descriptor.takes_requests,
                ports: descriptor.ports.clone(),
                inputs: descriptor
                    .inputs
                    .iter()
                    .map(|port| port.to_string())
                    .collect(),
            })
            .collect()
    }

    /// Whether `node` is fed by requests to its flow's private URL (a webhook), as its type says.
    pub(crate) fn takes_requests(&self, node: &sluice_core::flow::Node) -> bool {
        self.registry()
            .get(&node.component)
            .is_some_and(|descriptor| descriptor.takes_requests)
    }
}
