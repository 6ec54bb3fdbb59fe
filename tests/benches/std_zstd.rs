//! `bufpress_std::zstd` (static libzstd contexts, pooled buffers) against the calls
//! people write with the `zstd` crate, per message, at level 3.
//!
//! Ids are `std_zstd/{op}/{size}/{design}`, throughput in bytes of uncompressed data:
//!
//! - `size`: `256`, `1k`, `4k`, `64k` bytes of `bufpress_tests::corpus::mixed`;
//! - `compress`:
//!   - `pooled`: a `zstd::Encoder` (planned for 64 KiB messages) taken from a
//!     `ValuePool`, `compress_into` a `Buf` taken from a `static` pool per message;
//!   - `pooled_stream`: a reused `zstd::EncodeWriter` (`reset` per message onto a reused `Vec`,
//!     pooled context and staging buffer), `write_all` + `try_finish`;
//!   - `naive`: `zstd::bulk::compress(data, 3)`;
//!   - `naive_stream`: `zstd::stream::Encoder::new(Vec::new(), 3)` per message,
//!     `write_all` + `finish`;
//! - `decompress` (all read the same frame, made by `zstd::bulk::compress`):
//!   - `pooled`: a `zstd::Decoder` (64 KiB window limit) from a `ValuePool`,
//!     `decompress_into` a pooled `Buf`;
//!   - `pooled_stream`: a `zstd::DecodeReader` over the frame per message (the context reused),
//!     `read` into a reused buffer;
//!   - `naive`: `zstd::bulk::decompress(frame, len)`;
//!   - `naive_stream`: `zstd::stream::decode_all(frame)`;
//! - `threads/4k/{1t,2t}`: each thread compresses and decompresses 256 messages of 4
//!   KiB (pooled, one-shot), all threads sharing one buffer pool and one pool of 2
//!   compressors and 2 decompressors; throughput counts every thread's bytes, so 2t /
//!   1t is the scaling (the thread spawns are inside the timing).
//!
//! `.ci/bench-std-zstd` runs it and prints the table of tests/benches/STD.md.

use std::hint::black_box;
use std::io::{Read, Write};
use std::time::Duration;

use bufpress::pool::{Pool, ValuePool};
use bufpress_std::zstd::{DecodeReader, Decoder, EncodeWriter, Encoder, Settings};
use bufpress_tests::corpus;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const KIB: usize = 1024;
const SIZES: [(&str, usize); 4] = [
    ("256", 256),
    ("1k", KIB),
    ("4k", 4 * KIB),
    ("64k", 64 * KIB),
];
const LEVEL: i32 = 3;
const PLANNED: usize = 64 * KIB;

static BUFS: Pool<8, { 80 * KIB }> = Pool::new();
static STAGE: Pool<2, { 16 * KIB }> = Pool::new();

fn benches(c: &mut Criterion) {
    let params = Settings::new(LEVEL, PLANNED);
    let encoders = ValuePool::new([
        Encoder::new(params).expect("compressor"),
        Encoder::new(params).expect("compressor"),
    ]);
    let decoders = ValuePool::new([Decoder::new(PLANNED), Decoder::new(PLANNED)]);
    for (label, len) in SIZES {
        let data = corpus::mixed(len, 0x5EED);
        let frame = zstd::bulk::compress(&data, LEVEL).expect("compress");

        let mut g = c.benchmark_group(format!("std_zstd/compress/{label}"));
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function("pooled", |b| {
            b.iter(|| {
                let mut out = BUFS.try_acquire().expect("buffer");
                let mut ctx = encoders.try_acquire().expect("context");
                ctx.compress_into(black_box(&data), &mut out)
                    .expect("compress");
                black_box(out.len())
            });
        });
        {
            let mut w = EncodeWriter::new(
                Vec::with_capacity(2 * len + 64),
                encoders.try_acquire().expect("context"),
                STAGE.try_acquire().expect("buffer"),
            );
            let mut check = true;
            g.bench_function("pooled_stream", |b| {
                b.iter(|| {
                    let mut v = w.reset(Vec::new());
                    v.clear();
                    w.reset(v);
                    w.write_all(black_box(&data)).expect("write");
                    w.try_finish().expect("finish");
                    if check {
                        let got = zstd::stream::decode_all(&w.get_ref()[..]).expect("decode");
                        assert_eq!(got, data);
                        check = false;
                    }
                    black_box(w.get_ref().len())
                });
            });
        }
        g.bench_function("naive", |b| {
            b.iter(|| {
                black_box(
                    zstd::bulk::compress(black_box(&data), LEVEL)
                        .expect("c")
                        .len(),
                )
            });
        });
        g.bench_function("naive_stream", |b| {
            b.iter(|| {
                let mut e = zstd::stream::Encoder::new(Vec::new(), LEVEL).expect("encoder");
                e.write_all(black_box(&data)).expect("write");
                black_box(e.finish().expect("finish").len())
            });
        });
        g.finish();

        let mut g = c.benchmark_group(format!("std_zstd/decompress/{label}"));
        g.throughput(Throughput::Bytes(len as u64));
        {
            let mut out = BUFS.try_acquire().expect("buffer");
            decoders
                .try_acquire()
                .expect("context")
                .decompress_into(&frame, &mut out)
                .expect("decompress");
            assert!(out[..] == data[..]);
        }
        g.bench_function("pooled", |b| {
            b.iter(|| {
                let mut out = BUFS.try_acquire().expect("buffer");
                let mut ctx = decoders.try_acquire().expect("context");
                ctx.decompress_into(black_box(&frame), &mut out)
                    .expect("decompress");
                black_box(out.len())
            });
        });
        {
            let mut ctx = decoders.try_acquire().expect("context");
            let mut sink = vec![0u8; len + 1];
            g.bench_function("pooled_stream", |b| {
                b.iter(|| {
                    let mut r = DecodeReader::new(black_box(&frame[..]), &mut *ctx);
                    let mut got = 0;
                    loop {
                        let k = r.read(&mut sink[got..]).expect("read");
                        if k == 0 {
                            break;
                        }
                        got += k;
                    }
                    assert_eq!(got, len);
                    black_box(got)
                });
            });
        }
        g.bench_function("naive", |b| {
            b.iter(|| {
                black_box(
                    zstd::bulk::decompress(black_box(&frame), len)
                        .expect("d")
                        .len(),
                )
            });
        });
        g.bench_function("naive_stream", |b| {
            b.iter(|| {
                black_box(
                    zstd::stream::decode_all(black_box(&frame[..]))
                        .expect("d")
                        .len(),
                )
            });
        });
        g.finish();
    }

    let data = corpus::mixed(4 * KIB, 0x7EAD);
    let mut g = c.benchmark_group("std_zstd/threads/4k");
    for threads in [1usize, 2] {
        const PER_THREAD: usize = 256;
        g.throughput(Throughput::Bytes(
            (threads * PER_THREAD * data.len()) as u64,
        ));
        g.bench_function(format!("{threads}t"), |b| {
            b.iter(|| {
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(|| {
                            for _ in 0..PER_THREAD {
                                let mut frame = BUFS.acquire_blocking();
                                encoders
                                    .acquire_blocking()
                                    .compress_into(&data, &mut frame)
                                    .expect("compress");
                                let mut out = BUFS.acquire_blocking();
                                decoders
                                    .acquire_blocking()
                                    .decompress_into(&frame, &mut out)
                                    .expect("decompress");
                                black_box(out.len());
                            }
                        });
                    }
                });
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = std_zstd;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = benches
}
criterion_main!(std_zstd);
