//! What `bench` reads from the C library, walled in here: every `malloc`, `calloc` and
//! `realloc` of the process counted per thread (libzstd's included), and
//! `getrusage` (minor page faults per thread, the process's peak RSS).
//!
//! The counting allocator of `bufpress-support` sees only Rust's allocations; libzstd
//! is C and calls `malloc` directly. This binary therefore defines the C symbols
//! `malloc`, `calloc` and `realloc` (an executable's definitions win over glibc's for
//! every caller, libzstd and Rust's `System` allocator alike), counts each call and
//! its size in two thread-locals and forwards to glibc's `__libc_malloc` & co.
//! `tests/tests/std_zstd_zero_alloc.rs` counts libzstd's mallocs the same way.
//! `posix_memalign` (Rust allocations aligned to more than 16 bytes) is not counted.
//! Only on glibc Linux with 64-bit pointers; elsewhere the counts are `None`.

/// Heap calls made by this thread so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Heap {
    /// Calls to `malloc`, `calloc` and `realloc`.
    pub(crate) calls: u64,
    /// Bytes asked for.
    pub(crate) bytes: u64,
}

impl Heap {
    /// What happened between `before` and `self`.
    pub(crate) fn since(self, before: Self) -> Self {
        Self {
            calls: self.calls - before.calls,
            bytes: self.bytes - before.bytes,
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
mod imp {
    use std::cell::Cell;
    use std::ffi::{c_int, c_long, c_void};

    use super::Heap;

    thread_local! {
        // `const`, no destructor: reading them from `malloc` never allocates.
        static CALLS: Cell<u64> = const { Cell::new(0) };
        static BYTES: Cell<u64> = const { Cell::new(0) };
    }

    fn count(bytes: usize) {
        let _ = CALLS.try_with(|c| c.set(c.get() + 1));
        let _ = BYTES.try_with(|b| b.set(b.get() + bytes as u64));
    }

    pub(crate) fn heap() -> Option<Heap> {
        Some(Heap {
            calls: CALLS.try_with(Cell::get).ok()?,
            bytes: BYTES.try_with(Cell::get).ok()?,
        })
    }

    /// `struct rusage` on 64-bit Linux: two `timeval`s, then 14 `long`s.
    #[repr(C)]
    struct RUsage {
        utime: [c_long; 2],
        stime: [c_long; 2],
        longs: [c_long; 14],
    }
    const MAXRSS: usize = 0;
    const MINFLT: usize = 4;
    const RUSAGE_SELF: c_int = 0;
    const RUSAGE_THREAD: c_int = 1;

    unsafe extern "C" {
        fn __libc_malloc(size: usize) -> *mut c_void;
        fn __libc_calloc(n: usize, size: usize) -> *mut c_void;
        fn __libc_realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
        fn getrusage(who: c_int, usage: *mut RUsage) -> c_int;
    }

    fn rusage(who: c_int) -> Option<RUsage> {
        let mut r = RUsage {
            utime: [0; 2],
            stime: [0; 2],
            longs: [0; 14],
        };
        // SAFETY: `r` is a writable `struct rusage` (its 64-bit Linux layout).
        (unsafe { getrusage(who, &mut r) } == 0).then_some(r)
    }

    pub(crate) fn minor_faults() -> Option<u64> {
        rusage(RUSAGE_THREAD).map(|r| r.longs[MINFLT] as u64)
    }

    pub(crate) fn peak_rss_kb() -> Option<u64> {
        rusage(RUSAGE_SELF).map(|r| r.longs[MAXRSS] as u64)
    }

    /// # Safety
    ///
    /// C's `malloc` contract.
    #[unsafe(no_mangle)]
    pub(super) unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
        count(size);
        // SAFETY: forwards to glibc's allocator with the caller's argument.
        unsafe { __libc_malloc(size) }
    }

    /// # Safety
    ///
    /// C's `calloc` contract.
    #[unsafe(no_mangle)]
    pub(super) unsafe extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
        count(n.saturating_mul(size));
        // SAFETY: forwards to glibc's allocator with the caller's arguments.
        unsafe { __libc_calloc(n, size) }
    }

    /// # Safety
    ///
    /// C's `realloc` contract.
    #[unsafe(no_mangle)]
    pub(super) unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
        count(size);
        // SAFETY: forwards to glibc's allocator with the caller's arguments.
        unsafe { __libc_realloc(ptr, size) }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
mod imp {
    use super::Heap;

    pub(crate) fn heap() -> Option<Heap> {
        None
    }

    pub(crate) fn minor_faults() -> Option<u64> {
        None
    }

    pub(crate) fn peak_rss_kb() -> Option<u64> {
        None
    }
}

/// This thread's heap calls so far (C level: Rust's allocations included).
pub(crate) fn heap() -> Option<Heap> {
    imp::heap()
}

/// This thread's minor page faults so far (`getrusage(RUSAGE_THREAD).ru_minflt`).
pub(crate) fn minor_faults() -> Option<u64> {
    imp::minor_faults()
}

/// The process's peak resident set size in kB (`getrusage(RUSAGE_SELF).ru_maxrss`).
pub(crate) fn peak_rss_kb() -> Option<u64> {
    imp::peak_rss_kb()
}
