//! The `sluice` command: runs, validates and previews flow files headless, and manages the
//! flows and run history stored in the home folder. Exit codes: 0 success, 1 the run failed,
//! 2 the flow is invalid or the command was misused.

/// `println!` for the command's output: when the reader stops reading (`sluice components |
/// head -2`), the command ends quietly instead of panicking.
macro_rules! say {
    ($($arguments:tt)*) => {
        $crate::output::say(format_args!($($arguments)*))
    };
}

mod connectors;
mod credentials;
mod flows;
mod output;
mod webhooks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use connectors::ConnectorCommand;
use credentials::CredentialsCommand;
use flows::FlowsCommand;
use sluice_runtime::{PreviewRequest, RunTarget, Sluice, Trigger};
use webhooks::WebhookCommand;

/// Sluice: local, no-code data flows. Runs flow files (format sluice.flow/1) headless.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, about, max_term_width = 100)]
struct Cli {
    /// The folder holding Sluice's database (default: $SLUICE_HOME, else the OS data folder).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a flow file (or a stored flow) now and record the run.
    Run {
        /// A flow file, or the id or name of a stored flow.
        flow: String,
        /// When the flow is already running (here, in the studio or in `sluice daemon`), wait
        /// for that run to end instead of refusing (exit code 3).
        #[arg(long)]
        wait: bool,
        /// Approve a stored flow from elsewhere as it is now (see `sluice flows review`), then
        /// run it.
        #[arg(long)]
        trust: bool,
    },
    /// Check a flow file and list every problem in it.
    Validate {
        /// The flow file.
        file: PathBuf,
    },
    /// Run a flow on a few records without writing anything, and show what each node produces.
    Preview {
        /// A flow file, or the id or name of a stored flow.
        flow: String,
        /// How many records to read from each source.
        #[arg(long, default_value_t = 10)]
        limit: u64,
        /// Approve a stored flow from elsewhere as it is now, then preview it.
        #[arg(long)]
        trust: bool,
        /// Let this node change the outside world in the preview (send its requests); without
        /// it, such nodes only say what they would send. Repeat for several nodes.
        #[arg(long, value_name = "NODE")]
        live: Vec<String>,
        /// Preview only this node and what is upstream of it; the rest of the flow may be
        /// unfinished.
        #[arg(long, value_name = "NODE")]
        upto: Option<String>,
    },
    /// Manage stored flows.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Look at the run history.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Webhooks: flows whose source is a `webhook` node run when their URL is called (while
    /// `sluice daemon` or the studio runs).
    #[command(subcommand)]
    Webhooks(WebhookCommand),
    /// Manage credentials: secrets go to the OS keychain, never to flows or the database.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Connectors to apps: built in, or imported from Airbyte's declarative manifests.
    #[command(subcommand)]
    Connectors(ConnectorCommand),
    /// List the node types this installation knows.
    Components,
    /// Print the JSON Schema of the flow file format.
    Schema,
    /// Run the stored flows on their schedules until stopped (SIGTERM or Ctrl-C).
    Daemon {
        /// How log lines are written to standard error.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Subcommand)]
enum RunsCommand {
    /// List recent runs, newest first.
    List {
        /// Only runs of this flow (id or name).
        #[arg(long)]
        flow: Option<String>,
        /// How many runs to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show a run: per-node counts and its log.
    Show {
        /// The run id (a unique prefix is enough).
        run: String,
    },
    /// Show or change how much run history is kept, and apply it now.
    Retention {
        /// Keep at most this many runs per flow.
        #[arg(long)]
        keep_runs: Option<u32>,
        /// Delete runs older than this many days (the newest run of a flow is always kept).
        #[arg(long)]
        keep_days: Option<u32>,
    },
}

// Records are allocated on one node's thread and freed on another's; mimalloc handles that
// without the lock contention of the system allocator (measured: several times faster runs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A failure with the exit code it deserves.
struct Failure {
    code: u8,
    message: String,
}

impl From<sluice_runtime::Error> for Failure {
    fn from(error: sluice_runtime::Error) -> Self {
        let code = if error.is_invalid_flow() || matches!(error, sluice_runtime::Error::NotFound(_))
        {
            2
        } else if matches!(error, sluice_runtime::Error::Busy(_)) {
            3
        } else {
            1
        };
        Failure {
            code,
            message: error.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon logs what it does; other commands only warnings (their output says the rest).
    let (default_level, json_logs) = match &cli.command {
        Command::Daemon { log_format } => ("info", *log_format == LogFormat::Json),
        _ => ("warn", false),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
        .unwrap_or_else(|_| default_level.into());
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    if json_logs {
        logs.json().init();
    } else if matches!(cli.command, Command::Daemon { .. }) {
        logs.init();
    } else {
        logs.without_time().init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message.trim_end());
            ExitCode::from(failure.code)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<u8, Failure> {
    let json = cli.json;
    match cli.command {
        Command::Schema => {
            let schema = sluice_core::schema::flow_schema(&sluice_runtime::registry());
            say!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema serializes")
            );
            Ok(0)
        }
        command => {
            let sluice = Sluice::open(cli.home.as_deref())?;
            match command {
                // The installation's node types: the built-in ones and its imported connectors.
                Command::Validate { file } => validate(&sluice, &file, json),
                Command::Components => {
                    output::components(&sluice.registry(), json);
                    Ok(0)
                }
                Command::Run { flow, wait, trust } => {
                    run(&sluice, target(&sluice, &flow, trust)?, wait, json).await
                }
                Command::Preview {
                    flow,
                    limit,
                    trust,
                    live,
                    upto,
                } => {
                    // Part of a flow previews even when the rest of it is unfinished.
                    let target = match upto {
                        Some(_) if Path::new(&flow).is_file() => {
                            RunTarget::Loaded(Box::new(sluice.read_flow_file(Path::new(&flow))?))
                        }
                        _ => target(&sluice, &flow, trust)?,
                    };
                    let request = PreviewRequest {
                        limit,
                        live,
                        upto,
                        ..PreviewRequest::default()
                    };
                    let report = sluice.preview(target, request).await?;
                    output::preview(&report, json);
                    Ok(if report.status == sluice_runtime::RunStatus::Succeeded {
                        0
                    } else {
                        1
                    })
                }
                Command::Flows(command) => flows::flows(&sluice, command, json),
                Command::Credentials(command) => {
                    credentials::credentials(&sluice, command, json).await
                }
                Command::Webhooks(command) => webhooks::webhooks(&sluice, command, json),
                Command::Connectors(command) => connectors::connectors(&sluice, command, json),
                Command::Runs(RunsCommand::List { flow, limit }) => {
                    output::runs(&sluice.runs(flow.as_deref(), limit)?, json);
                    Ok(0)
                }
                Command::Runs(RunsCommand::Show { run }) => {
                    output::run_detail(&sluice.run_detail(&run)?, json);
                    Ok(0)
                }
                Command::Runs(RunsCommand::Retention {
                    keep_runs,
                    keep_days,
                }) => {
                    let (policy, report) = sluice.set_retention(keep_runs, keep_days)?;
                    output::retention(&policy, &report, json);
                    Ok(0)
                }
                Command::Daemon { .. } => daemon(&sluice).await,
                Command::Schema => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

/// A flow file when `reference` is an existing path, otherwise a stored flow.
/// A flow file, or a stored flow (approved first when `trust` is set).
fn target(sluice: &Sluice, reference: &str, trust: bool) -> Result<RunTarget, Failure> {
    let path = Path::new(reference);
    if path.is_file() {
        Ok(RunTarget::Loaded(Box::new(sluice.load_flow_file(path)?)))
    } else if reference.ends_with(".json") {
        Err(Failure {
            code: 2,
            message: format!("there is no flow file {reference}"),
        })
    } else {
        if trust {
            sluice.approve_flow(reference)?;
        }
        Ok(RunTarget::Stored(reference.to_string()))
    }
}

fn validate(sluice: &Sluice, file: &Path, json: bool) -> Result<u8, Failure> {
    let text = std::fs::read_to_string(file).map_err(|error| Failure {
        code: 2,
        message: format!("cannot read {}: {error}", file.display()),
    })?;
    let registry = sluice.registry();
    let source = file.display().to_string();
    let result = sluice_core::Flow::from_json(&text)
        .map_err(|error| sluice_runtime::Error::Parse {
            file: source.clone(),
            error,
        })
        .and_then(|flow| {
            sluice_core::validate::validate(&flow, &registry)
                .map(|()| flow)
                .map_err(|report| sluice_runtime::Error::Invalid {
                    file: source.clone(),
                    report,
                })
        });
    match result {
        Ok(flow) => {
            if json {
                say!(
                    "{}",
                    serde_json::json!({"valid": true, "flow": flow.name, "problems": []})
                );
            } else {
                say!(
                    "{}: valid ({} nodes, {} edges)",
                    file.display(),
                    flow.nodes.len(),
                    flow.edges.len()
                );
            }
            Ok(0)
        }
        Err(error) if json => {
            let problems = match &error {
                sluice_runtime::Error::Invalid { report, .. } => {
                    serde_json::to_value(&report.problems).expect("serializes")
                }
                sluice_runtime::Error::Parse { error, .. } => serde_json::json!([{
                    "node": null, "field": null, "line": error.line, "column": error.column, "message": error.message
                }]),
                other => serde_json::json!([{"message": other.to_string()}]),
            };
            say!(
                "{}",
                serde_json::json!({"valid": false, "problems": problems})
            );
            Ok(2)
        }
        Err(error) => Err(error.into()),
    }
}

async fn run(sluice: &Sluice, target: RunTarget, wait: bool, json: bool) -> Result<u8, Failure> {
    let mut handle = if wait {
        sluice.start_run_waiting(target, Trigger::Cli).await?
    } else {
        sluice.start_run(target, Trigger::Cli)?
    };
    let mut events = handle.events.take().expect("events not taken yet");
    let control = handle.control();
    let progress = output::Progress::new(!json);
    let watcher = tokio::spawn(async move {
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => progress.update(&event),
                    None => break,
                },
                _ = tokio::signal::ctrl_c() => {
                    progress.note("cancelling: nothing this run wrote will be kept…");
                    control.cancel();
                }
            }
        }
        progress.finish()
    });
    let outcome = handle.wait().await?;
    let warnings = watcher.await.unwrap_or_default();
    output::run_summary(&outcome, &warnings, json);
    Ok(match outcome.report.status {
        sluice_runtime::RunStatus::Succeeded => 0,
        // Committed: do not run it again for this data; the next start publishes the rest.
        sluice_runtime::RunStatus::Committing => 4,
        _ => 1,
    })
}

/// Runs the scheduler until SIGTERM or Ctrl-C, then cancels what is running (nothing it wrote is
/// kept, no sync state advances) and exits.
async fn daemon(sluice: &Sluice) -> Result<u8, Failure> {
    let observer: sluice_runtime::RunObserver = std::sync::Arc::new(|notice| {
        if let sluice_runtime::RunNotice::Finished {
            run_id,
            flow_id,
            report,
        } = notice
        {
            match &report.failure {
                Some(failure) => {
                    tracing::warn!(run = %run_id, flow = %flow_id, status = ?report.status, error = %failure, "run ended")
                }
                None => {
                    tracing::info!(run = %run_id, flow = %flow_id, status = ?report.status, ms = report.duration_ms, "run ended")
                }
            }
        }
    });
    let scheduler = sluice.start_scheduler(Some(observer.clone()));
    sluice.start_webhook_server(Some(observer)).await;
    tracing::info!(home = %sluice.home().display(), "sluice daemon started");
    wait_for_stop_signal().await;
    tracing::info!("stopping: no new runs; cancelling the runs in progress");
    scheduler.stop().await;
    let cancelled = sluice
        .cancel_all_runs(std::time::Duration::from_secs(8))
        .await;
    tracing::info!(cancelled, "sluice daemon stopped");
    Ok(0)
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stop with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
