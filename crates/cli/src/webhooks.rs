//! `sluice webhooks`: a flow's private URL, the server's port, and the records set aside after
//! failing runs.

use clap::Subcommand;
use sluice_runtime::Sluice;

use crate::Failure;

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Print the flow's private webhook URL (made on first use; share it like a password).
    Url { flow: String },
    /// Change the port the webhook server listens on (127.0.0.1; from the next start).
    Port { port: u16 },
    /// List the flow's webhook records set aside: each failed a run, then failed a run of its
    /// own, so later records went ahead without it.
    SetAside {
        flow: String,
        /// Put them back at the front of the queue (they run with the next request, or when
        /// Sluice next starts).
        #[arg(long, conflicts_with = "delete")]
        requeue: bool,
        /// Delete them.
        #[arg(long)]
        delete: bool,
    },
}

/// How much of a set-aside record's JSON a listing shows.
const SHOWN_CHARS: usize = 200;

pub fn webhooks(sluice: &Sluice, command: WebhookCommand, json: bool) -> Result<u8, Failure> {
    match command {
        WebhookCommand::Url { flow } => {
            let url = sluice.webhook_url(&flow)?;
            if json {
                say!("{}", serde_json::json!({ "url": url }));
            } else {
                say!("{url}");
            }
        }
        WebhookCommand::Port { port } => {
            sluice.set_webhook_port(port)?;
            if !json {
                say!("webhooks will listen on 127.0.0.1:{port} from the next start");
            }
        }
        WebhookCommand::SetAside {
            flow,
            requeue: true,
            ..
        } => {
            let count = sluice.requeue_webhook_records(&flow)?;
            print_count(json, count, "put back in the queue");
        }
        WebhookCommand::SetAside {
            flow, delete: true, ..
        } => {
            let count = sluice.delete_set_aside_webhook_records(&flow)?;
            print_count(json, count, "deleted");
        }
        WebhookCommand::SetAside { flow, .. } => {
            let records = sluice.set_aside_webhook_records(&flow)?;
            if json {
                let listed: Vec<serde_json::Value> = records
                    .iter()
                    .map(|record| {
                        serde_json::json!({
                            "id": record.id,
                            "received_at": record.received_at,
                            "set_aside_at": record.set_aside_at,
                            "failed_run": record.failed_run,
                            "record": serde_json::from_str::<serde_json::Value>(&record.body)
                                .unwrap_or(serde_json::Value::Null),
                        })
                    })
                    .collect();
                say!("{}", serde_json::Value::Array(listed));
            } else if records.is_empty() {
                say!("no webhook records are set aside for '{flow}'");
            } else {
                for record in &records {
                    let shown: String = record.body.chars().take(SHOWN_CHARS).collect();
                    let more = if shown.len() < record.body.len() {
                        " …"
                    } else {
                        ""
                    };
                    say!(
                        "#{} received {}, set aside {} after run {}\n  {shown}{more}",
                        record.id,
                        record.received_at,
                        record.set_aside_at,
                        record.failed_run
                    );
                }
            }
        }
    }
    Ok(0)
}

fn print_count(json: bool, count: usize, done: &str) {
    if json {
        say!("{}", serde_json::json!({ "records": count }));
    } else {
        say!("{count} webhook record(s) {done}");
    }
}
