//! `codec::Output` for each of its kinds, through the trait only: a pool `Buf` (whose
//! `filled_and_spare_mut` is `unsafe` inside: Miri runs this file), a slice through
//! `io::Cursor`, and `VecOutput` over a `Vec` and a `heapless::Vec`: the bound holds,
//! a failed append writes nothing, the written part reads back, a `Vec` never grows.

use bufpress::codec::Output;
use bufpress::io::Cursor;
use bufpress::pool::{Align8, Pool};

/// What every output must do, generically: `out` is empty with `cap` bytes spare.
fn check<O: Output + ?Sized>(out: &mut O, cap: usize) {
    assert_eq!((out.len(), out.capacity(), out.remaining()), (0, cap, cap));
    assert!(out.is_empty());
    out.extend_from_slice(b"abc").unwrap();
    assert_eq!(out.as_slice(), b"abc");

    // Spare capacity: initialized bytes after the filled part, committed in part.
    let spare = out.spare_capacity_mut();
    assert_eq!(spare.len(), cap - 3);
    spare[..2].copy_from_slice(b"de");
    out.commit(2).unwrap();
    assert_eq!(out.as_slice(), b"abcde");

    // The whole: the written part first, for a codec that reads it back.
    let all = out.filled_and_spare_mut();
    assert_eq!(all.len(), cap);
    assert_eq!(&all[..5], b"abcde");
    all[1] = b'B';
    assert_eq!(out.as_slice(), b"aBcde");

    // Past the bound: an error, nothing written, the length unchanged.
    let too_many = vec![7u8; cap - 5 + 1];
    let e = out.extend_from_slice(&too_many).unwrap_err();
    assert_eq!((e.needed, e.capacity), (cap + 1, cap));
    assert!(out.commit(cap).is_err());
    assert!(out.try_spare_capacity_mut(cap - 4).is_err());
    assert_eq!(out.len(), 5);

    // Exactly to the bound.
    out.try_spare_capacity_mut(cap - 5).unwrap().fill(b'z');
    out.commit(cap - 5).unwrap();
    assert_eq!(out.remaining(), 0);
    assert_eq!(out.spare_capacity_mut().len(), 0);
    assert!(out.extend_from_slice(b"!").is_err());
    assert!(out.extend_from_slice(b"").is_ok());

    out.truncate(2);
    assert_eq!(out.as_slice(), b"aB");
    out.truncate(10); // longer: nothing happens
    assert_eq!(out.len(), 2);
}

#[test]
fn buf() {
    static POOL: Pool<1, 16> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    check(&mut buf, 16);
    check(&mut &mut POOL_2.try_acquire().unwrap(), 16); // through `&mut O`
    let dyn_out: &mut dyn Output = &mut buf;
    assert_eq!(dyn_out.as_slice(), b"aB");
}

static POOL_2: Pool<1, 16> = Pool::new();

#[test]
fn buf_written_through_the_whole_is_scrubbed() {
    static SCRUB: Pool<1, 32, Align8, true> = Pool::new();
    let mut buf = SCRUB.try_acquire().unwrap();
    Output::filled_and_spare_mut(&mut buf).fill(0xEE);
    drop(buf);
    let mut buf = SCRUB.try_acquire().unwrap();
    assert!(buf.spare_capacity_mut().iter().all(|&b| b == 0));
}

#[test]
fn slice_at_an_odd_offset() {
    let mut bytes = [0xAAu8; 20];
    {
        let mut out = Cursor::new(&mut bytes[3..16]);
        check(&mut out, 13);
        assert_eq!(out.position(), 2);
    }
    assert_eq!(&bytes[..3], &[0xAA; 3]);
    assert_eq!(&bytes[16..], &[0xAA; 4]);
    assert_eq!(&bytes[3..5], b"aB");

    // A position past the end (set by hand) is a full output.
    let mut out = Cursor::new([0u8; 4]);
    out.set_position(9);
    assert_eq!((Output::len(&out), out.remaining()), (4, 0));
    assert!(out.commit(1).is_err());
}

#[cfg(feature = "alloc")]
#[test]
fn vec_spare_capacity() {
    use bufpress::codec::VecOutput;
    let mut vec = Vec::with_capacity(24);
    let cap = vec.capacity();
    vec.extend_from_slice(b"head");
    {
        let mut out = VecOutput::new(&mut vec);
        assert_eq!(out.as_slice(), b"head");
        out.truncate(0);
        check(&mut out, cap);
    }
    assert_eq!(vec, b"aB");
    assert_eq!(vec.capacity(), cap);

    // Dropped after a failed call: only what was committed stays.
    let mut vec = Vec::with_capacity(8);
    let cap = vec.capacity();
    {
        let mut out = VecOutput::new(&mut vec);
        out.spare_capacity_mut().fill(9); // handed out, never committed
        out.commit(1).unwrap();
    }
    assert_eq!(vec, [9]);
    assert_eq!(vec.capacity(), cap);
}

#[cfg(feature = "heapless")]
#[test]
fn heapless_vec() {
    use bufpress::codec::VecOutput;
    let mut vec = heapless::Vec::<u8, 12>::new();
    {
        let mut out = VecOutput::new(&mut vec);
        check(&mut out, 12);
    }
    assert_eq!(&vec[..], b"aB");
}
