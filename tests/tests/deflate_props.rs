//! Property tests for deflate, zlib and gzip: round trips over sizes, data kinds,
//! levels, windows, piece sizes and output buffer sizes (one-shot and streaming, both
//! ways; flate2 reads what the small windows write);
//! decoding arbitrary or mutated bytes never panics, never produces more than the
//! limit or the buffer allows, and one-shot and streaming decoding agree.

use bufpress::codec::deflate::{
    self, Decoder, DecoderState, Encoder, EncoderState, Format, InflateState,
};
use bufpress::codec::{Decode as _, DecodeError, Status};
use bufpress::pool::{Buf, Pool, ValuePool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::decoders::flate2_decode;
use bufpress_tests::stream::encode_in_pieces;
use proptest::collection::vec;
use proptest::prelude::*;

const MAX: usize = 150_000;
const OUT: usize = MAX + MAX / 8 + 1024;
const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];

fn input(kind: usize, len: usize, seed: u64) -> Vec<u8> {
    if kind == KINDS.len() {
        corpus::mixed(len, seed)
    } else {
        corpus::make(KINDS[kind], len, seed)
    }
}

/// Decodes with a streaming decoder in pieces of up to `max_piece` bytes into `out`
/// (handed on when full), stopping at the end of the stream. Checks the limit and
/// the `Progress` contract on every call.
fn stream_decode(
    decoder: &mut Decoder<&mut DecoderState>,
    input: &[u8],
    out: &mut Buf<'_>,
    max_piece: usize,
    limit: u64,
) -> Result<Vec<u8>, DecodeError> {
    let mut data = Vec::new();
    let mut at = 0;
    loop {
        let piece = max_piece.min(input.len() - at);
        let before = out.len();
        let p = decoder.decode(&input[at..at + piece], out);
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                assert_eq!(out.len(), before, "an error appended output");
                return Err(e);
            }
        };
        assert!(p.consumed <= piece && p.produced == out.len() - before);
        if p.status == Status::NeedInput {
            assert_eq!(p.consumed, piece);
        }
        at += p.consumed;
        data.extend_from_slice(out);
        out.clear();
        assert!(data.len() as u64 <= limit, "past the limit");
        match p.status {
            Status::Done => return Ok(data),
            // After all the input, an empty piece says it ended (a gzip stream ends
            // there); wanting more then is truncation.
            Status::NeedInput if piece == 0 => return Err(DecodeError::Truncated),
            _ => {}
        }
    }
}

thread_local! {
    // One per test thread, built once (the only allocation of encoding).
    static COMPRESSOR: std::cell::RefCell<EncoderState> =
        const { std::cell::RefCell::new(EncoderState::new()) };
}

fn with_compressor<R>(f: impl FnOnce(&mut EncoderState) -> R) -> R {
    COMPRESSOR.with_borrow_mut(f)
}

/// Data built to stress a matcher: literal runs, byte runs, and copies of earlier
/// bytes from distances around the window sizes (1 to 40,000 back).
fn matcher_food() -> impl Strategy<Value = Vec<u8>> {
    let segment = prop_oneof![
        vec(any::<u8>(), 0..300).prop_map(Segment::Literal),
        (any::<u8>(), 0..2000usize).prop_map(|(b, n)| Segment::Run(b, n)),
        (1..40_000usize, 3..700usize).prop_map(|(d, n)| Segment::Copy(d, n)),
        (
            prop_oneof![Just(1024usize), Just(4096), Just(32768)],
            -300..3i32,
            3..300usize
        )
            .prop_map(|(w, off, n)| Segment::Copy((w as i32 + off).max(1) as usize, n)),
    ];
    vec(segment, 0..60).prop_map(|segments| {
        let mut out = Vec::new();
        for s in segments {
            match s {
                Segment::Literal(bytes) => out.extend_from_slice(&bytes),
                Segment::Run(b, n) => out.extend(std::iter::repeat_n(b, n)),
                Segment::Copy(d, n) if d <= out.len() => {
                    for _ in 0..n {
                        out.push(out[out.len() - d]);
                    }
                }
                Segment::Copy(_, n) => out.extend((0..n).map(|i| i as u8)),
            }
        }
        out
    })
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(Vec<u8>),
    Run(u8, usize),
    Copy(usize, usize),
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(bufpress_tests::proptest_cases(64)))]

    #[test]
    fn small_windows_round_trip_matcher_food(
        data in matcher_food(),
        format in 0..3usize,
        level in 0..=10i32,
        window in 0..3usize,
        max_piece in 1..5000usize,
    ) {
        static P: Pool<2, OUT> = Pool::new();
        static SMALL: Pool<1, 61> = Pool::new();
        static W1: ValuePool<EncoderState<1024, 512>, 1> =
            ValuePool::new([const { EncoderState::new() }]);
        static W4: ValuePool<EncoderState<4096, 16384>, 1> =
            ValuePool::new([const { EncoderState::new() }]);
        let format = FORMATS[format];
        let mut packed = P.try_acquire().unwrap();
        let mut small = SMALL.try_acquire().unwrap();
        let streamed = match window {
            0 => {
                let mut s = W1.try_acquire().unwrap();
                deflate::compress_into(&data, &mut packed, format, level, &mut s).unwrap();
                let mut encoder = Encoder::new(format, level, &mut *s).unwrap();
                encode_in_pieces(&mut encoder, &data, max_piece, &mut small).unwrap()
            }
            1 => {
                let mut s = W4.try_acquire().unwrap();
                deflate::compress_into(&data, &mut packed, format, level, &mut s).unwrap();
                let mut encoder = Encoder::new(format, level, &mut *s).unwrap();
                encode_in_pieces(&mut encoder, &data, max_piece, &mut small).unwrap()
            }
            _ => with_compressor(|c| {
                deflate::compress_into(&data, &mut packed, format, level, c).unwrap();
                let mut encoder = Encoder::new(format, level, c).unwrap();
                encode_in_pieces(&mut encoder, &data, max_piece, &mut small).unwrap()
            }),
        };
        prop_assert!(packed.len() <= deflate::max_compressed_len(data.len(), format));
        prop_assert!(streamed[..] == packed[..], "streaming and one-shot bytes differ");
        prop_assert!(flate2_decode(format, &packed) == data);
    }

    #[test]
    fn round_trips_in_any_pieces(
        kind in 0..=KINDS.len(),
        len in 0..MAX,
        seed: u64,
        format in 0..3usize,
        level in 0..=10i32,
        max_piece in 1..70_000usize,
        small_out: bool,
    ) {
        static P: Pool<2, OUT> = Pool::new();
        static SMALL: Pool<1, 100> = Pool::new();
        static MEDIUM: Pool<1, 40_000> = Pool::new();
        static I: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
        static D: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);
        let format = FORMATS[format];
        // The slow levels on shorter inputs, to keep debug runs short.
        let len = if level >= 7 { len / 8 } else { len };
        let data = input(kind, len, seed);

        let mut packed = P.try_acquire().unwrap();
        let n = with_compressor(|c| deflate::compress_into(&data, &mut packed, format, level, c))
            .unwrap();
        prop_assert!(n <= deflate::max_compressed_len(len, format));
        let mut back = P.try_acquire().unwrap();
        deflate::decompress_into(&packed, &mut back, format, &mut I.try_acquire().unwrap()).unwrap();
        prop_assert!(back[..] == data[..]);

        // Streaming encode in pieces into small or medium buffers.
        let mut out = if small_out { SMALL.try_acquire().unwrap() } else { MEDIUM.try_acquire().unwrap() };
        let streamed = with_compressor(|c| {
            let mut encoder = Encoder::new(format, level, c).unwrap();
            encode_in_pieces(&mut encoder, &data, max_piece, &mut out).unwrap()
        });
        prop_assert!(streamed[..] == packed[..], "streaming and one-shot bytes differ");

        // Streaming decode of what the streaming encoder wrote.
        let mut dstate = D.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, &mut *dstate).with_max_output(len as u64);
        let got = stream_decode(&mut decoder, &streamed, &mut out, max_piece, len as u64).unwrap();
        prop_assert!(got == data);
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_exceed_limits(
        bytes in vec(any::<u8>(), 0..2000),
        format in 0..3usize,
        limit in 0..50_000u64,
        max_piece in 1..3000usize,
    ) {
        static P: Pool<1, 20_000> = Pool::new();
        static SMALL: Pool<1, 333> = Pool::new();
        static I: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
        static D: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);
        let format = FORMATS[format];
        // Give the decoder a plausible start now and then.
        let mut bytes = bytes;
        if format == Format::Gzip && bytes.len() > 4 && bytes[0] & 1 == 0 {
            let flags = bytes[3] & 0x1f;
            bytes[..4].copy_from_slice(&[0x1f, 0x8b, 8, flags]);
        }
        let mut out = P.try_acquire().unwrap();
        let one = deflate::decompress_into(&bytes, &mut out, format, &mut I.try_acquire().unwrap());
        match one {
            Ok(n) => prop_assert_eq!(n, out.len()),
            Err(_) => prop_assert!(out.is_empty()),
        }
        let mut small = SMALL.try_acquire().unwrap();
        let mut dstate = D.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, &mut *dstate).with_max_output(limit);
        let _ = stream_decode(&mut decoder, &bytes, &mut small, max_piece, limit);
    }

    #[test]
    fn mutated_streams_never_panic_and_decoders_agree(
        kind in 0..=KINDS.len(),
        len in 0..20_000usize,
        seed: u64,
        format in 0..3usize,
        edits in vec((any::<usize>(), any::<u8>(), 0..3u8), 1..6),
        max_piece in 1..5000usize,
    ) {
        static P: Pool<2, 40_000> = Pool::new();
        static SMALL: Pool<1, 100> = Pool::new();
        static I: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
        static D: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);
        let format = FORMATS[format];
        let data = input(kind, len, seed);
        let mut packed = P.try_acquire().unwrap();
        with_compressor(|c| deflate::compress_into(&data, &mut packed, format, 6, c)).unwrap();
        let mut bytes = packed.to_vec();
        drop(packed);
        for (at, value, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = at % bytes.len();
            match op {
                0 => bytes[at] ^= value | 1,
                1 => bytes.truncate(at),
                _ => bytes.insert(at, value),
            }
        }
        let limit = 30_000u64;
        let mut out = P.try_acquire().unwrap();
        let one = deflate::decompress_into(&bytes, &mut out, format, &mut I.try_acquire().unwrap())
            .map(|_| out.to_vec());
        let mut small = SMALL.try_acquire().unwrap();
        let mut dstate = D.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, &mut *dstate).with_max_output(limit);
        let streamed = stream_decode(&mut decoder, &bytes, &mut small, max_piece, limit);
        match (&one, &streamed) {
            (Ok(a), Ok(b)) => prop_assert!(a == b),
            (Err(_), Err(_)) => {}
            // The one-shot call needs exactly one stream; streaming stops at its end.
            (Err(DecodeError::TrailingData), Ok(_)) => {}
            // Output between the limit and the one-shot buffer.
            (Err(DecodeError::OutputTooSmall { .. }), Ok(b)) => prop_assert!(b.len() > 39_000),
            (Ok(a), Err(DecodeError::LimitExceeded { .. })) => prop_assert!(a.len() as u64 > limit),
            _ => prop_assert!(false, "one-shot {:?} vs streaming {:?}", one.as_ref().map(Vec::len), streamed.as_ref().map(Vec::len)),
        }
    }
}

/// Literal frequencies in a Fibonacci series (byte `i` appears `fib(i)` times, in a
/// shuffled order) make the deepest Huffman trees: the codes must be cut to 15 bits,
/// and flate2 and bufpress must read the result.
#[test]
fn fibonacci_literals_need_length_limited_codes() {
    static P: Pool<2, OUT> = Pool::new();
    static I: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
    let (mut a, mut b) = (1usize, 1usize);
    let mut data = Vec::new();
    for byte in 0..24u8 {
        data.extend(std::iter::repeat_n(byte, a));
        (a, b) = (b, a + b);
    }
    // A deterministic shuffle so there are few matches.
    let mut rng = bufpress_tests::rng::Rng::new(7);
    for i in (1..data.len()).rev() {
        data.swap(i, rng.below(i + 1));
    }
    for level in [1, 6, 9] {
        for format in FORMATS {
            let mut packed = P.try_acquire().unwrap();
            with_compressor(|c| deflate::compress_into(&data, &mut packed, format, level, c))
                .unwrap();
            assert!(
                flate2_decode(format, &packed) == data,
                "{format:?} level {level}"
            );
            let mut back = P.try_acquire().unwrap();
            deflate::decompress_into(&packed, &mut back, format, &mut I.try_acquire().unwrap())
                .unwrap();
            assert!(back[..] == data[..]);
        }
    }
}

/// Input that ends exactly where the window slides (or a byte either side): the
/// streaming encoder, given the input in one piece or in pieces and then `finish`,
/// writes the same bytes as the one-shot one. (At level 0 a stream that ended at the
/// slide point used to get its last bytes in a block of their own and an empty final
/// block: 5 bytes more than one-shot; a CI run's random case found it.)
#[test]
fn input_ending_at_the_slide_point_streams_as_one_shot() {
    // `MIN_LOOKAHEAD` of the encoder: a window slides at `2 * window - 262`, and then
    // every `window` bytes.
    fn lengths(window: usize) -> impl Iterator<Item = usize> {
        (0..3).flat_map(move |k| {
            let at = 2 * window - 262 + k * window;
            [at - 1, at, at + 1]
        })
    }
    fn check<const W: usize, const L: usize>(state: &mut EncoderState<W, L>) {
        static P: Pool<1, OUT> = Pool::new();
        static SMALL: Pool<1, 61> = Pool::new();
        for len in lengths(W) {
            let data = input(KINDS.len(), len, len as u64);
            for level in [0, 1, 6, 10] {
                for format in FORMATS {
                    let mut packed = P.try_acquire().unwrap();
                    deflate::compress_into(&data, &mut packed, format, level, state).unwrap();
                    for piece in [len.max(1), 1000] {
                        let mut small = SMALL.try_acquire().unwrap();
                        let mut encoder = Encoder::new(format, level, &mut *state).unwrap();
                        let streamed =
                            encode_in_pieces(&mut encoder, &data, piece, &mut small).unwrap();
                        assert!(
                            streamed[..] == packed[..],
                            "window {W}, {len} bytes, level {level}, {format:?}, pieces of \
                             {piece}: streamed {} bytes, one-shot {}",
                            streamed.len(),
                            packed.len()
                        );
                    }
                }
            }
        }
    }
    check(&mut EncoderState::<1024, 512>::new());
    check(&mut EncoderState::<4096, 16384>::new());
    with_compressor(check);
}
