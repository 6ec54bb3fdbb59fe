//! 2 to 8 threads sharing one buffer pool and one pool of zstd contexts (fewer
//! contexts than threads), with checked round trips, one-shot and streaming: 0
//! allocations (libzstd's contexts are static) and every buffer and context back.

use std::io::{Read, Write};
use std::sync::Barrier;

use bufpress::pool::{Pool, ValuePool};
use bufpress_std::zstd::{DecodeReader, Decoder, EncodeWriter, Encoder, Settings};
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
    let params = Settings::new(3, PLANNED).with_checksum(true);
    // 3 compressors and 2 decompressors for up to 8 threads.
    let encoders = ValuePool::new(std::array::from_fn::<_, 3, _>(|_| {
        Encoder::new(params).expect("compressor")
    }));
    let decoders = ValuePool::new([Decoder::new(PLANNED), Decoder::new(PLANNED)]);
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
    encoders: &ValuePool<Encoder, 3>,
    decoders: &ValuePool<Decoder, 2>,
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
        let mut frame = BUFS.acquire_blocking();
        if i % 3 == 0 {
            // Streaming: a EncodeWriter holding a pooled context and a pooled buffer.
            let stage = BUFS.acquire_blocking();
            let mut w = EncodeWriter::new(&mut *sink, encoders.acquire_blocking(), stage);
            w.write_all(msg).expect("write");
            let rest = w.finish().expect("finish").len();
            let len = sink.len() - rest;
            frame.extend_from_slice(&sink[..len]).expect("fits");
        } else {
            encoders
                .acquire_blocking()
                .compress_into(msg, &mut frame)
                .expect("compress");
        }
        if i % 2 == 0 {
            let mut back = BUFS.acquire_blocking();
            decoders
                .acquire_blocking()
                .decompress_into(&frame, &mut back)
                .expect("decompress");
            assert!(back[..] == msg[..], "thread {t}, message {i}");
        } else {
            let mut r = DecodeReader::new(&frame[..], decoders.acquire_blocking());
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
