//! What the studio tells the person about new versions of Sluice. The desktop shell checks,
//! downloads (verifying the release signature) and installs; this is the status it reports.

/// Where an update stands. The studio asks before it downloads and again before it installs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    /// This build does not look for updates (development and test builds have no endpoint).
    Unavailable {
        current_version: String,
        reason: String,
    },
    /// Nothing checked yet.
    Idle { current_version: String },
    /// Asking the update server.
    Checking { current_version: String },
    /// The server has nothing newer.
    UpToDate {
        current_version: String,
        /// RFC 3339, UTC.
        checked_at: String,
    },
    /// A newer version can be downloaded.
    Available {
        current_version: String,
        version: String,
        /// The release notes, as the release published them.
        notes: Option<String>,
        /// RFC 3339, when the release was published.
        published_at: Option<String>,
    },
    /// Downloading; `total` is unknown when the server does not say.
    Downloading {
        current_version: String,
        version: String,
        received: u64,
        total: Option<u64>,
    },
    /// Downloaded and its signature verified: installing restarts Sluice.
    Ready {
        current_version: String,
        version: String,
    },
    /// Installing the downloaded version.
    Installing {
        current_version: String,
        version: String,
    },
    /// The last step failed; nothing was installed.
    Failed {
        current_version: String,
        /// What failed, in words, with what to do.
        message: String,
    },
}

impl UpdateStatus {
    /// The version of Sluice that is running.
    pub fn current_version(&self) -> &str {
        match self {
            UpdateStatus::Unavailable {
                current_version, ..
            }
            | UpdateStatus::Idle { current_version }
            | UpdateStatus::Checking { current_version }
            | UpdateStatus::UpToDate {
                current_version, ..
            }
            | UpdateStatus::Available {
                current_version, ..
            }
            | UpdateStatus::Downloading {
                current_version, ..
            }
            | UpdateStatus::Ready {
                current_version, ..
            }
            | UpdateStatus::Installing {
                current_version, ..
            }
            | UpdateStatus::Failed {
                current_version, ..
            } => current_version,
        }
    }

    /// Whether a check, download or install is under way.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            UpdateStatus::Checking { .. }
                | UpdateStatus::Downloading { .. }
                | UpdateStatus::Installing { .. }
        )
    }
}
