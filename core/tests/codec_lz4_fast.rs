//! `codec/lz4/fast.rs`, the codecs' one module with `unsafe`: its block decoder
//! against a byte-at-a-time reference decoder written here (every match offset and
//! length near both ends of the output, every output capacity, linked frames whose
//! matches reach into earlier blocks of the same buffer, hostile blocks, random and
//! mutated, which must give the reference's result and never touch bytes outside the
//! caller's buffer), and its compressor against the checked one (the same bytes).
//! Sized for Miri (`.ci/test miri` runs this file).
#![cfg(feature = "lz4")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod lz4_support;
use lz4_support::*;

/// What the reference decoder says: the decoded bytes, or why not.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok(Vec<u8>),
    TooSmall,
    Corrupt,
}

/// The lz4 block format one byte at a time, with the checks in the order the fast
/// decoder makes them (input bounds, then output room; offset, then match room).
fn reference(input: &[u8], cap: usize) -> Outcome {
    let mut out = Vec::new();
    let mut i = 0;
    let ext = |i: &mut usize| -> Option<usize> {
        let mut n = 0usize;
        loop {
            let b = *input.get(*i)?;
            *i += 1;
            n = n.saturating_add(b as usize);
            if b != 255 {
                return Some(n);
            }
        }
    };
    if input.is_empty() {
        return Outcome::Corrupt;
    }
    loop {
        let Some(&token) = input.get(i) else {
            return Outcome::Corrupt;
        };
        i += 1;
        let mut lit = (token >> 4) as usize;
        if lit == 15 {
            match ext(&mut i) {
                Some(n) => lit = lit.saturating_add(n),
                None => return Outcome::Corrupt,
            }
        }
        if lit > input.len() - i {
            return Outcome::Corrupt;
        }
        if lit > cap - out.len() {
            return Outcome::TooSmall;
        }
        out.extend_from_slice(&input[i..i + lit]);
        i += lit;
        if i == input.len() {
            return Outcome::Ok(out);
        }
        if input.len() - i < 2 {
            return Outcome::Corrupt;
        }
        let offset = u16::from_le_bytes([input[i], input[i + 1]]) as usize;
        i += 2;
        let mut ml = (token & 15) as usize + 4;
        if ml == 19 {
            match ext(&mut i) {
                Some(n) => ml = ml.saturating_add(n),
                None => return Outcome::Corrupt,
            }
        }
        if offset == 0 || offset > out.len() {
            return Outcome::Corrupt;
        }
        if ml > cap - out.len() {
            return Outcome::TooSmall;
        }
        for _ in 0..ml {
            out.push(out[out.len() - offset]);
        }
    }
}

/// The output buffers' capacity (smaller under Miri, where every byte costs).
const CAP: usize = if MIRI { 512 } else { 4096 };
static P: Pool<2, CAP> = Pool::new();
const FILL: u8 = 0xA5;

/// Decodes `block` with `lz4::decompress_into` into a buffer whose spare capacity is
/// exactly `cap` (the rest pre-filled), checks it against the reference, and that
/// the pre-filled bytes are untouched.
fn check(block: &[u8], cap: usize) {
    let mut out = P.acquire_blocking();
    let before = out.capacity() - cap;
    out.extend_from_slice(&vec![FILL; before]).unwrap();
    let got = match lz4::decompress_into(block, &mut out) {
        Ok(n) => {
            assert_eq!(out.len(), before + n);
            Outcome::Ok(out[before..].to_vec())
        }
        Err(DecodeError::OutputTooSmall { .. }) => Outcome::TooSmall,
        Err(DecodeError::Corrupt) => Outcome::Corrupt,
        Err(e) => panic!("unexpected {e:?}"),
    };
    assert!(
        out[..before].iter().all(|&b| b == FILL),
        "wrote before the start"
    );
    if !matches!(got, Outcome::Ok(_)) {
        assert_eq!(out.len(), before, "committed on error");
    }
    assert_eq!(got, reference(block, cap), "block {block:02x?} cap {cap}");
}

/// One sequence: `lits` literal bytes, then a match, then 5..=9 final literals.
fn block(lits: &[u8], offset: u16, ml: usize, tail: usize) -> Vec<u8> {
    let mut b = Vec::new();
    let lit = lits.len();
    let m = ml - 4;
    b.push(((lit.min(15) as u8) << 4) | m.min(15) as u8);
    if lit >= 15 {
        let mut n = lit - 15;
        while n >= 255 {
            b.push(255);
            n -= 255;
        }
        b.push(n as u8);
    }
    b.extend_from_slice(lits);
    b.extend_from_slice(&offset.to_le_bytes());
    if m >= 15 {
        let mut n = m - 15;
        while n >= 255 {
            b.push(255);
            n -= 255;
        }
        b.push(n as u8);
    }
    b.push((tail as u8) << 4);
    b.extend((0..tail).map(|k| 200 + k as u8));
    b
}

#[test]
fn every_offset_and_length_near_both_ends() {
    let _serial = serial();
    let lits: Vec<u8> = (1..=40).collect();
    let lengths: &[usize] = if MIRI {
        &[4, 18, 19, 40]
    } else {
        &[
            4, 5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 20, 23, 24, 31, 33, 64, 70, 300,
        ]
    };
    let nlits: &[usize] = if MIRI {
        &[1, 17]
    } else {
        &[1, 7, 14, 15, 16, 17, 40]
    };
    let offsets: &[u16] = if MIRI {
        &[1, 2, 3, 5, 7, 8, 9, 15, 16, 17]
    } else {
        &[
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 23, 24, 40,
        ]
    };
    for &nlit in nlits {
        for &offset in offsets.iter().filter(|&&o| usize::from(o) <= nlit) {
            for &ml in lengths {
                for tail in [0, 5] {
                    let b = block(&lits[..nlit], offset, ml, tail);
                    let exact = nlit + ml + tail;
                    // Exact room, a little more, a lot more, and too little.
                    let caps: &[usize] = if MIRI {
                        &[exact, exact - 1]
                    } else {
                        &[
                            exact,
                            exact + 1,
                            exact + 7,
                            exact + 16,
                            exact + 40,
                            CAP,
                            exact - 1,
                        ]
                    };
                    for &cap in caps {
                        check(&b, cap);
                    }
                }
            }
        }
    }
}

#[test]
fn round_trips_at_every_capacity_edge() {
    let _serial = serial();
    let mut table = TABLES.acquire_blocking();
    for (k, kind) in KINDS.into_iter().enumerate() {
        for len in [0, 1, 13, 100, if MIRI { 300 } else { 3000 }] {
            let input = data(kind, len, k as u64);
            let mut packed = P.acquire_blocking();
            lz4::compress_into(&input, &mut packed, &mut table).unwrap();
            for cap in [len, len + 3, len + 64, len.saturating_sub(1)] {
                check(&packed, cap);
            }
        }
    }
}

#[test]
fn hostile_blocks_match_the_reference() {
    let _serial = serial();
    let mut rng = Rng::new(0x4C5A_3400);
    let mut table = TABLES.acquire_blocking();
    let rounds = if MIRI { 24 } else { 4000 };
    for r in 0..rounds {
        let len = (rng.next_u64() % if MIRI { 100 } else { 300 }) as usize;
        let mut b: Vec<u8> = if r % 2 == 0 {
            (0..len).map(|_| rng.next_u64() as u8).collect()
        } else {
            // A valid block with a few bytes changed.
            let input = data(KINDS[r % KINDS.len()], len * 4, r as u64);
            let mut packed = P.acquire_blocking();
            lz4::compress_into(&input, &mut packed, &mut table).unwrap();
            packed.to_vec()
        };
        for _ in 0..1 + r % 3 {
            if !b.is_empty() {
                let at = (rng.next_u64() as usize) % b.len();
                b[at] = rng.next_u64() as u8;
            }
        }
        let cap = (rng.next_u64() % CAP as u64) as usize;
        check(&b, cap);
        check(&b, CAP);
    }
}

#[test]
fn linked_frames_reach_into_earlier_blocks() {
    let _serial = serial();
    static FRAMES: Pool<2, { 160 << 10 }> = Pool::new();
    let mut table = TABLES.acquire_blocking();
    // Under Miri, 2 blocks; the second reaches back into the first.
    let len = if MIRI { 66_000 } else { 150_000 };
    // Text repeats across block boundaries, so matches reach into earlier blocks.
    let input = data(Kind::Text, len, 9);
    let settings = FrameSettings::new()
        .with_block_mode(BlockMode::Linked)
        .with_content_checksum(true);
    let mut frame = FRAMES.acquire_blocking();
    lz4::compress_frame_into(&input, &mut frame, &settings, &mut table).unwrap();
    let mut back = FRAMES.acquire_blocking();
    back.extend_from_slice(b"prefix").unwrap();
    assert_eq!(lz4::decompress_frame_into(&frame, &mut back), Ok(len));
    assert!(back[6..] == input[..]);
}

/// The compressor takes its unchecked path when the output holds the worst case and
/// the checked one otherwise: both must write the same bytes, as blocks and as linked
/// frames (whose later blocks see less room).
#[test]
fn compressor_paths_write_the_same_bytes() {
    let _serial = serial();
    static BIG: Pool<2, { 80 << 10 }> = Pool::new();
    let mut table = TABLES.acquire_blocking();
    let lens: &[usize] = if MIRI {
        &[13, 300, 2000]
    } else {
        &[13, 14, 100, 1000, 70_000]
    };
    for (k, kind) in KINDS.into_iter().enumerate() {
        for &len in lens {
            let input = data(kind, len, 40 + k as u64);
            let mut wide = BIG.acquire_blocking();
            let n = lz4::compress_into(&input, &mut wide, &mut table).unwrap();
            assert!(n < lz4::max_compressed_len(len));
            // Room for exactly the compressed size: the checked path.
            let mut exact = BIG.acquire_blocking();
            let filler = vec![0; exact.capacity() - n];
            exact.extend_from_slice(&filler).unwrap();
            assert_eq!(lz4::compress_into(&input, &mut exact, &mut table), Ok(n));
            assert!(exact[filler.len()..] == wide[..], "{kind:?} {len}");
            // And a linked frame, into a wide and an exactly sized buffer.
            let settings = FrameSettings::new().with_block_mode(BlockMode::Linked);
            wide.clear();
            let f = lz4::compress_frame_into(&input, &mut wide, &settings, &mut table).unwrap();
            exact.clear();
            exact
                .extend_from_slice(&vec![0; exact.capacity() - f])
                .unwrap();
            let at = exact.len();
            assert_eq!(
                lz4::compress_frame_into(&input, &mut exact, &settings, &mut table),
                Ok(f)
            );
            assert!(exact[at..] == wide[..], "{kind:?} {len} frame");
        }
    }
}
