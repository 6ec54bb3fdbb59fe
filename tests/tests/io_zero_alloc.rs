//! The `embedded-io` adapters allocate nothing: `io::EncodeWriter` and
//! `io::DecodeReader` (blocking) and `io::asynch::EncodeWriter` /
//! `io::asynch::DecodeReader` (async), with lz4 states from a `ValuePool` and staging
//! buffers from a pool, over messages of 0 B to 64 KiB of every corpus kind, written
//! in pieces of 1 B to 4 KiB (`write`, `write_all`, `flush`, `write!`) into a pool
//! buffer as the sink (a `Buf` is an `embedded_io::Write`), then read back in pieces
//! through a `Cursor` and checked: 0 allocations, 0 reallocations, 0 deallocations
//! after one warm-up message, counted by the counting global allocator.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder};
use bufpress::io::{Cursor, DecodeReader, EncodeWriter, asynch};
use bufpress::pool::{Buf, Pool, ValuePool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static ENCODERS: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
/// Staging buffers.
static STAGING: Pool<2, 1024> = Pool::new();
/// The sink of the compressed stream, and the buffer the decoded message is read into
/// (room for 64 KiB that does not compress and a block header per flush).
static SINK: Pool<2, { 96 * 1024 }> = Pool::new();

const MAX: usize = 64 * 1024;

/// Piece sizes: cycles through small and large.
const PIECES: [usize; 9] = [1, 7, 64, 333, 1000, 4096, 2, 513, 2048];

/// Compresses `msg` through the blocking writer into a pool buffer.
fn compress(msg: &[u8], turn: usize) -> Buf<'static> {
    use embedded_io::Write;
    let sink = SINK.try_acquire().unwrap();
    let encoder = ENCODERS.try_acquire().unwrap();
    let mut w = EncodeWriter::new(sink, encoder, STAGING.try_acquire().unwrap());
    let mut rest = msg;
    let mut i = turn;
    while !rest.is_empty() {
        let n = PIECES[i % PIECES.len()].min(rest.len());
        match i % 4 {
            0 => {
                let k = w.write(&rest[..n]).unwrap();
                rest = &rest[k..];
                continue;
            }
            1 => w.flush().unwrap(),
            _ => {}
        }
        w.write_all(&rest[..n]).unwrap();
        rest = &rest[n..];
        i += 1;
    }
    w.finish().unwrap()
}

/// Reads the stream in `packed` back through the blocking reader into a pool buffer.
fn decompress(packed: &Buf<'static>, turn: usize) -> Buf<'static> {
    use embedded_io::Read;
    let mut out = SINK.try_acquire().unwrap();
    let decoder = DECODERS.try_acquire().unwrap();
    let mut r = DecodeReader::new(Cursor::new(packed), decoder, STAGING.try_acquire().unwrap());
    let mut i = turn;
    loop {
        let n = PIECES[i % PIECES.len()].min(out.remaining());
        let spare = out.try_spare_capacity_mut(n).unwrap();
        let k = r.read(spare).unwrap();
        out.commit(k).unwrap();
        if k == 0 && n > 0 {
            break;
        }
        i += 1;
    }
    assert!(r.is_done());
    out
}

async fn compress_async(msg: &[u8], turn: usize) -> Buf<'static> {
    use embedded_io_async::Write;
    let sink = SINK.acquire().await;
    let encoder = ENCODERS.acquire().await;
    let mut w = asynch::EncodeWriter::new(sink, encoder, STAGING.acquire().await);
    for (i, piece) in (turn..).zip(msg.chunks(PIECES[turn % PIECES.len()])) {
        // A flush ends an lz4 block: not after pieces of a few bytes, whose blocks
        // would cost more than they hold.
        if i.is_multiple_of(3) && piece.len() >= 64 {
            w.flush().await.unwrap();
        }
        w.write_all(piece).await.unwrap();
    }
    w.finish().await.unwrap()
}

async fn decompress_async(packed: &Buf<'static>, turn: usize) -> Buf<'static> {
    use embedded_io_async::Read;
    let mut out = SINK.acquire().await;
    let decoder = DECODERS.acquire().await;
    let mut r = asynch::DecodeReader::new(Cursor::new(packed), decoder, STAGING.acquire().await);
    let mut i = turn;
    loop {
        let n = PIECES[i % PIECES.len()].min(out.remaining());
        let spare = out.try_spare_capacity_mut(n).unwrap();
        let k = r.read(spare).await.unwrap();
        out.commit(k).unwrap();
        if k == 0 && n > 0 {
            break;
        }
        i += 1;
    }
    out
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn messages() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (k, kind) in KINDS.into_iter().enumerate() {
        for (j, len) in [0, 1, 100, 1500, 4096, 20_000, MAX].into_iter().enumerate() {
            out.push(corpus::make(kind, len, (k * 10 + j) as u64));
        }
    }
    out
}

#[test]
fn blocking_and_async_adapters_allocate_nothing() {
    let msgs = messages();
    // Warm-up: one message each way (nothing is lazily built, but the rule is the
    // same as in every zero-allocation test here).
    drop(decompress(&compress(&msgs[3], 0), 0));
    let (checked, counts) = measure(|| {
        let mut checked = 0usize;
        for round in 0..3 {
            for (turn, msg) in msgs.iter().enumerate() {
                let turn = turn + round * 5;
                let packed = compress(msg, turn);
                let out = decompress(&packed, turn);
                assert!(out == msg[..], "blocking, message {turn}");
                drop((packed, out));
                let packed = block_on(compress_async(msg, turn));
                let out = block_on(decompress_async(&packed, turn));
                assert!(out == msg[..], "async, message {turn}");
                checked += 2;
            }
        }
        // `write!` into a buffer through `fmt::Write` and through `embedded_io`.
        for i in 0..1000u32 {
            let mut buf = STAGING.try_acquire().unwrap();
            core::fmt::Write::write_fmt(&mut buf, format_args!("t={i} v={}", i * 7)).unwrap();
            embedded_io::Write::write_fmt(&mut buf, format_args!(";{i:08x}")).unwrap();
            assert!(buf.len() > 10);
        }
        checked
    });
    assert_eq!(checked, 3 * 2 * msgs.len());
    assert!(counts.is_zero(), "{counts:?}");
    assert_eq!(SINK.stats().in_use + STAGING.stats().in_use, 0);
}
