//! deflate, zlib and gzip against bad input: truncation at every offset, every bit
//! flip, distances before the start, bad magic and checksums, reserved bits, empty
//! input, trailing data and bombs. After every error every pool buffer and state is
//! back.
#![cfg(feature = "deflate")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod deflate_support;
use deflate_support::*;

// ---- the bad-input catalogue ---------------------------------------------------------

#[test]
fn truncation_at_every_offset_is_an_error() {
    let content = data(0, scaled(400, 100), 4);
    with_rig(|rig| {
        for format in FORMATS {
            for &level in scaled(&[0, 6][..], &[6]) {
                let packed = compress(format, level, &content);
                let step = scaled(1, packed.len() / 2 + 1);
                for cut in (0..packed.len()).step_by(step).chain([packed.len() - 1]) {
                    let part = &packed[..cut];
                    let what = format!("{format:?} level {level} cut {cut}/{}", packed.len());
                    let e = rig.oneshot(format, part).expect_err(&what);
                    assert_eq!(e, DecodeError::Truncated, "{what}");
                    assert_eq!(
                        rig.streamed(format, part).unwrap_err(),
                        DecodeError::Truncated,
                        "{what}"
                    );
                    if !MIRI {
                        let e = rig
                            .pieces(format, part, 5, cut as u64, u64::MAX)
                            .unwrap_err();
                        assert_eq!(e, DecodeError::Truncated, "{what}");
                    }
                }
            }
        }
    });
}

#[test]
fn every_bit_flip_of_a_gzip_member_is_an_error_or_the_same_output() {
    let content = data(0, scaled(120, 40), 6);
    let member = compress(Format::Gzip, 9, &content);
    let step = scaled(1, 53);
    with_rig(|rig| {
        let mut errors = 0;
        for bit in (0..member.len() * 8).step_by(step) {
            let mut m = member.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            match rig.oneshot(Format::Gzip, &m) {
                Ok(got) => assert_eq!(got, content, "bit {bit}"),
                Err(_) => errors += 1,
            }
            if let Ok((got, _)) = rig.streamed(Format::Gzip, &m) {
                assert_eq!(got, content, "bit {bit}");
            }
        }
        assert!(errors > 0);
    });
}

#[test]
fn every_bit_flip_of_raw_deflate_decodes_the_same_one_shot_and_streaming() {
    // No checksum here: a flipped stream may decode to other bytes, but both decoders
    // must agree (the streaming one checks distances like the one-shot one).
    let content = data(0, scaled(300, 60), 8);
    let packed = compress(Format::Raw, 6, &content);
    let step = scaled(1, 61);
    with_rig(|rig| {
        // Leave old bytes in the window first.
        let garbage = data(1, scaled(40_000, 500), 1);
        let _ = rig
            .streamed(Format::Raw, &stored_deflate(&garbage))
            .unwrap();
        for bit in (0..packed.len() * 8).step_by(step) {
            let mut m = packed.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            let one = rig.oneshot(Format::Raw, &m);
            let streamed = rig.streamed(Format::Raw, &m).map(|(v, _)| v);
            match (&one, &streamed) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "bit {bit}"),
                (Err(_), Err(_)) => {}
                // The one-shot reads the whole input; streaming stops at the end.
                (Err(DecodeError::TrailingData), Ok(_)) => {}
                _ => panic!("bit {bit}: one-shot {one:?} streaming {streamed:?}"),
            }
        }
    });
}

#[test]
fn a_distance_before_the_start_is_corrupt_even_with_an_old_window() {
    // A fixed-Huffman block whose first symbol is a match at distance 1.
    // Bits, LSB first: BFINAL=1, BTYPE=01; length code 257 (7 bits 0000001), distance
    // code 0 (5 bits), end of block (7 bits 0).
    let stream = [0x03, 0x02, 0x00, 0x00];
    with_rig(|rig| {
        let warm = stored_deflate(&data(0, 1000, 3));
        assert!(rig.streamed(Format::Raw, &warm).is_ok());
        assert_eq!(rig.oneshot(Format::Raw, &stream), Err(DecodeError::Corrupt));
        assert_eq!(
            rig.streamed(Format::Raw, &stream).unwrap_err(),
            DecodeError::Corrupt
        );
    });
}

#[test]
fn bad_magic_checksums_and_reserved_bits() {
    let content = data(0, scaled(2000, 100), 2);
    let gz = compress(Format::Gzip, 6, &content);
    let zl = compress(Format::Zlib, 6, &content);
    let n = gz.len();
    let edit = |src: &[u8], at: usize, x: u8| {
        let mut v = src.to_vec();
        v[at] ^= x;
        v
    };
    type Case = (Format, Vec<u8>, fn(DecodeError) -> bool);
    let mut cases: Vec<Case> = vec![
        (Format::Gzip, edit(&gz, 0, 1), |e| {
            e == DecodeError::BadMagic
        }),
        (Format::Gzip, edit(&gz, 1, 0x80), |e| {
            e == DecodeError::BadMagic
        }),
        (Format::Gzip, edit(&gz, 2, 1), |e| {
            e == DecodeError::Unsupported
        }),
        (Format::Gzip, edit(&gz, 3, 0x20), |e| {
            e == DecodeError::Reserved
        }),
        (Format::Gzip, edit(&gz, 3, 0x80), |e| {
            e == DecodeError::Reserved
        }),
        (Format::Gzip, edit(&gz, n - 8, 1), |e| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Content,
                    ..
                }
            )
        }),
        (Format::Gzip, edit(&gz, n - 1, 1), |e| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Length,
                    ..
                }
            )
        }),
        (Format::Zlib, edit(&zl, 1, 1), |e| {
            e == DecodeError::BadMagic
        }),
        (Format::Zlib, edit(&zl, zl.len() - 1, 1), |e| {
            matches!(
                e,
                DecodeError::Checksum {
                    kind: Checksum::Content,
                    ..
                }
            )
        }),
        (Format::Zlib, gz.clone(), |e| e == DecodeError::BadMagic),
        (Format::Gzip, zl.clone(), |e| e == DecodeError::BadMagic),
    ];
    // zlib: method 7 (FCHECK fixed), window 64 KiB, and a preset dictionary.
    let fix = |cmf: u8, flg: u8| {
        let flg = flg & 0xe0;
        let rem = ((u16::from(cmf) << 8) | u16::from(flg)) % 31;
        let mut v = zl.clone();
        v[0] = cmf;
        v[1] = flg | if rem == 0 { 0 } else { 31 - rem as u8 };
        v
    };
    cases.push((Format::Zlib, fix(0x77, 0x80), |e| {
        e == DecodeError::BadMagic
    }));
    cases.push((Format::Zlib, fix(0x88, 0x80), |e| {
        e == DecodeError::Reserved
    }));
    cases.push((Format::Zlib, fix(0x78, 0xa0), |e| {
        e == DecodeError::Unsupported
    }));
    with_rig(|rig| {
        for (i, (format, input, ok)) in cases.iter().enumerate() {
            let e = rig.oneshot(*format, input).unwrap_err();
            assert!(ok(e), "case {i}: one-shot {e:?}");
            let e = rig.streamed(*format, input).unwrap_err();
            assert!(ok(e), "case {i}: streaming {e:?}");
            if !MIRI {
                let e = rig
                    .pieces(*format, input, 3, i as u64, u64::MAX)
                    .unwrap_err();
                assert!(ok(e), "case {i}: pieces {e:?}");
            }
        }
        // Display is lowercase and says what failed.
        let e = rig.oneshot(Format::Gzip, &cases[5].1).unwrap_err();
        assert!(
            e.to_string().starts_with("content checksum mismatch"),
            "{e}"
        );
    });
}

#[test]
fn empty_input() {
    with_rig(|rig| {
        for format in FORMATS {
            assert_eq!(rig.oneshot(format, &[]), Err(DecodeError::Truncated));
            assert_eq!(
                rig.streamed(format, &[]).unwrap_err(),
                DecodeError::Truncated
            );
            let state = rig.decoders.try_acquire().unwrap();
            let mut decoder = Decoder::new(format, state);
            let mut out = rig.small.try_acquire().unwrap();
            let p = decoder.decode(&[], &mut out).unwrap();
            assert_eq!(
                p,
                Progress {
                    consumed: 0,
                    produced: 0,
                    status: Status::NeedInput
                }
            );
        }
    });
}

/// Trailing bytes after the end: the one-shot call fails with `TrailingData` (its input
/// must be exactly one stream); the streaming decoder stops at the end with `Done` and
/// `consumed` there, and, called again with the rest, says `Done` consuming nothing.
#[test]
fn trailing_data_after_the_end() {
    let content = data(0, scaled(3000, 60), 1);
    with_rig(|rig| {
        for format in FORMATS {
            let packed = compress(format, 6, &content);
            let all: [&[u8]; 6] = [
                b"\0",
                b"\0\0\0\0",
                b"garbage!",
                b"\x1f",
                b"\x1f\x8c",
                b"\x1f\x8b",
            ];
            for garbage in scaled(&all[..], &all[2..4]) {
                let mut input = packed.clone();
                input.extend_from_slice(garbage);
                let one = rig.oneshot(format, &input);
                let streamed = rig.streamed(format, &input);
                let what = format!("{format:?} + {garbage:?}");
                if format == Format::Gzip && garbage.starts_with(b"\x1f") && garbage != b"\x1f\x8c"
                {
                    // The start of another member, cut short.
                    assert_eq!(one, Err(DecodeError::Truncated), "{what}");
                    assert_eq!(streamed, Err(DecodeError::Truncated), "{what}");
                    continue;
                }
                assert_eq!(one, Err(DecodeError::TrailingData), "{what}");
                assert_eq!(streamed, Ok((content.clone(), packed.len())), "{what}");
                if !MIRI {
                    // A piece that ends on a lone 0x1f after a gzip member: the decoder
                    // takes it as a possible member start (documented on `Decoder`);
                    // the byte after it shows it is not one, and the 0x1f, consumed,
                    // cannot be given back: `TrailingData`, never a lost byte.
                    let lone_magic = format == Format::Gzip && garbage.starts_with(b"\x1f");
                    match rig.pieces(format, &input, 50, 3, u64::MAX) {
                        Ok((got, used)) => {
                            assert!(got == content && used == packed.len(), "{what}: {used}");
                        }
                        Err(DecodeError::TrailingData) if lone_magic => {}
                        Err(e) => panic!("{what}: {e:?}"),
                    }
                }
            }
            // Done, then the rest: Done again with nothing consumed.
            let mut input = packed.clone();
            input.extend_from_slice(b"tail");
            let state = rig.decoders.try_acquire().unwrap();
            let mut decoder = Decoder::new(format, state);
            let mut out = rig.out.try_acquire().unwrap();
            let p = decoder.decode(&input, &mut out).unwrap();
            assert_eq!((p.consumed, p.status), (packed.len(), Status::Done));
            let p = decoder.decode(b"tail", &mut out).unwrap();
            assert_eq!(
                p,
                Progress {
                    consumed: 0,
                    produced: 0,
                    status: Status::Done
                }
            );
        }
    });
}

/// Raw deflate of `1 + 258 * matches` zero bytes, built by hand: one fixed-Huffman
/// block with a literal 0 and then matches of length 258 at distance 1 (13 bits each).
fn zero_bomb(matches: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    let mut put = |code: u32, len: u32, msb_first: bool| {
        for i in 0..len {
            let bit = if msb_first {
                code >> (len - 1 - i)
            } else {
                code >> i
            } & 1;
            acc |= bit << n;
            n += 1;
            if n == 8 {
                out.push(acc as u8);
                (acc, n) = (0, 0);
            }
        }
    };
    put(1, 1, false); // BFINAL
    put(1, 2, false); // BTYPE 01: fixed Huffman
    put(0x30, 8, true); // literal 0
    for _ in 0..matches {
        put(0xC5, 8, true); // length 258 (symbol 285)
        put(0, 5, true); // distance 1
    }
    put(0, 7, true); // end of block
    put(0, 7, false); // pad to a byte
    out
}

#[test]
fn decompression_bombs_hit_the_limit() {
    // Miri: a hand-built raw bomb just over a window; natively every format at 4 MiB.
    let matches = scaled(16_000, 130);
    let len = 1 + 258 * matches;
    let zeros = vec![0u8; len];
    let limit = len as u64 / 4;
    with_rig(|rig| {
        for format in scaled(&FORMATS[..], &[Format::Raw]) {
            let format = *format;
            let bomb = if MIRI {
                zero_bomb(matches)
            } else {
                compress(format, 1, &zeros)
            };
            for max_piece in scaled(vec![bomb.len(), 10], vec![bomb.len()]) {
                let e = rig.pieces(format, &bomb, max_piece, 1, limit).unwrap_err();
                assert_eq!(
                    e,
                    DecodeError::LimitExceeded {
                        limit,
                        needed: None
                    }
                );
            }
            // The limit is inclusive, and nothing past it reaches the caller.
            assert_eq!(
                rig.pieces(format, &bomb, 1 << 20, 2, len as u64)
                    .unwrap()
                    .0
                    .len(),
                len
            );
            let state = rig.decoders.try_acquire().unwrap();
            let mut decoder = Decoder::new(format, state).with_max_output(len as u64 - 1);
            let mut delivered = 0;
            let mut out = rig.small.try_acquire().unwrap();
            let mut rest = &bomb[..];
            let e = loop {
                match decoder.decode(rest, &mut out) {
                    Ok(p) => {
                        assert_ne!(p.status, Status::Done);
                        rest = &rest[p.consumed..];
                        delivered += p.produced;
                        out.clear();
                    }
                    Err(e) => break e,
                }
            };
            assert!(delivered < len, "{delivered}");
            assert_eq!(
                e,
                DecodeError::LimitExceeded {
                    limit: len as u64 - 1,
                    needed: None
                }
            );
            assert_eq!(decoder.total_out(), len as u64);
            // The error sticks until reset.
            assert_eq!(decoder.decode(&[], &mut out).unwrap_err(), e);
            decoder.reset();
            let short = wrap(format, &stored_deflate(b"after reset"), b"after reset");
            let mut p = decoder.decode(&short, &mut out).unwrap();
            if format == Format::Gzip {
                // Another member may follow until the input ends (a call with none).
                assert_eq!(p.status, Status::NeedInput);
                p = decoder.decode(&[], &mut out).unwrap();
            }
            assert_eq!((p.status, &out[..]), (Status::Done, &b"after reset"[..]));
        }
    });
}
