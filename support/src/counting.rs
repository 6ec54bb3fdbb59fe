//! A counting `#[global_allocator]`.
//!
//! It keeps two kinds of count. [`process_allocations`] counts every thread of the
//! process, for a program that owns the whole process (the CLI's `--stats` and `bench`,
//! the examples' main loops). [`measure`] runs a closure with its thread marked and returns the allocations,
//! reallocations and deallocations made meanwhile by every marked thread. Worker
//! threads of a measurement mark themselves with [`TrackThread::start`], so moving work
//! between threads is still counted, while the test harness's own threads (and other
//! tests running in parallel) are not. Measurements in one binary are serialized.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Forwards to the system allocator and counts what marked threads do.
pub struct CountingAlloc;

static PROCESS: AtomicU64 = AtomicU64::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static DEALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static MEASURING: Mutex<()> = Mutex::new(());

thread_local! {
    // `const` initialization with no destructor: reading it never allocates.
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn tracked() -> bool {
    TRACKED.try_with(Cell::get).unwrap_or(false)
}

/// Allocations and reallocations so far by every thread of the process.
pub fn process_allocations() -> u64 {
    PROCESS.load(Ordering::SeqCst)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counting touches only atomics and a const thread-local, neither of which allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        PROCESS.fetch_add(1, Ordering::Relaxed);
        if tracked() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        PROCESS.fetch_add(1, Ordering::Relaxed);
        if tracked() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if tracked() {
            DEALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        PROCESS.fetch_add(1, Ordering::Relaxed);
        if tracked() {
            REALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What marked threads did with the heap during a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Calls to `alloc` and `alloc_zeroed`.
    pub allocs: u64,
    /// Calls to `realloc`.
    pub reallocs: u64,
    /// Calls to `dealloc`.
    pub deallocs: u64,
    /// Bytes asked for by `alloc`, `alloc_zeroed` and `realloc`.
    pub bytes: u64,
}

impl Counts {
    fn now() -> Self {
        Self {
            allocs: ALLOCS.load(Ordering::SeqCst),
            reallocs: REALLOCS.load(Ordering::SeqCst),
            deallocs: DEALLOCS.load(Ordering::SeqCst),
            bytes: BYTES.load(Ordering::SeqCst),
        }
    }

    fn since(self, before: Self) -> Self {
        Self {
            allocs: self.allocs - before.allocs,
            reallocs: self.reallocs - before.reallocs,
            deallocs: self.deallocs - before.deallocs,
            bytes: self.bytes - before.bytes,
        }
    }

    /// Whether nothing was allocated, reallocated or freed.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// Marks the current thread as counted until dropped.
#[must_use = "the thread is counted only while the guard lives"]
pub struct TrackThread {
    was: bool,
}

impl TrackThread {
    /// Starts counting this thread's allocations (for worker threads of a
    /// measurement: call it after the thread was spawned, inside the measured phase).
    pub fn start() -> Self {
        let was = TRACKED.with(|t| t.replace(true));
        Self { was }
    }
}

impl Drop for TrackThread {
    fn drop(&mut self) {
        let was = self.was;
        TRACKED.with(|t| t.set(was));
    }
}

/// Runs `f` with this thread counted and returns its result and what every counted
/// thread did with the heap meanwhile. Measurements in one process run one at a time.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Counts) {
    let _one_at_a_time: MutexGuard<'_, ()> =
        MEASURING.lock().unwrap_or_else(PoisonError::into_inner);
    let before = Counts::now();
    let result = {
        let _track = TrackThread::start();
        f()
    };
    (result, Counts::now().since(before))
}
