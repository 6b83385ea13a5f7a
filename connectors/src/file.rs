//! Writing a file all at once: records go to a staging file next to the target, named after the
//! run, which replaces the target only when the run commits — by this process, or by the next
//! one after a crash (the `file` staging kind). A failed run leaves the target as it was.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sluice_core::ComponentError;
use sluice_core::commit::{Staging, StagingKind, staging_suffix};

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

/// A path as destinations are known: absolute, `.` and `..` resolved, its folder's symbolic
/// links resolved when it exists — so two spellings of one file lock the same destination.
pub fn destination_path(path: &Path) -> Result<PathBuf, ComponentError> {
    let absolute = std::path::absolute(path)
        .map_err(|error| ComponentError::io("find the folder of", path, &error))?;
    let mut normal = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    let name = normal.file_name().ok_or_else(|| {
        ComponentError::failed(format!("{} does not name a file", path.display()))
    })?;
    let folder = normal.parent().unwrap_or(Path::new("/"));
    let folder = folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf());
    Ok(folder.join(name))
}

/// The key destination locks use for a path: its text, without case where the file system
/// usually ignores it (macOS, Windows).
pub fn lock_key(path: &Path) -> String {
    let text = path.display().to_string();
    if cfg!(any(windows, target_os = "macos")) {
        text.to_lowercase()
    } else {
        text
    }
}

/// Describes a staging for the journal, or says why it cannot be written down (a path that is
/// not valid Unicode).
pub fn staging_detail(
    detail: &impl Serialize,
    target: &Path,
) -> Result<serde_json::Value, ComponentError> {
    serde_json::to_value(detail).map_err(|error| {
        ComponentError::failed(format!(
            "cannot write to {}: its path cannot be recorded ({error}); use a path of plain text",
            target.display()
        ))
    })
}

/// The staging of a file written by run `run_id`: a hidden staging file beside the target.
pub fn file_staging(target: &Path, run_id: &str) -> Result<Staging, ComponentError> {
    let target = destination_path(target)?;
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = target.with_file_name(format!(".{name}.sluice-{}.tmp", staging_suffix(run_id)));
    Ok(Staging {
        kind: "file".into(),
        destination: target.display().to_string(),
        lock_key: lock_key(&target),
        detail: staging_detail(
            &StagedFileDetail {
                staging,
                target: target.clone(),
            },
            &target,
        )?,
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
        let file = create_like(&detail.target, &detail.staging)
            .map_err(|error| ComponentError::io("create", &detail.staging, &error))?;
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
        sync_folder(staging);
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

/// Creates the staging file with the target's permissions from the start, so replacing a
/// private file never shows its new contents to others (a new file follows the umask).
fn create_like(target: &Path, staging: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if let Ok(metadata) = std::fs::metadata(target) {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = metadata.permissions().mode() & 0o7777;
        options.mode(mode & 0o700);
        let file = options.open(staging)?;
        std::fs::set_permissions(staging, std::fs::Permissions::from_mode(mode))?;
        return Ok(file);
    }
    options.open(staging)
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
