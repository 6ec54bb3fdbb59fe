//! The zero-allocation proof for lz4: once the pools, tables and states exist, block
//! compression and decompression, one-shot frames, and the streaming encoder and
//! decoder (reset and reused, fed in pieces, writing into small buffers) make exactly
//! 0 allocations and 0 reallocations over many messages of 0 B to 1 MiB of every data
//! kind.
//!
//! This package turns on lz4_flex's default features (`std`, `alloc`, `frame`), which
//! Cargo unifies into core's lz4_flex: so this also proves core allocates nothing when
//! another crate switches lz4_flex's `alloc` on.

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder, FrameSettings, Table};
use bufpress::codec::{self, Decode, Encode, Status};
use bufpress::pool::{Buf, Pool, ValuePool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, measure};
use bufpress_tests::rng::Rng;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const MAX: usize = 1 << 20;
const OUT: usize = MAX + MAX / 64 + 4096;
const DEC: usize = lz4::decoder_memory(BlockSize::Max1MiB, BlockMode::Linked);
const ENC: usize = lz4::encoder_memory(BlockSize::Max1MiB, BlockMode::Linked);

static BIG: Pool<4, OUT> = Pool::new();
static SMALL: Pool<2, 100> = Pool::new();
static MEDIUM: Pool<4, 4096> = Pool::new();
static TABLES: ValuePool<Table, 2> = ValuePool::new([const { Table::new() }; 2]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
static ENCODERS: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);

const SIZES: [usize; 10] = [
    0, 1, 100, 4096, 65_535, 65_537, 100_000, 300_000, 700_000, MAX,
];

/// The messages: every size with a rotating kind, plus random sizes; made before the
/// measurement (making them allocates).
fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(11);
    let mut v = Vec::new();
    for (i, &len) in SIZES.iter().enumerate() {
        v.push(corpus::make(KINDS[i % KINDS.len()], len, i as u64));
    }
    for i in 0..20 {
        let len = match i % 3 {
            0 => rng.below(200),
            1 => rng.below(70_000),
            _ => rng.below(MAX + 1),
        };
        let data = if i % 4 == 0 {
            corpus::mixed(len, i)
        } else {
            corpus::make(KINDS[rng.below(KINDS.len())], len, i)
        };
        v.push(data);
    }
    v
}

fn settings(i: usize, len: usize) -> FrameSettings {
    let sizes = [
        BlockSize::Max64KiB,
        BlockSize::Max256KiB,
        BlockSize::Max1MiB,
    ];
    FrameSettings::new()
        .with_block_size(sizes[i % 3])
        .with_block_mode(if i.is_multiple_of(2) {
            BlockMode::Linked
        } else {
            BlockMode::Independent
        })
        .with_block_checksum(i % 4 < 2)
        .with_content_checksum(!i.is_multiple_of(5))
        .with_content_size((i % 3 == 1).then_some(len as u64))
}

/// Appends `piece` to `sink` (a big pool buffer: no allocation).
fn append(sink: &mut Buf<'_>, piece: &[u8]) {
    sink.extend_from_slice(piece).unwrap();
}

#[test]
fn lz4_blocks_frames_and_streams_allocate_nothing() {
    let messages = messages();
    let mut rng = Rng::new(3);
    let mut rounds = 0;
    let ((), counts) = measure(|| {
        let mut encoder = ENCODERS.try_acquire().unwrap();
        let mut decoder = DECODERS.try_acquire().unwrap();
        decoder.set_max_output(MAX as u64);
        for (i, input) in messages.iter().enumerate() {
            let input = &input[..];
            // Blocks, with a table from the pool.
            let mut packed = BIG.try_acquire().unwrap();
            let mut back = BIG.try_acquire().unwrap();
            {
                let mut table = TABLES.try_acquire().unwrap();
                lz4::compress_into(input, &mut packed, &mut table).unwrap();
            }
            lz4::decompress_into(&packed, &mut back).unwrap();
            assert!(back[..] == *input);

            // One-shot frames.
            let s = settings(i, input.len());
            packed.clear();
            back.clear();
            lz4::compress_frame_into(input, &mut packed, &s, &mut TABLES.try_acquire().unwrap())
                .unwrap();
            lz4::decompress_frame_into(&packed, &mut back).unwrap();
            assert!(back[..] == *input);

            // The streaming encoder, reset and reused, in random pieces into 100-byte
            // or 4 KiB buffers: the same bytes as the one-shot.
            encoder.set_settings(s).unwrap();
            let mut streamed = BIG.try_acquire().unwrap();
            let mut out = if i % 2 == 0 {
                SMALL.try_acquire().unwrap()
            } else {
                MEDIUM.try_acquire().unwrap()
            };
            let mut rest = input;
            while !rest.is_empty() {
                let piece = (1 + rng.below(100_000)).min(rest.len());
                let p = encoder.encode(&rest[..piece], &mut out).unwrap();
                rest = &rest[p.consumed..];
                append(&mut streamed, &out);
                out.clear();
            }
            while encoder.finish(&mut out).unwrap().status != Status::Done {
                append(&mut streamed, &out);
                out.clear();
            }
            append(&mut streamed, &out);
            out.clear();
            assert!(streamed[..] == packed[..]);

            // The streaming decoder, reset and reused, in pieces into the same buffer.
            decoder.reset();
            back.clear();
            let mut at = 0;
            loop {
                let piece = (1 + rng.below(50_000)).min(packed.len() - at);
                let p = decoder.decode(&packed[at..at + piece], &mut out).unwrap();
                at += p.consumed;
                append(&mut back, &out);
                out.clear();
                if p.status == Status::Done {
                    break;
                }
            }
            assert_eq!(at, packed.len());
            assert!(back[..] == *input);

            // The drivers, over a pool.
            encoder.reset();
            streamed.clear();
            codec::encode_to(&mut *encoder, input, MEDIUM.pool_ref(), |b| {
                append(&mut streamed, &b);
                Ok::<(), ()>(())
            })
            .unwrap();
            assert!(streamed[..] == packed[..]);
            decoder.reset();
            back.clear();
            codec::decode_to(&mut *decoder, &packed, MEDIUM.pool_ref(), |b| {
                append(&mut back, &b);
                Ok::<(), ()>(())
            })
            .unwrap();
            assert!(back[..] == *input);
            rounds += 1;
        }
    });
    assert_eq!(rounds, messages.len());
    assert_eq!(counts.allocs, 0, "{counts:?}");
    assert_eq!(counts.reallocs, 0, "{counts:?}");
    for stats in [BIG.stats(), SMALL.stats(), MEDIUM.stats()] {
        assert_eq!(stats.in_use, 0);
    }
    assert_eq!(TABLES.stats().in_use, 0);
}

#[test]
fn lz4_errors_allocate_nothing_either() {
    // Hostile input goes through the error paths without touching the heap.
    let input = corpus::mixed(200_000, 5);
    let frame = {
        let mut out = BIG.try_acquire().unwrap();
        let s = FrameSettings::new().with_block_checksum(true);
        lz4::compress_frame_into(&input, &mut out, &s, &mut TABLES.try_acquire().unwrap()).unwrap();
        out.to_vec()
    };
    let mut bad = frame.clone();
    let ((), counts) = measure(|| {
        let mut decoder = DECODERS.try_acquire().unwrap();
        let mut rng = Rng::new(9);
        for _ in 0..200 {
            let at = rng.below(bad.len());
            bad[at] ^= 1 << rng.below(8);
            let cut = rng.below(bad.len() + 1);
            let mut out = MEDIUM.try_acquire().unwrap();
            assert!(lz4::decompress_frame_into(&bad[..cut], &mut out).is_err());
            // Garbage as a block: an error or some output, never an allocation.
            let _ = lz4::decompress_into(&bad[..cut], &mut out);
            decoder.reset();
            decoder.set_max_output(100_000);
            let r = codec::decode_to(&mut *decoder, &bad[..cut], SMALL.pool_ref(), |_| {
                Ok::<(), ()>(())
            });
            assert!(r.is_err());
            bad.copy_from_slice(&frame);
        }
    });
    assert_eq!(counts.allocs, 0, "{counts:?}");
    assert_eq!(counts.reallocs, 0, "{counts:?}");
}
