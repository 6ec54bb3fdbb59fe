//! Interrupted runs clean up: on SIGINT, SIGTERM, SIGHUP or SIGXCPU (a CPU time limit)
//! the temporary output file is removed before the process exits (status 128 +
//! signal), as `gzip` does; so does SIGABRT, which is how a failed allocation ends a
//! Rust program (no destructor runs; status 134 as before, without a core dump). The
//! handler only takes an already-built path out of an atomic pointer and calls
//! `unlink` and `_exit`, all async-signal-safe. SIGXFSZ (a file size limit, `ulimit
//! -f`) is ignored instead, so that the write past the limit fails with `EFBIG` and
//! the run ends through its ordinary error path (one line, status 1, the temporary
//! file removed), where the signal's default action would kill the process and leave
//! it.
//!
//! One temporary file at a time, several per process (one per input): each is armed
//! when created and disarmed when renamed or removed.

use std::ffi::{CString, c_char, c_int};
use std::path::Path;
use std::ptr;
use std::sync::Once;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The temporary file to remove: a `CString` turned into a raw pointer, or null.
/// Whoever swaps it out (the handler, or [`disarm`]) owns it: the two never both
/// get it.
static TEMP: AtomicPtr<c_char> = AtomicPtr::new(ptr::null_mut());
/// The handlers are installed once.
static INSTALL: Once = Once::new();

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGABRT: c_int = 6;
const SIGTERM: c_int = 15;
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const SIGXCPU: c_int = 30;
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
const SIGXCPU: c_int = 24;
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const SIGXFSZ: c_int = 31;
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
const SIGXFSZ: c_int = 25;
/// `SIG_IGN`, the C library's "ignore this signal" handler value.
const SIG_IGN: usize = 1;

// SAFETY: these are the C library's `signal`, `unlink` and `_exit` (POSIX), declared
// with their C signatures (`sighandler_t`, a function pointer or `SIG_IGN`, is
// pointer-sized); the binary links the C library through std.
unsafe extern "C" {
    fn signal(signum: c_int, handler: usize) -> usize;
    fn unlink(path: *const c_char) -> c_int;
    fn _exit(status: c_int) -> !;
}

extern "C" fn on_signal(signum: c_int) {
    let path = TEMP.swap(ptr::null_mut(), Ordering::SeqCst);
    if !path.is_null() {
        // SAFETY: a non-null `TEMP` is a NUL-terminated string from
        // `CString::into_raw`; swapping it out made this handler its only owner, so
        // nothing frees it meanwhile; `unlink` is async-signal-safe. It is never
        // freed: the process ends here.
        unsafe {
            unlink(path);
        }
    }
    // SAFETY: `_exit` is async-signal-safe and ends the process at once.
    unsafe { _exit(128 + signum) }
}

/// Makes a write past the file size limit an error (`EFBIG`) instead of a kill by
/// SIGXFSZ. Called once, first thing in `main`.
pub(crate) fn ignore_file_size_signal() {
    // SAFETY: `SIG_IGN` is a valid disposition for SIGXFSZ; nothing else is touched.
    unsafe {
        signal(SIGXFSZ, SIG_IGN);
    }
}

/// Removes `path` if the process is interrupted, until [`disarm`] (which a later call
/// does too: one file at a time).
pub(crate) fn remove_on_signal(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    disarm();
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return;
    };
    INSTALL.call_once(|| {
        let handler: extern "C" fn(c_int) = on_signal;
        for signum in [SIGHUP, SIGINT, SIGTERM, SIGXCPU, SIGABRT] {
            // SAFETY: `on_signal` is an `extern "C" fn(c_int)` that only does
            // async-signal-safe work (an atomic swap, `unlink`, `_exit`), passed as
            // the C library's `sighandler_t`.
            unsafe {
                signal(signum, handler as usize);
            }
        }
    });
    TEMP.store(c.into_raw(), Ordering::SeqCst);
}

/// The temporary file is gone (renamed or removed): a signal no longer removes it.
pub(crate) fn disarm() {
    let path = TEMP.swap(ptr::null_mut(), Ordering::SeqCst);
    if !path.is_null() {
        // SAFETY: `path` came from `CString::into_raw` in `remove_on_signal`, and the
        // swap made this call its only owner (the handler now finds null).
        drop(unsafe { CString::from_raw(path) });
    }
}
