//! Behaviour of the pools, the guard, raw handles, size classes and value pools.

use bufpress::error::{AcquireError, CapacityError, ClassError, RawError, RegionError};
use bufpress::pool::{
    Align8, Align16, Align64, Align4096, Alignment, Pool, RawBuf, RegionPool, SizeClasses,
    ValuePool,
};

#[test]
fn every_buffer_is_handed_out_once_then_exhausted() {
    let pool: Pool<4, 32> = Pool::new();
    let bufs: Vec<_> = (0..4).map(|_| pool.try_acquire().unwrap()).collect();
    let mut indices: Vec<usize> = bufs.iter().map(|b| b.index()).collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!(pool.try_acquire().unwrap_err(), AcquireError::new(4));
    let s = pool.stats();
    assert_eq!(
        (s.capacity, s.available, s.in_use, s.high_water),
        (4, 0, 4, 4)
    );
    assert_eq!(s.failed_acquires, 1);
    drop(bufs);
    let s = pool.stats();
    assert_eq!((s.available, s.in_use, s.high_water), (4, 0, 4));
    pool.reset_stats();
    assert_eq!(
        (pool.stats().high_water, pool.stats().failed_acquires),
        (0, 0)
    );
}

#[test]
fn the_same_buffer_comes_back() {
    // The bug this design was born from: a release must return the buffer that was
    // used, not a fresh one.
    let pool: Pool<2, 16> = Pool::new();
    let mut a = pool.try_acquire().unwrap();
    let ptr = a.as_mut_ptr();
    let index = a.index();
    a.extend_from_slice(b"kept").unwrap();
    drop(a);
    let mut again = pool.try_acquire().unwrap();
    assert_eq!(again.index(), index);
    assert_eq!(again.as_mut_ptr(), ptr);
    // Without scrubbing the old bytes are still there (in the spare capacity).
    assert_eq!(&again.try_spare_capacity_mut(4).unwrap()[..], b"kept");
    assert!(again.is_empty());
}

#[test]
fn buffers_are_disjoint_and_aligned() {
    fn check<A: Alignment, const SIZE: usize>(pool: &Pool<3, SIZE, A>) {
        let mut bufs: Vec<_> = (0..3).map(|_| pool.try_acquire().unwrap()).collect();
        let mut starts: Vec<usize> = bufs.iter_mut().map(|b| b.as_mut_ptr() as usize).collect();
        starts.sort_unstable();
        for s in &starts {
            assert_eq!(s % A::BYTES, 0);
        }
        for w in starts.windows(2) {
            assert!(w[1] - w[0] >= SIZE);
        }
        for (i, b) in bufs.iter_mut().enumerate() {
            b.extend_from_slice(&vec![i as u8; SIZE]).unwrap();
        }
        for (i, b) in bufs.iter().enumerate() {
            assert!(b.iter().all(|&x| x == i as u8));
        }
    }
    check(&Pool::<3, 10, Align8>::new());
    check(&Pool::<3, 100, Align64>::new());
    check(&Box::new(Pool::<3, 5000, Align4096>::new()));
}

#[test]
fn the_guard_is_a_bounded_vector() {
    let pool: Pool<1, 8> = Pool::new();
    let mut buf = pool.try_acquire().unwrap();
    assert_eq!((buf.len(), buf.capacity(), buf.remaining()), (0, 8, 8));
    buf.extend_from_slice(b"abc").unwrap();
    buf.push(b'd').unwrap();
    assert_eq!(
        buf.extend_from_slice(b"efghi"),
        Err(CapacityError::new(9, 8))
    );
    assert_eq!(&buf[..], b"abcd");
    buf[0] = b'A';
    buf.as_mut_slice()[1] = b'B';
    assert_eq!(buf.as_slice(), b"ABcd");
    buf.truncate(10);
    assert_eq!(buf.len(), 4);
    buf.truncate(2);
    assert_eq!(&buf[..], b"AB");
    let spare = buf.spare_capacity_mut();
    assert_eq!(spare.len(), 6);
    spare[..3].copy_from_slice(b"xyz");
    buf.commit(3).unwrap();
    assert_eq!(&buf[..], b"ABxyz");
    assert!(buf.commit(4).is_err());
    assert!(buf.try_spare_capacity_mut(4).is_err());
    assert_eq!(buf.commit(usize::MAX).unwrap_err().needed, usize::MAX);
    assert_eq!(buf.len(), 5);
    buf.clear();
    assert!(buf.is_empty());
    let fmt = format!("{buf:?}");
    assert!(fmt.contains("capacity: 8"), "{fmt}");
}

#[test]
fn scrub_zeroes_what_the_holder_wrote() {
    let pool: Pool<1, 64, Align8, true> = Pool::new();
    let mut a = pool.try_acquire().unwrap();
    a.extend_from_slice(&[0xAA; 10]).unwrap();
    a.try_spare_capacity_mut(20).unwrap().fill(0xBB); // written but never committed
    a.truncate(3);
    drop(a);
    let mut b = pool.try_acquire().unwrap();
    assert!(b.spare_capacity_mut().iter().all(|&x| x == 0));
    b.spare_capacity_mut().fill(0xCC); // the whole buffer is now dirty
    drop(b);
    let mut c = pool.try_acquire().unwrap();
    assert!(c.spare_capacity_mut().iter().all(|&x| x == 0));
}

#[test]
fn scrub_covers_buffers_that_went_through_raw_handles() {
    let pool: Pool<1, 32, Align8, true> = Pool::new();
    let mut a = pool.try_acquire().unwrap();
    let ptr = a.as_mut_ptr();
    a.extend_from_slice(b"head").unwrap();
    a.try_spare_capacity_mut(8).unwrap().fill(7); // past len: zeroed by into_raw
    let raw = a.into_raw();
    // A DMA engine writes 12 bytes while the buffer is raw.
    // SAFETY: the buffer is held (as `raw`) and 32 bytes long; nobody else touches it.
    unsafe { ptr.write_bytes(0xEE, 12) };
    let b = pool.try_from_raw(raw.with_len(12)).unwrap();
    assert_eq!(&b[..], &[0xEE; 12]);
    drop(b);
    let mut c = pool.try_acquire().unwrap();
    assert!(c.spare_capacity_mut().iter().all(|&x| x == 0));
}

#[test]
fn raw_handles_are_checked() {
    let pool: Pool<2, 16> = Pool::new();
    let other: Pool<2, 16> = Pool::new();
    let mut buf = pool.try_acquire().unwrap();
    buf.extend_from_slice(b"dma").unwrap();
    let raw = buf.into_raw();
    assert_eq!((raw.index(), raw.len(), raw.is_empty()), (0, 3, false));
    assert_eq!(pool.stats().in_use, 1);
    assert_eq!(RawBuf::from_bits(raw.to_bits()), raw);
    assert_eq!(
        pool.try_from_raw(raw.with_len(17)).unwrap_err(),
        RawError::Length {
            len: 17,
            capacity: 16
        }
    );
    assert_eq!(
        other.try_from_raw(raw).unwrap_err(),
        RawError::NotRaw { index: 0 }
    );
    let back = pool.try_from_raw(raw).unwrap();
    assert_eq!(&back[..], b"dma");
    // A second turn-back of the same handle is refused while the guard lives...
    assert_eq!(
        pool.try_from_raw(raw).unwrap_err(),
        RawError::NotRaw { index: 0 }
    );
    drop(back);
    // ...and after it was released.
    assert_eq!(
        pool.try_from_raw(raw).unwrap_err(),
        RawError::NotRaw { index: 0 }
    );
    let forged = RawBuf::from_bits(9);
    assert_eq!(
        pool.try_from_raw(forged).unwrap_err(),
        RawError::OutOfRange { index: 9 }
    );
    assert_eq!(pool.stats().available, 2);
    // A stale handle of a slot raw again under a new key is refused too.
    let again = pool.try_acquire().unwrap().into_raw();
    assert_eq!(again.index(), raw.index());
    assert!(pool.try_from_raw(raw).is_err());
    drop(pool.try_from_raw(again).unwrap());
}

#[test]
fn size_classes_pick_the_smallest_that_fits_and_may_fall_back() {
    let small: Pool<2, 64> = Pool::new();
    let medium: Pool<1, 512> = Pool::new();
    let large: Pool<1, 4096> = Pool::new();
    let classes = SizeClasses::new([large.pool_ref(), small.pool_ref(), medium.pool_ref()]);
    let sizes: Vec<usize> = classes.classes().iter().map(|c| c.buf_size()).collect();
    assert_eq!(sizes, [64, 512, 4096]);
    let a = classes.try_acquire(0).unwrap();
    let b = classes.try_acquire(64).unwrap();
    assert_eq!((a.capacity(), b.capacity()), (64, 64));
    assert_eq!(
        classes.try_acquire(10).unwrap_err(),
        ClassError::Exhausted { requested: 10 }
    );
    let c = classes.try_acquire_or_larger(10).unwrap();
    assert_eq!(c.capacity(), 512);
    let d = classes.try_acquire_or_larger(65).unwrap();
    assert_eq!(d.capacity(), 4096);
    assert!(classes.try_acquire_or_larger(1).is_err());
    assert_eq!(
        classes.try_acquire(4097).unwrap_err(),
        ClassError::TooLarge {
            requested: 4097,
            largest: 4096
        }
    );
    assert!(large.pool_ref().owns(&d) && !small.pool_ref().owns(&d));
    drop((a, b, c, d));
    let none: SizeClasses<'_, 0> = SizeClasses::new([]);
    assert_eq!(
        none.try_acquire(1).unwrap_err(),
        ClassError::TooLarge {
            requested: 1,
            largest: 0
        }
    );
}

#[test]
fn equal_classes_are_all_tried() {
    let a: Pool<1, 128> = Pool::new();
    let b: Pool<1, 128> = Pool::new();
    let classes = SizeClasses::new([a.pool_ref(), b.pool_ref()]);
    let x = classes.try_acquire(100).unwrap();
    let y = classes.try_acquire(100).unwrap();
    assert!(classes.try_acquire(100).is_err());
    drop((x, y));
}

#[test]
fn region_pools_check_their_layout() {
    let mut mem = vec![0xFFu8; 4 * 100 + 64];
    assert_eq!(
        RegionPool::<'_, 4>::new(&mut mem, 100, 3).unwrap_err(),
        RegionError::Alignment { align: 3 }
    );
    assert_eq!(
        RegionPool::<'_, 4>::new(&mut mem, 100, 8192).unwrap_err(),
        RegionError::Alignment { align: 8192 }
    );
    assert_eq!(
        RegionPool::<'_, 4>::new(&mut mem, 0, 4).unwrap_err(),
        RegionError::BufferSize { size: 0 }
    );
    assert!(matches!(
        RegionPool::<'_, 4>::new(&mut mem, 128, 64).unwrap_err(),
        RegionError::TooSmall { available: 464, .. }
    ));
    assert!(RegionPool::<'_, 4>::new(&mut mem, usize::MAX / 2, 64).is_err());
    {
        let pool = RegionPool::<'_, 4>::new(&mut mem, 100, 4).unwrap();
        let mut buf = pool.try_acquire().unwrap();
        // Not scrubbed: the region's old bytes show through the spare capacity.
        assert!(buf.spare_capacity_mut().iter().all(|&b| b == 0xFF));
    }
    let pool = RegionPool::<'_, 4>::new(&mut mem, 100, 16)
        .unwrap()
        .with_scrub_on_release(true);
    let bufs: Vec<_> = (0..4).map(|_| pool.try_acquire().unwrap()).collect();
    for mut b in bufs {
        assert_eq!(b.as_mut_ptr() as usize % 16, 0);
        assert!(b.spare_capacity_mut().iter().all(|&x| x == 0));
    }
    assert_eq!(pool.stats().high_water, 4);
    assert!(format!("{pool:?}").contains("RegionPool"));
}

#[test]
fn value_pools_hand_out_each_value_once() {
    let mut pool: ValuePool<Vec<u32>, 3> = ValuePool::new([vec![0], vec![1], vec![2]]);
    {
        let a = pool.try_acquire().unwrap();
        let mut b = pool.try_acquire().unwrap();
        let c = pool.try_acquire().unwrap();
        assert!(pool.try_acquire().is_err());
        let mut seen = vec![a[0], b[0], c[0]];
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2]);
        b.push(42);
        assert_eq!(b.index(), usize::try_from(b[0]).unwrap());
        assert_eq!(pool.stats().failed_acquires, 1);
    }
    let total: usize = pool.values_mut().iter().map(Vec::len).sum();
    assert_eq!(total, 4); // the value was kept, not replaced
    let held = pool.acquire_blocking();
    assert!(format!("{held:?}").contains("Value"));
}

#[test]
fn acquire_waits_for_a_release_and_spinning_is_bounded() {
    static POOL: Pool<1, 8> = Pool::new();
    let held = POOL.try_acquire().unwrap();
    assert_eq!(POOL.acquire_spinning(10).unwrap_err(), AcquireError::new(1));
    std::thread::scope(|s| {
        s.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            drop(held);
        });
        let buf = POOL.acquire_blocking();
        assert_eq!(buf.index(), 0);
    });
    assert_eq!(POOL.stats().available, 1);
}

#[test]
fn a_zero_sized_pool_is_always_empty() {
    let pool: Pool<0, 64> = Pool::new();
    assert_eq!(pool.try_acquire().unwrap_err(), AcquireError::new(0));
    let s = pool.stats();
    assert_eq!((s.capacity, s.available), (0, 0));
}

#[test]
fn errors_display_in_lowercase_with_context() {
    let errors: [bufpress::Error; 5] = [
        AcquireError::new(4).into(),
        CapacityError::new(9, 8).into(),
        ClassError::TooLarge {
            requested: 10,
            largest: 5,
        }
        .into(),
        RawError::NotRaw { index: 3 }.into(),
        RegionError::TooSmall {
            needed: 10,
            available: 2,
        }
        .into(),
    ];
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "pool exhausted: all 4 buffers are in use",
            "buffer too small: 9 bytes needed, capacity is 8",
            "no size class holds 10 bytes (largest is 5)",
            "invalid raw handle: slot 3 is not held by this handle",
            "region too small: 10 bytes needed, 2 available",
        ]
    );
    for e in &errors {
        assert!(core::error::Error::source(e).is_some());
    }
}

#[test]
fn guards_and_pools_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Pool<1, 1>>();
    send_sync::<Pool<1, 1, Align16, true>>();
    send_sync::<RegionPool<'static, 1>>();
    send_sync::<bufpress::pool::Buf<'static>>();
    send_sync::<bufpress::pool::PoolRef<'static>>();
    send_sync::<ValuePool<Vec<u8>, 1>>();
    send_sync::<bufpress::pool::Value<'static, Vec<u8>>>();
}

/// Found by the `pool` fuzz target: a raw handle turned back into a guard and made
/// again with no acquire or release in between got the same key, so the stale first
/// handle (with its own length) was accepted in place of the second. Each handle now
/// gets a new key.
#[test]
fn a_stale_raw_handle_of_a_re_raised_slot_is_refused() {
    let pool = Pool::<2, 64>::new();
    let mut buf = pool.try_acquire().unwrap();
    buf.extend_from_slice(&[7; 40]).unwrap();
    let first = buf.into_raw();
    let mut buf = pool.try_from_raw(first).unwrap();
    buf.truncate(3);
    let second = buf.into_raw();
    assert_ne!(first.to_bits(), second.to_bits());
    assert!(
        pool.try_from_raw(first).is_err(),
        "the stale handle is refused"
    );
    let buf = pool.try_from_raw(second).unwrap();
    assert_eq!(buf.len(), 3);
    drop(buf);
    assert_eq!(pool.stats().available, 2);
}

/// `RegionPool` has every operation `Pool` has (they are forwarded by one macro).
#[test]
fn region_pool_has_the_bounded_wait_and_stats_reset() {
    use bufpress::pool::RegionPool;
    let mut mem = [0u8; 64];
    let pool = RegionPool::<2>::new(&mut mem, 16, 4).unwrap();
    let a = pool.acquire_spinning(0).unwrap();
    let b = pool.acquire_spinning(3).unwrap();
    assert!(pool.acquire_spinning(3).is_err());
    assert_eq!(pool.stats().failed_acquires, 1);
    pool.reset_stats();
    assert_eq!(
        (pool.stats().failed_acquires, pool.stats().high_water),
        (0, 2)
    );
    drop((a, b));
}
