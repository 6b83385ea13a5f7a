//! Where an installation keeps its data.

use std::path::PathBuf;

use crate::{Error, Result};

/// `SLUICE_HOME` when set, otherwise the OS data folder (e.g. `~/.local/share/sluice` on Linux,
/// `~/Library/Application Support/dev.sluice.Sluice` on macOS, `%APPDATA%\sluice\Sluice\data` on Windows).
pub fn default_home() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("SLUICE_HOME").filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    directories::ProjectDirs::from("dev", "sluice", "sluice")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::Home("cannot find a data folder for this user; set SLUICE_HOME to one".into())
        })
}
