//! `bytes::BufMut` for `Buf` (feature `bytes`): code written for `BytesMut` fills a
//! pool buffer, `remaining_mut` is the unused part, the buffer never grows, and a
//! `put` past the capacity panics (as `BufMut`'s contract says of a fixed buffer)
//! without appending anything. Miri runs this file (`.ci/test miri`).
#![cfg(feature = "bytes")]

use std::panic::{AssertUnwindSafe, catch_unwind};

use bufpress::pool::{Buf, Pool};
use bufpress_support::rng::Rng;
use bytes::BufMut;

/// What a `BytesMut` user writes: a length-prefixed record.
fn put_record(out: &mut impl BufMut, id: u32, payload: &[u8]) {
    out.put_u8(0xA5);
    out.put_u32(id);
    out.put_u16_le(payload.len() as u16);
    out.put_slice(payload);
    out.put_bytes(0, 3);
}

#[test]
fn fills_like_bytes_mut() {
    static POOL: Pool<1, 64> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    let mut reference = bytes::BytesMut::with_capacity(64);
    for (id, payload) in [(1, &b"abc"[..]), (0xDEAD_BEEF, b""), (7, b"0123456789")] {
        put_record(&mut buf, id, payload);
        put_record(&mut reference, id, payload);
    }
    assert_eq!(&buf[..], &reference[..]);
    assert_eq!(buf.remaining_mut(), 64 - buf.len());
    assert_eq!(buf.capacity(), 64, "never grows");
}

#[test]
fn chunk_mut_is_the_spare_capacity() {
    static POOL: Pool<1, 32> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    buf.extend_from_slice(b"head").unwrap();
    let chunk = buf.chunk_mut();
    assert_eq!(chunk.len(), 28);
    chunk[..3].copy_from_slice(b"xyz");
    // SAFETY: the 3 bytes were just written.
    unsafe { buf.advance_mut(3) };
    assert_eq!(&buf[..], b"headxyz");
    assert_eq!(buf.remaining_mut(), 25);

    // Filled to the brim: an empty chunk, nothing more to take.
    buf.put_bytes(b'.', 25);
    assert_eq!(buf.len(), 32);
    assert_eq!(buf.remaining_mut(), 0);
    assert!(!buf.has_remaining_mut());
    assert_eq!(buf.chunk_mut().len(), 0);
}

/// Runs `f` on `buf`, expecting a panic that leaves `buf` as it was.
fn assert_panics_unchanged(buf: &mut Buf<'_>, f: impl FnOnce(&mut Buf<'_>)) {
    let before = buf.to_vec();
    let r = catch_unwind(AssertUnwindSafe(|| f(buf)));
    assert!(r.is_err(), "a put past the capacity must panic");
    assert_eq!(&buf[..], &before[..], "a refused put appends nothing");
}

#[test]
fn past_capacity_panics_and_appends_nothing() {
    static POOL: Pool<1, 8> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    buf.put_slice(b"12345");
    assert_panics_unchanged(&mut buf, |b| b.put_slice(b"6789"));
    assert_panics_unchanged(&mut buf, |b| b.put_u32(1));
    assert_panics_unchanged(&mut buf, |b| b.put_bytes(0, 4));
    // SAFETY: `advance_mut` past the capacity panics before any byte counts as written.
    assert_panics_unchanged(&mut buf, |b| unsafe { b.advance_mut(4) });
    buf.put_slice(b"678"); // exactly what fits
    assert_eq!(&buf[..], b"12345678");
    drop(buf);
    assert_eq!(
        POOL.stats().available,
        1,
        "the buffer is back after the panics"
    );
}

#[test]
fn random_puts_match_a_vec() {
    static POOL: Pool<1, 256> = Pool::new();
    let mut rng = Rng::new(14);
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    for _ in 0..rounds {
        let mut buf = POOL.try_acquire().unwrap();
        let mut reference = Vec::new();
        loop {
            let n = rng.below(40);
            let piece: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            if piece.len() > buf.remaining_mut() {
                assert_panics_unchanged(&mut buf, |b| b.put_slice(&piece));
                break;
            }
            match rng.below(3) {
                0 => buf.put_slice(&piece),
                1 => buf.put(&piece[..]),
                _ => {
                    for &byte in &piece {
                        buf.put_u8(byte);
                    }
                }
            }
            reference.extend_from_slice(&piece);
            assert_eq!(&buf[..], &reference[..]);
            assert_eq!(buf.remaining_mut(), 256 - reference.len());
        }
    }
    assert_eq!(POOL.stats().available, 1);
}
