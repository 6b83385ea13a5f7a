//! A node's way out: buffers records per port into batches, sends them downstream with
//! backpressure, applies the node's `on_error` to rejected records, counts, samples and checkpoints.

use crossbeam_channel::Sender;
use std::time::{Duration, Instant};

use crate::component::ComponentError;
use crate::engine::control::RunControl;
use crate::engine::events::{EventCallback, LogLevel, NodeStats, RunEvent};
use crate::engine::fused::Tail;
use crate::flow::OnError;
use crate::record::{Batch, Record, describe_value};

/// How many skipped records a node logs one by one before it only counts them.
const SKIP_LOG_LIMIT: u64 = 20;
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Keeps `record` as a sample while fewer than `limit` are kept and they hold less than
/// [`SAMPLE_BYTES`]; `sampled_bytes` counts what they hold.
pub(crate) fn keep_sample(
    samples: &mut Vec<Record>,
    sampled_bytes: &mut usize,
    limit: usize,
    record: &Record,
) {
    if samples.len() < limit && *sampled_bytes < SAMPLE_BYTES {
        *sampled_bytes += (record.values().iter())
            .map(crate::value::Value::size_in_bytes)
            .sum::<usize>();
        samples.push(record.clone());
    }
}

/// Sample records a node keeps stop once they hold this much (a huge record is kept once at
/// most, whatever `sample_size` says).
const SAMPLE_BYTES: usize = 1 << 20;

/// The field a routed record carries its error message in.
pub const ERROR_FIELD: &str = "_error";

struct Port {
    name: String,
    senders: Vec<Sender<Batch>>,
    buffer: Vec<Record>,
    /// The next node runs fused in this thread: records wait here until the engine hands them
    /// on ([`Output::take_fused`]).
    fused: bool,
}

/// Where a component sends its records. Given to every source, transform and sink.
///
/// Not `Sync` (it may carry the transforms fused after a source): a component that works on
/// several threads gives them [`Output::control`] and sends from one.
pub struct Output<'run> {
    node: String,
    ports: Vec<Port>,
    error_port: Port,
    on_error: OnError,
    batch_size: usize,
    control: RunControl,
    events: Option<EventCallback>,
    pub(crate) stats: NodeStats,
    /// Preview: stop the source after this many records.
    limit: Option<u64>,
    checkpoint: Option<serde_json::Value>,
    sample_size: usize,
    pub(crate) samples: Vec<Record>,
    /// The size of the samples so far: sampling stops past [`SAMPLE_BYTES`].
    sampled_bytes: usize,
    /// Keep records that have nowhere to go (component tests read them back).
    keep_unsent: bool,
    had_downstream: bool,
    last_progress: Instant,
    /// Time spent waiting: for input to arrive, for downstream to take batches, for the decision.
    pub(crate) waited: Duration,
    /// For a node in a fused chain, the time spent in it (its thread is shared).
    pub(crate) worked: Option<Duration>,
    /// For a source: the transforms fused after it, handed each batch it fills.
    tail: Option<Box<Tail<'run>>>,
}

pub(crate) struct OutputSettings {
    pub node: String,
    pub ports: Vec<(String, Vec<Sender<Batch>>)>,
    pub error_senders: Vec<Sender<Batch>>,
    pub on_error: OnError,
    pub batch_size: usize,
    pub control: RunControl,
    pub events: Option<EventCallback>,
    pub limit: Option<u64>,
    pub sample_size: usize,
}

impl<'run> Output<'run> {
    /// For a node that holds records back: it holds `bytes` now (its peak is kept).
    pub fn note_memory(&mut self, bytes: u64) {
        self.stats.memory_peak_bytes = self.stats.memory_peak_bytes.max(bytes);
    }

    /// For a node that holds records back: it wrote `bytes` more to spill files.
    pub fn add_spilled(&mut self, bytes: u64) {
        self.stats.spilled_bytes += bytes;
    }

    pub(crate) fn new(settings: OutputSettings) -> Output<'run> {
        let had_downstream = settings
            .ports
            .iter()
            .any(|(_, senders)| !senders.is_empty())
            || !settings.error_senders.is_empty();
        Output {
            node: settings.node,
            ports: settings
                .ports
                .into_iter()
                .map(|(name, senders)| Port {
                    name,
                    senders,
                    buffer: Vec::new(),
                    fused: false,
                })
                .collect(),
            error_port: Port {
                name: crate::flow::ERROR_PORT.into(),
                senders: settings.error_senders,
                buffer: Vec::new(),
                fused: false,
            },
            on_error: settings.on_error,
            batch_size: settings.batch_size.max(1),
            control: settings.control,
            events: settings.events,
            stats: NodeStats::default(),
            limit: settings.limit,
            checkpoint: None,
            sample_size: settings.sample_size,
            samples: Vec::new(),
            sampled_bytes: 0,
            keep_unsent: false,
            had_downstream,
            last_progress: Instant::now(),
            waited: Duration::ZERO,
            worked: None,
            tail: None,
        }
    }

    /// An output that keeps everything it is given, for testing a component on its own.
    pub fn for_test(ports: &[&str], on_error: OnError) -> Output<'run> {
        let mut output = Output::new(OutputSettings {
            node: "test".into(),
            ports: ports
                .iter()
                .map(|name| (name.to_string(), Vec::new()))
                .collect(),
            error_senders: Vec::new(),
            on_error,
            batch_size: usize::MAX,
            control: RunControl::new(),
            events: None,
            limit: None,
            sample_size: 0,
        });
        output.keep_unsent = true;
        output
    }

    /// For tests: the records sent to `port` (`error` for routed ones), taken out of the output.
    pub fn take(&mut self, port: &str) -> Vec<Record> {
        if port == crate::flow::ERROR_PORT {
            return std::mem::take(&mut self.error_port.buffer);
        }
        self.ports
            .iter_mut()
            .find(|candidate| candidate.name == port)
            .map(|found| std::mem::take(&mut found.buffer))
            .unwrap_or_default()
    }

    /// The node's counters so far.
    pub fn stats(&self) -> &NodeStats {
        &self.stats
    }

    /// Sends a record on the default port.
    pub fn emit(&mut self, record: Record) -> Result<(), ComponentError> {
        self.emit_at(0, record)
    }

    /// Sends a record on a named port (`route` uses this).
    pub fn emit_to(&mut self, port: &str, record: Record) -> Result<(), ComponentError> {
        match self
            .ports
            .iter()
            .position(|candidate| candidate.name == port)
        {
            Some(index) => self.emit_at(index, record),
            None => Err(ComponentError::failed(format!(
                "node has no output port `{port}`"
            ))),
        }
    }

    fn emit_at(&mut self, index: usize, record: Record) -> Result<(), ComponentError> {
        self.stats.records_out += 1;
        keep_sample(
            &mut self.samples,
            &mut self.sampled_bytes,
            self.sample_size,
            &record,
        );
        let port = &mut self.ports[index];
        if port.fused {
            port.buffer.push(record);
            if port.buffer.len() >= self.batch_size && self.tail.is_some() {
                self.hand_to_tail()?;
            }
        } else if !port.senders.is_empty() || self.keep_unsent {
            port.buffer.push(record);
            if port.buffer.len() >= self.batch_size {
                self.send(Some(index))?;
            }
        }
        self.check_limit()
    }

    /// Hands back a record the component could not process. With `on_error: fail` this fails
    /// the node (return the error with `?`); with `skip` it is counted and logged; with `route`
    /// it goes to the `error` port with the message in its `_error` field.
    pub fn reject(
        &mut self,
        mut record: Record,
        error: impl Into<String>,
    ) -> Result<(), ComponentError> {
        let message = error.into();
        self.stats.records_errored += 1;
        match self.on_error {
            OnError::Fail => {
                return Err(ComponentError::Failed(format!(
                    "{message} (record: {})",
                    summarize(&record)
                )));
            }
            OnError::Skip => {
                if self.stats.records_errored <= SKIP_LOG_LIMIT {
                    self.log(
                        LogLevel::Warn,
                        format!(
                            "skipped a record: {message} (record: {})",
                            summarize(&record)
                        ),
                    );
                }
            }
            OnError::Route => {
                record.insert(ERROR_FIELD, message);
                if !self.error_port.senders.is_empty() || self.keep_unsent {
                    self.error_port.buffer.push(record);
                    if self.error_port.buffer.len() >= self.batch_size {
                        self.send(None)?;
                    }
                }
            }
        }
        self.check_limit()
    }

    /// Records the sync state reached: everything emitted so far is covered by it. It is stored
    /// only after every destination has committed those records.
    pub fn checkpoint(&mut self, state: serde_json::Value) {
        self.checkpoint = Some(state);
    }

    /// Counts bytes read from or written to the outside world.
    pub fn add_bytes(&mut self, bytes: u64) {
        self.stats.bytes += bytes;
    }

    /// The run's control, for work that must notice a cancel from another thread (a query
    /// that runs long inside one call).
    pub fn control(&self) -> RunControl {
        self.control.clone()
    }

    /// True when the component should stop at the next chance (cancelled or another node failed).
    pub fn should_stop(&self) -> bool {
        self.control.is_stopping()
    }

    /// What comes in next, counting the wait; `None` once every upstream node is done.
    pub(crate) fn receive(
        &mut self,
        inputs: &mut crate::engine::inputs::Inputs,
    ) -> Option<crate::engine::inputs::Arrival> {
        let started = Instant::now();
        let arrival = inputs.next();
        self.waited += started.elapsed();
        arrival
    }

    /// Keeps the default port's records for the node fused after this one.
    pub(crate) fn fuse_default_port(&mut self) {
        if let Some(port) = self
            .ports
            .iter_mut()
            .find(|port| port.name == crate::flow::DEFAULT_PORT)
        {
            port.fused = true;
            self.had_downstream = true;
        }
    }

    /// The records waiting for the fused node after this one.
    pub(crate) fn take_fused(&mut self) -> Batch {
        self.ports
            .iter_mut()
            .find(|port| port.fused)
            .map(|port| std::mem::take(&mut port.buffer))
            .unwrap_or_default()
    }

    /// Runs `tail` on every batch this (source's) output fills, in its thread.
    pub(crate) fn attach_tail(&mut self, tail: Tail<'run>) {
        self.fuse_default_port();
        self.tail = Some(Box::new(tail));
    }

    /// The tail, once the source is done.
    pub(crate) fn detach_tail(&mut self) -> Option<Tail<'run>> {
        self.tail.take().map(|tail| *tail)
    }

    /// Hands the records waiting on the fused port to the tail. Its time counts as waiting: it is
    /// the fused nodes' work, not this node's.
    fn hand_to_tail(&mut self) -> Result<(), ComponentError> {
        let batch = self.take_fused();
        let Some(tail) = self.tail.as_mut().filter(|_| !batch.is_empty()) else {
            return Ok(());
        };
        let started = Instant::now();
        let handed = tail.push(&self.node, batch);
        self.waited += started.elapsed();
        handed
    }

    /// Sends whatever is buffered now. Sources call it when records arrive slowly (after each
    /// page of an API); the engine calls it after every batch a transform handles.
    pub fn flush(&mut self) -> Result<(), ComponentError> {
        // A source has a tail only when its one edge goes to it (`fused::plan`): it has no
        // other port and no error edge whose records a stopping tail could leave unsent.
        if self.tail.is_some() {
            self.hand_to_tail()?;
        }
        for index in 0..self.ports.len() {
            let port = &self.ports[index];
            if !port.buffer.is_empty() && !port.fused && !self.keep_unsent {
                self.send(Some(index))?;
            }
        }
        if !self.error_port.buffer.is_empty() && !self.keep_unsent {
            self.send(None)?;
        }
        if self.last_progress.elapsed() >= PROGRESS_INTERVAL {
            self.report_progress();
        }
        if self.control.is_stopping() {
            return Err(ComponentError::Halted);
        }
        Ok(())
    }

    pub(crate) fn report_progress(&mut self) {
        self.last_progress = Instant::now();
        if let Some(events) = &self.events {
            events(RunEvent::NodeProgress {
                node: self.node.clone(),
                stats: self.stats.clone(),
            });
        }
    }

    /// Adds a line to the run's log, attributed to this node.
    pub fn log(&self, level: LogLevel, message: String) {
        if let Some(events) = &self.events {
            events(RunEvent::Log {
                node: Some(self.node.clone()),
                level,
                message,
            });
        }
    }

    /// For tests: the last checkpoint a source recorded.
    pub fn take_checkpoint_for_test(&mut self) -> Option<serde_json::Value> {
        self.checkpoint.take()
    }

    pub(crate) fn take_checkpoint(&mut self) -> Option<serde_json::Value> {
        self.checkpoint.take()
    }

    pub(crate) fn skipped_beyond_log_limit(&self) -> Option<u64> {
        (self.on_error == OnError::Skip && self.stats.records_errored > SKIP_LOG_LIMIT)
            .then_some(self.stats.records_errored)
    }

    fn check_limit(&mut self) -> Result<(), ComponentError> {
        if let Some(limit) = self.limit
            && self.stats.records_out + self.stats.records_errored >= limit
        {
            self.flush()?;
            return Err(ComponentError::Halted);
        }
        Ok(())
    }

    /// Sends one port's buffer (`None`: the error port) to every edge leaving it. An edge whose
    /// receiver has gone (a finished `limit`, a failed node) is dropped; when no edge is left
    /// anywhere, the node is told to stop.
    fn send(&mut self, index: Option<usize>) -> Result<(), ComponentError> {
        let port = match index {
            Some(index) => &mut self.ports[index],
            None => &mut self.error_port,
        };
        let batch = std::mem::take(&mut port.buffer);
        let started = Instant::now();
        if let Some((last, others)) = port.senders.split_last() {
            let mut closed = Vec::new();
            for (position, sender) in others.iter().enumerate() {
                if sender.send(batch.clone()).is_err() {
                    closed.push(position);
                }
            }
            if last.send(batch).is_err() {
                closed.push(others.len());
            }
            for position in closed.into_iter().rev() {
                port.senders.remove(position);
            }
        }
        self.waited += started.elapsed();
        if self.control.is_stopping() {
            return Err(ComponentError::Halted);
        }
        let open = self
            .ports
            .iter()
            .any(|port| port.fused || !port.senders.is_empty())
            || !self.error_port.senders.is_empty();
        if self.had_downstream && !open {
            return Err(ComponentError::Halted);
        }
        Ok(())
    }

    /// Closes every edge leaving the node, so downstream nodes see the end of their input.
    pub(crate) fn close(&mut self) {
        for port in &mut self.ports {
            port.senders.clear();
        }
        self.error_port.senders.clear();
    }

    /// Sends everything left; called by the engine when the component is done.
    pub(crate) fn finish(&mut self) -> Result<(), ComponentError> {
        let result = self.flush();
        self.report_progress();
        match result {
            Err(ComponentError::Halted) if !self.control.is_stopping() => Ok(()),
            other => other,
        }
    }
}

/// The first few fields of a record, for error messages.
fn summarize(record: &Record) -> String {
    const FIELDS: usize = 4;
    let mut parts: Vec<String> = record
        .iter()
        .take(FIELDS)
        .map(|(key, value)| format!("{key}={}", describe_value(value)))
        .collect();
    if record.len() > FIELDS {
        parts.push("…".into());
    }
    parts.join(", ")
}
