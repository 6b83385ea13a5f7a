//! Where credential secrets live: the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows); for `sluice daemon` on a server without one, a file only the
//! user can read or environment variables; and memory, for tests. Secrets never go to SQLite.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::{Error, Result};

/// The keychain service name every Sluice secret is filed under.
const KEYCHAIN_SERVICE: &str = "dev.sluice.credentials";
/// Chooses the secret store: `keychain` (the default), `file` or `env`.
pub const SECRETS_ENV: &str = "SLUICE_SECRETS";
/// The file the `file` store keeps secrets in, inside the Sluice home.
pub const SECRETS_FILE: &str = "secrets.json";

/// Which secret of which credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey<'a> {
    /// The credential's id: stable across renames.
    pub credential_id: &'a str,
    /// The credential's name, for the `env` store.
    pub credential_name: &'a str,
    /// The secret field, e.g. `token` or `refresh_token`.
    pub field: &'a str,
}

impl SecretKey<'_> {
    fn account(&self) -> String {
        format!("{}/{}", self.credential_id, self.field)
    }

    /// The environment variable the `env` store reads: `SLUICE_SECRET_<NAME>_<FIELD>`, upper
    /// case, anything but letters and digits as `_`.
    pub fn env_var(&self) -> String {
        let clean = |text: &str| {
            text.chars()
                .map(|character| {
                    if character.is_ascii_alphanumeric() {
                        character.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        };
        format!(
            "SLUICE_SECRET_{}_{}",
            clean(self.credential_name),
            clean(self.field)
        )
    }
}

/// A place to keep secrets.
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// What it is, for messages ("the OS keychain").
    fn describe(&self) -> String;
    /// The secret, if one is stored.
    fn get(&self, key: &SecretKey<'_>) -> Result<Option<String>>;
    /// Stores the secret, replacing any before it.
    fn set(&self, key: &SecretKey<'_>, value: &str) -> Result<()>;
    /// Forgets the secret; forgetting one that is not there is fine.
    fn delete(&self, key: &SecretKey<'_>) -> Result<()>;
}

/// Which store an installation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretBackend {
    Keychain,
    File,
    Env,
}

impl SecretBackend {
    /// From `SLUICE_SECRETS`; the keychain when it is not set.
    pub fn from_env() -> Result<SecretBackend> {
        match std::env::var(SECRETS_ENV).as_deref() {
            Err(_) | Ok("") | Ok("keychain") => Ok(SecretBackend::Keychain),
            Ok("file") => Ok(SecretBackend::File),
            Ok("env") => Ok(SecretBackend::Env),
            Ok(other) => Err(Error::Secrets(format!(
                "{SECRETS_ENV}={other} is not a secret store: use keychain (the default), file \
                 or env"
            ))),
        }
    }
}

/// Opens the store for `backend`; the keychain is opened on first use, so commands that need no
/// secret work on a machine without one.
pub fn open(backend: SecretBackend, home: &Path) -> Arc<dyn SecretStore> {
    match backend {
        SecretBackend::Keychain => Arc::new(Keychain::default()),
        SecretBackend::File => Arc::new(SecretFile::new(home.join(SECRETS_FILE))),
        SecretBackend::Env => Arc::new(EnvSecrets),
    }
}

/// The OS keychain through the keyring project's native store for this system.
#[derive(Default)]
pub struct Keychain {
    store: OnceLock<std::result::Result<Arc<keyring_core::CredentialStore>, String>>,
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keychain")
    }
}

const NO_KEYCHAIN_HELP: &str = "Sluice keeps secrets in the OS keychain. On Linux that is the \
    Secret Service (GNOME Keyring or KWallet) of your desktop session: log in to a desktop, or \
    unlock the keyring. On a server without one, run `sluice daemon` with SLUICE_SECRETS=file \
    (a file only you can read) or SLUICE_SECRETS=env (environment variables).";

impl Keychain {
    fn store(&self) -> Result<&Arc<keyring_core::CredentialStore>> {
        self.store
            .get_or_init(|| native_store().map_err(|error| keychain_message(&error)))
            .as_ref()
            .map_err(|message| Error::Secrets(message.clone()))
    }

    fn entry(&self, key: &SecretKey<'_>) -> Result<keyring_core::Entry> {
        keyring_core::Entry::new_in_store(self.store()?, KEYCHAIN_SERVICE, &key.account())
            .map_err(|error| Error::Secrets(keychain_message(&error)))
    }
}

#[cfg(target_os = "linux")]
fn native_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn native_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn native_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "this system has no keychain Sluice can use".into(),
    ))
}

fn keychain_message(error: &keyring_core::Error) -> String {
    match error {
        keyring_core::Error::NoStorageAccess(detail) => {
            format!("The OS keychain is locked or refused access ({detail}). {NO_KEYCHAIN_HELP}")
        }
        keyring_core::Error::PlatformFailure(detail) => {
            format!("The OS keychain cannot be reached ({detail}). {NO_KEYCHAIN_HELP}")
        }
        other => format!("The OS keychain failed: {other}. {NO_KEYCHAIN_HELP}"),
    }
}

impl SecretStore for Keychain {
    fn describe(&self) -> String {
        "the OS keychain".into()
    }

    fn get(&self, key: &SecretKey<'_>) -> Result<Option<String>> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(Error::Secrets(keychain_message(&error))),
        }
    }

    fn set(&self, key: &SecretKey<'_>, value: &str) -> Result<()> {
        self.entry(key)?
            .set_password(value)
            .map_err(|error| Error::Secrets(keychain_message(&error)))
    }

    fn delete(&self, key: &SecretKey<'_>) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(Error::Secrets(keychain_message(&error))),
        }
    }
}

/// A JSON file in the Sluice home that only its owner may read (mode 0600), for servers without a
/// keychain. Sluice refuses a file others can read, as ssh does with keys.
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
    lock: Mutex<()>,
}

impl SecretFile {
    pub fn new(path: PathBuf) -> SecretFile {
        SecretFile {
            path,
            lock: Mutex::new(()),
        }
    }

    fn read(&self) -> Result<BTreeMap<String, String>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(BTreeMap::new());
            }
            Err(error) => {
                return Err(Error::Secrets(format!(
                    "cannot read the secret file {}: {error}",
                    self.path.display()
                )));
            }
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.path)
                .map_err(|error| Error::Secrets(error.to_string()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(Error::Secrets(format!(
                    "the secret file {} can be read by other users (mode {:o}); make it yours \
                     alone with `chmod 600 {}`",
                    self.path.display(),
                    mode & 0o777,
                    self.path.display()
                )));
            }
        }
        serde_json::from_str(&text).map_err(|error| {
            Error::Secrets(format!(
                "the secret file {} is damaged: {error}",
                self.path.display()
            ))
        })
    }

    fn write(&self, secrets: &BTreeMap<String, String>) -> Result<()> {
        let failed = |error: std::io::Error| {
            Error::Secrets(format!(
                "cannot write the secret file {}: {error}",
                self.path.display()
            ))
        };
        let staged = self.path.with_extension("json.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        {
            use std::io::Write;
            let mut file = options.open(&staged).map_err(failed)?;
            file.write_all(
                serde_json::to_string_pretty(secrets)
                    .expect("strings serialise")
                    .as_bytes(),
            )
            .map_err(failed)?;
            file.sync_all().map_err(failed)?;
        }
        std::fs::rename(&staged, &self.path).map_err(failed)
    }
}

impl SecretStore for SecretFile {
    fn describe(&self) -> String {
        format!("the secret file {}", self.path.display())
    }

    fn get(&self, key: &SecretKey<'_>) -> Result<Option<String>> {
        let _guard = self.lock.lock().expect("secret file lock");
        Ok(self.read()?.remove(&key.account()))
    }

    fn set(&self, key: &SecretKey<'_>, value: &str) -> Result<()> {
        let _guard = self.lock.lock().expect("secret file lock");
        let mut secrets = self.read()?;
        secrets.insert(key.account(), value.to_string());
        self.write(&secrets)
    }

    fn delete(&self, key: &SecretKey<'_>) -> Result<()> {
        let _guard = self.lock.lock().expect("secret file lock");
        let mut secrets = self.read()?;
        if secrets.remove(&key.account()).is_some() {
            self.write(&secrets)?;
        }
        Ok(())
    }
}

/// Secrets from environment variables (`SLUICE_SECRET_<CREDENTIAL>_<FIELD>`), read-only: for a
/// server whose secrets come from its service manager or orchestrator.
#[derive(Debug)]
pub struct EnvSecrets;

impl SecretStore for EnvSecrets {
    fn describe(&self) -> String {
        "environment variables".into()
    }

    fn get(&self, key: &SecretKey<'_>) -> Result<Option<String>> {
        Ok(std::env::var(key.env_var()).ok())
    }

    fn set(&self, key: &SecretKey<'_>, _value: &str) -> Result<()> {
        Err(Error::Secrets(format!(
            "secrets come from environment variables (SLUICE_SECRETS=env) and cannot be stored: \
             set {} in the environment instead",
            key.env_var()
        )))
    }

    fn delete(&self, _key: &SecretKey<'_>) -> Result<()> {
        Ok(())
    }
}

/// Secrets in memory, for tests.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    secrets: Mutex<BTreeMap<String, String>>,
}

impl SecretStore for MemorySecrets {
    fn describe(&self) -> String {
        "memory".into()
    }

    fn get(&self, key: &SecretKey<'_>) -> Result<Option<String>> {
        Ok(self
            .secrets
            .lock()
            .expect("memory secrets lock")
            .get(&key.account())
            .cloned())
    }

    fn set(&self, key: &SecretKey<'_>, value: &str) -> Result<()> {
        self.secrets
            .lock()
            .expect("memory secrets lock")
            .insert(key.account(), value.to_string());
        Ok(())
    }

    fn delete(&self, key: &SecretKey<'_>) -> Result<()> {
        self.secrets
            .lock()
            .expect("memory secrets lock")
            .remove(&key.account());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(field: &'a str) -> SecretKey<'a> {
        SecretKey {
            credential_id: "c1",
            credential_name: "Stripe live",
            field,
        }
    }

    #[test]
    fn the_secret_file_is_the_owners_alone_and_round_trips() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(SECRETS_FILE);
        let file = SecretFile::new(path.clone());
        assert_eq!(file.get(&key("token")).unwrap(), None);
        file.set(&key("token"), "s3cr3t").unwrap();
        file.set(&key("other"), "x").unwrap();
        assert_eq!(file.get(&key("token")).unwrap().as_deref(), Some("s3cr3t"));
        file.delete(&key("token")).unwrap();
        assert_eq!(file.get(&key("token")).unwrap(), None);
        assert_eq!(file.get(&key("other")).unwrap().as_deref(), Some("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let refused = file.get(&key("other")).unwrap_err().to_string();
            assert!(refused.contains("chmod 600"), "{refused}");
        }
    }

    #[test]
    fn environment_variables_are_named_after_the_credential_and_field() {
        assert_eq!(
            key("refresh_token").env_var(),
            "SLUICE_SECRET_STRIPE_LIVE_REFRESH_TOKEN"
        );
        let refused = EnvSecrets.set(&key("token"), "x").unwrap_err().to_string();
        assert!(
            refused.contains("SLUICE_SECRET_STRIPE_LIVE_TOKEN"),
            "{refused}"
        );
    }
}
