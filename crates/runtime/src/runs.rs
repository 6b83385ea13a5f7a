//! The run manager: starts runs of stored flows or flow files (one at a time per flow), streams
//! their events, cancels them and has them recorded (see `run_history`).

use std::collections::HashMap;
use std::sync::Arc;

use sluice_core::engine::{
    EventCallback, RunControl, RunEvent, RunOptions, RunReport, RunRequest, execute,
};
use sluice_core::validate::validate;
use sluice_store::{LogLine, NewRun, NodeRun, RunRecord};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::commits::StoreJournal;
use crate::flows::LoadedFlow;
use crate::run_history::{record_event, record_outcome};
use crate::webhooks::RunInbox;
use crate::{Error, Result, Sluice};

/// What to run.
#[derive(Debug, Clone)]
pub enum RunTarget {
    /// A stored flow, by id, id prefix or name.
    Stored(String),
    /// A flow already loaded (e.g. from a file).
    Loaded(Box<LoadedFlow>),
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Someone pressed Run.
    Manual,
    /// The scheduler.
    Schedule,
    /// The scheduler, making up for fires missed while Sluice was not running.
    CatchUp,
    /// The `sluice run` command.
    Cli,
    /// A request to the flow's webhook.
    Webhook,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch_up",
            Trigger::Cli => "cli",
            Trigger::Webhook => "webhook",
        }
    }
}

/// A run in progress.
pub struct RunHandle {
    pub run_id: String,
    pub flow_id: String,
    pub flow_name: String,
    /// The run's events as they happen. Take it before waiting.
    pub events: Option<UnboundedReceiver<RunEvent>>,
    control: RunControl,
    task: tokio::task::JoinHandle<Result<RunOutcome>>,
}

impl std::fmt::Debug for RunHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHandle")
            .field("run_id", &self.run_id)
            .finish()
    }
}

/// How a finished run went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunOutcome {
    pub run_id: String,
    pub flow_id: String,
    pub report: RunReport,
}

/// The runs in progress in this process, by run id.
pub(crate) type ActiveRuns = Arc<std::sync::Mutex<HashMap<String, ActiveRun>>>;

/// A run in progress: its flow and the handle that cancels it.
#[derive(Debug, Clone)]
pub(crate) struct ActiveRun {
    pub flow_id: String,
    pub control: RunControl,
}

/// What an observer hears about a run started with [`Sluice::start_run_observed`].
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum RunNotice {
    /// The run was recorded and began.
    Started { run_id: String, flow_id: String },
    /// Something happened inside the run.
    Event {
        run_id: String,
        flow_id: String,
        event: RunEvent,
    },
    /// The run ended and was recorded.
    Finished {
        run_id: String,
        flow_id: String,
        report: RunReport,
    },
    /// The run could not be recorded (the store failed); the message says why.
    Broken {
        run_id: String,
        flow_id: String,
        message: String,
    },
}

/// A stored run with its per-node results and its log.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct RunDetail {
    pub run: RunRecord,
    pub nodes: Vec<NodeRun>,
    pub logs: Vec<LogLine>,
}

impl RunHandle {
    /// Asks the run to stop; what it wrote is discarded and its state is not advanced.
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// A handle that can cancel the run from elsewhere.
    pub fn control(&self) -> RunControl {
        self.control.clone()
    }

    /// Waits for the run to end and be recorded.
    pub async fn wait(self) -> Result<RunOutcome> {
        self.task.await.unwrap_or_else(|error| {
            Err(Error::NotFound(format!(
                "the run task ended abnormally: {error}"
            )))
        })
    }
}

impl Sluice {
    fn resolve(&self, target: RunTarget) -> Result<LoadedFlow> {
        let loaded = self.load(target)?;
        validate(&loaded.flow, &self.registry()).map_err(|report| Error::Invalid {
            file: format!("flow '{}'", loaded.flow.name),
            report,
        })?;
        self.check_reach(&loaded)?;
        Ok(loaded)
    }

    pub(crate) fn load(&self, target: RunTarget) -> Result<LoadedFlow> {
        match target {
            RunTarget::Stored(reference) => self.find_flow(&reference),
            RunTarget::Loaded(loaded) => Ok(*loaded),
        }
    }

    /// Starts a run. It is recorded at once as `running`; events stream on the handle.
    /// Must be called within a tokio runtime.
    pub fn start_run(&self, target: RunTarget, trigger: Trigger) -> Result<RunHandle> {
        let loaded = self.resolve(target)?;
        // The version this run uses stays as it is: later edits start a new one.
        if let Some(version) = loaded.version {
            self.store().keep_version(&loaded.flow.id, version)?;
        }
        // Before the run is recorded: a missing credential or a locked keychain refuses the run.
        let credentials = self.credentials_for(&loaded.flow)?;
        let flow_id = loaded.flow.id.clone();
        let flow_lock = self.lock_flow(&flow_id, &loaded.flow.name)?;
        // What stopped processes left is finished first, this flow's runs included (this
        // process holds their lock now).
        if let Err(error) = self.recover_runs_holding(Some(&flow_id)) {
            tracing::warn!(%error, "could not finish the runs a stopped process left");
        }
        let run_id = uuid::Uuid::now_v7().to_string();
        // A webhook flow's run takes the requests queued for it (and those arriving meanwhile).
        let inbox: Option<Arc<dyn sluice_core::component::Inbox>> = loaded
            .flow
            .nodes
            .iter()
            .any(|node| self.takes_requests(node))
            .then(|| {
                Arc::new(RunInbox {
                    inbox: self.webhook_inbox(&flow_id),
                    run_id: run_id.clone(),
                }) as Arc<dyn sluice_core::component::Inbox>
            });
        let flow_name = loaded.flow.name.clone();
        let started_at = chrono::Utc::now();
        let store = self.store.clone();
        store.insert_run(&NewRun {
            id: &run_id,
            flow_id: &flow_id,
            flow_name: &flow_name,
            flow_version: loaded.version,
            trigger: trigger.as_str(),
            started_at,
        })?;
        store.append_log(
            &run_id,
            "info",
            None,
            &format!("run started ({})", trigger.as_str()),
        )?;
        let states = store.node_states(&flow_id)?;

        let (sender, receiver) = unbounded_channel();
        let log_store = store.clone();
        let log_run = run_id.clone();
        let events: EventCallback = Arc::new(move |event: RunEvent| {
            record_event(&log_store, &log_run, &event);
            let _ = sender.send(event);
        });
        let control = RunControl::new();
        self.active_runs.lock().expect("active runs lock").insert(
            run_id.clone(),
            ActiveRun {
                flow_id: flow_id.clone(),
                control: control.clone(),
            },
        );
        let active_runs = self.active_runs.clone();
        let registry = self.registry();
        let task_control = control.clone();
        let task_run_id = run_id.clone();
        let journal = Arc::new(StoreJournal {
            sluice: self.clone(),
            run_id: run_id.clone(),
            flow_id: flow_id.clone(),
        });
        let sluice = self.clone();
        let task = tokio::task::spawn_blocking(move || {
            let report = execute(
                RunRequest {
                    flow: &loaded.flow,
                    run_id: &task_run_id,
                    registry: &registry,
                    base_dir: &loaded.base_dir,
                    states: &states,
                    credentials: &credentials,
                    inbox,
                    started_at,
                    control: task_control,
                    events: Some(events),
                    journal: Some(journal),
                },
                &RunOptions {
                    sample_size: crate::run_history::RUN_SAMPLES,
                    ..RunOptions::default()
                },
            );
            // Recorded first, then no longer active: whoever waits for active runs to end (the
            // daemon shutting down) finds them recorded.
            let recorded = record_outcome(&sluice, &task_run_id, &report);
            drop(flow_lock);
            active_runs
                .lock()
                .expect("active runs lock")
                .remove(&task_run_id);
            recorded?;
            tracing::info!(run = %task_run_id, flow = %loaded.flow.id, status = ?report.status, "run finished");
            Ok(RunOutcome {
                run_id: task_run_id,
                flow_id: loaded.flow.id.clone(),
                report,
            })
        });
        Ok(RunHandle {
            run_id,
            flow_id,
            flow_name,
            events: Some(receiver),
            control,
            task,
        })
    }

    /// Starts a run and tells `observer` about it until it ends: the studio forwards these to
    /// its window. Returns the run id. Must be called within a tokio runtime.
    pub fn start_run_observed(
        &self,
        target: RunTarget,
        trigger: Trigger,
        observer: impl Fn(RunNotice) + Send + Sync + 'static,
    ) -> Result<String> {
        let mut handle = self.start_run(target, trigger)?;
        let run_id = handle.run_id.clone();
        let flow_id = handle.flow_id.clone();
        let mut events = handle.events.take().expect("events not taken yet");
        observer(RunNotice::Started {
            run_id: run_id.clone(),
            flow_id: flow_id.clone(),
        });
        let returned = run_id.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                observer(RunNotice::Event {
                    run_id: run_id.clone(),
                    flow_id: flow_id.clone(),
                    event,
                });
            }
            let notice = match handle.wait().await {
                Ok(outcome) => RunNotice::Finished {
                    run_id,
                    flow_id,
                    report: outcome.report,
                },
                Err(error) => RunNotice::Broken {
                    run_id,
                    flow_id,
                    message: error.to_string(),
                },
            };
            observer(notice);
        });
        Ok(returned)
    }

    /// Cancels a run this process is running. Returns false when no such run is in progress.
    pub fn cancel_run(&self, run_id: &str) -> bool {
        match self
            .active_runs
            .lock()
            .expect("active runs lock")
            .get(run_id)
        {
            Some(active) => {
                active.control.cancel();
                true
            }
            None => false,
        }
    }

    /// Whether a run of this flow is in progress in this process.
    pub fn is_running(&self, flow_id: &str) -> bool {
        self.active_runs
            .lock()
            .expect("active runs lock")
            .values()
            .any(|active| active.flow_id == flow_id)
    }

    /// Cancels every run in progress and waits (up to `patience`) until they are recorded.
    /// Returns how many runs were still going when asked.
    pub async fn cancel_all_runs(&self, patience: std::time::Duration) -> usize {
        let running: Vec<ActiveRun> = self
            .active_runs
            .lock()
            .expect("active runs lock")
            .values()
            .cloned()
            .collect();
        for active in &running {
            active.control.cancel();
        }
        let deadline = tokio::time::Instant::now() + patience;
        while !self
            .active_runs
            .lock()
            .expect("active runs lock")
            .is_empty()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        running.len()
    }

    /// Runs a flow to the end and records it.
    pub async fn run(&self, target: RunTarget, trigger: Trigger) -> Result<RunOutcome> {
        self.start_run(target, trigger)?.wait().await
    }

    /// The most recent runs, newest first; of one flow when `flow` names one.
    pub fn runs(&self, flow: Option<&str>, limit: usize) -> Result<Vec<RunRecord>> {
        let flow_id = match flow {
            Some(reference) => Some(
                self.find_flow(reference)
                    .map(|loaded| loaded.flow.id)
                    .or_else(|error| {
                        // Runs of a flow run only from a file are found by the file's flow id.
                        if self.store().list_runs(Some(reference), 1)?.is_empty() {
                            Err(error)
                        } else {
                            Ok(reference.to_string())
                        }
                    })?,
            ),
            None => None,
        };
        Ok(self.store().list_runs(flow_id.as_deref(), limit)?)
    }

    /// A run with its per-node results and log; `id` may be a unique prefix.
    pub fn run_detail(&self, id: &str) -> Result<RunDetail> {
        let run = self.store().run(id)?.ok_or_else(|| {
            Error::NotFound(format!("no run '{id}'; `sluice runs list` shows them"))
        })?;
        let nodes = self.store().node_runs(&run.id)?;
        let logs = self.store().run_logs(&run.id)?;
        Ok(RunDetail { run, nodes, logs })
    }
}
