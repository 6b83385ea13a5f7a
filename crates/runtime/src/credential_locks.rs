//! One token fetch at a time per credential: a lock in this process (two runs of one Sluice) and
//! a lock file in the home folder (the studio and `sluice daemon` on one machine).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::{Error, Result, Sluice};

/// One lock per OAuth2 credential, so two runs never refresh the same token at once.
pub(crate) type TokenLocks = Arc<Mutex<HashMap<String, Arc<Mutex<()>>>>>;

impl Sluice {
    /// The lock that lets one run at a time fetch the credential `id`'s tokens in this process.
    pub(crate) fn credential_lock(&self, id: &str) -> Arc<Mutex<()>> {
        self.token_locks
            .lock()
            .expect("token locks")
            .entry(id.to_string())
            .or_default()
            .clone()
    }

    /// Takes the credential's lock file in the home folder; released when the file is dropped.
    pub(crate) fn lock_credential_file(&self, id: &str) -> Result<std::fs::File> {
        let folder = self.home().join("locks");
        let failed = |source| Error::Io {
            action: "lock",
            path: folder.join(format!("credential-{id}.lock")),
            source,
        };
        std::fs::create_dir_all(&folder).map_err(failed)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(folder.join(format!("credential-{id}.lock")))
            .map_err(failed)?;
        file.lock().map_err(failed)?;
        Ok(file)
    }
}
