//! Where an installation keeps its data, and whether a process that started a run still lives.

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

/// Whether process `pid` is running. Exact on Linux; elsewhere only this process counts as
/// alive, so a run left behind by another process is marked interrupted at the next start.
pub fn process_is_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        return std::path::Path::new(&format!("/proc/{pid}")).exists();
    }
    false
}
