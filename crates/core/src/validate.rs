//! Flow validation: every problem at once, each naming the node and field, in words that say
//! what to do.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use crate::component::{Component, ComponentKind};
use crate::expression::Expressions;
use crate::flow::{ERROR_PORT, FLOW_FORMAT, Flow, OnError};
use crate::labels;
use crate::registry::Registry;

/// One thing wrong with a flow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Problem {
    /// The node at fault, when there is one.
    pub node: Option<String>,
    /// The field at fault: a config field (`when`, `set.full_name`) or a flow field (`edges[2].to`).
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.node, &self.field) {
            (Some(node), Some(field)) => {
                write!(f, "node `{node}`, field `{field}`: {}", self.message)
            }
            (Some(node), None) => write!(f, "node `{node}`: {}", self.message),
            (None, Some(field)) => write!(f, "`{field}`: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Everything wrong with a flow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationReport {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        writeln!(
            f,
            "the flow has {count} problem{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

/// What a flow is checked for: a run needs the whole flow finished; a preview runs the part that
/// is there, so outputs may be left unconnected and the schedule is not its concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Preview,
}

struct Checker<'a> {
    problems: Vec<Problem>,
    registry: &'a Registry,
    purpose: Purpose,
}

impl Checker<'_> {
    fn flow_problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            node: None,
            field: Some(field.into()),
            message: message.into(),
        });
    }

    fn node_problem(&mut self, node: &str, field: Option<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            node: Some(node.to_string()),
            field,
            message: message.into(),
        });
    }
}

/// Checks a flow against the registry. `Ok` means it can run.
/// The most nodes a flow may have: each runs on its own thread (a fused chain shares one), so a
/// flow file cannot make a run start thousands.
pub const MAX_NODES: usize = 500;
/// The most edges a flow may have.
pub const MAX_EDGES: usize = 2_000;

/// What the nodes' settings advise (see `ComponentConfig::advice`): worth knowing, never in the
/// way of a run. Nodes whose config does not parse give none (validation says why).
pub fn advise(flow: &Flow, registry: &Registry) -> Vec<Problem> {
    let mut advice = Vec::new();
    for node in &flow.nodes {
        let Some(descriptor) = registry.get(&node.component) else {
            continue;
        };
        let Ok(component) = (descriptor.parse)(node.config.clone()) else {
            continue;
        };
        for (field, message) in component.config().advice() {
            advice.push(Problem {
                node: Some(node.id.clone()),
                field: Some(field),
                message,
            });
        }
    }
    advice
}

/// Checks a flow against the registry. `Ok` means it can run.
pub fn validate(flow: &Flow, registry: &Registry) -> Result<(), ValidationReport> {
    check(flow, registry, Purpose::Run)
}

/// Checks a flow (or the part of one a preview needs, see [`Flow::upstream_of`]) for a preview:
/// as [`validate`], but outputs may go nowhere yet and the schedule is not checked.
pub fn validate_for_preview(flow: &Flow, registry: &Registry) -> Result<(), ValidationReport> {
    check(flow, registry, Purpose::Preview)
}

fn check(flow: &Flow, registry: &Registry, purpose: Purpose) -> Result<(), ValidationReport> {
    let mut checker = Checker {
        problems: Vec::new(),
        registry,
        purpose,
    };
    if flow.format != FLOW_FORMAT {
        checker.flow_problem(
            "format",
            format!(
                "'{}' is not a format this version reads; it reads '{FLOW_FORMAT}'",
                flow.format
            ),
        );
    }
    if flow.name.trim().is_empty() {
        checker.flow_problem("name", "the flow needs a name");
    }
    if flow.nodes.is_empty() {
        checker.flow_problem(
            "nodes",
            "the flow has no nodes; add a source and a destination",
        );
    }
    if flow.nodes.len() > MAX_NODES || flow.edges.len() > MAX_EDGES {
        checker.flow_problem(
            if flow.nodes.len() > MAX_NODES { "nodes" } else { "edges" },
            format!(
                "the flow has {} nodes and {} edges; a flow may have at most {MAX_NODES} nodes and {MAX_EDGES} edges — split it into several flows",
                flow.nodes.len(),
                flow.edges.len()
            ),
        );
        return Err(ValidationReport {
            problems: checker.problems,
        });
    }

    // A schedule that is off cannot stop a run (Run now works while its zone is being typed).
    if let Some(schedule) =
        (flow.schedule.as_ref()).filter(|schedule| purpose == Purpose::Run && schedule.enabled)
        && let Err(errors) = crate::schedule::FlowSchedule::parse(schedule)
    {
        checker
            .problems
            .extend(errors.into_iter().map(Problem::from));
    }
    let components = check_nodes(&mut checker, flow);
    check_edges(&mut checker, flow, &components);
    if checker.problems.is_empty() {
        Ok(())
    } else {
        Err(ValidationReport {
            problems: checker.problems,
        })
    }
}

/// Node ids, types, configs and expressions. Returns the parsed component of each valid node.
fn check_nodes<'f>(checker: &mut Checker<'_>, flow: &'f Flow) -> HashMap<&'f str, Component> {
    let expressions = Expressions::for_validation();
    let mut seen = HashSet::new();
    let mut components = HashMap::new();
    for (index, node) in flow.nodes.iter().enumerate() {
        if node.id.is_empty() {
            checker.flow_problem(format!("nodes[{index}].id"), "a node has an empty id");
            continue;
        }
        if !seen.insert(node.id.as_str()) {
            checker.node_problem(&node.id, None, "two nodes have this id; ids must be unique");
            continue;
        }
        if !node
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            checker.node_problem(
                &node.id,
                None,
                "the id may only hold letters, digits, '-' and '_'",
            );
        }
        let Some(descriptor) = checker.registry.get(&node.component) else {
            let hint = match checker.registry.closest(&node.component) {
                Some(close) => format!("; did you mean `{close}`?"),
                None => String::from("; see `sluice components` for the known types"),
            };
            checker.node_problem(
                &node.id,
                Some("type".into()),
                format!("unknown node type `{}`{hint}", node.component),
            );
            continue;
        };
        let component = match (descriptor.parse)(node.config.clone()) {
            Ok(component) => component,
            Err(error) => {
                checker.node_problem(&node.id, error.field, error.message);
                continue;
            }
        };
        for expression in component.config().expressions() {
            if let Err(error) = expressions.compile(&expression.source) {
                checker.node_problem(
                    &node.id,
                    Some(expression.field),
                    format!(
                        "the expression `{}` does not compile: {error}",
                        shortened(&expression.source)
                    ),
                );
            }
        }
        components.insert(node.id.as_str(), component);
    }
    components
}

/// An expression's text for a message: whole up to 80 characters, else its start.
fn shortened(source: &str) -> String {
    match source.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &source[..cut]),
        None => source.to_string(),
    }
}

/// Edges: endpoints exist, ports exist, roles fit, no loops, nothing left unconnected.
fn check_edges(checker: &mut Checker<'_>, flow: &Flow, components: &HashMap<&str, Component>) {
    let known: HashSet<&str> = flow.nodes.iter().map(|node| node.id.as_str()).collect();
    let mut good_edges = Vec::new();
    for (index, edge) in flow.edges.iter().enumerate() {
        let mut good = true;
        for (end, id) in [("from", &edge.from), ("to", &edge.to)] {
            if !known.contains(id.as_str()) {
                checker.flow_problem(
                    format!("edges[{index}].{end}"),
                    format!(
                        "the edge {} `{id}`, but there is no node with that id",
                        if end == "from" {
                            "starts at"
                        } else {
                            "leads to"
                        }
                    ),
                );
                good = false;
            }
        }
        if !good {
            continue;
        }
        if edge.from == edge.to {
            checker.node_problem(&edge.from, None, "an edge connects the node to itself");
            continue;
        }
        if let Some(component) = components.get(edge.from.as_str()) {
            let node = flow.node(&edge.from).expect("known node");
            let port = edge.port();
            if port == ERROR_PORT {
                if node.on_error != OnError::Route {
                    checker.node_problem(
                        &edge.from,
                        Some("on_error".into()),
                        format!(
                            "an edge leaves its error port, but “{}” is “{}”; choose “{}”",
                            labels::ON_ERROR,
                            labels::on_error(node.on_error),
                            labels::on_error(OnError::Route),
                        ),
                    );
                }
            } else if component.kind() == ComponentKind::Sink {
                checker.node_problem(
                    &edge.from,
                    None,
                    format!(
                        "a destination has no `{port}` port; only its `error` port can be connected"
                    ),
                );
            } else {
                let ports = component.config().output_ports();
                if !ports.iter().any(|candidate| candidate == port) {
                    checker.flow_problem(
                        format!("edges[{index}].from_port"),
                        format!(
                            "node `{}` has no port `{port}`; its ports are {}, error",
                            edge.from,
                            ports.join(", ")
                        ),
                    );
                }
            }
        }
        if let Some(component) = components.get(edge.to.as_str())
            && component.kind() == ComponentKind::Source
        {
            checker.node_problem(
                &edge.to,
                None,
                format!(
                    "an edge from `{}` leads into this source; sources have no input",
                    edge.from
                ),
            );
            continue;
        }
        if let Some(component) = components.get(edge.to.as_str()) {
            let inputs = input_ports(component);
            if !inputs.iter().any(|port| port == edge.input()) {
                checker.flow_problem(
                    format!("edges[{index}].to_port"),
                    format!(
                        "node `{}` has no input `{}`; its inputs are {}",
                        edge.to,
                        edge.input(),
                        inputs.join(", ")
                    ),
                );
                continue;
            }
        }
        good_edges.push(edge);
    }

    let with_input: HashSet<&str> = good_edges.iter().map(|edge| edge.to.as_str()).collect();
    let with_output: HashSet<&str> = good_edges
        .iter()
        .filter(|edge| edge.port() != ERROR_PORT)
        .map(|edge| edge.from.as_str())
        .collect();
    let with_error_output: HashSet<&str> = good_edges
        .iter()
        .filter(|edge| edge.port() == ERROR_PORT)
        .map(|edge| edge.from.as_str())
        .collect();
    let whole = checker.purpose == Purpose::Run;
    let mut checked = HashSet::new();
    for node in &flow.nodes {
        if !checked.insert(node.id.as_str()) {
            continue;
        }
        let Some(component) = components.get(node.id.as_str()) else {
            continue;
        };
        let has_input = with_input.contains(node.id.as_str());
        let has_output = with_output.contains(node.id.as_str());
        let may_end_flow = checker
            .registry
            .get(&node.component)
            .is_some_and(|descriptor| descriptor.may_end_flow);
        let problem = match component.kind() {
            ComponentKind::Source if whole && !has_output => Some(
                "this source is not connected to anything; connect it to a transform or a destination",
            ),
            ComponentKind::Transform if !has_input => {
                Some("nothing flows into this transform; connect a source to it")
            }
            ComponentKind::Transform if whole && !has_output && !may_end_flow => {
                Some("this transform's records go nowhere; connect it to a destination")
            }
            ComponentKind::Sink if !has_input => {
                Some("nothing flows into this destination; connect a source to it")
            }
            _ => None,
        };
        if let Some(problem) = problem {
            checker.node_problem(&node.id, None, problem);
        }
        let inputs = input_ports(component);
        if whole && has_input && inputs.len() > 1 {
            for port in &inputs {
                if !good_edges
                    .iter()
                    .any(|edge| edge.to == node.id && edge.input() == port)
                {
                    checker.node_problem(
                        &node.id,
                        None,
                        format!("nothing flows into its `{port}` input; connect a node to it"),
                    );
                }
            }
        }
        if whole && node.on_error == OnError::Route && !with_error_output.contains(node.id.as_str())
        {
            checker.node_problem(
                &node.id,
                Some("on_error".into()),
                format!(
                    "“{}” is “{}”, but nothing is connected to its error port, so those records would be lost; connect the error port to a destination, or choose “{}”",
                    labels::ON_ERROR,
                    labels::on_error(OnError::Route),
                    labels::on_error(OnError::Skip),
                ),
            );
        }
    }
    if !flow.nodes.is_empty()
        && !components
            .values()
            .any(|component| component.kind() == ComponentKind::Source)
        && components.len() == flow.nodes.len()
    {
        checker.flow_problem("nodes", "the flow has no source; add one that reads data");
    }

    if let Some(cycle) = find_cycle(flow, &good_edges) {
        checker.node_problem(
            &cycle[0],
            None,
            format!("the edges form a loop: {}", cycle.join(" → ")),
        );
    }
}

/// The input ports of a component: a transform says; a destination has `in`; a source none.
fn input_ports(component: &Component) -> Vec<String> {
    match component {
        Component::Transform(config) => config.input_ports(),
        Component::Sink(_) => vec![crate::flow::DEFAULT_INPUT_PORT.to_string()],
        Component::Source(_) => Vec::new(),
    }
}

/// A loop in the graph, as the node ids along it (first repeated at the end), if there is one.
fn find_cycle(flow: &Flow, edges: &[&crate::flow::Edge]) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for edge in edges {
        next.entry(edge.from.as_str())
            .or_default()
            .push(edge.to.as_str());
    }
    // Iterative depth-first search with colours: 1 = on the current path, 2 = done.
    let mut colour: HashMap<&str, u8> = HashMap::new();
    for start in flow.nodes.iter().map(|node| node.id.as_str()) {
        if colour.contains_key(start) {
            continue;
        }
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some((node, child_index)) = path.last_mut() {
            let children = next.get(*node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(child) = children.get(*child_index) {
                *child_index += 1;
                match colour.get(child) {
                    Some(1) => {
                        let start_at = path
                            .iter()
                            .position(|(id, _)| id == child)
                            .expect("on path");
                        let mut cycle: Vec<String> = path[start_at..]
                            .iter()
                            .map(|(id, _)| id.to_string())
                            .collect();
                        cycle.push(child.to_string());
                        return Some(cycle);
                    }
                    Some(_) => {}
                    None => {
                        colour.insert(child, 1);
                        path.push((child, 0));
                    }
                }
            } else {
                colour.insert(node, 2);
                path.pop();
            }
        }
    }
    None
}
