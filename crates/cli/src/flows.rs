//! `sluice flows`: the stored flows — list, import, review and approve, export, show, delete.

use clap::Subcommand;
use sluice_runtime::{ExportedFlow, Sluice};

use std::path::PathBuf;

use crate::{Failure, output};

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
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

pub fn flows(sluice: &Sluice, command: FlowsCommand, json: bool) -> Result<u8, Failure> {
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
            let ExportedFlow { document, warnings } = sluice.export_flow(&flow)?;
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            match destination {
                Some(path) => {
                    std::fs::write(&path, format!("{document}\n")).map_err(|error| Failure {
                        code: 1,
                        message: format!("cannot write {}: {error}", path.display()),
                    })?
                }
                None => say!("{document}"),
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
                say!("'{flow}' no longer runs on a schedule");
            }
        }
        FlowsCommand::Delete { flow } => {
            sluice.delete_flow(&flow)?;
            if !json {
                say!("deleted flow '{flow}' (its run history is kept)");
            }
        }
    }
    Ok(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MissedRuns {
    /// Run once when Sluice is back, however many fires were missed.
    RunOnce,
    /// Wait for the next fire.
    Skip,
}
