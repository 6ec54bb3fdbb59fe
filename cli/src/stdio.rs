//! Whether stdin and stdout were open when the process started. Rust's runtime, before
//! `main`, opens `/dev/null` in place of a closed standard descriptor, so `bufpress -zc
//! a >&-` would write into nothing and end with status 0, and `bufpress -z <&-` would
//! compress an empty input; gzip says "Bad file descriptor" and fails. A function in
//! `.init_array`, which the C library runs before `main`, looks first. (On targets other
//! than Linux nothing looks, and a closed descriptor is `/dev/null`, as before.)

use std::sync::atomic::{AtomicU8, Ordering};

/// Bit `fd` is set when standard descriptor `fd` (0 or 1) was closed at start.
static CLOSED: AtomicU8 = AtomicU8::new(0);

#[cfg(target_os = "linux")]
mod at_start {
    use std::ffi::c_int;
    use std::sync::atomic::Ordering;

    /// `F_GETFD`: fails with `EBADF` on a descriptor that is not open.
    const F_GETFD: c_int = 1;

    // SAFETY: the C library's `fcntl` (POSIX), declared with its C signature; the
    // binary links the C library through std.
    unsafe extern "C" {
        fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    }

    extern "C" fn look() {
        for fd in 0..2 {
            // SAFETY: `F_GETFD` only reads the descriptor's flags; any `fd` is
            // allowed (a closed one gives -1).
            if unsafe { fcntl(fd, F_GETFD) } == -1 {
                super::CLOSED.fetch_or(1 << fd, Ordering::Relaxed);
            }
        }
    }

    // SAFETY: `.init_array` holds pointers to functions the C library calls once,
    // before `main`, on one thread; `look` takes no arguments it reads (the C library
    // may pass `argc`, `argv` and `envp`, which the C calling convention lets it
    // ignore), touches only an atomic and calls `fcntl`.
    #[used]
    #[unsafe(link_section = ".init_array")]
    static LOOK: extern "C" fn() = look;
}

/// Whether standard descriptor `fd` (0 or 1) was closed when the process started.
pub(crate) fn was_closed(fd: u8) -> bool {
    CLOSED.load(Ordering::Relaxed) & (1 << fd) != 0
}
