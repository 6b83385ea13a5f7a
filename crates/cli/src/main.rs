//! The `sluice` command: runs, validates and previews flow files headless, and manages the
//! flows and run history stored in the home folder. Exit codes: 0 success, 1 the run failed,
//! 2 the flow is invalid or the command was misused.

mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sluice_runtime::{RunTarget, Sluice, Trigger};

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
    },
    /// Manage stored flows.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Look at the run history.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// List the node types this build knows.
    Components,
    /// Print the JSON Schema of the flow file format.
    Schema,
}

#[derive(Debug, Subcommand)]
enum FlowsCommand {
    /// List stored flows with their last run.
    List,
    /// Store a flow file (validated first).
    Import {
        file: PathBuf,
        /// Store it as a new version of the flow with the same id instead of as a new flow.
        #[arg(long)]
        replace: bool,
    },
    /// Write a stored flow to a shareable file (it holds no secrets).
    Export {
        /// The flow's id or name.
        flow: String,
        /// Where to write it (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Show a stored flow's document and versions.
    Show { flow: String },
    /// Delete a stored flow (its run history stays).
    Delete { flow: String },
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
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .without_time()
        .init();
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
        Command::Validate { file } => validate(&file, json),
        Command::Components => {
            output::components(&sluice_runtime::registry(), json);
            Ok(0)
        }
        Command::Schema => {
            let schema = sluice_core::schema::flow_schema(&sluice_runtime::registry());
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema serializes")
            );
            Ok(0)
        }
        command => {
            let sluice = Sluice::open(cli.home.as_deref())?;
            match command {
                Command::Run { flow } => run(&sluice, &flow, json).await,
                Command::Preview { flow, limit } => {
                    let report = sluice.preview(target(&sluice, &flow)?, limit).await?;
                    output::preview(&report, json);
                    Ok(if report.status == sluice_runtime::RunStatus::Succeeded {
                        0
                    } else {
                        1
                    })
                }
                Command::Flows(command) => flows(&sluice, command, json),
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
                Command::Validate { .. } | Command::Components | Command::Schema => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

/// A flow file when `reference` is an existing path, otherwise a stored flow.
fn target(sluice: &Sluice, reference: &str) -> Result<RunTarget, Failure> {
    let path = Path::new(reference);
    if path.is_file() {
        Ok(RunTarget::Loaded(Box::new(sluice.load_flow_file(path)?)))
    } else if reference.ends_with(".json") {
        Err(Failure {
            code: 2,
            message: format!("there is no flow file {reference}"),
        })
    } else {
        Ok(RunTarget::Stored(reference.to_string()))
    }
}

fn validate(file: &Path, json: bool) -> Result<u8, Failure> {
    let text = std::fs::read_to_string(file).map_err(|error| Failure {
        code: 2,
        message: format!("cannot read {}: {error}", file.display()),
    })?;
    let registry = sluice_runtime::registry();
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
                println!(
                    "{}",
                    serde_json::json!({"valid": true, "flow": flow.name, "problems": []})
                );
            } else {
                println!(
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
            println!(
                "{}",
                serde_json::json!({"valid": false, "problems": problems})
            );
            Ok(2)
        }
        Err(error) => Err(error.into()),
    }
}

async fn run(sluice: &Sluice, reference: &str, json: bool) -> Result<u8, Failure> {
    let target = target(sluice, reference)?;
    let mut handle = sluice.start_run(target, Trigger::Cli)?;
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
        progress.finish();
    });
    let outcome = handle.wait().await?;
    let _ = watcher.await;
    output::run_summary(&outcome, json);
    Ok(
        if outcome.report.status == sluice_runtime::RunStatus::Succeeded {
            0
        } else {
            1
        },
    )
}

fn flows(sluice: &Sluice, command: FlowsCommand, json: bool) -> Result<u8, Failure> {
    match command {
        FlowsCommand::List => output::flows(&sluice.list_flows()?, json),
        FlowsCommand::Import { file, replace } => {
            output::imported(&sluice.import_flow_file(&file, replace)?, json)
        }
        FlowsCommand::Export {
            flow,
            output: destination,
        } => {
            let document = sluice.export_flow(&flow)?;
            match destination {
                Some(path) => {
                    std::fs::write(&path, format!("{document}\n")).map_err(|error| Failure {
                        code: 1,
                        message: format!("cannot write {}: {error}", path.display()),
                    })?
                }
                None => println!("{document}"),
            }
        }
        FlowsCommand::Show { flow } => {
            let loaded = sluice.find_flow(&flow)?;
            let versions = sluice
                .store()
                .flow_versions(&loaded.flow.id)
                .map_err(sluice_runtime::Error::from)?;
            output::flow_detail(&loaded, &versions, json);
        }
        FlowsCommand::Delete { flow } => {
            sluice.delete_flow(&flow)?;
            if !json {
                println!("deleted flow '{flow}' (its run history is kept)");
            }
        }
    }
    Ok(0)
}
