//! 2 to 8 threads sharing one buffer pool and one pool of zstd contexts (fewer
//! contexts than threads), with checked round trips, one-shot and streaming: 0
//! allocations (libzstd's contexts are static) and every buffer and context back.

use std::io::{Read, Write};
use std::sync::Barrier;

use bufpress::pool::{Pool, ValuePool};
use bufpress_std::zstd::{Compressor, Decompressor, Params, Reader, Writer};
use bufpress_tests::corpus;
use bufpress_tests::counting::{CountingAlloc, TrackThread, measure};
use bufpress_tests::rng::Rng;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const PLANNED: usize = 16 * 1024;
static BUFS: Pool<16, { 4 * PLANNED }> = Pool::new();

#[test]
fn threads_share_one_pool_and_one_context_pool() {
    let data = corpus::mixed(1 << 20, 21);
    let params = Params::new(3, PLANNED).checksum(true);
    // 3 compressors and 2 decompressors for up to 8 threads.
    let encoders = ValuePool::new(std::array::from_fn::<_, 3, _>(|_| {
        Compressor::new(params).expect("compressor")
    }));
    let decoders = ValuePool::new([Decompressor::new(PLANNED), Decompressor::new(PLANNED)]);
    for threads in [2, 3, 4, 8] {
        let start = Barrier::new(threads + 1);
        let end = Barrier::new(threads + 1);
        let (_, counts) = std::thread::scope(|s| {
            for t in 0..threads {
                let (data, encoders, decoders) = (&data, &encoders, &decoders);
                let (start, end) = (&start, &end);
                s.spawn(move || {
                    let mut sink = vec![0u8; 4 * PLANNED];
                    start.wait();
                    {
                        let _track = TrackThread::start();
                        work(t, data, encoders, decoders, &mut sink);
                    }
                    end.wait();
                });
            }
            measure(|| {
                start.wait();
                end.wait();
            })
        });
        println!("{threads} threads: {counts:?}");
        assert!(counts.is_zero(), "{threads} threads: {counts:?}");
        let (b, e, d) = (BUFS.stats(), encoders.stats(), decoders.stats());
        assert_eq!(
            (b.available, b.in_use),
            (16, 0),
            "{threads} threads: buffers"
        );
        assert_eq!((e.available, e.in_use), (3, 0), "contexts");
        assert_eq!((d.available, d.in_use), (2, 0), "contexts");
    }
}

fn work(
    t: usize,
    data: &[u8],
    encoders: &ValuePool<Compressor, 3>,
    decoders: &ValuePool<Decompressor, 2>,
    sink: &mut [u8],
) {
    let mut rng = Rng::new(t as u64 + 1);
    for i in 0..300 {
        let n = if i % 50 == 49 {
            3 * PLANNED
        } else {
            rng.below(PLANNED)
        };
        let at = rng.below(data.len() - n);
        let msg = &data[at..at + n];
        let mut frame = BUFS.acquire();
        if i % 3 == 0 {
            // Streaming: a Writer holding a pooled context and a pooled buffer.
            let stage = BUFS.acquire();
            let mut w = Writer::new(&mut *sink, encoders.acquire(), stage);
            w.write_all(msg).expect("write");
            let rest = w.finish().expect("finish").len();
            let len = sink.len() - rest;
            frame.extend_from_slice(&sink[..len]).expect("fits");
        } else {
            encoders
                .acquire()
                .compress_into(msg, &mut frame)
                .expect("compress");
        }
        if i % 2 == 0 {
            let mut back = BUFS.acquire();
            decoders
                .acquire()
                .decompress_into(&frame, &mut back)
                .expect("decompress");
            assert!(back[..] == msg[..], "thread {t}, message {i}");
        } else {
            let mut r = Reader::new(&frame[..], decoders.acquire());
            let mut got = 0;
            loop {
                let k = r.read(&mut sink[got..]).expect("read");
                if k == 0 {
                    break;
                }
                got += k;
            }
            assert!(sink[..got] == msg[..], "thread {t}, message {i} (reader)");
        }
    }
}

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

/// Not a pass/fail test: prints wall time and CPU time per message for 1 and 2
/// threads on one shared pool (4 KiB messages, level 3, compress + decompress). On a
/// machine whose cores are busy with other work, wall-time scaling says little; equal
/// CPU time per message with 2 threads shows the shared pools add no contention.
///
/// `cargo test --release -p bufpress-tests --test std_zstd_threads -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, run by hand in release"]
fn scaling_wall_and_cpu_time() {
    static SCALE: Pool<8, { 80 * 1024 }> = Pool::new();
    let data = corpus::mixed(4096, 0x7EAD);
    let params = Params::new(3, 64 * 1024);
    let encoders = ValuePool::new([
        Compressor::new(params).expect("ctx"),
        Compressor::new(params).expect("ctx"),
    ]);
    let decoders = ValuePool::new([Decompressor::new(64 * 1024), Decompressor::new(64 * 1024)]);
    const PER_THREAD: usize = 40_000;
    for threads in [1usize, 2, 1, 2] {
        let started = std::time::Instant::now();
        let cpu: u64 = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let before = cpu_ticks();
                        for _ in 0..PER_THREAD {
                            let mut frame = SCALE.acquire();
                            encoders
                                .acquire()
                                .compress_into(&data, &mut frame)
                                .expect("c");
                            let mut out = SCALE.acquire();
                            decoders
                                .acquire()
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
