//! The trust review of a flow from elsewhere: what it will touch — files (resolved through links,
//! the sensitive ones called out), hosts, credentials, webhooks, its schedule — and the person's
//! approval, kept with the flow's stored version. Sluice's own folder is never a file a flow may
//! touch, approved or not.

use std::fmt;
use std::path::{Component as PathPart, Path, PathBuf};

use sluice_core::component::Reach;

use crate::flows::LoadedFlow;
use crate::{Error, Result, Sluice};

/// What a flow will touch, and whether it may run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct FlowReview {
    pub flow_id: String,
    pub name: String,
    /// The stored version reviewed (none for a flow file run as it is).
    pub version: Option<i64>,
    /// Whether it may run: the person made it, or approved this version.
    pub trusted: bool,
    pub files: Vec<FileReach>,
    pub hosts: Vec<HostReach>,
    /// Credentials its nodes name.
    pub credentials: Vec<String>,
    /// What it reads from databases, through which credential.
    pub databases: Vec<DatabaseReach>,
    /// Nodes that take requests from outside (webhooks).
    pub listens: Vec<String>,
    /// The schedule in words, when the flow has one.
    pub schedule: Option<String>,
    pub schedule_enabled: bool,
}

/// A table or query a node reads from a database, or a table it writes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct DatabaseReach {
    pub node: String,
    /// The credential that says which database (and holds the password).
    pub credential: Option<String>,
    /// What it does: the table it reads (and condition) or the SQL it runs, as written; or the
    /// table it writes, and how.
    pub what: String,
}

/// A file a node reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct FileReach {
    pub node: String,
    pub writes: bool,
    /// The path as the flow writes it.
    pub written: String,
    /// The absolute path, through any links.
    pub path: String,
    /// Why it deserves a look, e.g. "outside the flow's folder".
    pub concerns: Vec<String>,
    /// Never allowed: inside Sluice's own folder.
    pub forbidden: bool,
}

/// A URL a node sends requests to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct HostReach {
    pub node: String,
    pub url: String,
    /// The host, when the URL names one outright.
    pub host: Option<String>,
    /// Whether the records themselves go out in the requests.
    pub sends_records: bool,
    /// The credential sent along.
    pub credential: Option<String>,
}

impl Sluice {
    /// What `loaded` will touch, and whether it may run.
    pub fn review(&self, loaded: &LoadedFlow) -> Result<FlowReview> {
        let flow = &loaded.flow;
        let places = Places::new(self.home(), &loaded.base_dir);
        let mut review = FlowReview {
            flow_id: flow.id.clone(),
            name: flow.name.clone(),
            version: loaded.version,
            trusted: self.is_trusted(loaded)?,
            files: Vec::new(),
            hosts: Vec::new(),
            credentials: Vec::new(),
            databases: Vec::new(),
            listens: Vec::new(),
            schedule: flow.schedule.as_ref().map(sluice_core::schedule::describe),
            schedule_enabled: flow.schedule.as_ref().is_some_and(|s| s.enabled),
        };
        for node in &flow.nodes {
            if let Some(credential) = &node.credential
                && !review.credentials.contains(credential)
            {
                review.credentials.push(credential.clone());
            }
            for reach in self.reaches_of(node) {
                match reach {
                    Reach::Reads { path } => review.files.push(places.file(&node.id, &path, false)),
                    Reach::Writes { path } => review.files.push(places.file(&node.id, &path, true)),
                    Reach::Contacts { url, sends_records } => review.hosts.push(HostReach {
                        node: node.id.clone(),
                        host: host_of(&url),
                        url,
                        sends_records,
                        credential: node.credential.clone(),
                    }),
                    Reach::Listens => review.listens.push(node.id.clone()),
                    Reach::Database { what } => review.databases.push(DatabaseReach {
                        node: node.id.clone(),
                        credential: node.credential.clone(),
                        what,
                    }),
                }
            }
        }
        Ok(review)
    }

    /// What `node`'s config makes it reach outside the flow (nothing for a config that does not
    /// parse: such a flow cannot run).
    pub(crate) fn reaches_of(&self, node: &sluice_core::flow::Node) -> Vec<Reach> {
        self.registry()
            .get(&node.component)
            .and_then(|descriptor| (descriptor.parse)(node.config.clone()).ok())
            .map(|component| component.config().reaches())
            .unwrap_or_default()
    }

    /// Whether `loaded` may run: a flow file run as it is was chosen by the person; a stored flow
    /// may run once the person made or approved its version.
    pub fn is_trusted(&self, loaded: &LoadedFlow) -> Result<bool> {
        let Some(version) = loaded.version else {
            return Ok(true);
        };
        Ok(self.store().trusted_version(&loaded.flow.id)? == Some(version))
    }

    /// Approves the current version of a stored flow: it may run, and its own edits keep that.
    pub fn approve_flow(&self, reference: &str) -> Result<FlowReview> {
        let loaded = self.find_flow(reference)?;
        let version = loaded
            .version
            .ok_or_else(|| Error::NotFound(format!("flow '{reference}' is not stored")))?;
        self.store().trust_version(&loaded.flow.id, version)?;
        self.review(&loaded)
    }

    /// Refuses a run of `loaded` that is not approved, or that touches Sluice's own folder.
    pub(crate) fn check_reach(&self, loaded: &LoadedFlow) -> Result<()> {
        let review = self.review(loaded)?;
        if let Some(file) = review.files.iter().find(|file| file.forbidden) {
            return Err(Error::Forbidden(format!(
                "node `{}`: {} is inside Sluice's own folder ({}); a flow may not read or write it — choose another file",
                file.node,
                file.path,
                self.home().display()
            )));
        }
        if !review.trusted {
            return Err(Error::Untrusted(Box::new(review)));
        }
        Ok(())
    }
}

/// The folders a file's place is judged against.
struct Places {
    sluice_home: PathBuf,
    /// The folders inside the home that hold the person's data, not Sluice's.
    data_folders: [PathBuf; 2],
    flow_folder: PathBuf,
    user_home: Option<PathBuf>,
}

impl Places {
    fn new(sluice_home: &Path, flow_folder: &Path) -> Places {
        let sluice_home = resolved(sluice_home);
        Places {
            data_folders: [sluice_home.join("files"), sluice_home.join("examples")],
            sluice_home,
            flow_folder: resolved(flow_folder),
            user_home: directories::BaseDirs::new().map(|dirs| resolved(dirs.home_dir())),
        }
    }

    fn file(&self, node: &str, written: &Path, writes: bool) -> FileReach {
        let joined = if written.is_absolute() {
            written.to_path_buf()
        } else {
            self.flow_folder.join(written)
        };
        let path = resolved(&joined);
        let mut concerns = Vec::new();
        let forbidden = path.starts_with(&self.sluice_home)
            && !self
                .data_folders
                .iter()
                .any(|folder| path.starts_with(folder));
        if forbidden {
            concerns.push("inside Sluice's own folder: never allowed".to_string());
        }
        if path != lexical(&joined) {
            concerns.push(format!("reached through a link ({})", joined.display()));
        }
        let in_user_home = self
            .user_home
            .as_ref()
            .and_then(|home| path.strip_prefix(home).ok());
        if in_user_home.is_some_and(|inside| {
            inside
                .components()
                .next()
                .is_some_and(|first| first.as_os_str().to_string_lossy().starts_with('.'))
        }) {
            concerns.push(
                "a hidden file or folder in your home folder (keys, shell start-up files, settings)"
                    .to_string(),
            );
        }
        if in_user_home.is_none() && is_system(&path) {
            concerns.push("a system file".to_string());
        }
        if !path.starts_with(&self.flow_folder) {
            concerns.push(format!(
                "outside the flow's folder ({})",
                self.flow_folder.display()
            ));
        }
        FileReach {
            node: node.to_string(),
            writes,
            written: written.display().to_string(),
            path: path.display().to_string(),
            concerns,
            forbidden,
        }
    }
}

/// `path` with `.` and `..` taken out, without looking at the disk.
fn lexical(path: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                clean.pop();
            }
            other => clean.push(other.as_os_str()),
        }
    }
    clean
}

/// `path` absolute through links: its longest existing part resolved on disk, the rest as
/// written (a file a run will create).
fn resolved(path: &Path) -> PathBuf {
    let clean = lexical(path);
    let mut existing = clean.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut full = real;
            full.extend(rest.iter().rev());
            return full;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return clean,
        }
    }
}

/// Whether `path` is in a folder of the operating system.
fn is_system(path: &Path) -> bool {
    const SYSTEM: &[&str] = if cfg!(windows) {
        &["C:\\Windows", "C:\\Program Files", "C:\\ProgramData"]
    } else {
        &[
            "/etc", "/boot", "/dev", "/proc", "/sys", "/usr", "/bin", "/sbin", "/lib", "/var",
            "/root", "/System", "/Library",
        ]
    };
    SYSTEM.iter().any(|folder| path.starts_with(folder))
}

/// The host a URL names outright (not inside a `{{ … }}` part).
fn host_of(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    (!host.contains("{{")).then(|| match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

impl fmt::Display for FlowReview {
    /// The review as the CLI prints it.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.trusted {
            "approved"
        } else {
            "NOT APPROVED: it came from elsewhere, so nothing runs until you approve what it touches"
        };
        writeln!(out, "Flow '{}' ({}) — {state}", self.name, self.flow_id)?;
        for (writes, heading) in [(false, "Files it reads"), (true, "Files it writes")] {
            let files: Vec<&FileReach> = self.files.iter().filter(|f| f.writes == writes).collect();
            if files.is_empty() {
                continue;
            }
            writeln!(out, "{heading}:")?;
            for file in files {
                writeln!(out, "  {}  (node {})", file.path, file.node)?;
                for concern in &file.concerns {
                    writeln!(out, "    ! {concern}")?;
                }
            }
        }
        if !self.hosts.is_empty() {
            writeln!(out, "Hosts it contacts:")?;
            for host in &self.hosts {
                let mut notes = Vec::new();
                if host.sends_records {
                    notes.push("sends records".to_string());
                }
                if let Some(credential) = &host.credential {
                    notes.push(format!("with credential '{credential}'"));
                }
                let name = host.host.as_deref().unwrap_or("a host chosen at run time");
                writeln!(out, "  {name}  {}  (node {})", host.url, host.node)?;
                if !notes.is_empty() {
                    writeln!(out, "    ! {}", notes.join(", "))?;
                }
            }
        }
        if !self.databases.is_empty() {
            writeln!(out, "Databases it reads or writes:")?;
            for database in &self.databases {
                let credential = database.credential.as_deref().unwrap_or("no credential");
                writeln!(
                    out,
                    "  {}  (node {}, credential '{credential}')",
                    database.what, database.node
                )?;
            }
        }
        if !self.credentials.is_empty() {
            writeln!(out, "Credentials it uses: {}", self.credentials.join(", "))?;
        }
        if !self.listens.is_empty() {
            writeln!(
                out,
                "Takes requests from outside (webhook): node {}",
                self.listens.join(", ")
            )?;
        }
        if let Some(schedule) = &self.schedule {
            let state = if self.schedule_enabled {
                "on"
            } else {
                "off until you turn it on"
            };
            writeln!(out, "Schedule: {schedule} ({state})")?;
        }
        if self.files.is_empty() && self.hosts.is_empty() && self.listens.is_empty() {
            writeln!(out, "It touches no files and contacts no hosts.")?;
        }
        Ok(())
    }
}
