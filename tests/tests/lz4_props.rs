//! Property tests for lz4: blocks and frames round-trip over sizes, data kinds,
//! random settings and random piece and buffer sizes (the streaming encoder gives
//! the one-shot bytes); decoding arbitrary or mutated bytes never panics and never
//! produces more than the limit or the buffer allows.

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder, FrameSettings, Table};
use bufpress::codec::{Decode, DecodeError, Status};
use bufpress::pool::{Buf, Pool, ValuePool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::stream::encode_in_pieces;
use proptest::collection::vec;
use proptest::prelude::*;

const MAX: usize = 300_000;
const OUT: usize = MAX + MAX / 64 + 4096;
const DEC: usize = lz4::decoder_memory(BlockSize::Max1MiB, BlockMode::Linked);
const ENC: usize = lz4::encoder_memory(BlockSize::Max1MiB, BlockMode::Linked);

fn input(kind: usize, len: usize, seed: u64) -> Vec<u8> {
    if kind == KINDS.len() {
        corpus::mixed(len, seed)
    } else {
        corpus::make(KINDS[kind], len, seed)
    }
}

fn settings(size: usize, linked: bool, flags: u8, len: usize) -> FrameSettings {
    let size = [
        BlockSize::Max64KiB,
        BlockSize::Max256KiB,
        BlockSize::Max1MiB,
    ][size];
    FrameSettings::new()
        .with_block_size(size)
        .with_block_mode(if linked {
            BlockMode::Linked
        } else {
            BlockMode::Independent
        })
        .with_block_checksum(flags & 1 != 0)
        .with_content_checksum(flags & 2 != 0)
        .with_content_size((flags & 4 != 0).then_some(len as u64))
}

/// Decodes `input` with a streaming decoder in pieces of up to `max_piece` bytes into
/// `out` (handed on when full), stopping at the first frame's end.
fn stream_decode<D: Decode>(
    decoder: &mut D,
    input: &[u8],
    out: &mut Buf<'_>,
    max_piece: usize,
) -> Result<Vec<u8>, DecodeError> {
    let mut data = Vec::new();
    let mut at = 0;
    loop {
        let piece = max_piece.min(input.len() - at);
        let p = decoder.decode(&input[at..at + piece], out)?;
        assert!(p.consumed <= piece && p.produced <= out.capacity());
        at += p.consumed;
        data.extend_from_slice(out);
        out.clear();
        match p.status {
            Status::Done => return Ok(data),
            Status::NeedInput if at == input.len() => return Err(DecodeError::Truncated),
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(bufpress_tests::proptest_cases(96)))]

    #[test]
    fn blocks_round_trip(kind in 0..=KINDS.len(), len in 0..MAX, seed: u64) {
        static P: Pool<2, OUT> = Pool::new();
        static T: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);
        let data = input(kind, len, seed);
        let mut packed = P.try_acquire().unwrap();
        let n = lz4::compress_into(&data, &mut packed, &mut T.try_acquire().unwrap()).unwrap();
        prop_assert!(n <= lz4::max_compressed_len(len));
        let mut back = P.try_acquire().unwrap();
        lz4::decompress_into(&packed, &mut back).unwrap();
        prop_assert!(back[..] == data[..]);
    }

    #[test]
    fn arbitrary_bytes_round_trip_as_blocks(data in vec(any::<u8>(), 0..3000), repeat in 1..40usize) {
        static P: Pool<2, 200_000> = Pool::new();
        let data = data.repeat(repeat);
        let mut table = Table::new();
        let mut packed = P.try_acquire().unwrap();
        lz4::compress_into(&data, &mut packed, &mut table).unwrap();
        let mut back = P.try_acquire().unwrap();
        lz4::decompress_into(&packed, &mut back).unwrap();
        prop_assert!(back[..] == data[..]);
    }

    #[test]
    fn frames_round_trip_in_any_pieces(
        kind in 0..=KINDS.len(),
        len in 0..MAX,
        seed: u64,
        size in 0..3usize,
        linked: bool,
        flags in 0..8u8,
        max_piece in 1..100_000usize,
        small_out: bool,
    ) {
        static P: Pool<2, OUT> = Pool::new();
        static SMALL: Pool<1, 97> = Pool::new();
        static MEDIUM: Pool<1, 70_000> = Pool::new();
        static T: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);
        static E: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);
        static D: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
        let data = input(kind, len, seed);
        let s = settings(size, linked, flags, len);
        let mut frame = P.try_acquire().unwrap();
        lz4::compress_frame_into(&data, &mut frame, &s, &mut T.try_acquire().unwrap()).unwrap();
        let mut back = P.try_acquire().unwrap();
        lz4::decompress_frame_into(&frame, &mut back).unwrap();
        prop_assert!(back[..] == data[..]);

        let mut out = if small_out { SMALL.try_acquire().unwrap() } else { MEDIUM.try_acquire().unwrap() };
        let mut encoder = E.try_acquire().unwrap();
        encoder.set_settings(s).unwrap();
        let streamed = encode_in_pieces(&mut *encoder, &data, max_piece, &mut out).unwrap();
        prop_assert!(streamed[..] == frame[..], "streamed frame differs");

        let mut decoder = D.try_acquire().unwrap();
        decoder.reset();
        decoder.set_max_output(len as u64);
        let back = stream_decode(&mut *decoder, &frame, &mut out, max_piece).unwrap();
        prop_assert!(back == data);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics_or_exceeds_the_limit(
        bytes in vec(any::<u8>(), 0..3000),
        header in 0..3usize,
        limit in 0..200_000u64,
        max_piece in 1..4000usize,
    ) {
        static P: Pool<1, 100_000> = Pool::new();
        static SMALL: Pool<1, 100> = Pool::new();
        static D: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
        // Behind a valid header now and then, so the block paths see the garbage.
        let mut out = P.try_acquire().unwrap();
        let mut input = Vec::new();
        if header > 0 {
            let mode = if header == 1 { BlockMode::Independent } else { BlockMode::Linked };
            let s = FrameSettings::new().with_block_mode(mode).with_content_checksum(false);
            lz4::compress_frame_into(&[], &mut out, &s, &mut Table::new()).unwrap();
            input.extend_from_slice(&out[..7]);
            out.clear();
        }
        input.extend_from_slice(&bytes);
        if let Ok(n) = lz4::decompress_frame_into(&input, &mut out) {
            prop_assert!(n <= out.capacity());
        }
        out.clear();
        if let Ok(n) = lz4::decompress_into(&bytes, &mut out) {
            prop_assert!(n <= out.capacity());
        }
        let mut decoder = D.try_acquire().unwrap();
        decoder.reset();
        decoder.set_max_output(limit);
        let mut small = SMALL.try_acquire().unwrap();
        if let Ok(data) = stream_decode(&mut *decoder, &input, &mut small, max_piece) {
            prop_assert!(data.len() as u64 <= limit);
        }
        prop_assert!(decoder.total_out() <= limit);
    }

    #[test]
    fn decoding_mutated_frames_never_panics_or_exceeds_the_limit(
        kind in 0..=KINDS.len(),
        len in 0..100_000usize,
        seed: u64,
        size in 0..3usize,
        linked: bool,
        flags in 0..8u8,
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        limit in 0..150_000u64,
    ) {
        static P: Pool<2, 120_000> = Pool::new();
        static SMALL: Pool<1, 1000> = Pool::new();
        static T: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);
        static D: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
        let data = input(kind, len, seed);
        let mut frame = P.try_acquire().unwrap();
        let s = settings(size, linked, flags, len);
        lz4::compress_frame_into(&data, &mut frame, &s, &mut T.try_acquire().unwrap()).unwrap();
        let mut bad = frame.to_vec();
        for (at, byte) in edits {
            let i = at.index(bad.len());
            bad[i] ^= byte;
        }
        bad.truncate(cut.index(bad.len() + 1));
        let mut out = P.try_acquire().unwrap();
        if let Ok(n) = lz4::decompress_frame_into(&bad, &mut out) {
            prop_assert!(n <= out.capacity());
        }
        let mut decoder = D.try_acquire().unwrap();
        decoder.reset();
        decoder.set_max_output(limit);
        let mut small = SMALL.try_acquire().unwrap();
        if let Ok(back) = stream_decode(&mut *decoder, &bad, &mut small, 5000) {
            prop_assert!(back.len() as u64 <= limit);
        }
        prop_assert!(decoder.total_out() <= limit);
    }
}
