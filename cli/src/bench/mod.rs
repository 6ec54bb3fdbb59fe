//! `bufpress bench`: bufpress's pooled path against the libraries' naive per-call
//! APIs, like with like (the same data, frame options and output bound: see
//! [`paths`]), in alternating windows repeated over rounds ([`rounds`]), on one
//! thread with 4 KiB, 64 KiB and 1 MiB messages and on one and two threads per core
//! with 1-4 KiB messages: throughput, latency per message, heap calls (libzstd's
//! included), page faults and resident memory, with a verdict per goal ([`report`]).

mod hist;
mod paths;
mod report;
mod rounds;
mod sys;

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bufpress::pool::{Pool, PoolRef};
use bufpress_support::corpus;
use bufpress_support::rng::Rng;

use self::paths::{Op, Pooled};
use self::report::{P99_GOAL, RSS_GOAL_KB, THROUGHPUT_GOAL, Verdict};
pub(crate) use self::report::{QUANTILES, Row};
use self::rounds::{Job, NAIVE, POOLED};
use crate::failure::Failure;
use crate::format::{self, Format};
use crate::svg;

/// Message sizes of the one-thread rows.
const SIZES: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];
/// Formats of the threaded rows (zlib and deflate are gzip's code without its
/// header and trailer).
const THREADED: [Format; 3] = [Format::Lz4, Format::Zstd, Format::Gzip];
/// The threaded rows' message sizes: uniform in this range.
const SMALL_MIN: usize = 1 << 10;
const SMALL_MAX: usize = 4 << 10;
/// The built-in corpora's seed.
const SEED: u64 = 1;
/// The most data read from FILES.
const MAX_FILES: usize = 16 << 20;

/// Output buffers: up to 64 threads with small messages, or one thread with 1 MiB
/// messages (and the round-trip check's second buffer).
const SMALL_BUF: usize = 16 << 10;
const BIG_BUF: usize = 2 << 20;
const MAX_THREADS: usize = 64;
static SMALL: Pool<MAX_THREADS, SMALL_BUF> = Pool::new();
static BIG: Pool<2, BIG_BUF> = Pool::new();

/// How much to measure.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// The one-thread rows' corpus.
    corpus: usize,
    /// The threaded rows' corpus.
    small_corpus: usize,
    /// Counted rounds (one more for warm-up).
    rounds: usize,
    /// Each side's window per round, one thread.
    window: Duration,
    /// The same under threads.
    threaded_window: Duration,
    /// The fewest messages per worker and window.
    min_msgs: u64,
}

/// The default: about a minute.
const FULL: Plan = Plan {
    corpus: 4 << 20,
    small_corpus: 1 << 20,
    rounds: 15,
    window: Duration::from_millis(20),
    threaded_window: Duration::from_millis(60),
    min_msgs: 3,
};

/// `--quick`: a few seconds, for tests (its spreads are wide).
const QUICK: Plan = Plan {
    corpus: 1 << 20,
    small_corpus: 256 << 10,
    rounds: 5,
    window: Duration::from_millis(4),
    threaded_window: Duration::from_millis(10),
    min_msgs: 1,
};

/// Runs the benchmark and prints its table; writes the chart to `plot`.
///
/// # Errors
///
/// A usage failure when a file cannot be read; a data failure when a round trip does
/// not give the message back, or when the pooled path allocated after warm-up.
pub(crate) fn run(files: &[PathBuf], plot: Option<&Path>, quick: bool) -> Result<(), Failure> {
    let plan = if quick { QUICK } else { FULL };
    let (data, small_data, source) = load(files, plan)?;
    let cores = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_THREADS / 2);
    crate::failure::say(format_args!(
        "bufpress bench: {source}; {} rounds of {} ms (one thread) and {} ms ({cores} and {} threads) per side",
        plan.rounds,
        plan.window.as_millis(),
        plan.threaded_window.as_millis(),
        2 * cores
    ));
    let mut rows = Vec::new();
    for format in format::ALL {
        for size in SIZES {
            let messages: Vec<&[u8]> = data.chunks(size).filter(|m| m.len() == size).collect();
            if !messages.is_empty() {
                let what = (format, 1, size_name(size));
                rows.extend(measure_rows(what, &messages, plan.window, plan)?);
            }
        }
    }
    let small = small_messages(&small_data);
    for format in THREADED {
        for threads in [cores, 2 * cores] {
            let what = (format, threads, "1-4 KiB".to_owned());
            rows.extend(measure_rows(what, &small, plan.threaded_window, plan)?);
        }
    }
    // A reader of stdout that went away (`| head`) ends the run quietly, once the
    // chart is written.
    let printed = crate::print_out(&table(&rows, &source, plan, cores));
    if let Some(path) = plot {
        let chart = svg::chart(&rows, &source);
        std::fs::write(path, chart).map_err(|e| Failure::io(&path.display().to_string(), &e))?;
        crate::failure::say(format_args!(
            "bufpress bench: chart written to {}",
            path.display()
        ));
    }
    printed?;
    let allocated: Vec<String> = rows
        .iter()
        .filter(|r| r.pooled_allocated())
        .map(name)
        .collect();
    if !allocated.is_empty() {
        return Err(Failure::Data(format!(
            "bench: the pooled path allocated after warm-up: {}",
            allocated.join(", ")
        )));
    }
    Ok(())
}

/// The one-thread corpus, the threaded rows' corpus, and their description.
fn load(files: &[PathBuf], plan: Plan) -> Result<(Vec<u8>, Vec<u8>, String), Failure> {
    if files.is_empty() {
        let source = format!(
            "built-in corpora: corpus::compressible({} MiB) (text, JSON, binary telemetry in 4 KiB turns) \
             for one thread, corpus::mixed({} KiB) (the same and random bytes) under threads",
            plan.corpus >> 20,
            plan.small_corpus >> 10
        );
        let data = corpus::compressible(plan.corpus, SEED);
        return Ok((data, corpus::mixed(plan.small_corpus, SEED), source));
    }
    let mut data = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let mut file = std::fs::File::open(f).map_err(|e| Failure::io(&name, &e))?;
        let room = (MAX_FILES - data.len()) as u64;
        std::io::Read::by_ref(&mut file)
            .take(room)
            .read_to_end(&mut data)
            .map_err(|e| Failure::io(&name, &e))?;
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Ok((data.clone(), data, names.join(", ")))
}

/// Messages of 1 to 4 KiB cut from `data` in a row.
fn small_messages(data: &[u8]) -> Vec<&[u8]> {
    let mut rng = Rng::new(SEED);
    let mut messages = Vec::new();
    let mut rest = data;
    loop {
        let n = SMALL_MIN + rng.below(SMALL_MAX - SMALL_MIN + 1);
        if rest.len() < n {
            return messages;
        }
        let (m, tail) = rest.split_at(n);
        messages.push(m);
        rest = tail;
    }
}

/// "4 KiB", "64 KiB", "1 MiB".
pub(crate) fn size_name(size: usize) -> String {
    if size >= 1 << 20 {
        format!("{} MiB", size >> 20)
    } else {
        format!("{} KiB", size >> 10)
    }
}

/// "zstd c 2T 1-4 KiB": the row's name in the table and the plot.
pub(crate) fn name(r: &Row) -> String {
    format!(
        "{} {} {}T {}",
        r.format.name(),
        r.op.short(),
        r.threads,
        r.message
    )
}

/// The compress and the decompress row of `format` on `messages`.
fn measure_rows(
    (format, threads, message): (Format, usize, String),
    messages: &[&[u8]],
    window: Duration,
    plan: Plan,
) -> Result<[Row; 2], Failure> {
    let plain: Vec<usize> = messages.iter().map(|m| m.len()).collect();
    let max_message = plain.iter().copied().max().unwrap_or(0);
    let (frames, ratio) = prepare(format, messages, max_message)?;
    let bound = paths::output_bound(format, Op::Compress, max_message).max(max_message);
    let pool: PoolRef<'static> = if bound <= SMALL_BUF && threads <= MAX_THREADS {
        SMALL.pool_ref()
    } else if threads == 1 && bound <= BIG_BUF {
        BIG.pool_ref()
    } else {
        return Err(Failure::internal("bench: no output pool for this row"));
    };
    let frame_refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    let mut rows = Vec::with_capacity(2);
    for (op, inputs) in [(Op::Compress, messages), (Op::Decompress, &frame_refs[..])] {
        let job = Job {
            format,
            op,
            threads,
            inputs,
            plain: &plain,
            max_message,
            pool,
            rounds: plan.rounds,
            window,
            min_msgs: plan.min_msgs,
        };
        let sides = rounds::measure(&job)?;
        let row = Row::new((format, op, threads), message.clone(), ratio, &sides);
        crate::failure::say(format_args!("  {}", short(&row)));
        rows.push(row);
    }
    rows.try_into()
        .map_err(|_| Failure::internal("bench: two rows"))
}

/// The pooled path's frames of `messages` (both sides decompress them), each
/// checked to decode to its message on both sides; the compression ratio of the
/// pooled and the naive frames.
fn prepare(
    format: Format,
    messages: &[&[u8]],
    max_message: usize,
) -> Result<(Vec<Vec<u8>>, [f64; 2]), Failure> {
    let mut state = Pooled::new(format, max_message)?;
    let mut out = BIG.try_acquire().map_err(Failure::internal)?;
    let mut back = BIG.try_acquire().map_err(Failure::internal)?;
    let changed = || Failure::Data("bench: a round trip changed the data".into());
    let (mut plain, mut packed) = (0usize, [0usize; 2]);
    let mut frames = Vec::with_capacity(messages.len());
    for m in messages {
        out.clear();
        back.clear();
        state.run_into(Op::Compress, m, &mut out)?;
        state.run_into(Op::Decompress, &out, &mut back)?;
        let naive_frame = paths::naive_output(format, Op::Compress, m, m.len())?;
        let naive_back = paths::naive_output(format, Op::Decompress, &out, m.len())?;
        if back[..] != **m || naive_back != *m {
            return Err(changed());
        }
        plain += m.len();
        packed[POOLED] += out.len();
        packed[NAIVE] += naive_frame.len();
        frames.push(out.to_vec());
    }
    Ok((frames, packed.map(|p| plain as f64 / p.max(1) as f64)))
}

fn short(r: &Row) -> String {
    format!(
        "{:22} pooled {:.0} MB/s, naive {:.0} MB/s, {:.2}x [{:.2}-{:.2}]",
        name(r),
        r.sides[POOLED].mbps,
        r.sides[NAIVE].mbps,
        r.speedup.median,
        r.speedup.lo,
        r.speedup.hi
    )
}

/// `println!` into a `String` (writing to a `String` cannot fail); `failure::say` is
/// the line on stderr.
macro_rules! push_line {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

fn table(rows: &[Row], source: &str, plan: Plan, cores: usize) -> String {
    let mut out = String::new();
    push_line!(out, "bufpress bench: {source}.");
    push_line!(
        out,
        "pooled = bufpress (codec state built once per thread, output into a buffer of a static pool);"
    );
    push_line!(
        out,
        "naive = the library's per-call API (lz4_flex frame, flate2, zstd::bulk: new state and a new Vec per message)."
    );
    push_line!(
        out,
        "Same frame options, data and output bound on both sides. {} rounds, pooled and naive alternating",
        plan.rounds
    );
    push_line!(
        out,
        "(A B, B A, ...) in windows of {} ms (1 thread) and {} ms ({cores} and {} threads), after one warm-up round.",
        plan.window.as_millis(),
        plan.threaded_window.as_millis(),
        2 * cores
    );
    push_line!(
        out,
        "MB/s of uncompressed data (median over rounds); pooled/naive: median ratio of the rounds [10th-90th percentile];"
    );
    push_line!(
        out,
        "latency per message over every round; allocs and heap KB: every malloc/calloc/realloc (libzstd's too);"
    );
    push_line!(
        out,
        "faults: minor page faults; RSS growth: resident memory added during the side's windows."
    );
    push_line!(out);
    push_line!(out, "{}", report::HEADER);
    push_line!(
        out,
        "|{}",
        "---|".repeat(report::HEADER.matches('|').count() - 1)
    );
    for r in rows {
        push_line!(out, "{}", report::line(r));
    }
    push_line!(out);
    goals(&mut out, rows);
    out
}

fn goals(out: &mut String, rows: &[Row]) {
    let tally = |verdicts: Vec<(String, Verdict)>| {
        let pick = |v: Verdict| -> Vec<String> {
            verdicts
                .iter()
                .filter(|x| x.1 == v)
                .map(|x| x.0.clone())
                .collect()
        };
        let (met, missed, open) = (
            pick(Verdict::Met),
            pick(Verdict::Missed),
            pick(Verdict::Undecided),
        );
        let overall = if !missed.is_empty() {
            Verdict::Missed
        } else if !open.is_empty() {
            Verdict::Undecided
        } else {
            Verdict::Met
        };
        format!(
            "**{}**: {} met; missed: {}; undecided: {}",
            overall.name(),
            met.len(),
            list(&missed),
            list(&open)
        )
    };
    let throughput = rows
        .iter()
        .map(|r| (name(r), r.throughput_verdict()))
        .collect();
    let p99 = rows
        .iter()
        .filter_map(|r| r.p99_verdict().map(|v| (name(r), v)))
        .collect();
    push_line!(
        out,
        "Goals (a spread that crosses its target is undecided):"
    );
    push_line!(
        out,
        "- pooled throughput >= {THROUGHPUT_GOAL:.1}x naive on every row: {}",
        tally(throughput)
    );
    push_line!(
        out,
        "- pooled p99 <= {P99_GOAL}x naive's, zstd and gzip, 1-4 KiB, under threads: {}",
        tally(p99)
    );
    let rss: i64 = rows.iter().map(|r| r.sides[POOLED].rss_kb).sum();
    let naive_rss: i64 = rows.iter().map(|r| r.sides[NAIVE].rss_kb).sum();
    let flat = if rss < RSS_GOAL_KB { "met" } else { "missed" };
    let peak = sys::peak_rss_kb().map_or_else(|| "unknown".into(), |kb| format!("{kb} kB"));
    push_line!(
        out,
        "- RSS flat: the pooled windows added {rss} kB of resident memory in all (goal < {RSS_GOAL_KB} kB): **{flat}** \
         (naive windows: {naive_rss} kB; peak RSS of the run, ru_maxrss: {peak})"
    );
    let allocated = rows.iter().filter(|r| r.pooled_allocated()).count();
    push_line!(
        out,
        "- 0 allocations per message on the pooled path after warm-up: **{}**",
        if allocated == 0 { "met" } else { "missed" }
    );
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
