//! The pool under random sequences of acquire, write, release, raw handle round trips
//! (valid, stale and forged), size-class selection and scrubbing. After each step: no
//! buffer is held twice, every holder's bytes are intact, the stats add up; at the end
//! every buffer is back.
#![no_main]

use bufpress::pool::{Buf, Pool, PoolRef, RawBuf, SizeClasses};
use libfuzzer_sys::fuzz_target;

static SMALL: Pool<8, 64> = Pool::new();
static LARGE: Pool<4, 512, bufpress::pool::Align64, true> = Pool::new();
static CLASSES: SizeClasses<'static, 2> = SizeClasses::new([LARGE.pool_ref(), SMALL.pool_ref()]);

enum Held {
    Guard(Buf<'static>, u8),
    Raw(RawBuf, PoolRef<'static>, u8),
}

fn check_all(held: &[Held]) {
    let mut seen = Vec::new();
    for h in held {
        if let Held::Guard(buf, tag) = h {
            assert!(buf.iter().all(|b| b == tag), "a holder's bytes changed");
            let id = (buf.capacity(), buf.index());
            assert!(!seen.contains(&id), "a buffer held twice");
            seen.push(id);
        }
    }
    for pool in [SMALL.pool_ref(), LARGE.pool_ref()] {
        let s = pool.stats();
        assert_eq!(s.available + s.in_use, s.capacity);
        let mine = held
            .iter()
            .filter(|h| match h {
                Held::Guard(b, _) => b.capacity() == pool.buf_size(),
                Held::Raw(_, p, _) => p.buf_size() == pool.buf_size(),
            })
            .count();
        assert_eq!(s.in_use, mine, "stats agree with the holders");
    }
}

fuzz_target!(|ops: &[u8]| {
    let mut held: Vec<Held> = Vec::new();
    // Stale handles with the pool they came from.
    let mut stale: Vec<(RawBuf, PoolRef<'static>)> = Vec::new();
    for (step, pair) in ops.chunks(2).enumerate() {
        let (op, arg) = (pair[0], *pair.get(1).unwrap_or(&0));
        let tag = step as u8;
        match op % 7 {
            0 | 1 => {
                let pool = if op & 8 == 0 {
                    SMALL.pool_ref()
                } else {
                    LARGE.pool_ref()
                };
                if let Ok(mut buf) = pool.try_acquire() {
                    let len = usize::from(arg) % (buf.capacity() + 1);
                    // A fresh guard shows no bytes (scrubbed or not).
                    assert!(buf.is_empty());
                    for _ in 0..len {
                        buf.push(tag).unwrap();
                    }
                    assert!(buf.push(tag).is_err() || buf.pop_tag(tag));
                    held.push(Held::Guard(buf, tag));
                }
            }
            2 => {
                if let Ok(mut buf) = CLASSES.try_acquire_or_larger(usize::from(arg) * 2) {
                    assert!(buf.capacity() >= usize::from(arg) * 2);
                    buf.extend_from_slice(&[tag; 3][..3.min(buf.capacity())])
                        .unwrap();
                    held.push(Held::Guard(buf, tag));
                }
            }
            3 if !held.is_empty() => {
                // Release: a guard by dropping it, a raw handle by turning it back.
                let i = usize::from(arg) % held.len();
                if let Held::Raw(raw, pool, _) = held.swap_remove(i) {
                    drop(pool.try_from_raw(raw).expect("a live handle converts"));
                    stale.push((raw, pool));
                }
            }
            4 if !held.is_empty() => {
                // Guard -> raw handle, or raw handle -> guard.
                let i = usize::from(arg) % held.len();
                let converted = match held.swap_remove(i) {
                    Held::Guard(buf, tag) => {
                        let pool = buf.pool_ref();
                        Held::Raw(buf.into_raw(), pool, tag)
                    }
                    Held::Raw(raw, pool, tag) => {
                        let buf = pool.try_from_raw(raw).expect("a live handle converts");
                        // The same raw handle is stale now.
                        assert!(pool.try_from_raw(raw).is_err());
                        stale.push((raw, pool));
                        Held::Guard(buf, tag)
                    }
                };
                held.push(converted);
            }
            5 => {
                // Stale handles (against their own pool) and forged ones (against
                // both) are errors, never a second owner. (A handle of one pool shown
                // to another matches a live handle there only by chance: not tested.)
                let forged = RawBuf::from_bits(u64::from(arg) * 0x9e37_79b9_7f4a_7c15);
                let tries = stale
                    .iter()
                    .copied()
                    .chain([SMALL.pool_ref(), LARGE.pool_ref()].map(|p| (forged, p)));
                for (raw, pool) in tries.collect::<Vec<_>>() {
                    {
                        if let Ok(mut buf) = pool.try_from_raw(raw) {
                            // Only possible when index and key are those of a handle
                            // live in this pool: the forged one guessed its 15-bit key
                            // (the fuzzer can search for that; a random handle has a
                            // 1 in 2^15 chance) and takes the slot *instead of* it,
                            // never besides it. The length is the forger's (within
                            // the buffer): what the slot held is now its.
                            let id = raw.to_bits() & 0xffff_ffff;
                            let live = |h: &Held| {
                                matches!(h, Held::Raw(r, p, _)
                                    if r.to_bits() & 0xffff_ffff == id
                                        && p.buf_size() == pool.buf_size())
                            };
                            assert!(
                                held.iter().any(live),
                                "a stale or forged handle became a guard"
                            );
                            held.retain(|h| !live(h));
                            buf.clear();
                            held.push(Held::Guard(buf, 0));
                            // The replaced handle is stale now.
                            assert!(pool.try_from_raw(raw).is_err());
                        }
                    }
                }
            }
            _ => {}
        }
        check_all(&held);
    }
    // Raw handles go back through their pool; guards by dropping.
    for h in held.drain(..) {
        if let Held::Raw(raw, pool, _) = h {
            drop(pool.try_from_raw(raw).expect("live"));
        }
    }
    assert_eq!(SMALL.stats().available, 8);
    assert_eq!(LARGE.stats().available, 4);
});

trait PopTag {
    fn pop_tag(&mut self, tag: u8) -> bool;
}

impl PopTag for Buf<'_> {
    /// Undoes a `push(tag)` that succeeded.
    fn pop_tag(&mut self, tag: u8) -> bool {
        let len = self.len();
        let ok = self.last() == Some(&tag);
        self.truncate(len - 1);
        ok
    }
}
