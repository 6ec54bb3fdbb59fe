//! Why a run failed, and its exit status (gzip's: 1 for an error, 2 for a warning, an
//! error winning over warnings; 141 for a reader that went away).

use std::fmt;
use std::io::Write as _;

/// The exit status of a process killed by SIGPIPE, as the shell shows it (128 + 13):
/// what `gzip` and `zstd` end with when their reader goes away.
pub(crate) const BROKEN_PIPE_STATUS: u8 = 128 + 13;

/// A failed run: its message (one line) and its kind.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A usage error (exit status 2).
    Usage(String),
    /// An input skipped, as gzip's warnings (exit status 2): a directory, a symbolic
    /// link without `-F`.
    Warning(String),
    /// Bad data or an I/O error (exit status 1).
    Data(String),
    /// The output is a pipe whose reader has gone (`| head`): the run ends quietly,
    /// with no message and status [`BROKEN_PIPE_STATUS`].
    BrokenPipe,
}

impl Failure {
    /// The exit status.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Warning(_) => 2,
            Self::Data(_) => 1,
            Self::BrokenPipe => BROKEN_PIPE_STATUS,
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

    /// A write error on the output `what`: a broken pipe ends the run quietly.
    pub(crate) fn write(what: &str, e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::io(what, e)
        }
    }
}

/// The status of a run of several inputs, as gzip's: 1 if any input failed with an
/// error, otherwise 2 if any was refused or skipped (a usage error, a warning),
/// otherwise 0.
pub(crate) fn worst(a: u8, b: u8) -> u8 {
    if a == 1 || b == 1 { 1 } else { a.max(b) }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) | Self::Warning(m) | Self::Data(m) => f.write_str(m),
            Self::BrokenPipe => f.write_str("broken pipe"),
        }
    }
}

/// A line on stderr. A stderr that cannot be written (its reader went away, as in
/// `bufpress -tv f 2>&1 | head -c 0`) loses the line, not the run: `eprintln!` would
/// panic there. The exit status still says what happened.
pub(crate) fn say(line: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
