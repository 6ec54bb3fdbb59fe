//! Ownership stress: 2 to 8 threads, at least 10^6 random operations per run (scaled
//! down under Miri), each holder writing its own pattern over its buffer and checking
//! it before release, and an owner table that catches any buffer handed out twice.
//!
//! With `--cfg bufpress_tag_bits="2"` the head's tag wraps every 4 updates, so a
//! million operations wrap it about 10^5 times: `.ci/test` runs it so on the LL/SC
//! (`--cfg bufpress_head32`) and critical-section (`--cfg bufpress_head32_cs`) pops,
//! which must not care. (On the 64-bit CAS pop a 2-bit tag may let a stale pop through:
//! that is the bound a 48-bit tag makes unreachable, not a test to pass.)

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::thread;

use bufpress::pool::{Buf, Pool, RawBuf};

const OPS: usize = if cfg!(miri) { 2_000 } else { 1_000_000 };
const BUFS: usize = 12;
const SIZE: usize = 48;

/// Small xorshift generator: no allocation, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct Shared {
    pool: Pool<BUFS, SIZE>,
    /// `owner[i]` is the id of the thread holding slot `i`, or 0.
    owner: [AtomicU32; BUFS],
    violations: AtomicU64,
    /// A raw handle parked for any thread to pick up (`u64::MAX` when empty).
    parked: AtomicU64,
}

impl Shared {
    fn take(&self, buf: &mut Buf<'_>, me: u32, stamp: u8) {
        if self.owner[buf.index()]
            .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        buf.clear();
        buf.spare_capacity_mut().fill(stamp);
        buf.commit(SIZE).unwrap();
    }

    fn give_back(&self, buf: &Buf<'_>, me: u32, stamp: u8) {
        if buf.iter().any(|&b| b != stamp) || buf.len() != SIZE {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
        if self.owner[buf.index()]
            .compare_exchange(me, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn run(threads: usize) {
    let shared = Shared {
        pool: Pool::new(),
        owner: [const { AtomicU32::new(0) }; BUFS],
        violations: AtomicU64::new(0),
        parked: AtomicU64::new(u64::MAX),
    };
    let ops_per_thread = OPS / threads;
    thread::scope(|s| {
        for t in 0..threads {
            let shared = &shared;
            s.spawn(move || {
                let me = t as u32 + 1;
                let mut rng = Rng(0x1234_5678 + t as u64);
                let mut held: Vec<(Buf<'_>, u8)> = Vec::with_capacity(4);
                for op in 0..ops_per_thread {
                    let stamp = (op as u8) ^ (me as u8).rotate_left(4);
                    match rng.below(8) {
                        0..=2 if held.len() < 4 => {
                            if let Ok(mut buf) = shared.pool.try_acquire() {
                                shared.take(&mut buf, me, stamp);
                                held.push((buf, stamp));
                            }
                        }
                        3 if held.is_empty() => {
                            // The blocking acquire, only by a thread holding nothing:
                            // then every held buffer belongs to a thread that runs on.
                            let mut buf = shared.pool.acquire_blocking();
                            shared.take(&mut buf, me, stamp);
                            held.push((buf, stamp));
                        }
                        4 if !held.is_empty() => {
                            // Park a buffer as a raw handle for any thread, or pick one up.
                            let (buf, stamp) = held.swap_remove(rng.below(held.len()));
                            shared.give_back(&buf, me, stamp);
                            let bits = buf.into_raw().to_bits();
                            let old = shared.parked.swap(bits, Ordering::AcqRel);
                            if old != u64::MAX {
                                let mut buf =
                                    shared.pool.try_from_raw(RawBuf::from_bits(old)).unwrap();
                                shared.take(&mut buf, me, stamp);
                                held.push((buf, stamp));
                            }
                        }
                        _ => {
                            if !held.is_empty() {
                                let (buf, stamp) = held.swap_remove(rng.below(held.len()));
                                shared.give_back(&buf, me, stamp);
                            }
                        }
                    }
                }
                for (buf, stamp) in held.drain(..) {
                    shared.give_back(&buf, me, stamp);
                }
            });
        }
    });
    let parked = shared.parked.load(Ordering::Acquire);
    if parked != u64::MAX {
        drop(shared.pool.try_from_raw(RawBuf::from_bits(parked)).unwrap());
    }
    assert_eq!(shared.violations.load(Ordering::Relaxed), 0);
    let stats = shared.pool.stats();
    assert_eq!(
        (stats.available, stats.in_use),
        (BUFS, 0),
        "every buffer back"
    );
    assert!(stats.high_water <= BUFS);
    // Every buffer can be taken again, each exactly once.
    let all: Vec<_> = (0..BUFS)
        .map(|_| shared.pool.try_acquire().unwrap())
        .collect();
    let mut seen: Vec<usize> = all.iter().map(Buf::index).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), BUFS);
}

#[test]
fn two_threads() {
    run(2);
}

#[test]
fn three_threads() {
    run(3);
}

#[test]
fn eight_threads() {
    run(8);
}
