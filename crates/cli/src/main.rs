//! The `sluice` command: runs, validates and previews flow files headless, and manages the
//! flows and run history stored in the home folder. Exit codes: 0 success, 1 the run failed,
//! 2 the flow is invalid or the command was misused.

mod output;
mod webhooks;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sluice_runtime::{RunTarget, Sluice, Trigger};
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
    /// List the node types this build knows.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MissedRuns {
    /// Run once when Sluice is back, however many fires were missed.
    RunOnce,
    /// Wait for the next fire.
    Skip,
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
    /// Show what a stored flow touches (files, hosts, credentials, webhooks, schedule) and
    /// whether it may run; a flow from elsewhere runs only once approved.
    Review {
        flow: String,
        /// Approve it as it is now: it may run, and your own edits keep that.
        #[arg(long)]
        approve: bool,
    },
    /// Delete a stored flow (its run history stays).
    Delete { flow: String },
    /// Run a stored flow on a schedule (used by `sluice daemon` and the studio).
    Schedule {
        flow: String,
        /// Cron with seconds: `sec min hour day-of-month month day-of-week`, e.g. "0 0 7 * * Mon-Fri".
        #[arg(long)]
        cron: String,
        /// The IANA timezone the times are read in, e.g. Europe/Berlin.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        /// What to do about fires missed while no scheduler was running.
        #[arg(long, value_enum, default_value_t = MissedRuns::RunOnce)]
        missed: MissedRuns,
    },
    /// Stop running a stored flow on a schedule.
    Unschedule { flow: String },
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

#[derive(Debug, Subcommand)]
enum CredentialsCommand {
    /// List the credential types and their fields (secret ones marked).
    Types,
    /// List the credentials (never their secrets) and the flows that use them.
    List,
    /// Add a credential. Its secrets are asked for at a prompt, or read from standard input
    /// (one line per secret field, in the order `sluice credentials types` lists them) — never
    /// from the command line.
    Add {
        /// The name flows refer to it by.
        name: String,
        /// Its type, e.g. http.bearer (see `sluice credentials types`).
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// A non-secret field, as NAME=VALUE (repeatable).
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
    },
    /// Change a credential's fields, name or secrets.
    Edit {
        name: String,
        /// A non-secret field to set, as NAME=VALUE (repeatable).
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// A new name (flows that use it are updated).
        #[arg(long)]
        rename: Option<String>,
        /// Enter the secrets again (prompt or standard input).
        #[arg(long)]
        secrets: bool,
    },
    /// Check that a credential works (Test connection).
    Test { name: String },
    /// Connect an OAuth2 credential: sign in in the browser (the address is also printed), or
    /// fetch a token with the client credentials grant.
    Connect { name: String },
    /// Disconnect an OAuth2 credential: revoke its tokens where the provider allows, forget them.
    Disconnect { name: String },
    /// Delete a credential and its secrets.
    Remove { name: String },
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
                Command::Run { flow, wait, trust } => {
                    run(&sluice, target(&sluice, &flow, trust)?, wait, json).await
                }
                Command::Preview {
                    flow,
                    limit,
                    trust,
                    live,
                } => {
                    let report = sluice
                        .preview(target(&sluice, &flow, trust)?, limit, live)
                        .await?;
                    output::preview(&report, json);
                    Ok(if report.status == sluice_runtime::RunStatus::Succeeded {
                        0
                    } else {
                        1
                    })
                }
                Command::Flows(command) => flows(&sluice, command, json),
                Command::Credentials(command) => credentials(&sluice, command, json).await,
                Command::Webhooks(command) => webhooks::webhooks(&sluice, command, json),
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
                Command::Validate { .. } | Command::Components | Command::Schema => {
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
        progress.finish();
    });
    let outcome = handle.wait().await?;
    let _ = watcher.await;
    output::run_summary(&outcome, json);
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

fn flows(sluice: &Sluice, command: FlowsCommand, json: bool) -> Result<u8, Failure> {
    match command {
        FlowsCommand::List => output::flows(&sluice.list_flows()?, json),
        FlowsCommand::Import { file, replace } => {
            let outcome = sluice.import_flow_file(&file, replace)?;
            let review = sluice.review(&sluice.find_flow(&outcome.flow_id)?)?;
            output::imported(&outcome, &review, json)
        }
        FlowsCommand::Review { flow, approve } => {
            let review = if approve {
                sluice.approve_flow(&flow)?
            } else {
                sluice.review(&sluice.find_flow(&flow)?)?
            };
            output::review(&review, json);
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
            let review = sluice.review(&loaded)?;
            output::flow_detail(&loaded, &versions, &review, json);
        }
        FlowsCommand::Schedule {
            flow,
            cron,
            timezone,
            missed,
        } => {
            let schedule = sluice_core::flow::Schedule {
                cron,
                timezone,
                enabled: true,
                missed: Some(match missed {
                    MissedRuns::RunOnce => sluice_core::flow::MissedRunPolicy::RunOnce,
                    MissedRuns::Skip => sluice_core::flow::MissedRunPolicy::Skip,
                }),
            };
            let upcoming = sluice.set_flow_schedule(&flow, Some(schedule))?;
            output::scheduled(&flow, &upcoming, json);
        }
        FlowsCommand::Unschedule { flow } => {
            sluice.set_flow_schedule(&flow, None)?;
            if !json {
                println!("'{flow}' no longer runs on a schedule");
            }
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

/// `NAME=VALUE` arguments as a JSON object of strings.
fn field_arguments(
    arguments: &[String],
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    arguments
        .iter()
        .map(|argument| {
            let (name, value) = argument.split_once('=').ok_or_else(|| Failure {
                code: 2,
                message: format!("--field {argument}: write it as NAME=VALUE"),
            })?;
            Ok((
                name.trim().to_string(),
                serde_json::Value::String(value.to_string()),
            ))
        })
        .collect()
}

/// The secrets of a credential type: asked for at a hidden prompt when standard input is a
/// terminal, otherwise read from it one line each. Empty answers are left out.
fn read_secrets(
    sluice: &Sluice,
    kind: &str,
) -> Result<std::collections::BTreeMap<String, String>, Failure> {
    use std::io::{BufRead, IsTerminal};
    let Some(credential_type) = sluice
        .credential_types()
        .into_iter()
        .find(|credential_type| credential_type.kind == kind)
    else {
        return Ok(Default::default());
    };
    let interactive = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    let mut secrets = std::collections::BTreeMap::new();
    for field in credential_type.secret_fields {
        let value = if interactive {
            rpassword::prompt_password(format!("{field} (not shown): ")).map_err(|error| {
                Failure {
                    code: 1,
                    message: format!("cannot read {field}: {error}"),
                }
            })?
        } else {
            match lines.next() {
                Some(line) => line.map_err(|error| Failure {
                    code: 1,
                    message: format!("cannot read {field} from standard input: {error}"),
                })?,
                None => String::new(),
            }
        };
        let value = value.trim_end_matches(['\r', '\n']).to_string();
        if !value.is_empty() {
            secrets.insert(field, value);
        }
    }
    Ok(secrets)
}

async fn credentials(
    sluice: &Sluice,
    command: CredentialsCommand,
    json: bool,
) -> Result<u8, Failure> {
    match command {
        CredentialsCommand::Types => output::credential_types(&sluice.credential_types(), json),
        CredentialsCommand::List => output::credentials(&sluice.credentials()?, json),
        CredentialsCommand::Add { name, kind, fields } => {
            let fields = field_arguments(&fields)?;
            let secrets = read_secrets(sluice, &kind)?;
            let saved = sluice.save_credential(
                sluice_runtime::CredentialInput {
                    name,
                    kind,
                    fields,
                    secrets,
                },
                None,
            )?;
            output::credential_saved(&saved, sluice.secrets().describe().as_str(), json);
        }
        CredentialsCommand::Edit {
            name,
            fields,
            rename,
            secrets,
        } => {
            let current = sluice.credential(&name)?;
            let mut merged = current.fields.clone();
            merged.extend(field_arguments(&fields)?);
            let secrets = if secrets {
                read_secrets(sluice, &current.kind)?
            } else {
                Default::default()
            };
            let saved = sluice.save_credential(
                sluice_runtime::CredentialInput {
                    name: rename.unwrap_or(name.clone()),
                    kind: current.kind,
                    fields: merged,
                    secrets,
                },
                Some(&name),
            )?;
            output::credential_saved(&saved, sluice.secrets().describe().as_str(), json);
        }
        CredentialsCommand::Test { name } => {
            let tester = sluice.clone();
            let outcome = tokio::task::spawn_blocking(move || tester.test_credential(&name))
                .await
                .map_err(|error| Failure {
                    code: 1,
                    message: format!("the test stopped unexpectedly: {error}"),
                })?;
            match outcome {
                Ok(message) => println!("{message}"),
                Err(error) => return Err(error.into()),
            }
        }
        CredentialsCommand::Connect { name } => {
            let connector = sluice.clone();
            let connected = tokio::task::spawn_blocking(move || {
                connector.connect_oauth2(
                    &name,
                    &open_in_browser,
                    std::time::Duration::from_secs(300),
                )
            })
            .await
            .map_err(|error| Failure {
                code: 1,
                message: format!("connecting stopped unexpectedly: {error}"),
            })??;
            output::credential_saved(&connected, sluice.secrets().describe().as_str(), json);
        }
        CredentialsCommand::Disconnect { name } => {
            let disconnector = sluice.clone();
            let target = name.clone();
            tokio::task::spawn_blocking(move || disconnector.disconnect_oauth2(&target))
                .await
                .map_err(|error| Failure {
                    code: 1,
                    message: format!("disconnecting stopped unexpectedly: {error}"),
                })??;
            if !json {
                println!("disconnected '{name}': its tokens are revoked and forgotten");
            }
        }
        CredentialsCommand::Remove { name } => {
            let used_by = sluice.remove_credential(&name)?;
            if !json {
                println!("removed credential '{name}' and its secrets");
                if !used_by.is_empty() {
                    println!(
                        "these flows use it and will not run until it is added again: {}",
                        used_by.join(", ")
                    );
                }
            }
        }
    }
    Ok(0)
}

/// Prints the sign-in address and asks the system to open it in the browser.
fn open_in_browser(url: &str) -> Result<(), String> {
    eprintln!(
        "Sign in to connect the credential; if no browser opens, open this address:\n  {url}"
    );
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    // A missing opener is fine: the address is printed.
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    Ok(())
}
