//! The `bench --plot` chart, written by hand: two panels over the same rows. Top,
//! throughput (MB/s, pooled next to naive, log scale, with the median ratio and its
//! spread). Bottom, the latency distribution per message (µs, log scale): for each
//! side a line from p50 to p99.9 with marks at p50, p90, p99 and p99.9.

use std::fmt::Write as _;

use crate::bench::{QUANTILES, Row, name};

const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const GROUP: f64 = 30.0;
const PANEL: f64 = 260.0;
/// Top of the throughput panel, of the latency panel; room for labels below.
const TOP1: f64 = 60.0;
const TOP2: f64 = TOP1 + PANEL + 50.0;
const LABELS: f64 = 110.0;
const POOLED: &str = "#1f77b4";
const NAIVE: &str = "#ff7f0e";

/// A log axis from 10^lo to 10^hi over a panel starting at `top`.
#[derive(Clone, Copy)]
struct Axis {
    lo: i32,
    hi: i32,
    top: f64,
}

impl Axis {
    fn y(self, v: f64) -> f64 {
        let span = f64::from(self.hi - self.lo);
        let t = (v.max(1e-9).log10() - f64::from(self.lo)).clamp(0.0, span) / span;
        self.top + PANEL - t * PANEL
    }

    fn grid(self, s: &mut String, width: f64, unit: &str) {
        for d in self.lo..=self.hi {
            let y = self.y(10f64.powi(d));
            let label = 10f64.powi(d);
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}{unit}</text>"##,
                width - RIGHT,
                LEFT - 6.0,
                y + 4.0
            );
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn decades(values: impl Iterator<Item = f64>) -> (i32, i32) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0, 1);
    }
    let (lo, hi) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    (lo, hi.max(lo + 1))
}

fn throughput(s: &mut String, rows: &[Row], axis: Axis) {
    for (i, r) in rows.iter().enumerate() {
        let x0 = LEFT + GROUP * i as f64 + 4.0;
        for (k, color) in [POOLED, NAIVE].iter().enumerate() {
            let v = r.sides[k].mbps;
            if !v.is_finite() {
                continue;
            }
            let y = axis.y(v);
            let side = if k == 0 { "pooled" } else { "naive" };
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{y:.1}" width="10" height="{:.1}" fill="{color}"><title>{} {side}: {v:.0} MB/s; pooled/naive {:.2}x [{:.2}-{:.2}]</title></rect>"#,
                x0 + 11.0 * k as f64,
                axis.top + PANEL - y,
                escape(&name(r)),
                r.speedup.median,
                r.speedup.lo,
                r.speedup.hi
            );
        }
    }
}

fn latency(s: &mut String, rows: &[Row], axis: Axis) {
    for (i, r) in rows.iter().enumerate() {
        for (k, color) in [POOLED, NAIVE].iter().enumerate() {
            let x = LEFT + GROUP * i as f64 + 9.0 + 11.0 * k as f64;
            let q = r.sides[k].latency;
            if !q.iter().all(|v| v.is_finite()) {
                continue;
            }
            let side = if k == 0 { "pooled" } else { "naive" };
            let _ = writeln!(
                s,
                r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="2"/>"#,
                axis.y(q[0]),
                axis.y(q[3])
            );
            for (v, p) in q.iter().zip(QUANTILES) {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{x:.1}" cy="{:.1}" r="3" fill="{color}"><title>{} {side} p{}: {v:.1} µs</title></circle>"#,
                    axis.y(*v),
                    escape(&name(r)),
                    p * 100.0
                );
            }
        }
    }
}

/// The SVG document for `rows`.
pub(crate) fn chart(rows: &[Row], source: &str) -> String {
    let width = LEFT + RIGHT + GROUP * rows.len().max(1) as f64;
    let height = TOP2 + PANEL + LABELS;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="20" font-size="14" font-weight="bold">bufpress bench: pooled (blue) and naive (orange)</text><text x="{LEFT}" y="36">{}</text>"#,
        escape(source)
    );
    let (lo, hi) = decades(rows.iter().flat_map(|r| r.sides.iter().map(|x| x.mbps)));
    let axis = Axis { lo, hi, top: TOP1 };
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="{}">throughput, MB/s of uncompressed data (median over rounds, log scale)</text>"#,
        TOP1 - 6.0
    );
    axis.grid(&mut s, width, "");
    throughput(&mut s, rows, axis);
    let (lo, hi) = decades(
        rows.iter()
            .flat_map(|r| r.sides.iter().flat_map(|x| x.latency)),
    );
    let axis = Axis { lo, hi, top: TOP2 };
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="{}">latency per message, µs (log scale): p50 to p99.9, dots at p50, p90, p99, p99.9</text>"#,
        TOP2 - 6.0
    );
    axis.grid(&mut s, width, "");
    latency(&mut s, rows, axis);
    for (i, r) in rows.iter().enumerate() {
        let x = LEFT + GROUP * (i as f64 + 0.5);
        let y = TOP2 + PANEL + 10.0;
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="end" transform="rotate(-60 {x:.1} {y:.1})">{}</text>"#,
            escape(&name(r))
        );
    }
    s.push_str("</svg>\n");
    s
}
