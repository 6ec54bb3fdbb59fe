//! The zero-allocation proof for `bufpress_std::zstd` (libzstd), **libzstd's own
//! mallocs included**.
//!
//! Rust's allocations are counted by the counting `#[global_allocator]`. libzstd is C:
//! its `malloc`/`calloc`/`realloc` calls never reach a Rust allocator, so this binary
//! also defines the C symbols `malloc`, `calloc` and `realloc` (module `c_malloc`: the executable's
//! definitions win over glibc's for every caller, libzstd and Rust's `System` alike)
//! and counts the calls made by marked threads before forwarding to glibc's
//! `__libc_malloc` & co. `c_counter_sees_libzstd` shows the counter does see
//! libzstd's mallocs (an ordinary, non-static context).
//!
//! The steady state is measured from the first message after construction, over
//! messages of 0 B to 256 KiB with more than 128 small ones in a row followed by
//! outliers 4x and 16x the planned size (where an ordinary libzstd context frees
//! and reallocates its workspace), one-shot and streaming, both directions.

use std::io::{Cursor, Read, Write};

use bufpress::codec::{Decode as _, Encode as _, Status, decode_to, encode_to};
use bufpress::pool::Pool;
use bufpress_std::zstd::{DecodeReader, DecodeWriter, Decoder, EncodeWriter, Encoder, Settings};
use bufpress_tests::corpus;
use bufpress_tests::counting::{CountingAlloc, Counts};
use bufpress_tests::rng::Rng;

mod c_malloc;
use c_malloc::measure_all;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// C-level malloc counting: `c_malloc::measure_all`.

fn assert_zero(what: &str, counts: Counts, c_calls: u64) {
    println!("{what}: {counts:?}, C mallocs {c_calls}");
    assert!(counts.is_zero(), "{what}: Rust heap used: {counts:?}");
    assert_eq!(c_calls, 0, "{what}: C mallocs");
}

// ---- the workload ------------------------------------------------------------------

/// The size the contexts are planned for.
const PLANNED: usize = 64 * 1024;
/// Room for the largest outlier (16x planned) and its frame.
const BIG: usize = 16 * PLANNED + 64 * 1024;

static BUFS: Pool<2, BIG> = Pool::new();
static STAGE: Pool<2, 4096> = Pool::new();

/// Message sizes: 150 small ones (0 to 1 KiB) in a row, then an outlier of 16x the
/// planned size, then 0 B to 256 KiB mixed (skewed small) with outliers of 4x and 16x.
fn sizes() -> Vec<usize> {
    let mut rng = Rng::new(7);
    let mut v: Vec<usize> = (0..150).map(|_| rng.below(1025)).collect();
    v.push(16 * PLANNED);
    for i in 0..120 {
        v.push(match i % 10 {
            0 => rng.below(256 * 1024 + 1),
            1..=3 => rng.below(PLANNED + 1),
            _ => rng.below(4097),
        });
        if i == 60 {
            v.push(4 * PLANNED);
        }
    }
    v.extend((0..140).map(|_| rng.below(300)));
    v.push(16 * PLANNED);
    v.push(0);
    v
}

fn corpus() -> Vec<u8> {
    corpus::mixed(2 * BIG, 11)
}

fn messages<'a>(data: &'a [u8], sizes: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
    sizes.iter().enumerate().map(move |(i, &n)| {
        let start = (i * 7919) % (data.len() - n);
        &data[start..start + n]
    })
}

#[test]
fn c_counter_sees_libzstd() {
    // An ordinary (non-static) context: libzstd mallocs its workspace.
    let data = corpus::mixed(4096, 1);
    let (_, counts, c) = measure_all(|| zstd::bulk::compress(&data, 3).expect("compress"));
    println!("zstd::bulk::compress: {counts:?}, C mallocs {c}");
    assert!(
        c > counts.allocs,
        "libzstd's mallocs must show beyond Rust's: {c} C calls, {counts:?}"
    );
}

#[test]
fn one_shot_both_ways() {
    let data = corpus();
    let sizes = sizes();
    for checksum in [false, true] {
        for level in [-5, 1, 3, 9, 19] {
            let mut comp = Encoder::new(Settings::new(level, PLANNED).with_checksum(checksum))
                .expect("compressor");
            let mut dec = Decoder::new(PLANNED);
            let mut frame = BUFS.try_acquire().expect("buffer");
            let mut back = BUFS.try_acquire().expect("buffer");
            let msgs: Vec<&[u8]> = if level == 19 {
                // Level 19 is slow: fewer, smaller messages (still > 128 small ones
                // before a 16x outlier).
                messages(&data, &sizes).take(160).collect()
            } else {
                messages(&data, &sizes).collect()
            };
            let ((), counts, c) = measure_all(|| {
                for m in &msgs {
                    frame.clear();
                    back.clear();
                    comp.compress_into(m, &mut frame).expect("compress");
                    dec.decompress_into(&frame, &mut back).expect("decompress");
                    assert!(back[..] == m[..], "round trip of {} bytes", m.len());
                }
            });
            let what = format!(
                "one-shot level {level} checksum {checksum}, {} messages, compressor {} B, decompressor {} B",
                msgs.len(),
                comp.memory(),
                dec.memory()
            );
            assert_zero(&what, counts, c);
        }
    }
    assert_eq!(BUFS.stats().available, 2);
}

#[test]
fn streaming_io_both_ways() {
    let data = corpus();
    let sizes = sizes();
    let msgs: Vec<&[u8]> = messages(&data, &sizes).collect();
    let mut comp = Encoder::new(Settings::new(3, PLANNED).with_checksum(true)).expect("compressor");
    let mut dec = Decoder::new(PLANNED);
    let mut dec2 = Decoder::new(PLANNED);
    // Sinks with room reserved up front: writing into them never reallocates.
    let mut compressed = Vec::with_capacity(BIG);
    let mut decoded = Vec::with_capacity(BIG);
    let mut chunk = vec![0u8; 1500];
    let stage = STAGE.try_acquire().expect("buffer");
    let stage2 = STAGE.try_acquire().expect("buffer");
    let mut w = EncodeWriter::new(Cursor::new(Vec::new()), &mut comp, stage);
    let mut wd = DecodeWriter::new(Cursor::new(Vec::new()), &mut dec, stage2);
    let ((), counts, c) = measure_all(|| {
        for (i, m) in msgs.iter().enumerate() {
            // EncodeWriter, written in pieces; the size pledged on every other message.
            compressed.clear();
            w.reset(Cursor::new(std::mem::take(&mut compressed)));
            if i % 2 == 0 {
                w.set_pledged_size(Some(m.len() as u64)).expect("pledge");
            }
            for piece in m.chunks(5000) {
                w.write_all(piece).expect("write");
            }
            w.try_finish().expect("finish");
            compressed = w.reset(Cursor::new(Vec::new())).into_inner();

            // DecodeWriter, fed in pieces.
            decoded.clear();
            wd.reset(Cursor::new(std::mem::take(&mut decoded)));
            for (k, piece) in compressed.chunks(3000).enumerate() {
                wd.write_all(piece).expect("decode write");
                if k % 2 == 0 {
                    // `flush` decodes with no input to pass on what libzstd holds.
                    wd.flush().expect("decode flush");
                }
            }
            wd.try_finish().expect("decode finish");
            decoded = wd.reset(Cursor::new(Vec::new())).into_inner();
            assert!(decoded[..] == m[..], "write decoder round trip");

            // DecodeReader over the frame.
            let mut r = DecodeReader::new(&compressed[..], &mut dec2);
            let mut got = 0;
            loop {
                let k = r.read(&mut chunk).expect("read");
                if k == 0 {
                    break;
                }
                assert!(chunk[..k] == m[got..got + k], "reader content");
                got += k;
            }
            assert_eq!(got, m.len());
        }
    });
    assert_zero(
        "streaming io (EncodeWriter, DecodeWriter, DecodeReader)",
        counts,
        c,
    );
    drop((w, wd));
    assert_eq!(STAGE.stats().available, 2);
}

#[test]
fn streaming_codec_traits_over_a_pool() {
    static OUT: Pool<64, 16384> = Pool::new();
    static WHOLE: Pool<2, BIG> = Pool::new();
    let data = corpus();
    let sizes = sizes();
    let msgs: Vec<&[u8]> = messages(&data, &sizes).collect();
    let mut comp = Encoder::new(Settings::new(1, PLANNED)).expect("compressor");
    let mut dec = Decoder::new(PLANNED);
    let mut frame = WHOLE.try_acquire().expect("buffer");
    let mut back = WHOLE.try_acquire().expect("buffer");
    let ((), counts, c) = measure_all(|| {
        for m in &msgs {
            frame.clear();
            back.clear();
            comp.reset();
            encode_to(&mut comp, m, OUT.pool_ref(), |b| {
                frame.extend_from_slice(&b)
            })
            .expect("encode_to");
            dec.reset();
            decode_to(&mut dec, &frame, OUT.pool_ref(), |b| {
                back.extend_from_slice(&b)
            })
            .expect("decode_to");
            assert!(back[..] == m[..], "round trip");
            // By hand: the last piece of input can end the frame exactly.
            let mut out = OUT.try_acquire().expect("buffer");
            dec.reset();
            let p = dec.decode(&frame, &mut out).expect("decode");
            assert!(p.status == Status::Done || p.status == Status::OutputFull);
            let p = comp.finish(&mut out).expect("finish after finish is Done");
            assert_eq!(p.status, Status::Done);
        }
    });
    assert_zero("streaming codec traits (encode_to, decode_to)", counts, c);
    assert_eq!(OUT.stats().available, 64);
}

#[test]
fn reader_over_a_plain_read() {
    /// A `Read` that is not a `BufRead` and hands out at most 1000 bytes per call.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(out.len()).min(1000);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    static IN: Pool<1, 4096> = Pool::new();
    static FRAME: Pool<1, BIG> = Pool::new();
    let data = corpus();
    let sizes = sizes();
    let msgs: Vec<&[u8]> = messages(&data, &sizes).collect();
    let mut comp = Encoder::new(Settings::new(3, PLANNED)).expect("compressor");
    let frames: Vec<Vec<u8>> = msgs
        .iter()
        .map(|m| {
            let mut out = FRAME.try_acquire().expect("buffer");
            comp.compress_into(m, &mut out).expect("compress");
            out.to_vec()
        })
        .collect();
    let mut dec = Decoder::new(PLANNED);
    let mut chunk = vec![0u8; 3000];
    let mut buf = Some(IN.try_acquire().expect("buffer"));
    let ((), counts, c) = measure_all(|| {
        for (m, f) in msgs.iter().zip(&frames) {
            let input = buf.take().expect("the buffer is back");
            let mut r = DecodeReader::from_read(Trickle(f), &mut dec, input);
            let mut got = 0;
            loop {
                let k = r.read(&mut chunk).expect("read");
                if k == 0 {
                    break;
                }
                assert!(chunk[..k] == m[got..got + k], "content");
                got += k;
            }
            assert_eq!(got, m.len());
            buf = Some(r.into_parts().0.into_parts().1);
        }
    });
    assert_zero("DecodeReader over a plain Read (PoolBufReader)", counts, c);
    drop(buf);
    assert_eq!(IN.stats().available, 1);
}
