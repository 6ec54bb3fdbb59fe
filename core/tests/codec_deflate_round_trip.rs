//! deflate, zlib and gzip round trips: every format, level and size, streaming in
//! random pieces (the same bytes as one-shot), output bounded by the buffer, const
//! and reused states, hand-built stored streams.
#![cfg(feature = "deflate")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod deflate_support;
use deflate_support::*;

// ---- round trips ------------------------------------------------------------------

#[test]
fn round_trips_every_format_level_and_size() {
    let sizes: &[usize] = if MIRI {
        &[0, 300]
    } else {
        &[0, 1, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, BIG]
    };
    with_rig(|rig| {
        for (i, &len) in sizes.iter().enumerate() {
            for &level in levels() {
                // The largest size at the slow levels only once, in a debug build.
                if len == BIG && level > 6 && level != 9 {
                    continue;
                }
                let input = data(i + level as usize, len, len as u64 + 7);
                for format in FORMATS {
                    let packed = compress(format, level, &input);
                    assert!(packed.len() <= deflate::max_compressed_len(len, format));
                    let what = format!("{format:?} level {level} len {len}");
                    assert_eq!(
                        rig.oneshot(format, &packed).as_deref(),
                        Ok(&input[..]),
                        "{what}"
                    );
                    let (got, used) = rig.streamed(format, &packed).expect(&what);
                    assert_eq!(used, packed.len(), "{what}");
                    assert!(got == input, "{what}");
                }
            }
        }
    });
}

#[test]
fn streaming_in_random_pieces_gives_the_same_bytes() {
    let len = scaled(200_000, 600);
    with_rig(|rig| {
        for kind in 0..scaled(4, 1) {
            let input = data(kind, len, kind as u64);
            for format in FORMATS {
                let packed = compress(format, 6, &input);
                for (seed, max_piece) in [(1, 1), (2, 7), (3, 100), (4, 5000)] {
                    if (max_piece == 1 && kind != 0) || (MIRI && max_piece != 7) {
                        continue;
                    }
                    let (got, used) = rig
                        .pieces(format, &packed, max_piece, seed, u64::MAX)
                        .unwrap();
                    assert_eq!(used, packed.len());
                    assert!(got == input, "{format:?} kind {kind} pieces {max_piece}");
                }
            }
        }
    });
}

#[test]
fn one_shot_output_is_bounded_by_the_buffer() {
    let input = data(0, scaled(70_000, 300), 5);
    with_rig(|rig| {
        // An exact fit is enough at every level (stored, fast, lazy blocks).
        for &level in scaled(levels(), &[]) {
            for kind in 0..4 {
                let input = data(kind, 40_000 + kind, 2);
                for format in FORMATS {
                    let packed = compress(format, level, &input);
                    let got = rig.oneshot_cap(format, &packed, input.len()).unwrap();
                    assert!(got == input, "{format:?} level {level} kind {kind}");
                }
            }
        }
        for format in scaled(&FORMATS[..], &[Format::Gzip]) {
            let format = *format;
            let packed = compress(format, 6, &input);
            assert_eq!(
                rig.oneshot_cap(format, &packed, input.len()).unwrap(),
                input
            );
            for cap in scaled(
                vec![0, 1, input.len() / 2, input.len() - 1],
                vec![input.len() - 1],
            ) {
                assert_eq!(
                    rig.oneshot_cap(format, &packed, cap),
                    Err(DecodeError::OutputTooSmall {
                        needed: None,
                        capacity: OUT_SIZE
                    })
                );
            }
        }
    });
}

#[test]
fn states_are_const_and_reused() {
    static STATES: ValuePool<InflateState, 2> = ValuePool::new([const { InflateState::new() }; 2]);
    static DECODERS: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);
    let text = data(0, scaled(10_000, 200), 3);
    let packed = FORMATS.map(|format| compress(format, 6, &text));
    with_rig(|rig| {
        for round in 0..scaled(3, 2) {
            for (format, packed) in FORMATS.into_iter().zip(&packed).skip(usize::from(MIRI)) {
                let mut out = rig.out.try_acquire().unwrap();
                let mut state = STATES.try_acquire().unwrap();
                decompress_into(packed, &mut out, format, &mut state).unwrap();
                assert!(out[..] == text[..], "round {round}");
                let mut decoder = Decoder::new(format, DECODERS.try_acquire().unwrap());
                out.clear();
                let p = decode_to_end(&mut decoder, packed, &mut out).unwrap();
                assert_eq!((p.consumed, p.status), (packed.len(), Status::Done));
            }
        }
    });
    assert_eq!(STATES.stats().in_use, 0);
    assert_eq!(DECODERS.stats().in_use, 0);
}

#[test]
fn hand_built_stored_streams_decode_without_an_encoder() {
    let content = data(1, scaled(70_000, 2000), 4);
    with_rig(|rig| {
        for format in FORMATS {
            let packed = wrap(format, &stored_deflate(&content), &content);
            assert!(rig.oneshot(format, &packed).unwrap() == content);
            let max_piece = scaled(999, 500);
            assert!(
                rig.pieces(format, &packed, max_piece, 1, u64::MAX)
                    .unwrap()
                    .0
                    == content
            );
        }
        let empty = wrap(Format::Gzip, &stored_deflate(&[]), &[]);
        assert_eq!(rig.oneshot(Format::Gzip, &empty).unwrap(), Vec::<u8>::new());
    });
}
