//! Desktop notifications about scheduled runs: when one fails, and when a failing flow recovers.
//! Where no notification service runs (a headless machine), they are skipped quietly.

use std::collections::HashMap;
use std::sync::Mutex;

use sluice_runtime::{RunNotice, RunStatus};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// Remembers which flows' last scheduled run failed, to say when they recover.
#[derive(Default)]
pub struct RunAlerts {
    failing: Mutex<HashMap<String, bool>>,
}

impl RunAlerts {
    /// Looks at a finished scheduled run and notifies when it failed or recovered.
    pub fn observe(&self, app: &AppHandle, notice: &RunNotice) {
        let RunNotice::Finished {
            flow_id, report, ..
        } = notice
        else {
            return;
        };
        // A committed run whose destination could not be published yet needs a person too.
        let failed = matches!(report.status, RunStatus::Failed | RunStatus::Committing);
        let was_failing = self
            .failing
            .lock()
            .expect("alerts lock")
            .insert(flow_id.clone(), failed)
            .unwrap_or(false);
        let name = app
            .try_state::<sluice_runtime::Sluice>()
            .and_then(|sluice| sluice.find_flow(flow_id).ok())
            .map(|loaded| loaded.flow.name)
            .unwrap_or_else(|| flow_id.clone());
        let (title, body) = match (failed, was_failing) {
            (true, _) if report.status == RunStatus::Committing => (
                format!("“{name}” committed, but a destination waits"),
                report
                    .failure
                    .as_ref()
                    .map(|failure| format!("{failure}. Sluice publishes it at its next start."))
                    .unwrap_or_default(),
            ),
            (true, _) => (
                format!("“{name}” failed"),
                report
                    .failure
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "The scheduled run failed.".into()),
            ),
            (false, true) => (
                format!("“{name}” works again"),
                "The scheduled run succeeded.".to_string(),
            ),
            (false, false) => return,
        };
        if let Err(error) = app.notification().builder().title(title).body(body).show() {
            tracing::debug!(%error, "no notification service; skipping the notification");
        }
    }
}
