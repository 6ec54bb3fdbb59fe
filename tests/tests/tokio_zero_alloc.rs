//! The zero-allocation proof of `bufpress_std::tokio` (feature `tokio`): after the
//! pools and codec states exist, streams through `EncodeWriter` (`AsyncWrite`) and
//! `DecodeReader` (`AsyncBufRead` over an `AsyncBufRead`, and over a plain `AsyncRead`
//! through `PoolBufReader`) make **0 allocations, 0 reallocations, 0 deallocations and
//! 0 C `malloc`/`calloc`/`realloc` calls** (libzstd's included: this binary defines
//! those symbols and counts the calls of marked threads), inside a tokio runtime.
//!
//! Every codec: lz4 frames, deflate (core, raw), zlib (flate2), gzip (flate2 encoder,
//! core decoder), zstd (libzstd encoder; libzstd and ruzstd decoders). 0 B to 256 KiB
//! of every corpus kind, written and read in pieces of 1 B to 4 KiB through inner
//! streams that take a few bytes at a time and say `Pending` now and then. The
//! encoder is one long-lived adapter `reset` onto each new stream; the decoders are
//! built per stream from states and buffers taken with the pools' `acquire().await`.

mod tokio_support;

use bufpress::codec::deflate::{self, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{Decode, Encode};
use bufpress::pool::{Pool, Value, ValuePool};
use bufpress_std::tokio::{DecodeReader, EncodeWriter, PoolBufReader};
use bufpress_std::{flate, zstd};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::CountingAlloc;
use bufpress_tests::rng::Rng;
use tokio_support::{Behaviour, Sink, Source, read_stream, write_stream};

mod c_malloc;
use c_malloc::measure_all;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// C-level malloc counting: `c_malloc::measure_all`.

// ---- the workload -------------------------------------------------------------------

const MAX: usize = 256 * 1024;
const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);

/// Staging buffers (one per adapter, one for a `PoolBufReader`).
static STAGING: Pool<3, 4096> = Pool::new();

/// Message sizes: mostly small, some up to 256 KiB, the largest among them.
fn messages(data: &[u8], count: usize, seed: u64) -> Vec<(usize, usize)> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|i| {
            let len = match i % 8 {
                0 => rng.below(MAX + 1),
                1 | 2 => rng.below(16 * 1024),
                3 => 0,
                _ => rng.below(2048),
            };
            let len = if i == 1 { MAX } else { len };
            let start = rng.below(data.len() - len);
            (start, len)
        })
        .collect()
}

/// Round trips of `msgs` through one long-lived encoder adapter and per-stream decoder
/// adapters from `decoders`; checks every byte.
async fn round_trips<E, D, const N: usize>(
    writer: &mut EncodeWriter<'static, E, Sink>,
    decoders: &ValuePool<D, N>,
    data: &[u8],
    msgs: &[(usize, usize)],
    packed: &mut Vec<u8>,
    back: &mut Vec<u8>,
) where
    E: Encode + Unpin,
    D: Decode + Unpin,
{
    for (turn, &(start, len)) in msgs.iter().enumerate() {
        let msg = &data[start..start + len];
        packed.clear();
        let out = std::mem::take(packed);
        writer.reset(Sink::new(out, Behaviour::varied(turn)));
        write_stream(writer, msg, turn).await.unwrap();
        *packed = std::mem::take(&mut writer.get_mut().out);

        back.clear();
        let decoder = decoders.acquire().await;
        let staging = STAGING.acquire().await;
        let source = Source::new(packed, Behaviour::varied(turn + 1));
        if turn % 2 == 0 {
            let mut r = DecodeReader::new(source, decoder, staging).with_max_output(MAX as u64);
            read_stream(&mut r, back, turn).await.unwrap();
            assert!(r.is_done());
        } else {
            let input = PoolBufReader::new(source, STAGING.acquire().await);
            let mut r = DecodeReader::new(input, decoder, staging);
            read_stream(&mut r, back, turn).await.unwrap();
        }
        assert!(back[..] == msg[..], "turn {turn}: {len} bytes");
    }
}

/// Everything a run needs, built before counting.
struct States {
    lz4_enc: ValuePool<lz4::Encoder<ENC>, 1>,
    lz4_dec: ValuePool<lz4::Decoder<DEC>, 1>,
    deflate_enc: ValuePool<deflate::Encoder<Value<'static, deflate::EncoderState>>, 1>,
    deflate_dec: ValuePool<deflate::Decoder<Box<deflate::DecoderState>>, 1>,
    gzip_dec: ValuePool<deflate::Decoder<Box<deflate::DecoderState>>, 1>,
    zlib_enc: ValuePool<flate::Encoder, 1>,
    gzip_enc: ValuePool<flate::Encoder, 1>,
    zlib_dec: ValuePool<flate::Decoder, 1>,
    zstd_enc: ValuePool<zstd::Encoder, 1>,
    zstd_dec: ValuePool<zstd::Decoder, 1>,
    ruzstd_dec: ValuePool<bufpress::codec::zstd::Decoder<'static>, 1>,
}

impl States {
    fn new() -> Self {
        // 268 KB: in a static (`.bss`), never on the stack.
        static DEFLATE_STATE: ValuePool<deflate::EncoderState, 1> =
            ValuePool::new([const { deflate::EncoderState::new() }]);
        let deflate_state = || DEFLATE_STATE.try_acquire().unwrap();
        let inflate_state = || Box::new(deflate::DecoderState::new());
        Self {
            lz4_enc: ValuePool::new([lz4::Encoder::new()]),
            lz4_dec: ValuePool::new([lz4::Decoder::new()]),
            deflate_enc: ValuePool::new([
                deflate::Encoder::new(Format::Raw, 6, deflate_state()).unwrap()
            ]),
            deflate_dec: ValuePool::new([deflate::Decoder::new(Format::Raw, inflate_state())]),
            gzip_dec: ValuePool::new([deflate::Decoder::new(Format::Gzip, inflate_state())]),
            zlib_enc: ValuePool::new([flate::Encoder::new(Format::Zlib, 6).unwrap()]),
            gzip_enc: ValuePool::new([flate::Encoder::new(Format::Gzip, 1).unwrap()]),
            zlib_dec: ValuePool::new([flate::Decoder::new(Format::Zlib)]),
            zstd_enc: ValuePool::new([
                zstd::Encoder::new(zstd::Settings::new(3, 64 * 1024)).unwrap()
            ]),
            zstd_dec: ValuePool::new([zstd::Decoder::new(1 << 17)]),
            ruzstd_dec: ValuePool::new([bufpress::codec::zstd::Decoder::new(1 << 17)]),
        }
    }
}

/// One pass over every codec.
async fn all_codecs(
    s: &States,
    data: &[u8],
    msgs: &[(usize, usize)],
    packed: &mut Vec<u8>,
    back: &mut Vec<u8>,
) {
    macro_rules! codec {
        ($enc:expr, $dec:expr) => {{
            let mut w = EncodeWriter::new(
                Sink::default(),
                $enc.acquire().await,
                STAGING.acquire().await,
            );
            round_trips(&mut w, $dec, data, msgs, packed, back).await;
        }};
    }
    codec!(s.lz4_enc, &s.lz4_dec);
    codec!(s.deflate_enc, &s.deflate_dec);
    codec!(s.zlib_enc, &s.zlib_dec);
    codec!(s.gzip_enc, &s.gzip_dec);
    codec!(s.zstd_enc, &s.zstd_dec);
    codec!(s.zstd_enc, &s.ruzstd_dec);
}

/// The counter sees libzstd's own `malloc`s: an ordinary context (the `zstd` crate's
/// `bulk::compress`) makes more C calls than Rust allocations.
#[test]
fn c_counter_sees_libzstd() {
    let (packed, counts, c) = measure_all(|| ::zstd::bulk::compress(&[7u8; 1000], 3).unwrap());
    assert!(!packed.is_empty());
    assert!(
        c > counts.allocs,
        "C mallocs {c}, Rust allocations {}",
        counts.allocs
    );
}

#[test]
fn tokio_adapters_allocate_nothing_per_stream() {
    let data = {
        let mut d = Vec::new();
        for (i, kind) in KINDS.into_iter().enumerate() {
            d.extend(corpus::make(kind, MAX + 1, 40 + i as u64));
        }
        d
    };
    let states = States::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut packed = Vec::with_capacity(2 * MAX + 64 * 1024);
    let mut back = Vec::with_capacity(MAX);
    let (packed_cap, back_cap) = (packed.capacity(), back.capacity());

    // Warm-up: one pass of a few streams (first touches, the runtime's own setup).
    let warm = messages(&data, 4, 1);
    rt.block_on(all_codecs(&states, &data, &warm, &mut packed, &mut back));

    let msgs = messages(&data, if cfg!(debug_assertions) { 40 } else { 120 }, 2);
    // Pinned here, so that `block_on` gets a pointer: in debug builds tokio boxes a
    // large future handed to it (once per `block_on`, not per stream).
    let ((), counts, c_calls) = measure_all(|| {
        let run = std::pin::pin!(all_codecs(&states, &data, &msgs, &mut packed, &mut back));
        rt.block_on(run)
    });
    println!(
        "{} streams x 6 codecs: {counts:?}, C mallocs {c_calls}",
        msgs.len()
    );
    assert!(counts.is_zero(), "heap used: {counts:?}");
    assert_eq!(c_calls, 0, "C mallocs");
    assert_eq!(
        (packed.capacity(), back.capacity()),
        (packed_cap, back_cap),
        "outputs never grew"
    );
    assert_eq!(STAGING.stats().available, 3, "every staging buffer back");
}
