//! From rounds to a row: medians and spreads, the goals, and the printed table.

use super::paths::Op;
use super::rounds::{NAIVE, POOLED, Side};
use crate::format::Format;

/// Pooled throughput at least this multiple of naive's, on every row.
pub(crate) const THROUGHPUT_GOAL: f64 = 1.0;
/// Pooled p99 latency at most this multiple of naive's (zstd and gzip, small
/// messages, under threads).
pub(crate) const P99_GOAL: f64 = 0.7;
/// "RSS flat": the pooled windows after warm-up grow the resident set by less than
/// this, in kB, summed over every row.
pub(crate) const RSS_GOAL_KB: i64 = 1024;

/// A median and the spread around it over rounds: the 10th to the 90th percentile
/// (wider than the interquartile range, which let verdicts flip between two runs on
/// a busy machine; narrower than min-max, which one preempted round decides).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spread {
    /// The median.
    pub(crate) median: f64,
    /// The 10th percentile.
    pub(crate) lo: f64,
    /// The 90th percentile.
    pub(crate) hi: f64,
}

impl Spread {
    /// Over `values` (NaN when empty).
    pub(crate) fn of(mut values: Vec<f64>) -> Self {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            if values.is_empty() {
                return f64::NAN;
            }
            let x = p * (values.len() - 1) as f64;
            let (i, frac) = (x.floor() as usize, x.fract());
            let next = values[(i + 1).min(values.len() - 1)];
            values[i] + (next - values[i]) * frac
        };
        Self {
            median: q(0.5),
            lo: q(0.1),
            hi: q(0.9),
        }
    }

    /// "1.23x [1.10-1.31]".
    fn show(self) -> String {
        if self.median.is_nan() {
            return "–".into();
        }
        format!("{:.2}x [{:.2}-{:.2}]", self.median, self.lo, self.hi)
    }
}

/// Whether a goal was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The whole spread is on the right side of the target.
    Met,
    /// The whole spread is on the wrong side.
    Missed,
    /// The spread crosses the target.
    Undecided,
}

impl Verdict {
    /// For "at least `target`".
    pub(crate) fn at_least(s: Spread, target: f64) -> Self {
        if s.lo >= target {
            Self::Met
        } else if s.hi < target {
            Self::Missed
        } else {
            Self::Undecided
        }
    }

    /// For "at most `target`".
    pub(crate) fn at_most(s: Spread, target: f64) -> Self {
        if s.hi <= target {
            Self::Met
        } else if s.lo > target {
            Self::Missed
        } else {
            Self::Undecided
        }
    }

    /// "met", "missed", "undecided".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Missed => "missed",
            Self::Undecided => "undecided",
        }
    }
}

/// One side of a row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SideStats {
    /// Median over rounds of MB/s (uncompressed bytes).
    pub(crate) mbps: f64,
    /// Latency percentiles over every message of every round, µs: p50, p90, p99, p99.9.
    pub(crate) latency: [f64; 4],
    /// Heap calls per message (C level), if counted.
    pub(crate) allocs: Option<f64>,
    /// Bytes asked of the heap per message.
    pub(crate) bytes: Option<f64>,
    /// Minor page faults per message.
    pub(crate) faults: Option<f64>,
    /// Rust allocations by the process during the side's windows.
    pub(crate) rust_allocs: u64,
    /// Resident set growth summed over the side's windows (growth only), kB.
    pub(crate) rss_kb: i64,
}

/// The latency percentiles reported.
pub(crate) const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

fn side_stats(side: &Side) -> SideStats {
    let mbps = Spread::of(
        side.windows
            .iter()
            .map(|w| w.plain as f64 / 1e6 / w.secs.max(1e-9))
            .collect(),
    )
    .median;
    let mut all = super::hist::Hist::new();
    side.hists.iter().for_each(|h| all.add(h));
    let msgs: u64 = side.windows.iter().map(|w| w.msgs).sum();
    let per = |x: u64| x as f64 / msgs.max(1) as f64;
    let heap = side.windows.iter().try_fold((0, 0), |(c, b), w| {
        w.heap.map(|h| (c + h.calls, b + h.bytes))
    });
    let faults = side
        .windows
        .iter()
        .try_fold(0, |f, w| w.faults.map(|x| f + x));
    SideStats {
        mbps,
        latency: QUANTILES.map(|q| all.quantile_us(q)),
        allocs: heap.map(|h| per(h.0)),
        bytes: heap.map(|h| per(h.1)),
        faults: faults.map(per),
        rust_allocs: side.windows.iter().map(|w| w.rust_allocs).sum(),
        rss_kb: side.windows.iter().map(|w| w.rss_kb.max(0)).sum(),
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The format.
    pub(crate) format: Format,
    /// Compress or decompress.
    pub(crate) op: Op,
    /// Worker threads.
    pub(crate) threads: usize,
    /// "4 KiB", "1-4 KiB".
    pub(crate) message: String,
    /// Compression ratio of the pooled and the naive frames.
    pub(crate) ratio: [f64; 2],
    /// `[pooled, naive]`.
    pub(crate) sides: [SideStats; 2],
    /// Pooled / naive throughput, per round.
    pub(crate) speedup: Spread,
    /// Pooled / naive p99 latency, per round.
    pub(crate) p99: Spread,
    /// Whether the p99 goal applies to this row.
    pub(crate) p99_goal: bool,
}

impl Row {
    /// The row for a measured job.
    pub(crate) fn new(
        (format, op, threads): (Format, Op, usize),
        message: String,
        ratio: [f64; 2],
        sides: &[Side; 2],
    ) -> Self {
        let (p, n) = (&sides[POOLED], &sides[NAIVE]);
        let speedup = Spread::of(
            p.windows
                .iter()
                .zip(&n.windows)
                .map(|(a, b)| (a.plain as f64 / a.secs) / (b.plain as f64 / b.secs))
                .collect(),
        );
        let p99 = Spread::of(
            p.hists
                .iter()
                .zip(&n.hists)
                .map(|(a, b)| a.quantile_us(0.99) / b.quantile_us(0.99))
                .collect(),
        );
        Self {
            format,
            op,
            threads,
            message,
            ratio,
            sides: [side_stats(p), side_stats(n)],
            speedup,
            p99,
            p99_goal: threads > 1 && matches!(format, Format::Zstd | Format::Gzip),
        }
    }

    /// The throughput goal's verdict.
    pub(crate) fn throughput_verdict(&self) -> Verdict {
        Verdict::at_least(self.speedup, THROUGHPUT_GOAL)
    }

    /// The p99 goal's verdict, where it applies.
    pub(crate) fn p99_verdict(&self) -> Option<Verdict> {
        self.p99_goal.then(|| Verdict::at_most(self.p99, P99_GOAL))
    }

    /// Whether the pooled path allocated after warm-up (C or Rust level).
    pub(crate) fn pooled_allocated(&self) -> bool {
        let p = self.sides[POOLED];
        p.allocs.is_some_and(|a| a > 0.0) || p.rust_allocs > 0
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{x:.digits$}"))
}

fn lat(s: &SideStats) -> String {
    let [p50, _, p99, p999] = s.latency;
    format!("{p50:.1} / {p99:.1} / {p999:.1}")
}

/// The column headers (the CLI's tests read the cells by position).
pub(crate) const HEADER: &str = "| format | op | threads | message | ratio pooled / naive \
     | MB/s pooled | MB/s naive | pooled/naive [p10-p90] | µs p50 / p99 / p99.9 pooled \
     | µs p50 / p99 / p99.9 naive | p99 pooled/naive [p10-p90] | allocs/msg pooled / naive \
     | heap KB/msg pooled / naive | faults/msg pooled / naive | RSS growth kB pooled / naive \
     | goals |";

/// One line of the table.
pub(crate) fn line(r: &Row) -> String {
    let (p, n) = (&r.sides[POOLED], &r.sides[NAIVE]);
    let ratio = match r.op {
        Op::Compress => format!("{:.2} / {:.2}", r.ratio[POOLED], r.ratio[NAIVE]),
        Op::Decompress => format!("{:.2} (same frames)", r.ratio[POOLED]),
    };
    let mut goals = format!(
        ">= {THROUGHPUT_GOAL:.1}x: {}",
        r.throughput_verdict().name()
    );
    if let Some(v) = r.p99_verdict() {
        goals += &format!("; p99 <= {P99_GOAL}x: {}", v.name());
    }
    format!(
        "| {} | {} | {} | {} | {ratio} | {:.0} | {:.0} | {} | {} | {} | {} | {} / {} | {} / {} | {} / {} | {} / {} | {goals} |",
        r.format.name(),
        r.op.short(),
        r.threads,
        r.message,
        p.mbps,
        n.mbps,
        r.speedup.show(),
        lat(p),
        lat(n),
        r.p99.show(),
        opt(p.allocs, 1),
        opt(n.allocs, 1),
        opt(p.bytes.map(|b| b / 1e3), 1),
        opt(n.bytes.map(|b| b / 1e3), 1),
        opt(p.faults, 2),
        opt(n.faults, 2),
        p.rss_kb,
        n.rss_kb,
    )
}
