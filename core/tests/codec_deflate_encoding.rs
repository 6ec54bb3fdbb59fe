//! bufpress's deflate encoder (no allocator needed): one-shot and streaming encoding
//! into pool buffers, read back by the decoder.
#![cfg(feature = "deflate")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod deflate_support;
use deflate_support::*;

// ---- encoding -------------------------------------------------------------------------

mod encoding {
    use super::*;
    use bufpress::codec::deflate::{Encoder, EncoderState, compress_into};
    use bufpress::codec::{Encode as _, EncodeError};

    /// Streaming encode with input in random pieces into `SMALL`-byte buffers.
    fn encode_pieces(
        encoder: &mut impl codec::Encode,
        pool: &RegionPool<'_, 4>,
        input: &[u8],
        seed: u64,
        max_piece: usize,
    ) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut got = Vec::new();
        let mut out = pool.try_acquire().unwrap();
        let mut at = 0;
        while at < input.len() {
            let piece = &input[at..(at + 1 + rng.below(max_piece)).min(input.len())];
            let p = encoder.encode(piece, &mut out).unwrap();
            at += p.consumed;
            if p.status == Status::OutputFull {
                got.extend_from_slice(&out);
                out.clear();
            } else {
                assert_eq!(p.consumed, piece.len());
            }
        }
        loop {
            let p = encoder.finish(&mut out).unwrap();
            got.extend_from_slice(&out);
            out.clear();
            if p.status == Status::Done {
                return got;
            }
        }
    }

    #[test]
    fn streaming_encode_in_pieces_matches_one_shot() {
        let len = scaled(64 * 1024, 150);
        let mut state: EncoderState = EncoderState::new();
        with_rig(|rig| {
            for kind in 0..scaled(4, 1) {
                let input = data(kind, len, 11);
                for format in scaled(&FORMATS[..], &[Format::Zlib]) {
                    let format = *format;
                    for &level in scaled(levels(), &[1, 6]) {
                        let one = compress(format, level, &input);
                        let mut encoder = Encoder::new(format, level, &mut state).unwrap();
                        let streamed = encode_pieces(&mut encoder, &rig.small, &input, 3, 5000);
                        assert_eq!(encoder.total_in(), len as u64);
                        assert_eq!(encoder.total_out(), streamed.len() as u64);
                        // Reuse after reset gives the same stream.
                        encoder.reset();
                        let again = encode_pieces(&mut encoder, &rig.small, &input, 4, 300);
                        assert!(rig.oneshot(format, &again).unwrap() == input);
                        // However the input is cut, the bytes are the one-shot's.
                        assert!(again == streamed, "{format:?} level {level} kind {kind}");
                        assert!(one == streamed, "{format:?} level {level} kind {kind}");
                        assert!(rig.oneshot(format, &streamed).unwrap() == input);
                    }
                }
            }
        });
    }

    #[test]
    fn encode_to_and_decode_to_through_small_buffers() {
        let input = data(0, scaled(100_000, 200), 1);
        let mut state: EncoderState = EncoderState::new();
        with_rig(|rig| {
            for format in scaled(&FORMATS[..], &[Format::Gzip]) {
                let format = *format;
                let mut encoder = Encoder::new(format, 6, &mut state).unwrap();
                let mut packed = Vec::new();
                let n = codec::encode_to(&mut encoder, &input, rig.small.pool_ref(), |buf| {
                    assert!(!buf.is_empty());
                    packed.extend_from_slice(&buf);
                    Ok::<(), ()>(())
                })
                .unwrap();
                assert_eq!(n, packed.len());
                let (back, used) = rig.streamed(format, &packed).unwrap();
                assert_eq!((back == input, used), (true, packed.len()));
                // Empty message.
                encoder.reset();
                let mut empty = Vec::new();
                codec::encode_to(&mut encoder, &[], rig.small.pool_ref(), |buf| {
                    empty.extend_from_slice(&buf);
                    Ok::<(), ()>(())
                })
                .unwrap();
                assert_eq!(rig.oneshot(format, &empty).unwrap(), Vec::<u8>::new());
            }
        });
    }

    #[test]
    fn encoder_errors() {
        let mut state: EncoderState = EncoderState::new();
        with_rig(|rig| {
            assert_eq!(
                Encoder::new(Format::Gzip, 11, &mut state).err(),
                Some(EncodeError::InvalidSetting)
            );
            let mut out = rig.out.try_acquire().unwrap();
            assert_eq!(
                compress_into(b"x", &mut out, Format::Raw, 200, &mut state),
                Err(EncodeError::InvalidSetting)
            );
            let mut encoder = Encoder::new(Format::Zlib, 6, &mut state).unwrap();
            encoder.encode(b"abc", &mut out).unwrap();
            while encoder.finish(&mut out).unwrap().status != Status::Done {}
            assert_eq!(
                encoder.encode(b"more", &mut out),
                Err(EncodeError::Finished)
            );
            // `finish` again is harmless.
            let p = encoder.finish(&mut out).unwrap();
            assert_eq!((p.produced, p.status), (0, Status::Done));
            // Too small: the buffer is left as it was.
            let mut small = rig.small.try_acquire().unwrap();
            small.extend_from_slice(b"keep").unwrap();
            let input = data(1, scaled(1000, 200), 1);
            let e = compress_into(&input, &mut small, Format::Gzip, 6, &mut state).unwrap_err();
            assert_eq!(
                e,
                EncodeError::OutputTooSmall {
                    needed: Some(deflate::max_compressed_len(input.len(), Format::Gzip)),
                    capacity: SMALL
                }
            );
            assert_eq!(&small[..], b"keep");
            // The state works after the failure.
            out.clear();
            compress_into(&input, &mut out, Format::Gzip, 6, &mut state).unwrap();
            assert!(rig.oneshot(Format::Gzip, &out).unwrap() == input);
        });
    }

    #[test]
    fn incompressible_data_stays_within_the_bound() {
        let mut state: EncoderState = EncoderState::new();
        let lens = scaled(vec![0, 1, 100, 31 * 1024, 65_536, 300_000], vec![150]);
        with_rig(|rig| {
            for &len in &lens {
                let input = data(1, len, len as u64);
                for format in scaled(&FORMATS[..], &[Format::Gzip]) {
                    let format = *format;
                    for &level in scaled(levels(), &[0, 6]) {
                        let bound = deflate::max_compressed_len(len, format);
                        let mut out = rig.out.try_acquire().unwrap();
                        // Exactly the bound must suffice.
                        let pad = OUT_SIZE - bound;
                        out.commit(pad).unwrap();
                        let n = compress_into(&input, &mut out, format, level, &mut state).unwrap();
                        assert!(n <= bound);
                    }
                }
            }
        });
    }

    /// Adversarial inputs for a window of `w` bytes: periods at and around the farthest
    /// match distance (`w - 262`), long runs, runs of 258 and 259, and the usual kinds.
    fn hard_inputs(w: usize) -> Vec<Vec<u8>> {
        let len = scaled(3 * w + 5000, 700);
        let mut out = vec![Vec::new(), vec![7], vec![0; 2], b"abc".to_vec()];
        for period in [w - 263, w - 262, w - 261, w, w + 1] {
            let unit = data(1, period.min(len), period as u64);
            out.push(unit.iter().copied().cycle().take(len).collect());
        }
        let mut runs = Vec::new();
        for (i, n) in [258, 259, 3, 1000, 2, 517]
            .iter()
            .cycle()
            .take(scaled(40, 6))
            .enumerate()
        {
            runs.extend(std::iter::repeat_n(i as u8, *n));
        }
        out.push(runs);
        for kind in 0..4 {
            out.push(data(kind, len, 5));
        }
        out
    }

    /// Streaming through output buffers of `room` bytes (a big buffer with only `room`
    /// bytes free) and input pieces of 1 to `max_piece` bytes.
    fn encode_tiny<S: codec::Encode>(
        encoder: &mut S,
        rig: &Rig<'_>,
        input: &[u8],
        room: usize,
        max_piece: usize,
        seed: u64,
    ) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let mut got = Vec::new();
        let fresh = || {
            let mut out = rig.out.try_acquire().unwrap();
            out.commit(OUT_SIZE - room).unwrap();
            out
        };
        let mut out = fresh();
        let mut at = 0;
        let mut finishing = false;
        loop {
            let p = if finishing {
                encoder.finish(&mut out).unwrap()
            } else {
                let piece = &input[at..(at + 1 + rng.below(max_piece)).min(input.len())];
                encoder.encode(piece, &mut out).unwrap()
            };
            assert!(p.produced <= room);
            at += p.consumed;
            match p.status {
                Status::OutputFull => {
                    assert_eq!(out.remaining(), 0, "OutputFull with room left");
                    got.extend_from_slice(&out[OUT_SIZE - room..]);
                    out = fresh();
                }
                Status::Done => break,
                Status::NeedInput => finishing = at == input.len(),
            }
        }
        got.extend_from_slice(&out[OUT_SIZE - room..]);
        got
    }

    fn windows_case<const W: usize, const H: usize>(state: &mut EncoderState<W, H>, rig: &Rig<'_>) {
        let levels: &[i32] = scaled(&[0, 1, 3, 4, 6, 9, 10], &[6]);
        // Under Miri a third of the inputs (about 20 s).
        let inputs = hard_inputs(W);
        let sampled = inputs
            .iter()
            .enumerate()
            .filter(|(i, _)| !MIRI || i % 3 == 0);
        for (i, input) in sampled {
            for &level in levels {
                let format = FORMATS[(i + level as usize) % 3];
                let what = format!("window {W} hash {H} input {i} level {level} {format:?}");
                let mut out = rig.out.try_acquire().unwrap();
                let n = compress_into(input, &mut out, format, level, state).unwrap();
                assert!(
                    n <= deflate::max_compressed_len(input.len(), format),
                    "{what}"
                );
                let one = out.to_vec();
                drop(out);
                assert!(rig.oneshot(format, &one).unwrap() == *input, "{what}");
                let room = [1, 2, 3, 7, 64][(i + level as usize) % 5];
                let mut encoder = Encoder::new(format, level, &mut *state).unwrap();
                let streamed =
                    encode_tiny(&mut encoder, rig, input, room, 1 + 97 * (i % 3), i as u64);
                assert!(
                    streamed == one,
                    "{what}: streamed through {room}-byte buffers"
                );
            }
        }
    }

    #[test]
    fn every_window_through_tiny_buffers_and_odd_pieces() {
        with_rig(|rig| {
            windows_case(&mut *Box::new(EncoderState::<1024, 256>::new()), rig);
            if !MIRI {
                windows_case(&mut *Box::new(EncoderState::<2048, 512>::new()), rig);
                windows_case(&mut *Box::new(EncoderState::<4096, 4096>::new()), rig);
                windows_case(&mut *Box::new(EncoderState::<32768, 65536>::new()), rig);
            }
        });
    }

    /// What a raw deflate decoder makes of `bytes`, a stream cut after a flush: all of
    /// it is decoded and the decoder asks for more input.
    fn decode_prefix(rig: &Rig<'_>, bytes: &[u8]) -> Vec<u8> {
        let mut decoder = Decoder::new(Format::Raw, rig.decoders.try_acquire().unwrap());
        let mut got = Vec::new();
        let mut rest = bytes;
        loop {
            let mut out = rig.small.try_acquire().unwrap();
            let p = codec::Decode::decode(&mut decoder, rest, &mut out).unwrap();
            got.extend_from_slice(&out);
            rest = &rest[p.consumed..];
            if p.status == Status::NeedInput {
                assert!(rest.is_empty());
                return got;
            }
            assert_eq!(p.status, Status::OutputFull, "the cut stream ended");
        }
    }

    /// `Encode::flush` (a sync flush) through output buffers of 1 to 64 bytes, twice
    /// in a stream: after each, everything given so far decodes from the bytes written;
    /// the whole stream still decodes, and a flush ends on a byte with `00 00 FF FF`.
    #[test]
    fn a_flush_through_tiny_buffers_makes_the_input_so_far_decodable() {
        with_rig(|rig| {
            let mut state = Box::new(EncoderState::<1024, 256>::new());
            let inputs = hard_inputs(1024);
            for (i, input) in inputs
                .iter()
                .enumerate()
                .filter(|(i, _)| !MIRI || i % 4 == 0)
            {
                for &level in scaled(&[0, 1, 4, 6, 10][..], &[6][..]) {
                    let room = [1, 2, 5, 64][(i + level as usize) % 4];
                    let what = format!("input {i} level {level} room {room}");
                    let mut encoder = Encoder::new(Format::Raw, level, &mut *state).unwrap();
                    let mut stream = Vec::new();
                    let cuts = [input.len() / 3, input.len() * 2 / 3, input.len()];
                    let mut at = 0;
                    for (k, &cut) in cuts.iter().enumerate() {
                        // The input up to `cut`, then a flush (the last: finish).
                        let mut calls = 0;
                        loop {
                            calls += 1;
                            assert!(calls < 100_000, "{what}: cut {k} at {at}: no end");
                            let mut out = rig.out.try_acquire().unwrap();
                            out.commit(OUT_SIZE - room).unwrap();
                            let p = if at < cut {
                                encoder.encode(&input[at..cut], &mut out).unwrap()
                            } else if k < 2 {
                                encoder.flush(&mut out).unwrap()
                            } else {
                                encoder.finish(&mut out).unwrap()
                            };
                            at += p.consumed;
                            stream.extend_from_slice(&out[OUT_SIZE - room..]);
                            if at == cut && p.status == Status::Done {
                                break;
                            }
                        }
                        if k < 2 {
                            if cut > 0 {
                                assert!(stream.ends_with(&[0, 0, 0xff, 0xff]), "{what}");
                            }
                            assert!(
                                decode_prefix(rig, &stream) == input[..cut],
                                "{what}: cut {k}"
                            );
                        }
                    }
                    assert!(
                        rig.oneshot(Format::Raw, &stream).unwrap() == *input,
                        "{what}"
                    );
                }
            }
        });
    }

    #[test]
    fn a_static_state_is_all_zero_and_works() {
        static STATE: std::sync::Mutex<EncoderState<1024, 1024>> =
            std::sync::Mutex::new(EncoderState::new());
        let mut state = STATE.lock().unwrap();
        with_rig(|rig| {
            let input = data(0, scaled(5000, 1000), 1);
            let mut out = rig.out.try_acquire().unwrap();
            compress_into(&input, &mut out, Format::Gzip, 6, &mut *state).unwrap();
            assert!(rig.oneshot(Format::Gzip, &out).unwrap() == input);
            assert_eq!(state.window(), 1024);
        });
    }
}
