//! The flow document (format `sluice.flow/1`): the same shape is stored, exported, imported and
//! run. Component configs stay raw JSON here; the registry gives them their typed form.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The only format this version reads and writes.
pub const FLOW_FORMAT: &str = "sluice.flow/1";

/// The port a node sends its records to unless an edge names another.
pub const DEFAULT_PORT: &str = "out";

/// The input port of a node that has one.
pub const DEFAULT_INPUT_PORT: &str = "in";

/// The port that receives records a node could not process when its `on_error` is `route`.
pub const ERROR_PORT: &str = "error";

/// A flow: nodes (a source, transforms, destinations) joined by edges, with an optional schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Always `sluice.flow/1` for this version of the format.
    pub format: String,
    /// A stable identifier (a UUID); sync state and run history are kept under it.
    pub id: String,
    /// The name people see in the studio and in run listings.
    pub name: String,
    /// What the flow is for, in a sentence or two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The components of the flow.
    pub nodes: Vec<Node>,
    /// Which node's output feeds which node's input.
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Flow variables, available to every expression as `vars`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// When the flow runs by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// The imported connectors its `app.<id>` nodes use, carried by an exported flow so the
    /// importer gets them (built-in connectors are not carried).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<CarriedConnector>,
    /// The memory, in MB, the nodes that hold records back (`sort`) may use together before
    /// they spill to temporary files; 256 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub memory_mb: Option<u64>,
}

/// A connector manifest travelling with a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct CarriedConnector {
    /// Its id: the nodes' type is `app.<id>`.
    pub id: String,
    /// The name the palette shows.
    pub title: String,
    /// The manifest (Airbyte's declarative YAML), as imported.
    pub manifest: String,
}

/// One component on the canvas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Unique within the flow: letters, digits, `-` and `_`. Edges and errors refer to it.
    pub id: String,
    /// The component, e.g. `csv.read`, `filter`, `sqlite.write`.
    #[serde(rename = "type")]
    pub component: String,
    /// Where the node sits on the canvas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// The component's settings; each component documents its own fields.
    #[serde(default = "empty_config")]
    pub config: serde_json::Value,
    /// What to do with a record this node cannot process.
    #[serde(default, skip_serializing_if = "OnError::is_default")]
    pub on_error: OnError,
    /// The name of the credential this node uses; the secret itself is never in the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

fn empty_config() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// A node's place on the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

/// Writes `240.0` as `240`, so saved and exported flows read the way people wrote them.
impl Serialize for Position {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let number = |value: f64| {
            if value.fract() == 0.0 && value.abs() < 9.0e15 {
                serde_json::Value::from(value as i64)
            } else {
                serde_json::Value::from(value)
            }
        };
        let mut position = serializer.serialize_struct("Position", 2)?;
        position.serialize_field("x", &number(self.x))?;
        position.serialize_field("y", &number(self.y))?;
        position.end()
    }
}

/// What a node does with a record it cannot process.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Stop the run; the destination is left as it was.
    #[default]
    Fail,
    /// Count the record as errored, log why, and go on.
    Skip,
    /// Send the record, with the error message in its `_error` field, to the node's `error` port.
    Route,
}

impl OnError {
    fn is_default(&self) -> bool {
        *self == OnError::Fail
    }
}

impl fmt::Display for OnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OnError::Fail => "fail",
            OnError::Skip => "skip",
            OnError::Route => "route",
        })
    }
}

/// A connection from one node's output port to another node's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// The upstream node's id.
    pub from: String,
    /// The upstream node's port; `out` unless the node has named ports (`route`) or this is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<String>,
    /// The downstream node's id.
    pub to: String,
    /// The downstream node's input port; `in` unless the node has named inputs (`join`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<String>,
}

impl Edge {
    /// The port this edge leaves from.
    pub fn port(&self) -> &str {
        self.from_port.as_deref().unwrap_or(DEFAULT_PORT)
    }

    /// The input port this edge arrives at.
    pub fn input(&self) -> &str {
        self.to_port.as_deref().unwrap_or(DEFAULT_INPUT_PORT)
    }
}

/// When a flow runs by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Cron with seconds: `sec min hour day-of-month month day-of-week`, e.g. `0 0 7 * * Mon-Fri`.
    pub cron: String,
    /// The IANA timezone the cron times are read in, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Whether the schedule is active.
    #[serde(default)]
    pub enabled: bool,
    /// What to do about fires missed while the machine slept or Sluice was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed: Option<MissedRunPolicy>,
}

/// What to do about scheduled runs that were missed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum MissedRunPolicy {
    /// Run once when Sluice is back, however many fires were missed.
    #[default]
    RunOnce,
    /// Wait for the next fire.
    Skip,
}

/// Where a flow document failed to parse, with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    pub message: String,
}

impl Flow {
    /// Reads a flow document. Structural problems (not JSON, a missing or misspelled top-level
    /// field) come back with their line and column; component configs are checked by validation.
    pub fn from_json(text: &str) -> Result<Flow, ParseError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let structural = matches!(inner.classify(), serde_json::error::Category::Data);
            let message = if !structural || path == "." || path == "?" || path.is_empty() {
                inner.to_string()
            } else {
                format!("at `{path}`: {inner}")
            };
            ParseError {
                line: inner.line(),
                column: inner.column(),
                message: strip_position(&message),
            }
        })
    }

    /// The flow as pretty JSON, the form it is stored and exported in.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a flow always serializes")
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    /// What a preview of `node` runs: the node, every node upstream of it and the edges between
    /// them, in the flow's order, without the schedule; `None` when no node has that id.
    pub fn upstream_of(&self, node: &str) -> Option<Flow> {
        self.node(node)?;
        let mut kept: std::collections::HashSet<&str> = std::collections::HashSet::from([node]);
        let mut waiting = vec![node];
        while let Some(current) = waiting.pop() {
            for edge in self.edges.iter().filter(|edge| edge.to == current) {
                if kept.insert(edge.from.as_str()) {
                    waiting.push(edge.from.as_str());
                }
            }
        }
        Some(Flow {
            nodes: (self.nodes.iter())
                .filter(|candidate| kept.contains(candidate.id.as_str()))
                .cloned()
                .collect(),
            edges: (self.edges.iter())
                .filter(|edge| kept.contains(edge.from.as_str()) && kept.contains(edge.to.as_str()))
                .cloned()
                .collect(),
            format: self.format.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            vars: self.vars.clone(),
            schedule: None,
            connectors: self.connectors.clone(),
            memory_mb: self.memory_mb,
        })
    }
}

/// serde_json appends " at line L column C" to its messages; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}
