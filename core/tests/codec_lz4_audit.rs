//! Outside audit of issue 13's `codec/lz4/fast.rs` and its callers: matches that
//! reach past the history a block may use (into an earlier frame, an earlier
//! independent block), the compressor's unchecked path giving up half-way (its
//! per-sequence room test failing although the output holds the worst case), and
//! an `Output` whose `try_spare_capacity_mut(n)` is not `n` bytes long.
#![cfg(feature = "lz4")]

use std::panic::{AssertUnwindSafe, catch_unwind};

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod lz4_support;
use bufpress::codec::Output;
use bufpress::error::CapacityError;
use bufpress::io::Cursor;
use lz4_support::*;

/// A frame header (magic, descriptor) for `mode` without checksums or content size,
/// taken from the encoder.
fn header(mode: BlockMode) -> Vec<u8> {
    let settings = FrameSettings::new()
        .with_block_mode(mode)
        .with_content_checksum(false);
    let mut table = Box::new(Table::new());
    let mut out = Cursor::new(vec![0u8; 64]);
    let n = lz4::compress_frame_into(&[], &mut out, &settings, &mut table).unwrap();
    // Header, then the end mark.
    let f = out.as_slice()[..n].to_vec();
    assert_eq!(f[n - 4..], [0; 4]);
    f[..n - 4].to_vec()
}

fn push_block(frame: &mut Vec<u8>, block: &[u8]) {
    frame.extend_from_slice(&(block.len() as u32).to_le_bytes());
    frame.extend_from_slice(block);
}

/// 8 literals then a 4-byte match `offset` back, then 5 last literals.
fn block_with_offset(offset: u16) -> Vec<u8> {
    let mut b = vec![0x80];
    b.extend_from_slice(b"ABCDEFGH");
    b.extend_from_slice(&offset.to_le_bytes());
    b.push(0x50);
    b.extend_from_slice(b"12345");
    b
}

fn decode_all(frames: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Cursor::new(vec![0u8; cap]);
    lz4::decompress_frame_into(frames, &mut out).map(|n| out.as_slice()[..n].to_vec())
}

/// A linked frame's first block may not reach into the frame decoded before it in
/// the same buffer, nor an independent block into the block before it.
#[test]
fn matches_stay_within_their_history() {
    // Frame 1: 8 literals (offset 8 is fine, offset 9 reaches before the frame).
    for (mode, offsets) in [
        (BlockMode::Linked, [8u16, 9, 20]),
        (BlockMode::Independent, [8, 9, 20]),
    ] {
        let mut f1 = header(BlockMode::Independent);
        push_block(&mut f1, &block_with_offset(8));
        f1.extend_from_slice(&[0; 4]);
        assert_eq!(decode_all(&f1, 100).unwrap().len(), 17);
        for offset in offsets {
            // Alone, then after frame 1: the same verdict.
            let mut f2 = header(mode);
            push_block(&mut f2, &block_with_offset(offset));
            f2.extend_from_slice(&[0; 4]);
            let alone = decode_all(&f2, 100);
            let mut both = f1.clone();
            both.extend_from_slice(&f2);
            let after = decode_all(&both, 100);
            if offset <= 8 {
                assert_eq!(alone.unwrap().len(), 17);
                assert_eq!(after.unwrap().len(), 34);
            } else {
                assert_eq!(alone, Err(DecodeError::Corrupt), "{mode:?} {offset}");
                assert_eq!(after, Err(DecodeError::Corrupt), "{mode:?} {offset}");
            }
            // Independent blocks: the second block may not reach into the first.
            let mut f3 = header(mode);
            push_block(&mut f3, &block_with_offset(8));
            push_block(&mut f3, &block_with_offset(offset));
            f3.extend_from_slice(&[0; 4]);
            let r = decode_all(&f3, 100);
            match (mode, offset <= 8) {
                (_, true) => assert_eq!(r.unwrap().len(), 34),
                (BlockMode::Independent, false) => {
                    assert_eq!(r, Err(DecodeError::Corrupt), "{offset}")
                }
                (BlockMode::Linked, false) => assert!(r.is_ok(), "{offset}"),
            }
        }
    }
}

fn compress_with(input: &[u8], room: usize) -> Option<Vec<u8>> {
    let mut table = Box::new(Table::new());
    let mut out = Cursor::new(vec![0u8; room]);
    lz4::compress_into(input, &mut out, &mut table)
        .ok()
        .map(|n| out.as_slice()[..n].to_vec())
}

/// A long literal run then a match: with exactly `max_compressed_len` bytes of
/// room the unchecked path's per-sequence test (`lit + (lit + ml) / 128 + 24`) asks
/// for more than is left, although the block fits. The result must still be the
/// same bytes as with ample room.
#[test]
#[cfg_attr(miri, ignore = "60 KiB inputs: slow under Miri")]
fn worst_case_room_gives_the_same_bytes() {
    let mut rng = Rng::new(13);
    let mut cases = 0;
    for (lit, tail) in [
        (60_000usize, 200usize),
        (30_000, 40),
        (65_000, 500),
        (3_000, 30),
    ] {
        let mut input: Vec<u8> = (0..lit).map(|_| rng.next_u64() as u8).collect();
        input.extend(std::iter::repeat_n(0u8, tail));
        let exact = compress_with(&input, lz4::max_compressed_len(input.len()));
        let wide = compress_with(&input, 2 * input.len() + 64);
        assert!(wide.is_some());
        assert_eq!(exact, wide, "lit {lit} tail {tail}");
        cases += 1;
    }
    assert_eq!(cases, 4);
}

/// Random structures: literal runs, repeats and noise, compared at exact worst-case
/// room and at ample room (fresh tables both times).
#[test]
#[cfg_attr(miri, ignore = "up to 70 KB inputs: slow under Miri")]
fn worst_case_room_random_structures() {
    let mut rng = Rng::new(0xA0D1_7013);
    for round in 0..if MIRI { 2 } else { 300 } {
        let mut input = Vec::new();
        let target = 1 + (rng.next_u64() % 70_000) as usize;
        while input.len() < target {
            let n = 1 + (rng.next_u64() % 20_000) as usize;
            match rng.next_u64() % 3 {
                0 => input.extend((0..n).map(|_| rng.next_u64() as u8)),
                1 => input.extend(std::iter::repeat_n(rng.next_u64() as u8, n % 300)),
                _ => {
                    let from = (rng.next_u64() as usize) % input.len().max(1);
                    let chunk: Vec<u8> = input
                        .get(from..(from + n % 2000).min(input.len()))
                        .unwrap_or_default()
                        .to_vec();
                    input.extend(chunk);
                }
            }
        }
        input.truncate(target);
        let exact = compress_with(&input, lz4::max_compressed_len(input.len()));
        let wide = compress_with(&input, 2 * input.len() + 64);
        assert!(wide.is_some());
        assert_eq!(exact, wide, "round {round} len {}", input.len());
    }
}

/// An output that breaks the trait's rules in one way only: `try_spare_capacity_mut(n)`
/// hands out more (or fewer) than `n` bytes. The trait says the codecs never panic
/// on such an output.
struct LongSpare {
    mem: Vec<u8>,
    len: usize,
    extra: isize,
}

impl Output for LongSpare {
    fn len(&self) -> usize {
        self.len
    }
    fn capacity(&self) -> usize {
        self.mem.len()
    }
    fn as_slice(&self) -> &[u8] {
        &self.mem[..self.len]
    }
    fn filled_and_spare_mut(&mut self) -> &mut [u8] {
        &mut self.mem
    }
    fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        if n > self.mem.len() - self.len {
            return Err(CapacityError::new(self.len + n, self.mem.len()));
        }
        self.len += n;
        Ok(())
    }
    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
    fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        let len = self.len;
        let k = n
            .saturating_add_signed(self.extra)
            .min(self.mem.len() - len);
        Ok(&mut self.mem[len..len + k])
    }
}

#[test]
fn spare_slices_of_the_wrong_length_never_panic() {
    // Incompressible data: stored (uncompressed) blocks.
    let mut rng = Rng::new(7);
    let input: Vec<u8> = (0..if MIRI { 3000 } else { 100_000 })
        .map(|_| rng.next_u64() as u8)
        .collect();
    let mut panics = Vec::new();
    for mode in [BlockMode::Independent, BlockMode::Linked] {
        let settings = FrameSettings::new().with_block_mode(mode);
        let frame = frame(&input, &settings);
        for extra in [-3isize, -1, 1, 5, 70_000] {
            let r = catch_unwind(AssertUnwindSafe(|| {
                let mut dec = Box::new(Decoder::<DEC64>::new());
                let mut out = LongSpare {
                    mem: vec![0; 300_000],
                    len: 0,
                    extra,
                };
                let _ = codec::decode_into(&mut *dec, &frame, &mut out);
                let mut out = LongSpare {
                    mem: vec![0; 300_000],
                    len: 0,
                    extra,
                };
                let _ = out.extend_from_slice(b"abc");
                let mut enc = Box::new(Encoder::<ENC64>::new());
                enc.set_settings(settings).unwrap();
                let _ = codec::encode_into(&mut *enc, &input, &mut out);
            }));
            if r.is_err() {
                panics.push(format!("{mode:?} extra {extra}"));
            }
        }
    }
    assert!(panics.is_empty(), "panicked: {panics:?}");
}

/// A linked frame whose first block does not pay off (stored) after a late match, and
/// whose second block reaches into the first: the frame must not depend on how much
/// room the output has (CODECS.md: "same bytes, same outcome"). With ample room the
/// unchecked compressor runs the whole first block and only then compares its size;
/// with exact room the checked one stops at the first sequence that does not fit, so
/// the table handed to the second block differs.
#[test]
#[cfg_attr(miri, ignore = "64 KiB blocks: slow under Miri")]
fn linked_frames_do_not_depend_on_the_room() {
    let mut rng = Rng::new(0x1313);
    let mut differ = Vec::new();
    // The first block (64 KiB): `random` bytes, a literal run too long to pay off once
    // its length bytes are counted, then `zeros` (a match), then random bytes that the
    // second block repeats.
    for (random, zeros) in [(65_300usize, 60usize), (65_400, 40), (65_200, 200)] {
        let mut input: Vec<u8> = (0..random).map(|_| rng.next_u64() as u8).collect();
        input.extend(std::iter::repeat_n(0u8, zeros));
        let tail: Vec<u8> = (input.len()..65_536)
            .map(|_| rng.next_u64() as u8)
            .collect();
        input.extend_from_slice(&tail);
        input.extend_from_slice(&tail);
        input.extend((0..100).map(|_| rng.next_u64() as u8));
        let settings = FrameSettings::new().with_block_mode(BlockMode::Linked);
        let mut table = Box::new(Table::new());
        let mut wide = Cursor::new(vec![0u8; 2 * input.len() + 1024]);
        let f = lz4::compress_frame_into(&input, &mut wide, &settings, &mut table).unwrap();
        let wide = wide.as_slice()[..f].to_vec();
        let mut table = Box::new(Table::new());
        let mut exact = Cursor::new(vec![0u8; f]);
        let g = lz4::compress_frame_into(&input, &mut exact, &settings, &mut table);
        let exact = g.map(|g| exact.as_slice()[..g].to_vec());
        if exact.as_ref() != Ok(&wide) {
            differ.push((random, zeros, f, exact.map(|e| e.len())));
        }
        assert_eq!(unframe(&wide).unwrap(), input);
    }
    assert!(
        differ.is_empty(),
        "frames differ with exact room: {differ:?}"
    );
}
