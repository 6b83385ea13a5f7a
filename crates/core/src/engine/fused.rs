//! Fused chains: stateless transforms (filter, map, select, cast, route) that follow one another
//! run in one thread over the same batch, each with its own output (counts, errors, samples),
//! without a channel between them. A chain ends at a node with several edges out (a `route`).
//! A filter right after a source runs in the source's thread, fed by the source's output.

use std::collections::HashMap;
use std::time::Instant;

use crate::component::{Component, ComponentError, Input, Transform};
use crate::engine::executor::run_source;
use crate::engine::inputs::{Arrival, Inputs};
use crate::engine::node::{NodeOutcome, NodeRun, announce, conclude, guarded};
use crate::engine::output::Output;
use crate::flow::{DEFAULT_INPUT_PORT, DEFAULT_PORT, Flow};
use crate::record::Batch;

/// For each node, the node it runs fused after: a stateless transform whose only input is the
/// only edge leaving another stateless transform, or leaving a source when the transform runs
/// beside sources (a filter; see [`crate::component::TransformConfig::runs_beside_source`]).
pub(super) fn plan(
    flow: &Flow,
    components: &[Component],
    index_of: &HashMap<&str, usize>,
) -> Vec<Option<usize>> {
    let transform = |index: usize| match &components[index] {
        Component::Transform(config) => Some(config.as_ref()),
        _ => None,
    };
    let stateless = |index: usize| transform(index).is_some_and(|config| config.is_stateless());
    let is_source = |index: usize| matches!(&components[index], Component::Source(_));
    let mut fused_after: Vec<Option<usize>> = flow
        .nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            if !stateless(index) {
                return None;
            }
            let mut incoming = flow.edges.iter().filter(|edge| edge.to == node.id);
            let (Some(edge), None) = (incoming.next(), incoming.next()) else {
                return None;
            };
            let upstream = *index_of.get(edge.from.as_str())?;
            // Only the last node of a chain has edges of its own (error ports included): when
            // they close, nothing before it in the chain has anywhere else to send records.
            let leaving = flow
                .edges
                .iter()
                .filter(|other| other.from == edge.from)
                .count();
            let joins = stateless(upstream) || is_source(upstream);
            (edge.port() == DEFAULT_PORT && joins && leaving == 1).then_some(upstream)
        })
        .collect();
    // A source's thread keeps only the transforms that run beside sources: the chain goes on in
    // a thread of its own from the first that does not.
    for source in (0..components.len()).filter(|index| is_source(*index)) {
        let mut last = source;
        while let Some(next) = fused_after.iter().position(|after| *after == Some(last)) {
            if !transform(next).is_some_and(|config| config.runs_beside_source()) {
                fused_after[next] = None;
                break;
            }
            last = next;
        }
    }
    fused_after
}

/// The chain that starts at `head`: it and the nodes fused after it, in order.
pub(super) fn chain_from(head: usize, fused_after: &[Option<usize>]) -> Vec<usize> {
    let mut chain = vec![head];
    while let Some(next) = fused_after
        .iter()
        .position(|after| *after == Some(*chain.last().expect("never empty")))
    {
        chain.push(next);
    }
    chain
}

/// Runs a fused chain, headed by a transform or a source; one outcome per node, in chain order.
pub(super) fn run_chain(mut runs: Vec<NodeRun<'_>>) -> Vec<NodeOutcome> {
    let started = Instant::now();
    runs.iter().for_each(announce);
    let first_transform = usize::from(matches!(runs[0].component, Component::Source(_)));
    for run in &mut runs[first_transform..] {
        run.output.worked = Some(std::time::Duration::ZERO);
    }
    let mut transforms: Vec<Box<dyn Transform + '_>> = Vec::with_capacity(runs.len());
    let mut failure: Option<(usize, ComponentError)> = None;
    for index in first_transform..runs.len() {
        let Component::Transform(config) = runs[index].component else {
            unreachable!("only transforms are fused after the head")
        };
        let building = Instant::now();
        let built = guarded(|| config.build(&runs[index].context));
        // Building is the transform's work, and the source's waiting when one heads the chain.
        let took = building.elapsed();
        *runs[index].output.worked.get_or_insert_default() += took;
        if first_transform == 1 {
            runs[0].output.waited += took;
        }
        match built {
            Ok(transform) => transforms.push(transform),
            Err(error) => {
                failure = Some((index, error));
                break;
            }
        }
    }
    if failure.is_none() {
        failure = if first_transform == 1 {
            read_beside_source(&mut runs, std::mem::take(&mut transforms))
        } else {
            let input = std::mem::take(&mut runs[0].input);
            let (names, mut outputs) = names_and_outputs(&mut runs);
            guarded(|| Ok(drive(&mut transforms, &mut outputs, &names, input)))
                .unwrap_or_else(|panic| Some((0, panic)))
        };
    }
    // What the transforms hold goes before the nodes conclude and the run decides.
    drop(transforms);
    // The node that failed concludes first, so the others see the run stopping.
    let stopped = failure.is_some();
    let mut outcomes: Vec<Option<NodeOutcome>> = runs.iter().map(|_| None).collect();
    let mut runs: Vec<Option<NodeRun<'_>>> = runs.into_iter().map(Some).collect();
    if let Some((index, error)) = failure {
        let run = runs[index].take().expect("present");
        outcomes[index] = Some(conclude(run, Err(error), started, None));
    }
    for (index, run) in runs.into_iter().enumerate() {
        if let Some(run) = run {
            let result = if stopped {
                Err(ComponentError::Halted)
            } else {
                Ok(())
            };
            outcomes[index] = Some(conclude(run, result, started, None));
        }
    }
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every node concluded"))
        .collect()
}

/// Runs the source heading `runs`, its output handing each batch to the transforms after it.
/// The node that stopped the chain, with why, when one did.
fn read_beside_source<'run>(
    runs: &mut Vec<NodeRun<'run>>,
    transforms: Vec<Box<dyn Transform + 'run>>,
) -> Option<(usize, ComponentError)> {
    let tail_runs = runs.split_off(1);
    let source = &mut runs[0];
    let Component::Source(config) = source.component else {
        unreachable!("the chain is headed by a source")
    };
    source.output.attach_tail(Tail {
        runs: tail_runs,
        transforms,
        stopped: None,
    });
    let read = guarded(|| run_source(config.as_ref(), &source.context, &mut source.output));
    let mut tail = source.output.detach_tail().expect("attached above");
    // A node of the tail that failed stopped the source; one that only stopped (nothing left
    // downstream) does not hide the source's own failure.
    let stopped = match (tail.stopped.take(), read) {
        (Some((index, error @ ComponentError::Failed(_))), _) => Some((index + 1, error)),
        (_, Err(error)) => Some((0, error)),
        (Some((index, halted)), Ok(())) => Some((index + 1, halted)),
        (None, Ok(())) => {
            let finishing = Instant::now();
            let finished = guarded(|| Ok(tail.finish())).unwrap_or_else(|panic| Some((0, panic)));
            // The tail's work, like all of it, is not the source's.
            source.output.waited += finishing.elapsed();
            finished.map(|(index, error)| (index + 1, error))
        }
    };
    runs.append(&mut tail.runs);
    stopped
}

/// The transforms fused after a source, run in its thread by its output on each batch it fills.
pub(crate) struct Tail<'run> {
    runs: Vec<NodeRun<'run>>,
    transforms: Vec<Box<dyn Transform + 'run>>,
    /// The node (by position in the tail) that stopped the chain, with why.
    stopped: Option<(usize, ComponentError)>,
}

impl Tail<'_> {
    /// Hands the source's `batch` down the chain. `Halted` tells the source to stop: a node
    /// failed, or nothing downstream takes records any more.
    pub(crate) fn push(&mut self, source: &str, batch: Batch) -> Result<(), ComponentError> {
        if self.stopped.is_some() || self.runs[0].control.is_stopping() {
            return Err(ComponentError::Halted);
        }
        let (names, mut outputs) = names_and_outputs(&mut self.runs);
        let pushed = guarded(|| {
            Ok(push(
                &mut self.transforms,
                &mut outputs,
                &names,
                (0, source),
                batch,
            ))
        });
        match pushed.unwrap_or_else(|panic| Err((0, panic))) {
            Ok(()) => Ok(()),
            Err((index, error)) => {
                // The rest of the run learns now, not when the source has wound down.
                if let ComponentError::Failed(message) = &error {
                    let run = &self.runs[index];
                    run.control.fail(Some(run.node_id), message.clone());
                }
                self.stopped = Some((index, error));
                Err(ComponentError::Halted)
            }
        }
    }

    /// Finishes each node in order once the source is done.
    fn finish(&mut self) -> Option<(usize, ComponentError)> {
        let (names, mut outputs) = names_and_outputs(&mut self.runs);
        finish_chain(&mut self.transforms, &mut outputs, &names)
    }
}

/// The nodes' names and outputs, as the chain's steps take them.
fn names_and_outputs<'a, 'run>(
    runs: &'a mut [NodeRun<'run>],
) -> (Vec<&'run str>, Vec<&'a mut Output<'run>>) {
    let names = runs.iter().map(|run| run.node_id).collect();
    let outputs = runs.iter_mut().map(|run| &mut run.output).collect();
    (names, outputs)
}

/// Feeds every batch through the chain, then finishes each node in order. The node that stopped
/// the chain, with why, when one did.
fn drive(
    transforms: &mut [Box<dyn Transform + '_>],
    outputs: &mut [&mut Output],
    names: &[&str],
    mut inputs: Inputs,
) -> Option<(usize, ComponentError)> {
    while let Some(arrival) = outputs[0].receive(&mut inputs) {
        if outputs[0].should_stop() {
            return Some((0, ComponentError::Halted));
        }
        let Arrival::Batch { from, batch, .. } = arrival else {
            // A stateless transform has nothing to do when its input ends.
            continue;
        };
        if let Err(stopped) = push(transforms, outputs, names, (0, &from), batch) {
            return Some(stopped);
        }
    }
    if outputs[0].should_stop() {
        return Some((0, ComponentError::Halted));
    }
    finish_chain(transforms, outputs, names)
}

/// Finishes each node of a chain in order, handing what one holds to the next.
fn finish_chain(
    transforms: &mut [Box<dyn Transform + '_>],
    outputs: &mut [&mut Output],
    names: &[&str],
) -> Option<(usize, ComponentError)> {
    for index in 0..transforms.len() {
        let finishing = Instant::now();
        let finished = guarded(|| transforms[index].finish(outputs[index]));
        add_work(outputs[index], finishing.elapsed());
        if let Err(error) = finished {
            return Some((index, error));
        }
        if index + 1 < transforms.len() {
            let held = outputs[index].take_fused();
            if !held.is_empty()
                && let Err(stopped) =
                    push(transforms, outputs, names, (index + 1, names[index]), held)
            {
                return Some(stopped);
            }
        }
        if let Err(error) = outputs[index].finish() {
            return Some((index, error));
        }
    }
    None
}

/// Counts time spent in one node of the chain.
fn add_work(output: &mut Output, time: std::time::Duration) {
    *output.worked.get_or_insert_default() += time;
}

/// Hands `batch` (sent by `sender`) to node `first` of the chain, and what each node makes of
/// it to the next.
fn push(
    transforms: &mut [Box<dyn Transform + '_>],
    outputs: &mut [&mut Output],
    names: &[&str],
    (first, sender): (usize, &str),
    batch: Batch,
) -> Result<(), (usize, ComponentError)> {
    let mut batch = batch;
    for index in first..transforms.len() {
        let input = Input {
            port: DEFAULT_INPUT_PORT,
            from: if index == first {
                sender
            } else {
                names[index - 1]
            },
        };
        let started = Instant::now();
        let waited = outputs[index].waited;
        outputs[index].stats.records_in += batch.len() as u64;
        // A panic is the failure of the node it happened in.
        let result = guarded(|| {
            transforms[index].transform(input, batch, outputs[index])?;
            outputs[index].flush()
        });
        let blocked = outputs[index].waited.saturating_sub(waited);
        add_work(outputs[index], started.elapsed().saturating_sub(blocked));
        result.map_err(|error| (index, error))?;
        if index + 1 == transforms.len() {
            break;
        }
        batch = outputs[index].take_fused();
        if batch.is_empty() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{BuildContext, ComponentConfig, Source, SourceConfig};
    use crate::registry::{ComponentDescriptor, Registry};

    #[derive(Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
    struct NothingConfig {}

    impl ComponentConfig for NothingConfig {}

    impl SourceConfig for NothingConfig {
        fn build<'run>(
            &self,
            _context: &BuildContext<'run>,
        ) -> Result<Box<dyn Source + 'run>, ComponentError> {
            Ok(Box::new(Nothing))
        }
    }

    struct Nothing;

    impl Source for Nothing {
        fn read(&mut self, _out: &mut Output) -> Result<(), ComponentError> {
            Ok(())
        }
    }

    /// Who runs fused after whom in a line of nodes of these types, by id.
    fn fused_in_line(types: &[&str]) -> Vec<Option<String>> {
        let mut registry = Registry::with_transforms();
        registry.register(ComponentDescriptor::source::<NothingConfig>(
            "test.nothing",
            "Nothing",
            "Test",
            "Reads nothing.",
        ));
        let config = |component: &str| match component {
            "filter" => serde_json::json!({"when": "true"}),
            "map" => serde_json::json!({"set": {"b": "1"}}),
            "sort" => serde_json::json!({"by": [{"field": "b"}]}),
            _ => serde_json::json!({}),
        };
        let nodes: Vec<serde_json::Value> = (types.iter().enumerate())
            .map(|(index, component)| {
                serde_json::json!({"id": format!("n{index}"), "type": component, "config": config(component)})
            })
            .collect();
        let edges: Vec<serde_json::Value> = (1..types.len())
            .map(|index| serde_json::json!({"from": format!("n{}", index - 1), "to": format!("n{index}")}))
            .collect();
        let flow = Flow::from_json(
            &serde_json::json!({"format": "sluice.flow/1", "id": "f", "name": "f", "nodes": nodes, "edges": edges})
                .to_string(),
        )
        .unwrap();
        let components: Vec<Component> = (flow.nodes.iter())
            .map(|node| {
                (registry.get(&node.component).unwrap().parse)(node.config.clone()).unwrap()
            })
            .collect();
        let index_of = (flow.nodes.iter().enumerate())
            .map(|(index, node)| (node.id.as_str(), index))
            .collect();
        (plan(&flow, &components, &index_of).into_iter())
            .map(|after| after.map(|index| format!("n{index}")))
            .collect()
    }

    #[test]
    fn filters_right_after_a_source_run_in_its_thread_and_the_chain_goes_on_in_another() {
        let fused = |after: &[Option<&str>]| -> Vec<Option<String>> {
            after.iter().map(|node| node.map(str::to_string)).collect()
        };
        assert_eq!(
            fused_in_line(&["test.nothing", "filter", "filter", "map", "filter", "sort"]),
            fused(&[None, Some("n0"), Some("n1"), None, Some("n3"), None])
        );
        assert_eq!(
            fused_in_line(&["test.nothing", "map", "filter"]),
            fused(&[None, None, Some("n1")])
        );
        assert_eq!(
            fused_in_line(&["test.nothing", "sort", "filter", "map"]),
            fused(&[None, None, None, Some("n2")])
        );
    }
}
