//! lz4 frames: round trips over sizes, kinds and every setting, linked blocks,
//! streaming in random pieces into small buffers (the same bytes as the one-shot
//! calls), big blocks through big states, frames in a row and skippable frames, the
//! encoder's own errors, and the states' sizes.
#![cfg(feature = "lz4")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod lz4_support;
use lz4_support::*;

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

        let mut encoder = ENCODERS.acquire_blocking();
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

        let mut decoder = DECODERS.acquire_blocking();
        decoder.reset();
        decoder.set_max_output(u64::MAX);
        let mut out = SMALL.acquire_blocking();
        let (back, consumed) =
            stream_decode(&mut *decoder, &expected, &mut out, &mut rng, max_piece).unwrap();
        assert_eq!(consumed, expected.len());
        assert!(back == input, "run {run}: streamed decode differs");
        drop(out);
        decoder.reset();
        let mut out = LARGE.acquire_blocking();
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
            let mut encoder = BIG_ENCODER.acquire_blocking();
            encoder.set_settings(s).unwrap();
            let streamed = stream_encode(&mut *encoder, &input, &SMALL, &mut rng, 100_000);
            assert!(streamed == expected, "{size:?} {mode:?}");
            let mut decoder = BIG_DECODER.acquire_blocking();
            decoder.reset();
            decoder.set_max_output(u64::MAX);
            let mut out = SMALL.acquire_blocking();
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
    let mut decoder = DECODERS.acquire_blocking();
    decoder.reset();
    decoder.set_max_output(u64::MAX);
    let mut out = P.acquire_blocking();
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

// ---- the encoder's own errors -----------------------------------------------------

#[test]
fn encoder_settings_and_misuse_are_errors() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let mut encoder = ENCODERS.acquire_blocking();
    // A 64 KiB-linked state cannot hold 256 KiB blocks.
    assert_eq!(
        encoder.set_settings(FrameSettings::new().with_block_size(BlockSize::Max256KiB)),
        Err(EncodeError::InvalidSetting)
    );
    encoder
        .set_settings(FrameSettings::new().with_content_size(Some(5)))
        .unwrap();
    let mut out = P.acquire_blocking();
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
            &mut TABLES.acquire_blocking()
        ),
        Err(EncodeError::InvalidSetting)
    );
    // ... and refuses a buffer too small, committing nothing.
    static TINY: Pool<1, 16> = Pool::new();
    let mut tiny = TINY.acquire_blocking();
    let random = data(Kind::Random, 100, 1);
    assert!(matches!(
        lz4::compress_frame_into(
            &random,
            &mut tiny,
            &FrameSettings::new(),
            &mut TABLES.acquire_blocking()
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
        ("Decoder<64 KiB linked>", size_of::<Decoder<DEC64>>()),
        ("Encoder<64 KiB linked>", size_of::<Encoder<ENC64>>()),
        ("Decoder<4 MiB linked>", size_of::<Decoder<DEC4M>>()),
        ("Encoder<4 MiB linked>", size_of::<Encoder<ENC4M>>()),
        ("Decoder<0>", size_of::<Decoder<0>>()),
        ("Encoder<0>", size_of::<Encoder<0>>()),
    ];
    for (name, size) in sizes {
        println!("{name}: {size} bytes");
    }
    assert_eq!(size_of::<Table>(), 16 * 1024 + 8);
    assert_eq!(DEC64, 192 * 1024);
    assert_eq!(ENC64, 192 * 1024 + 8);
    assert!(size_of::<Decoder<0>>() < 256);
    assert!(size_of::<Encoder<0>>() < 16 * 1024 + 256);
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
