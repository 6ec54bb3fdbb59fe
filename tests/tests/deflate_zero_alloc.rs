//! The zero-allocation proof for deflate, zlib and gzip: once the states exist
//! (`InflateState`, `DecoderState`, `deflate::EncoderState`: plain values, built with no
//! allocation), one-shot and streaming decoding and encoding of many
//! messages of every kind and of sizes from 0 B to 1 MiB make exactly 0 allocations and
//! 0 reallocations.

use bufpress::codec::deflate::{
    self, Decoder, DecoderState, Encoder, EncoderState, Format, InflateState,
};
use bufpress::codec::{self, Decode as _, Encode as _};
use bufpress::pool::{Pool, ValuePool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const MAX: usize = 1 << 20;
const BIG_SIZE: usize = MAX + MAX / 8 + 1024;
const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];
const SIZES: [usize; 9] = [
    0,
    1,
    100,
    4096,
    32 * 1024 - 1,
    32 * 1024,
    32 * 1024 + 1,
    100_000,
    MAX,
];

static BIG: Pool<2, BIG_SIZE> = Pool::new();
static SMALL: Pool<4, 4096> = Pool::new();
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
static DECODERS: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);

struct Message {
    format: Format,
    level: i32,
    plain: Vec<u8>,
    packed: Vec<u8>,
}

/// Every format, kind and size, compressed at varied levels (before measuring).
fn messages(state: &mut EncoderState) -> Vec<Message> {
    let mut out = Vec::new();
    let mut buf = BIG.try_acquire().unwrap();
    for (i, &len) in SIZES.iter().enumerate() {
        for (k, &kind) in KINDS.iter().enumerate() {
            if len == MAX && k % 2 == 1 {
                continue; // three kinds at 1 MiB are enough
            }
            let plain = corpus::make(kind, len, (i * 7 + k) as u64);
            let format = FORMATS[(i + k) % 3];
            // Slow levels on the large messages would only slow the test down.
            let level = if len >= 100_000 {
                [1, 6][k % 2]
            } else {
                [0, 1, 6, 9, 10][k]
            };
            buf.clear();
            deflate::compress_into(&plain, &mut buf, format, level, state).unwrap();
            let packed = buf.to_vec();
            out.push(Message {
                format,
                level,
                plain,
                packed,
            });
        }
    }
    out
}

/// Checks that `chunk` is the next part of `expected` (no allocation).
fn check_next(expected: &[u8], at: &mut usize, chunk: &[u8]) -> Result<(), ()> {
    let end = *at + chunk.len();
    if expected.get(*at..end) == Some(chunk) {
        *at = end;
        Ok(())
    } else {
        Err(())
    }
}

#[test]
fn decoding_and_encoding_allocate_nothing_after_the_states_exist() {
    // The compressors are plain values (a small-window one from a static pool).
    static SMALL_WINDOW: ValuePool<EncoderState<4096, 4096>, 1> =
        ValuePool::new([const { EncoderState::new() }]);
    let mut compressor: EncoderState = EncoderState::new();
    let msgs = messages(&mut compressor);
    let ((), counts) = measure(|| {
        for round in 0..2 {
            // The second round (other levels) on the messages under 1 MiB.
            for m in msgs.iter().filter(|m| round == 0 || m.plain.len() < MAX) {
                // One-shot decoding straight into a pool buffer.
                let mut out = BIG.try_acquire().unwrap();
                let mut state = INFLATE.try_acquire().unwrap();
                deflate::decompress_into(&m.packed, &mut out, m.format, &mut state).unwrap();
                assert!(out[..] == m.plain[..]);
                drop(state);

                // Streaming decoding through 4 KiB buffers.
                let mut decoder = Decoder::new(m.format, DECODERS.try_acquire().unwrap())
                    .with_max_output(MAX as u64);
                let mut at = 0;
                let used = codec::decode_to(&mut decoder, &m.packed, SMALL.pool_ref(), |buf| {
                    check_next(&m.plain, &mut at, &buf)
                })
                .unwrap();
                assert_eq!((used, at), (m.packed.len(), m.plain.len()));
                drop(decoder);

                // One-shot encoding with the reused compressor.
                out.clear();
                deflate::compress_into(&m.plain, &mut out, m.format, m.level, &mut compressor)
                    .unwrap();
                assert!(out[..] == m.packed[..]);

                // Streaming encoding, at another level every other round.
                let level = if round == 0 { m.level } else { 3 };
                let mut encoder = Encoder::new(m.format, level, &mut compressor).unwrap();
                let mut at = 0;
                codec::encode_to(&mut encoder, &m.plain, SMALL.pool_ref(), |buf| {
                    if round == 0 {
                        check_next(&m.packed, &mut at, &buf)
                    } else {
                        Ok(())
                    }
                })
                .unwrap();
                // And a second message on the same encoder after `reset`.
                encoder.reset();
                let half = &m.plain[..m.plain.len() / 2];
                codec::encode_to(&mut encoder, half, SMALL.pool_ref(), |_| Ok::<(), ()>(()))
                    .unwrap();

                // A 4 KiB window, one-shot and streaming: the same bytes.
                let mut small_state = SMALL_WINDOW.try_acquire().unwrap();
                out.clear();
                deflate::compress_into(&m.plain, &mut out, m.format, level, &mut small_state)
                    .unwrap();
                let mut encoder = Encoder::new(m.format, level, &mut *small_state).unwrap();
                let mut at = 0;
                codec::encode_to(&mut encoder, &m.plain, SMALL.pool_ref(), |buf| {
                    check_next(&out, &mut at, &buf)
                })
                .unwrap();
                assert_eq!(at, out.len());
            }
        }
    });
    assert_eq!(counts.allocs, 0, "{counts:?}");
    assert_eq!(counts.reallocs, 0, "{counts:?}");
    assert_eq!(BIG.stats().in_use, 0);
    assert_eq!(SMALL.stats().in_use, 0);
    assert_eq!(INFLATE.stats().in_use, 0);
    assert_eq!(DECODERS.stats().in_use, 0);
    assert_eq!(SMALL_WINDOW.stats().in_use, 0);
}

#[test]
fn errors_allocate_nothing_either() {
    let mut compressor: EncoderState = EncoderState::new();
    let plain = corpus::mixed(50_000, 3);
    let mut buf = BIG.try_acquire().unwrap();
    deflate::compress_into(&plain, &mut buf, Format::Gzip, 6, &mut compressor).unwrap();
    let packed = buf.to_vec();
    drop(buf);
    let ((), counts) = measure(|| {
        let mut state = INFLATE.try_acquire().unwrap();
        let mut out = BIG.try_acquire().unwrap();
        for cut in (0..packed.len()).step_by(997) {
            assert!(
                deflate::decompress_into(&packed[..cut], &mut out, Format::Gzip, &mut state)
                    .is_err()
            );
            assert!(out.is_empty());
        }
        let mut decoder =
            Decoder::new(Format::Gzip, DECODERS.try_acquire().unwrap()).with_max_output(1000);
        let mut small = SMALL.try_acquire().unwrap();
        let mut rest = &packed[..];
        loop {
            match decoder.decode(rest, &mut small) {
                Ok(p) => {
                    rest = &rest[p.consumed..];
                    small.clear();
                }
                Err(e) => {
                    assert!(matches!(e, codec::DecodeError::LimitExceeded { .. }));
                    break;
                }
            }
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
}

#[test]
fn building_the_compressor_allocates_nothing() {
    // The compressor is a plain value (caller memory): building it, at any size,
    // allocates nothing, so encoding needs no allocator at all.
    let (state, counts) = measure(|| Box::new(EncoderState::<32768, 32768>::new()));
    assert_eq!(counts.allocs, 1, "only the Box of this test: {counts:?}");
    let (small, counts_small) = measure(EncoderState::<4096, 4096>::new);
    assert!(counts_small.is_zero(), "{counts_small:?}");
    eprintln!(
        "EncoderState<32768, 32768> {} B, <4096, 4096> {} B; InflateState {} B, DecoderState {} B",
        size_of_val(&*state),
        size_of_val(&small),
        size_of::<InflateState>(),
        size_of::<DecoderState>()
    );
    drop(state);
}

/// Multi-member gzip (`cat a.gz b.gz`, pigz, bgzip): 2 to 40 members of 0 B to 40 KiB,
/// decoded one-shot (`decompress_into`, `decode_into`), through `decode_to`, and in
/// pieces cut at every member's end and elsewhere (each stream ended by the call with
/// no input); a stream truncated inside its second member fails: 0 allocations.
#[test]
fn multi_member_gzip_allocates_nothing() {
    const ROOM: usize = 256 * 1024;
    static OUT: Pool<1, ROOM> = Pool::new();
    static PIECES: Pool<1, 1000> = Pool::new();
    static MEMBER_DECODERS: ValuePool<DecoderState, 1> =
        ValuePool::new([const { DecoderState::new() }]);
    let mut compressor: EncoderState = EncoderState::new();
    let member_sizes = [0, 1, 100, 4096, 40_000, 0, 333];
    // (plain, packed, the offsets where members end)
    let mut streams = Vec::new();
    for (s, members) in [2usize, 3, 8, 40].into_iter().enumerate() {
        let (mut plain, mut packed, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        let mut buf = OUT.try_acquire().unwrap();
        for m in 0..members {
            let len = member_sizes[(s + m) % member_sizes.len()] / if members > 8 { 10 } else { 1 };
            let part = corpus::make(KINDS[(s + m) % KINDS.len()], len, (s * 100 + m) as u64);
            buf.clear();
            deflate::compress_into(
                &part,
                &mut buf,
                Format::Gzip,
                [1, 6][m % 2],
                &mut compressor,
            )
            .unwrap();
            packed.extend_from_slice(&buf);
            plain.extend_from_slice(&part);
            ends.push(packed.len());
        }
        streams.push((plain, packed, ends));
    }
    let ((), counts) = measure(|| {
        for (plain, packed, ends) in &streams {
            let mut out = OUT.try_acquire().unwrap();
            let mut state = INFLATE.try_acquire().unwrap();
            deflate::decompress_into(packed, &mut out, Format::Gzip, &mut state).unwrap();
            assert!(out[..] == plain[..]);
            // Truncated inside the second member.
            out.clear();
            let cut = ends[0] + (ends[1] - ends[0]) / 2;
            assert!(
                deflate::decompress_into(&packed[..cut], &mut out, Format::Gzip, &mut state)
                    .is_err()
            );
            drop(state);

            let mut decoder = Decoder::new(Format::Gzip, MEMBER_DECODERS.try_acquire().unwrap());
            out.clear();
            assert_eq!(
                codec::decode_into(&mut decoder, packed, &mut out),
                Ok(plain.len())
            );
            assert!(out[..] == plain[..]);
            drop(out);

            decoder.reset();
            let mut at = 0;
            let used = codec::decode_to(&mut decoder, packed, SMALL.pool_ref(), |buf| {
                check_next(plain, &mut at, &buf)
            })
            .unwrap();
            assert_eq!((used, at), (packed.len(), plain.len()));

            // In pieces: ending at each member's end, then in steps of 1 to 997 bytes.
            for step in [0, 1, 61, 997] {
                decoder.reset();
                let mut piece_out = PIECES.try_acquire().unwrap();
                let (mut from, mut at, mut i) = (0, 0, 0);
                loop {
                    let to = if from == packed.len() {
                        from
                    } else if step == 0 {
                        ends[i.min(ends.len() - 1)].max(from + 1).min(packed.len())
                    } else {
                        (from + step).min(packed.len())
                    };
                    let mut piece = &packed[from..to];
                    let status = loop {
                        let p = decoder.decode(piece, &mut piece_out).unwrap();
                        piece = &piece[p.consumed..];
                        check_next(plain, &mut at, &piece_out).unwrap();
                        piece_out.clear();
                        if p.status != codec::Status::OutputFull {
                            break p.status;
                        }
                    };
                    if from == packed.len() {
                        assert_eq!(status, codec::Status::Done);
                        break;
                    }
                    assert_eq!(status, codec::Status::NeedInput);
                    from = to;
                    i += 1;
                }
                assert_eq!(at, plain.len());
            }
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
    assert_eq!(OUT.stats().in_use, 0);
    assert_eq!(MEMBER_DECODERS.stats().in_use, 0);
}
