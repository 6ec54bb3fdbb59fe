//! C-level `malloc` counting (glibc), shared by the zero-allocation tests and
//! benchmarks that must see libzstd's own allocations: this file interposes `malloc`,
//! `calloc` and `realloc` (forwarding to glibc's `__libc_*`) and counts the calls made
//! by a thread while it is tracked. Included with `mod c_malloc;` from `tests/tests`
//! and `#[path = "../tests/c_malloc/mod.rs"] mod c_malloc;` from `tests/benches`: the
//! symbols must be in the test binary itself, so this is a module, not a library item.
//! Rust's own allocations reach `malloc` through `System` too, so the C count includes
//! them.
#![allow(unsafe_code, dead_code, unreachable_pub)]

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};

use bufpress_tests::counting::{Counts, measure};

static C_CALLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // `const`, no destructor: reading it from `malloc` never allocates.
    static C_TRACKED: Cell<bool> = const { Cell::new(false) };
}

unsafe extern "C" {
    fn __libc_malloc(size: usize) -> *mut c_void;
    fn __libc_calloc(n: usize, size: usize) -> *mut c_void;
    fn __libc_realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
}

fn count_c_call() {
    if C_TRACKED.try_with(Cell::get).unwrap_or(false) {
        C_CALLS.fetch_add(1, Ordering::Relaxed);
    }
}

/// # Safety
///
/// C's `malloc` contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    count_c_call();
    // SAFETY: forwards to glibc's allocator with the caller's argument.
    unsafe { __libc_malloc(size) }
}

/// # Safety
///
/// C's `calloc` contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
    count_c_call();
    // SAFETY: forwards to glibc's allocator with the caller's arguments.
    unsafe { __libc_calloc(n, size) }
}

/// # Safety
///
/// C's `realloc` contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    count_c_call();
    // SAFETY: forwards to glibc's allocator with the caller's arguments.
    unsafe { __libc_realloc(ptr, size) }
}

/// Rust's counts and the C-level `malloc`/`calloc`/`realloc` calls made by this thread
/// while `f` runs.
pub(crate) fn measure_all<R>(f: impl FnOnce() -> R) -> (R, Counts, u64) {
    let ((r, c), counts) = measure(|| {
        let before = C_CALLS.load(Ordering::SeqCst);
        C_TRACKED.with(|t| t.set(true));
        let r = f();
        C_TRACKED.with(|t| t.set(false));
        (r, C_CALLS.load(Ordering::SeqCst) - before)
    });
    (r, counts, c)
}
