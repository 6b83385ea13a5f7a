//! Writing a file all at once: records go to a staging file next to the target, named after the
//! run, which replaces the target only when the run commits — by this process, or by the next
//! one after a crash (the `file` staging kind). A failed run leaves the target as it was.
//!
//! Appending stages only the new records; publishing adds them to the end of the target without
//! reading it. The staging file opens with a fixed-size line that says where in the target the
//! append started, so a publish interrupted by a crash is cut back there and done again, never
//! twice.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sluice_core::ComponentError;
use sluice_core::commit::{Staging, StagingKind, staging_suffix};

/// The staging kind of files: publish renames the staging file over the target.
pub fn staging_kind() -> StagingKind {
    StagingKind {
        kind: "file",
        publish: |detail, _| StagedFileDetail::from_json(detail)?.publish().map(|()| 0),
        discard: |detail, _| StagedFileDetail::from_json(detail)?.discard(),
    }
}

/// Where a run stages a file and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StagedFileDetail {
    staging: PathBuf,
    target: PathBuf,
    /// The staging file holds records to add to the end of the target (after [`APPEND_HEADER`]),
    /// not the whole new file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    append: bool,
}

/// The first line of an append's staging file: `sluice-append ` then, padded to a fixed width,
/// `pending` until publishing starts and then the target's length when it did.
const APPEND_HEADER: usize = 32;
const APPEND_PREFIX: &str = "sluice-append ";

impl StagedFileDetail {
    fn from_json(detail: &serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(detail.clone())
            .map_err(|error| format!("unreadable file staging record: {error}"))
    }

    /// Renames the staging file over the target (or adds it to the target's end); done already
    /// when the staging file is gone.
    fn publish(&self) -> Result<(), String> {
        if !self.staging.exists() {
            return Ok(());
        }
        if self.append {
            return append::publish(&self.staging, &self.target);
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

/// The staging of a file written by run `run_id`: a hidden staging file beside the target, with
/// the whole new file or (`append`) the records to add to its end.
pub fn file_staging(target: &Path, run_id: &str, append: bool) -> Result<Staging, ComponentError> {
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
                append,
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
    /// with the target's permissions when it exists; an append's opens with its header line.
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
        let mut writer = BufWriter::with_capacity(1 << 16, file);
        if detail.append {
            writer
                .write_all(append::header("pending").as_bytes())
                .map_err(|error| ComponentError::io("write", &detail.staging, &error))?;
        }
        Ok((StagedFile { detail }, writer))
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.detail.target
    }

    /// The temporary path written to.
    pub fn staging_path(&self) -> &Path {
        &self.detail.staging
    }

    /// Whether the records are added to a target that already holds something (for appending:
    /// a header row is then not written again).
    pub fn target_has_content(&self) -> Result<bool, ComponentError> {
        match std::fs::metadata(&self.detail.target) {
            Ok(metadata) => Ok(metadata.len() > 0),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(ComponentError::io("read", &self.detail.target, &error)),
        }
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

mod append {
    //! Publishing an append: the staged records added to the end of the target.

    use std::fs::OpenOptions;
    use std::io::{Read, Seek, SeekFrom, Write};
    use std::path::Path;

    use super::{APPEND_HEADER, APPEND_PREFIX, sync_folder};

    /// The header line for `state` (`pending`, or the length the target had).
    pub(super) fn header(state: &str) -> String {
        let line = format!(
            "{APPEND_PREFIX}{state:<width$}\n",
            width = APPEND_HEADER - APPEND_PREFIX.len() - 1
        );
        debug_assert_eq!(line.len(), APPEND_HEADER);
        line
    }

    /// Adds the staged records to the end of `target`, then removes the staging file. A publish
    /// that was interrupted is cut back to where it started and done again.
    pub(super) fn publish(staging_path: &Path, target_path: &Path) -> Result<(), String> {
        let cannot = |what: &str, path: &Path, error: std::io::Error| {
            format!("cannot {what} {}: {error}", path.display())
        };
        let mut staging = OpenOptions::new()
            .read(true)
            .write(true)
            .open(staging_path)
            .map_err(|error| cannot("read", staging_path, error))?;
        let mut line = [0u8; APPEND_HEADER];
        staging
            .read_exact(&mut line)
            .map_err(|error| cannot("read", staging_path, error))?;
        let state = std::str::from_utf8(&line)
            .ok()
            .and_then(|line| line.strip_prefix(APPEND_PREFIX))
            .map(str::trim)
            .ok_or_else(|| {
                format!(
                    "{} is not a Sluice append staging file",
                    staging_path.display()
                )
            })?;
        let mut target = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(target_path)
            .map_err(|error| cannot("open", target_path, error))?;
        let start = match state.parse::<u64>() {
            // Interrupted before: what that attempt added goes.
            Ok(start) => {
                let length = target
                    .metadata()
                    .map_err(|error| cannot("read", target_path, error))?
                    .len();
                if length > start {
                    target
                        .set_len(start)
                        .map_err(|error| cannot("write", target_path, error))?;
                }
                start.min(length)
            }
            Err(_) => {
                let start = target
                    .metadata()
                    .map_err(|error| cannot("read", target_path, error))?
                    .len();
                staging
                    .seek(SeekFrom::Start(0))
                    .and_then(|_| staging.write_all(header(&start.to_string()).as_bytes()))
                    .and_then(|()| staging.sync_all())
                    .map_err(|error| cannot("write", staging_path, error))?;
                start
            }
        };
        let added = (|| -> std::io::Result<()> {
            if start > 0 {
                let mut last = [0u8; 1];
                target.seek(SeekFrom::Start(start - 1))?;
                target.read_exact(&mut last)?;
                if last[0] != b'\n' {
                    target.write_all(b"\n")?;
                }
            }
            target.seek(SeekFrom::End(0))?;
            staging.seek(SeekFrom::Start(APPEND_HEADER as u64))?;
            std::io::copy(&mut staging, &mut target)?;
            target.sync_all()
        })();
        added.map_err(|error| cannot("append to", target_path, error))?;
        drop(staging);
        std::fs::remove_file(staging_path)
            .map_err(|error| cannot("remove", staging_path, error))?;
        sync_folder(staging_path);
        Ok(())
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

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;

    use super::*;

    #[test]
    fn an_append_stages_only_the_new_records_and_a_publish_cut_short_is_redone_once() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("events.ndjson");
        // Without a final line break: publishing adds one before the new records.
        let existing = "{\"n\":0}\n".repeat(100_000) + "{\"n\":1}";
        std::fs::write(&target, &existing).unwrap();
        let staging = file_staging(&target, "019a0000-0000-7000-8000-0123456789ab", true).unwrap();
        let (staged, mut writer) = StagedFile::create(&staging).unwrap();
        assert!(staged.target_has_content().unwrap());
        writer.write_all(b"{\"n\":2}\n{\"n\":3}\n").unwrap();
        let file = writer.into_inner().unwrap();
        staged.prepare(&file).unwrap();
        drop(file);
        let staged_bytes = std::fs::metadata(staged.staging_path()).unwrap().len();
        assert_eq!(staged_bytes, APPEND_HEADER as u64 + 16);

        // A publish that died halfway: it had noted where it started and added part of the records.
        OpenOptions::new()
            .write(true)
            .open(staged.staging_path())
            .unwrap()
            .write_all(append::header(&existing.len().to_string()).as_bytes())
            .unwrap();
        OpenOptions::new()
            .append(true)
            .open(&target)
            .unwrap()
            .write_all(b"\n{\"n\":2}\n{\"n")
            .unwrap();
        for _ in 0..2 {
            (staging_kind().publish)(&staging.detail, &sluice_core::commit::NoCredentials).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            existing + "\n{\"n\":2}\n{\"n\":3}\n"
        );
        assert!(!staged.staging_path().exists());
    }

    #[test]
    fn an_append_discarded_leaves_the_target_as_it_was() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("rows.csv");
        std::fs::write(&target, "a,b\n1,2\n").unwrap();
        let staging = file_staging(&target, "019a0000-0000-7000-8000-ba9876543210", true).unwrap();
        let (staged, mut writer) = StagedFile::create(&staging).unwrap();
        writer.write_all(b"3,4\n").unwrap();
        drop(writer);
        (staging_kind().discard)(&staging.detail, &sluice_core::commit::NoCredentials).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a,b\n1,2\n");
        assert!(!staged.staging_path().exists());
    }
}
