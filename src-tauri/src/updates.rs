//! Updates of the studio itself: asks the release endpoint for a newer version, downloads it and
//! verifies its signature against Sluice's release key, and installs only when the person says
//! so. Release builds also look once after start and then daily, and say so when one is found.
//! The status reaches the UI as the `update-status` event and through the `update_status`
//! command.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sluice_runtime::UpdateStatus;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_updater::{Error as UpdaterError, Update, Updater, UpdaterExt};

/// The first automatic check waits until the studio has settled.
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(60);
const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Debug builds only: the update endpoint and public key that the end-to-end test serves from
/// 127.0.0.1 (its fixtures are signed with a key made for the test). Release builds take both
/// from `tauri.release.conf.json` and ignore these.
const TEST_ENDPOINT: &str = "SLUICE_UPDATE_ENDPOINT";
const TEST_PUBKEY: &str = "SLUICE_UPDATE_PUBKEY";

/// The update the person was offered and, once downloaded and verified, its bytes.
pub struct Updates {
    status: Mutex<UpdateStatus>,
    offered: Mutex<Option<Update>>,
    downloaded: Mutex<Option<Vec<u8>>>,
    /// Set by the tray's "Check for updates…" so the window shows the updates dialog.
    dialog_requested: AtomicBool,
}

impl Updates {
    /// The starting status: idle, or unavailable when this build has no update endpoint.
    pub fn new(app: &AppHandle) -> Updates {
        let current_version = current_version(app);
        let status = match updater(app) {
            Ok(_) => UpdateStatus::Idle { current_version },
            Err(reason) => UpdateStatus::Unavailable {
                current_version,
                reason,
            },
        };
        Updates {
            status: Mutex::new(status),
            offered: Mutex::new(None),
            downloaded: Mutex::new(None),
            dialog_requested: AtomicBool::new(false),
        }
    }

    /// Where updates stand.
    pub fn status(&self) -> UpdateStatus {
        self.status.lock().expect("update status lock").clone()
    }

    /// Whether the tray asked for the updates dialog since the window last looked (and forgets).
    pub fn take_dialog_request(&self) -> bool {
        self.dialog_requested.swap(false, Ordering::SeqCst)
    }
}

fn current_version(app: &AppHandle) -> String {
    app.package_info().version.to_string()
}

/// The updater as this build is configured, or why this build does not update itself.
fn updater(app: &AppHandle) -> Result<Updater, String> {
    let mut builder = app.updater_builder().timeout(REQUEST_TIMEOUT);
    if cfg!(debug_assertions) {
        if let Ok(endpoint) = std::env::var(TEST_ENDPOINT) {
            let endpoint = endpoint
                .parse()
                .map_err(|error| format!("{TEST_ENDPOINT} is not a URL: {error}"))?;
            builder = builder
                .endpoints(vec![endpoint])
                .map_err(|error| error.to_string())?;
        }
        if let Ok(pubkey) = std::env::var(TEST_PUBKEY) {
            builder = builder.pubkey(pubkey);
        }
    }
    builder.build().map_err(|error| match error {
        UpdaterError::EmptyEndpoints => {
            "This is a development build: only release builds look for updates.".to_string()
        }
        other => format!("Updates are not available in this build: {other}"),
    })
}

/// Records a new status, tells the window and brings the tray's update item up to date.
fn publish(app: &AppHandle, status: UpdateStatus) -> UpdateStatus {
    *app.state::<Updates>()
        .status
        .lock()
        .expect("update status lock") = status.clone();
    let _ = app.emit("update-status", &status);
    crate::tray::refresh(app);
    status
}

/// Asks the update server whether a newer version exists.
pub async fn check(app: &AppHandle) -> UpdateStatus {
    let updates = app.state::<Updates>();
    let current = updates.status();
    if current.is_busy() || matches!(current, UpdateStatus::Unavailable { .. }) {
        return current;
    }
    let current_version = current.current_version().to_string();
    publish(
        app,
        UpdateStatus::Checking {
            current_version: current_version.clone(),
        },
    );
    let found = match updater(app) {
        Ok(updater) => updater.check().await.map_err(|error| check_failure(&error)),
        Err(reason) => Err(reason),
    };
    let status = match found {
        Ok(Some(update)) => {
            let status = UpdateStatus::Available {
                current_version,
                version: update.version.clone(),
                notes: update.body.clone().filter(|notes| !notes.trim().is_empty()),
                published_at: update.date.and_then(|date| {
                    chrono::DateTime::from_timestamp(date.unix_timestamp(), 0)
                        .map(|date| date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                }),
            };
            *updates.offered.lock().expect("offered update lock") = Some(update);
            *updates.downloaded.lock().expect("downloaded update lock") = None;
            status
        }
        Ok(None) => UpdateStatus::UpToDate {
            current_version,
            checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
        Err(message) => UpdateStatus::Failed {
            current_version,
            message,
        },
    };
    publish(app, status)
}

/// Downloads the offered version and verifies its signature; a download that does not verify
/// is thrown away.
pub async fn download(app: &AppHandle) -> UpdateStatus {
    let updates = app.state::<Updates>();
    let current = updates.status();
    if current.is_busy() {
        return current;
    }
    let current_version = current.current_version().to_string();
    let Some(update) = updates.offered.lock().expect("offered update lock").clone() else {
        return publish(
            app,
            UpdateStatus::Failed {
                current_version,
                message: "There is no update to download: check for updates first.".into(),
            },
        );
    };
    let version = update.version.clone();
    publish(
        app,
        UpdateStatus::Downloading {
            current_version: current_version.clone(),
            version: version.clone(),
            received: 0,
            total: None,
        },
    );
    let mut received: u64 = 0;
    let mut last_percent = 0;
    let downloaded = update
        .download(
            |chunk, total| {
                received += chunk as u64;
                // Tell the window about every whole percent, not every chunk.
                let percent = total.map_or(0, |total| received * 100 / total.max(1));
                if percent != last_percent {
                    last_percent = percent;
                    let _ = app.emit(
                        "update-status",
                        UpdateStatus::Downloading {
                            current_version: current_version.clone(),
                            version: version.clone(),
                            received,
                            total,
                        },
                    );
                }
            },
            || {},
        )
        .await;
    let status = match downloaded {
        Ok(bytes) => {
            *updates.downloaded.lock().expect("downloaded update lock") = Some(bytes);
            UpdateStatus::Ready {
                current_version,
                version,
            }
        }
        Err(error) => UpdateStatus::Failed {
            current_version,
            message: download_failure(&version, &error),
        },
    };
    publish(app, status)
}

/// Installs the downloaded, verified version and restarts Sluice into it.
pub async fn install(app: &AppHandle) -> UpdateStatus {
    let updates = app.state::<Updates>();
    let current = updates.status();
    let current_version = current.current_version().to_string();
    let UpdateStatus::Ready { version, .. } = current else {
        return publish(
            app,
            UpdateStatus::Failed {
                current_version,
                message: "Download the update before installing it.".into(),
            },
        );
    };
    let update = updates.offered.lock().expect("offered update lock").clone();
    let bytes = updates
        .downloaded
        .lock()
        .expect("downloaded update lock")
        .take();
    let (Some(update), Some(bytes)) = (update, bytes) else {
        return publish(
            app,
            UpdateStatus::Failed {
                current_version,
                message: "The downloaded update is gone: check for updates again.".into(),
            },
        );
    };
    publish(
        app,
        UpdateStatus::Installing {
            current_version: current_version.clone(),
            version: version.clone(),
        },
    );
    // Installing may ask for the administrator password (a system package): off the event loop.
    let installed = tauri::async_runtime::spawn_blocking(move || update.install(bytes)).await;
    match installed {
        Ok(Ok(())) => {
            tracing::info!(%version, "update installed; restarting");
            app.cleanup_before_exit();
            app.restart()
        }
        Ok(Err(error)) => publish(
            app,
            UpdateStatus::Failed {
                current_version,
                message: format!(
                    "Sluice {version} was downloaded and verified but could not be installed: \
                     {error}. Nothing was changed; you can try again."
                ),
            },
        ),
        Err(error) => publish(
            app,
            UpdateStatus::Failed {
                current_version,
                message: format!("Installing Sluice {version} stopped unexpectedly: {error}"),
            },
        ),
    }
}

/// "Check for updates…" in the tray: opens the window on the updates dialog and checks.
pub fn check_from_tray(app: &AppHandle) {
    app.state::<Updates>()
        .dialog_requested
        .store(true, Ordering::SeqCst);
    crate::tray::show_main_window(app);
    let _ = app.emit("updates-requested", ());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let status = app.state::<Updates>().status();
        if !matches!(
            status,
            UpdateStatus::Available { .. } | UpdateStatus::Ready { .. }
        ) {
            check(&app).await;
        }
    });
}

/// Release builds: look once a minute after start, then daily; say so when a version is found.
pub fn check_periodically(app: &AppHandle) {
    if matches!(
        app.state::<Updates>().status(),
        UpdateStatus::Unavailable { .. }
    ) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_CHECK_AFTER).await;
        loop {
            if let UpdateStatus::Available { version, .. } = check(&app).await {
                let shown = app
                    .notification()
                    .builder()
                    .title(format!("Sluice {version} is available"))
                    .body("Open Sluice and choose Check for updates to install it.")
                    .show();
                if let Err(error) = shown {
                    tracing::debug!(%error, "no notification service; skipping the notification");
                }
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}

/// The tray's update item: what it says now.
pub fn tray_label(app: &AppHandle) -> String {
    match app.try_state::<Updates>().map(|updates| updates.status()) {
        Some(UpdateStatus::Available { version, .. }) => {
            format!("Sluice {version} is available…")
        }
        Some(UpdateStatus::Ready { version, .. }) => format!("Install Sluice {version}…"),
        _ => "Check for updates…".to_string(),
    }
}

fn check_failure(error: &UpdaterError) -> String {
    match error {
        UpdaterError::Reqwest(error) => format!(
            "Could not reach the update server ({error}). Check the network connection and try \
             again."
        ),
        UpdaterError::Network(detail) => {
            format!("The update server could not answer ({detail}). Try again later.")
        }
        UpdaterError::ReleaseNotFound | UpdaterError::Serialization(_) => {
            "The update server answered with something that is not a Sluice release. Try again \
             later."
                .to_string()
        }
        UpdaterError::TargetsNotFound(targets) => format!(
            "A new version exists but not for this system (looked for {}).",
            targets.join(", ")
        ),
        other => format!("Could not check for updates: {other}"),
    }
}

fn download_failure(version: &str, error: &UpdaterError) -> String {
    match error {
        UpdaterError::Minisign(_)
        | UpdaterError::Base64(_)
        | UpdaterError::SignatureUtf8(_)
        | UpdaterError::SignedVersionMismatch { .. }
        | UpdaterError::MissingSignedVersion => format!(
            "The download of Sluice {version} is not signed by Sluice's release key, so it was \
             thrown away and nothing was installed. Try again later; if this keeps happening, \
             download Sluice from its website."
        ),
        UpdaterError::Reqwest(error) => format!(
            "The download of Sluice {version} did not finish ({error}). Nothing was installed; \
             try again."
        ),
        other => format!(
            "The download of Sluice {version} failed: {other}. Nothing was installed; try again."
        ),
    }
}
