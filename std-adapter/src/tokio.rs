//! tokio adapters (feature `tokio`): a compressing [`AsyncWrite`] ([`EncodeWriter`])
//! and a decompressing [`AsyncRead`] / [`AsyncBufRead`] ([`DecodeReader`]) over any
//! bufpress codec, each running on one pooled staging buffer and a codec state from a
//! pool, so a server with thousands of connections holds as much codec memory as its
//! pools and no more.
//!
//! They take the shapes tokio users know from async-compression: an encoder is a
//! writer (`tokio::write::*Encoder` there), a decoder reads from an [`AsyncBufRead`]
//! (`tokio::bufread::*Decoder` there), so the decoder reads the input where the
//! reader buffers it, with no second copy; [`PoolBufReader`] is that reader over a
//! plain [`AsyncRead`] (a `TcpStream`) with a pool buffer instead of `BufReader`'s
//! boxed one. They speak the dialect of the crate's `io` adapters
//! ([`crate::EncodeWriter`], [`crate::DecodeReader`]): `new(inner, codec, staging)`,
//! `finish`/`try_finish` (here `async`) and `poll_shutdown`, `reset(inner)`,
//! `get_ref`/`get_mut`, `into_parts`.
//!
//! | codec | encoder (`E`) | decoder (`D`) |
//! |---|---|---|
//! | lz4 frames | `bufpress::codec::lz4::Encoder` | `bufpress::codec::lz4::Decoder` |
//! | deflate, zlib, gzip | [`flate::Encoder`](crate::flate::Encoder) (or core's `deflate::Encoder`) | [`flate::Decoder`](crate::flate::Decoder) or core's `deflate::Decoder` |
//! | zstd | [`zstd::Encoder`](crate::zstd::Encoder) (libzstd) | [`zstd::Decoder`](crate::zstd::Decoder) (libzstd) or core's `zstd::Decoder` |
//!
//! The state can be owned, a `Box`, a `&mut`, or a [`Value`](bufpress::pool::Value)
//! from a [`ValuePool`](bufpress::pool::ValuePool).
//!
//! # Backpressure
//!
//! Take the state and the staging buffer with the pools' `acquire()` futures: when
//! every one is out, the task waits (FIFO, no allocation) until another connection
//! gives one back, instead of allocating more:
//!
//! ```
//! use bufpress::codec::lz4;
//! use bufpress::pool::{Pool, ValuePool};
//! use bufpress_std::tokio::{DecodeReader, EncodeWriter};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! const ENC: usize = lz4::encoder_memory(lz4::BlockSize::Max64KiB, lz4::BlockMode::Independent);
//! const DEC: usize = lz4::decoder_memory(lz4::BlockSize::Max64KiB, lz4::BlockMode::Independent);
//! static BUFS: Pool<4, 4096> = Pool::new();
//! static ENCODERS: ValuePool<lz4::Encoder<ENC>, 2> = ValuePool::new([const { lz4::Encoder::new() }; 2]);
//! static DECODERS: ValuePool<lz4::Decoder<DEC>, 2> = ValuePool::new([const { lz4::Decoder::new() }; 2]);
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! # rt.block_on(async {
//! // Always the state first, then the buffer: one order for every task.
//! let encoder = ENCODERS.acquire().await;
//! let mut w = EncodeWriter::new(Vec::new(), encoder, BUFS.acquire().await);
//! w.write_all(&b"a line of a log, a line of a log\n".repeat(100)).await?;
//! w.shutdown().await?; // ends the lz4 frame, then shuts the inner writer down
//! let (packed, _, _) = w.into_parts(); // the state and the buffer go back here
//!
//! let decoder = DECODERS.acquire().await;
//! let mut r = DecodeReader::new(&packed[..], decoder, BUFS.acquire().await)
//!     .with_max_output(1 << 20); // untrusted input: bound what it may decode to
//! let mut text = Vec::new();
//! r.read_to_end(&mut text).await?;
//! assert_eq!(text.len(), 3300);
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Take the pools in one order (state, then buffer) in every task: a task holding a
//! buffer while it waits for a state that another task holds while it waits for a
//! buffer would wait forever.
//!
//! # Cancellation, errors and panics
//!
//! Every byte of state lives in the adapter, never in a future: a `poll_*` call that
//! returns `Pending` has consumed nothing of the caller's data (an encoder's
//! `poll_write` may have passed earlier output on to the inner writer, which is
//! progress kept in the adapter), so dropping a `write_all`, `read` or `shutdown`
//! future (a `select!` or a timeout) leaves the adapter consistent: call again to go
//! on, or [`reset`](EncodeWriter::reset) it.
//!
//! - **Inner writer or reader error**: returned as it is. Nothing is lost: what was
//!   not written stays in the staging buffer (the encoder's output) or in the inner
//!   reader (the decoder's input), and a later call retries. To give up, `reset` the
//!   adapter or drop it.
//! - **Corrupt input**: a [`DecodeReader`] returns a typed `io::Error` (the
//!   [`DecodeError`] is its source: `InvalidData`, `UnexpectedEof` for a truncated
//!   stream, see [`to_io_error`]), never panics, and returns the
//!   same error from every later read until `reset`.
//! - **Output bound**: [`DecodeReader::set_max_output`] bounds the whole stream's
//!   output (a zip bomb stops there with [`DecodeError::LimitExceeded`]); the codecs'
//!   own `max_output` / `max_window` bound it too.
//! - **A panic** in the inner writer or reader (or anywhere in the task) unwinds
//!   through the adapter: its staging buffer and its state are guards, so they go
//!   back to their pools when the adapter is dropped, and a state taken again is
//!   `reset` by `new` (so a state left mid-stream by the panic is never reused as
//!   it is). An adapter that caught the panic (`catch_unwind`) should be `reset`.
//!
//! # Allocation
//!
//! None, after the pools and states exist: not per stream, not per call (the test
//! `tests/tests/tokio_zero_alloc.rs` counts 0 allocations, libzstd's `malloc`s
//! included, over many streams of every codec). Errors other than an exhausted pool
//! carry their source in a small box (error paths only).

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ::tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use bufpress::codec::{Decode, DecodeError, Encode, EncodeError, Progress, Status};
use bufpress::pool::Buf;

use crate::codec_io::zero_capacity;
use crate::to_io_error;

// The glue to the codec traits: the only calls of `Encode` and `Decode` in this module.

fn encode_into_staging<E: Encode>(
    encoder: &mut E,
    data: &[u8],
    staging: &mut Buf<'_>,
) -> Result<Progress, EncodeError> {
    encoder.encode(data, staging)
}

fn flush_into_staging<E: Encode>(
    encoder: &mut E,
    staging: &mut Buf<'_>,
) -> Result<Progress, EncodeError> {
    encoder.flush(staging)
}

fn finish_into_staging<E: Encode>(
    encoder: &mut E,
    staging: &mut Buf<'_>,
) -> Result<Progress, EncodeError> {
    encoder.finish(staging)
}

fn decode_into_staging<D: Decode>(
    decoder: &mut D,
    input: &[u8],
    staging: &mut Buf<'_>,
) -> Result<Progress, DecodeError> {
    decoder.decode(input, staging)
}

/// An [`AsyncWrite`] that compresses what is written with any bufpress [`Encode`] and
/// writes the compressed stream to `inner`, through one staging [`Buf`]: `inner` gets
/// whole staging buffers, plus the rest when flushed or finished.
///
/// End the stream with `shutdown()` ([`AsyncWrite::poll_shutdown`]: finishes the
/// stream, then shuts `inner` down) or [`try_finish`](Self::try_finish) (finishes and
/// flushes, `inner` stays open, for [`reset`](Self::reset) and the next stream on the
/// same connection). Dropping the writer without either leaves the stream
/// unterminated (a reader reports it truncated). `flush` flushes the encoder
/// ([`Encode::flush`]: lz4 ends its block, deflate writes a sync flush, libzstd a
/// flush block), so everything written so far reaches `inner` decodable, as the
/// blocking [`crate::EncodeWriter`]'s `flush` (and flate2's and zstd's writers) do;
/// a codec that cannot flush passes on what it has compressed.
///
/// `E` and `W` must be `Unpin` (every codec state and pool guard is; a `TcpStream`
/// is; pin anything else in a `Box`). See the [module docs](self) for an example and
/// for what cancellation, errors and panics do.
#[derive(Debug)]
pub struct EncodeWriter<'p, E, W> {
    encoder: E,
    staging: Buf<'p>,
    /// Bytes at the start of `staging` already written to `inner`.
    sent: usize,
    /// The encoder said `OutputFull`: drain before encoding more.
    full: bool,
    /// The encoder's `finish` returned `Done` (what remains is in `staging`).
    finished: bool,
    /// An encoder flush is under way (it returned `OutputFull`): it is completed
    /// before anything else is encoded.
    flushing: bool,
    /// Nothing was encoded since the encoder's last completed flush: a `flush`
    /// resumed after `Pending` does not flush the encoder again.
    flushed: bool,
    inner: W,
}

impl<'p, E: Encode, W> EncodeWriter<'p, E, W> {
    /// A writer into `inner` that encodes with `encoder` (reset first: a pooled state
    /// may come back mid-stream or finished) through `staging` (emptied first).
    pub fn new(inner: W, mut encoder: E, mut staging: Buf<'p>) -> Self {
        encoder.reset();
        staging.clear();
        Self {
            encoder,
            staging,
            sent: 0,
            full: false,
            finished: false,
            flushing: false,
            flushed: true,
            inner,
        }
    }

    /// Starts a new stream into `inner`, keeping the encoder's memory and the staging
    /// buffer; returns the previous inner writer. Anything not finished is dropped.
    pub fn reset(&mut self, inner: W) -> W {
        self.encoder.reset();
        self.staging.clear();
        self.sent = 0;
        self.full = false;
        self.finished = false;
        self.flushing = false;
        self.flushed = true;
        core::mem::replace(&mut self.inner, inner)
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer (writing to it directly corrupts the stream).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The encoder (to change its settings between streams).
    pub fn encoder_mut(&mut self) -> &mut E {
        &mut self.encoder
    }

    /// The inner writer, the encoder and the staging buffer, without ending the
    /// stream.
    pub fn into_parts(self) -> (W, E, Buf<'p>) {
        (self.inner, self.encoder, self.staging)
    }
}

impl<E: Encode + Unpin, W: AsyncWrite + Unpin> EncodeWriter<'_, E, W> {
    /// Ends the stream and returns the inner writer, flushed but not shut down (the
    /// encoder and the staging buffer are dropped: back to their pools). A dropped
    /// `finish` future drops the writer with it, and so returns them too.
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub async fn finish(mut self) -> io::Result<W> {
        self.try_finish().await?;
        Ok(self.inner)
    }

    /// Ends the stream: finishes the encoder, writes everything to `inner` and flushes
    /// it (without shutting it down). Keeps the writer, for [`reset`](Self::reset);
    /// calling it again does nothing more. Cancel-safe: a dropped call is resumed by
    /// the next one.
    ///
    /// # Errors
    ///
    /// The encoder's error (`InvalidInput`, e.g. a staging buffer of capacity 0) or
    /// the inner writer's.
    pub async fn try_finish(&mut self) -> io::Result<()> {
        poll_fn(|cx| {
            ready!(self.poll_finish(cx))?;
            Pin::new(&mut self.inner).poll_flush(cx)
        })
        .await
    }

    /// Writes the unsent part of the staging buffer to `inner`, then empties it.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.staging.len() {
            let rest = &self.staging[self.sent..];
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.staging.clear();
        self.sent = 0;
        self.full = false;
        Poll::Ready(Ok(()))
    }

    /// Flushes the encoder into the staging buffer (draining it to `inner` whenever it
    /// fills), unless nothing was encoded since the last flush or the stream is
    /// finished. Resumable: a `Pending` keeps `flushing`, and the next call goes on.
    fn poll_encoder_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.finished || (self.flushed && !self.flushing) {
            return Poll::Ready(Ok(()));
        }
        self.flushing = true;
        loop {
            if self.full {
                ready!(self.poll_drain(cx))?;
            }
            match flush_into_staging(&mut self.encoder, &mut self.staging) {
                Ok(p) if p.status == Status::OutputFull => self.full = true,
                // Done, or nothing the codec can flush (no flush in the format).
                Ok(_) | Err(EncodeError::Unsupported | EncodeError::Finished) => break,
                Err(e) => {
                    self.flushing = false;
                    return Poll::Ready(Err(to_io_error(e)));
                }
            }
        }
        self.flushing = false;
        self.flushed = true;
        Poll::Ready(Ok(()))
    }

    /// Finishes the encoder and writes all of its output to `inner`.
    fn poll_finish(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.staging.capacity() == 0 {
            return Poll::Ready(Err(zero_capacity()));
        }
        if self.flushing {
            // A flush cut short by `Pending` is completed first.
            ready!(self.poll_encoder_flush(cx))?;
        }
        while !self.finished {
            if self.full {
                ready!(self.poll_drain(cx))?;
            }
            let p =
                finish_into_staging(&mut self.encoder, &mut self.staging).map_err(to_io_error)?;
            match p.status {
                Status::OutputFull => self.full = true,
                // `finish` never needs input: one that says so has nothing left.
                Status::Done | Status::NeedInput => self.finished = true,
            }
        }
        self.poll_drain(cx)
    }
}

impl<E: Encode + Unpin, W: AsyncWrite + Unpin> AsyncWrite for EncodeWriter<'_, E, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if this.staging.capacity() == 0 {
            return Poll::Ready(Err(zero_capacity()));
        }
        if this.flushing {
            // A flush cut short by `Pending` is completed first.
            ready!(this.poll_encoder_flush(cx))?;
        }
        loop {
            if this.full {
                // Nothing of `data` is taken yet: `Pending` here loses nothing.
                ready!(this.poll_drain(cx))?;
            }
            let p = encode_into_staging(&mut this.encoder, data, &mut this.staging)
                .map_err(to_io_error)?;
            if p.status == Status::OutputFull {
                this.full = true;
            }
            if p.consumed > 0 {
                this.flushed = false;
                return Poll::Ready(Ok(p.consumed));
            }
            if p.status != Status::OutputFull {
                // No progress and no full buffer to hand on: a codec bug, not a loop.
                return Poll::Ready(Err(io::Error::other("encoder took no input")));
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.staging.capacity() == 0 {
            return Poll::Ready(Err(zero_capacity()));
        }
        ready!(this.poll_encoder_flush(cx))?;
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_finish(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// An [`AsyncRead`] (and [`AsyncBufRead`]) that decompresses one stream read from an
/// [`AsyncBufRead`] with any bufpress [`Decode`], through one staging [`Buf`].
///
/// The decoder reads the input where `inner` buffers it (a
/// [`PoolBufReader`] over a `TcpStream`, a `&[u8]`, tokio's `BufReader`). The reader
/// ends (`read` returns 0) where the stream ends, leaving whatever follows in `inner`;
/// [`next_stream`](Self::next_stream) reads the next one, [`reset`](Self::reset) a
/// new `inner`. Corrupt input is a typed `io::Error`, never a panic. After a decoding
/// error every later read returns it again, without calling the decoder, until
/// [`reset`](Self::reset) or [`next_stream`](Self::next_stream) (an error of `inner`
/// is not kept). See the [module docs](self) for an example and for cancellation,
/// errors and panics.
///
/// `D` and `R` must be `Unpin`, as for [`EncodeWriter`].
#[derive(Debug)]
pub struct DecodeReader<'p, D, R> {
    decoder: D,
    staging: Buf<'p>,
    /// Bytes of `staging` already read.
    read: usize,
    done: bool,
    /// Output of this stream so far, handed out or in `staging`.
    total: u64,
    max_output: u64,
    /// The error returned, returned again until `reset`.
    failed: Option<DecodeError>,
    inner: R,
}

impl<'p, D: Decode, R> DecodeReader<'p, D, R> {
    /// A reader of the stream in `inner`, decoded with `decoder` (which it resets)
    /// through `staging` (emptied first), with no output limit of its own (the
    /// codec's still holds: [`set_max_output`](Self::set_max_output) adds one).
    pub fn new(inner: R, mut decoder: D, mut staging: Buf<'p>) -> Self {
        decoder.reset();
        staging.clear();
        Self {
            decoder,
            staging,
            read: 0,
            done: false,
            total: 0,
            max_output: u64::MAX,
            failed: None,
            inner,
        }
    }

    /// Bounds the output of each stream: one that would decode to more than
    /// `max_output` bytes fails with [`DecodeError::LimitExceeded`] (`InvalidData`)
    /// before a byte past the limit is read.
    #[must_use]
    pub fn with_max_output(mut self, max_output: u64) -> Self {
        self.max_output = max_output;
        self
    }

    /// As [`with_max_output`](Self::with_max_output), for a reader already built (it
    /// counts from the start of the current stream).
    pub fn set_max_output(&mut self, max_output: u64) {
        self.max_output = max_output;
    }

    /// The output limit of each stream.
    pub fn max_output(&self) -> u64 {
        self.max_output
    }

    /// Starts reading a new stream from `inner`; returns the previous inner reader.
    pub fn reset(&mut self, inner: R) -> R {
        self.next_stream();
        core::mem::replace(&mut self.inner, inner)
    }

    /// Starts reading the next stream from the same inner reader (e.g. the next of
    /// several frames in a row).
    pub fn next_stream(&mut self) {
        self.decoder.reset();
        self.staging.clear();
        self.read = 0;
        self.done = false;
        self.total = 0;
        self.failed = None;
    }

    /// Whether the stream ended and every byte of it was read.
    pub fn is_done(&self) -> bool {
        self.done && self.read == self.staging.len()
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably (reading from it directly corrupts the stream).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader, the decoder and the staging buffer.
    pub fn into_parts(self) -> (R, D, Buf<'p>) {
        (self.inner, self.decoder, self.staging)
    }

    fn fail(&mut self, e: DecodeError) -> io::Error {
        self.failed = Some(e);
        self.staging.clear();
        self.read = 0;
        to_io_error(e)
    }
}

impl<D: Decode + Unpin, R: AsyncBufRead + Unpin> DecodeReader<'_, D, R> {
    /// Decodes more into the (read) staging buffer, until it holds something or the
    /// stream ended.
    fn poll_refill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.failed {
            return Poll::Ready(Err(to_io_error(e)));
        }
        self.staging.clear();
        self.read = 0;
        if self.staging.capacity() == 0 {
            return Poll::Ready(Err(zero_capacity()));
        }
        while !self.done && self.staging.is_empty() {
            // `staging` is empty: `Pending` here leaves nothing half done.
            let input = ready!(Pin::new(&mut self.inner).poll_fill_buf(cx))?;
            let len = input.len();
            let at_end = len == 0;
            let p = match decode_into_staging(&mut self.decoder, input, &mut self.staging) {
                Ok(p) => p,
                Err(e) => return Poll::Ready(Err(self.fail(e))),
            };
            Pin::new(&mut self.inner).consume(p.consumed.min(len));
            self.total = self.total.saturating_add(p.produced as u64);
            if self.total > self.max_output {
                let e = DecodeError::LimitExceeded {
                    limit: self.max_output,
                    needed: None,
                };
                return Poll::Ready(Err(self.fail(e)));
            }
            match p.status {
                Status::Done => self.done = true,
                // The input ended inside the stream. What this call gave is read first
                // (the loop ends: `staging` holds it), then the error.
                Status::NeedInput if at_end && p.produced > 0 => {
                    self.failed = Some(DecodeError::Truncated);
                }
                Status::NeedInput if at_end => {
                    return Poll::Ready(Err(self.fail(DecodeError::Truncated)));
                }
                // The same input would be offered again, forever.
                Status::NeedInput if p.consumed < len => {
                    return Poll::Ready(Err(self.fail(DecodeError::Stalled)));
                }
                // A decoder that can put nothing into a whole empty buffer never will.
                Status::OutputFull if p.consumed == 0 && p.produced == 0 => {
                    let capacity = self.staging.capacity();
                    let e = DecodeError::OutputTooSmall {
                        needed: None,
                        capacity,
                    };
                    return Poll::Ready(Err(self.fail(e)));
                }
                Status::NeedInput | Status::OutputFull => {}
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<D: Decode + Unpin, R: AsyncBufRead + Unpin> AsyncBufRead for DecodeReader<'_, D, R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.read == this.staging.len() {
            ready!(this.poll_refill(cx))?;
        }
        Poll::Ready(Ok(this.staging.get(this.read..).unwrap_or_default()))
    }

    fn consume(self: Pin<&mut Self>, n: usize) {
        let this = self.get_mut();
        this.read = this.read.saturating_add(n).min(this.staging.len());
    }
}

impl<D: Decode + Unpin, R: AsyncBufRead + Unpin> AsyncRead for DecodeReader<'_, D, R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if out.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let data = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = data.len().min(out.remaining());
        out.put_slice(&data[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

/// An [`AsyncBufRead`] over any [`AsyncRead`], buffering in a pool buffer (no
/// allocation): what tokio's `BufReader` does with a boxed buffer, for a
/// [`DecodeReader`] over a `TcpStream`.
#[derive(Debug)]
pub struct PoolBufReader<'p, R> {
    inner: R,
    buf: Buf<'p>,
    /// Bytes of `buf` already handed out by `consume`.
    pos: usize,
}

impl<'p, R> PoolBufReader<'p, R> {
    /// Buffers `inner` in `buf` (emptied first).
    pub fn new(inner: R, mut buf: Buf<'p>) -> Self {
        buf.clear();
        Self { inner, buf, pos: 0 }
    }

    /// Drops any buffered input and reads from `inner` from now on; returns the
    /// previous inner reader.
    pub fn reset(&mut self, inner: R) -> R {
        self.buf.clear();
        self.pos = 0;
        core::mem::replace(&mut self.inner, inner)
    }

    /// What is buffered and not consumed yet.
    pub fn buffer(&self) -> &[u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably (reading from it directly skips what is buffered).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader and the buffer (buffered input is dropped).
    pub fn into_parts(self) -> (R, Buf<'p>) {
        (self.inner, self.buf)
    }
}

impl<R: AsyncRead + Unpin> AsyncBufRead for PoolBufReader<'_, R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos >= this.buf.len() {
            this.buf.clear();
            this.pos = 0;
            let mut spare = ReadBuf::new(this.buf.spare_capacity_mut());
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut spare))?;
            let n = spare.filled().len();
            // `commit` cannot fail: `poll_read` filled at most the spare capacity.
            let _ = this.buf.commit(n);
        }
        Poll::Ready(Ok(this.buf.get(this.pos..).unwrap_or_default()))
    }

    fn consume(self: Pin<&mut Self>, n: usize) {
        let this = self.get_mut();
        this.pos = this.pos.saturating_add(n).min(this.buf.len());
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for PoolBufReader<'_, R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let data = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = data.len().min(out.remaining());
        out.put_slice(&data[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}
