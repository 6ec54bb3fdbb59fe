//! `Buf`'s std-like traits: `fmt::Write` (a piece that does not fit is an error,
//! earlier pieces stay), `Extend` (panics when full, as heapless's `Vec` does), and
//! comparisons with slices and arrays both ways.

use core::fmt::Write;

use bufpress::pool::Pool;

#[test]
fn fmt_write_is_bounded() {
    static POOL: Pool<1, 16> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    write!(buf, "t={} v={}", 12, -3).unwrap();
    assert_eq!(buf, *b"t=12 v=-3");
    assert!(write!(buf, " and more than fits").is_err());
    assert_eq!(buf, *b"t=12 v=-3"); // the piece that did not fit wrote nothing
}

#[test]
fn extend_appends_bytes_and_refs() {
    static POOL: Pool<1, 8> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    buf.extend([1u8, 2, 3]);
    buf.extend(&[4u8, 5]);
    buf.extend(b"xyz".iter());
    assert_eq!(buf, [1, 2, 3, 4, 5, b'x', b'y', b'z']);
}

#[test]
#[should_panic(expected = "Buf::extend")]
fn extend_past_capacity_panics_like_heapless() {
    static POOL: Pool<1, 4> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    buf.extend(0u8..5);
}

#[test]
fn compares_with_slices_and_arrays() {
    static POOL: Pool<2, 8> = Pool::new();
    let mut a = POOL.try_acquire().unwrap();
    let mut b = POOL.try_acquire().unwrap();
    a.extend_from_slice(b"abc").unwrap();
    b.extend_from_slice(b"abc").unwrap();
    let slice: &[u8] = b"abc";
    assert!(a == *slice && a == slice && a == *b"abc" && a == b"abc");
    assert!(*slice == a && slice == a && *b"abc" == a && b"abc" == a);
    assert_eq!(a, b);
    b.push(b'd').unwrap();
    assert_ne!(a, b);
    assert!(a != *b"abd" && a != b"ab"[..]);
}
