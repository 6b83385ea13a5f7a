//! What a component is: a config half (serde + schemars, checked before a run) and a runtime half
//! (built per run, only streams). Sources read, transforms reshape, sinks write and commit.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::engine::Output;
use crate::expression::Expressions;
use crate::flow::DEFAULT_PORT;
use crate::record::Batch;

/// The three roles a component can have in a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// Produces records; has no input.
    Source,
    /// Takes records in and sends records on.
    Transform,
    /// Writes records somewhere; has no output except `error`.
    Sink,
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ComponentKind::Source => "source",
            ComponentKind::Transform => "transform",
            ComponentKind::Sink => "destination",
        })
    }
}

/// Why a component stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ComponentError {
    /// The component failed; the message says what, where and what to do. The engine adds the node.
    #[error("{0}")]
    Failed(String),
    /// The engine asked the component to stop (cancelled, preview limit reached, or nothing
    /// downstream wants more records). Components pass it on with `?`.
    #[error("stopped")]
    Halted,
}

impl ComponentError {
    /// A failure with this message.
    pub fn failed(message: impl Into<String>) -> Self {
        ComponentError::Failed(message.into())
    }

    /// A failure of a file operation, naming the file.
    pub fn io(action: &str, path: &Path, error: &std::io::Error) -> Self {
        ComponentError::Failed(format!("cannot {action} {}: {error}", path.display()))
    }
}

/// A per-record problem: the record could not be processed, but the run may go on (`on_error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RecordError(pub String);

/// One expression in a component's config, for validation to compile and check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpressionField {
    /// Where it sits in the config, e.g. `when` or `set.full_name`.
    pub field: String,
    /// The expression as written.
    pub source: String,
}

impl ExpressionField {
    pub fn new(field: impl Into<String>, source: impl Into<String>) -> Self {
        ExpressionField {
            field: field.into(),
            source: source.into(),
        }
    }
}

/// What a component reaches outside the flow, as its config says: the trust review of a flow
/// from elsewhere shows these before it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reach {
    /// A file it reads, as written (relative to the flow's folder when relative).
    Reads { path: PathBuf },
    /// A file it writes, as written.
    Writes { path: PathBuf },
    /// A URL it sends requests to (may hold `{{ … }}` parts); `sends_records` when the records
    /// themselves go out in the requests.
    Contacts { url: String, sends_records: bool },
    /// It takes requests from outside (a webhook).
    Listens,
    /// It reads or writes a database through its credential: what it does there, in words
    /// ("reads the table orders where …", "runs the query …", "replaces the rows of the table …").
    Database { what: String },
}

/// What a component can use when it is built for a run.
pub struct BuildContext<'run> {
    /// The node being built.
    pub node_id: &'run str,
    /// The flow the node belongs to.
    pub flow_id: &'run str,
    /// The run: staging names carry it, so a crashed run's leftovers are told apart.
    pub run_id: &'run str,
    /// The folder relative paths resolve against (the flow file's folder).
    pub base_dir: &'run Path,
    /// The run's expression environment; compile expressions once here.
    pub expressions: &'run Expressions,
    /// For sources: the sync state the last successful run committed.
    pub state: Option<&'run serde_json::Value>,
    /// The credential the node names, with its secrets, when it names one.
    pub credential: Option<std::sync::Arc<dyn crate::credential::CredentialAccess>>,
    /// Records handed to the run from outside while it runs (webhook requests), when the runtime
    /// has any for this flow.
    pub inbox: Option<std::sync::Arc<dyn Inbox>>,
    /// Whether this is a preview: sinks are not built, sources may take shortcuts.
    pub preview: bool,
    /// The most records each source is asked for (a preview's limit): a source may stop reading
    /// there, e.g. a database adds `LIMIT`.
    pub record_limit: Option<u64>,
    /// Whether the node may change the outside world (send a request that is not a plain GET):
    /// always in a run; in a preview only when the person asked for a live preview of it.
    pub live: bool,
    /// The run's memory budget, shared by the nodes that hold records back.
    pub memory: std::sync::Arc<crate::memory::MemoryBudget>,
    /// The edges into the node: which input each arrives at, from which node.
    pub upstream: Vec<Input<'run>>,
}

impl<'run> BuildContext<'run> {
    /// A context for a node built on its own, outside a run (tests, fuzzing): rooted at
    /// `base_dir`, live, with no state, credential, inbox or inputs and the default budget.
    pub fn standalone(base_dir: &'run Path, expressions: &'run Expressions) -> BuildContext<'run> {
        BuildContext {
            node_id: "node",
            flow_id: "flow",
            run_id: "0193f0c2-0000-7000-8000-00000000beef",
            base_dir,
            expressions,
            state: None,
            credential: None,
            inbox: None,
            preview: false,
            record_limit: None,
            live: true,
            memory: Default::default(),
            upstream: Vec::new(),
        }
    }

    /// A path from a config, resolved against the flow's folder when relative.
    pub fn resolve_path(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }
}

/// Records handed to a run from outside while it runs, e.g. the bodies of webhook requests.
pub trait Inbox: Send + Sync + fmt::Debug {
    /// The next record, waiting up to `wait` for one; `None` when none came in that time.
    fn next(&self, wait: std::time::Duration) -> Option<serde_json::Value>;
}

/// Where a batch came from: the input port it arrived at, and the node that sent it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub port: &'a str,
    pub from: &'a str,
}

/// What every component config can tell before a run.
pub trait ComponentConfig: Send + Sync + fmt::Debug {
    /// The ports records can leave through (besides `error`).
    fn output_ports(&self) -> Vec<String> {
        vec![DEFAULT_PORT.to_string()]
    }

    /// The expressions in this config, so validation can compile them.
    fn expressions(&self) -> Vec<ExpressionField> {
        Vec::new()
    }

    /// What this config makes the component reach outside the flow (files, hosts, requests).
    fn reaches(&self) -> Vec<Reach> {
        Vec::new()
    }

    /// What the person should know about these settings that does not stop a run (e.g. that
    /// appending adds the same rows again on every run): (config field, advice).
    fn advice(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// The config half of a source.
pub trait SourceConfig: ComponentConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError>;
}

/// The config half of a transform.
pub trait TransformConfig: ComponentConfig {
    /// The ports records arrive at: `in` unless the transform takes several inputs (`join`).
    fn input_ports(&self) -> Vec<String> {
        vec![crate::flow::DEFAULT_INPUT_PORT.to_string()]
    }

    /// True when the transform handles each record on its own and holds nothing back (filter,
    /// map, select, cast, route): chains of such transforms run fused in one thread, without
    /// channels.
    fn is_stateless(&self) -> bool {
        false
    }

    /// True for a cheap stateless transform that lessens what travels on (a filter): right after
    /// a source it runs in the source's thread, so the records it drops never go to another core.
    fn runs_beside_source(&self) -> bool {
        false
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError>;
}

/// The config half of a sink.
pub trait SinkConfig: ComponentConfig {
    /// What the sink will stage for this run and where it goes, so the runtime can lock the
    /// destination and record the staging before anything is written.
    fn staging(&self, context: &BuildContext<'_>)
    -> Result<crate::commit::Staging, ComponentError>;

    /// Starts writing to `staging` (what [`SinkConfig::staging`] answered).
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
        staging: &crate::commit::Staging,
    ) -> Result<Box<dyn Sink + 'run>, ComponentError>;
}

/// A parsed, typed component config.
#[derive(Debug)]
pub enum Component {
    Source(Box<dyn SourceConfig>),
    Transform(Box<dyn TransformConfig>),
    Sink(Box<dyn SinkConfig>),
}

impl Component {
    pub fn kind(&self) -> ComponentKind {
        match self {
            Component::Source(_) => ComponentKind::Source,
            Component::Transform(_) => ComponentKind::Transform,
            Component::Sink(_) => ComponentKind::Sink,
        }
    }

    /// The part every config shares.
    pub fn config(&self) -> &dyn ComponentConfig {
        match self {
            Component::Source(config) => config.as_ref(),
            Component::Transform(config) => config.as_ref(),
            Component::Sink(config) => config.as_ref(),
        }
    }
}

/// The runtime half of a source: streams records into `out` until done.
pub trait Source: Send {
    /// Reads everything (or everything since the last committed state), emitting records and,
    /// for incremental sources, checkpoints. Returns when done or when `out` says to stop.
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError>;
}

/// The runtime half of a transform: reshapes batches.
pub trait Transform: Send {
    /// Processes one batch, emitting or rejecting each record. `input` says where it came from
    /// (a transform with one input has no need to look).
    fn transform(
        &mut self,
        input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError>;

    /// Called when an edge into the node has had its last batch (see `BuildContext::upstream`
    /// for the edges), before `finish`: a join builds from one input and then streams the other.
    fn input_ended(&mut self, input: Input<'_>, out: &mut Output) -> Result<(), ComponentError> {
        let _ = (input, out);
        Ok(())
    }

    /// Called once after the last batch, for transforms that hold records back.
    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let _ = out;
        Ok(())
    }

    /// True once the transform wants no more input (e.g. `limit` is full).
    fn is_done(&self) -> bool {
        false
    }
}

/// The runtime half of a sink: stages batches, prepares, then commits or aborts the whole run's
/// writes (see [`crate::commit`]).
pub trait Sink: Send {
    /// Stages one batch. Nothing written is visible to others until `commit`.
    fn write(&mut self, batch: Batch, out: &mut Output) -> Result<(), ComponentError>;

    /// Makes the staged writes durable and checks that they can be published, rejecting to `out`
    /// the records the destination refuses. After `Ok`, `commit` (or a later process's publish)
    /// cannot fail but for the machine itself (a full disk, a lost device).
    fn prepare(&mut self, out: &mut Output) -> Result<(), ComponentError>;

    /// Makes the run's writes visible, all at once. Called only after the run decided to commit.
    fn commit(self: Box<Self>) -> Result<(), ComponentError>;

    /// Discards the run's writes; the destination stays as it was before the run.
    fn abort(self: Box<Self>);
}
