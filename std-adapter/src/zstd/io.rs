//! `io` adapters: [`EncodeWriter`] (compressing `Write`), [`DecodeReader`] (decompressing
//! `Read` over a `BufRead`) and [`DecodeWriter`] (decompressing `Write`). Each owns
//! its context (a [`Encoder`]/[`Decoder`], a `Box` of one, `&mut` one, or a
//! [`Value`](bufpress::pool::Value) from a context pool), can be `reset` and reused,
//! and allocates nothing per message.

use crate::codec_io::{drain_from, zero_capacity};
use std::io::{self, BufRead, Read, Write};
use std::ops::DerefMut;

use bufpress::codec::{DecodeError, Encode, Status};
use bufpress::pool::Buf;

use super::compress::Encoder;
use super::decompress::Decoder;
use crate::to_io_error;

/// A compressing [`Write`]: bytes written are compressed into a staging pool buffer,
/// which is written to `W` each time it fills. [`finish`](Self::finish) (or
/// [`try_finish`](Self::try_finish)) ends the frame; [`reset`](Self::reset) starts a
/// new one, on the same or another `W`, keeping the context and the buffer.
///
/// Dropping a `EncodeWriter` does not end the frame.
pub struct EncodeWriter<'p, W: Write, C: DerefMut<Target = Encoder>> {
    inner: W,
    ctx: C,
    buf: Buf<'p>,
    /// Bytes of `buf` already written to `inner`.
    sent: usize,
    /// Whether the context filled `buf`: it goes to `inner` before more is compressed
    /// (so a `write` that fails on `inner` has taken nothing of its data).
    full: bool,
    /// Whether the frame was ended (a retried `try_finish` only writes what is left).
    finished: bool,
}

impl<'p, W: Write, C: DerefMut<Target = Encoder>> EncodeWriter<'p, W, C> {
    /// A writer compressing into `inner` with `ctx`, staging output in `buf` (any
    /// size; larger means fewer writes to `inner`). Starts a new frame.
    pub fn new(inner: W, mut ctx: C, mut buf: Buf<'p>) -> Self {
        ctx.reset();
        buf.clear();
        Self {
            inner,
            ctx,
            buf,
            sent: 0,
            full: false,
            finished: false,
        }
    }

    /// Declares the size of this frame's content (before the first write): written in
    /// the header, and the window shrinks to fit it.
    ///
    /// # Errors
    ///
    /// `InvalidInput` after data was written to this frame.
    pub fn set_pledged_size(&mut self, size: Option<u64>) -> io::Result<()> {
        self.ctx.set_pledged_size(size).map_err(to_io_error)
    }

    /// Writes the rest of `buf` to `inner` and empties it; after an error, what went
    /// is remembered, so a retry writes no byte twice.
    fn drain(&mut self) -> io::Result<()> {
        drain_from(&mut self.buf, &mut self.sent, &mut self.inner)?;
        self.full = false;
        Ok(())
    }

    /// Ends the frame, writes all of it to the inner writer and flushes it. Calling it
    /// again does nothing more until [`reset`](Self::reset). After the inner writer's
    /// error, calling it again goes on where it stopped (nothing is written twice).
    ///
    /// # Errors
    ///
    /// The inner writer's error, or a compression error as `InvalidInput`.
    pub fn try_finish(&mut self) -> io::Result<()> {
        if self.buf.capacity() == 0 {
            return Err(zero_capacity());
        }
        while !self.finished {
            if self.full {
                self.drain()?;
            }
            let p = self.ctx.finish(&mut self.buf).map_err(to_io_error)?;
            if p.status == Status::Done {
                self.finished = true;
            } else {
                self.full = true;
            }
        }
        self.drain()?;
        self.inner.flush()
    }

    /// Ends the frame and returns the inner writer (the context and the buffer go
    /// back to their pools, if they came from one).
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub fn finish(mut self) -> io::Result<W> {
        self.try_finish()?;
        Ok(self.inner)
    }

    /// Abandons the current frame and starts a new one writing to `inner`; returns
    /// the previous inner writer.
    pub fn reset(&mut self, inner: W) -> W {
        self.ctx.reset();
        self.buf.clear();
        self.sent = 0;
        self.full = false;
        self.finished = false;
        core::mem::replace(&mut self.inner, inner)
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably (writing to it directly corrupts the stream).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, the context and the staging buffer, without ending the frame.
    pub fn into_parts(self) -> (W, C, Buf<'p>) {
        (self.inner, self.ctx, self.buf)
    }
}

impl<W: Write, C: DerefMut<Target = Encoder>> Write for EncodeWriter<'_, W, C> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.capacity() == 0 {
            return Err(zero_capacity());
        }
        let mut taken = 0;
        loop {
            if self.full {
                // What was taken is reported; the error comes back on the next call.
                // Nothing is taken after an error (as `io::Write` requires).
                if let Err(e) = self.drain() {
                    return if taken > 0 { Ok(taken) } else { Err(e) };
                }
            }
            let p = self
                .ctx
                .encode(&data[taken..], &mut self.buf)
                .map_err(to_io_error)?;
            taken += p.consumed;
            if p.status == Status::OutputFull {
                self.full = true;
            }
            if taken == data.len() {
                return Ok(taken);
            }
        }
    }

    /// Flushes the context (a zstd flush block: what was written so far becomes
    /// decodable), then the inner writer.
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.capacity() == 0 {
            return Err(zero_capacity());
        }
        loop {
            let p = self.ctx.flush(&mut self.buf).map_err(to_io_error)?;
            self.drain()?;
            if p.status != Status::OutputFull {
                break;
            }
        }
        self.inner.flush()
    }
}

/// A decompressing [`Read`] over a [`BufRead`]: reads every frame until the inner
/// reader ends (concatenated frames decode as one stream; skippable frames are
/// skipped). Input ending inside a frame is an `InvalidData` error
/// ([`DecodeError::Truncated`]). [`reset`](Self::reset) starts over on the same or
/// another reader, keeping the context.
///
/// For a plain `Read` (a socket, a file), [`DecodeReader::from_read`] buffers it in a pool
/// buffer ([`PoolBufReader`]); a `&[u8]` is a `BufRead` already.
pub struct DecodeReader<R: BufRead, D: DerefMut<Target = Decoder>> {
    inner: R,
    ctx: D,
    /// An error was returned: every read returns it again until `reset`.
    failed: Option<DecodeError>,
}

impl<R: BufRead, D: DerefMut<Target = Decoder>> DecodeReader<R, D> {
    /// A reader decompressing what `inner` yields, with `ctx`.
    pub fn new(inner: R, mut ctx: D) -> Self {
        bufpress::codec::Decode::reset(&mut *ctx);
        Self {
            inner,
            ctx,
            failed: None,
        }
    }

    /// Starts over reading from `inner`; returns the previous inner reader (for a
    /// [`PoolBufReader`], call its [`reset`](PoolBufReader::reset) on it first, or pass
    /// a fresh one, so no buffered input of the old stream is read).
    pub fn reset(&mut self, inner: R) -> R {
        bufpress::codec::Decode::reset(&mut *self.ctx);
        self.failed = None;
        core::mem::replace(&mut self.inner, inner)
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader and the context.
    pub fn into_parts(self) -> (R, D) {
        (self.inner, self.ctx)
    }
}

impl<'p, R: Read, D: DerefMut<Target = Decoder>> DecodeReader<PoolBufReader<'p, R>, D> {
    /// A reader decompressing what the plain reader `inner` yields, reading it in
    /// pieces of `buf`'s capacity.
    pub fn from_read(inner: R, ctx: D, buf: Buf<'p>) -> Self {
        Self::new(PoolBufReader::new(inner, buf), ctx)
    }
}

/// A [`BufRead`] over any [`Read`], buffering in a pool buffer (no allocation): what
/// `std::io::BufReader` does with a `Box<[u8]>`.
pub struct PoolBufReader<'p, R> {
    inner: R,
    buf: Buf<'p>,
    /// Bytes of `buf` already handed out by `consume`.
    pos: usize,
}

impl<'p, R: Read> PoolBufReader<'p, R> {
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

    /// The inner reader and the buffer (buffered input is dropped).
    pub fn into_parts(self) -> (R, Buf<'p>) {
        (self.inner, self.buf)
    }
}

impl<R: Read> Read for PoolBufReader<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for PoolBufReader<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            let spare = self.buf.spare_capacity_mut();
            let n = loop {
                match self.inner.read(spare) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            // `commit` cannot fail: `read` returned at most the spare capacity.
            let _ = self.buf.commit(n);
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

impl<R: BufRead, D: DerefMut<Target = Decoder>> Read for DecodeReader<R, D> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.failed {
            return Err(to_io_error(e));
        }
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let input = self.inner.fill_buf()?;
            let at_eof = input.is_empty();
            let p = match self.ctx.stream(input, out) {
                Ok(p) => p,
                Err(e) => {
                    self.failed = Some(e);
                    return Err(to_io_error(e));
                }
            };
            self.inner.consume(p.consumed);
            if p.produced > 0 {
                return Ok(p.produced);
            }
            if at_eof && p.status != Status::Done {
                if self.ctx.in_frame() {
                    self.failed = Some(DecodeError::Truncated);
                    return Err(to_io_error(DecodeError::Truncated));
                }
                return Ok(0);
            }
        }
    }
}

/// A decompressing [`Write`]: compressed bytes written to it are decoded, and the
/// content is written to `W` through a staging pool buffer. Several frames in a row
/// are fine. [`try_finish`](Self::try_finish) checks that the input ended between
/// frames; [`reset`](Self::reset) starts over, keeping the context and the buffer.
///
/// After an error of the inner writer, `write` has taken nothing of its data (as
/// `io::Write` requires) and every call goes on where the failed one stopped: writing
/// the same bytes again writes each byte of the content to `inner` once. A `write`
/// that took input returns its count even if passing the output on failed; that
/// output is kept and goes first at the next call, which reports the error if it
/// persists.
pub struct DecodeWriter<'p, W: Write, D: DerefMut<Target = Decoder>> {
    inner: W,
    ctx: D,
    buf: Buf<'p>,
    /// Bytes of `buf` already written to `inner`.
    sent: usize,
    failed: Option<DecodeError>,
}

impl<'p, W: Write, D: DerefMut<Target = Decoder>> DecodeWriter<'p, W, D> {
    /// A decoder writing the content to `inner`, with `ctx`, staging output in `buf`.
    pub fn new(inner: W, mut ctx: D, mut buf: Buf<'p>) -> Self {
        bufpress::codec::Decode::reset(&mut *ctx);
        buf.clear();
        Self {
            inner,
            ctx,
            buf,
            sent: 0,
            failed: None,
        }
    }

    /// Writes what `buf` holds and `inner` did not take yet.
    fn send(&mut self) -> io::Result<()> {
        drain_from(&mut self.buf, &mut self.sent, &mut self.inner)
    }

    fn fail(&mut self, e: DecodeError) -> io::Error {
        self.failed = Some(e);
        to_io_error(e)
    }

    /// Writes out everything decoded so far, checks that the input ended between
    /// frames and flushes `inner` (as the generic
    /// [`DecodeWriter::try_finish`](crate::DecodeWriter::try_finish) does).
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` ([`DecodeError::Truncated`]) when it ended inside a frame, an
    /// earlier decoding error, or the inner writer's error (calling it again goes on
    /// where it stopped).
    pub fn try_finish(&mut self) -> io::Result<()> {
        // Flush what libzstd still holds (its output may have filled the buffer).
        self.pump()?;
        if self.ctx.in_frame() {
            return Err(self.fail(DecodeError::Truncated));
        }
        self.inner.flush()
    }

    /// [`try_finish`](Self::try_finish), then returns the inner writer.
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub fn finish(mut self) -> io::Result<W> {
        self.try_finish()?;
        Ok(self.inner)
    }

    /// Abandons the current stream and starts over writing to `inner`; returns the
    /// previous inner writer.
    pub fn reset(&mut self, inner: W) -> W {
        bufpress::codec::Decode::reset(&mut *self.ctx);
        self.buf.clear();
        self.sent = 0;
        self.failed = None;
        core::mem::replace(&mut self.inner, inner)
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, the context and the staging buffer.
    pub fn into_parts(self) -> (W, D, Buf<'p>) {
        (self.inner, self.ctx, self.buf)
    }

    /// Fails with an earlier decoding error, or with a buffer that can hold nothing.
    fn check(&self) -> io::Result<()> {
        if let Some(e) = self.failed {
            return Err(to_io_error(e));
        }
        if self.buf.capacity() == 0 {
            return Err(zero_capacity());
        }
        Ok(())
    }

    /// Decodes with no input until libzstd has given all it holds, writing it all
    /// to `inner`.
    fn pump(&mut self) -> io::Result<()> {
        self.check()?;
        loop {
            // What an earlier (failed) call left goes first: nothing is lost.
            self.send()?;
            let p = match bufpress::codec::Decode::decode(&mut *self.ctx, &[], &mut self.buf) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            if p.status != Status::OutputFull {
                return self.send();
            }
        }
    }
}

impl<W: Write, D: DerefMut<Target = Decoder>> Write for DecodeWriter<'_, W, D> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.check()?;
        // Output of earlier calls first: an error here has taken nothing of `data`.
        self.send()?;
        let mut taken = 0;
        while taken < data.len() {
            let rest = data.get(taken..).unwrap_or_default();
            let p = match bufpress::codec::Decode::decode(&mut *self.ctx, rest, &mut self.buf) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            taken += p.consumed.min(rest.len());
            // Pass the output on; once input was taken, an error is reported by the
            // next call (the output waits in `buf`), since this one took bytes.
            if let Err(e) = self.send() {
                return if taken > 0 { Ok(taken) } else { Err(e) };
            }
            if p.status == Status::NeedInput {
                break;
            }
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pump()?;
        self.inner.flush()
    }
}
