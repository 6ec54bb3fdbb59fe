//! Regression tests for what the outside re-audit of issue 11 found, each failing on
//! the code it was found in:
//!
//! - the high-water mark could read far above the capacity (the in-use count is pops
//!   minus pushes, read at two instants);
//! - a raw handle of a dropped pool matched the first handle of a new pool at the same
//!   address every time (raw-handle keys restarted at 0);
//! - `RegionPool::with_scrub_on_release` zeroed a buffer held through a raw handle (a
//!   data race with a DMA transfer or a thread writing through `as_mut_ptr`; Miri runs
//!   this file in CI).
//!
//! ```sh
//! cargo test -p bufpress --test pool_audit --release -- --nocapture
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bufpress::pool::Pool;

/// Found (now fixed): `off_list(pops, pushes)` is evaluated modulo 2^16 with the push count read
/// *after* the pop (in `Head::pop`) or after the head (in `Head::in_use`). A thread
/// preempted between the two loads while the others make more than 2^15 round trips
/// reads a push count so far ahead that the i16 difference wraps to a large positive
/// number: the "in use" figure it feeds to `note_in_use` is garbage (up to 32,767), and
/// the high-water mark ends far above the capacity.
///
/// More threads than cores, so that some are preempted mid-pop.
#[test]
#[cfg_attr(miri, ignore = "8 threads for seconds: slow under Miri")]
fn high_water_never_exceeds_capacity_under_preemption() {
    static POOL: Pool<4, 8> = Pool::new();
    static STOP: AtomicBool = AtomicBool::new(false);
    let threads = 8;
    let limit = Duration::from_millis(if cfg!(miri) { 200 } else { 3_000 });
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(|| {
                while !STOP.load(Ordering::Relaxed) {
                    for _ in 0..1000 {
                        drop(POOL.try_acquire());
                    }
                }
            })
        })
        .collect();
    let mut worst = 0;
    while start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(5));
        let s = POOL.stats();
        worst = worst.max(s.high_water);
        if s.high_water > s.capacity {
            break;
        }
    }
    STOP.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let s = POOL.stats();
    eprintln!(
        "after {:?}: {s:?}, worst high-water seen {worst}",
        start.elapsed()
    );
    assert!(
        s.high_water <= s.capacity,
        "high-water mark {} above the capacity {}",
        s.high_water,
        s.capacity
    );
}

/// Found (now fixed): a raw handle's key is `(counter ^ address bits) & 0x7fff`, and the counter
/// starts at 0 in every new pool. A pool made again at the same address (a `Box` freed
/// and reallocated, a stack frame re-entered) hands out exactly the keys of the old one,
/// so a stale handle of the dropped pool is not refused "by chance 1 in 2^15" as the
/// docs of `RawBuf` and `mark_raw` say, but matches deterministically: it takes the
/// slot of a live handle of the new pool, whose owner is then refused.
/// (Not a double owner: the live handle loses the slot. `try_from_raw`'s docs promise
/// an error for a handle "from another pool".)
#[test]
fn a_stale_handle_of_a_dropped_pool_claims_a_live_handle_of_its_successor() {
    type P = Pool<1, 16>;
    let old = Box::new(P::new());
    let old_addr = &*old as *const P as usize;
    let mut buf = old.try_acquire().unwrap();
    buf.extend_from_slice(b"old").unwrap();
    let stale = buf.into_raw();
    drop(old); // the old pool is gone; `stale` is a handle of nothing

    let new = Box::new(P::new());
    let same_address = &*new as *const P as usize == old_addr;
    let mut buf = new.try_acquire().unwrap();
    buf.extend_from_slice(b"new!").unwrap();
    let live = buf.into_raw();
    let stolen = new.try_from_raw(stale);
    eprintln!("same address: {same_address}; stale claim: {stolen:?}");
    if same_address {
        assert!(
            stolen.is_err(),
            "a handle of a dropped pool was accepted by a new pool at the same address \
             (and the live handle {live:?} will now be refused)"
        );
    }
}

/// What the docs say (and the fuzz target checks): keys have 15 bits, so two handles
/// of one slot differ unless 2^15 handles of the pool were made in between.
#[test]
#[cfg_attr(miri, ignore = "2^15 round trips: slow under Miri")]
fn raw_keys_repeat_after_2_pow_15_handles_of_one_pool() {
    static POOL: Pool<1, 8> = Pool::new();
    let first = POOL.try_acquire().unwrap().into_raw();
    let mut buf = POOL.try_from_raw(first).unwrap();
    for _ in 0..(1u32 << 15) - 1 {
        buf = POOL.try_from_raw(buf.into_raw()).unwrap();
    }
    let again = buf.into_raw();
    assert_eq!(first, again, "keys repeat after 2^15 handles");
    // The stale `first` is indistinguishable from the live `again`.
    drop(POOL.try_from_raw(first).unwrap());
}

/// Found (now fixed): `RegionPool::scrub_on_release` writes every slot, justified by "no buffer
/// is held yet (`self` is owned here)". But a raw handle holds a buffer without
/// borrowing the pool, so the pool can be owned (and consumed) while a buffer is out:
/// the held buffer's bytes are overwritten. `Buf::as_mut_ptr` documents its pointer as
/// valid "while the buffer is held (as a guard or a RawBuf)", so a DMA transfer (or
/// another thread's write through that pointer, which is then a data race) into a
/// raw-held buffer is clobbered.
#[test]
fn scrub_on_release_overwrites_a_buffer_held_through_a_raw_handle() {
    use bufpress::pool::RegionPool;
    let mut region = [0u8; 2 * 64 + 64];
    let pool: RegionPool<'_, 2> = RegionPool::new(&mut region, 64, 64).unwrap();
    let mut buf = pool.try_acquire().unwrap();
    buf.extend_from_slice(b"frame received by DMA").unwrap();
    let raw = buf.into_raw(); // held, as a DMA descriptor would hold it
    let pool = pool.with_scrub_on_release(true); // "no buffer is held yet"
    let back = pool.try_from_raw(raw).unwrap();
    assert_eq!(
        &back[..],
        b"frame received by DMA",
        "the held buffer was zeroed under its holder"
    );
}

/// The same under Miri, as the data race it becomes for a holder that writes through
/// the pointer `as_mut_ptr` documents as valid while the buffer is held as a `RawBuf`:
/// `MIRIFLAGS=-Zmiri-many-seeds=0..8 cargo +nightly miri test -p bufpress --test audit11 scrub_race`
#[test]
fn scrub_on_release_races_a_raw_holder_writing_through_its_pointer() {
    use bufpress::pool::RegionPool;
    use std::sync::atomic::AtomicUsize;
    let mut region = [0u8; 2 * 64 + 64];
    let pool: RegionPool<'_, 2> = RegionPool::new(&mut region, 64, 64).unwrap();
    let mut buf = pool.try_acquire().unwrap();
    let ptr = buf.as_mut_ptr() as usize;
    let raw = buf.into_raw();
    let started = AtomicUsize::new(0);
    let pool = std::thread::scope(|s| {
        s.spawn(|| {
            started.store(1, Ordering::Release);
            for i in 0..64u8 {
                // SAFETY: `as_mut_ptr` is valid for 64 bytes while the buffer is held
                // (`raw` is); a `RegionPool`'s buffers live in the region, which
                // outlives this scope, so consuming the pool value moves no buffer.
                unsafe { (ptr as *mut u8).add(usize::from(i)).write_volatile(i) };
            }
        });
        while started.load(Ordering::Acquire) == 0 {
            std::hint::spin_loop();
        }
        pool.with_scrub_on_release(true) // writes the held buffer: a data race
    });
    drop(pool.try_from_raw(raw).unwrap());
}
