//! Throughput of bufpress's codecs against the libraries they build on, side by side in
//! one run.
//!
//! Every benchmark id is `{codec}/{op}/{size}/{design}`, and every throughput is in
//! bytes of *uncompressed* data (criterion `Throughput::Bytes`), so compressing and
//! decompressing the same message report comparable MB/s:
//!
//! - `size`: `1k`, `4k`, `64k`, `1m`: one message of that many bytes of
//!   `bufpress_tests::corpus::mixed` (text, JSON, binary and random in 4 KiB turns, so
//!   the 1k and 4k messages are text only, and a quarter of the larger ones is
//!   incompressible);
//! - `codec`/`op`/`design`:
//!   - `lz4/{compress,decompress}`, raw lz4 blocks:
//!     - `bufpress`: the pooled path: per message, a `Buf` taken from a `static`
//!       `Pool<2, 2 MiB>`, `lz4::compress_into` / `lz4::decompress_into` into it, and
//!       the buffer returned (dropped); one `lz4::Table` from a `static` `ValuePool`,
//!       reused;
//!     - `raw_reused`: lz4_flex `block::compress_into_with_table` with one reused
//!       `CompressTable::large()` into a reused `Vec` of `get_maximum_output_size`
//!       bytes / `block::decompress_into` into a reused `Vec` of the message's size;
//!     - `naive`: `lz4_flex::compress_prepend_size` / `decompress_size_prepended`, a new
//!       `Vec` per message;
//!
//!     Every decompressor reads the same block (lz4_flex's; `naive` with its 4-byte size
//!     in front).
//!   - `lz4_frame/{compress,decompress}`, lz4 frames (64 KiB independent blocks, content
//!     checksum):
//!     - `oneshot`: `lz4::compress_frame_into` / `lz4::decompress_frame_into` into a
//!       2 MiB `Buf` taken per message;
//!     - `streaming`: a `lz4::Encoder` / `lz4::Decoder` (from `static` `ValuePool`s)
//!       driven by `encode_to` / `decode_to` over a `static` pool of 64 KiB buffers, each
//!       buffer dropped (returned) as soon as the sink gets it;
//!   - `deflate/{compress,decompress}`, raw deflate (RFC 1951) at level 6:
//!     - `bufpress`: `deflate::compress_into(Format::Raw, ..)` with one reused
//!       `deflate::EncoderState` / `deflate::decompress_into(Format::Raw, ..)` with one reused
//!       `InflateState`, into a 2 MiB `Buf` taken per message;
//!     - `raw_reused`: miniz_oxide `deflate::core::compress` with one reused
//!       `CompressorOxide` (`reset` + `set_format_and_level` per message) into a reused
//!       `Vec` / `inflate::core::decompress` with one reused `DecompressorOxide` (`init`
//!       per message, non-wrapping output) into a reused `Vec`;
//!     - `naive`: `miniz_oxide::deflate::compress_to_vec` /
//!       `miniz_oxide::inflate::decompress_to_vec`;
//!
//!     Every decompressor reads the same stream (miniz_oxide's).
//!   - `zstd/decompress`, frames made once by the `zstd -3 --stream-size=N`
//!     command-line tool (so they declare their content size, as libzstd's one-shot
//!     calls write them):
//!     - `bufpress`: one `zstd::Decoder` on caller memory (`Decoder::from_parts`, a
//!       state for 1 MiB windows: no allocator), `decompress_into` a 2 MiB `Buf` taken
//!       per message;
//!     - `raw_reused`: one ruzstd `FrameDecoder`, `decode_all` into a reused `Vec`;
//!     - `naive`: `ruzstd::decoding::StreamingDecoder::new` per message, `read_to_end`
//!       into a new `Vec`.
//!
//! Each benchmark checks its output once (round trip or equality) before it is timed.
//! Taking and returning the pool buffer is part of every timed `bufpress` and
//! `oneshot` message (a few nanoseconds: see the pool benchmark).
//! The compressed sizes go to `codecs-sizes.json` next to criterion's results
//! (`$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the workspace's
//! `target/criterion`), and `.ci/bench-codecs` prints the MB/s and ratio table.

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

use bufpress::codec::deflate::{self, EncoderState, Format, InflateState};
use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder, FrameSettings};
use bufpress::codec::{Decode as _, Encode as _, decode_to, encode_to, zstd};
use bufpress::pool::{Pool, ValuePool};
use bufpress_tests::corpus;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use miniz_oxide::deflate::core::{CompressorOxide, TDEFLFlush, TDEFLStatus};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, inflate_flags};

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
/// The message sizes, with their labels.
const SIZES: [(&str, usize); 4] = [("1k", KIB), ("4k", 4 * KIB), ("64k", 64 * KIB), ("1m", MIB)];
const SEED: u64 = 0x0B0F_F3E5;
/// The deflate level of every deflate compressor (zlib's default).
const LEVEL: i32 = 6;

/// One-shot output: room for 1 MiB and any codec's worst case over it. A `static`, so
/// 4 MiB never touch the stack.
static BIG: Pool<2, { 2 * MIB }> = Pool::new();
/// Streaming output: 64 KiB buffers, taken and returned as the driver goes.
static STREAM: Pool<4, { 64 * KIB }> = Pool::new();

const ENC_MEM: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
const DEC_MEM: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
static TABLES: ValuePool<lz4::Table, 1> = ValuePool::new([const { lz4::Table::new() }]);
static ENCODERS: ValuePool<Encoder<ENC_MEM>, 1> = ValuePool::new([const { Encoder::new() }]);
static DECODERS: ValuePool<Decoder<DEC_MEM>, 1> = ValuePool::new([const { Decoder::new() }]);
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);

/// A sink for `encode_to` / `decode_to` that drops (returns) each buffer at once.
fn discard(buf: bufpress::pool::Buf<'_>) -> Result<(), core::convert::Infallible> {
    black_box(buf.as_slice());
    Ok(())
}

/// Compressed sizes seen while setting up, written as JSON for `.ci/bench-codecs`.
#[derive(Default)]
struct Sizes(Vec<(String, usize)>);

impl Sizes {
    fn note(&mut self, id: &str, bytes: usize) {
        self.0.push((id.to_owned(), bytes));
    }

    /// Writes `{"id": bytes, ...}` to `codecs-sizes.json` in criterion's directory.
    fn save(&self) {
        let dir = std::env::var_os("CRITERION_HOME")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("CARGO_TARGET_DIR").map(|d| PathBuf::from(d).join("criterion"))
            })
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion")
            });
        let mut json = String::from("{\n");
        for (i, (id, bytes)) in self.0.iter().enumerate() {
            let comma = if i + 1 < self.0.len() { "," } else { "" };
            let _ = writeln!(json, "  \"{id}\": {bytes}{comma}");
        }
        json.push_str("}\n");
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join("codecs-sizes.json"), json));
        if let Err(e) = written {
            eprintln!("codecs: cannot write {}: {e}", dir.display());
        }
    }
}

/// The group `{codec}/{op}/{label}`, throughput in bytes of `len`; fewer samples and
/// a longer measurement for 1 MiB messages (milliseconds each for deflate).
fn group<'c>(
    c: &'c mut Criterion,
    codec: &str,
    op: &str,
    label: &str,
    len: usize,
) -> BenchmarkGroup<'c, WallTime> {
    let mut g = c.benchmark_group(format!("{codec}/{op}/{label}"));
    g.throughput(Throughput::Bytes(len as u64));
    if len >= MIB {
        g.sample_size(10);
        g.measurement_time(Duration::from_millis(1500));
    }
    g
}

fn lz4_blocks(c: &mut Criterion, sizes: &mut Sizes) {
    use lz4_flex::block::{
        CompressTable, compress_into_with_table, decompress_into, get_maximum_output_size,
    };

    let mut table = TABLES.try_acquire().expect("table pool");
    let mut raw_table = CompressTable::large();
    for (label, len) in SIZES {
        let data = corpus::mixed(len, SEED);
        let mut out = BIG.try_acquire().expect("2 MiB buffer");
        let mut raw_out = vec![0u8; get_maximum_output_size(len)];

        // Compress.
        let n = lz4::compress_into(&data, &mut out, &mut table).expect("bufpress lz4");
        sizes.note(&format!("lz4/compress/{label}/bufpress"), n);
        let mut check = vec![0u8; len];
        assert_eq!(decompress_into(&out, &mut check).ok(), Some(len));
        assert_eq!(check, data);
        let raw_n =
            compress_into_with_table(&data, &mut raw_out, &mut raw_table).expect("lz4_flex");
        sizes.note(&format!("lz4/compress/{label}/raw_reused"), raw_n);
        let naive = lz4_flex::compress_prepend_size(&data);
        sizes.note(&format!("lz4/compress/{label}/naive"), naive.len() - 4);

        let mut g = group(c, "lz4", "compress", label, len);
        g.bench_function("bufpress", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                lz4::compress_into(black_box(&data), &mut out, &mut table).expect("fits")
            });
        });
        g.bench_function("raw_reused", |b| {
            b.iter(|| {
                compress_into_with_table(black_box(&data), &mut raw_out, &mut raw_table)
                    .expect("fits")
            });
        });
        g.bench_function("naive", |b| {
            b.iter(|| lz4_flex::compress_prepend_size(black_box(&data)));
        });
        g.finish();

        // Decompress one block, lz4_flex's, in every design.
        let block = raw_out[..raw_n].to_vec();
        let prepended = naive;
        out.clear();
        assert_eq!(lz4::decompress_into(&block, &mut out), Ok(len));
        assert_eq!(&out[..], &data[..]);
        let mut raw_back = vec![0u8; len];
        assert_eq!(decompress_into(&block, &mut raw_back).ok(), Some(len));
        assert_eq!(
            lz4_flex::decompress_size_prepended(&prepended)
                .ok()
                .as_deref(),
            Some(&data[..])
        );

        let mut g = group(c, "lz4", "decompress", label, len);
        g.bench_function("bufpress", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                lz4::decompress_into(black_box(&block), &mut out).expect("valid")
            });
        });
        g.bench_function("raw_reused", |b| {
            b.iter(|| decompress_into(black_box(&block), &mut raw_back).expect("valid"));
        });
        g.bench_function("naive", |b| {
            b.iter(|| lz4_flex::decompress_size_prepended(black_box(&prepended)).expect("valid"));
        });
        g.finish();
    }
}

fn lz4_frames(c: &mut Criterion, sizes: &mut Sizes) {
    let settings = FrameSettings::new();
    let mut table = TABLES.try_acquire().expect("table pool");
    let mut encoder = ENCODERS.try_acquire().expect("encoder pool");
    encoder.set_settings(settings).expect("64 KiB blocks fit");
    let mut decoder = DECODERS.try_acquire().expect("decoder pool");
    for (label, len) in SIZES {
        let data = corpus::mixed(len, SEED);
        let mut out = BIG.try_acquire().expect("2 MiB buffer");

        let n = lz4::compress_frame_into(&data, &mut out, &settings, &mut table).expect("fits");
        sizes.note(&format!("lz4_frame/compress/{label}/oneshot"), n);
        let frame = out.to_vec();
        let mut streamed = Vec::new();
        encoder.reset();
        let m = encode_to(&mut *encoder, &data, STREAM.pool_ref(), |buf| {
            streamed.extend_from_slice(&buf);
            Ok::<(), core::convert::Infallible>(())
        })
        .expect("encode_to");
        sizes.note(&format!("lz4_frame/compress/{label}/streaming"), m);
        assert_eq!(streamed, frame, "streaming and one-shot frames differ");

        let mut g = group(c, "lz4_frame", "compress", label, len);
        g.bench_function("oneshot", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                lz4::compress_frame_into(black_box(&data), &mut out, &settings, &mut table)
                    .expect("fits")
            });
        });
        g.bench_function("streaming", |b| {
            b.iter(|| {
                encoder.reset();
                encode_to(&mut *encoder, black_box(&data), STREAM.pool_ref(), discard)
                    .expect("encode_to")
            });
        });
        g.finish();

        out.clear();
        assert_eq!(lz4::decompress_frame_into(&frame, &mut out), Ok(len));
        assert_eq!(&out[..], &data[..]);
        let mut back = Vec::new();
        decoder.reset();
        decode_to(&mut *decoder, &frame, STREAM.pool_ref(), |buf| {
            back.extend_from_slice(&buf);
            Ok::<(), core::convert::Infallible>(())
        })
        .expect("decode_to");
        assert_eq!(back, data);

        let mut g = group(c, "lz4_frame", "decompress", label, len);
        g.bench_function("oneshot", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                lz4::decompress_frame_into(black_box(&frame), &mut out).expect("valid")
            });
        });
        g.bench_function("streaming", |b| {
            b.iter(|| {
                decoder.reset();
                decode_to(&mut *decoder, black_box(&frame), STREAM.pool_ref(), discard)
                    .expect("decode_to")
            });
        });
        g.finish();
    }
}

/// miniz_oxide's raw compressor, reused: one whole raw deflate stream into `out`.
fn miniz_compress(oxide: &mut CompressorOxide, data: &[u8], out: &mut [u8]) -> usize {
    oxide.reset();
    oxide.set_format_and_level(miniz_oxide::DataFormat::Raw, LEVEL as u8);
    let (status, used, made) =
        miniz_oxide::deflate::core::compress(oxide, data, out, TDEFLFlush::Finish);
    assert!(
        status == TDEFLStatus::Done && used == data.len(),
        "{status:?}"
    );
    made
}

/// miniz_oxide's raw decompressor, reused: one whole raw deflate stream into `out`.
fn miniz_decompress(oxide: &mut DecompressorOxide, stream: &[u8], out: &mut [u8]) -> usize {
    oxide.init();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, used, made) = miniz_oxide::inflate::core::decompress(oxide, stream, out, 0, flags);
    assert!(
        status == TINFLStatus::Done && used == stream.len(),
        "{status:?}"
    );
    made
}

fn deflate_raw(c: &mut Criterion, sizes: &mut Sizes) {
    let mut state: EncoderState = EncoderState::new();
    let mut oxide = Box::<CompressorOxide>::default();
    let mut inflate = INFLATE.try_acquire().expect("inflate pool");
    let mut dec_oxide = Box::new(DecompressorOxide::new());
    for (label, len) in SIZES {
        let data = corpus::mixed(len, SEED);
        let mut out = BIG.try_acquire().expect("2 MiB buffer");
        let mut raw_out = vec![0u8; deflate::max_compressed_len(len, Format::Raw)];

        let n = deflate::compress_into(&data, &mut out, Format::Raw, LEVEL, &mut state)
            .expect("bufpress deflate");
        sizes.note(&format!("deflate/compress/{label}/bufpress"), n);
        let ours = out.to_vec();
        let raw_n = miniz_compress(&mut oxide, &data, &mut raw_out);
        sizes.note(&format!("deflate/compress/{label}/raw_reused"), raw_n);
        let naive = miniz_oxide::deflate::compress_to_vec(&data, LEVEL as u8);
        sizes.note(&format!("deflate/compress/{label}/naive"), naive.len());
        assert_eq!(
            miniz_oxide::inflate::decompress_to_vec(&ours)
                .ok()
                .as_deref(),
            Some(&data[..])
        );

        let mut g = group(c, "deflate", "compress", label, len);
        g.bench_function("bufpress", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                deflate::compress_into(black_box(&data), &mut out, Format::Raw, LEVEL, &mut state)
                    .expect("fits")
            });
        });
        g.bench_function("raw_reused", |b| {
            b.iter(|| miniz_compress(&mut oxide, black_box(&data), &mut raw_out));
        });
        g.bench_function("naive", |b| {
            b.iter(|| miniz_oxide::deflate::compress_to_vec(black_box(&data), LEVEL as u8));
        });
        g.finish();

        // Decompress one stream, miniz_oxide's, in every design.
        let stream = naive;
        out.clear();
        assert_eq!(
            deflate::decompress_into(&stream, &mut out, Format::Raw, &mut inflate),
            Ok(len)
        );
        assert_eq!(&out[..], &data[..]);
        let mut raw_back = vec![0u8; len];
        assert_eq!(
            miniz_decompress(&mut dec_oxide, &stream, &mut raw_back),
            len
        );
        assert_eq!(raw_back, data);

        let mut g = group(c, "deflate", "decompress", label, len);
        g.bench_function("bufpress", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                deflate::decompress_into(black_box(&stream), &mut out, Format::Raw, &mut inflate)
                    .expect("valid")
            });
        });
        g.bench_function("raw_reused", |b| {
            b.iter(|| miniz_decompress(&mut dec_oxide, black_box(&stream), &mut raw_back));
        });
        g.bench_function("naive", |b| {
            b.iter(|| miniz_oxide::inflate::decompress_to_vec(black_box(&stream)).expect("valid"));
        });
        g.finish();
    }
}

fn zstd_decode(c: &mut Criterion, sizes: &mut Sizes) {
    let mut tables = Box::new(zstd::DecoderTables::new());
    let mut memory = vec![0u8; zstd::decoder_memory(MIB)];
    let mut decoder = zstd::Decoder::from_parts(&mut tables, &mut memory);
    let mut fd = ruzstd::decoding::FrameDecoder::new();
    for (label, len) in SIZES {
        let data = corpus::mixed(len, SEED);
        // With the size pledged, as a message compressor (libzstd's one-shot calls)
        // writes it: the frame declares its content size and its window is that size.
        // Without it, `zstd -3` from a pipe declares a 2 MiB window.
        let pledged = format!("--stream-size={len}");
        let frame = bufpress_tests::tools::pipe("zstd", &["-3", "-c", &pledged], &data);
        sizes.note(&format!("zstd/compress/{label}/zstd_cli"), frame.len());
        let mut out = BIG.try_acquire().expect("2 MiB buffer");
        assert_eq!(decoder.decompress_into(&frame, &mut out), Ok(len));
        assert_eq!(&out[..], &data[..]);
        let mut raw_back = vec![0u8; len];
        assert_eq!(fd.decode_all(&frame, &mut raw_back).ok(), Some(len));
        assert_eq!(raw_back, data);
        let mut naive = Vec::new();
        ruzstd::decoding::StreamingDecoder::new(&frame[..])
            .expect("frame header")
            .read_to_end(&mut naive)
            .expect("valid");
        assert_eq!(naive, data);

        let mut g = group(c, "zstd", "decompress", label, len);
        g.bench_function("bufpress", |b| {
            b.iter(|| {
                let mut out = BIG.try_acquire().expect("a free 2 MiB buffer");
                decoder
                    .decompress_into(black_box(&frame), &mut out)
                    .expect("valid")
            });
        });
        g.bench_function("raw_reused", |b| {
            b.iter(|| {
                fd.decode_all(black_box(&frame), &mut raw_back)
                    .expect("valid")
            });
        });
        g.bench_function("naive", |b| {
            b.iter(|| {
                let mut v = Vec::new();
                ruzstd::decoding::StreamingDecoder::new(black_box(&frame[..]))
                    .expect("frame header")
                    .read_to_end(&mut v)
                    .expect("valid");
                v
            });
        });
        g.finish();
    }
}

fn codecs(c: &mut Criterion) {
    let mut sizes = Sizes::default();
    lz4_blocks(c, &mut sizes);
    lz4_frames(c, &mut sizes);
    deflate_raw(c, &mut sizes);
    zstd_decode(c, &mut sizes);
    sizes.save();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .nresamples(20_000);
    targets = codecs
}
criterion_main!(benches);
