//! Properties of zstd decoding: arbitrary bytes and mutated valid frames never panic,
//! never produce more than the buffer or the content limit allows, and never make the
//! decoder allocate (it runs on caller memory: not one allocation, valid input or not);
//! frames made by the `zstd` CLI from random data of every kind decode to that data,
//! one-shot and in random pieces into random buffer sizes.

use std::sync::OnceLock;

use bufpress::codec::zstd::{Decoder, decoder_memory};
use bufpress::codec::{Decode as _, DecodeError, Status};
use bufpress::pool::{Buf, Pool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, measure};
use bufpress_tests::tools;
use proptest::prelude::*;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const WINDOW: usize = 64 * 1024;
const MAX_CONTENT: u64 = 100_000;

static OUT: Pool<4, { 128 * 1024 }> = Pool::new();
static SMALL: Pool<4, 333> = Pool::new();

/// Valid frames to mutate: every kind, a few sizes and levels.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        if !tools::available("zstd") {
            return Vec::new();
        }
        let mut seeds = Vec::new();
        for (i, kind) in KINDS.iter().enumerate() {
            for (j, size) in [0, 50, 3000, 40_000].into_iter().enumerate() {
                let data = corpus::make(*kind, size, (i * 4 + j) as u64);
                let level = ["-1", "-3", "-19", "--fast=3"][(i + j) % 4];
                seeds.push(tools::pipe("zstd", &["-q", "-c", level], &data));
            }
        }
        seeds
    })
}

/// Decodes `input` one-shot and streaming, checking the limits; returns the one-shot
/// result.
fn decode_both(
    decoder: &mut Decoder<'_>,
    input: &[u8],
    pieces: &[usize],
) -> Result<usize, DecodeError> {
    let mut out = OUT.try_acquire().unwrap();
    let (result, counts) = measure(|| decoder.decompress_into(input, &mut out));
    assert_eq!(
        (counts.allocs, counts.reallocs),
        (0, 0),
        "one-shot: {counts:?}"
    );
    match result {
        Ok(n) => assert!(n == out.len() && n as u64 <= MAX_CONTENT),
        Err(_) => assert!(out.is_empty()),
    }
    // Streaming, into 333-byte buffers.
    let mut small = SMALL.try_acquire().unwrap();
    let ((), counts) = measure(|| stream(decoder, input, pieces, &mut small));
    assert_eq!(
        (counts.allocs, counts.reallocs),
        (0, 0),
        "streaming: {counts:?}"
    );
    result
}

fn stream(decoder: &mut Decoder<'_>, input: &[u8], pieces: &[usize], out: &mut Buf<'_>) {
    decoder.reset();
    let (mut at, mut frame_output, mut i) = (0usize, 0u64, 0);
    loop {
        let piece = pieces
            .get(i % pieces.len().max(1))
            .copied()
            .unwrap_or(usize::MAX);
        i += 1;
        let end = at.saturating_add(piece).min(input.len());
        match decoder.decode(&input[at..end], out) {
            Err(_) => return,
            Ok(p) => {
                at += p.consumed;
                frame_output += p.produced as u64;
                assert!(frame_output <= MAX_CONTENT, "{frame_output}");
                out.clear();
                match p.status {
                    Status::Done => frame_output = 0,
                    Status::NeedInput if at == input.len() => return,
                    _ => {}
                }
                if i > 4 * input.len() + 1_000_000 {
                    panic!("no progress");
                }
            }
        }
    }
}

/// A decoder per test thread (the tests run in parallel), on caller memory (leaked:
/// it lives as long as the test).
fn decoder() -> Decoder<'static> {
    let tables = Box::leak(Box::default());
    let buf = vec![0; decoder_memory(WINDOW)].leak();
    Decoder::from_parts(tables, buf).with_max_content(MAX_CONTENT)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Repeat(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Mutation::Set(i, v)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1..64usize).prop_map(|(i, n)| Mutation::Repeat(i, n)),
    ]
}

fn apply(frame: &mut Vec<u8>, m: &Mutation) {
    if frame.is_empty() {
        return;
    }
    let at = |i: usize| i % frame.len();
    match m {
        Mutation::Flip(i, b) => {
            let i = at(*i);
            frame[i] ^= 1 << b;
        }
        Mutation::Set(i, v) => {
            let i = at(*i);
            frame[i] = *v;
        }
        Mutation::Cut(i) => frame.truncate(at(*i)),
        Mutation::Insert(i, v) => {
            let i = at(*i);
            frame.splice(i..i, v.iter().copied());
        }
        Mutation::Repeat(i, n) => {
            let i = at(*i);
            let end = (i + n).min(frame.len());
            let copy = frame[i..end].to_vec();
            frame.splice(i..i, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { bufpress_tests::proptest_cases(256) }))]

    #[test]
    fn arbitrary_bytes_never_panic(
        body in prop::collection::vec(any::<u8>(), 0..600),
        header in prop::collection::vec(any::<u8>(), 0..14),
        framed in any::<bool>(),
        pieces in prop::collection::vec(1..300usize, 1..8),
    ) {
        // Half of the inputs start like a frame, so decoding gets past the magic.
        let mut input = Vec::new();
        if framed {
            input.extend_from_slice(&[0x28, 0xB5, 0x2F, 0xFD]);
            input.extend_from_slice(&header);
        }
        input.extend_from_slice(&body);
        let mut decoder = decoder();
        let _ = decode_both(&mut decoder, &input, &pieces);
    }

    #[test]
    fn mutated_frames_never_panic(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
        pieces in prop::collection::vec(1..5000usize, 1..8),
    ) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let mut frame = seed.get(seeds).clone();
        for m in &mutations {
            apply(&mut frame, m);
        }
        let mut decoder = decoder();
        let _ = decode_both(&mut decoder, &frame, &pieces);
        // The decoder is still good afterwards.
        let mut out = OUT.try_acquire().unwrap();
        prop_assert!(decoder.decompress_into(&seeds[0], &mut out).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 2 } else { bufpress_tests::proptest_cases(48) }))]

    #[test]
    fn cli_frames_decode_to_their_data(
        kind in prop::sample::select(KINDS.to_vec()),
        size in prop_oneof![0..300usize, 0..60_000usize],
        seed in any::<u64>(),
        level in prop::sample::select(vec!["--fast=5", "-1", "-3", "-9", "-19"]),
        check in any::<bool>(),
        sized in any::<bool>(),
        frames in 1..3usize,
        pieces in prop::collection::vec(1..20_000usize, 1..6),
    ) {
        prop_assume!(tools::available("zstd"));
        let data = corpus::make(kind, size, seed);
        let size_arg = format!("--stream-size={size}");
        let mut args = vec!["-q", "-c", level, if check { "--check" } else { "--no-check" }];
        if sized {
            args.push(&size_arg);
        }
        let frame = tools::pipe("zstd", &args, &data);
        let input = frame.repeat(frames);
        let expected = data.repeat(frames);
        // Level 19 on unknown sizes declares an 8 MiB window.
        let mut decoder = Decoder::new(8 << 20);
        let mut out = OUT.try_acquire().unwrap();
        let n = decoder.decompress_into(&input, &mut out);
        prop_assert_eq!(n, Ok(expected.len()));
        prop_assert!(out[..] == expected[..]);

        let mut got = Vec::new();
        let mut small = SMALL.try_acquire().unwrap();
        let (mut at, mut i, mut done) = (0, 0, 0);
        while done < frames {
            let end = (at + pieces[i % pieces.len()]).min(input.len());
            i += 1;
            let p = decoder.decode(&input[at..end], &mut small).unwrap();
            at += p.consumed;
            if p.status == Status::Done {
                done += 1;
            }
            got.extend_from_slice(&small);
            small.clear();
            prop_assert!(i < 1_000_000, "no progress");
        }
        prop_assert_eq!(at, input.len());
        prop_assert_eq!(done, frames);
        prop_assert!(got == expected);
    }
}
