//! Writing a file all at once: records go to a temporary file next to the target, which replaces
//! the target only when the run commits. A failed run leaves the target as it was.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use sluice_core::ComponentError;

/// A file being written beside its final path.
pub struct StagedFile {
    target: PathBuf,
    staging: PathBuf,
}

impl StagedFile {
    /// Creates the staging file (and the target's folder, if missing).
    pub fn create(target: &Path) -> Result<(StagedFile, BufWriter<File>), ComponentError> {
        let folder = target
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)
            .map_err(|error| ComponentError::io("create the folder", folder, &error))?;
        let name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = folder.join(format!(".{name}.sluice-{}.tmp", std::process::id()));
        let file = File::create(&staging)
            .map_err(|error| ComponentError::io("create", &staging, &error))?;
        Ok((
            StagedFile {
                target: target.to_path_buf(),
                staging,
            },
            BufWriter::with_capacity(1 << 16, file),
        ))
    }

    /// The temporary path written to.
    pub fn staging_path(&self) -> &Path {
        &self.staging
    }

    /// Puts the staging file in the target's place.
    pub fn commit(self, writer: BufWriter<File>) -> Result<(), ComponentError> {
        let file = writer
            .into_inner()
            .map_err(|error| ComponentError::io("write", &self.staging, error.error()))?;
        file.sync_all()
            .map_err(|error| ComponentError::io("write", &self.staging, &error))?;
        drop(file);
        std::fs::rename(&self.staging, &self.target)
            .map_err(|error| ComponentError::io("replace", &self.target, &error))
    }

    /// Removes the staging file (drop its writer first); the target is untouched.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.staging);
    }
}
