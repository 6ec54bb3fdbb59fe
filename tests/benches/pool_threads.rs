//! The pool as a user's threads see it: round trips per second with one and two
//! threads on one pool, every design in one process, interleaved, repeated.
//!
//! One *sample* runs T worker threads (1 or 2) on one design. The workers start
//! together (each reports ready, then all spin until a shared `go` flag), loop
//! acquire + release until a shared `stop` flag (checked every 64 round trips), and
//! each records its own start, end and count. The sample's result is the total count
//! over the wall time from the first start to the last end: round trips per second of
//! the whole program, both threads timed. A *round* takes one sample of every
//! (design, threads) pair, in an order that rotates from round to round; the report
//! gives, over the rounds, the median and the 10th-90th percentile spread of the
//! nanoseconds per round trip (wall time / total round trips) and of the ratios, each
//! ratio taken within one round (its two designs measured a few milliseconds apart).
//!
//! Each worker's time on a core comes from `/proc/thread-self/schedstat`. A sample in
//! which a worker was off its core for more than a tenth of its run is taken again (up
//! to 20 times); on a loaded machine two threads often take turns on one core, and then
//! they do not contend. The two-thread targets are decided only on the rounds in which
//! both threads had a core.
//!
//! `--explain` also runs the two-thread case the way the criterion bench (`pool.rs`)
//! used to: a `std::sync::Barrier`, a fixed count on each thread, only the calling
//! thread timed; it prints how much of that timed window the other thread ran in.
//!
//! Usage: `cargo bench -p bufpress-tests --bench pool_threads -- [--rounds N]
//! [--window-ms MS] [--explain]` (`.ci/bench-pool` runs it).

use std::hint::black_box;
use std::mem::MaybeUninit;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bufpress::pool::Pool;
use bufpress_std::cache::Cache;
use crossbeam_queue::SegQueue;
use heapless::pool::object::{ObjectBlock, ObjectPool};

const BUFS: usize = 64;
const SIZE: usize = 4096;
/// Round trips between two reads of the `stop` flag.
const BATCH: u64 = 64;
/// Buffers a per-thread cache holds at most.
const CACHED: usize = 16;
/// A sample counts when each worker was on a core this share of its run...
const ON_CPU: f64 = 0.9;
/// ...else it is taken again, at most this many times.
const RETRIES: usize = 20;
/// Two-thread targets are decided on at least this many rounds with both threads on a core.
const MIN_PAR: usize = 5;

static BUFPRESS: Pool<BUFS, SIZE> = Pool::new();
static BUFPRESS_CACHED: Pool<BUFS, SIZE> = Pool::new();

mod peers {
    // The macros expand to undocumented `pub` items and to `(n + 31) / 32`.
    #![allow(missing_docs, unreachable_pub, clippy::manual_div_ceil)]
    use super::{BUFS, MaybeUninit, SIZE};
    heapless::object_pool!(Heapless: [u8; SIZE]);
    atomic_pool::pool!(pub AtomicUninit: [[MaybeUninit<u8>; SIZE]; BUFS]);
}
use peers::{AtomicUninit, Heapless};

/// The designs, in the table's order.
const DESIGNS: [&str; 5] = [
    "bufpress",
    "bufpress_cached",
    "heapless",
    "segqueue",
    "atomic_pool_uninit",
];

/// One sample's outcome.
#[derive(Clone, Copy)]
struct Sample {
    /// Wall time from the first worker's start to the last one's end, per round trip.
    ns_per_trip: f64,
    /// The smallest worker count over the largest (1.0: the threads progressed alike).
    fairness: f64,
    /// The smallest share of its own run that a worker spent on a core (the kernel's
    /// schedstat): near 1.0 when every thread had a core, near 0.5 when two threads
    /// took turns on one core (then they did not contend at all).
    on_cpu: f64,
}

/// Nanoseconds this thread has spent on a core (`/proc/thread-self/schedstat`; 0 where
/// the kernel does not say).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs `threads` workers on one design for about `window`. Each worker makes its
/// own state with `local` (a per-thread cache, or nothing) and loops `op` on it.
fn sample<L, M, F>(threads: usize, window: Duration, local: &M, op: &F) -> Sample
where
    M: Fn() -> L + Sync,
    F: Fn(&mut L) + Sync,
{
    let ready = AtomicUsize::new(0);
    let go = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let runs: Vec<(Instant, Instant, u64, u64)> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut state = local();
                    // Warm this thread's path (and its cache) before the start.
                    for _ in 0..BATCH {
                        op(&mut state);
                    }
                    ready.fetch_add(1, Ordering::AcqRel);
                    while !go.load(Ordering::Acquire) {
                        std::hint::spin_loop();
                    }
                    let cpu = cpu_ns();
                    let start = Instant::now();
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..BATCH {
                            op(&mut state);
                        }
                        n += BATCH;
                    }
                    let end = Instant::now();
                    let cpu = cpu_ns() - cpu;
                    drop(state);
                    (start, end, n, cpu)
                })
            })
            .collect();
        while ready.load(Ordering::Acquire) < threads {
            thread::yield_now();
        }
        go.store(true, Ordering::Release);
        thread::sleep(window);
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let first = runs.iter().map(|r| r.0).min().unwrap();
    let last = runs.iter().map(|r| r.1).max().unwrap();
    let total: u64 = runs.iter().map(|r| r.2).sum();
    let min = runs.iter().map(|r| r.2).min().unwrap();
    let max = runs.iter().map(|r| r.2).max().unwrap();
    let on_cpu = runs
        .iter()
        .map(|r| r.3 as f64 / (r.1 - r.0).as_nanos() as f64)
        .fold(f64::INFINITY, f64::min);
    Sample {
        ns_per_trip: (last - first).as_nanos() as f64 / total as f64,
        fairness: min as f64 / max as f64,
        on_cpu: on_cpu.min(1.0),
    }
}

/// One sample of `design` with `threads` threads.
fn run(design: &str, threads: usize, window: Duration, queue: &SegQueue<Vec<u8>>) -> Sample {
    let none = || ();
    match design {
        "bufpress" => sample(threads, window, &none, &|_: &mut ()| {
            let buf = BUFPRESS.try_acquire().expect("bufpress pool exhausted");
            black_box(buf.as_ptr());
        }),
        "bufpress_cached" => sample(
            threads,
            window,
            &|| Cache::<CACHED>::new(BUFPRESS_CACHED.pool_ref()),
            &|cache: &mut Cache<'static, CACHED>| {
                let buf = cache.try_acquire().expect("bufpress pool exhausted");
                black_box(buf.as_ptr());
            },
        ),
        "heapless" => sample(threads, window, &none, &|_: &mut ()| {
            let obj = <Heapless as ObjectPool>::request().expect("heapless pool exhausted");
            black_box(obj.as_ptr());
        }),
        "segqueue" => sample(threads, window, &none, &|_: &mut ()| {
            let v = queue.pop().expect("SegQueue pool exhausted");
            black_box(v.as_ptr());
            queue.push(v);
        }),
        "atomic_pool_uninit" => sample(threads, window, &none, &|_: &mut ()| {
            let b = atomic_pool::Box::<AtomicUninit>::new([MaybeUninit::uninit(); SIZE])
                .expect("atomic-pool exhausted");
            black_box(b.as_ptr());
        }),
        _ => unreachable!("unknown design {design}"),
    }
}

/// The criterion bench's old two-thread case, for one design: `iters` round trips on
/// a spawned thread and on this one, started by a `Barrier`, only this one timed.
/// Returns (this thread's ns per round trip, both threads' wall time per round trip,
/// the share of this thread's timed window in which the other thread ran).
fn criterion_style(iters: u64, op: &(impl Fn() + Sync)) -> (f64, f64, f64) {
    let start = Barrier::new(2);
    let (t0, t1, other) = thread::scope(|s| {
        let other = s.spawn(|| {
            start.wait();
            let a = Instant::now();
            for _ in 0..iters {
                op();
            }
            (a, Instant::now())
        });
        start.wait();
        let t0 = Instant::now();
        for _ in 0..iters {
            op();
        }
        let t1 = Instant::now();
        (t0, t1, other.join().unwrap())
    });
    let timed = (t1 - t0).as_nanos() as f64;
    let overlap_start = t0.max(other.0);
    let overlap_end = t1.min(other.1);
    let overlap = overlap_end
        .saturating_duration_since(overlap_start)
        .as_nanos() as f64;
    let wall = (t1.max(other.1) - t0.min(other.0)).as_nanos() as f64;
    (
        timed / iters as f64,
        wall / (2 * iters) as f64,
        overlap / timed,
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Median and 10th-90th percentile spread.
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (
        percentile(&v, 0.5),
        percentile(&v, 0.1),
        percentile(&v, 0.9),
    )
}

fn fmt3(values: &[f64], digits: usize) -> String {
    if values.is_empty() {
        return "–".into();
    }
    let (m, lo, hi) = stats(values);
    format!("{m:.digits$} ({lo:.digits$}-{hi:.digits$})")
}

/// met / missed / undecided for "ratio <= target" (or ">= target" when `at_least`),
/// from the ratio's spread over the rounds.
fn verdict(ratios: &[f64], target: f64, at_least: bool) -> &'static str {
    let (_, lo, hi) = stats(ratios);
    let (good, bad) = if at_least {
        (lo >= target, hi < target)
    } else {
        (hi <= target, lo > target)
    };
    match (good, bad) {
        (true, _) => "met",
        (_, true) => "**missed**",
        _ => "undecided (the spread crosses the target)",
    }
}

struct Args {
    rounds: usize,
    window: Duration,
    explain: bool,
}

fn args() -> Args {
    let mut a = Args {
        rounds: 20,
        window: Duration::from_millis(40),
        explain: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => {
                a.rounds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .expect("--rounds N (at least 1)");
            }
            "--window-ms" => {
                let ms = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--window-ms MS");
                a.window = Duration::from_millis(ms);
            }
            "--explain" => a.explain = true,
            // cargo bench passes `--bench`; criterion-style filters are ignored.
            _ => {}
        }
    }
    a
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let a = args();
    for _ in 0..BUFS {
        let block: &'static mut ObjectBlock<[u8; SIZE]> =
            Box::leak(Box::new(ObjectBlock::new([0; SIZE])));
        <Heapless as ObjectPool>::manage(block);
    }
    let queue = SegQueue::new();
    for _ in 0..BUFS {
        queue.push(Vec::<u8>::with_capacity(SIZE));
    }
    let cores = thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "pool_threads: {} rounds, {} ms per sample, {} pool buffers of {} bytes, {} cores, \
         load average before: {}",
        a.rounds,
        a.window.as_millis(),
        BUFS,
        SIZE,
        cores,
        load_average()
    );

    // ns[design][threads - 1][round]
    let mut ns = vec![[Vec::new(), Vec::new()]; DESIGNS.len()];
    let mut fair = vec![Vec::new(); DESIGNS.len()];
    let mut on_cpu = vec![[Vec::new(), Vec::new()]; DESIGNS.len()];
    let pairs: Vec<(usize, usize)> = (0..DESIGNS.len()).flat_map(|d| [(d, 1), (d, 2)]).collect();
    let began = Instant::now();
    let (mut taken, mut kept) = (0, 0);
    for round in 0..a.rounds {
        for k in 0..pairs.len() {
            let (d, threads) = pairs[(k + round * 3) % pairs.len()];
            // A sample in which a worker was off its core for more than a tenth of the
            // time (other load on the machine) is taken again, up to RETRIES times: two
            // threads taking turns on one core do not contend, and would measure a
            // single thread twice.
            let mut s = run(DESIGNS[d], threads, a.window, &queue);
            taken += 1;
            for _ in 0..RETRIES {
                if s.on_cpu >= ON_CPU {
                    break;
                }
                s = run(DESIGNS[d], threads, a.window, &queue);
                taken += 1;
            }
            kept += usize::from(s.on_cpu >= ON_CPU);
            ns[d][threads - 1].push(s.ns_per_trip);
            on_cpu[d][threads - 1].push(s.on_cpu);
            if threads == 2 {
                fair[d].push(s.fairness);
            }
        }
    }
    println!(
        "measured in {:.1} s; load average after: {}; {} of {} samples had every worker \
         on a core >= {:.0}% of its run ({} samples taken in all, retrying up to {} times)",
        began.elapsed().as_secs_f64(),
        load_average(),
        kept,
        a.rounds * pairs.len(),
        ON_CPU * 100.0,
        taken,
        RETRIES
    );
    println!();
    println!(
        "ns per acquire+release round trip = wall time / round trips of all threads \
         (1/throughput); median (10th-90th percentile) over the rounds"
    );
    println!();
    println!(
        "| design | 1 thread | 2 threads, ns per trip of the pair | 2 threads, each thread's \
         round trip | throughput 2T / 1T | slower thread's share of the faster's count | \
         on-core share, 1T / 2T |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let scaling = |d: usize| -> Vec<f64> {
        ns[d][0]
            .iter()
            .zip(&ns[d][1])
            .map(|(one, two)| one / two)
            .collect()
    };
    for (d, name) in DESIGNS.iter().enumerate() {
        let each: Vec<f64> = ns[d][1].iter().map(|v| v * 2.0).collect();
        println!(
            "| {name} | {} | {} | {} | {}x | {} | {} / {} |",
            fmt3(&ns[d][0], 1),
            fmt3(&ns[d][1], 1),
            fmt3(&each, 1),
            fmt3(&scaling(d), 2),
            fmt3(&fair[d], 2),
            fmt3(&on_cpu[d][0], 2),
            fmt3(&on_cpu[d][1], 2)
        );
    }
    let ratio = |a: usize, b: usize, t: usize| -> Vec<f64> {
        ns[a][t].iter().zip(&ns[b][t]).map(|(x, y)| x / y).collect()
    };
    let idx = |name: &str| DESIGNS.iter().position(|d| *d == name).unwrap();
    // The two-thread samples in which both threads had a core (true contention): rounds
    // `i` where every named design's sample qualifies.
    let par_rounds = |ds: &[usize]| -> Vec<usize> {
        (0..ns[0][1].len())
            .filter(|&i| ds.iter().all(|&d| on_cpu[d][1][i] >= ON_CPU))
            .collect()
    };
    let pick = |v: &[f64], rounds: &[usize]| -> Vec<f64> { rounds.iter().map(|&i| v[i]).collect() };
    println!();
    println!(
        "Two threads, only the samples in which both threads were on a core >= {:.0}% of \
         their run (they contended; the rest took turns on one core):",
        ON_CPU * 100.0
    );
    println!();
    println!(
        "| design | samples | 2 threads, ns per trip of the pair | each thread's round trip | \
         throughput 2T / 1T (same round) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (d, name) in DESIGNS.iter().enumerate() {
        let r = par_rounds(&[d]);
        let two = pick(&ns[d][1], &r);
        let each: Vec<f64> = two.iter().map(|v| v * 2.0).collect();
        println!(
            "| {name} | {} | {} | {} | {}x |",
            r.len(),
            fmt3(&two, 1),
            fmt3(&each, 1),
            fmt3(&pick(&scaling(d), &r), 2)
        );
    }
    println!();
    println!("Ratios per round (same round, same load), median (10th-90th percentile):");
    println!();
    println!("| design | vs | 1 thread | 2 threads | 2 threads, both contending (rounds) |");
    println!("|---|---|---:|---:|---:|");
    for a_name in ["bufpress", "bufpress_cached"] {
        for b_name in ["heapless", "segqueue", "atomic_pool_uninit", "bufpress"] {
            if a_name == b_name {
                continue;
            }
            let (x, y) = (idx(a_name), idx(b_name));
            let r = par_rounds(&[x, y]);
            println!(
                "| {a_name} | {b_name} | {}x | {}x | {}x ({}) |",
                fmt3(&ratio(x, y, 0), 2),
                fmt3(&ratio(x, y, 1), 2),
                fmt3(&pick(&ratio(x, y, 1), &r), 2),
                r.len()
            );
        }
    }
    println!();
    println!(
        "Targets (met: the whole 10th-90th percentile spread is on the right side; \
         missed: all of it on the wrong side; else undecided):"
    );
    println!();
    println!("| target | design | ratio, median (10th-90th) | status |");
    println!("|---|---|---:|---|");
    // Two threads that took turns on one core did not contend: a two-thread target is
    // decided on the rounds in which they contended, and only when there are MIN_PAR.
    for name in ["bufpress", "bufpress_cached"] {
        let d = idx(name);
        let q = idx("segqueue");
        let both = par_rounds(&[d, q]);
        let alone = par_rounds(&[d]);
        let checks: [(&str, Vec<f64>, f64, bool, bool); 3] = [
            (
                "2 threads <= 1.0x SegQueue's ns per trip",
                pick(&ratio(d, q, 1), &both),
                1.0,
                false,
                true,
            ),
            (
                "2-thread throughput >= 1.8x 1-thread",
                pick(&scaling(d), &alone),
                1.8,
                true,
                true,
            ),
            (
                "1 thread <= 0.5x heapless's round trip",
                ratio(d, idx("heapless"), 0),
                0.5,
                false,
                false,
            ),
        ];
        for (label, r, target, at_least, two) in checks {
            let status = if two && r.len() < MIN_PAR {
                format!(
                    "undecided: only {} rounds had both threads on a core (need {MIN_PAR}); \
                     run on an idle machine",
                    r.len()
                )
            } else {
                verdict(&r, target, at_least).to_string()
            };
            let rounds = if two {
                format!(" ({} rounds)", r.len())
            } else {
                String::new()
            };
            println!("| {label} | {name} | {}x{rounds} | {status} |", fmt3(&r, 2));
        }
    }

    if a.explain {
        explain(a.rounds, &queue);
    }
}

/// The old criterion two-thread case, interleaved the same way, for bufpress and
/// SegQueue.
fn explain(rounds: usize, queue: &SegQueue<Vec<u8>>) {
    const ITERS: u64 = 200_000;
    let bufpress = || {
        let buf = BUFPRESS.try_acquire().expect("bufpress pool exhausted");
        black_box(buf.as_ptr());
    };
    let segqueue = || {
        let v = queue.pop().expect("SegQueue pool exhausted");
        black_box(v.as_ptr());
        queue.push(v);
    };
    let mut out: [[Vec<f64>; 3]; 2] = Default::default();
    for round in 0..rounds {
        for k in 0..2 {
            let d = (k + round) % 2;
            let (timed, wall, overlap) = if d == 0 {
                criterion_style(ITERS, &bufpress)
            } else {
                criterion_style(ITERS, &segqueue)
            };
            out[d][0].push(timed);
            out[d][1].push(wall);
            out[d][2].push(overlap);
        }
    }
    println!();
    println!(
        "The criterion bench's two-thread case ({ITERS} round trips per thread, Barrier \
         start, only the calling thread timed), {rounds} rounds interleaved:"
    );
    println!();
    println!(
        "| design | timed thread's ns per trip (what criterion reported) | both threads' wall \
         time per trip | share of the timed window the other thread ran in |"
    );
    println!("|---|---:|---:|---:|");
    for (d, name) in ["bufpress", "segqueue"].iter().enumerate() {
        println!(
            "| {name} | {} | {} | {} |",
            fmt3(&out[d][0], 1),
            fmt3(&out[d][1], 1),
            fmt3(&out[d][2], 2)
        );
    }
}
