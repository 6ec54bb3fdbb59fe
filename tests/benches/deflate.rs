//! Ratio and speed of bufpress's deflate compressor (`deflate::EncoderState`, caller
//! memory, no allocator) at 1, 4, 8 and 32 KiB windows (speed: 4, 8, 32), next to `gzip -6` (ratio; the
//! CLI, run as a child process) and miniz_oxide (ratio and speed: its compressor,
//! reused, is what core ran before).
//!
//! Data: the built-in corpus of `bufpress_support` (`corpus::make`): text, JSON,
//! binary telemetry, and `compressible` (the three in 4 KiB turns, `bufpress bench`'s
//! corpus), 1 MiB each, seed 1.
//!
//! Speed: one raw deflate stream of the whole 1 MiB per call, every design called in
//! turn in the same process (`ROUNDS` rounds, the order rotating), median and spread
//! (min-max) of the rounds in MB/s of input. The machine is noisy (see
//! `tests/benches/README.md`): compare within one run.
//!
//! Run: `cargo bench -p bufpress-tests --bench deflate` (about a minute); the table goes
//! to stdout, in `tests/benches/DEFLATE.md`'s layout.

use std::hint::black_box;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Instant;

use bufpress::codec::deflate::{self, EncoderState, Format};
use bufpress::pool::RegionPool;
use bufpress_tests::corpus::{self, Kind};
use miniz_oxide::deflate::core::{CompressorOxide, TDEFLFlush, TDEFLStatus};

const LEN: usize = 1 << 20;
const ROUNDS: usize = 15;

fn gzip_len(level: i32, data: &[u8]) -> usize {
    let mut child = Command::new("gzip")
        .arg(format!("-{level}"))
        .arg("-nc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip on PATH");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).expect("write"));
    let out = child.wait_with_output().expect("gzip");
    writer.join().expect("writer");
    // Raw deflate size: minus the 10-byte header and 8-byte trailer.
    out.stdout.len() - 18
}

fn miniz(oxide: &mut CompressorOxide, level: u8, data: &[u8], out: &mut [u8]) -> usize {
    oxide.reset();
    oxide.set_format_and_level(miniz_oxide::DataFormat::Raw, level);
    let (status, used, made) =
        miniz_oxide::deflate::core::compress(oxide, data, out, TDEFLFlush::Finish);
    assert!(status == TDEFLStatus::Done && used == data.len());
    made
}

fn ours<const W: usize, const H: usize>(
    state: &mut EncoderState<W, H>,
    level: i32,
    data: &[u8],
    mem: &mut [u8],
) -> usize {
    let size = deflate::max_compressed_len(data.len(), Format::Raw);
    let pool = RegionPool::<1>::new(mem, size, 4).expect("region");
    let mut out = pool.try_acquire().expect("buffer");
    deflate::compress_into(data, &mut out, Format::Raw, level, state).expect("fits")
}

struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    Stats {
        median: v[v.len() / 2],
        min: v[0],
        max: v[v.len() - 1],
    }
}

/// `DEFLATE_CALL=design:level:data:count` (design `ours32`, `ours4` or `miniz`; data
/// an index into the data sets) runs just that many compressions, for callgrind:
/// the difference in instructions between count 1 and count 0 is one call's.
fn one_call(spec: &str, data_sets: &[(&str, Vec<u8>)]) {
    let parts: Vec<&str> = spec.split(':').collect();
    let [design, level, data, count] = parts[..] else {
        panic!("DEFLATE_CALL=design:level:data:count");
    };
    let level: i32 = level.parse().expect("level");
    let data = &data_sets[data.parse::<usize>().expect("data index")].1;
    let count: usize = count.parse().expect("count");
    let mut s32 = Box::new(EncoderState::<32768, 32768>::new());
    let mut s4 = Box::new(EncoderState::<4096, 4096>::new());
    let mut oxide = Box::<CompressorOxide>::default();
    let mut mem = vec![0u8; deflate::max_compressed_len(LEN, Format::Raw) + 4096];
    let mut raw = vec![0u8; deflate::max_compressed_len(LEN, Format::Raw)];
    for _ in 0..count {
        let n = match design {
            "ours32" => ours(&mut s32, level, black_box(data), &mut mem),
            "ours4" => ours(&mut s4, level, black_box(data), &mut mem),
            _ => miniz(&mut oxide, level as u8, black_box(data), &mut raw),
        };
        black_box(n);
    }
}

fn main() {
    // Criterion-style arguments (`--bench`) are ignored.
    let data_sets: [(&str, Vec<u8>); 4] = [
        ("text", corpus::make(Kind::Text, LEN, 1)),
        ("json", corpus::make(Kind::Json, LEN, 1)),
        ("telemetry", corpus::make(Kind::Binary, LEN, 1)),
        ("compressible", corpus::compressible(LEN, 1)),
    ];
    if let Ok(spec) = std::env::var("DEFLATE_CALL") {
        one_call(&spec, &data_sets);
        return;
    }
    let mut s32 = Box::new(EncoderState::<32768, 32768>::new());
    let mut s8 = Box::new(EncoderState::<8192, 8192>::new());
    let mut s4 = Box::new(EncoderState::<4096, 4096>::new());
    let mut s1 = Box::new(EncoderState::<1024, 1024>::new());
    let mut oxide = Box::<CompressorOxide>::default();
    let mut mem = vec![0u8; deflate::max_compressed_len(LEN, Format::Raw) + 4096];
    let mut raw = vec![0u8; deflate::max_compressed_len(LEN, Format::Raw)];

    for level in [1, 6, 9] {
        println!("\n### Level {level}: compressed size in % of the input (lower is better)\n");
        println!(
            "| data | gzip -{level} | bufpress 32 KiB | vs gzip | bufpress 8 KiB | bufpress 4 KiB | bufpress 1 KiB | miniz_oxide |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        for (name, data) in &data_sets {
            let g = gzip_len(level, data);
            let a = ours(&mut s32, level, data, &mut mem);
            let b = ours(&mut s8, level, data, &mut mem);
            let c = ours(&mut s4, level, data, &mut mem);
            let d = ours(&mut s1, level, data, &mut mem);
            let m = miniz(&mut oxide, level as u8, data, &mut raw);
            let pct = |n: usize| 100.0 * n as f64 / data.len() as f64;
            println!(
                "| {name} | {:.2} | {:.2} | {:+.1}% | {:.2} | {:.2} | {:.2} | {:.2} |",
                pct(g),
                pct(a),
                100.0 * (a as f64 / g as f64 - 1.0),
                pct(b),
                pct(c),
                pct(d),
                pct(m)
            );
        }
    }

    for level in [1, 6, 9] {
        println!(
            "\n### Level {level}: compression speed, MB/s of input, median (min-max) of {ROUNDS} interleaved rounds\n"
        );
        println!(
            "| data | bufpress 32 KiB | bufpress 8 KiB | bufpress 4 KiB | miniz_oxide | bufpress 32 KiB / miniz |"
        );
        println!("|---|---|---|---|---|---|");
        for (name, data) in &data_sets {
            let mut t: [Vec<f64>; 4] = Default::default();
            for round in 0..ROUNDS {
                for k in 0..4 {
                    let which = (k + round) % 4;
                    let start = Instant::now();
                    let n = match which {
                        0 => ours(&mut s32, level, black_box(data), &mut mem),
                        1 => ours(&mut s8, level, black_box(data), &mut mem),
                        2 => ours(&mut s4, level, black_box(data), &mut mem),
                        _ => miniz(&mut oxide, level as u8, black_box(data), &mut raw),
                    };
                    let secs = start.elapsed().as_secs_f64();
                    black_box(n);
                    t[which].push(data.len() as f64 / secs / 1e6);
                }
            }
            let [a, b, c, m] = t.map(stats);
            let cell = |s: &Stats| format!("{:.0} ({:.0}-{:.0})", s.median, s.min, s.max);
            println!(
                "| {name} | {} | {} | {} | {} | {:.2}x |",
                cell(&a),
                cell(&b),
                cell(&c),
                cell(&m),
                a.median / m.median
            );
        }
    }
}
