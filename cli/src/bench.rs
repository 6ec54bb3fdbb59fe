//! `bufpress bench`: for each format and a few message sizes, bufpress's pooled path
//! (states built once, output into pool buffers) next to the libraries' naive calls
//! (a new encoder or decoder per message, output into a new `Vec`): ratio, compress
//! and decompress MB/s, and heap allocations per message.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bufpress::codec::deflate::{self, InflateState};
use bufpress::codec::lz4::{self, FrameSettings, Table};
use bufpress::pool::{Buf, Pool, ValuePool};
use bufpress_std::{flate, zstd};
use bufpress_support::corpus;
use bufpress_support::counting;

use crate::codecs::{LZ4_BLOCK, ZSTD_WINDOW_LIMIT};
use crate::failure::Failure;
use crate::format::{self, Format};
use crate::svg;

/// Message sizes measured.
pub(crate) const SIZES: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];
/// The built-in corpus's size.
const CORPUS: usize = 4 << 20;
/// The built-in corpus's seed.
const CORPUS_SEED: u64 = 1;
/// The most data read from FILES.
const MAX_FILES: usize = 16 << 20;
/// How long each measurement runs (after one warm-up message).
const BUDGET: Duration = Duration::from_millis(200);
/// The same with `--quick`.
const QUICK: Duration = Duration::from_millis(10);
/// Output buffers for the pooled path: the largest frame of a 1 MiB message fits.
const BENCH_BUF: usize = 2 << 20;
static BENCH: Pool<2, BENCH_BUF> = Pool::new();
static TABLES: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);

/// One row of the results.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The format.
    pub(crate) format: Format,
    /// The message size.
    pub(crate) size: usize,
    /// bufpress's pooled path.
    pub(crate) pooled: Option<Side>,
    /// The naive library calls.
    pub(crate) naive: Side,
}

/// Measurements of one path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Side {
    /// Original size / compressed size.
    pub(crate) ratio: f64,
    /// Compression MB/s (of uncompressed data).
    pub(crate) compress: f64,
    /// Decompression MB/s (of uncompressed data).
    pub(crate) decompress: f64,
    /// Heap allocations per message, compressing.
    pub(crate) compress_allocs: f64,
    /// Heap allocations per message, decompressing.
    pub(crate) decompress_allocs: f64,
}

/// Runs the benchmark and prints its table; writes the chart to `plot`.
///
/// # Errors
///
/// A usage failure when a file cannot be read, a data failure when a round trip does
/// not give the message back.
pub(crate) fn run(files: &[PathBuf], plot: Option<&Path>, quick: bool) -> Result<(), Failure> {
    let budget = if quick { QUICK } else { BUDGET };
    let (data, source) = load(files, if quick { 1 << 20 } else { CORPUS })?;
    let mut pooled = Pooled::new().map_err(Failure::internal)?;
    let mut rows = Vec::new();
    eprintln!(
        "bufpress bench: {source}, {} bytes; {} ms per measurement",
        data.len(),
        budget.as_millis()
    );
    for format in format::ALL {
        for size in SIZES {
            let messages: Vec<&[u8]> = data.chunks(size).filter(|m| m.len() == size).collect();
            if messages.is_empty() {
                continue;
            }
            let naive = measure(
                &messages,
                budget,
                |m, _| Ok(naive_compress(format, m)),
                |f, len| naive_decompress(format, f, len),
            )?;
            let pooled = Some(pooled.measure(format, &messages, budget)?);
            let row = Row {
                format,
                size,
                pooled,
                naive,
            };
            eprintln!("  {}", short(&row));
            rows.push(row);
        }
    }
    print_table(&rows, &source);
    if let Some(path) = plot {
        let chart = svg::chart(&rows, &source);
        std::fs::write(path, chart).map_err(|e| Failure::io(&path.display().to_string(), &e))?;
        eprintln!("bufpress bench: chart written to {}", path.display());
    }
    Ok(())
}

fn load(files: &[PathBuf], corpus_len: usize) -> Result<(Vec<u8>, String), Failure> {
    if files.is_empty() {
        let source = format!(
            "built-in corpus (text, JSON, binary in 4 KiB turns, {} MiB)",
            corpus_len >> 20
        );
        return Ok((corpus::compressible(corpus_len, CORPUS_SEED), source));
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
    Ok((data, names.join(", ")))
}

fn short(row: &Row) -> String {
    let p = row.pooled.map_or_else(
        || "bufpress –".to_owned(),
        |p| format!("bufpress {:.0}/{:.0} MB/s", p.compress, p.decompress),
    );
    let p = p.replace("NaN", "–");
    format!(
        "{:8} {:>5}: {p}, naive {:.0}/{:.0} MB/s",
        row.format.name(),
        size_name(row.size),
        row.naive.compress,
        row.naive.decompress
    )
}

/// "4 KiB", "64 KiB", "1 MiB".
pub(crate) fn size_name(size: usize) -> String {
    if size >= 1 << 20 {
        format!("{} MiB", size >> 20)
    } else {
        format!("{} KiB", size >> 10)
    }
}

/// Times `run` over `inputs` (round robin) for [`BUDGET`] after one warm-up call;
/// returns (MB/s of `plain` bytes, allocations per call).
fn time(
    inputs: &[&[u8]],
    plain: &[usize],
    budget: Duration,
    mut run: impl FnMut(usize) -> Result<(), Failure>,
) -> Result<(f64, f64), Failure> {
    run(0)?;
    let allocs = counting::process_allocations();
    let start = Instant::now();
    let (mut calls, mut bytes) = (0u64, 0u64);
    'outer: loop {
        for (i, &len) in plain.iter().enumerate().take(inputs.len()) {
            run(i)?;
            calls += 1;
            bytes += len as u64;
            if calls >= 3 && start.elapsed() >= budget {
                break 'outer;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let allocs = counting::process_allocations() - allocs;
    Ok((bytes as f64 / 1e6 / secs, allocs as f64 / calls as f64))
}

/// Measures one path given its compress and decompress calls (each returns the
/// output); checks the round trip.
fn measure(
    messages: &[&[u8]],
    budget: Duration,
    mut compress: impl FnMut(&[u8], usize) -> Result<Vec<u8>, Failure>,
    mut decompress: impl FnMut(&[u8], usize) -> Result<Vec<u8>, Failure>,
) -> Result<Side, Failure> {
    let mut frames = Vec::with_capacity(messages.len());
    for (i, m) in messages.iter().enumerate() {
        let frame = compress(m, i)?;
        if decompress(&frame, m.len())? != *m {
            return Err(Failure::Data("bench: a round trip changed the data".into()));
        }
        frames.push(frame);
    }
    let plain: Vec<usize> = messages.iter().map(|m| m.len()).collect();
    let packed: usize = frames.iter().map(Vec::len).sum();
    let (compress_mbps, compress_allocs) = time(messages, &plain, budget, |i| {
        compress(messages[i], i).map(drop)
    })?;
    let frame_refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    let (decompress_mbps, decompress_allocs) = time(&frame_refs, &plain, budget, |i| {
        decompress(frame_refs[i], plain[i]).map(drop)
    })?;
    Ok(Side {
        ratio: plain.iter().sum::<usize>() as f64 / packed.max(1) as f64,
        compress: compress_mbps,
        decompress: decompress_mbps,
        compress_allocs,
        decompress_allocs,
    })
}

fn deflate_format(format: Format) -> deflate::Format {
    match format {
        Format::Zlib => deflate::Format::Zlib,
        Format::Deflate => deflate::Format::Raw,
        _ => deflate::Format::Gzip,
    }
}

fn bad(e: impl std::fmt::Display) -> Failure {
    Failure::Data(format!("bench: {e}"))
}

/// The naive calls: a new encoder per message, a new `Vec` for the output.
fn naive_compress(format: Format, m: &[u8]) -> Vec<u8> {
    use flate2::Compression;
    let level = Compression::new(6);
    match format {
        Format::Lz4 => {
            let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
            let _ = e.write_all(m);
            e.finish().unwrap_or_default()
        }
        Format::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            let _ = e.write_all(m);
            e.finish().unwrap_or_default()
        }
        Format::Zlib => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
            let _ = e.write_all(m);
            e.finish().unwrap_or_default()
        }
        Format::Deflate => {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
            let _ = e.write_all(m);
            e.finish().unwrap_or_default()
        }
        Format::Zstd => ::zstd::bulk::compress(m, 3).unwrap_or_default(),
    }
}

fn naive_decompress(format: Format, f: &[u8], len: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    match format {
        Format::Lz4 => lz4_flex::frame::FrameDecoder::new(f).read_to_end(&mut out),
        Format::Gzip => flate2::read::GzDecoder::new(f).read_to_end(&mut out),
        Format::Zlib => flate2::read::ZlibDecoder::new(f).read_to_end(&mut out),
        Format::Deflate => flate2::read::DeflateDecoder::new(f).read_to_end(&mut out),
        Format::Zstd => return ::zstd::bulk::decompress(f, len).map_err(bad),
    }
    .map_err(bad)?;
    Ok(out)
}

/// bufpress's pooled path: states built once, output into pool buffers.
struct Pooled {
    table: bufpress::pool::Value<'static, Table>,
    /// flate2 (zlib-rs) encoders, as the CLI uses: gzip, zlib, raw deflate.
    flate: [flate::Encoder; 3],
    inflate: bufpress::pool::Value<'static, InflateState>,
    zstd_encoder: zstd::Encoder,
    zstd_decoder: zstd::Decoder,
    out: Buf<'static>,
    back: Buf<'static>,
}

impl Pooled {
    fn new() -> Result<Self, bufpress::Error> {
        Ok(Self {
            table: TABLES.try_acquire()?,
            flate: [
                flate::Encoder::new(deflate::Format::Gzip, 6)?,
                flate::Encoder::new(deflate::Format::Zlib, 6)?,
                flate::Encoder::new(deflate::Format::Raw, 6)?,
            ],
            inflate: INFLATE.try_acquire()?,
            zstd_encoder: zstd::Encoder::new(zstd::Settings::new(3, 1 << 20).with_checksum(true))?,
            zstd_decoder: zstd::Decoder::new(ZSTD_WINDOW_LIMIT),
            out: BENCH.try_acquire()?,
            back: BENCH.try_acquire()?,
        })
    }

    fn can_compress(&self, _format: Format) -> bool {
        true
    }

    fn compress(&mut self, format: Format, m: &[u8]) -> Result<(), Failure> {
        self.out.clear();
        match format {
            Format::Lz4 => {
                let settings = FrameSettings::new().with_block_size(LZ4_BLOCK);
                lz4::compress_frame_into(m, &mut self.out, &settings, &mut self.table)
                    .map_err(bad)?;
            }
            Format::Gzip | Format::Zlib | Format::Deflate => {
                let i = match format {
                    Format::Gzip => 0,
                    Format::Zlib => 1,
                    _ => 2,
                };
                self.flate[i].compress_into(m, &mut self.out).map_err(bad)?;
            }
            Format::Zstd => {
                self.zstd_encoder
                    .compress_into(m, &mut self.out)
                    .map_err(bad)?;
            }
        }
        Ok(())
    }

    fn decompress(&mut self, format: Format, f: &[u8]) -> Result<(), Failure> {
        self.back.clear();
        match format {
            Format::Lz4 => lz4::decompress_frame_into(f, &mut self.back).map(drop),
            Format::Gzip | Format::Zlib | Format::Deflate => {
                let fmt = deflate_format(format);
                deflate::decompress_into(f, &mut self.back, fmt, &mut self.inflate).map(drop)
            }
            Format::Zstd => self
                .zstd_decoder
                .decompress_into(f, &mut self.back)
                .map(drop),
        }
        .map_err(bad)
    }

    fn measure(
        &mut self,
        format: Format,
        messages: &[&[u8]],
        budget: Duration,
    ) -> Result<Side, Failure> {
        // The round-trip check and the frames for decompression (setup: may allocate).
        // Where bufpress has no compressor (zstd before the libzstd backend), the
        // frames come from the naive one and only decompression is measured.
        let own = self.can_compress(format);
        let mut frames = Vec::with_capacity(messages.len());
        for m in messages {
            let frame = if own {
                self.compress(format, m)?;
                self.out.to_vec()
            } else {
                naive_compress(format, m)
            };
            self.decompress(format, &frame)?;
            frames.push(frame);
            if self.back[..] != **m {
                return Err(Failure::Data("bench: a round trip changed the data".into()));
            }
        }
        let plain: Vec<usize> = messages.iter().map(|m| m.len()).collect();
        let packed: usize = frames.iter().map(Vec::len).sum();
        let (compress, compress_allocs) = if own {
            time(messages, &plain, budget, |i| {
                self.compress(format, messages[i])
            })?
        } else {
            (f64::NAN, f64::NAN)
        };
        let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
        let (decompress, decompress_allocs) =
            time(&refs, &plain, budget, |i| self.decompress(format, refs[i]))?;
        Ok(Side {
            ratio: if own {
                plain.iter().sum::<usize>() as f64 / packed.max(1) as f64
            } else {
                f64::NAN
            },
            compress,
            decompress,
            compress_allocs,
            decompress_allocs,
        })
    }
}

fn print_table(rows: &[Row], source: &str) {
    println!("bufpress bench on the {source}: MB/s of uncompressed data (1 MB = 10^6 bytes),");
    println!("bufpress's pooled path (states built once, output into pool buffers) next to the");
    println!("naive library calls (lz4_flex frame, flate2, zstd crate: a new encoder or decoder");
    println!("and a new Vec per message). Allocations are per message, counted by the CLI's");
    println!("global allocator (libzstd's own C mallocs are not counted).");
    println!();
    println!(
        "| format | message | ratio bufpress | ratio naive | compress bufpress | compress naive \
         | x | decompress bufpress | decompress naive | x | allocs/msg bufpress (c / d) | allocs/msg naive (c / d) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let n = r.naive;
        let dash = || "–".to_owned();
        let num = |x: f64, digits: usize| {
            if x.is_nan() {
                dash()
            } else {
                format!("{x:.digits$}")
            }
        };
        let times = |x: f64| {
            if x.is_nan() {
                dash()
            } else {
                format!("{x:.2}x")
            }
        };
        let (pr, pc, pcx, pd, pdx, pa) = match r.pooled {
            Some(p) => (
                num(p.ratio, 2),
                num(p.compress, 0),
                times(p.compress / n.compress),
                num(p.decompress, 0),
                times(p.decompress / n.decompress),
                format!(
                    "{} / {}",
                    num(p.compress_allocs, 1),
                    num(p.decompress_allocs, 1)
                ),
            ),
            None => (dash(), dash(), dash(), dash(), dash(), dash()),
        };
        println!(
            "| {} | {} | {pr} | {:.2} | {pc} | {:.0} | {pcx} | {pd} | {:.0} | {pdx} | {pa} | {:.1} / {:.1} |",
            r.format.name(),
            size_name(r.size),
            n.ratio,
            n.compress,
            n.decompress,
            n.compress_allocs,
            n.decompress_allocs
        );
    }
}
