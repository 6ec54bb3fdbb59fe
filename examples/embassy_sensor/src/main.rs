//! An embassy-shaped sensor application: `#![no_std]`, `#![no_main]`, no allocator.
//!
//! An "interrupt handler" fills sensor frames into a static pool and posts them on a
//! `RawQueue`; an async task compresses them with lz4 through
//! `io::asynch::EncodeWriter` into an `embedded_io_async::Write` (a fake UART that
//! records what it is sent). Then the recorded stream is decoded with
//! `io::DecodeReader` and every frame checked. Exit status 0 when all is well.
//!
//! ```sh
//! cd examples/embassy_sensor && cargo run --release                                    # host
//! cd examples/embassy_sensor && cargo build --release --target thumbv7em-none-eabihf   # Cortex-M
//! ```
#![no_std]
#![no_main]

use core::fmt::{self, Write as _};
use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder};
use bufpress::io::{Cursor, DecodeReader, asynch};
use bufpress::pool::{Buf, Pool, RawQueue, ValuePool};
use embedded_io_async::{ErrorType, Write};

/// Sensor frames: 4 buffers of 256 bytes, in `.bss`.
static FRAMES: Pool<4, 256> = Pool::new();
/// Frames from the interrupt handler to the task.
static READY: RawQueue<4> = RawQueue::new();
/// The encoder's staging buffer: what the UART is handed at a time.
static STAGING: Pool<1, 128> = Pool::new();
/// What the fake UART recorded (and, for the check, one decoded frame at a time).
static RECORD: Pool<2, 32768> = Pool::new();

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static ENCODERS: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);

const FRAME_COUNT: u32 = 500;
/// A frame: "SENS", its number, 4 channels x 24 samples of 2 bytes.
const FRAME_LEN: usize = 8 + 4 * 24 * 2;

/// Writes frame `n` into `out` (what the sensor and the check agree on).
fn frame(n: u32, out: &mut [u8]) {
    out[..4].copy_from_slice(b"SENS");
    out[4..8].copy_from_slice(&n.to_le_bytes());
    for (i, s) in out[8..FRAME_LEN].chunks_exact_mut(2).enumerate() {
        let channel = (i % 4) as u32;
        let v = 1000 + channel * 250 + (n / 8 + i as u32 / 4) % 16 + u32::from(i % 23 == 0);
        s.copy_from_slice(&(v as u16).to_le_bytes());
    }
}

/// The "interrupt handler": takes a buffer (never waits), fills frame `n`, posts it.
/// Returns whether the frame was posted (false: pool or queue full, try later).
fn sensor_isr(n: u32) -> bool {
    let Ok(mut buf) = FRAMES.try_acquire() else {
        return false;
    };
    let Ok(spare) = buf.try_spare_capacity_mut(FRAME_LEN) else {
        return false;
    };
    frame(n, spare);
    if buf.commit(FRAME_LEN).is_err() {
        return false;
    }
    match READY.try_push(buf.into_raw()) {
        Ok(()) => true,
        Err(raw) => {
            drop(FRAMES.try_from_raw(raw));
            false
        }
    }
}

/// A fake UART: takes at most 16 bytes per write, returns `Pending` once before each
/// (as a transmitter busy with the previous bytes), and records what it sent.
struct FakeUart {
    sent: Buf<'static>,
}

impl ErrorType for FakeUart {
    type Error = bufpress::error::CapacityError;
}

impl Write for FakeUart {
    async fn write(&mut self, data: &[u8]) -> Result<usize, Self::Error> {
        let mut busy = true;
        poll_fn(|cx| {
            if core::mem::take(&mut busy) {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        let n = data.len().min(16);
        embedded_io::Write::write(&mut self.sent, &data[..n])
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Waits for the next frame from the interrupt handler.
async fn next_frame() -> Buf<'static> {
    poll_fn(|cx| match READY.try_pop() {
        Some(raw) => Poll::Ready(FRAMES.try_from_raw(raw).expect("a handle we posted")),
        None => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// The task: compresses `FRAME_COUNT` frames into the UART as one lz4 stream.
async fn sensor_task(uart: FakeUart) -> Result<FakeUart, &'static str> {
    let encoder = ENCODERS.acquire().await;
    let staging = STAGING.acquire().await;
    let mut writer = asynch::EncodeWriter::new(uart, encoder, staging);
    for _ in 0..FRAME_COUNT {
        let frame = next_frame().await;
        writer
            .write_all(&frame)
            .await
            .map_err(|_| "uart write failed")?;
        // `frame` is dropped here: back to the pool for the interrupt handler.
    }
    writer.finish().await.map_err(|_| "finish failed")
}

/// Runs one future to completion; while it is pending, "interrupts" happen.
fn block_on<F: Future>(f: F, mut interrupt: impl FnMut()) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        interrupt();
    }
}

/// Runs the task and checks the recorded stream; returns the exit status.
fn run(con: &mut Console) -> i32 {
    let Ok(record) = RECORD.try_acquire() else {
        return 1;
    };
    let mut next = 0u32;
    let posted = block_on(sensor_task(FakeUart { sent: record }), || {
        if next < FRAME_COUNT && sensor_isr(next) {
            next += 1;
        }
    });
    let uart = match posted {
        Ok(uart) => uart,
        Err(e) => {
            let _ = writeln!(con, "sensor: {e}");
            return 1;
        }
    };
    let raw_len = FRAME_COUNT as usize * FRAME_LEN;
    let _ = writeln!(
        con,
        "sensor: {FRAME_COUNT} frames, {raw_len} bytes -> {} bytes of lz4 over the UART",
        uart.sent.len()
    );
    match check(&uart.sent) {
        Ok(()) => {
            let _ = writeln!(con, "sensor: decoded and checked every frame");
        }
        Err(e) => {
            let _ = writeln!(con, "sensor: check failed: {e}");
            return 1;
        }
    }
    drop(uart);
    for (name, in_use) in [
        ("FRAMES", FRAMES.stats().in_use),
        ("STAGING", STAGING.stats().in_use),
        ("RECORD", RECORD.stats().in_use),
    ] {
        if in_use != 0 {
            let _ = writeln!(con, "sensor: {name} still has {in_use} buffers out");
            return 1;
        }
    }
    let _ = writeln!(
        con,
        "sensor: every buffer back; frames high-water {} of 4",
        FRAMES.stats().high_water
    );
    0
}

/// Decodes the recorded stream frame by frame and compares with what was sent.
fn check(sent: &Buf<'_>) -> Result<(), &'static str> {
    use embedded_io::Read;
    let decoder = DECODERS.try_acquire().map_err(|_| "no decoder")?;
    let staging = STAGING.try_acquire().map_err(|_| "no staging buffer")?;
    let mut reader = DecodeReader::new(Cursor::new(sent), decoder, staging);
    let mut got = [0u8; FRAME_LEN];
    let mut want = [0u8; FRAME_LEN];
    for n in 0..FRAME_COUNT {
        reader
            .read_exact(&mut got)
            .map_err(|_| "stream ended early or is corrupt")?;
        frame(n, &mut want);
        if got != want {
            return Err("a frame differs");
        }
    }
    match reader.read(&mut got) {
        Ok(0) if reader.is_done() => Ok(()),
        _ => Err("bytes after the last frame"),
    }
}

/// Text output: stdout on a Linux host, nowhere on bare metal.
struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        sys::write(s.as_bytes());
        Ok(())
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    sys::write(b"sensor: panic\n");
    sys::exit(101)
}

/// The exit status of the run (the shared entry point calls it).
fn entry() -> i32 {
    run(&mut Console)
}

#[path = "../../common/sys.rs"]
mod sys;
