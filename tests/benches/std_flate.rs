//! bufpress-std's flate2 backend against the calls people write with flate2, side by
//! side in one run: gzip at level 6, per message of 256 B, 1 KiB, 4 KiB and 64 KiB of
//! `bufpress_tests::corpus::mixed`, throughput in bytes of uncompressed data.
//!
//! Ids are `flate2/{compress,decompress}/{size}/{design}`:
//! - `pooled`: one `flate::Encoder`/`flate::Decoder`, reused; `compress_into` /
//!   `decompress_into` a `Buf` taken from a `static` pool per message;
//! - `streaming`: the same states behind `EncodeWriter` (into a `Chain` of 4 KiB
//!   buffers) / `DecodeReader` (read in 4 KiB pieces), reset per message;
//! - `naive`: `flate2::write::GzEncoder::new(Vec::new(), ..)` + `finish` /
//!   `flate2::read::GzDecoder::new(..)` + `read_to_end` into a new `Vec`, per message.
//!
//! Before timing, each design's heap allocations per message are counted (a counting
//! global allocator; one warm-up message first) and written to `std-flate-allocs.json`
//! in criterion's directory; `.ci/bench-std` prints the table.

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use bufpress::codec::deflate::Format;
use bufpress::pool::Pool;
use bufpress_std::flate::{Decoder, Encoder};
use bufpress_std::{Chain, DecodeReader, EncodeWriter};
use bufpress_tests::corpus;
use bufpress_tests::counting::{CountingAlloc, measure};
use criterion::{Criterion, Throughput};
use flate2::Compression;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static POOL: Pool<40, 4096> = Pool::new();
static BIG: Pool<2, { 128 * 1024 }> = Pool::new();
const SIZES: [(&str, usize); 4] = [("256", 256), ("1k", 1024), ("4k", 4096), ("64k", 65536)];
const LEVEL: i32 = 6;

fn naive_compress(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::new(LEVEL as u32));
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn naive_decompress(packed: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(packed)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .configure_from_args();
    let mut encoder = Encoder::new(Format::Gzip, LEVEL).unwrap();
    let mut decoder = Decoder::new(Format::Gzip);
    let mut writer = EncodeWriter::new(
        Chain::<32>::new(POOL.pool_ref()),
        Encoder::new(Format::Gzip, LEVEL).unwrap(),
        POOL.try_acquire().unwrap(),
    );
    let mut reader_state = Some(Decoder::new(Format::Gzip));
    let mut allocs = Vec::new();
    for (name, len) in SIZES {
        let data = corpus::mixed(len, 7);
        let packed = naive_compress(&data);

        let mut pooled_c = || {
            let mut out = BIG.try_acquire().unwrap();
            encoder.compress_into(black_box(&data), &mut out).unwrap();
            out.len()
        };
        let mut streaming_c = || {
            writer.write_all(black_box(&data)).unwrap();
            writer.try_finish().unwrap();
            writer.reset(Chain::new(POOL.pool_ref())).len()
        };
        let mut pooled_d = || {
            let mut out = BIG.try_acquire().unwrap();
            decoder
                .decompress_into(black_box(&packed), &mut out)
                .unwrap();
            out.len()
        };
        let mut piece = [0u8; 4096];
        let mut streaming_d = || {
            let state = reader_state.take().unwrap();
            let mut r =
                DecodeReader::new(black_box(&packed[..]), state, POOL.try_acquire().unwrap());
            let mut n = 0;
            while let Ok(k @ 1..) = r.read(&mut piece) {
                n += k;
            }
            reader_state = Some(r.into_parts().1);
            n
        };
        // Every design gives the same sizes back.
        assert_eq!(pooled_d(), len);
        assert_eq!(streaming_d(), len);
        assert_eq!(naive_decompress(&packed).len(), len);
        assert_eq!(pooled_c(), streaming_c());

        let mut count = |id: String, f: &mut dyn FnMut() -> usize| {
            f();
            let (_, counts) = measure(|| {
                for _ in 0..10 {
                    f();
                }
            });
            allocs.push((id, counts.allocs as f64 / 10.0));
        };
        count(format!("flate2/compress/{name}/pooled"), &mut pooled_c);
        count(
            format!("flate2/compress/{name}/streaming"),
            &mut streaming_c,
        );
        count(format!("flate2/compress/{name}/naive"), &mut || {
            naive_compress(&data).len()
        });
        count(format!("flate2/decompress/{name}/pooled"), &mut pooled_d);
        count(
            format!("flate2/decompress/{name}/streaming"),
            &mut streaming_d,
        );
        count(format!("flate2/decompress/{name}/naive"), &mut || {
            naive_decompress(&packed).len()
        });

        let mut g = c.benchmark_group(format!("flate2/compress/{name}"));
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("pooled", |b| b.iter(&mut pooled_c));
        g.bench_function("streaming", |b| b.iter(&mut streaming_c));
        g.bench_function("naive", |b| b.iter(|| naive_compress(black_box(&data))));
        g.finish();
        let mut g = c.benchmark_group(format!("flate2/decompress/{name}"));
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("pooled", |b| b.iter(&mut pooled_d));
        g.bench_function("streaming", |b| b.iter(&mut streaming_d));
        g.bench_function("naive", |b| b.iter(|| naive_decompress(black_box(&packed))));
        g.finish();
    }
    save_allocs(&allocs);
    c.final_summary();
}

/// Writes `{"id": allocations per message, ...}` to `std-flate-allocs.json` in criterion's
/// directory.
fn save_allocs(allocs: &[(String, f64)]) {
    let dir = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|d| PathBuf::from(d).join("criterion"))
        })
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"));
    let mut json = String::from("{\n");
    for (i, (id, n)) in allocs.iter().enumerate() {
        let comma = if i + 1 < allocs.len() { "," } else { "" };
        let _ = writeln!(json, "  \"{id}\": {n}{comma}");
    }
    json.push_str("}\n");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("std-flate-allocs.json"), json));
    if let Err(e) = written {
        eprintln!("std_flate: cannot write {}: {e}", dir.display());
    }
}
