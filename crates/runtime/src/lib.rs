//! What a running Sluice installation needs, behind one API that the CLI and the desktop app
//! both call: the store in its home folder, flow import/export, and the run manager.

mod commits;
mod components;
mod connectors;
mod credential_hosts;
mod credential_locks;
mod credential_services;
mod credentials;
mod error;
mod export;
mod flows;
mod history;
mod home;
mod kept_tokens;
mod locks;
mod oauth;
mod oauth_loopback;
mod preview;
mod resolved_credentials;
mod review;
mod run_history;
mod runs;
mod scheduler;
pub mod secrets;
mod templates;
mod updates;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sluice_core::Registry;
use sluice_store::Store;

pub use commits::Recovery;
pub use components::ComponentInfo;
pub use connectors::ConnectorInfo;
pub use credentials::{CredentialInfo, CredentialInput, CredentialTypeInfo};
pub use error::{Error, Result};
pub use export::ExportedFlow;
pub use flows::{FlowDocument, FlowListing, ImportOutcome, LoadedFlow};
pub use home::default_home;
pub use preview::{Pinned, PreviewRequest};
pub use review::{DatabaseReach, FileReach, FlowReview, HostReach};
pub use runs::{RunDetail, RunHandle, RunNotice, RunOutcome, RunTarget, Trigger};
pub use scheduler::{RunObserver, ScheduleInfo, SchedulerHandle};
pub use sluice_core::engine::{NodeReport, NodeStats, RunEvent, RunOptions, RunReport, RunStatus};
pub use sluice_store::{FlowVersion, RetentionPolicy, RetentionReport, RunRecord};
pub use templates::TemplateInfo;
pub use updates::UpdateStatus;
pub use webhooks::{DEFAULT_WEBHOOK_PORT, WebhookRefusal};

/// Every component this build knows, without opening an installation.
pub fn registry() -> Registry {
    sluice_connectors::registry()
}

/// One Sluice installation: its home folder, its store and the components it knows.
#[derive(Debug, Clone)]
pub struct Sluice {
    home: PathBuf,
    store: Arc<Store>,
    /// Built-in node types and imported connectors; replaced when a connector is imported.
    registry: Arc<std::sync::RwLock<Arc<Registry>>>,
    /// The runs this process is running, by run id, so they can be cancelled by id.
    active_runs: runs::ActiveRuns,
    /// Rung when a schedule may have changed, so the scheduler looks again at once.
    schedule_changes: Arc<tokio::sync::Notify>,
    /// Where credential secrets live (the OS keychain unless `SLUICE_SECRETS` says otherwise).
    secrets: Arc<dyn secrets::SecretStore>,
    /// One lock per OAuth2 credential: refreshes never race.
    token_locks: credential_locks::TokenLocks,
    /// Each webhook flow's queue of records from requests.
    webhook_inboxes: webhooks::WebhookInboxes,
}

impl Sluice {
    /// Opens the installation in `home` (default: `SLUICE_HOME`, else the OS data folder),
    /// creating it on first use. Runs a stopped process left are finished (see
    /// [`Sluice::recover_runs`]), and old runs beyond the retention policy are removed.
    pub fn open(home: Option<&Path>) -> Result<Sluice> {
        let home = match home {
            Some(home) => home.to_path_buf(),
            None => default_home()?,
        };
        let store = Store::open(&home.join("sluice.db"))?;
        let secrets = secrets::open(secrets::SecretBackend::from_env()?, &home);
        let policy = store.retention_policy()?;
        store.apply_retention(policy, chrono::Utc::now())?;
        let registry = connectors::registry_with_imports(&store)?;
        let sluice = Sluice {
            home,
            store: Arc::new(store),
            registry: Arc::new(std::sync::RwLock::new(Arc::new(registry))),
            active_runs: Default::default(),
            schedule_changes: Default::default(),
            secrets,
            token_locks: Default::default(),
            webhook_inboxes: Default::default(),
        };
        std::fs::create_dir_all(sluice.files_folder()).map_err(|source| Error::Io {
            action: "create",
            path: sluice.files_folder(),
            source,
        })?;
        // Flows made in the studio before the files folder existed resolved against the home.
        sluice.store.move_base_dir(
            &sluice.home.to_string_lossy(),
            &sluice.files_folder().to_string_lossy(),
        )?;
        sluice.fill_missing_credential_hosts()?;
        // Runs a stopped process left: rolled forward when they had decided to commit, rolled
        // back (staging removed, marked interrupted) when not.
        sluice.recover_runs()?;
        Ok(sluice)
    }

    /// The same installation with secrets kept in `secrets` (tests use memory).
    pub fn with_secrets(mut self, secrets: Arc<dyn secrets::SecretStore>) -> Sluice {
        self.secrets = secrets;
        self
    }

    /// Where credential secrets live.
    pub fn secrets(&self) -> &dyn secrets::SecretStore {
        self.secrets.as_ref()
    }

    /// The home folder.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Where relative paths of flows made in the studio resolve: the one folder inside the home
    /// (with `examples`) that flows may read and write.
    pub fn files_folder(&self) -> PathBuf {
        self.home.join("files")
    }

    /// The store, for what the runtime does not wrap.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every component this installation knows (built in and imported), as it is now.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.read().expect("registry lock").clone()
    }

    /// Changes the run-history retention policy (the parts given) and applies it at once.
    pub fn set_retention(
        &self,
        keep_runs: Option<u32>,
        keep_days: Option<u32>,
    ) -> Result<(RetentionPolicy, RetentionReport)> {
        let mut policy = self.store.retention_policy()?;
        if let Some(keep_runs) = keep_runs {
            policy.keep_runs = keep_runs.max(1);
        }
        if let Some(keep_days) = keep_days {
            policy.keep_days = keep_days;
        }
        self.store.set_retention_policy(policy)?;
        let report = self.store.apply_retention(policy, chrono::Utc::now())?;
        Ok((policy, report))
    }
}
