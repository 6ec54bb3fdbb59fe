//! `embedded-io-async` (feature `embedded-io-async`): the lz4 round trip through
//! `io::asynch::EncodeWriter` into a sink that yields (`Pending`) before every write
//! and takes a few bytes at a time, and back through `io::asynch::DecodeReader`, with
//! the codec states and staging buffers taken by `acquire().await` (feature `async`)
//! while another task holds them. A single-future executor written here. Miri runs
//! this file.
#![cfg(all(feature = "embedded-io-async", feature = "async", feature = "lz4"))]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use bufpress::codec::DecodeError;
use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder};
use bufpress::io::{Cursor, Error, asynch};
use bufpress::pool::{Pool, ValuePool};
use embedded_io_async::{BufRead, ErrorType, Read, Write};

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
static ENCODERS: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
static POOL: Pool<2, 128> = Pool::new();

const LEN: usize = if cfg!(miri) { 2_000 } else { 100_000 };

/// Polls `f` to completion with a no-op waker (everything here makes progress when
/// polled again).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Returns `Pending` once, then `Ready`: an await point like a busy UART.
async fn yield_now() {
    let mut yielded = false;
    core::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// A UART-like sink: yields before every write, takes at most 7 bytes.
#[derive(Default)]
struct Uart {
    sent: Vec<u8>,
}

impl ErrorType for Uart {
    type Error = core::convert::Infallible;
}

impl Write for Uart {
    async fn write(&mut self, data: &[u8]) -> Result<usize, Self::Error> {
        yield_now().await;
        let n = data.len().min(7);
        self.sent.extend_from_slice(&data[..n]);
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        yield_now().await;
        Ok(())
    }
}

/// The tests share the pools and check that every buffer is back: one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b"0123456789abcdef"[(i / 5 + i / 97) % 16])
        .collect()
}

async fn compress(input: &[u8]) -> Vec<u8> {
    let encoder = ENCODERS.acquire().await;
    let staging = POOL.acquire().await;
    let mut w = asynch::EncodeWriter::new(Uart::default(), encoder, staging);
    for (i, piece) in input.chunks(1 + input.len() / 37).enumerate() {
        if i % 3 == 0 {
            let mut rest = piece;
            while !rest.is_empty() {
                let n = w.write(rest).await.unwrap();
                rest = &rest[n..];
            }
        } else {
            w.write_all(piece).await.unwrap();
        }
        if i % 5 == 0 {
            w.flush().await.unwrap();
        }
    }
    w.finish().await.unwrap().sent
}

async fn decompress(
    packed: &[u8],
) -> Result<Vec<u8>, Error<DecodeError, core::convert::Infallible>> {
    let decoder = DECODERS.acquire().await;
    let staging = POOL.acquire().await;
    let mut r = asynch::DecodeReader::new(Cursor::new(packed), decoder, staging);
    let mut out = Vec::new();
    let mut piece = [0u8; 50];
    loop {
        match r.read(&mut piece).await? {
            0 => break,
            n => out.extend_from_slice(&piece[..n]),
        }
    }
    assert!(r.is_done());
    Ok(out)
}

#[test]
fn round_trip_through_a_yielding_sink() {
    let _s = serial();
    for len in [0, 1, 300, LEN] {
        let input = data(len);
        let packed = block_on(compress(&input));
        assert_eq!(block_on(decompress(&packed)).unwrap(), input);
        assert_eq!(POOL.stats().in_use, 0);
    }
}

#[test]
fn corrupt_input_is_invalid_data_and_bufread_works() {
    let _s = serial();
    let input = data(1000);
    let packed = block_on(compress(&input));
    let e = block_on(decompress(&packed[..packed.len() - 2])).unwrap_err();
    assert_eq!(
        embedded_io_async::Error::kind(&e),
        embedded_io_async::ErrorKind::InvalidData
    );
    // BufRead: fill, consume.
    let out = block_on(async {
        let decoder = DECODERS.acquire().await;
        let mut r = asynch::DecodeReader::new(&packed[..], decoder, POOL.acquire().await);
        let mut out = Vec::new();
        loop {
            let got = r.fill_buf().await.unwrap();
            if got.is_empty() {
                break out;
            }
            let n = got.len().min(33);
            out.extend_from_slice(&got[..n]);
            r.consume(n);
        }
    });
    assert_eq!(out, input);
    assert_eq!(POOL.stats().in_use, 0);
}

#[test]
fn a_writer_waits_for_a_staging_buffer() {
    let _s = serial();
    // Both buffers are out; the task's acquire waits until they come back.
    let held = (POOL.try_acquire().unwrap(), POOL.try_acquire().unwrap());
    let input = data(500);
    let mut task = pin!(compress(&input));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(task.as_mut().poll(&mut cx).is_pending());
    drop(held);
    let packed = loop {
        if let Poll::Ready(p) = task.as_mut().poll(&mut cx) {
            break p;
        }
    };
    assert_eq!(block_on(decompress(&packed)).unwrap(), input);
    assert_eq!(POOL.stats().in_use, 0);
}
