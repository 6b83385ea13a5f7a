//! Fused chains: stateless transforms (filter, map, select, cast, route) that follow one another
//! run in one thread over the same batch, each with its own output (counts, errors, samples),
//! without a channel between them. A chain ends at a node with several edges out (a `route`).

use std::collections::HashMap;
use std::time::Instant;

use crate::component::{Component, ComponentError, Input, Transform};
use crate::engine::inputs::{Arrival, Inputs};
use crate::engine::node::{NodeOutcome, NodeRun, announce, conclude, guarded};
use crate::engine::output::Output;
use crate::flow::{DEFAULT_INPUT_PORT, DEFAULT_PORT, Flow};
use crate::record::Batch;

/// For each node, the node it runs fused after: a stateless transform whose only input is the
/// only edge leaving another stateless transform.
pub(super) fn plan(
    flow: &Flow,
    components: &[Component],
    index_of: &HashMap<&str, usize>,
) -> Vec<Option<usize>> {
    let stateless = |index: usize| matches!(&components[index], Component::Transform(config) if config.is_stateless());
    flow.nodes
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
            (edge.port() == DEFAULT_PORT && stateless(upstream) && leaving == 1).then_some(upstream)
        })
        .collect()
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

/// Runs a fused chain; one outcome per node, in chain order.
pub(super) fn run_chain(mut runs: Vec<NodeRun<'_>>) -> Vec<NodeOutcome> {
    let started = Instant::now();
    runs.iter().for_each(announce);
    let input = std::mem::take(&mut runs[0].input);
    let names: Vec<&str> = runs.iter().map(|run| run.node_id).collect();
    for run in &mut runs {
        run.output.worked = Some(std::time::Duration::ZERO);
    }
    let mut transforms: Vec<Box<dyn Transform + '_>> = Vec::with_capacity(runs.len());
    let mut failure: Option<(usize, ComponentError)> = None;
    for (index, run) in runs.iter().enumerate() {
        let Component::Transform(config) = run.component else {
            unreachable!("only transforms are fused")
        };
        match guarded(|| config.build(&run.context)) {
            Ok(transform) => transforms.push(transform),
            Err(error) => {
                failure = Some((index, error));
                break;
            }
        }
    }
    if failure.is_none() {
        let mut outputs: Vec<&mut Output> = runs.iter_mut().map(|run| &mut run.output).collect();
        failure = guarded(|| Ok(drive(&mut transforms, &mut outputs, &names, input)))
            .unwrap_or_else(|panic| Some((0, panic)));
    }
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
