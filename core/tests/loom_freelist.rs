//! loom model checks of the lock-free free list alone: every interleaving (up to a
//! preemption bound) of acquire, write, release and raw-handle round trips on 2 and 3
//! threads, including the ABA case (a thread preempted between reading the head and
//! its CAS while others pop and push the same slot back).
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p bufpress --test loom_freelist --release
//! ```
//!
//! CI runs it with `--cfg bufpress_head32`: the LL/SC pop of thumbv7em with the
//! exclusive monitor emulated (its CAS loops make the 3-thread model take minutes). The
//! ABA case with a tag that does wrap is `loom_aba.rs`:
//!
//! ```sh
//! RUSTFLAGS="--cfg loom --cfg bufpress_head32" CARGO_TARGET_DIR=target/loom32 \
//!     cargo test -p bufpress --test loom_freelist --release
//! ```
//!
//! Each holder writes its own byte into its buffer and checks it is still there before
//! releasing: a buffer handed to two owners fails the check. Every buffer must be back
//! at the end.
#![cfg(loom)]

use bufpress::pool::Pool;
use loom::sync::Arc;
use loom::thread;

type Two = Pool<2, 4>;

/// Preemption bound: 3, or 2 for the LL/SC pop with its emulated monitor, whose extra
/// CAS loops made the bound-3 run take six minutes of CI (its ABA case is
/// `loom_aba.rs`, with every pop design).
const BOUND: usize = if cfg!(bufpress_head32) { 2 } else { 3 };

fn model(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    builder.check(f);
}

/// Takes a buffer (if any), writes `id`, yields, checks it, releases.
fn hold(pool: &Two, id: u8) -> bool {
    let Ok(mut buf) = pool.try_acquire() else {
        return false;
    };
    buf.extend_from_slice(&[id; 4]).unwrap();
    thread::yield_now();
    assert_eq!(&buf[..], &[id; 4], "a buffer held by two owners");
    true
}

fn all_back(pool: &Two) {
    let s = pool.stats();
    assert_eq!((s.available, s.in_use), (2, 0), "a buffer was lost: {s:?}");
}

/// Two threads, each acquiring and releasing twice.
#[test]
fn two_threads_acquire_and_release() {
    model(BOUND, || {
        let pool = Arc::new(Two::new());
        let other = {
            let pool = pool.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    assert!(hold(&pool, 1));
                }
            })
        };
        for _ in 0..2 {
            assert!(hold(&pool, 2));
        }
        other.join().unwrap();
        all_back(&pool);
    });
}

/// Three threads on two buffers: at most two hold one at a time, none twice. This is
/// the ABA setting: one thread reads the head (slot 0, next 1), the others pop 0 and
/// 1 and push 0 back; the first thread's CAS must fail on the tag, or it would install
/// slot 1 (held) as the head.
#[test]
fn three_threads_on_two_buffers() {
    model(BOUND, || {
        let pool = Arc::new(Two::new());
        let threads: Vec<_> = (1..=2)
            .map(|id| {
                let pool = pool.clone();
                thread::spawn(move || {
                    hold(&pool, id);
                    hold(&pool, id + 10);
                })
            })
            .collect();
        hold(&pool, 3);
        for t in threads {
            t.join().unwrap();
        }
        all_back(&pool);
    });
}

/// A raw handle turned back into a guard on another thread while this one acquires
/// and releases: the handle converts exactly once, and every buffer comes back.
#[test]
fn raw_handles_across_threads() {
    model(BOUND, || {
        let pool = Arc::new(Two::new());
        let mut buf = pool.try_acquire().unwrap();
        buf.push(9).unwrap();
        let raw = buf.into_raw();
        let other = {
            let pool = pool.clone();
            thread::spawn(move || {
                let buf = pool.try_from_raw(raw).expect("a live handle converts");
                assert_eq!(&buf[..], &[9]);
                assert!(pool.try_from_raw(raw).is_err(), "converts once");
            })
        };
        hold(&pool, 4);
        other.join().unwrap();
        all_back(&pool);
    });
}
