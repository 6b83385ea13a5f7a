//! Writing a file all at once: records go to a staging file next to the target, named after the
//! run, which replaces the target only when the run commits — by this process, or by the next
//! one after a crash (the `file` staging kind). A failed run leaves the target as it was.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sluice_core::ComponentError;
use sluice_core::commit::{Staging, StagingKind};

/// The staging kind of files: publish renames the staging file over the target.
pub fn staging_kind() -> StagingKind {
    StagingKind {
        kind: "file",
        publish: |detail| StagedFileDetail::from_json(detail)?.publish().map(|()| 0),
        discard: |detail| StagedFileDetail::from_json(detail)?.discard(),
    }
}

/// Where a run stages a file and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StagedFileDetail {
    staging: PathBuf,
    target: PathBuf,
}

impl StagedFileDetail {
    fn from_json(detail: &serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(detail.clone())
            .map_err(|error| format!("unreadable file staging record: {error}"))
    }

    /// Renames the staging file over the target; done already when the staging file is gone.
    fn publish(&self) -> Result<(), String> {
        if !self.staging.exists() {
            return Ok(());
        }
        std::fs::rename(&self.staging, &self.target)
            .map_err(|error| format!("cannot replace {}: {error}", self.target.display()))?;
        sync_folder(&self.target);
        Ok(())
    }

    fn discard(&self) -> Result<(), String> {
        match std::fs::remove_file(&self.staging) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(format!("cannot remove {}: {error}", self.staging.display())),
        }
    }
}

/// The staging of a file written by run `run_id`: an absolute target (folders resolved, so two
/// spellings of one file lock the same destination) and a hidden staging file beside it.
pub fn file_staging(target: &Path, run_id: &str) -> Result<Staging, ComponentError> {
    let absolute = std::path::absolute(target)
        .map_err(|error| ComponentError::io("find the folder of", target, &error))?;
    let name = absolute
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| {
            ComponentError::failed(format!("{} does not name a file", target.display()))
        })?;
    let folder = absolute.parent().unwrap_or(Path::new("/"));
    let folder = folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf());
    let target = folder.join(&name);
    let run: String = run_id.chars().filter(char::is_ascii_hexdigit).collect();
    let run = &run[run.len().saturating_sub(12)..];
    let detail = StagedFileDetail {
        staging: folder.join(format!(".{name}.sluice-{run}.tmp")),
        target: target.clone(),
    };
    Ok(Staging {
        kind: "file".into(),
        destination: target.display().to_string(),
        detail: serde_json::to_value(detail).expect("paths serialise"),
    })
}

/// A file being written beside its final path.
pub struct StagedFile {
    detail: StagedFileDetail,
}

impl StagedFile {
    /// Creates the staging file that `staging` describes (and the target's folder, if missing),
    /// with the target's permissions when it exists.
    pub fn create(staging: &Staging) -> Result<(StagedFile, BufWriter<File>), ComponentError> {
        let detail =
            StagedFileDetail::from_json(&staging.detail).map_err(ComponentError::failed)?;
        if detail.target.is_dir() {
            return Err(ComponentError::failed(format!(
                "{} is a folder; name a file to write",
                detail.target.display()
            )));
        }
        if let Some(folder) = detail.staging.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|error| ComponentError::io("create the folder", folder, &error))?;
        }
        let file = File::create(&detail.staging)
            .map_err(|error| ComponentError::io("create", &detail.staging, &error))?;
        keep_permissions(&detail.target, &detail.staging)?;
        Ok((
            StagedFile { detail },
            BufWriter::with_capacity(1 << 16, file),
        ))
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.detail.target
    }

    /// The temporary path written to.
    pub fn staging_path(&self) -> &Path {
        &self.detail.staging
    }

    /// Copies the target's contents to the start of the staging file (for appending), ending
    /// with a line break. Returns false when there is no target or it is empty.
    pub fn copy_existing(&self, writer: &mut BufWriter<File>) -> Result<bool, ComponentError> {
        let target = &self.detail.target;
        let mut existing = match File::open(target) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(ComponentError::io("read", target, &error)),
        };
        let copied = std::io::copy(&mut existing, writer)
            .map_err(|error| ComponentError::io("copy", target, &error))?;
        if copied == 0 {
            return Ok(false);
        }
        let mut last = [0u8; 1];
        existing
            .seek(SeekFrom::End(-1))
            .and_then(|_| existing.read_exact(&mut last))
            .map_err(|error| ComponentError::io("read", target, &error))?;
        if last[0] != b'\n' {
            writer
                .write_all(b"\n")
                .map_err(|error| ComponentError::io("write", &self.detail.staging, &error))?;
        }
        Ok(true)
    }

    /// Makes the staging file durable (flush its writers first) and checks it can replace the
    /// target.
    pub fn prepare(&self, file: &File) -> Result<(), ComponentError> {
        let staging = &self.detail.staging;
        file.sync_all()
            .map_err(|error| ComponentError::io("write", staging, &error))?;
        if self.detail.target.is_dir() {
            return Err(ComponentError::failed(format!(
                "{} is a folder; name a file to write",
                self.detail.target.display()
            )));
        }
        Ok(())
    }

    /// Puts the staging file in the target's place (after `prepare`; close the file first).
    pub fn commit(self) -> Result<(), ComponentError> {
        self.detail.publish().map_err(ComponentError::failed)
    }

    /// Removes the staging file (close it first); the target is untouched.
    pub fn discard(self) {
        let _ = self.detail.discard();
    }
}

/// Gives the staging file the target's permissions, so replacing a private file keeps it private
/// (new files follow the umask).
fn keep_permissions(target: &Path, staging: &Path) -> Result<(), ComponentError> {
    if cfg!(unix)
        && let Ok(metadata) = std::fs::metadata(target)
    {
        std::fs::set_permissions(staging, metadata.permissions())
            .map_err(|error| ComponentError::io("set the permissions of", staging, &error))?;
    }
    Ok(())
}

/// Makes a rename in the file's folder durable (on systems where folders can be synced).
fn sync_folder(path: &Path) {
    if cfg!(unix)
        && let Some(folder) = path.parent()
        && let Ok(folder) = File::open(folder)
    {
        let _ = folder.sync_all();
    }
}
