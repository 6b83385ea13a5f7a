//! What can go wrong at the runtime level, in messages a person can act on.

use std::path::PathBuf;

use sluice_core::flow::ParseError;
use sluice_core::validate::ValidationReport;

/// A runtime error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A flow file is not valid JSON or not shaped like a flow.
    #[error("{file} is not a valid flow file: {error}")]
    Parse { file: String, error: ParseError },
    /// A flow has problems that keep it from running.
    #[error("{file}: {report}")]
    Invalid {
        file: String,
        report: ValidationReport,
    },
    /// No flow or run matches what was asked for.
    #[error("{0}")]
    NotFound(String),
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// No home folder could be found or made.
    #[error("{0}")]
    Home(String),
    /// The secret store (keychain, secret file, environment) failed; the message says what to do.
    #[error("{0}")]
    Secrets(String),
    /// A credential is missing, incomplete or misdescribed; the message names it and the field.
    #[error("{0}")]
    Credential(String),
    /// The flow is already running (one run of a flow at a time, across processes).
    #[error("{0}")]
    Busy(String),
    /// A stored flow from elsewhere that the person has not approved; the review says what it
    /// touches.
    #[error("{0}Approve it in the studio, or with `sluice flows review {flow} --approve` (or run it once with `--trust`).", flow = .0.flow_id)]
    Untrusted(Box<crate::review::FlowReview>),
    /// The flow reaches what no flow may (Sluice's own folder).
    #[error("{0}")]
    Forbidden(String),
    /// The request cannot be done as asked (e.g. a name another flow has); the message says why.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] sluice_store::Error),
}

impl Error {
    /// Whether the error is about the flow itself (a bad file or an invalid flow), as opposed
    /// to the environment. The CLI exits with 2 for these.
    pub fn is_invalid_flow(&self) -> bool {
        matches!(
            self,
            Error::Parse { .. }
                | Error::Invalid { .. }
                | Error::Untrusted(_)
                | Error::Forbidden(_)
                | Error::Refused(_)
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
