//! Why a run failed, and its exit status.

use std::fmt;

/// A failed run: its message (one line) and its kind.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A usage error (exit status 2).
    Usage(String),
    /// Bad data or an I/O error (exit status 1).
    Data(String),
}

impl Failure {
    /// The exit status.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Data(_) => 1,
        }
    }

    /// A failure that cannot happen in a correct program, reported rather than
    /// panicking.
    pub(crate) fn internal(e: impl fmt::Display) -> Self {
        Self::Data(format!("internal error: {e}"))
    }

    /// An I/O error on `what`.
    pub(crate) fn io(what: &str, e: &std::io::Error) -> Self {
        Self::Data(format!("{what}: {e}"))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) | Self::Data(m) => f.write_str(m),
        }
    }
}
