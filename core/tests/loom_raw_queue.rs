//! loom model checks of `RawQueue`, the ring of raw handles for interrupt-to-task
//! hand-off: every interleaving (up to a preemption bound) of pushes and pops on
//! several threads. Each handle carries a buffer whose bytes the producer wrote; a
//! loom `UnsafeCell` beside each slot stands for those bytes, so loom reports a
//! consumer that reads them without the queue's `Release`/`Acquire` ordering them.
//! Every handle pushed is popped exactly once, and every buffer comes back.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p bufpress --test loom_raw_queue --release
//! ```
#![cfg(loom)]

use bufpress::pool::{Pool, RawBuf, RawQueue};
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

struct Shared {
    pool: Pool<3, 4>,
    bytes: [UnsafeCell<u8>; 3],
    queue: RawQueue<2>,
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Fills a buffer with `byte` and posts it; gives the buffer back if the queue is full.
fn produce(s: &Shared, byte: u8) -> bool {
    let mut buf = s.pool.try_acquire().unwrap();
    buf.push(byte).unwrap();
    // SAFETY (of the model): only the holder of the slot touches its cell.
    s.bytes[buf.index()].with_mut(|b| unsafe { *b = byte });
    match s.queue.try_push(buf.into_raw()) {
        Ok(()) => true,
        Err(raw) => {
            drop(s.pool.try_from_raw(raw).unwrap());
            false
        }
    }
}

/// Takes a handle, checks its bytes, gives the buffer back.
fn consume(s: &Shared, raw: RawBuf) -> u8 {
    let buf = s.pool.try_from_raw(raw).unwrap();
    // SAFETY (of the model): as in `produce`; loom checks the hand-over.
    let seen = s.bytes[buf.index()].with(|b| unsafe { *b });
    assert_eq!(seen, buf[0], "the consumer sees the producer's bytes");
    seen
}

/// Two producers (an interrupt handler and a task, say) and one consumer.
#[test]
fn two_producers_one_consumer() {
    model(|| {
        let s = Arc::new(Shared {
            pool: Pool::new(),
            bytes: [UnsafeCell::new(0), UnsafeCell::new(0), UnsafeCell::new(0)],
            queue: RawQueue::new(),
        });
        let producers: Vec<_> = [1u8, 2]
            .into_iter()
            .map(|byte| {
                let s = s.clone();
                thread::spawn(move || produce(&s, byte))
            })
            .collect();
        let mut got = Vec::new();
        // Pop while the producers run, then what is left.
        if let Some(raw) = s.queue.try_pop() {
            got.push(consume(&s, raw));
        }
        let pushed: Vec<bool> = producers.into_iter().map(|p| p.join().unwrap()).collect();
        while let Some(raw) = s.queue.try_pop() {
            got.push(consume(&s, raw));
        }
        got.sort_unstable();
        let want: Vec<u8> = [1u8, 2]
            .into_iter()
            .zip(&pushed)
            .filter(|&(_, &p)| p)
            .map(|(b, _)| b)
            .collect();
        assert_eq!(got, want, "every pushed handle popped exactly once");
        let st = s.pool.stats();
        assert_eq!((st.available, st.in_use), (3, 0), "every buffer came back");
    });
}

/// Two consumers race for the handles of one producer.
#[test]
fn one_producer_two_consumers() {
    model(|| {
        let s = Arc::new(Shared {
            pool: Pool::new(),
            bytes: [UnsafeCell::new(0), UnsafeCell::new(0), UnsafeCell::new(0)],
            queue: RawQueue::new(),
        });
        let consumer = {
            let s = s.clone();
            thread::spawn(move || s.queue.try_pop().map(|raw| consume(&s, raw)))
        };
        let pushed = [produce(&s, 1), produce(&s, 2)];
        let mut got: Vec<u8> = consumer.join().unwrap().into_iter().collect();
        while let Some(raw) = s.queue.try_pop() {
            got.push(consume(&s, raw));
        }
        got.sort_unstable();
        let want: Vec<u8> = [1u8, 2]
            .into_iter()
            .zip(pushed)
            .filter(|&(_, p)| p)
            .map(|(b, _)| b)
            .collect();
        assert_eq!(got, want, "every pushed handle popped exactly once");
        let st = s.pool.stats();
        assert_eq!((st.available, st.in_use), (3, 0), "every buffer came back");
    });
}
