//! zstd decoding: frames made by the reference `zstd` CLI (embedded from
//! `tests/data/zstd/`, made by `tests/data/zstd/make.py`, which says how), one-shot and
//! streaming, and the bad-input catalogue: truncation at every offset, every single-bit
//! flip, wrong magic, bad checksum, reserved bits, limits, bombs, trailing data.
//!
//! The inputs of the frames are regenerated here by `text`, the same generator as in
//! `make.py`. Allocation counts are proved in the tests crate (`zstd_zero_alloc.rs`).
//!
//! The decoders here run on caller memory (`Decoder::from_parts`, no allocator: the
//! feature set of these tests has no `alloc`), laid out at run time for each window.
#![cfg(feature = "zstd")]

use bufpress::codec::zstd::{Decoder, DecoderTables, decoder_memory};
use bufpress::codec::{Checksum, Decode as _, DecodeError, Status, decode_to};
use bufpress::pool::{Buf, Pool};

const TEXT_L1: &[u8] = include_bytes!("data/zstd/text-l1.zst");
const TEXT_L3_NOCHECK: &[u8] = include_bytes!("data/zstd/text-l3-nocheck.zst");
const TEXT_L19_CHECK: &[u8] = include_bytes!("data/zstd/text-l19-check.zst");
const TEXT_L3_NOSIZE: &[u8] = include_bytes!("data/zstd/text-l3-nosize.zst");
const SMALL_L3: &[u8] = include_bytes!("data/zstd/small-l3.zst");
const BIG_L3: &[u8] = include_bytes!("data/zstd/big-l3.zst");
const EMPTY: &[u8] = include_bytes!("data/zstd/empty.zst");
const ZEROS_1M_NOSIZE: &[u8] = include_bytes!("data/zstd/zeros-1m-nosize.zst");
const SKIP_THEN_TEXT: &[u8] = include_bytes!("data/zstd/skip-then-text.zst");
const TWO_FRAMES: &[u8] = include_bytes!("data/zstd/two-frames.zst");

/// Big enough for every frame here but the 1 MiB one (under Miri, where building a
/// decoder for large windows is slow, big enough for the small ones).
const WINDOW: usize = if cfg!(miri) { 8 * 1024 } else { 256 * 1024 };

/// The memory of one decoder: its tables and a buffer sized for `max_window`.
struct Mem {
    tables: Box<DecoderTables>,
    buf: Vec<u8>,
}

impl Mem {
    fn new(max_window: usize) -> Self {
        Self {
            tables: Box::default(),
            buf: vec![0; decoder_memory(max_window)],
        }
    }

    fn decoder(&mut self) -> Decoder<'_> {
        Decoder::from_parts(&mut self.tables, &mut self.buf)
    }
}

const WORDS: [&str; 16] = [
    "the",
    "buffer",
    "pool",
    "returns",
    "exactly",
    "one",
    "frame",
    "of",
    "sensor",
    "data",
    "and",
    "compresses",
    "it",
    "without",
    "allocation",
    "while",
];

/// The inputs of the frames (same as `text` in `make.py`).
fn text(n: usize, seed: u64) -> Vec<u8> {
    let (mut x, mut out) = (seed, Vec::with_capacity(n + 16));
    while out.len() < n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.extend_from_slice(WORDS[((x >> 33) % 16) as usize].as_bytes());
        out.push(if (x >> 20) % 11 == 0 { b'\n' } else { b' ' });
    }
    out.truncate(n);
    out
}

fn cases() -> Vec<(&'static str, &'static [u8], Vec<u8>)> {
    let t6k = text(6000, 1);
    let mut two = text(100, 2);
    two.extend_from_slice(&t6k);
    let all = vec![
        ("text-l1", TEXT_L1, t6k.clone()),
        ("text-l3-nocheck", TEXT_L3_NOCHECK, t6k.clone()),
        ("text-l19-check", TEXT_L19_CHECK, t6k.clone()),
        ("text-l3-nosize", TEXT_L3_NOSIZE, t6k.clone()),
        ("small-l3", SMALL_L3, text(100, 2)),
        ("big-l3", BIG_L3, text(150_000, 3)),
        ("empty", EMPTY, Vec::new()),
        ("skip-then-text", SKIP_THEN_TEXT, t6k),
        ("two-frames", TWO_FRAMES, two),
    ];
    let under_miri = ["small-l3", "empty", "text-l1", "two-frames"];
    all.into_iter()
        .filter(|(name, ..)| !cfg!(miri) || under_miri.contains(name))
        .collect()
}

#[test]
fn one_shot_decodes_every_cli_frame() {
    static OUT: Pool<1, { 160 * 1024 }> = Pool::new();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    for (name, frame, expected) in cases() {
        let mut out = OUT.try_acquire().unwrap();
        out.extend_from_slice(b"kept").unwrap(); // appended after what is there
        let n = decoder.decompress_into(frame, &mut out);
        assert_eq!(n, Ok(expected.len()), "{name}");
        assert_eq!(&out[..4], b"kept");
        assert!(out[4..] == expected[..], "{name}");
    }
    assert_eq!(OUT.stats().available, 1);
}

/// Streams `frame` in input pieces of `piece` bytes into output buffers from `pool`;
/// returns the output and how many frames ended.
fn stream(
    decoder: &mut Decoder,
    frame: &[u8],
    piece: usize,
    out: &mut Buf<'_>,
) -> Result<(Vec<u8>, usize), DecodeError> {
    let (mut all, mut frames, mut at) = (Vec::new(), 0, 0usize);
    out.clear();
    loop {
        let end = at.saturating_add(piece).min(frame.len());
        let p = decoder.decode(&frame[at..end], out)?;
        assert!(p.consumed <= end - at);
        at += p.consumed;
        match p.status {
            Status::OutputFull => {
                assert_eq!(out.remaining(), 0);
                all.extend_from_slice(out);
                out.clear();
            }
            Status::Done => frames += 1,
            Status::NeedInput => {
                assert_eq!(at, end, "NeedInput with input left");
                if at == frame.len() {
                    break;
                }
            }
        }
        if at == frame.len() && p.status == Status::Done {
            break;
        }
    }
    all.extend_from_slice(out);
    Ok((all, frames))
}

#[test]
fn streaming_in_pieces_into_buffers_of_any_size() {
    static TINY: Pool<1, 1> = Pool::new();
    static ODD: Pool<1, 7> = Pool::new();
    static PAGE: Pool<1, 4096> = Pool::new();
    static HUGE: Pool<1, { 160 * 1024 }> = Pool::new();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    let pieces: &[usize] = if cfg!(miri) {
        &[1, usize::MAX]
    } else {
        &[1, 3, 64, 1000, usize::MAX]
    };
    for (name, frame, expected) in cases() {
        let frames = if name == "two-frames" { 2 } else { 1 };
        for &piece in pieces {
            for pool in [
                TINY.pool_ref(),
                ODD.pool_ref(),
                PAGE.pool_ref(),
                HUGE.pool_ref(),
            ] {
                // Byte-sized output of the big frame takes a while: once is enough
                // (under Miri: never).
                let slow = name == "big-l3" && pool.buf_size() < 4096;
                // Under Miri: byte pieces into byte buffers for the small frame only,
                // whole input into the other buffers.
                let tiny = pool.buf_size() == 1;
                let miri_skip = cfg!(miri) && (tiny != (piece == 1) || tiny && name != "small-l3");
                if slow && piece != usize::MAX || miri_skip {
                    continue;
                }
                let mut out = pool.try_acquire().unwrap();
                let got = stream(&mut decoder, frame, piece, &mut out);
                let (bytes, ended) = got.unwrap_or_else(|e| panic!("{name} {piece}: {e}"));
                assert!(
                    bytes == expected,
                    "{name} piece {piece} out {}",
                    pool.buf_size()
                );
                assert_eq!(ended, frames, "{name}");
            }
        }
    }
}

#[test]
fn decode_to_drives_one_frame_at_a_time() {
    static POOL: Pool<4, 1000> = Pool::new();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    let mut got = Vec::new();
    let used = decode_to(&mut decoder, TWO_FRAMES, POOL.pool_ref(), |buf| {
        got.extend_from_slice(&buf);
        Ok::<(), core::convert::Infallible>(())
    })
    .unwrap();
    assert_eq!(got, text(100, 2));
    let used2 = decode_to(&mut decoder, &TWO_FRAMES[used..], POOL.pool_ref(), |buf| {
        got.extend_from_slice(&buf);
        Ok::<(), core::convert::Infallible>(())
    })
    .unwrap();
    assert_eq!(used + used2, TWO_FRAMES.len());
    assert_eq!(got[100..], text(6000, 1)[..]);
    assert_eq!(POOL.stats().available, 4);
}

#[test]
fn limits_on_window_and_content() {
    static OUT: Pool<1, 8192> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    // The frame without a content size declares an 8 KiB window.
    let mut small_mem = Mem::new(4096);
    let mut small = small_mem.decoder();
    let e = small.decompress_into(TEXT_L3_NOSIZE, &mut out);
    let limit = Err(DecodeError::LimitExceeded {
        limit: 4096,
        needed: Some(8192),
    });
    assert_eq!(e, limit);
    // A single-segment frame's window is its content size.
    assert!(matches!(
        small.decompress_into(TEXT_L1, &mut out),
        Err(DecodeError::LimitExceeded {
            needed: Some(6000),
            ..
        })
    ));
    let mut capped_mem = Mem::new(WINDOW);
    let mut capped = capped_mem.decoder().with_max_content(1000);
    assert_eq!(capped.max_content(), 1000);
    let e = capped.decompress_into(TEXT_L1, &mut out);
    let limit = Err(DecodeError::LimitExceeded {
        limit: 1000,
        needed: Some(6000),
    });
    assert_eq!(e, limit);
    assert!(out.is_empty());
    assert_eq!(capped.decompress_into(SMALL_L3, &mut out), Ok(100));
}

#[test]
fn declared_content_size_beyond_the_buffer_fails_early() {
    static OUT: Pool<1, 5000> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    out.extend_from_slice(b"xy").unwrap();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    let e = decoder.decompress_into(TEXT_L1, &mut out);
    let small = Err(DecodeError::OutputTooSmall {
        needed: Some(6002),
        capacity: 5000,
    });
    assert_eq!(e, small);
    assert_eq!(&out[..], b"xy");
    // Without a declared size it fails when the output would not fit, and the buffer
    // is given back as it was.
    let e = decoder.decompress_into(TEXT_L3_NOSIZE, &mut out);
    let small = Err(DecodeError::OutputTooSmall {
        needed: None,
        capacity: 5000,
    });
    assert_eq!(e, small);
    assert_eq!(&out[..], b"xy");
    // Two frames that fit one by one but not together.
    out.clear();
    out.extend_from_slice(&[0; 4000]).unwrap();
    let e = decoder.decompress_into(TWO_FRAMES, &mut out);
    assert!(
        matches!(e, Err(DecodeError::OutputTooSmall { .. })),
        "{e:?}"
    );
    assert_eq!(out.len(), 4000);
}

#[test]
#[cfg_attr(miri, ignore = "a 1 MiB window takes minutes to build under Miri")]
fn a_small_frame_that_expands_past_the_limit_stops_there() {
    // 50 bytes that decode to 1 MiB of zeros, no declared size.
    static OUT: Pool<1, 4096> = Pool::new();
    let mut decoder_mem = Mem::new(1 << 20);
    let mut decoder = decoder_mem.decoder().with_max_content(64 * 1024);
    let mut out = OUT.try_acquire().unwrap();
    let (mut total, mut at) = (0usize, 0);
    let e = loop {
        match decoder.decode(&ZEROS_1M_NOSIZE[at..], &mut out) {
            Ok(p) => {
                at += p.consumed;
                total += p.produced;
                out.clear();
                assert!(p.status != Status::Done);
            }
            Err(e) => break e,
        }
    };
    let limit = DecodeError::LimitExceeded {
        limit: 64 * 1024,
        needed: None,
    };
    assert_eq!(e, limit);
    assert!(total <= 64 * 1024, "{total}");
    // The error sticks until reset.
    assert_eq!(decoder.decode(&[], &mut out), Err(limit));
    decoder.reset();
    assert!(decoder.decode(SMALL_L3, &mut out).is_ok());
    // One-shot into a buffer smaller than the content.
    let mut e_mem = Mem::new(1 << 20);
    let e = e_mem.decoder().decompress_into(ZEROS_1M_NOSIZE, &mut out);
    assert!(matches!(
        e,
        Err(DecodeError::OutputTooSmall { needed: None, .. })
    ));
    // A window limit below the bomb's window refuses it at the header.
    let mut e_mem = Mem::new(WINDOW);
    let e = e_mem.decoder().decompress_into(ZEROS_1M_NOSIZE, &mut out);
    assert!(matches!(e, Err(DecodeError::LimitExceeded { .. })));
}

#[test]
fn checksum_magic_reserved_and_dictionary_errors() {
    static OUT: Pool<1, 8192> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();

    let mut bad = TEXT_L1.to_vec();
    *bad.last_mut().unwrap() ^= 0x01;
    let e = decoder.decompress_into(&bad, &mut out);
    assert!(
        matches!(e, Err(DecodeError::Checksum { kind: Checksum::Content, expected, actual })
            if expected ^ actual == 0x0100_0000),
        "{e:?}"
    );
    assert!(out.is_empty());

    let mut bad = TEXT_L1.to_vec();
    bad[0] = 0x29;
    assert_eq!(
        decoder.decompress_into(&bad, &mut out),
        Err(DecodeError::BadMagic)
    );
    assert_eq!(
        decoder.decompress_into(b"not zstd", &mut out),
        Err(DecodeError::BadMagic)
    );

    // Frame header descriptor bit 3 is reserved.
    let mut bad = TEXT_L1.to_vec();
    bad[4] |= 0x08;
    assert_eq!(
        decoder.decompress_into(&bad, &mut out),
        Err(DecodeError::Reserved)
    );

    // Block type 3 is reserved. text-l3-nocheck: 4 magic + 1 descriptor + 2 size.
    let mut bad = TEXT_L3_NOCHECK.to_vec();
    assert_eq!(bad[4] & 0xC0, 0x40, "2-byte content size");
    bad[7] |= 0x06;
    assert_eq!(
        decoder.decompress_into(&bad, &mut out),
        Err(DecodeError::Reserved)
    );

    // A dictionary id (1 byte, id 7), then the rest of an empty frame.
    let mut dict = vec![0x28, 0xB5, 0x2F, 0xFD, 0x21, 7, 0];
    dict.extend_from_slice(&[0x01, 0x00, 0x00]);
    assert_eq!(
        decoder.decompress_into(&dict, &mut out),
        Err(DecodeError::Unsupported)
    );
    // Dictionary id 0 means none.
    dict[5] = 0;
    assert_eq!(decoder.decompress_into(&dict, &mut out), Ok(0));

    // Still good after all that.
    assert_eq!(decoder.decompress_into(TEXT_L1, &mut out), Ok(6000));
}

#[test]
fn empty_trailing_and_truncated_input() {
    static OUT: Pool<1, 8192> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    assert_eq!(
        decoder.decompress_into(&[], &mut out),
        Err(DecodeError::Truncated)
    );
    assert_eq!(decoder.decompress_into(EMPTY, &mut out), Ok(0));
    // Only a skippable frame: nothing to decode, not an error.
    assert_eq!(
        decoder.decompress_into(&SKIP_THEN_TEXT[..13], &mut out),
        Ok(0)
    );

    for garbage in [&b"x"[..], b"xy", b"\0\0\0\0", b"garbage after the frame"] {
        let mut input = SMALL_L3.to_vec();
        input.extend_from_slice(garbage);
        let e = decoder.decompress_into(&input, &mut out);
        assert_eq!(e, Err(DecodeError::TrailingData), "{garbage:?}");
        assert!(out.is_empty());
    }
    // A second frame cut short is truncated, not trailing data.
    let mut input = SMALL_L3.to_vec();
    input.extend_from_slice(&SMALL_L3[..20]);
    assert_eq!(
        decoder.decompress_into(&input, &mut out),
        Err(DecodeError::Truncated)
    );
}

#[test]
fn truncation_at_every_offset_is_an_error() {
    static OUT: Pool<1, 8192> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    let frames: &[&[u8]] = if cfg!(miri) {
        &[SMALL_L3]
    } else {
        &[SMALL_L3, TEXT_L1, EMPTY]
    };
    for frame in frames {
        for cut in 0..frame.len() {
            let e = decoder.decompress_into(&frame[..cut], &mut out);
            assert!(e.is_err(), "cut at {cut} decoded: {e:?}");
            assert!(out.is_empty());
            // Streaming: the same prefix is never a finished frame.
            decoder.reset();
            if let Ok(p) = decoder.decode(&frame[..cut], &mut out) {
                assert_ne!(p.status, Status::Done, "cut at {cut}");
            }
            decoder.reset();
            out.clear();
        }
    }
    assert_eq!(OUT.stats().in_use, 1);
}

#[test]
fn every_single_bit_flip_is_an_error_or_output_within_limits() {
    static OUT: Pool<1, 8192> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder().with_max_content(7000);
    let frames: &[&[u8]] = if cfg!(miri) {
        &[SMALL_L3]
    } else {
        &[SMALL_L3, TEXT_L3_NOCHECK]
    };
    for frame in frames {
        let mut input = frame.to_vec();
        let step = if cfg!(miri) { 7 } else { 1 };
        for bit in (0..input.len() * 8).step_by(step) {
            input[bit / 8] ^= 1 << (bit % 8);
            match decoder.decompress_into(&input, &mut out) {
                Ok(n) => assert!(n <= 7000 && n == out.len()),
                Err(_) => assert!(out.is_empty()),
            }
            out.clear();
            input[bit / 8] ^= 1 << (bit % 8);
        }
    }
    assert_eq!(decoder.decompress_into(TEXT_L1, &mut out), Ok(6000));
}

#[test]
fn flips_in_checksummed_frames_are_caught() {
    static OUT: Pool<1, 8192> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder();
    let expected = text(6000, 1);
    // Past the header, every flip in a frame with a checksum is an error or (when it
    // lands in bits the decoder ignores) the same output.
    let mut input = TEXT_L19_CHECK.to_vec();
    let step = if cfg!(miri) { 997 } else { 1 };
    for bit in (6 * 8..input.len() * 8).step_by(step) {
        input[bit / 8] ^= 1 << (bit % 8);
        if let Ok(n) = decoder.decompress_into(&input, &mut out) {
            assert!(out[..n] == expected[..], "bit {bit} gave other output");
        }
        out.clear();
        input[bit / 8] ^= 1 << (bit % 8);
    }
}

#[test]
fn limits_are_reported() {
    let mut decoder_mem = Mem::new(3000);
    let decoder = decoder_mem.decoder();
    assert_eq!(decoder.max_window(), 3000);
    assert_eq!(decoder.max_content(), u64::MAX);
    let debug = format!("{decoder:?}");
    assert!(debug.contains("max_window: 3000"), "{debug}");
}

#[test]
fn every_pool_buffer_comes_back_after_errors() {
    static POOL: Pool<3, 512> = Pool::new();
    let mut decoder_mem = Mem::new(WINDOW);
    let mut decoder = decoder_mem.decoder().with_max_content(3000);
    let mut bad_checksum = TEXT_L1.to_vec();
    *bad_checksum.last_mut().unwrap() ^= 0x80;
    let mut kept = Vec::new();
    for input in [&bad_checksum[..], &TEXT_L1[..900], TEXT_L1, b"junk"] {
        decoder.reset();
        let e = decode_to(&mut decoder, input, POOL.pool_ref(), |buf| {
            // Hold one buffer across the call, as a slow consumer would.
            if kept.is_empty() {
                kept.push(buf);
            }
            Ok::<(), core::convert::Infallible>(())
        });
        assert!(e.is_err(), "{e:?}");
        kept.clear();
        assert_eq!(POOL.stats().available, 3);
    }
    // One-shot errors leave the caller's buffer as it was.
    let mut out = POOL.try_acquire().unwrap();
    out.extend_from_slice(b"abc").unwrap();
    assert!(decoder.decompress_into(&bad_checksum, &mut out).is_err());
    assert_eq!(&out[..], b"abc");
    drop(out);
    assert_eq!(POOL.stats().available, 3);
}

/// Found by the `zstd` fuzz target: a streaming call that decoded part of a frame and
/// then failed (here on the content checksum) left those bytes in the caller's buffer.
/// A failing call appends nothing.
#[test]
fn a_failing_streaming_call_appends_nothing() {
    let mut bad = TEXT_L19_CHECK.to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    static OUT: Pool<1, { 1 << 20 }> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    out.extend_from_slice(b"earlier").unwrap();
    let mut decoder_mem = Mem::new(1 << 20);
    let mut decoder = decoder_mem.decoder();
    let err = decoder.decode(&bad, &mut out).unwrap_err();
    assert!(matches!(err, DecodeError::Checksum { .. }), "{err:?}");
    assert_eq!(&out[..], b"earlier");
}

#[test]
fn memory_is_the_state_and_the_tables() {
    use bufpress::codec::zstd::DecoderState;
    let tables = size_of::<DecoderTables>();
    let decoder = size_of::<Decoder<'_>>();
    eprintln!("tables {tables} bytes, decoder {decoder} bytes");
    // The module docs' table: 21,328 bytes of tables (on 64-bit targets), a decoder of
    // a few hundred bytes.
    assert!(tables <= 22 * 1024, "{tables}");
    assert!(decoder <= 1024, "{decoder}");
    assert_eq!(
        size_of::<DecoderState<{ decoder_memory(1024) }>>(),
        tables + decoder_memory(1024)
    );
    for w in [
        1024,
        4096,
        8 * 1024,
        32 * 1024,
        128 * 1024,
        1 << 20,
        8 << 20,
    ] {
        let b = w.min(128 * 1024);
        assert_eq!(decoder_memory(w), w + 3 * b + 8);
        let mut mem = Mem::new(w);
        assert_eq!(mem.decoder().max_window(), w);
        // One byte less holds a window one byte smaller.
        mem.buf.pop();
        assert_eq!(mem.decoder().max_window(), w - 1);
    }
    // Buffers too small for any window make decoders that refuse every frame.
    static OUT: Pool<1, 64> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    for len in 0..20 {
        let mut tables = Box::new(DecoderTables::new());
        let mut buf = vec![0; len];
        let mut decoder = Decoder::from_parts(&mut tables, &mut buf);
        assert_eq!(decoder.max_window(), len.saturating_sub(8) / 4);
        let e = decoder.decompress_into(SMALL_L3, &mut out);
        assert!(matches!(e, Err(DecodeError::LimitExceeded { .. })), "{e:?}");
        // An empty frame's window is 0 bytes: it fits in `decoder_memory(0)`, 8 bytes.
        let e = decoder.decompress_into(EMPTY, &mut out);
        if len >= decoder_memory(0) {
            assert_eq!(e, Ok(0), "{len}");
        } else {
            assert!(
                matches!(e, Ok(0) | Err(DecodeError::LimitExceeded { .. })),
                "{e:?}"
            );
        }
    }
}
