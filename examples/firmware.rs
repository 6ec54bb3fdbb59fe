//! Firmware-style use of bufpress: a static pool in `.bss`, a simulated interrupt
//! handler that fills buffers with sensor frames and hands them, as 8-byte raw
//! handles, to the main loop through a lock-free queue (`RawQueue`); the main loop
//! compresses each frame with lz4 into a buffer of a second pool (the "radio" queue),
//! checks it and releases both. No heap: the counting allocator below shows 0
//! allocations in the main loop. At the end it prints both pools' stats.
//!
//! Run: `cargo run --release -p bufpress-examples --example firmware`

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bufpress::codec::lz4::{self, Table};
use bufpress::pool::{Pool, RawQueue, ValuePool};
use bufpress_support::counting::{self, CountingAlloc};

/// Sensor frames: 8 buffers of 512 bytes, in `.bss`, no init call.
static FRAMES: Pool<8, 512> = Pool::new();
/// Compressed frames waiting for the radio: 8 buffers of 600 bytes (an lz4 block of
/// 512 bytes needs at most 531).
static PACKED: Pool<8, 600> = Pool::new();
/// The lz4 hash table (16 KiB), a static too.
static TABLES: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);

/// Raw handles from the "interrupt" to the main loop: `RawQueue`, lock-free and
/// interrupt-safe, all zero (in `.bss`).
static RING: RawQueue<4> = RawQueue::new();
static DONE: AtomicBool = AtomicBool::new(false);

const TICKS: u32 = 20_000;
/// The sensor's period: one frame every 20 µs.
const PERIOD: Duration = Duration::from_micros(20);
/// Samples per frame: 4 channels of 60 samples, 2 bytes each, after a 16-byte header.
const SAMPLES: usize = 240;

/// Counts heap allocations (the firmware has no heap; this proves it on the host).
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The "interrupt handler": takes a buffer (never blocks), writes a sensor frame,
/// posts the raw handle. Drops the frame when the pool or the queue is full.
fn sensor_isr(tick: u32) -> bool {
    let Ok(mut buf) = FRAMES.try_acquire() else {
        return false; // pool exhausted: an ISR never waits
    };
    let frame = &mut buf.spare_capacity_mut()[..16 + 2 * SAMPLES];
    frame[..4].copy_from_slice(b"SENS");
    frame[4..8].copy_from_slice(&tick.to_le_bytes());
    frame[8..16].fill(0);
    for (i, s) in frame[16..].chunks_exact_mut(2).enumerate() {
        // Slowly varying channels with a little noise: what sensors look like.
        let channel = (i % 4) as u32;
        let base = 1000 + channel * 250 + (tick / 64 + i as u32 / 4) % 32;
        let noise = u32::from((tick as usize + i).is_multiple_of(29));
        s.copy_from_slice(&((base + noise) as u16).to_le_bytes());
    }
    buf.commit(16 + 2 * SAMPLES).expect("496 <= 512");
    let Err(raw) = RING.try_push(buf.into_raw()) else {
        return true;
    };
    drop(FRAMES.try_from_raw(raw).expect("our own handle"));
    false
}

fn main() {
    let mut table = TABLES.try_acquire().expect("one table");
    let isr = thread::spawn(|| {
        let (mut posted, mut dropped) = (0u32, 0u32);
        for tick in 0..TICKS {
            let next = Instant::now() + PERIOD;
            while Instant::now() < next {
                std::hint::spin_loop(); // the sensor's period
            }
            if sensor_isr(tick) {
                posted += 1;
            } else {
                dropped += 1;
                thread::yield_now();
            }
        }
        DONE.store(true, Ordering::Release);
        (posted, dropped)
    });

    // The main loop: from here on, nothing may touch the heap.
    let allocs_before = counting::process_allocations();
    let (mut frames, mut raw_bytes, mut packed_bytes) = (0u32, 0usize, 0usize);
    loop {
        let done = DONE.load(Ordering::Acquire);
        let mut idle = true;
        while let Some(raw) = RING.try_pop() {
            idle = false;
            let frame = FRAMES
                .try_from_raw(raw)
                .expect("a handle from the ring is valid");
            let mut packed = PACKED.try_acquire().expect("the radio keeps up");
            lz4::compress_into(&frame, &mut packed, &mut table).expect("fits 600 bytes");
            // Check the block before "transmitting" it: decode into a scratch buffer.
            let mut out = FRAMES.try_acquire().expect("a scratch buffer");
            lz4::decompress_into(&packed, &mut out).expect("our own block");
            assert_eq!(&out[..], &frame[..]);
            frames += 1;
            raw_bytes += frame.len();
            packed_bytes += packed.len();
            // frame, packed and out go back to their pools here.
        }
        if done && idle {
            break;
        }
        if idle {
            thread::yield_now();
        }
    }
    let allocs = counting::process_allocations() - allocs_before;
    let (posted, dropped) = isr.join().expect("isr thread");

    println!(
        "ticks {TICKS}: frames posted {posted}, compressed {frames}, dropped at the source {dropped}"
    );
    println!(
        "lz4: {raw_bytes} bytes -> {packed_bytes} bytes ({:.1}%)",
        packed_bytes as f64 * 100.0 / raw_bytes.max(1) as f64
    );
    for (name, s) in [("FRAMES", FRAMES.stats()), ("PACKED", PACKED.stats())] {
        println!(
            "{name:7} capacity {}  available {}  in use {}  high-water {}  failed acquires {}",
            s.capacity, s.available, s.in_use, s.high_water, s.failed_acquires
        );
    }
    println!("heap allocations in the main loop: {allocs}");
    assert_eq!(posted, frames, "every posted frame was compressed");
    assert_eq!(FRAMES.stats().available, 8, "every buffer is back");
    assert_eq!(PACKED.stats().available, 8, "every buffer is back");
    assert_eq!(allocs, 0, "the main loop never touches the heap");
}
