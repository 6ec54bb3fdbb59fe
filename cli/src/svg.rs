//! The `bench --plot` chart, written by hand: grouped bars (compress and decompress
//! MB/s, bufpress next to the naive calls) per format and message size, log scale.

use std::fmt::Write as _;

use crate::bench::{Row, size_name};

const W: f64 = 960.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 90.0;
/// The log scale: 1 MB/s to 10^4 MB/s.
const DECADES: [f64; 5] = [1.0, 10.0, 100.0, 1000.0, 10000.0];
const SERIES: [(&str, &str); 4] = [
    ("compress, bufpress", "#1f77b4"),
    ("compress, naive", "#aec7e8"),
    ("decompress, bufpress", "#d62728"),
    ("decompress, naive", "#ff9896"),
];

fn y_of(mbps: f64) -> f64 {
    let top = DECADES.len() as f64 - 1.0;
    let v = mbps.max(1.0).log10().min(top);
    H - BOTTOM - v / top * (H - TOP - BOTTOM)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The SVG document for `rows`.
pub(crate) fn chart(rows: &[Row], source: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="20" font-size="14" font-weight="bold">bufpress bench: MB/s of uncompressed data (log scale)</text>"#
    );
    let _ = writeln!(s, r#"<text x="{LEFT}" y="36">{}</text>"#, escape(source));
    for d in DECADES {
        let y = y_of(d);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{d}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let group = (W - LEFT - RIGHT) / rows.len().max(1) as f64;
    let bar = (group * 0.8 / 4.0).min(14.0);
    for (i, r) in rows.iter().enumerate() {
        let x0 = LEFT + group * i as f64 + (group - 4.0 * bar) / 2.0;
        let p = r.pooled;
        let values = [
            p.map_or(f64::NAN, |p| p.compress),
            r.naive.compress,
            p.map_or(f64::NAN, |p| p.decompress),
            r.naive.decompress,
        ];
        for (k, (v, (name, color))) in values.iter().zip(SERIES).enumerate() {
            if v.is_nan() {
                continue;
            }
            let y = y_of(*v);
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{} {} {name}: {v:.0} MB/s</title></rect>"#,
                x0 + bar * k as f64,
                bar - 1.0,
                H - BOTTOM - y,
                r.format.name(),
                size_name(r.size)
            );
        }
        let cx = LEFT + group * (i as f64 + 0.5);
        let _ = writeln!(
            s,
            r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text><text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#666">{}</text>"##,
            H - BOTTOM + 14.0,
            r.format.name(),
            H - BOTTOM + 27.0,
            size_name(r.size)
        );
    }
    for (k, (name, color)) in SERIES.iter().enumerate() {
        let x = LEFT + 180.0 * k as f64;
        let y = H - 30.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{color}"/><text x="{}" y="{y}">{name}</text>"#,
            y - 10.0,
            x + 16.0
        );
    }
    s.push_str("</svg>\n");
    s
}
