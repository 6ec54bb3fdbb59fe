//! loom model checks of raw handles moving between threads the way users move them:
//! through a `Relaxed` atomic (a word in a DMA descriptor or an interrupt queue, which
//! orders nothing) and through a channel.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p bufpress --test loom_raw --release
//! ```
//!
//! The buffer's bytes are plain memory, which loom does not track; each slot has a
//! loom `UnsafeCell` beside it that the holders write and read exactly where they
//! touch the buffer. loom reports a causality violation when a new holder's access is
//! not ordered after the previous holder's: the data race of issue 11, hole 2 (the
//! handle was published with a `Relaxed` store, so nothing paired with the claim's
//! `Acquire`).
#![cfg(loom)]

use bufpress::pool::{Pool, RawBuf};
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicU64, Ordering};
use loom::thread;

type Two = Pool<2, 4>;

/// The pool and a loom cell standing for each slot's bytes.
struct Shared {
    pool: Two,
    bytes: [UnsafeCell<u8>; 2],
}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            pool: Two::new(),
            bytes: [UnsafeCell::new(0), UnsafeCell::new(0)],
        })
    }

    /// Fills a fresh buffer with `byte` and gives it up as a raw handle.
    fn send(&self, byte: u8) -> RawBuf {
        let mut buf = self.pool.try_acquire().unwrap();
        buf.push(byte).unwrap();
        // SAFETY (of the model): the holder of the slot is the only one to touch it.
        self.bytes[buf.index()].with_mut(|b| unsafe { *b = byte });
        buf.into_raw()
    }

    /// Turns the handle back and checks the bytes the sender wrote.
    fn receive(&self, raw: RawBuf, byte: u8) {
        let buf = self.pool.try_from_raw(raw).unwrap();
        // SAFETY (of the model): as in `send`; loom checks the claim.
        let seen = self.bytes[buf.index()].with(|b| unsafe { *b });
        assert_eq!((seen, &buf[..]), (byte, &[byte][..]));
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// The handle's bits through a `Relaxed` atomic: the pool alone must order the
/// receiver's reads after the sender's writes.
#[test]
fn raw_handle_through_a_relaxed_atomic() {
    model(|| {
        let shared = Shared::new();
        let mailbox = Arc::new(AtomicU64::new(0));
        let sender = {
            let (shared, mailbox) = (shared.clone(), mailbox.clone());
            thread::spawn(move || {
                let raw = shared.send(7);
                mailbox.store(raw.to_bits(), Ordering::Relaxed);
            })
        };
        let bits = loop {
            match mailbox.load(Ordering::Relaxed) {
                0 => thread::yield_now(),
                bits => break bits,
            }
        };
        shared.receive(RawBuf::from_bits(bits), 7);
        sender.join().unwrap();
        let s = shared.pool.stats();
        assert_eq!((s.available, s.in_use), (2, 0));
    });
}

/// Handles both ways through channels, while the other thread also acquires and
/// releases: every buffer has one owner at a time and comes back.
#[test]
fn raw_handles_through_channels() {
    model(|| {
        let shared = Shared::new();
        let (to_main, from_worker) = loom::sync::mpsc::channel();
        let (to_worker, from_main) = loom::sync::mpsc::channel();
        let worker = {
            let shared = shared.clone();
            thread::spawn(move || {
                to_main.send(shared.send(1)).unwrap();
                let raw: RawBuf = from_main.recv().unwrap();
                shared.receive(raw, 2);
            })
        };
        let raw = from_worker.recv().unwrap();
        shared.receive(raw, 1);
        to_worker.send(shared.send(2)).unwrap();
        worker.join().unwrap();
        let s = shared.pool.stats();
        assert_eq!((s.available, s.in_use), (2, 0));
    });
}
