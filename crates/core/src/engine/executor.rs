//! Runs a validated flow: builds every node, wires bounded channels along the edges, runs a
//! thread per node (or per fused chain), then commits every sink or none and reports what
//! happened.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};

use crossbeam_channel::{Sender, bounded};
use std::time::Instant;

use crate::component::{
    BuildContext, Component, ComponentError, Input, SourceConfig, TransformConfig,
};
use crate::engine::fused;
use crate::engine::inputs::{Arrival, IncomingEdge, Inputs};
use crate::engine::node::{Checkpoint, NodeOutcome, NodeRun, Settle, announce, conclude, guarded};
use crate::engine::output::{Output, OutputSettings};
use crate::engine::report::{NodeReport, RunFailure, RunOptions, RunReport, RunRequest, RunStatus};
use crate::engine::sinks::{Ready, SinkRun, get_ready, run_sink};
use crate::expression::Expressions;
use crate::flow::{ERROR_PORT, OnError};
use crate::record::Batch;

/// Runs a flow that passed validation. Blocks until the run is over: call it from a blocking
/// thread (`tokio::task::spawn_blocking`).
pub fn execute(request: RunRequest<'_>, options: &RunOptions) -> RunReport {
    let started = Instant::now();
    let flow = request.flow;

    let mut components = Vec::with_capacity(flow.nodes.len());
    for node in &flow.nodes {
        let Some(descriptor) = request.registry.get(&node.component) else {
            let message = format!("unknown node type `{}`", node.component);
            return RunReport::failed_before_start(Some(&node.id), message, flow);
        };
        match (descriptor.parse)(node.config.clone()) {
            Ok(component) => components.push(component),
            Err(error) => {
                let message = match error.field {
                    Some(field) => format!("config field `{field}`: {}", error.message),
                    None => error.message,
                };
                return RunReport::failed_before_start(Some(&node.id), message, flow);
            }
        }
    }

    // One channel per edge, unless the edge's target runs fused after its source.
    let index_of: HashMap<&str, usize> = flow
        .nodes
        .iter()
        .enumerate()
        .map(|(index, node)| (node.id.as_str(), index))
        .collect();
    // A node fused after another runs in that node's thread and takes its records directly.
    let fused_after = fused::plan(flow, &components, &index_of);
    let mut edge_senders: Vec<Option<Sender<Batch>>> = Vec::with_capacity(flow.edges.len());
    let mut incoming: Vec<Vec<IncomingEdge>> = flow.nodes.iter().map(|_| Vec::new()).collect();
    for edge in &flow.edges {
        let target = index_of.get(edge.to.as_str()).copied();
        match target.filter(|target| fused_after[*target].is_none()) {
            Some(target) => {
                let (sender, receiver) = bounded(options.channel_capacity.max(1));
                edge_senders.push(Some(sender));
                incoming[target].push(IncomingEdge {
                    port: Arc::from(edge.input()),
                    from: Arc::from(edge.from.as_str()),
                    receiver,
                });
            }
            None => edge_senders.push(None),
        }
    }
    let mut outputs: Vec<Output> = Vec::with_capacity(flow.nodes.len());
    for (index, node) in flow.nodes.iter().enumerate() {
        let senders_for = |port: &str| -> Vec<Sender<Batch>> {
            flow.edges
                .iter()
                .zip(&edge_senders)
                .filter(|(edge, _)| edge.from == node.id && edge.port() == port)
                .filter_map(|(_, sender)| sender.clone())
                .collect()
        };
        let ports = match &components[index] {
            Component::Sink(_) => Vec::new(),
            other => other
                .config()
                .output_ports()
                .into_iter()
                .map(|port| {
                    let senders = senders_for(&port);
                    (port, senders)
                })
                .collect(),
        };
        let error_senders = if node.on_error == OnError::Route {
            senders_for(ERROR_PORT)
        } else {
            Vec::new()
        };
        let is_source = matches!(components[index], Component::Source(_));
        outputs.push(Output::new(OutputSettings {
            node: node.id.clone(),
            ports,
            error_senders,
            on_error: node.on_error,
            batch_size: options.batch_size,
            control: request.control.clone(),
            events: request.events.clone(),
            limit: if is_source {
                options.record_limit
            } else {
                None
            },
            sample_size: options.sample_size,
        }));
    }
    for upstream in fused_after.iter().flatten() {
        outputs[*upstream].fuse_default_port();
    }
    // Only the outputs hold senders now: an edge ends when its upstream node is done.
    drop(edge_senders);
    let receivers: Vec<Inputs> = incoming.into_iter().map(Inputs::new).collect();

    let expressions = Expressions::new(&flow.vars, request.started_at);
    let memory = std::sync::Arc::new(crate::memory::MemoryBudget::new(
        flow.memory_mb.map_or(options.memory_budget, |megabytes| {
            megabytes.saturating_mul(1 << 20)
        }),
    ));
    let context_for = |node| context_of(node, &request, &expressions, options, &memory);
    let journal = request.journal.clone().filter(|_| !options.dry_run);
    // Before any sink writes: what each stages, one writer per destination, and the record.
    let Ready {
        mut stagings,
        lock: _destination_lock,
    } = match get_ready(&request, &components, &context_for, options) {
        Ok(ready) => ready,
        Err(not) => {
            return RunReport::ended_before_start(
                not.status,
                not.node.as_deref(),
                not.message,
                flow,
            );
        }
    };
    let (settled_sender, settled_receiver) = std::sync::mpsc::channel::<Option<Checkpoint>>();
    let mut decision_senders: Vec<SyncSender<bool>> = Vec::new();
    let mut states = BTreeMap::new();
    let mut decided = false;

    let outcomes: Vec<NodeOutcome> = std::thread::scope(|scope| {
        let mut runs: Vec<Option<NodeRun<'_>>> = Vec::with_capacity(flow.nodes.len());
        for ((((node, component), output), receiver), staging) in flow
            .nodes
            .iter()
            .zip(&components)
            .zip(outputs)
            .zip(receivers)
            .zip(stagings.iter_mut().map(Option::take))
        {
            let decision = match component {
                Component::Sink(_) => {
                    let (sender, receiver) = sync_channel::<bool>(1);
                    decision_senders.push(sender);
                    Some(receiver)
                }
                _ => None,
            };
            runs.push(Some(NodeRun {
                node_id: &node.id,
                component,
                context: context_for(node),
                output,
                input: receiver,
                settled: Settle(Some(settled_sender.clone())),
                decision,
                control: request.control.clone(),
                events: request.events.clone(),
                options,
                journal: journal.clone(),
                staging,
            }));
        }
        let mut handles = Vec::with_capacity(flow.nodes.len());
        for (index, node) in flow.nodes.iter().enumerate() {
            if fused_after[index].is_some() {
                continue;
            }
            let chain = fused::chain_from(index, &fused_after);
            let chain_runs: Vec<NodeRun<'_>> = chain
                .iter()
                .map(|member| runs[*member].take().expect("each node runs once"))
                .collect();
            let handle = std::thread::Builder::new()
                .name(format!("node-{}", node.id))
                .spawn_scoped(scope, move || {
                    let outcomes = if chain_runs.len() == 1 {
                        vec![run_node(chain_runs.into_iter().next().expect("one run"))]
                    } else {
                        fused::run_chain(chain_runs)
                    };
                    chain.into_iter().zip(outcomes).collect::<Vec<_>>()
                })
                .expect("the system can start a thread");
            handles.push(handle);
        }
        drop(settled_sender);
        // Every node settles once: sources and transforms when they end (with their checkpoint),
        // sinks when their writes are staged and prepared. Then all sinks commit, or all discard.
        for _ in 0..flow.nodes.len() {
            match settled_receiver.recv() {
                Ok(Some((node, state))) => {
                    states.insert(node, state);
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
        let mut commit = !request.control.is_stopping();
        if commit && let Some(journal) = &journal {
            journal.reached("before-decision");
            match journal.decide(&states) {
                Ok(()) => {
                    decided = true;
                    journal.reached("after-decision");
                }
                Err(message) => {
                    request.control.fail(
                        None,
                        format!("cannot record the run's commit in Sluice's database ({message}); nothing was published"),
                    );
                    commit = false;
                }
            }
        }
        for sender in decision_senders.drain(..) {
            let _ = sender.send(commit);
        }
        let mut outcomes: Vec<(usize, NodeOutcome)> = handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a node thread does not panic"))
            .collect();
        outcomes.sort_by_key(|(index, _)| *index);
        outcomes.into_iter().map(|(_, outcome)| outcome).collect()
    });

    let nodes: Vec<NodeReport> = flow
        .nodes
        .iter()
        .zip(outcomes)
        .map(|(node, outcome)| NodeReport {
            node: node.id.clone(),
            status: outcome.status,
            stats: outcome.stats,
            error: outcome.error,
            samples: outcome.samples,
        })
        .collect();
    let failure = request
        .control
        .first_failure()
        .map(|(node, message)| RunFailure { node, message });
    // Once decided, the run is committed whatever happens next: a later cancel changes nothing,
    // and a destination that failed to publish is finished by the next Sluice to start.
    let status = if decided {
        match failure {
            Some(_) => RunStatus::Committing,
            None => RunStatus::Succeeded,
        }
    } else if request.control.is_cancelled() {
        RunStatus::Cancelled
    } else if failure.is_some() {
        RunStatus::Failed
    } else {
        RunStatus::Succeeded
    };
    if !matches!(status, RunStatus::Succeeded | RunStatus::Committing) || options.dry_run {
        states.clear();
    }
    RunReport {
        status,
        failure: if status == RunStatus::Cancelled {
            None
        } else {
            failure
        },
        nodes,
        states,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

/// What a node's component can use when it is built for this run.
fn context_of<'run>(
    node: &'run crate::flow::Node,
    request: &'run RunRequest<'run>,
    expressions: &'run Expressions,
    options: &RunOptions,
    memory: &std::sync::Arc<crate::memory::MemoryBudget>,
) -> BuildContext<'run> {
    BuildContext {
        node_id: &node.id,
        flow_id: &request.flow.id,
        run_id: request.run_id,
        base_dir: request.base_dir,
        expressions,
        state: request.states.get(&node.id),
        credential: request.credentials.get(&node.id).cloned(),
        inbox: request.inbox.clone(),
        preview: options.dry_run,
        record_limit: options.record_limit,
        live: !options.dry_run || options.live_nodes.contains(&node.id),
        memory: memory.clone(),
        upstream: (request.flow.edges.iter())
            .filter(|edge| edge.to == node.id)
            .map(|edge| Input {
                port: edge.input(),
                from: &edge.from,
            })
            .collect(),
    }
}

fn run_node(mut run: NodeRun<'_>) -> NodeOutcome {
    let started = Instant::now();
    announce(&run);
    let mut sink_samples = Vec::new();
    let input = std::mem::take(&mut run.input);
    let result = guarded(|| match run.component {
        Component::Source(config) => run_source(config.as_ref(), &run.context, &mut run.output),
        Component::Transform(config) => {
            run_transform(config.as_ref(), &run.context, &mut run.output, input)
        }
        Component::Sink(config) => run_sink(SinkRun {
            config: config.as_ref(),
            context: &run.context,
            output: &mut run.output,
            input,
            settled: &mut run.settled,
            decision: run.decision.take(),
            options: run.options,
            samples: &mut sink_samples,
            journal: run.journal.as_deref(),
            staging: run.staging.take(),
        }),
    });
    let samples = matches!(run.component, Component::Sink(_)).then_some(sink_samples);
    conclude(run, result, started, samples)
}

pub(super) fn run_source(
    config: &dyn SourceConfig,
    context: &BuildContext<'_>,
    output: &mut Output,
) -> Result<(), ComponentError> {
    let mut source = config.build(context)?;
    match source.read(output) {
        Ok(()) | Err(ComponentError::Halted) => output.finish(),
        Err(error) => Err(error),
    }
}

fn run_transform(
    config: &dyn TransformConfig,
    context: &BuildContext<'_>,
    output: &mut Output,
    mut inputs: Inputs,
) -> Result<(), ComponentError> {
    let mut transform = config.build(context)?;
    while let Some(arrival) = output.receive(&mut inputs) {
        if output.should_stop() {
            return Err(ComponentError::Halted);
        }
        match arrival {
            Arrival::Batch { port, from, batch } => {
                output.stats.records_in += batch.len() as u64;
                let input = Input {
                    port: &port,
                    from: &from,
                };
                transform.transform(input, batch, output)?;
            }
            Arrival::Ended { port, from } => {
                let input = Input {
                    port: &port,
                    from: &from,
                };
                transform.input_ended(input, output)?
            }
        }
        output.flush()?;
        if transform.is_done() {
            break;
        }
    }
    if output.should_stop() {
        return Err(ComponentError::Halted);
    }
    transform.finish(output)?;
    output.finish()
}
