//! Sinks in a run: getting ready to write (what each stages, the destination locks, the record
//! of both), then staging, preparing and committing or discarding as the executor decides.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use crate::commit::{CommitJournal, DestinationLock, Staging};
use crate::component::{BuildContext, Component, ComponentError, Sink, SinkConfig};
use crate::engine::inputs::{Arrival, Inputs};
use crate::engine::node::Settle;
use crate::engine::output::{Output, keep_sample};
use crate::engine::report::{RunOptions, RunRequest, RunStatus};
use crate::flow::Node;
use crate::record::{Batch, Record};

/// A run ready to write: what each node stages (by node, `None` but for sinks writing for real)
/// and the destination locks it holds until it ends.
pub(super) struct Ready {
    pub stagings: Vec<Option<Staging>>,
    pub lock: Option<Box<dyn DestinationLock>>,
}

/// Why a run could not get ready to write.
pub(super) struct NotReady {
    pub status: RunStatus,
    pub node: Option<String>,
    pub message: String,
}

impl NotReady {
    fn failed(node: Option<&str>, message: String) -> Self {
        NotReady {
            status: RunStatus::Failed,
            node: node.map(str::to_string),
            message,
        }
    }
}

/// Asks each sink what it will stage, refuses two nodes writing one destination, then (with a
/// journal) locks every destination, in one order for all runs so two runs never wait on each
/// other, and records the stagings before anything is written.
pub(super) fn get_ready<'run>(
    request: &RunRequest<'run>,
    components: &[Component],
    context_for: &dyn Fn(&'run Node) -> BuildContext<'run>,
    options: &RunOptions,
) -> Result<Ready, NotReady> {
    let mut stagings: Vec<Option<Staging>> = Vec::with_capacity(components.len());
    let mut writers: HashMap<String, &str> = HashMap::new();
    for (node, component) in request.flow.nodes.iter().zip(components) {
        let Component::Sink(config) = component else {
            stagings.push(None);
            continue;
        };
        if options.dry_run {
            stagings.push(None);
            continue;
        }
        let staging = config
            .staging(&context_for(node))
            .map_err(|error| NotReady::failed(Some(&node.id), error.to_string()))?;
        // One writer per destination within a run too (a SQLite database has one writer at a
        // time, whatever the table).
        if let Some(first) = writers.insert(staging.lock_key.clone(), &node.id) {
            return Err(NotReady::failed(
                Some(&node.id),
                format!(
                    "it writes {} like node `{first}`; two nodes of one flow cannot write one file or database — send both branches to one node, or write to two files",
                    staging.lock_key
                ),
            ));
        }
        stagings.push(Some(staging));
    }
    let Some(journal) = request.journal.as_ref().filter(|_| !options.dry_run) else {
        return Ok(Ready {
            stagings,
            lock: None,
        });
    };
    let mut lock_keys: Vec<String> = stagings
        .iter()
        .flatten()
        .map(|staging| staging.lock_key.clone())
        .collect();
    lock_keys.sort();
    lock_keys.dedup();
    let lock = journal
        .lock_destinations(&lock_keys, &request.control)
        .map_err(|message| NotReady {
            status: if request.control.is_cancelled() {
                RunStatus::Cancelled
            } else {
                RunStatus::Failed
            },
            node: None,
            message,
        })?;
    let recorded: Vec<(String, Staging)> = request
        .flow
        .nodes
        .iter()
        .zip(&stagings)
        .filter_map(|(node, staging)| Some((node.id.clone(), staging.clone()?)))
        .collect();
    journal
        .staging(&recorded)
        .map_err(|message| NotReady::failed(None, message))?;
    Ok(Ready {
        stagings,
        lock: Some(lock),
    })
}

pub(super) struct SinkRun<'a, 'run> {
    pub config: &'a dyn SinkConfig,
    pub context: &'a BuildContext<'run>,
    pub output: &'a mut Output<'run>,
    pub input: Inputs,
    pub settled: &'a mut Settle,
    pub decision: Option<Receiver<bool>>,
    pub options: &'a RunOptions,
    pub samples: &'a mut Vec<Record>,
    pub journal: Option<&'a dyn CommitJournal>,
    /// What the sink stages (none in a preview).
    pub staging: Option<Staging>,
}

/// Stages and prepares everything, reports "settled", then commits or discards as the executor
/// decides. Once the run decided to commit, the sink commits even if a cancel comes meanwhile.
pub(super) fn run_sink(run: SinkRun<'_, '_>) -> Result<(), ComponentError> {
    let built: Result<Box<dyn Sink + '_>, ComponentError> = match &run.staging {
        Some(staging) => run.config.build(run.context, staging),
        None => Ok(Box::new(DiscardSink)),
    };
    let mut sink = built?;
    let written = write_all(
        sink.as_mut(),
        run.output,
        run.input,
        run.options.sample_size,
        run.samples,
    );
    let written = written
        .and_then(|()| sink.prepare(run.output))
        .and_then(|()| run.output.finish());
    if let Err(error) = written {
        sink.abort();
        return Err(error);
    }
    // Close the error port before waiting, or a node fed by it would wait for this one forever.
    run.output.close();
    run.settled.now(None);
    let deciding = std::time::Instant::now();
    let commit = run
        .decision
        .and_then(|decision| decision.recv().ok())
        .unwrap_or(false);
    run.output.waited += deciding.elapsed();
    if commit {
        sink.commit()?;
        if let Some(journal) = run.journal {
            journal.reached(&format!("after-publish:{}", run.context.node_id));
            journal.published(run.context.node_id).map_err(|message| {
                ComponentError::failed(format!(
                    "published, but Sluice could not record it ({message}); the next start records it"
                ))
            })?;
        }
        Ok(())
    } else {
        sink.abort();
        Err(ComponentError::Halted)
    }
}

fn write_all(
    sink: &mut (dyn Sink + '_),
    output: &mut Output,
    mut input: Inputs,
    sample_size: usize,
    samples: &mut Vec<Record>,
) -> Result<(), ComponentError> {
    let mut sampled_bytes = 0;
    while let Some(arrival) = output.receive(&mut input) {
        if output.should_stop() {
            return Err(ComponentError::Halted);
        }
        if let Arrival::Batch { batch, .. } = arrival {
            let received = batch.len() as u64;
            output.stats.records_in += received;
            for record in batch.iter().take(sample_size.saturating_sub(samples.len())) {
                keep_sample(samples, &mut sampled_bytes, sample_size, record);
            }
            let errored_before = output.stats.records_errored;
            sink.write(batch, output)?;
            output.stats.records_out += received - (output.stats.records_errored - errored_before);
            output.flush()?;
        }
    }
    if output.should_stop() {
        return Err(ComponentError::Halted);
    }
    Ok(())
}

/// Stands in for every sink in a preview: takes records, writes nothing.
struct DiscardSink;

impl Sink for DiscardSink {
    fn write(&mut self, _batch: Batch, _out: &mut Output) -> Result<(), ComponentError> {
        Ok(())
    }

    fn prepare(&mut self, _out: &mut Output) -> Result<(), ComponentError> {
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), ComponentError> {
        Ok(())
    }

    fn abort(self: Box<Self>) {}
}
