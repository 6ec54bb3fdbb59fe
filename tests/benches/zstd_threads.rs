//! Thread scaling of one shared buffer pool and one pool of zstd contexts: wall time
//! and CPU time per message for 1 and 2 threads (4 KiB messages, level 3, compress +
//! decompress), twice each. A measurement, not a criterion benchmark: on a machine
//! whose cores are busy with other work, wall-time scaling says little; equal CPU time
//! per message with 2 threads shows the shared pools add no contention.
//!
//! `cargo bench -p bufpress-tests --bench zstd_threads` (results: tests/benches/STD.md)

use bufpress::pool::{Pool, ValuePool};
use bufpress_std::zstd::{Decoder, Encoder, Settings};
use bufpress_tests::corpus;

/// This thread's user + system CPU time in clock ticks (10 ms), from
/// `/proc/thread-self/stat`.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("Linux /proc");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split(' ')
        .collect();
    let field = |i: usize| fields[i].parse::<u64>().expect("a number");
    field(11) + field(12)
}

fn main() {
    static SCALE: Pool<8, { 80 * 1024 }> = Pool::new();
    let data = corpus::mixed(4096, 0x7EAD);
    let params = Settings::new(3, 64 * 1024);
    let encoders = ValuePool::new([
        Encoder::new(params).expect("ctx"),
        Encoder::new(params).expect("ctx"),
    ]);
    let decoders = ValuePool::new([Decoder::new(64 * 1024), Decoder::new(64 * 1024)]);
    const PER_THREAD: usize = 40_000;
    for threads in [1usize, 2, 1, 2] {
        let started = std::time::Instant::now();
        let cpu: u64 = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let before = cpu_ticks();
                        for _ in 0..PER_THREAD {
                            let mut frame = SCALE.acquire_blocking();
                            encoders
                                .acquire_blocking()
                                .compress_into(&data, &mut frame)
                                .expect("c");
                            let mut out = SCALE.acquire_blocking();
                            decoders
                                .acquire_blocking()
                                .decompress_into(&frame, &mut out)
                                .expect("d");
                        }
                        cpu_ticks() - before
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).sum()
        });
        let wall = started.elapsed().as_secs_f64();
        let messages = (threads * PER_THREAD) as f64;
        println!(
            "{threads} thread(s): {:.0} messages/s, wall {:.2} µs/message, CPU {:.2} µs/message",
            messages / wall,
            wall / messages * 1e6,
            cpu as f64 * 10_000.0 / messages
        );
    }
}
