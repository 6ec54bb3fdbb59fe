//! An outside audit of the deflate encoder around the point where its window slides
//! (`2 * WINDOW - 262`, then every `WINDOW` bytes), after the fix that lets the slide
//! wait for more input when a call without `finish` ends there.
//!
//! - Without a sync flush, the streaming encoder writes exactly what one-shot
//!   `compress_into` writes, whatever the cuts of the input (two pieces cut at every
//!   byte near a slide point, 1-byte pieces, runs of empty `encode` calls) and of the
//!   output (buffers of 1 to 61 bytes), at every level, in every format, with windows
//!   of 1 KiB, 4 KiB and 32 KiB; and never more than `max_compressed_len`.
//! - With sync flushes at, before and after a slide point (cut short by small outputs
//!   too), the stream is one flate2 reads back, and after each flush the bytes out so
//!   far inflate to exactly the input given so far.
//! - Every call keeps the `Progress` contract, and a call that returns `OutputFull`
//!   into an empty buffer has written something (no call that can never progress).

use bufpress::codec::deflate::{self, Encoder, EncoderState, Format};
use bufpress::codec::{Encode, Progress, Status};
use bufpress::io::Cursor;
use bufpress::pool::{Pool, ValuePool};
use bufpress_tests::corpus::{self, Kind};
use bufpress_tests::decoders::flate2_decode;
use bufpress_tests::rng::Rng;
use bufpress_tests::stream::encode_in_pieces;

const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];
/// The encoder's lookahead (zlib's `MIN_LOOKAHEAD`): the window slides when the
/// position reaches `2 * WINDOW - LOOKAHEAD`.
const LOOKAHEAD: usize = 262;

/// The `k`-th slide point of a window of `window` bytes.
fn slide_point(window: usize, k: usize) -> usize {
    2 * window - LOOKAHEAD + k * window
}

/// A one-shot stream, into a buffer of exactly `max_compressed_len` bytes.
fn one_shot<const W: usize, const H: usize>(
    data: &[u8],
    format: Format,
    level: i32,
    state: &mut EncoderState<W, H>,
) -> Vec<u8> {
    // Exactly the bound: it must always be enough.
    let mut buf = vec![0; deflate::max_compressed_len(data.len(), format)];
    let mut out = Cursor::new(&mut buf[..]);
    let n = deflate::compress_into(data, &mut out, format, level, state)
        .unwrap_or_else(|e| panic!("{e} for {} bytes at level {level}, {format:?}", data.len()));
    assert_eq!(n, out.position());
    buf.truncate(n);
    buf
}

/// What a plan does, in order, before `finish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `encode` the next `n` bytes, as one piece.
    Feed(usize),
    /// `encode` the next `n` bytes in 1-byte pieces.
    Bytes(usize),
    /// `n` calls of `encode` with no input.
    Empty(usize),
    /// A sync flush, called until `Done`.
    Flush,
    /// One call of `flush`, which may be cut short by the output (what comes next
    /// finishes it).
    FlushOnce,
    /// One call of `encode` with the next `n` bytes into an output of `room` bytes (at
    /// most 8, maybe none): what it does not take is offered again by the next step,
    /// or never when the plan ends here (the stream is then of the input taken).
    Offer(usize, usize),
}

/// Drives an encoder through `plan` (what is left of `data` after it is fed in one
/// piece), then `finish`, with an output of `cap` bytes (emptied after every call);
/// returns the stream and the length of the stream at each flush's end with the input
/// taken by then.
struct Run<'d> {
    data: &'d [u8],
    taken: usize,
    stream: Vec<u8>,
    flushes: Vec<(usize, usize)>,
    cap: usize,
    scratch: Vec<u8>,
}

impl<'d> Run<'d> {
    fn new(data: &'d [u8], cap: usize) -> Self {
        Self {
            data,
            taken: 0,
            stream: Vec::new(),
            flushes: Vec::new(),
            cap,
            scratch: vec![0; cap],
        }
    }

    /// One call into a fresh output of `cap` bytes; checks the `Progress` contract.
    fn call(
        &mut self,
        input: &[u8],
        f: impl FnOnce(&[u8], &mut Cursor<&mut [u8]>) -> Progress,
    ) -> Progress {
        let mut out = Cursor::new(&mut self.scratch[..self.cap]);
        let p = f(input, &mut out);
        assert_eq!(
            p.produced,
            out.position(),
            "produced is not what was written"
        );
        assert!(p.consumed <= input.len());
        if p.status == Status::OutputFull {
            assert!(
                p.produced > 0 || p.consumed > 0,
                "OutputFull into an empty {}-byte buffer with nothing done: it would never progress",
                self.cap
            );
        }
        self.stream.extend_from_slice(&self.scratch[..p.produced]);
        p
    }

    fn feed(&mut self, encoder: &mut impl Encode, n: usize) {
        let end = (self.taken + n).min(self.data.len());
        let data = self.data;
        let mut rest = &data[self.taken..end];
        // Each call consumes or produces; more calls than this cannot be.
        let mut budget = 4 * (rest.len() + 64) + 8 * self.data.len() / self.cap.max(1);
        while !rest.is_empty() {
            let p = self.call(rest, |input, out| encoder.encode(input, out).unwrap());
            if p.status == Status::NeedInput {
                assert_eq!(p.consumed, rest.len(), "NeedInput with input left");
            }
            rest = &rest[p.consumed..];
            budget -= 1;
            assert!(budget > 0, "encode makes no progress");
        }
        self.taken = end;
    }

    fn empty(&mut self, encoder: &mut impl Encode, n: usize) {
        for _ in 0..n {
            let p = self.call(&[], |input, out| encoder.encode(input, out).unwrap());
            assert_eq!(p.consumed, 0);
        }
    }

    fn flush(&mut self, encoder: &mut impl Encode) {
        let mut budget = 16 + 8 * self.data.len() / self.cap.max(1);
        loop {
            let p = self.call(&[], |_, out| encoder.flush(out).unwrap());
            assert_eq!(p.consumed, 0);
            if p.status == Status::Done {
                break;
            }
            assert_eq!(p.status, Status::OutputFull);
            budget -= 1;
            assert!(budget > 0, "flush makes no progress");
        }
        self.flushes.push((self.stream.len(), self.taken));
    }

    fn finish(&mut self, encoder: &mut impl Encode) {
        let mut budget = 16 + 8 * self.data.len() / self.cap.max(1);
        loop {
            let p = self.call(&[], |_, out| encoder.finish(out).unwrap());
            assert_eq!(p.consumed, 0);
            if p.status == Status::Done {
                break;
            }
            assert_eq!(p.status, Status::OutputFull);
            budget -= 1;
            assert!(budget > 0, "finish makes no progress");
        }
    }

    /// Runs `plan`, feeds the rest, finishes; returns the stream.
    fn go(mut self, encoder: &mut impl Encode, plan: &[Op]) -> Streamed {
        for &op in plan {
            match op {
                Op::Feed(n) => self.feed(encoder, n),
                Op::Bytes(n) => {
                    for _ in 0..n {
                        self.feed(encoder, 1);
                    }
                }
                Op::Empty(n) => self.empty(encoder, n),
                Op::Flush => self.flush(encoder),
                Op::FlushOnce => {
                    let p = self.call(&[], |_, out| encoder.flush(out).unwrap());
                    assert_eq!(p.consumed, 0);
                    if p.status == Status::Done {
                        self.flushes.push((self.stream.len(), self.taken));
                    }
                }
                Op::Offer(n, room) => {
                    let input = &self.data[self.taken..(self.taken + n).min(self.data.len())];
                    let mut buf = [0u8; 8];
                    let mut out = Cursor::new(&mut buf[..room.min(8)]);
                    let p = encoder.encode(input, &mut out).unwrap();
                    assert_eq!(p.produced, out.position());
                    assert!(p.consumed <= input.len());
                    self.stream.extend_from_slice(&buf[..p.produced]);
                    self.taken += p.consumed;
                }
            }
        }
        if !matches!(plan.last(), Some(Op::Offer(..))) {
            let rest = self.data.len() - self.taken;
            self.feed(encoder, rest);
        }
        self.finish(encoder);
        // A finished encoder refuses more input.
        let mut tiny = [0u8; 8];
        assert!(
            encoder
                .encode(b"x", &mut Cursor::new(&mut tiny[..]))
                .is_err()
        );
        Streamed {
            bytes: self.stream,
            flushes: self.flushes,
            taken: self.taken,
        }
    }
}

/// What a [`Run`] gave.
struct Streamed {
    /// The stream.
    bytes: Vec<u8>,
    /// Where each sync flush ended in the stream, and the input taken by then.
    flushes: Vec<(usize, usize)>,
    /// The input taken (all of it, unless the plan ends with `Offer`).
    taken: usize,
}

/// Streams `data` through a fresh encoder on `state` with `plan` and `cap`.
fn stream<const W: usize, const H: usize>(
    data: &[u8],
    format: Format,
    level: i32,
    state: &mut EncoderState<W, H>,
    plan: &[Op],
    cap: usize,
) -> Streamed {
    let mut encoder = Encoder::new(format, level, state).unwrap();
    let streamed = Run::new(data, cap).go(&mut encoder, plan);
    assert_eq!(encoder.total_in(), streamed.taken as u64);
    assert_eq!(encoder.total_out(), streamed.bytes.len() as u64);
    streamed
}

/// Without flushes: the same bytes as one-shot (`expected`, or one-shot's of the
/// input taken when the plan ends with input not taken).
fn check_same<const W: usize, const H: usize>(
    data: &[u8],
    format: Format,
    level: i32,
    state: &mut EncoderState<W, H>,
    plan: &[Op],
    cap: usize,
    expected: &[u8],
) {
    let Streamed { bytes, taken, .. } = stream(data, format, level, state, plan, cap);
    let owned;
    let expected = if taken < data.len() {
        owned = one_shot(&data[..taken], format, level, state);
        &owned[..]
    } else {
        expected
    };
    assert!(
        bytes == expected,
        "window {W}: {} bytes ({taken} taken), level {level}, {format:?}, plan {plan:?}, \
         output of {cap}: streamed {} bytes, one-shot {}",
        data.len(),
        bytes.len(),
        expected.len()
    );
}

/// The deflate data of a stream (no zlib or gzip wrapper at its start).
fn body(format: Format, stream: &[u8]) -> &[u8] {
    match format {
        Format::Raw => stream,
        Format::Zlib => &stream[2..],
        Format::Gzip => &stream[deflate::GZIP_HEADER_LEN..],
    }
}

/// Inflates a stream's prefix that ends at a sync flush: it must give exactly
/// `expected`, and use all of the prefix.
fn inflate_prefix(format: Format, prefix: &[u8], expected: &[u8]) {
    let deflated = body(format, prefix);
    let mut d = flate2::Decompress::new(false);
    let mut out = vec![0u8; expected.len() + 64];
    let status = d
        .decompress(deflated, &mut out, flate2::FlushDecompress::Sync)
        .expect("flate2 reads the flushed prefix");
    assert_ne!(
        status,
        flate2::Status::StreamEnd,
        "a flush ended the stream"
    );
    assert_eq!(
        d.total_in() as usize,
        deflated.len(),
        "flushed prefix not all read"
    );
    assert!(
        out[..d.total_out() as usize] == *expected,
        "the flushed prefix gives {} bytes, not the {} given",
        d.total_out(),
        expected.len()
    );
}

/// With flushes: a valid stream of `data`, each flushed prefix of what was given.
fn check_valid<const W: usize, const H: usize>(
    data: &[u8],
    format: Format,
    level: i32,
    state: &mut EncoderState<W, H>,
    plan: &[Op],
    cap: usize,
) {
    let streamed = stream(data, format, level, state, plan, cap);
    for &(at, taken) in &streamed.flushes {
        inflate_prefix(format, &streamed.bytes[..at], &data[..taken]);
    }
    assert!(
        flate2_decode(format, &streamed.bytes) == data[..streamed.taken],
        "window {W}, level {level}, {format:?}, plan {plan:?}, output of {cap}"
    );
}

fn data(kind: Kind, len: usize, seed: u64) -> Vec<u8> {
    corpus::make(kind, len, seed)
}

/// A state of its own for each use (each expansion has its own `static`), as the
/// tests run in parallel: `state!(1024, 512)`, `state!()` for the default.
macro_rules! state {
    () => {{
        static S: ValuePool<EncoderState, 1> = ValuePool::new([const { EncoderState::new() }]);
        S.try_acquire().unwrap()
    }};
    ($w:literal, $h:literal) => {{
        static S: ValuePool<EncoderState<$w, $h>, 1> =
            ValuePool::new([const { EncoderState::new() }]);
        S.try_acquire().unwrap()
    }};
}

/// Input ending a byte before, at and a byte after the first slide point (and at the
/// second), cut in two at every byte from 300 before the slide point to the end
/// (1 KiB window, every level and format; at levels 1 to 10 every 2nd byte for text,
/// every 5th for random and zero data), and given in 1-byte pieces for its last 600
/// bytes; at level 0 the same on the 4 KiB and 32 KiB windows (every 7th byte): the
/// same bytes as one-shot.
#[test]
fn two_pieces_cut_at_every_byte_near_a_slide_point() {
    let mut s1 = state!(1024, 512);
    for k in 0..2 {
        let at = slide_point(1024, k);
        let lens = if k == 0 {
            vec![at - 1, at, at + 1]
        } else {
            vec![at]
        };
        for len in lens {
            for (i, kind) in [Kind::Text, Kind::Random, Kind::Zeros]
                .into_iter()
                .enumerate()
            {
                let data = data(kind, len, (len + i) as u64);
                for level in 0..=10 {
                    // All formats share the deflate body: rotate them over the cuts.
                    let expected: Vec<_> =
                        FORMATS.map(|f| one_shot(&data, f, level, &mut s1)).into();
                    let step = match (level, kind) {
                        (0, _) => 1,
                        (_, Kind::Text) => 2,
                        _ => 5,
                    };
                    for (j, cut) in (at - 300..=len.min(at + 300)).step_by(step).enumerate() {
                        let f = (j + level as usize) % 3;
                        let plan = [Op::Feed(cut)];
                        check_same(&data, FORMATS[f], level, &mut s1, &plan, 4096, &expected[f]);
                    }
                    let f = (k + i) % 3;
                    let plan = [Op::Feed(at - 600), Op::Bytes(len)];
                    check_same(&data, FORMATS[f], level, &mut s1, &plan, 4096, &expected[f]);
                }
            }
        }
    }
    // Level 0 takes all input at once: the case CI found, on the larger windows.
    let mut s4 = state!(4096, 16384);
    let mut s32 = state!();
    for (window, k) in [(4096, 0), (4096, 1), (32768, 0)] {
        let at = slide_point(window, k);
        for len in [at - 1, at, at + 1] {
            let data = data(Kind::Random, len, len as u64);
            for format in FORMATS {
                let mut one = |plan: &[Op]| {
                    if window == 4096 {
                        let expected = one_shot(&data, format, 0, &mut s4);
                        check_same(&data, format, 0, &mut s4, plan, 8192, &expected);
                    } else {
                        let expected = one_shot(&data, format, 0, &mut s32);
                        check_same(&data, format, 0, &mut s32, plan, 8192, &expected);
                    }
                };
                for cut in (at - 300..=len.min(at + 300)).step_by(7) {
                    one(&[Op::Feed(cut)]);
                }
                one(&[Op::Feed(at - 600), Op::Bytes(len)]);
            }
        }
    }
}

/// Every level on the larger windows, input ending around the first two slide
/// points, in pieces that end exactly at, before and after the slide point and at the
/// matcher's lookahead thresholds.
#[test]
fn larger_windows_every_level_at_the_slide_point() {
    fn plans(at: usize) -> Vec<Vec<Op>> {
        vec![
            vec![Op::Feed(at)],
            vec![Op::Feed(at - 1), Op::Feed(1)],
            vec![Op::Feed(at - LOOKAHEAD), Op::Feed(LOOKAHEAD)],
            vec![Op::Feed(at - LOOKAHEAD - 1), Op::Bytes(LOOKAHEAD + 2)],
            vec![Op::Feed(at + 1)],
        ]
    }
    fn check<const W: usize, const H: usize>(
        state: &mut EncoderState<W, H>,
        slides: usize,
        kinds: &[Kind],
    ) {
        for k in 0..slides {
            let at = slide_point(W, k);
            for (i, &kind) in kinds.iter().enumerate() {
                for len in [at - 1, at, at + 1] {
                    let data = data(kind, len, (k + i) as u64);
                    for level in 0..=10 {
                        let format = FORMATS[(len + level as usize) % 3];
                        let expected = one_shot(&data, format, level, state);
                        for plan in plans(at) {
                            check_same(&data, format, level, state, &plan, 30_000, &expected);
                        }
                    }
                }
            }
        }
    }
    check(&mut *state!(4096, 16384), 2, &[Kind::Text, Kind::Zeros]);
    check(&mut *state!(), 1, &[Kind::Zeros]);
}

/// Output buffers of 1 to 61 bytes, so that blocks, headers and trailers are cut
/// anywhere, with input ending at or around a slide point and pieces ending there:
/// the same bytes as one-shot.
#[test]
fn tiny_outputs_at_the_slide_point() {
    let mut s1 = state!(1024, 512);
    let at = slide_point(1024, 0);
    for (i, kind) in [Kind::Text, Kind::Random].into_iter().enumerate() {
        for len in [at, at + 1, at + 300] {
            let data = data(kind, len, i as u64);
            for level in 0..=10 {
                let expected: Vec<_> = FORMATS.map(|f| one_shot(&data, f, level, &mut s1)).into();
                for cap in 1..=61 {
                    let f = (cap + level as usize) % 3;
                    let plan = [Op::Feed(at), Op::Empty(2)];
                    check_same(&data, FORMATS[f], level, &mut s1, &plan, cap, &expected[f]);
                }
            }
        }
    }
    // The pool buffers of `encode_in_pieces`, pieces that end at the slide point.
    static SMALL: Pool<1, 61> = Pool::new();
    let data = data(Kind::Text, at, 9);
    for level in 0..=10 {
        for format in FORMATS {
            let expected = one_shot(&data, format, level, &mut s1);
            for piece in [at / 2, at / 7, 1] {
                let mut small = SMALL.try_acquire().unwrap();
                let mut encoder = Encoder::new(format, level, &mut *s1).unwrap();
                let streamed = encode_in_pieces(&mut encoder, &data, piece, &mut small).unwrap();
                assert!(
                    streamed == expected,
                    "level {level}, {format:?}, pieces of {piece}"
                );
            }
        }
    }
}

/// Many `encode` calls with no input while the encoder waits at the slide point (and
/// a call with an output of no room), then more input or none, then `finish`: nothing
/// is lost, nothing loops, the bytes are one-shot's.
#[test]
fn empty_encodes_at_the_slide_point() {
    let mut s1 = state!(1024, 512);
    for k in 0..3 {
        let at = slide_point(1024, k);
        for len in [at, at + 1, at + 1000] {
            let data = data(Kind::Text, len, k as u64);
            for level in 0..=10 {
                let format = FORMATS[(k + level as usize) % 3];
                let expected = one_shot(&data, format, level, &mut s1);
                for cap in [1, 7, 61, 5000] {
                    let plan = [Op::Feed(at), Op::Empty(1000), Op::Feed(1), Op::Empty(10)];
                    check_same(&data, format, level, &mut s1, &plan, cap, &expected);
                }
                // No room at all: every call returns, and nothing is lost.
                let mut encoder = Encoder::new(format, level, &mut *s1).unwrap();
                let mut run = Run::new(&data, 4096);
                run.feed(&mut encoder, at);
                for _ in 0..100 {
                    let mut none = [0u8; 0];
                    let p = encoder
                        .encode(&[], &mut Cursor::new(&mut none[..]))
                        .unwrap();
                    assert_eq!((p.consumed, p.produced), (0, 0));
                }
                let streamed = run.go(&mut encoder, &[]).bytes;
                assert!(
                    streamed == expected,
                    "level {level}, {format:?}, {len} bytes"
                );
            }
        }
    }
}

/// Sync flushes at, before and after a slide point, repeated, between empty calls,
/// cut short by small outputs (and finished by `encode` or `finish`), then more input
/// or none: flate2 reads every stream,
/// and after each flush the stream so far gives exactly the input given so far.
#[test]
fn sync_flushes_around_the_slide_point() {
    let mut s1 = state!(1024, 512);
    let mut rng = Rng::new(0x5eed);
    for k in 0..2 {
        let at = slide_point(1024, k);
        for (i, kind) in [Kind::Text, Kind::Random, Kind::Zeros]
            .into_iter()
            .enumerate()
        {
            let data = data(kind, at + 700, (k + i) as u64);
            for level in 0..=10 {
                for d in [0, 1, 262, 263] {
                    for (before, after) in [(at - d, d), (at, 0), (at, d + 1)] {
                        let format = FORMATS[rng.below(3)];
                        let cap = [1, 5, 13, 61, 4096][rng.below(5)];
                        let plans: [&[Op]; 4] = [
                            &[Op::Feed(before), Op::Flush],
                            &[
                                Op::Feed(before),
                                Op::Flush,
                                Op::Flush,
                                Op::Feed(after),
                                Op::Flush,
                            ],
                            &[
                                Op::Feed(before),
                                Op::FlushOnce,
                                Op::Feed(after),
                                Op::FlushOnce,
                                Op::Empty(2),
                                Op::Flush,
                            ],
                            &[Op::Feed(before), Op::Flush, Op::Bytes(after), Op::Flush],
                        ];
                        for plan in plans {
                            check_valid(&data, format, level, &mut s1, plan, cap);
                        }
                        // The input may also end right after the flush, or in its
                        // middle (`finish` after a flush cut short).
                        let short = &data[..before + after];
                        for last in [Op::Flush, Op::FlushOnce] {
                            let plan = [Op::Feed(before), Op::Empty(2), last];
                            check_valid(short, format, level, &mut s1, &plan, cap);
                        }
                    }
                }
            }
        }
    }
    // The first slide point of the 4 KiB and 32 KiB windows, a few levels.
    let mut s4 = state!(4096, 16384);
    let mut s32 = state!();
    for level in [0, 1, 6, 10] {
        let format = FORMATS[level as usize % 3];
        let at = slide_point(4096, 0);
        let data4 = data(Kind::Text, at + 500, 4);
        for plan in [
            [Op::Feed(at), Op::Flush, Op::Feed(1), Op::Flush],
            [Op::Feed(at - 1), Op::Flush, Op::Feed(2), Op::Flush],
        ] {
            check_valid(&data4, format, level, &mut s4, &plan, 61);
        }
        let at = slide_point(32768, 0);
        let data32 = data(Kind::Zeros, at + 300, 0);
        check_valid(
            &data32,
            format,
            level,
            &mut s32,
            &[Op::Feed(at), Op::Flush, Op::Empty(2)],
            4096,
        );
    }
}

/// Random plans near the slide points (pieces, empty calls, flushes, input offered
/// into little or no room, output sizes), a fixed seed: plans without a flush give one-shot's bytes, all give valid streams.
#[test]
fn random_plans_near_the_slide_points() {
    let mut s1 = state!(1024, 512);
    let mut rng = Rng::new(0xa0d17);
    for case in 0..400 {
        let k = rng.below(3);
        let at = slide_point(1024, k);
        let len = at - 300 + rng.below(700);
        let kind = [
            Kind::Text,
            Kind::Json,
            Kind::Binary,
            Kind::Random,
            Kind::Zeros,
        ][rng.below(5)];
        let data = data(kind, len, case);
        let level = rng.below(11) as i32;
        let format = FORMATS[rng.below(3)];
        let cap = [1, 2, 3, 9, 61, 300, 8192][rng.below(7)];
        let flushing = rng.below(3) == 0;
        let mut plan = vec![Op::Feed(at - 300 - rng.below(300))];
        for _ in 0..rng.below(12) {
            plan.push(match rng.below(6) {
                0 => Op::Empty(1 + rng.below(5)),
                1 if flushing => [Op::Flush, Op::FlushOnce][rng.below(2)],
                2 => Op::Bytes(rng.below(270)),
                3 => Op::Offer(1 + rng.below(300), rng.below(9)),
                _ => Op::Feed(rng.below(300)),
            });
        }
        // Now and then the input ends with bytes offered and not all taken.
        if rng.below(4) == 0 {
            plan.push(Op::Offer(1 + rng.below(300), rng.below(9)));
        }
        if flushing {
            check_valid(&data, format, level, &mut s1, &plan, cap);
        } else {
            let expected = one_shot(&data, format, level, &mut s1);
            check_same(&data, format, level, &mut s1, &plan, cap, &expected);
        }
    }
}

/// The bound holds at and around the slide points for data that does not compress
/// (stored blocks, one more at each slide), and a buffer of exactly the stream's size
/// is enough for one-shot while one byte less is `OutputTooSmall` with nothing kept.
#[test]
fn max_compressed_len_holds_at_the_slide_points() {
    let mut s1 = state!(1024, 512);
    for k in [0, 1, 5] {
        let at = slide_point(1024, k);
        for len in [at - 1, at, at + 1] {
            let data = data(Kind::Random, len, len as u64);
            for level in 0..=10 {
                for format in FORMATS {
                    let expected = one_shot(&data, format, level, &mut s1);
                    let streamed = stream(&data, format, level, &mut s1, &[Op::Feed(at)], 17).bytes;
                    assert!(streamed == expected);
                    let mut buf = vec![0u8; expected.len()];
                    for room in [expected.len(), expected.len() - 1] {
                        let mut out = Cursor::new(&mut buf[..room]);
                        let r = deflate::compress_into(&data, &mut out, format, level, &mut *s1);
                        if room == expected.len() {
                            assert_eq!(r.unwrap(), room);
                            assert!(buf[..room] == expected);
                        } else {
                            assert!(r.is_err());
                            assert_eq!(out.position(), 0);
                        }
                    }
                }
            }
        }
    }
}

/// Input offered at the slide point but not taken (the output was full), then
/// `finish`: the stream is one-shot's of the input taken. (A caller may give up input
/// that was not consumed: `EncodeWriter::write` takes none of its data when its inner
/// writer fails, and its user may then finish the stream.) It failed before the fix
/// at level 0: the call closed the block at the slide point without taking a byte, and
/// `finish` then wrote an empty final block, 5 bytes more than one-shot.
#[test]
fn input_offered_at_the_slide_point_but_not_taken() {
    let mut s1 = state!(1024, 512);
    let mut s4 = state!(4096, 16384);
    for k in 0..3 {
        for level in 0..=10 {
            for format in FORMATS {
                for room in 0..=8 {
                    let plan = |at| [Op::Feed(at), Op::Empty(1), Op::Offer(4, room)];
                    let at = slide_point(1024, k);
                    let data = data(Kind::Text, at + 4, k as u64);
                    let expected = one_shot(&data, format, level, &mut s1);
                    check_same(&data, format, level, &mut s1, &plan(at), 4096, &expected);
                    if k == 0 && level % 5 == 0 {
                        let at = slide_point(4096, k);
                        let random = corpus::make(Kind::Random, at + 4, 1);
                        let expected = one_shot(&random, format, level, &mut s4);
                        check_same(&random, format, level, &mut s4, &plan(at), 4096, &expected);
                    }
                }
            }
        }
    }
}
