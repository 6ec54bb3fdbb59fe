//! The measurement: pooled and naive in alternating windows (A B, then B A, ...) in
//! one process, on `threads` worker threads at once, round after round; round 0 is
//! warm-up and is dropped. Each worker times every message, and reads its own heap
//! calls and minor page faults around each window; the main thread reads the
//! resident set size and the Rust allocator's process-wide count between windows.

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use bufpress::pool::PoolRef;
use bufpress_support::counting;

use super::hist::Hist;
use super::paths::{self, Op, Pooled};
use super::sys::{self, Heap};
use crate::failure::Failure;
use crate::format::Format;
use crate::meter;

/// The pooled side's index in `[_; 2]`.
pub(crate) const POOLED: usize = 0;
/// The naive side's index.
pub(crate) const NAIVE: usize = 1;

/// One row's work.
pub(crate) struct Job<'a> {
    /// The format.
    pub(crate) format: Format,
    /// Compress or decompress.
    pub(crate) op: Op,
    /// Worker threads.
    pub(crate) threads: usize,
    /// The inputs: messages, or frames to decompress.
    pub(crate) inputs: &'a [&'a [u8]],
    /// The uncompressed size of each input.
    pub(crate) plain: &'a [usize],
    /// The largest message (what the pooled state is planned for).
    pub(crate) max_message: usize,
    /// Where the pooled path takes its output buffers.
    pub(crate) pool: PoolRef<'static>,
    /// Counted rounds (plus one warm-up round).
    pub(crate) rounds: usize,
    /// Each side's window in a round.
    pub(crate) window: Duration,
    /// The fewest messages a worker does in a window (1 MiB messages take longer
    /// than a window).
    pub(crate) min_msgs: u64,
}

/// One side's window, summed over the workers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window {
    /// Messages done.
    pub(crate) msgs: u64,
    /// Their uncompressed bytes.
    pub(crate) plain: u64,
    /// The longest worker's time.
    pub(crate) secs: f64,
    /// Heap calls (C level, libzstd's included).
    pub(crate) heap: Option<Heap>,
    /// Minor page faults.
    pub(crate) faults: Option<u64>,
    /// Rust allocations by the whole process during the window.
    pub(crate) rust_allocs: u64,
    /// Resident set growth over the window, kB (negative: shrank).
    pub(crate) rss_kb: i64,
}

/// One side's counted rounds.
pub(crate) struct Side {
    /// Per round.
    pub(crate) windows: Vec<Window>,
    /// Per round, every message's latency.
    pub(crate) hists: Vec<Hist>,
}

/// The sides of round `r`, in the order they run.
fn order(r: usize) -> [usize; 2] {
    if r.is_multiple_of(2) {
        [POOLED, NAIVE]
    } else {
        [NAIVE, POOLED]
    }
}

type WorkerOut = [Vec<(Window, Hist)>; 2];

/// Runs `job`: `[pooled, naive]`.
///
/// # Errors
///
/// The first failure of a worker (a codec error, an empty pool).
pub(crate) fn measure(job: &Job<'_>) -> Result<[Side; 2], Failure> {
    let barrier = Barrier::new(job.threads + 1);
    let mut main: [Vec<Window>; 2] = [Vec::new(), Vec::new()];
    let outs: Vec<Result<WorkerOut, Failure>> = thread::scope(|s| {
        let handles: Vec<_> = (0..job.threads)
            .map(|w| {
                let barrier = &barrier;
                s.spawn(move || worker(job, w, barrier))
            })
            .collect();
        for r in 0..=job.rounds {
            for side in order(r) {
                let rss0 = meter::current_rss_kb().unwrap_or(0) as i64;
                let allocs0 = counting::process_allocations();
                barrier.wait();
                barrier.wait();
                let rust_allocs = counting::process_allocations() - allocs0;
                let rss_kb = meter::current_rss_kb().unwrap_or(0) as i64 - rss0;
                if r > 0 {
                    main[side].push(Window {
                        rust_allocs,
                        rss_kb,
                        ..Window::default()
                    });
                }
            }
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::internal("a worker panicked")))
            })
            .collect()
    });
    let mut outs = outs.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok([POOLED, NAIVE].map(|side| combine(&mut outs, side, &main[side])))
}

/// One side's rounds over every worker (round 0 dropped).
fn combine(outs: &mut [WorkerOut], side: usize, main: &[Window]) -> Side {
    let mut windows = Vec::new();
    let mut hists = Vec::new();
    for (r, m) in main.iter().enumerate() {
        let mut sum = *m;
        let mut hist = Hist::new();
        let (mut heap, mut faults) = (Some(Heap::default()), Some(0));
        for out in outs.iter_mut() {
            let (w, h) = &out[side][r + 1];
            sum.msgs += w.msgs;
            sum.plain += w.plain;
            sum.secs = sum.secs.max(w.secs);
            heap = heap.zip(w.heap).map(|(a, b)| Heap {
                calls: a.calls + b.calls,
                bytes: a.bytes + b.bytes,
            });
            faults = faults.zip(w.faults).map(|(a, b)| a + b);
            hist.add(h);
        }
        sum.heap = heap;
        sum.faults = faults;
        windows.push(sum);
        hists.push(hist);
    }
    Side { windows, hists }
}

/// One worker: builds its pooled state, then runs its part of every window. Keeps
/// meeting the barrier after a failure, so the others never wait for it forever.
fn worker(job: &Job<'_>, w: usize, barrier: &Barrier) -> Result<WorkerOut, Failure> {
    let mut state = Pooled::new(job.format, job.max_message);
    // Written in full now, so that filling it later touches no new page.
    let mut out: WorkerOut = [0, 1].map(|_| vec![(Window::default(), Hist::new()); job.rounds + 1]);
    let mut hist = Box::new(Hist::new());
    let mut failed = None;
    for r in 0..=job.rounds {
        for side in order(r) {
            barrier.wait();
            if let (Ok(state), None) = (&mut state, &failed) {
                match (window(job, w, side, state, &mut hist), out[side].get_mut(r)) {
                    (Ok(win), Some(slot)) => *slot = (win, (*hist).clone()),
                    (Ok(_), None) => failed = Some(Failure::internal("bench: no slot")),
                    (Err(e), _) => failed = Some(e),
                }
            }
            barrier.wait();
        }
    }
    state?;
    failed.map_or(Ok(out), Err)
}

/// One window of one side on one worker.
fn window(
    job: &Job<'_>,
    w: usize,
    side: usize,
    state: &mut Pooled,
    hist: &mut Hist,
) -> Result<Window, Failure> {
    *hist = Hist::new();
    let n = job.inputs.len();
    let mut i = w * n / job.threads;
    let (heap0, faults0) = (sys::heap(), sys::minor_faults());
    let start = Instant::now();
    let deadline = start + job.window;
    let (mut t0, mut msgs, mut plain) = (start, 0u64, 0u64);
    loop {
        let (input, len) = (job.inputs[i], job.plain[i]);
        let made = if side == POOLED {
            state.run(job.op, input, job.pool)?
        } else {
            paths::naive(job.format, job.op, input, len)?
        };
        black_box(made);
        let t1 = Instant::now();
        hist.record(t1.duration_since(t0).as_nanos() as u64);
        t0 = t1;
        msgs += 1;
        plain += len as u64;
        i = (i + 1) % n;
        if t1 >= deadline && msgs >= job.min_msgs {
            break;
        }
    }
    let heap = sys::heap().zip(heap0).map(|(b, a)| b.since(a));
    let faults = sys::minor_faults().zip(faults0).map(|(b, a)| b - a);
    Ok(Window {
        msgs,
        plain,
        secs: t0.duration_since(start).as_secs_f64(),
        heap,
        faults,
        ..Window::default()
    })
}
