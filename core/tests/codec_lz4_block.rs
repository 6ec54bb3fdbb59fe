//! lz4 blocks: round trips over sizes and data kinds, appending after existing bytes,
//! typed errors that commit nothing, every literal length and output capacity, and a
//! table reused across unrelated messages.
#![cfg(feature = "lz4")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod lz4_support;
use lz4_support::*;

// ---- blocks -------------------------------------------------------------------------

#[test]
fn blocks_round_trip_every_kind_and_size() {
    let _serial = serial();
    static BLOCK: Pool<2, OUT> = Pool::new();
    let mut table = TABLES.acquire_blocking();
    for &len in sizes() {
        for (i, kind) in KINDS.into_iter().enumerate() {
            let input = data(kind, len, i as u64);
            let mut packed = BLOCK.acquire_blocking();
            let n = lz4::compress_into(&input, &mut packed, &mut table).unwrap();
            assert_eq!(n, packed.len());
            assert!(n <= lz4::max_compressed_len(len), "{kind:?} {len}: {n}");
            let mut back = BLOCK.acquire_blocking();
            assert_eq!(lz4::decompress_into(&packed, &mut back).unwrap(), len);
            assert!(back[..] == input[..], "{kind:?} {len}");
            if matches!(kind, Kind::Zeros) && len > 1000 {
                assert!(n < len / 100, "zeros compress: {n}");
            }
        }
    }
    assert_eq!(BLOCK.stats().in_use, 0);
}

#[test]
fn blocks_append_after_existing_bytes() {
    let _serial = serial();
    static P: Pool<2, 4096> = Pool::new();
    let input = data(Kind::Text, 1000, 1);
    let mut packed = P.acquire_blocking();
    packed.extend_from_slice(b"hdr").unwrap();
    let n = lz4::compress_into(&input, &mut packed, &mut TABLES.acquire_blocking()).unwrap();
    assert_eq!(packed.len(), 3 + n);
    let mut back = P.acquire_blocking();
    back.extend_from_slice(b"xy").unwrap();
    lz4::decompress_into(&packed[3..], &mut back).unwrap();
    assert_eq!(&back[..2], b"xy");
    assert!(back[2..] == input[..]);
}

#[test]
fn block_errors_are_typed_and_commit_nothing() {
    let _serial = serial();
    static SMALL: Pool<2, 64> = Pool::new();
    static P: Pool<2, 8192> = Pool::new();
    let mut table = TABLES.acquire_blocking();
    let input = data(Kind::Random, 1000, 2);
    let mut out = SMALL.acquire_blocking();
    out.push(1).unwrap();
    let e = lz4::compress_into(&input, &mut out, &mut table).unwrap_err();
    assert_eq!(
        e,
        EncodeError::OutputTooSmall {
            needed: Some(1 + lz4::max_compressed_len(1000)),
            capacity: 64
        }
    );
    assert_eq!(out.len(), 1);
    // Compressible data fits even where the worst case would not.
    let zeros = [0u8; 1000];
    out.clear();
    assert!(lz4::compress_into(&zeros, &mut out, &mut table).unwrap() < 64);

    let mut packed = P.acquire_blocking();
    lz4::compress_into(&input, &mut packed, &mut table).unwrap();
    out.clear();
    assert_eq!(
        lz4::decompress_into(&packed, &mut out).unwrap_err(),
        DecodeError::OutputTooSmall {
            needed: None,
            capacity: 64
        }
    );
    assert!(out.is_empty());
    let mut back = P.acquire_blocking();
    assert_eq!(
        lz4::decompress_into(&[], &mut back).unwrap_err(),
        DecodeError::Corrupt
    );
    // Every truncation and bit flip of a block: an error or some output, never a panic
    // and never past the buffer.
    let text = data(Kind::Mixed, 3000, 3);
    packed.clear();
    lz4::compress_into(&text, &mut packed, &mut table).unwrap();
    let step = if MIRI { 17 } else { 1 };
    for cut in (0..packed.len()).step_by(step) {
        back.clear();
        if let Ok(n) = lz4::decompress_into(&packed[..cut], &mut back) {
            assert!(n <= back.capacity());
        }
    }
    let mut bad = packed.to_vec();
    for bit in (0..bad.len() * 8).step_by(step * 3) {
        bad[bit / 8] ^= 1 << (bit % 8);
        back.clear();
        let _ = lz4::decompress_into(&bad, &mut back);
        bad[bit / 8] ^= 1 << (bit % 8);
    }
    drop((out, packed, back, table));
    assert_eq!(SMALL.stats().in_use + P.stats().in_use, 0);
    assert_eq!(TABLES.stats().in_use, 0);
}

/// Sequences of every short literal length (0 to 40: each copy path of the
/// compressor) and match lengths around the token's limits, after a random run.
fn sequences(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
    let mut lit = 0;
    while out.len() < len {
        out.extend((0..lit % 41).map(|_| rng.next_u64() as u8));
        let n = [4, 5, 18, 19, 20, 33, 270, 300][rng.below(8)];
        let back = 1 + rng.below(out.len().min(65_535));
        let from = out.len() - back;
        for i in 0..n {
            out.push(out[from + i % back]);
        }
        lit += 1;
    }
    out.truncate(len);
    out
}

#[test]
fn every_literal_length_and_every_output_capacity() {
    let _serial = serial();
    // Round trips over every literal length, then every capacity short of the
    // block: a typed error, nothing committed, never a write past the buffer.
    static P: Pool<2, 8192> = Pool::new();
    let mut table = TABLES.acquire_blocking();
    let (mut packed, mut back) = (P.acquire_blocking(), P.acquire_blocking());
    for seed in 0..if MIRI { 2 } else { 8 } {
        let input = sequences(seed, if MIRI { 1500 } else { 6000 });
        packed.clear();
        let n = lz4::compress_into(&input, &mut packed, &mut table).unwrap();
        let block = packed.to_vec();
        back.clear();
        assert_eq!(
            lz4::decompress_into(&block, &mut back).unwrap(),
            input.len()
        );
        assert!(back[..] == input[..], "seed {seed}");
        let step = if MIRI { 97 } else { 1 };
        for spare in (0..n).step_by(step) {
            // Leave `spare` bytes free after a filler.
            packed.clear();
            packed.commit(packed.capacity() - spare).unwrap();
            let before = packed.len();
            let e = lz4::compress_into(&input, &mut packed, &mut table).unwrap_err();
            assert!(matches!(e, EncodeError::OutputTooSmall { .. }), "{e:?}");
            assert_eq!(packed.len(), before);
        }
        packed.clear();
        packed.commit(packed.capacity() - n).unwrap();
        let at = packed.len();
        assert_eq!(lz4::compress_into(&input, &mut packed, &mut table), Ok(n));
        assert!(packed[at..] == block[..]);
    }
    drop((packed, back, table));
    assert_eq!(P.stats().in_use + TABLES.stats().in_use, 0);
}

#[test]
fn a_table_is_reused_across_unrelated_messages() {
    let _serial = serial();
    // Stale positions from earlier messages never leak into later ones: the output
    // depends only on the message, not on the table's history.
    static P: Pool<2, 70_000> = Pool::new();
    let mut used = TABLES.acquire_blocking();
    let (mut a, mut b) = (P.acquire_blocking(), P.acquire_blocking());
    for seed in 0..if MIRI { 3 } else { 20 } {
        let input = data(KINDS[seed % 5], 1 + seed * 3001, seed as u64);
        a.clear();
        b.clear();
        let mut fresh = Table::new();
        lz4::compress_into(&input, &mut a, &mut fresh).unwrap();
        lz4::compress_into(&input, &mut b, &mut used).unwrap();
        assert!(a[..] == b[..], "seed {seed}");
    }
}
