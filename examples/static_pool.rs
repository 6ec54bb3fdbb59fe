//! A static pool at work: an "interrupt handler" (a thread here) fills buffers with
//! sensor frames and passes them as raw handles through a lock-free queue (`RawQueue`) to the
//! main loop, which checks and releases them. At the end it prints the pool's stats.
//!
//! Run: `cargo run -p bufpress-examples --example static_pool`

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use bufpress::pool::{Pool, RawQueue, SizeClasses};

/// 8 buffers of 256 bytes, in `.bss`, no init call.
static FRAMES: Pool<8, 256> = Pool::new();
/// Larger buffers for batches, and size classes over both.
static BATCHES: Pool<2, 4096> = Pool::new();
static CLASSES: SizeClasses<'static, 2> = SizeClasses::new([FRAMES.pool_ref(), BATCHES.pool_ref()]);

/// Raw handles from the "interrupt" to the main loop: a lock-free queue, all zero
/// (in `.bss`).
static RING: RawQueue<4> = RawQueue::new();
static DONE: AtomicBool = AtomicBool::new(false);

const FRAMES_TO_SEND: u32 = 20_000;

/// The "interrupt handler": never blocks; drops a frame when the pool or ring is full.
fn sensor_isr(seq: u32) -> bool {
    let Ok(mut buf) = FRAMES.try_acquire() else {
        return false; // pool exhausted: count it, never wait in an ISR
    };
    let len = 16 + (seq % 200) as usize;
    for (i, byte) in buf.spare_capacity_mut()[..len].iter_mut().enumerate() {
        *byte = (seq as usize + i) as u8;
    }
    buf.commit(len).expect("len <= 216 < 256");
    let Err(raw) = RING.try_push(buf.into_raw()) else {
        return true;
    };
    // Queue full: take the buffer back and drop it (it returns to the pool).
    drop(FRAMES.try_from_raw(raw).expect("our own handle"));
    false
}

fn main() {
    let producer = thread::spawn(|| {
        let mut sent = 0u32;
        let mut dropped = 0u32;
        for seq in 0..FRAMES_TO_SEND {
            if sensor_isr(seq) {
                sent += 1;
            } else {
                dropped += 1;
                thread::yield_now();
            }
        }
        DONE.store(true, Ordering::Release);
        (sent, dropped)
    });

    let mut received = 0u32;
    let mut bytes = 0usize;
    let mut batch = CLASSES.try_acquire(4000).expect("a batch buffer is free");
    loop {
        let done = DONE.load(Ordering::Acquire);
        let mut idle = true;
        while let Some(raw) = RING.try_pop() {
            idle = false;
            let frame = FRAMES
                .try_from_raw(raw)
                .expect("a handle from the ring is valid");
            let first = frame[0];
            assert!(
                frame
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| b == first.wrapping_add(i as u8))
            );
            received += 1;
            bytes += frame.len();
            // Keep the first bytes of each frame in a batch buffer; flush when full.
            if batch.extend_from_slice(&frame[..4]).is_err() {
                batch.clear();
            }
        }
        if done && idle {
            break;
        }
        if idle {
            thread::yield_now();
        }
    }
    drop(batch);
    let (sent, dropped) = producer.join().expect("producer thread");

    println!("frames sent {sent}, received {received}, dropped at the source {dropped}");
    println!("payload bytes received: {bytes}");
    for (name, stats) in [("FRAMES", FRAMES.stats()), ("BATCHES", BATCHES.stats())] {
        println!(
            "{name:8} capacity {:2}  available {:2}  in use {}  high-water {:2}  failed acquires {}",
            stats.capacity, stats.available, stats.in_use, stats.high_water, stats.failed_acquires
        );
    }
    assert_eq!(sent, received, "every frame sent was received");
    assert_eq!(FRAMES.stats().available, 8, "every buffer is back");
    println!(
        "pool RAM beyond the buffers: {} bytes for 8 x 256",
        size_of_val(&FRAMES) - 8 * 256
    );
}
