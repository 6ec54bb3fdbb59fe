//! lz4 blocks and frames: round trips over sizes and data kinds, streaming in random
//! pieces into small buffers (the same bytes as the one-shot calls), frames in a row,
//! and the bad-input catalogue (truncation at every offset, every bit flip, bad magic
//! and checksums, reserved bits, limits, content size, trailing data, bombs). After
//! every error every pool buffer and state is back. Sizes shrink under Miri.
#![cfg(feature = "lz4")]

use bufpress::codec::lz4::{
    self, BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameSettings, Table,
};
use bufpress::codec::{
    self, Checksum, DecodeError, Decoder, EncodeError, Encoder, Progress, Status,
};
use bufpress::pool::{Buf, Pool, ValuePool};

const MIRI: bool = cfg!(miri);
const BIG: usize = if MIRI { 66_000 } else { 1 << 20 };
const OUT: usize = BIG + BIG / 64 + 4096;
const SIZES: [usize; 7] = [0, 1, 63, 65_535, 65_536, 65_537, BIG];
const MIRI_SIZES: [usize; 4] = [0, 1, 63, 3000];

fn sizes() -> &'static [usize] {
    if MIRI { &MIRI_SIZES } else { &SIZES }
}

const DEC64: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const ENC64: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC4M: usize = lz4::decoder_memory(BlockSize::Max4MiB, BlockMode::Linked);
const ENC4M: usize = lz4::encoder_memory(BlockSize::Max4MiB, BlockMode::Linked);

static TABLES: ValuePool<Table, 4> = ValuePool::new([const { Table::new() }; 4]);
static DECODERS: ValuePool<FrameDecoder<DEC64>, 2> =
    ValuePool::new([const { FrameDecoder::new() }; 2]);
static ENCODERS: ValuePool<FrameEncoder<ENC64>, 2> =
    ValuePool::new([const { FrameEncoder::new() }; 2]);
static BIG_DECODER: ValuePool<FrameDecoder<DEC4M>, 1> =
    ValuePool::new([const { FrameDecoder::new() }]);
static BIG_ENCODER: ValuePool<FrameEncoder<ENC4M>, 1> =
    ValuePool::new([const { FrameEncoder::new() }]);

/// The tests share pools and states and check that every one is back after each
/// error, so they run one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---- data ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Random,
    Zeros,
    Binary,
    /// Text, random and runs, with chunks repeated from 1 to 100 KiB back (so linked
    /// blocks find matches in earlier blocks, some out of reach).
    Mixed,
}

const KINDS: [Kind; 5] = [
    Kind::Text,
    Kind::Random,
    Kind::Zeros,
    Kind::Binary,
    Kind::Mixed,
];

fn data(kind: Kind, len: usize, seed: u64) -> Vec<u8> {
    const WORDS: [&[u8]; 8] = [
        b"pool ", b"buffer ", b"frame ", b"sensor ", b"data\n", b"the ", b"of ", b"zero ",
    ];
    let mut rng = Rng::new(seed ^ kind as u64);
    let mut out = Vec::with_capacity(len + 64);
    while out.len() < len {
        match kind {
            Kind::Text => out.extend_from_slice(WORDS[rng.below(WORDS.len())]),
            Kind::Random => out.extend_from_slice(&rng.next().to_le_bytes()),
            Kind::Zeros => out.push(0),
            Kind::Binary => {
                let t = out.len() as u32 * 10 + rng.below(3) as u32;
                out.extend_from_slice(&t.to_le_bytes());
            }
            Kind::Mixed => {
                let n = 1 + rng.below(300);
                match rng.below(4) {
                    0 if out.len() > 1000 => {
                        let back = 1 + rng.below(out.len().min(100_000));
                        let from = out.len() - back;
                        for i in 0..n {
                            out.push(out[from + i % back]);
                        }
                    }
                    1 => out.extend((0..n).map(|_| rng.next() as u8)),
                    2 => out.extend(std::iter::repeat_n(rng.next() as u8, n)),
                    _ => (0..n / 4).for_each(|_| out.extend_from_slice(WORDS[rng.below(8)])),
                }
            }
        }
    }
    out.truncate(len);
    out
}

/// Every setting combination (64), or a sample of them.
fn all_settings() -> Vec<FrameSettings> {
    let mut v = Vec::new();
    for size in [
        BlockSize::Max64KiB,
        BlockSize::Max256KiB,
        BlockSize::Max1MiB,
        BlockSize::Max4MiB,
    ] {
        for mode in [BlockMode::Independent, BlockMode::Linked] {
            for bits in 0..8 {
                v.push(
                    FrameSettings::new()
                        .with_block_size(size)
                        .with_block_mode(mode)
                        .with_block_checksum(bits & 1 != 0)
                        .with_content_checksum(bits & 2 != 0)
                        .with_content_size((bits & 4 != 0).then_some(0)),
                );
            }
        }
    }
    v
}

fn for_len(settings: FrameSettings, len: usize) -> FrameSettings {
    let size = settings.content_size.map(|_| len as u64);
    settings.with_content_size(size)
}

// ---- helpers ------------------------------------------------------------------------

static ONE_SHOT: Pool<4, OUT> = Pool::new();

fn frame(input: &[u8], settings: &FrameSettings) -> Vec<u8> {
    let mut out = ONE_SHOT.acquire();
    let n = lz4::compress_frame_into(input, &mut out, settings, &mut TABLES.acquire()).unwrap();
    assert_eq!(n, out.len());
    assert!(n <= lz4::max_frame_len(input.len(), settings));
    out.to_vec()
}

fn unframe(frame: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = ONE_SHOT.acquire();
    let r = lz4::decompress_frame_into(frame, &mut out);
    match r {
        Ok(n) => {
            assert_eq!(n, out.len());
            Ok(out.to_vec())
        }
        Err(e) => {
            assert!(out.is_empty(), "output committed on error {e:?}");
            Err(e)
        }
    }
}

/// Streams `input` through `encoder` in random pieces into buffers of `pool`.
fn stream_encode<E: Encoder + ?Sized>(
    encoder: &mut E,
    input: &[u8],
    pool: &Pool<2, 100>,
    rng: &mut Rng,
    max_piece: usize,
) -> Vec<u8> {
    let mut frame = Vec::new();
    let mut out = pool.try_acquire().unwrap();
    let mut rest = input;
    while !rest.is_empty() {
        let piece = (1 + rng.below(max_piece)).min(rest.len());
        let p = encoder.encode(&rest[..piece], &mut out).unwrap();
        assert!(p.consumed <= piece);
        assert_eq!(p.produced, out.len().min(p.produced));
        rest = &rest[p.consumed..];
        if p.status == Status::OutputFull || out.remaining() == 0 {
            frame.extend_from_slice(&out);
            out.clear();
        }
    }
    loop {
        let p = encoder.finish(&mut out).unwrap();
        frame.extend_from_slice(&out);
        out.clear();
        if p.status == Status::Done {
            break;
        }
        assert_eq!(p.status, Status::OutputFull);
    }
    frame
}

/// Streams `frame` through `decoder` in random pieces into `out` (handed on when
/// full); returns the output and the bytes consumed when the frame ended.
fn stream_decode<D: Decoder + ?Sized>(
    decoder: &mut D,
    frame: &[u8],
    out: &mut Buf<'_>,
    rng: &mut Rng,
    max_piece: usize,
) -> Result<(Vec<u8>, usize), DecodeError> {
    let mut data = Vec::new();
    let mut at = 0;
    loop {
        let piece = (1 + rng.below(max_piece)).min(frame.len() - at);
        let p = decoder.decode(&frame[at..at + piece], out)?;
        at += p.consumed;
        match p.status {
            Status::Done => {
                data.extend_from_slice(out);
                out.clear();
                return Ok((data, at));
            }
            Status::OutputFull => {
                assert_eq!(out.remaining(), 0);
                data.extend_from_slice(out);
                out.clear();
            }
            Status::NeedInput => {
                assert_eq!(p.consumed, piece);
                if at == frame.len() {
                    return Err(DecodeError::Truncated);
                }
            }
        }
    }
}

// ---- blocks -------------------------------------------------------------------------

#[test]
fn blocks_round_trip_every_kind_and_size() {
    let _serial = serial();
    static BLOCK: Pool<2, OUT> = Pool::new();
    let mut table = TABLES.acquire();
    for &len in sizes() {
        for (i, kind) in KINDS.into_iter().enumerate() {
            let input = data(kind, len, i as u64);
            let mut packed = BLOCK.acquire();
            let n = lz4::compress_into(&input, &mut packed, &mut table).unwrap();
            assert_eq!(n, packed.len());
            assert!(n <= lz4::max_compressed_len(len), "{kind:?} {len}: {n}");
            let mut back = BLOCK.acquire();
            assert_eq!(lz4::decompress_into(&packed, &mut back).unwrap(), len);
            assert!(back[..] == input[..], "{kind:?} {len}");
            if matches!(kind, Kind::Zeros) && len > 1000 {
                assert!(n < len / 100, "zeros compress: {n}");
            }
        }
    }
    assert_eq!(BLOCK.stats().in_use, 0);
}

#[test]
fn blocks_append_after_existing_bytes() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let input = data(Kind::Text, 1000, 1);
    let mut packed = P.acquire();
    packed.extend_from_slice(b"hdr").unwrap();
    let n = lz4::compress_into(&input, &mut packed, &mut TABLES.acquire()).unwrap();
    assert_eq!(packed.len(), 3 + n);
    let mut back = P.acquire();
    back.extend_from_slice(b"xy").unwrap();
    lz4::decompress_into(&packed[3..], &mut back).unwrap();
    assert_eq!(&back[..2], b"xy");
    assert!(back[2..] == input[..]);
}

#[test]
fn block_errors_are_typed_and_commit_nothing() {
    let _serial = serial();
    static SMALL: Pool<2, 64> = Pool::new();
    static P: Pool<2, 8192> = Pool::new();
    let mut table = TABLES.acquire();
    let input = data(Kind::Random, 1000, 2);
    let mut out = SMALL.acquire();
    out.push(1).unwrap();
    let e = lz4::compress_into(&input, &mut out, &mut table).unwrap_err();
    assert_eq!(
        e,
        EncodeError::OutputTooSmall {
            needed: Some(1 + lz4::max_compressed_len(1000)),
            capacity: 64
        }
    );
    assert_eq!(out.len(), 1);
    // Compressible data fits even where the worst case would not.
    let zeros = [0u8; 1000];
    out.clear();
    assert!(lz4::compress_into(&zeros, &mut out, &mut table).unwrap() < 64);

    let mut packed = P.acquire();
    lz4::compress_into(&input, &mut packed, &mut table).unwrap();
    out.clear();
    assert_eq!(
        lz4::decompress_into(&packed, &mut out).unwrap_err(),
        DecodeError::OutputTooSmall {
            needed: None,
            capacity: 64
        }
    );
    assert!(out.is_empty());
    let mut back = P.acquire();
    assert_eq!(
        lz4::decompress_into(&[], &mut back).unwrap_err(),
        DecodeError::Corrupt
    );
    // Every truncation and bit flip of a block: an error or some output, never a panic
    // and never past the buffer.
    let text = data(Kind::Mixed, 3000, 3);
    packed.clear();
    lz4::compress_into(&text, &mut packed, &mut table).unwrap();
    let step = if MIRI { 17 } else { 1 };
    for cut in (0..packed.len()).step_by(step) {
        back.clear();
        if let Ok(n) = lz4::decompress_into(&packed[..cut], &mut back) {
            assert!(n <= back.capacity());
        }
    }
    let mut bad = packed.to_vec();
    for bit in (0..bad.len() * 8).step_by(step * 3) {
        bad[bit / 8] ^= 1 << (bit % 8);
        back.clear();
        let _ = lz4::decompress_into(&bad, &mut back);
        bad[bit / 8] ^= 1 << (bit % 8);
    }
    drop((out, packed, back, table));
    assert_eq!(SMALL.stats().in_use + P.stats().in_use, 0);
    assert_eq!(TABLES.stats().in_use, 0);
}

/// Sequences of every short literal length (0 to 40: each copy path of the
/// compressor) and match lengths around the token's limits, after a random run.
fn sequences(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<u8> = (0..64).map(|_| rng.next() as u8).collect();
    let mut lit = 0;
    while out.len() < len {
        out.extend((0..lit % 41).map(|_| rng.next() as u8));
        let n = [4, 5, 18, 19, 20, 33, 270, 300][rng.below(8)];
        let back = 1 + rng.below(out.len().min(65_535));
        let from = out.len() - back;
        for i in 0..n {
            out.push(out[from + i % back]);
        }
        lit += 1;
    }
    out.truncate(len);
    out
}

#[test]
fn every_literal_length_and_every_output_capacity() {
    let _serial = serial();
    // Round trips over every literal length, then every capacity short of the
    // block: a typed error, nothing committed, never a write past the buffer.
    static P: Pool<2, 8192> = Pool::new();
    let mut table = TABLES.acquire();
    let (mut packed, mut back) = (P.acquire(), P.acquire());
    for seed in 0..if MIRI { 2 } else { 8 } {
        let input = sequences(seed, if MIRI { 1500 } else { 6000 });
        packed.clear();
        let n = lz4::compress_into(&input, &mut packed, &mut table).unwrap();
        let block = packed.to_vec();
        back.clear();
        assert_eq!(
            lz4::decompress_into(&block, &mut back).unwrap(),
            input.len()
        );
        assert!(back[..] == input[..], "seed {seed}");
        let step = if MIRI { 97 } else { 1 };
        for spare in (0..n).step_by(step) {
            // Leave `spare` bytes free after a filler.
            packed.clear();
            packed.commit(packed.capacity() - spare).unwrap();
            let before = packed.len();
            let e = lz4::compress_into(&input, &mut packed, &mut table).unwrap_err();
            assert!(matches!(e, EncodeError::OutputTooSmall { .. }), "{e:?}");
            assert_eq!(packed.len(), before);
        }
        packed.clear();
        packed.commit(packed.capacity() - n).unwrap();
        let at = packed.len();
        assert_eq!(lz4::compress_into(&input, &mut packed, &mut table), Ok(n));
        assert!(packed[at..] == block[..]);
    }
    drop((packed, back, table));
    assert_eq!(P.stats().in_use + TABLES.stats().in_use, 0);
}

#[test]
fn a_table_is_reused_across_unrelated_messages() {
    let _serial = serial();
    // Stale positions from earlier messages never leak into later ones: the output
    // depends only on the message, not on the table's history.
    static P: Pool<2, 70_000> = Pool::new();
    let mut used = TABLES.acquire();
    let (mut a, mut b) = (P.acquire(), P.acquire());
    for seed in 0..if MIRI { 3 } else { 20 } {
        let input = data(KINDS[seed % 5], 1 + seed * 3001, seed as u64);
        a.clear();
        b.clear();
        let mut fresh = Table::new();
        lz4::compress_into(&input, &mut a, &mut fresh).unwrap();
        lz4::compress_into(&input, &mut b, &mut used).unwrap();
        assert!(a[..] == b[..], "seed {seed}");
    }
}

// ---- frames: round trips -----------------------------------------------------------

#[test]
fn frames_round_trip_every_kind_and_size() {
    let _serial = serial();
    let settings = all_settings();
    let mut pick = 0;
    for &len in sizes() {
        for (i, kind) in KINDS.into_iter().enumerate() {
            let input = data(kind, len, 10 + i as u64);
            // A few settings per input, cycling through all of them.
            for _ in 0..if MIRI { 1 } else { 3 } {
                let s = for_len(settings[pick % settings.len()], len);
                pick += 7;
                let f = frame(&input, &s);
                assert!(unframe(&f).unwrap() == input, "{kind:?} {len} {s:?}");
            }
        }
    }
}

#[test]
fn frames_round_trip_with_every_setting() {
    let _serial = serial();
    let len = if MIRI { 3000 } else { 300_000 };
    let input = data(Kind::Mixed, len, 4);
    for s in all_settings() {
        if MIRI && s.block_size != BlockSize::Max64KiB {
            continue;
        }
        let s = for_len(s, len);
        let f = frame(&input, &s);
        assert!(unframe(&f).unwrap() == input, "{s:?}");
        // The header says what the settings say.
        assert_eq!(f[4] & 0x20 == 0, s.block_mode == BlockMode::Linked);
        assert_eq!(f[5] >> 4, s.block_size.id());
    }
}

#[test]
fn linked_blocks_use_the_previous_blocks() {
    let _serial = serial();
    // 16 KiB of random bytes, repeated: independent 64 KiB blocks each pay for the
    // first copy; linked blocks only once.
    let unit = data(Kind::Random, 16 * 1024, 5);
    let input: Vec<u8> = unit
        .iter()
        .copied()
        .cycle()
        .take(if MIRI { 66_000 } else { 256 * 1024 })
        .collect();
    let indep = frame(&input, &FrameSettings::new());
    let linked = frame(
        &input,
        &FrameSettings::new().with_block_mode(BlockMode::Linked),
    );
    assert!(
        linked.len() + if MIRI { 300 } else { 10_000 } < indep.len(),
        "{} vs {}",
        linked.len(),
        indep.len()
    );
    assert!(unframe(&linked).unwrap() == input);
}

#[test]
fn streaming_gives_the_one_shot_bytes_in_any_pieces() {
    let _serial = serial();
    static SMALL: Pool<2, 100> = Pool::new();
    static LARGE: Pool<2, 200_000> = Pool::new();
    let len = if MIRI { 12_000 } else { 400_000 };
    let mut rng = Rng::new(6);
    let runs = if MIRI { 1 } else { 8 };
    for run in 0..runs {
        let kind = KINDS[run % KINDS.len()];
        let input = data(kind, len - run * 1000, run as u64);
        let s = FrameSettings::new()
            .with_block_mode(if run % 2 == 0 {
                BlockMode::Linked
            } else {
                BlockMode::Independent
            })
            .with_block_checksum(run % 3 == 0)
            .with_content_checksum(run % 4 != 1)
            .with_content_size((run % 3 == 1).then_some(input.len() as u64));
        let expected = frame(&input, &s);

        let mut encoder = ENCODERS.acquire();
        encoder.set_settings(s).unwrap();
        let max_piece = if MIRI {
            5_000
        } else {
            [1 + rng.below(300), 70_000][run % 2]
        };
        let streamed = stream_encode(&mut *encoder, &input, &SMALL, &mut rng, max_piece);
        assert!(streamed == expected, "run {run}: streamed frame differs");

        // Reused for a second stream after a reset, with big buffers: direct writes.
        encoder.reset();
        let mut big = Vec::new();
        codec::encode_to(&mut *encoder, &input, LARGE.pool_ref(), |b| {
            big.extend_from_slice(&b);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert!(big == expected, "run {run}: encode_to frame differs");

        let mut decoder = DECODERS.acquire();
        decoder.reset();
        decoder.set_limit(u64::MAX);
        let mut out = SMALL.acquire();
        let (back, consumed) =
            stream_decode(&mut *decoder, &expected, &mut out, &mut rng, max_piece).unwrap();
        assert_eq!(consumed, expected.len());
        assert!(back == input, "run {run}: streamed decode differs");
        drop(out);
        decoder.reset();
        let mut out = LARGE.acquire();
        let (back, _) =
            stream_decode(&mut *decoder, &expected, &mut out, &mut rng, 1 << 20).unwrap();
        assert!(back == input);
    }
    assert_eq!(SMALL.stats().in_use + LARGE.stats().in_use, 0);
}

#[test]
fn big_blocks_stream_through_big_states() {
    let _serial = serial();
    static SMALL: Pool<2, 100> = Pool::new();
    if MIRI {
        return;
    }
    let mut rng = Rng::new(7);
    let input = data(Kind::Mixed, BIG + 12_345, 8);
    for size in [BlockSize::Max256KiB, BlockSize::Max1MiB, BlockSize::Max4MiB] {
        for mode in [BlockMode::Independent, BlockMode::Linked] {
            let s = FrameSettings::new()
                .with_block_size(size)
                .with_block_mode(mode)
                .with_block_checksum(true);
            let expected = frame(&input, &s);
            let mut encoder = BIG_ENCODER.acquire();
            encoder.set_settings(s).unwrap();
            let streamed = stream_encode(&mut *encoder, &input, &SMALL, &mut rng, 100_000);
            assert!(streamed == expected, "{size:?} {mode:?}");
            let mut decoder = BIG_DECODER.acquire();
            decoder.reset();
            decoder.set_limit(u64::MAX);
            let mut out = SMALL.acquire();
            let (back, _) =
                stream_decode(&mut *decoder, &expected, &mut out, &mut rng, 100_000).unwrap();
            assert!(back == input, "{size:?} {mode:?}");
        }
    }
}

#[test]
fn frames_in_a_row_and_skippable_frames() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let a = data(Kind::Text, 3000, 1);
    let b = data(Kind::Binary, 2000, 2);
    let mut input = frame(&a, &FrameSettings::new());
    let first = input.len();
    // A skippable frame between them, and one at the very start.
    let skip = [0x5F, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9];
    input.extend_from_slice(&skip);
    input.extend_from_slice(&frame(
        &b,
        &FrameSettings::new().with_block_mode(BlockMode::Linked),
    ));
    let mut with_lead = skip.to_vec();
    with_lead.extend_from_slice(&input);

    let mut both = a.clone();
    both.extend_from_slice(&b);
    assert!(unframe(&input).unwrap() == both);
    assert!(unframe(&with_lead).unwrap() == both);
    // Only a skippable frame: nothing, successfully.
    assert_eq!(unframe(&skip).unwrap(), b"");

    // The decoder stops at each frame's end.
    let mut decoder = DECODERS.acquire();
    decoder.reset();
    decoder.set_limit(u64::MAX);
    let mut out = P.acquire();
    let p = decoder.decode(&with_lead, &mut out).unwrap();
    assert_eq!(p.status, Status::Done);
    assert_eq!(p.consumed, skip.len() + first);
    assert!(out[..] == a[..]);
    out.clear();
    let rest = &with_lead[p.consumed..];
    let p = decoder.decode(rest, &mut out).unwrap();
    assert_eq!((p.status, p.consumed), (Status::Done, rest.len()));
    assert!(out[..] == b[..]);
    assert_eq!(decoder.total_out(), 5000);
    // After the last frame, more input is a new frame: nothing here.
    let p = decoder.decode(&[], &mut out).unwrap();
    assert_eq!(p.status, Status::NeedInput);
}

// ---- the bad-input catalogue ------------------------------------------------------

fn small_frame(settings: FrameSettings) -> (Vec<u8>, Vec<u8>) {
    let input = data(Kind::Mixed, 700, 9);
    let f = frame(&input, &for_len(settings, 700));
    (input, f)
}

fn every_check() -> FrameSettings {
    FrameSettings::new()
        .with_block_checksum(true)
        .with_content_size(Some(0))
}

/// Decodes `input` with a fresh streaming decoder, whole and in 3-byte pieces into
/// 100-byte buffers; both must agree. Checks nothing is left out of the pools.
fn stream_result(input: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    static P: Pool<2, 100> = Pool::new();
    let mut results = Vec::new();
    for max_piece in [input.len().max(1), 3] {
        let mut decoder = DECODERS.acquire();
        decoder.reset();
        decoder.set_limit(u64::MAX);
        decoder.set_limit(limit);
        let mut out = P.acquire();
        let r = stream_decode(&mut *decoder, input, &mut out, &mut Rng::new(1), max_piece);
        if let Ok((data, _)) = &r {
            assert!(data.len() as u64 <= limit);
        }
        results.push(r.map(|(d, _)| d));
    }
    assert_eq!(P.stats().in_use, 0);
    assert_eq!(DECODERS.stats().in_use, 0);
    let second = results.pop().unwrap();
    let first = results.pop().unwrap();
    assert_eq!(first, second, "whole and piecewise decoding disagree");
    first
}

#[test]
fn truncation_at_every_offset_is_an_error() {
    let _serial = serial();
    for s in [
        FrameSettings::new(),
        every_check(),
        every_check().with_block_mode(BlockMode::Linked),
    ] {
        let (_, f) = small_frame(s);
        for cut in (0..f.len()).step_by(if MIRI { 23 } else { 1 }) {
            let e = unframe(&f[..cut]).unwrap_err();
            assert_eq!(e, DecodeError::Truncated, "cut {cut}");
            assert_eq!(
                stream_result(&f[..cut], u64::MAX),
                Err(DecodeError::Truncated)
            );
        }
    }
    assert_eq!(ONE_SHOT.stats().in_use, 0);
}

#[test]
fn every_bit_flip_is_caught_with_checksums_and_harmless_without() {
    let _serial = serial();
    let (input, f) = small_frame(every_check());
    let step = if MIRI { 97 } else { 1 };
    let mut bad = f.clone();
    for bit in (0..f.len() * 8).step_by(step) {
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(unframe(&bad).is_err(), "bit {bit} went unnoticed");
        assert!(stream_result(&bad, u64::MAX).is_err(), "bit {bit}");
        bad[bit / 8] ^= 1 << (bit % 8);
    }
    // No checksums: anything may come out, within the limit, never a panic.
    let s = FrameSettings::new().with_content_checksum(false);
    let (_, f) = small_frame(s);
    let mut bad = f.clone();
    for bit in (0..f.len() * 8).step_by(step) {
        bad[bit / 8] ^= 1 << (bit % 8);
        if let Ok(out) = unframe(&bad) {
            assert!(out.len() <= OUT);
        }
        let _ = stream_result(&bad, 1000);
        bad[bit / 8] ^= 1 << (bit % 8);
    }
    assert!(unframe(&f).unwrap() == input);
    assert_eq!(ONE_SHOT.stats().in_use, 0);
}

fn with_header_checksum(mut f: Vec<u8>) -> Vec<u8> {
    // Recompute HC after editing the descriptor (FLG at 4, no content size here).
    let end = if f[4] & 0x08 != 0 { 14 } else { 6 };
    let hc = (twox_xxh32(&f[4..end]) >> 8) as u8;
    f[end] = hc;
    f
}

/// xxHash32, seed 0 (a small reference implementation for building bad frames).
fn twox_xxh32(data: &[u8]) -> u32 {
    const P1: u32 = 0x9E37_79B1;
    const P2: u32 = 0x85EB_CA77;
    const P3: u32 = 0xC2B2_AE3D;
    const P4: u32 = 0x27D4_EB2F;
    const P5: u32 = 0x1656_67B1;
    let round = |acc: u32, lane: u32| {
        acc.wrapping_add(lane.wrapping_mul(P2))
            .rotate_left(13)
            .wrapping_mul(P1)
    };
    let mut chunks = data.chunks_exact(16);
    let mut h = if data.len() >= 16 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u32.wrapping_sub(P1)];
        for c in &mut chunks {
            for (i, v) in v.iter_mut().enumerate() {
                *v = round(
                    *v,
                    u32::from_le_bytes(c[i * 4..i * 4 + 4].try_into().unwrap()),
                );
            }
        }
        v[0].rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18))
    } else {
        P5
    };
    h = h.wrapping_add(data.len() as u32);
    let mut rest = chunks.remainder();
    while rest.len() >= 4 {
        let lane = u32::from_le_bytes(rest[..4].try_into().unwrap());
        h = h
            .wrapping_add(lane.wrapping_mul(P3))
            .rotate_left(17)
            .wrapping_mul(P4);
        rest = &rest[4..];
    }
    for &b in rest {
        h = h
            .wrapping_add(u32::from(b).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 15;
    h = h.wrapping_mul(P2);
    h ^= h >> 13;
    h = h.wrapping_mul(P3);
    h ^ (h >> 16)
}

#[test]
fn the_reference_xxh32_agrees() {
    let _serial = serial();
    assert_eq!(twox_xxh32(b""), 0x02CC_5D05);
    let (input, f) = small_frame(FrameSettings::new());
    let n = f.len();
    assert_eq!(
        u32::from_le_bytes(f[n - 4..].try_into().unwrap()),
        twox_xxh32(&input)
    );
}

/// Both decoders give `expected` for `input`.
fn both_fail(input: &[u8], expected: DecodeError) {
    assert_eq!(unframe(input), Err(expected));
    assert_eq!(stream_result(input, u64::MAX), Err(expected));
}

#[test]
fn headers_are_checked() {
    let _serial = serial();
    let (_, f) = small_frame(FrameSettings::new());
    // Wrong magic; the legacy format's magic; a skippable magic's neighbour.
    let mut bad = f.clone();
    bad[0] ^= 1;
    both_fail(&bad, DecodeError::BadMagic);
    bad[..4].copy_from_slice(&lz4::LEGACY_MAGIC.to_le_bytes());
    both_fail(&bad, DecodeError::Unsupported);
    bad[..4].copy_from_slice(&0x184D_2A60u32.to_le_bytes());
    both_fail(&bad, DecodeError::BadMagic);
    // Header checksum.
    let mut bad = f.clone();
    bad[6] ^= 0x55;
    let actual = u32::from(f[6]);
    both_fail(
        &bad,
        DecodeError::Checksum {
            kind: Checksum::Header,
            expected: actual ^ 0x55,
            actual,
        },
    );
    // Reserved bits (with a correct HC, so the bits themselves are what fails).
    for (byte, bit) in [(4, 0x02), (5, 0x80), (5, 0x01), (5, 0x08)] {
        let mut bad = f.clone();
        bad[byte] |= bit;
        both_fail(&with_header_checksum(bad), DecodeError::Reserved);
    }
    // Block maximum size IDs 0 to 3 are reserved.
    for id in 0..4 {
        let mut bad = f.clone();
        bad[5] = id << 4;
        both_fail(&with_header_checksum(bad), DecodeError::Reserved);
    }
    // Another version.
    for version in [0x00, 0x80, 0xC0] {
        let mut bad = f.clone();
        bad[4] = (bad[4] & 0x3F) | version;
        both_fail(&with_header_checksum(bad), DecodeError::Unsupported);
    }
    // A dictionary ID: valid, unsupported.
    let mut bad = f[..6].to_vec();
    bad[4] |= 0x01;
    bad.extend_from_slice(&[1, 2, 3, 4, 0]);
    bad.extend_from_slice(&f[7..]);
    both_fail(&with_header_checksum_at(bad, 10), DecodeError::Unsupported);
}

fn with_header_checksum_at(mut f: Vec<u8>, at: usize) -> Vec<u8> {
    f[at] = (twox_xxh32(&f[4..at]) >> 8) as u8;
    f
}

#[test]
fn block_and_content_checksums_are_checked() {
    let _serial = serial();
    let (input, f) = small_frame(FrameSettings::new().with_block_checksum(true));
    // The first block's checksum sits right after its data.
    let len = u32::from_le_bytes(f[7..11].try_into().unwrap()) & 0x7FFF_FFFF;
    let at = 11 + len as usize;
    let mut bad = f.clone();
    bad[at] ^= 1;
    let stored = u32::from_le_bytes(bad[at..at + 4].try_into().unwrap());
    both_fail(
        &bad,
        DecodeError::Checksum {
            kind: Checksum::Block,
            expected: stored,
            actual: stored ^ 1,
        },
    );
    let n = f.len();
    let mut bad = f.clone();
    bad[n - 1] ^= 0x80;
    let sum = twox_xxh32(&input);
    both_fail(
        &bad,
        DecodeError::Checksum {
            kind: Checksum::Content,
            expected: sum ^ 0x8000_0000,
            actual: sum,
        },
    );
}

#[test]
fn content_size_is_checked_and_limits_hold() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let (input, f) = small_frame(every_check());
    assert_eq!(f[4] & 0x08, 0x08);
    // A size that does not match what the blocks hold (HC fixed up).
    for size in [699u64, 701, 0] {
        let mut bad = f.clone();
        bad[6..14].copy_from_slice(&size.to_le_bytes());
        both_fail(&with_header_checksum(bad), DecodeError::Corrupt);
    }
    // A declared size beyond the limit fails before writing anything.
    let mut decoder = DECODERS.acquire();
    decoder.reset();
    decoder.set_limit(u64::MAX);
    decoder.set_limit(699);
    let mut out = P.acquire();
    let e = decoder.decode(&f, &mut out).unwrap_err();
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: 699,
            needed: Some(700)
        }
    );
    assert!(out.is_empty());
    static LIMITED: ValuePool<FrameDecoder<DEC64>, 1> =
        ValuePool::new([const { FrameDecoder::with_limit(699) }]);
    let mut limited = LIMITED.acquire();
    assert_eq!(limited.limit(), 699);
    assert_eq!(limited.decode(&f, &mut out).unwrap_err(), e);
    drop(limited);
    // A failed decoder keeps failing until reset.
    assert_eq!(decoder.decode(&f, &mut out).unwrap_err(), e);
    decoder.reset();
    assert_eq!(decoder.limit(), 699);
    decoder.set_limit(700);
    assert_eq!(decoder.decode(&f, &mut out).unwrap().status, Status::Done);
    assert!(out[..] == input[..]);
    assert_eq!(decoder.content_size(), None);
    // The one-shot: a declared size beyond the buffer, before writing.
    static TINY: Pool<1, 699> = Pool::new();
    let mut tiny = TINY.acquire();
    assert_eq!(
        lz4::decompress_frame_into(&f, &mut tiny).unwrap_err(),
        DecodeError::OutputTooSmall {
            needed: Some(700),
            capacity: 699
        }
    );
    assert!(tiny.is_empty());
    drop((decoder, out, tiny));
    assert_eq!(P.stats().in_use + TINY.stats().in_use, 0);
    assert_eq!(DECODERS.stats().in_use, 0);
}

/// A small decoder (8 KiB: blocks up to 4 KiB, no linked frames).
const SMALL_DEC: usize = 8 * 1024;
static SMALL_DECODER: ValuePool<FrameDecoder<SMALL_DEC>, 1> =
    ValuePool::new([const { FrameDecoder::new() }]);

/// Decodes `f` with the small decoder, whole into a big buffer and in `max_piece`
/// pieces into 100-byte buffers; both must give the same result, and nothing is
/// committed to a buffer on error.
fn small_decode(f: &[u8]) -> Result<Vec<u8>, DecodeError> {
    static P: Pool<2, 100> = Pool::new();
    let mut results = Vec::new();
    for max_piece in [f.len().max(1), 3] {
        let mut decoder = SMALL_DECODER.acquire();
        decoder.reset();
        decoder.set_limit(u64::MAX);
        let r = if max_piece == 3 {
            let mut out = P.acquire();
            stream_decode(&mut *decoder, f, &mut out, &mut Rng::new(2), max_piece).map(|(d, _)| d)
        } else {
            let mut out = ONE_SHOT.acquire();
            let r = decoder.decode(f, &mut out);
            if r.is_err() {
                assert!(out.is_empty(), "committed on error: {r:?}");
            }
            r.map(|p| {
                assert_eq!(p.status, Status::Done);
                out.to_vec()
            })
        };
        results.push(r);
    }
    assert_eq!(P.stats().in_use + SMALL_DECODER.stats().in_use, 0);
    let second = results.pop().unwrap();
    let first = results.pop().unwrap();
    assert_eq!(first, second, "whole and piecewise decoding disagree");
    first
}

#[test]
fn frames_declaring_big_blocks_decode_in_small_states() {
    let _serial = serial();
    assert_eq!(
        FrameDecoder::<SMALL_DEC>::max_block_size(BlockMode::Independent),
        4096
    );
    // `lz4` declares 4 MiB blocks by default; what counts is each actual block.
    for size in [BlockSize::Max256KiB, BlockSize::Max4MiB] {
        for (kind, len) in [(Kind::Text, 3000), (Kind::Random, 4096), (Kind::Mixed, 0)] {
            let input = data(kind, len, 1);
            let f = frame(&input, &FrameSettings::new().with_block_size(size));
            assert_eq!(small_decode(&f).unwrap(), input, "{size:?} {kind:?} {len}");
        }
    }
    // Checksums, the content size and stored blocks hold as well.
    let input = data(Kind::Random, 1000, 2);
    let settings = for_len(every_check().with_block_size(BlockSize::Max4MiB), 1000);
    assert_eq!(small_decode(&frame(&input, &settings)).unwrap(), input);
}

#[test]
fn blocks_beyond_the_state_are_refused_before_writing() {
    let _serial = serial();
    let big = FrameSettings::new().with_block_size(BlockSize::Max4MiB);
    // A stored block larger than the state: its stored size is what it needs.
    let f = frame(&data(Kind::Random, 5000, 3), &big);
    assert_eq!(
        small_decode(&f),
        Err(DecodeError::LimitExceeded {
            limit: 4096,
            needed: Some(5000)
        })
    );
    // A compressed block of 60 bytes that decodes to more than the state holds
    // (into a big buffer as well: the outcome does not depend on the output's size).
    let f = frame(&[7u8; 10_000], &big);
    assert!(f.len() < 100);
    assert_eq!(
        small_decode(&f),
        Err(DecodeError::LimitExceeded {
            limit: 4096,
            needed: Some(4 << 20)
        })
    );
    // A compressed block larger than the state.
    let f = frame(&data(Kind::Text, 40_000, 4), &big);
    let Err(DecodeError::LimitExceeded {
        limit: 4096,
        needed: Some(n),
    }) = small_decode(&f)
    else {
        panic!("not refused");
    };
    assert!(n > 4096 && n < 40_000, "{n}");
    // Linked frames need the 64 KiB history: refused at the header.
    let linked = FrameSettings::new().with_block_mode(BlockMode::Linked);
    let f = frame(&data(Kind::Text, 100, 5), &linked);
    assert_eq!(
        small_decode(&f),
        Err(DecodeError::LimitExceeded {
            limit: SMALL_DEC as u64,
            needed: Some(64 * 1024)
        })
    );

    // A 128 KiB state sized for independent 64 KiB blocks reads linked frames whose
    // blocks fit beside the history (32 KiB).
    static INDEP: ValuePool<FrameDecoder<{ 128 * 1024 }>, 1> =
        ValuePool::new([const { FrameDecoder::new() }]);
    static P: Pool<1, OUT> = Pool::new();
    assert_eq!(
        FrameDecoder::<{ 128 * 1024 }>::max_block_size(BlockMode::Linked),
        32 * 1024
    );
    let mut d = INDEP.acquire();
    for (len, expected) in [(100, Ok(())), (20_000, Ok(())), (40_000, Err(64 * 1024))] {
        let input = data(Kind::Text, len, 6);
        let f = frame(&input, &linked);
        d.reset();
        d.set_limit(u64::MAX);
        let mut out = P.acquire();
        match (d.decode(&f, &mut out), expected) {
            (Ok(p), Ok(())) => {
                assert_eq!(p.status, Status::Done);
                assert!(out[..] == input[..]);
            }
            (Err(e), Err(needed)) => {
                assert_eq!(
                    e,
                    DecodeError::LimitExceeded {
                        limit: 32 * 1024,
                        needed: Some(needed)
                    }
                );
                assert!(out.is_empty());
            }
            (r, _) => panic!("{len}: {r:?}"),
        }
    }
}

#[test]
fn a_bomb_stops_at_the_limit() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let zeros = vec![0u8; if MIRI { 30_000 } else { BIG }];
    let limit: u64 = if MIRI { 20_000 } else { 70_000 };
    let f = frame(&zeros, &FrameSettings::new());
    assert!(f.len() < zeros.len() / 100);
    let mut decoder = DECODERS.acquire();
    decoder.reset();
    decoder.set_limit(u64::MAX);
    decoder.set_limit(limit);
    let mut out = P.acquire();
    let mut total = 0;
    let mut at = 0;
    let e = loop {
        match decoder.decode(&f[at..], &mut out) {
            Ok(p) => {
                at += p.consumed;
                total += p.produced;
                assert_ne!(p.status, Status::Done);
                out.clear();
            }
            Err(e) => break e,
        }
    };
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit,
            needed: None
        }
    );
    assert!(total <= limit as usize);
    drop(out);
    // The driver reports it too, and every buffer comes back.
    decoder.reset();
    let r = codec::decode_to(&mut *decoder, &f, P.pool_ref(), |b| {
        drop(b);
        Ok::<(), ()>(())
    });
    assert_eq!(r, Err(codec::StreamError::Codec(e)));
    let mut small = P.acquire();
    assert!(matches!(
        lz4::decompress_frame_into(&f, &mut small),
        Err(DecodeError::OutputTooSmall { .. })
    ));
    assert!(small.is_empty());
    drop((small, decoder));
    assert_eq!(P.stats().in_use, 0);
}

#[test]
fn empty_input_and_trailing_data() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    assert_eq!(unframe(&[]), Err(DecodeError::Truncated));
    let mut decoder = DECODERS.acquire();
    decoder.reset();
    decoder.set_limit(u64::MAX);
    let mut out = P.acquire();
    assert_eq!(
        decoder.decode(&[], &mut out).unwrap(),
        Progress {
            consumed: 0,
            produced: 0,
            status: Status::NeedInput
        }
    );
    assert_eq!(
        codec::decode_to(&mut *decoder, &[], P.pool_ref(), |_| Ok::<(), ()>(())),
        Err(codec::StreamError::Codec(DecodeError::Truncated))
    );
    // Trailing garbage: the decoder stops at the frame's end; the one-shot refuses.
    let (input, f) = small_frame(FrameSettings::new());
    for garbage in [&b"x"[..], b"garbage!", &[0; 4], &[0x04, 0x22, 0x4D]] {
        let mut g = f.clone();
        g.extend_from_slice(garbage);
        decoder.reset();
        out.clear();
        let p = decoder.decode(&g, &mut out).unwrap();
        assert_eq!((p.status, p.consumed), (Status::Done, f.len()));
        assert!(out[..] == input[..]);
        assert_eq!(unframe(&g), Err(DecodeError::TrailingData), "{garbage:?}");
        // decode_to stops at the frame's end too.
        decoder.reset();
        let used = codec::decode_to(&mut *decoder, &g, P.pool_ref(), |_| Ok::<(), ()>(()));
        assert_eq!(used, Ok(f.len()));
    }
    drop((decoder, out));
    assert_eq!(P.stats().in_use, 0);
}

// ---- the encoder's own errors -----------------------------------------------------

#[test]
fn encoder_settings_and_misuse_are_errors() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let mut encoder = ENCODERS.acquire();
    // A 64 KiB-linked state cannot hold 256 KiB blocks.
    assert_eq!(
        encoder.set_settings(FrameSettings::new().with_block_size(BlockSize::Max256KiB)),
        Err(EncodeError::InvalidSetting)
    );
    encoder
        .set_settings(FrameSettings::new().with_content_size(Some(5)))
        .unwrap();
    let mut out = P.acquire();
    assert_eq!(
        encoder.encode(b"123456", &mut out),
        Err(EncodeError::InvalidSetting)
    );
    assert_eq!(encoder.finish(&mut out), Err(EncodeError::Finished));
    encoder.reset();
    out.clear();
    encoder.encode(b"1234", &mut out).unwrap();
    assert_eq!(encoder.finish(&mut out), Err(EncodeError::InvalidSetting));
    encoder.reset();
    out.clear();
    encoder.encode(b"12345", &mut out).unwrap();
    assert_eq!(encoder.finish(&mut out).unwrap().status, Status::Done);
    assert_eq!(encoder.finish(&mut out).unwrap().status, Status::Done);
    assert_eq!(encoder.encode(b"x", &mut out), Err(EncodeError::Finished));
    assert_eq!(unframe(&out).unwrap(), b"12345");
    // An empty stream is a valid frame.
    encoder.set_content_size(None);
    encoder.reset();
    out.clear();
    assert_eq!(encoder.finish(&mut out).unwrap().status, Status::Done);
    assert_eq!(unframe(&out).unwrap(), b"");
    // The one-shot checks the declared size too.
    out.clear();
    assert_eq!(
        lz4::compress_frame_into(
            b"abc",
            &mut out,
            &FrameSettings::new().with_content_size(Some(4)),
            &mut TABLES.acquire()
        ),
        Err(EncodeError::InvalidSetting)
    );
    // ... and refuses a buffer too small, committing nothing.
    static TINY: Pool<1, 16> = Pool::new();
    let mut tiny = TINY.acquire();
    let random = data(Kind::Random, 100, 1);
    assert!(matches!(
        lz4::compress_frame_into(
            &random,
            &mut tiny,
            &FrameSettings::new(),
            &mut TABLES.acquire()
        ),
        Err(EncodeError::OutputTooSmall {
            needed: Some(_),
            capacity: 16
        })
    ));
    assert!(tiny.is_empty());
    drop((encoder, out, tiny));
    assert_eq!(P.stats().in_use + TINY.stats().in_use, 0);
    assert_eq!(ENCODERS.stats().in_use + TABLES.stats().in_use, 0);
}

// ---- memory -----------------------------------------------------------------------

#[test]
fn state_sizes() {
    let _serial = serial();
    use std::mem::size_of;
    let sizes = [
        ("Table", size_of::<Table>()),
        (
            "FrameDecoder<64 KiB linked>",
            size_of::<FrameDecoder<DEC64>>(),
        ),
        (
            "FrameEncoder<64 KiB linked>",
            size_of::<FrameEncoder<ENC64>>(),
        ),
        (
            "FrameDecoder<4 MiB linked>",
            size_of::<FrameDecoder<DEC4M>>(),
        ),
        (
            "FrameEncoder<4 MiB linked>",
            size_of::<FrameEncoder<ENC4M>>(),
        ),
        ("FrameDecoder<0>", size_of::<FrameDecoder<0>>()),
        ("FrameEncoder<0>", size_of::<FrameEncoder<0>>()),
    ];
    for (name, size) in sizes {
        println!("{name}: {size} bytes");
    }
    assert_eq!(size_of::<Table>(), 16 * 1024 + 8);
    assert_eq!(DEC64, 192 * 1024);
    assert_eq!(ENC64, 192 * 1024 + 8);
    assert!(size_of::<FrameDecoder<0>>() < 256);
    assert!(size_of::<FrameEncoder<0>>() < 16 * 1024 + 256);
}

#[cfg(all(target_os = "linux", not(miri)))]
mod bss {
    //! The states and tables, new, are all zero: a static lands in `.bss`.
    use super::*;

    unsafe extern "C" {
        static __bss_start: u8;
        static _end: u8;
    }

    fn in_bss<T>(value: &'static T) -> bool {
        let addr = value as *const T as usize;
        let start = &raw const __bss_start as usize;
        let end = &raw const _end as usize;
        addr >= start && addr + size_of::<T>() <= end
    }

    #[test]
    fn static_states_are_in_bss() {
        let _serial = serial();
        assert!(in_bss(&TABLES));
        assert!(in_bss(&DECODERS));
        assert!(in_bss(&ENCODERS));
        assert!(in_bss(&BIG_DECODER));
        assert!(in_bss(&BIG_ENCODER));
    }
}

/// Found by the `lz4_frame` fuzz target: a streaming call that decoded blocks and then
/// failed (here on the content checksum) left those bytes in the caller's buffer. A
/// failing call appends nothing.
#[test]
fn a_failing_streaming_call_appends_nothing() {
    let _serial = serial();
    let pool = Pool::<1, 8192>::new();
    let plain = vec![7u8; 3000];
    let mut frame = pool.try_acquire().unwrap();
    let settings = FrameSettings::new()
        .with_block_size(BlockSize::Max64KiB)
        .with_content_checksum(true);
    let mut table = TABLES.try_acquire().unwrap();
    lz4::compress_frame_into(&plain, &mut frame, &settings, &mut table).unwrap();
    let last = frame.len() - 1;
    frame.as_mut_slice()[last] ^= 1;
    let bad = frame.to_vec();
    drop(frame);
    let mut out = pool.try_acquire().unwrap();
    out.extend_from_slice(b"earlier").unwrap();
    let mut decoder = DECODERS.try_acquire().unwrap();
    decoder.reset();
    let err = decoder.decode(&bad, &mut out).unwrap_err();
    assert!(matches!(err, DecodeError::Checksum { .. }), "{err:?}");
    assert_eq!(&out[..], b"earlier");
}
