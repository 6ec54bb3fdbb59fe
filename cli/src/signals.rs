//! Interrupted runs clean up: on SIGINT, SIGTERM or SIGHUP the temporary output file
//! is removed before the process exits (status 128 + signal), as `gzip` does. The
//! handler only reads an already-built path and calls `unlink` and `_exit`, both
//! async-signal-safe.

use std::ffi::{CString, c_char, c_int};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The temporary file to remove, built before the handler is installed.
static TEMP: OnceLock<CString> = OnceLock::new();
/// Whether `TEMP` still has to be removed.
static ARMED: AtomicBool = AtomicBool::new(false);

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

// SAFETY: these are the C library's `signal`, `unlink` and `_exit` (POSIX), declared
// with their C signatures; the binary links the C library through std.
unsafe extern "C" {
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn unlink(path: *const c_char) -> c_int;
    fn _exit(status: c_int) -> !;
}

extern "C" fn on_signal(signum: c_int) {
    if ARMED.swap(false, Ordering::SeqCst) {
        if let Some(path) = TEMP.get() {
            // SAFETY: `path` is a NUL-terminated string that lives for the whole
            // process (a `OnceLock` in a static); `unlink` is async-signal-safe.
            unsafe {
                unlink(path.as_ptr());
            }
        }
    }
    // SAFETY: `_exit` is async-signal-safe and ends the process at once.
    unsafe { _exit(128 + signum) }
}

/// Removes `path` if the process is interrupted, until [`disarm`] (one temporary file
/// per process: later calls are ignored).
pub(crate) fn remove_on_signal(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return;
    };
    if TEMP.set(c).is_err() {
        return;
    }
    ARMED.store(true, Ordering::SeqCst);
    for signum in [SIGHUP, SIGINT, SIGTERM] {
        // SAFETY: `on_signal` is an `extern "C" fn(c_int)` that only does
        // async-signal-safe work (an atomic swap, `unlink`, `_exit`).
        unsafe {
            signal(signum, on_signal);
        }
    }
}

/// The temporary file is gone (renamed or removed): a signal no longer removes it.
pub(crate) fn disarm() {
    ARMED.store(false, Ordering::SeqCst);
}
