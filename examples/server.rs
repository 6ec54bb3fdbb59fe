//! A std server's use of bufpress: worker threads compress many small messages
//! (JSON-like records), alternately with zstd (libzstd on a static context) and gzip
//! (flate2), through `bufpress-std`, into buffers of a bounded pool; a "network"
//! thread sends them and gives the buffers back. The pool is the backpressure: when 8 compressed messages
//! wait to be sent, workers wait (`acquire_timeout`) instead of piling up memory.
//! Prints the throughput and the heap allocations after warm-up: 0.
//!
//! Run: `cargo run --release -p bufpress-examples --example server`

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use bufpress::codec::deflate::Format;
use bufpress::pool::{Pool, RawBuf, RawQueue};
use bufpress_std::acquire_timeout;
use bufpress_std::{flate, zstd};
use bufpress_support::counting::{self, CountingAlloc};

/// Compressed messages in flight: at most 8 (the backpressure).
static OUT: Pool<8, 8192> = Pool::new();
/// Held by `main` during warm-up, so that each worker's first wait happens then:
/// `acquire_timeout` builds a thread's waker (one small allocation) the first time the
/// thread waits.
static WARM_UP: Pool<1, 8> = Pool::new();
/// The network thread's scratch buffer for checking messages.
static SCRATCH: Pool<1, 8192> = Pool::new();
/// Raw handles of compressed messages waiting to be sent: as many slots as buffers,
/// so a worker holding a buffer always finds a free slot.
static QUEUE: RawQueue<8> = RawQueue::new();
static WORKERS_DONE: AtomicU64 = AtomicU64::new(0);
static STOP: AtomicBool = AtomicBool::new(false);

const WORKERS: u64 = 3;
const MESSAGES: u64 = 8_000;

/// Counts heap allocations in every thread.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Writes message `i` of `worker` into `buf` (no allocation); returns its length.
fn message(buf: &mut [u8], worker: u64, i: u64) -> usize {
    let total = buf.len();
    let mut w = &mut buf[..];
    let _ = write!(w, "{{\"worker\":{worker},\"seq\":{i},\"events\":[");
    for k in 0..(8 + i % 24) {
        let _ = write!(
            w,
            "{{\"sensor\":\"temp-{}\",\"value\":{}.{},\"unit\":\"C\",\"ok\":{}}},",
            k % 6,
            18 + (i + k) % 9,
            (i * 7 + k) % 10,
            !(i + k).is_multiple_of(5)
        );
    }
    let _ = write!(w, "null]}}");
    total - w.len()
}

/// Posts a raw handle in a free queue slot.
fn post(raw: RawBuf) {
    let mut raw = raw;
    while let Err(back) = QUEUE.try_push(raw) {
        raw = back;
        thread::yield_now();
    }
}

fn worker(id: u64, start: Arc<Barrier>) -> (u64, u64, u64) {
    // Warm-up: the encoders are built once, here (flate2's compressor, ~320 KB; a
    // libzstd static context for level 3 and messages up to 4 KiB).
    let mut gzip = flate::Encoder::new(Format::Gzip, 6).expect("level 6");
    let mut zstd =
        zstd::Encoder::new(zstd::Settings::new(3, 4096).with_checksum(true)).expect("level 3");
    let mut msg = [0u8; 4096];
    // The first wait of this thread (on a pool `main` keeps empty): times out at once.
    let _ = acquire_timeout(WARM_UP.pool_ref(), Duration::ZERO);
    start.wait();
    let (mut plain, mut waits) = (0u64, 0u64);
    for i in 0..MESSAGES {
        let len = message(&mut msg, id, i);
        plain += len as u64;
        let mut out = match OUT.try_acquire() {
            Ok(buf) => buf,
            Err(_) => {
                waits += 1; // the network is behind: wait for a buffer
                acquire_timeout(OUT.pool_ref(), Duration::from_secs(5)).expect("sent in time")
            }
        };
        if i.is_multiple_of(2) {
            zstd.compress_into(&msg[..len], &mut out)
                .expect("fits 8 KiB");
        } else {
            gzip.compress_into(&msg[..len], &mut out)
                .expect("fits 8 KiB");
        }
        post(out.into_raw());
    }
    WORKERS_DONE.fetch_add(1, Ordering::AcqRel);
    (MESSAGES, plain, waits)
}

/// `printf 'hello, hello, hello' | gzip -9n`: the network thread's warm-up.
const GZIP_HELLO: [u8; 29] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7,
    0x51, 0xc8, 0x40, 0xa2, 0x00, 0x9f, 0xa1, 0xca, 0x09, 0x13, 0x00, 0x00, 0x00,
];
/// A zstd frame (`zstd -19`) of "hello zstd, hello pool, hello zstd, hello pool!".
const ZSTD_HELLO: [u8; 40] = [
    0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0xdd, 0x00, 0x00, 0x98, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20,
    0x7a, 0x73, 0x74, 0x64, 0x2c, 0x20, 0x70, 0x6f, 0x6f, 0x6c, 0x2c, 0x20, 0x21, 0x02, 0x00, 0x3b,
    0x55, 0xf9, 0x50, 0x92, 0x86, 0xba, 0x7a, 0xd8,
];

/// The "network": takes compressed messages, checks one in 15, gives buffers back.
fn network(start: Arc<Barrier>) -> (u64, u64) {
    let mut gunzip = flate::Decoder::new(Format::Gzip).with_max_output(8192);
    let mut unzstd = zstd::Decoder::new(64 * 1024);
    // Warm-up: one message of each format (inflate builds its window at first use).
    let mut check = SCRATCH.try_acquire().expect("one scratch buffer");
    gunzip
        .decompress_into(&GZIP_HELLO, &mut check)
        .expect("valid gzip");
    check.clear();
    unzstd
        .decompress_into(&ZSTD_HELLO, &mut check)
        .expect("valid zstd");
    drop(check);
    start.wait();
    let (mut sent, mut bytes) = (0u64, 0u64);
    loop {
        let mut idle = true;
        while let Some(raw) = QUEUE.try_pop() {
            idle = false;
            let buf = OUT.try_from_raw(raw).expect("valid handle");
            if sent.is_multiple_of(15) {
                let mut check = SCRATCH.try_acquire().expect("one scratch buffer");
                if buf.starts_with(&[0x1f, 0x8b]) {
                    gunzip
                        .decompress_into(&buf, &mut check)
                        .expect("valid gzip");
                } else {
                    unzstd
                        .decompress_into(&buf, &mut check)
                        .expect("valid zstd");
                }
                assert!(check.starts_with(b"{\"worker\":"));
            }
            sent += 1;
            bytes += buf.len() as u64;
        }
        if idle {
            if STOP.load(Ordering::Acquire) {
                return (sent, bytes);
            }
            thread::yield_now();
        }
    }
}

fn main() {
    let warm_up = WARM_UP.try_acquire().expect("one buffer");
    let start = Arc::new(Barrier::new(WORKERS as usize + 2));
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            let start = Arc::clone(&start);
            thread::spawn(move || worker(id, start))
        })
        .collect();
    let net = {
        let start = Arc::clone(&start);
        thread::spawn(move || network(start))
    };

    start.wait(); // every state is built: warm-up is over
    drop(warm_up);
    let allocs_before = counting::process_allocations();
    let t0 = Instant::now();
    while WORKERS_DONE.load(Ordering::Acquire) < WORKERS {
        thread::sleep(Duration::from_millis(1));
    }
    STOP.store(true, Ordering::Release);
    let (mut messages, mut plain, mut waits) = (0, 0, 0);
    for w in workers {
        let (m, p, n) = w.join().expect("worker");
        messages += m;
        plain += p;
        waits += n;
    }
    let (sent, packed) = net.join().expect("network");
    let secs = t0.elapsed().as_secs_f64();
    let allocs = counting::process_allocations() - allocs_before;

    println!(
        "{WORKERS} workers, zstd level 3 and gzip level 6 in turns: {messages} messages, {plain} bytes -> {packed} bytes ({:.1}%)",
        packed as f64 * 100.0 / plain as f64
    );
    println!(
        "throughput: {:.0} messages/s, {:.1} MB/s of uncompressed data",
        messages as f64 / secs,
        plain as f64 / 1e6 / secs
    );
    let s = OUT.stats();
    println!(
        "pool OUT: capacity {}, high-water {}, waits for a free buffer (backpressure) {waits}",
        s.capacity, s.high_water
    );
    println!("heap allocations after warm-up: {allocs}");
    assert_eq!(sent, messages, "every message was sent");
    assert_eq!(OUT.stats().available, 8, "every buffer is back");
    assert_eq!(allocs, 0, "no allocation after warm-up");
}
