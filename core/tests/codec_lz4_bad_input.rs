//! lz4 frames against bad input: truncation at every offset, every bit flip, bad
//! magic and checksums, reserved bits, content size and limits, blocks beyond the
//! state, bombs, empty input and trailing data. After every error every pool buffer
//! and state is back.
#![cfg(feature = "lz4")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod lz4_support;
use lz4_support::*;

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
        let mut decoder = DECODERS.acquire_blocking();
        decoder.reset();
        decoder.set_max_output(u64::MAX);
        decoder.set_max_output(limit);
        let mut out = P.acquire_blocking();
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
    let mut decoder = DECODERS.acquire_blocking();
    decoder.reset();
    decoder.set_max_output(u64::MAX);
    decoder.set_max_output(699);
    let mut out = P.acquire_blocking();
    let e = decoder.decode(&f, &mut out).unwrap_err();
    assert_eq!(
        e,
        DecodeError::LimitExceeded {
            limit: 699,
            needed: Some(700)
        }
    );
    assert!(out.is_empty());
    static LIMITED: ValuePool<Decoder<DEC64>, 1> =
        ValuePool::new([const { Decoder::new().with_max_output(699) }]);
    let mut limited = LIMITED.acquire_blocking();
    assert_eq!(limited.max_output(), 699);
    assert_eq!(limited.decode(&f, &mut out).unwrap_err(), e);
    drop(limited);
    // A failed decoder keeps failing until reset.
    assert_eq!(decoder.decode(&f, &mut out).unwrap_err(), e);
    decoder.reset();
    assert_eq!(decoder.max_output(), 699);
    decoder.set_max_output(700);
    assert_eq!(decoder.decode(&f, &mut out).unwrap().status, Status::Done);
    assert!(out[..] == input[..]);
    assert_eq!(decoder.content_size(), None);
    // The one-shot: a declared size beyond the buffer, before writing.
    static TINY: Pool<1, 699> = Pool::new();
    let mut tiny = TINY.acquire_blocking();
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
static SMALL_DECODER: ValuePool<Decoder<SMALL_DEC>, 1> = ValuePool::new([const { Decoder::new() }]);

/// Decodes `f` with the small decoder, whole into a big buffer and in `max_piece`
/// pieces into 100-byte buffers; both must give the same result, and nothing is
/// committed to a buffer on error.
fn small_decode(f: &[u8]) -> Result<Vec<u8>, DecodeError> {
    static P: Pool<2, 100> = Pool::new();
    let mut results = Vec::new();
    for max_piece in [f.len().max(1), 3] {
        let mut decoder = SMALL_DECODER.acquire_blocking();
        decoder.reset();
        decoder.set_max_output(u64::MAX);
        let r = if max_piece == 3 {
            let mut out = P.acquire_blocking();
            stream_decode(&mut *decoder, f, &mut out, &mut Rng::new(2), max_piece).map(|(d, _)| d)
        } else {
            let mut out = ONE_SHOT.acquire_blocking();
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
        Decoder::<SMALL_DEC>::max_block_size(BlockMode::Independent),
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
    static INDEP: ValuePool<Decoder<{ 128 * 1024 }>, 1> =
        ValuePool::new([const { Decoder::new() }]);
    static P: Pool<1, OUT> = Pool::new();
    assert_eq!(
        Decoder::<{ 128 * 1024 }>::max_block_size(BlockMode::Linked),
        32 * 1024
    );
    let mut d = INDEP.acquire_blocking();
    for (len, expected) in [(100, Ok(())), (20_000, Ok(())), (40_000, Err(64 * 1024))] {
        let input = data(Kind::Text, len, 6);
        let f = frame(&input, &linked);
        d.reset();
        d.set_max_output(u64::MAX);
        let mut out = P.acquire_blocking();
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
    let mut decoder = DECODERS.acquire_blocking();
    decoder.reset();
    decoder.set_max_output(u64::MAX);
    decoder.set_max_output(limit);
    let mut out = P.acquire_blocking();
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
    let mut small = P.acquire_blocking();
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
    let mut decoder = DECODERS.acquire_blocking();
    decoder.reset();
    decoder.set_max_output(u64::MAX);
    let mut out = P.acquire_blocking();
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
