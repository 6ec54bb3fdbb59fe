//! The zero-allocation proof for the pool: after the pools exist, acquire / write /
//! release, size classes, value pools, raw handles and guards moved between threads
//! make exactly 0 allocations and 0 reallocations.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

use bufpress::pool::{Align64, Buf, Pool, RawBuf, RegionPool, SizeClasses, ValuePool};
use bufpress_tests::counting::{CountingAlloc, TrackThread, measure};
use bufpress_tests::rng::Rng;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const CYCLES: usize = if cfg!(miri) { 300 } else { 100_000 };
const LARGEST: usize = 64 * 1024;

static SMALL: Pool<32, 256> = Pool::new();
static MEDIUM: Pool<16, 4096> = Pool::new();
/// The thread hand-off test's own pool (the others share `MEDIUM` through the size
/// classes, at the same time).
static HANDOFF: Pool<16, 4096> = Pool::new();
static LARGE: Pool<4, LARGEST, Align64, true> = Pool::new();
static CLASSES: SizeClasses<'static, 3> =
    SizeClasses::new([SMALL.pool_ref(), MEDIUM.pool_ref(), LARGE.pool_ref()]);
static STATES: ValuePool<[u32; 256], 4> = ValuePool::new([[0; 256]; 4]);

fn pattern(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..LARGEST).map(|_| rng.next_u64() as u8).collect()
}

#[test]
fn the_counter_sees_allocations_and_reallocations() {
    let (v, counts) = measure(|| {
        let mut v: Vec<u8> = Vec::with_capacity(8);
        v.extend_from_slice(&[1; 64]);
        v
    });
    assert_eq!(counts.allocs, 1);
    assert_eq!(counts.reallocs, 1);
    drop(v);
}

#[test]
fn varied_cycles_through_classes_values_and_raw_handles_allocate_nothing() {
    let data = pattern(1);
    let mut rng = Rng::new(7);
    // Guards held across iterations, so several buffers are out at once. The array
    // lives on the stack: no allocation.
    let mut held: [Option<Buf<'static>>; 6] = Default::default();
    let mut parked: [Option<RawBuf>; 2] = [None; 2];
    let ((), counts) = measure(|| {
        for i in 0..CYCLES {
            let len = match rng.below(4) {
                0 => rng.below(257),
                1 => rng.below(4097),
                2 => rng.below(LARGEST + 1),
                _ => 0,
            };
            let mut buf = match CLASSES.try_acquire_or_larger(len) {
                Ok(buf) => buf,
                Err(_) => {
                    // Everything that fits is out: let the held ones go and retry.
                    held = Default::default();
                    CLASSES.try_acquire_or_larger(len).expect("pools refilled")
                }
            };
            if i % 2 == 0 {
                buf.extend_from_slice(&data[..len]).unwrap();
            } else {
                buf.try_spare_capacity_mut(len)
                    .unwrap()
                    .copy_from_slice(&data[..len]);
                buf.commit(len).unwrap();
            }
            assert_eq!(&buf[..], &data[..len]);
            assert!(buf.extend_from_slice(&data[..buf.remaining() + 1]).is_err());
            match i % 9 {
                0 | 1 => held[rng.below(held.len())] = Some(buf),
                2 => {
                    let slot = &mut parked[rng.below(parked.len())];
                    if let Some(raw) = slot.take() {
                        let back = CLASSES
                            .classes()
                            .iter()
                            .find_map(|class| class.try_from_raw(raw).ok())
                            .expect("a parked handle belongs to a class");
                        assert_eq!(back.len(), raw.len());
                    }
                    *slot = Some(buf.into_raw());
                }
                _ => drop(buf),
            }
            let mut state = STATES.try_acquire().unwrap();
            state[i % 256] = i as u32;
        }
        held = Default::default();
        for raw in parked.iter_mut().filter_map(Option::take) {
            let back = CLASSES
                .classes()
                .iter()
                .find_map(|c| c.try_from_raw(raw).ok());
            assert!(back.is_some());
        }
    });
    assert_eq!(counts.allocs, 0, "{counts:?}");
    assert_eq!(counts.reallocs, 0, "{counts:?}");
    for class in CLASSES.classes() {
        assert_eq!(class.stats().available, class.capacity());
    }
    assert_eq!(STATES.stats().in_use, 0);
}

#[test]
fn region_pool_cycles_allocate_nothing() {
    let mut region = vec![0u8; 8 * 1024 + 64];
    let pool: RegionPool<'_, 8> = RegionPool::new(&mut region, 1024, 64)
        .unwrap()
        .with_scrub_on_release(true);
    let data = pattern(2);
    let mut rng = Rng::new(3);
    let ((), counts) = measure(|| {
        for _ in 0..CYCLES {
            let len = rng.below(1025);
            let mut a = pool.try_acquire().unwrap();
            let mut b = pool.try_acquire().unwrap();
            a.extend_from_slice(&data[..len]).unwrap();
            b.extend_from_slice(&data[len..2 * len]).unwrap();
            let raw = b.into_raw();
            let b = pool.try_from_raw(raw).unwrap();
            assert_eq!(&b[..], &data[len..2 * len]);
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
    assert_eq!(pool.stats().available, 8);
}

/// A one-slot mailbox that carries a guard from one thread to another.
struct Mailbox(Mutex<Option<Buf<'static>>>);

#[test]
fn guards_and_raw_handles_moved_between_threads_allocate_nothing() {
    static BOX_A: Mailbox = Mailbox(Mutex::new(None));
    static RAW: AtomicU64 = AtomicU64::new(u64::MAX);
    let data = pattern(4);
    let messages = CYCLES / 2;
    let start = Barrier::new(2);
    let received = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            let _counted = TrackThread::start();
            let mut got = 0;
            while got < messages {
                let guard = BOX_A.0.lock().unwrap().take();
                if let Some(buf) = guard {
                    assert_eq!(&buf[..], &data[..buf.len()]);
                    got += 1;
                    drop(buf); // released on this thread
                }
                let bits = RAW.swap(u64::MAX, Ordering::AcqRel);
                if bits != u64::MAX {
                    let buf = HANDOFF.try_from_raw(RawBuf::from_bits(bits)).unwrap();
                    assert_eq!(&buf[..], &data[..buf.len()]);
                    got += 1;
                }
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                thread::yield_now();
            }
            received.store(got, Ordering::Release);
        });
        let mut rng = Rng::new(5);
        let ((), counts) = measure(|| {
            start.wait();
            let mut sent = 0;
            while sent < messages {
                let len = rng.below(4097);
                let Ok(mut buf) = HANDOFF.try_acquire() else {
                    thread::yield_now();
                    continue;
                };
                buf.extend_from_slice(&data[..len]).unwrap();
                if sent % 2 == 0 {
                    let mut slot = BOX_A.0.lock().unwrap();
                    if slot.is_none() {
                        *slot = Some(buf);
                        sent += 1;
                    }
                } else if RAW.load(Ordering::Acquire) == u64::MAX {
                    RAW.store(buf.into_raw().to_bits(), Ordering::Release);
                    sent += 1;
                }
            }
            while received.load(Ordering::Acquire) == 0 {
                thread::yield_now();
            }
        });
        stop.store(true, Ordering::Relaxed);
        assert_eq!(received.load(Ordering::Acquire), messages);
        assert_eq!(counts.allocs, 0, "{counts:?}");
        assert_eq!(counts.reallocs, 0, "{counts:?}");
    });
    assert_eq!(HANDOFF.stats().available, HANDOFF.stats().capacity);
}
