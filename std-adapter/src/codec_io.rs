//! `io::Write` and `io::Read` over any bufpress codec, through one pool buffer.
//!
//! [`EncodeWriter`] and [`DecodeWriter`] take bytes through [`Write`] and write the
//! result to an inner writer; [`DecodeReader`] reads a compressed stream from an inner
//! [`BufRead`]. Each owns one pool buffer as its staging area, its codec (a state from
//! a [`ValuePool`](bufpress::pool::ValuePool), a `&mut`, or owned), and its inner
//! reader or writer; `reset` starts a new stream keeping all three (the inner one can
//! be swapped), so a long-lived adapter makes no allocation per message.

use std::io::{self, BufRead, Read, Write};

use bufpress::codec::{Decode, DecodeError, Encode, EncodeError, Status};
use bufpress::pool::Buf;

use crate::to_io_error;

/// Writes the staging buffer to `inner` from byte `sent` on (what earlier calls cut
/// short by an error did not write), then empties it. After an error, `sent` counts
/// what did go, so a retry never writes a byte twice.
pub(crate) fn drain_from(
    staging: &mut Buf<'_>,
    sent: &mut usize,
    inner: &mut impl Write,
) -> io::Result<()> {
    while let Some(rest) = staging.get(*sent..).filter(|r| !r.is_empty()) {
        match inner.write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => *sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    staging.clear();
    *sent = 0;
    Ok(())
}

/// The error for a decoder that said `OutputFull` having put nothing into a whole
/// empty staging buffer (it never will): the buffer is too small for it.
fn filled_nothing(staging: &Buf<'_>) -> DecodeError {
    DecodeError::OutputTooSmall {
        needed: None,
        capacity: staging.capacity(),
    }
}

/// The error of an adapter whose staging buffer holds nothing (it could never make
/// progress).
pub(crate) fn zero_capacity() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "staging buffer of capacity 0")
}

/// An [`io::Write`] that compresses what is written with any bufpress [`Encode`] and
/// writes the compressed stream to `inner`, through one pooled staging buffer.
///
/// Call [`finish`](Self::finish) (or [`try_finish`](Self::try_finish)) to end the
/// stream (dropping the writer without it leaves the stream unterminated: a reader
/// reports it truncated); [`reset`](Self::reset) starts the next one.
/// [`flush`](Write::flush) flushes the encoder ([`Encode::flush`]: an lz4 block ends,
/// deflate makes a sync flush) so a reader can decode everything written so far, and
/// passes it all on.
///
/// ```
/// use bufpress::codec::lz4::{self, BlockMode, BlockSize, FrameSettings};
/// use bufpress::pool::Pool;
/// use bufpress_std::{DecodeReader, EncodeWriter};
/// use std::io::{Read, Write};
///
/// const BLOCKS: BlockSize = BlockSize::Max64KiB;
/// const ENC: usize = lz4::encoder_memory(BLOCKS, BlockMode::Independent);
/// const DEC: usize = lz4::decoder_memory(BLOCKS, BlockMode::Independent);
/// static POOL: Pool<2, 4096> = Pool::new();
///
/// let settings = FrameSettings::new().with_block_size(BLOCKS);
/// let encoder = Box::new(lz4::Encoder::<ENC>::new().with_settings(settings));
/// let mut writer = EncodeWriter::new(Vec::new(), encoder, POOL.try_acquire()?);
/// for _ in 0..100 {
///     writer.write_all(b"the same line, again and again\n")?;
/// }
/// let compressed = writer.finish()?; // the encoder and the buffer are dropped
///
/// let decoder = Box::new(lz4::Decoder::<DEC>::new());
/// let mut reader = DecodeReader::new(&compressed[..], decoder, POOL.try_acquire()?);
/// let mut text = String::new();
/// reader.read_to_string(&mut text)?;
/// assert_eq!(text.len(), 3100);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct EncodeWriter<'p, E, W> {
    encoder: E,
    staging: Buf<'p>,
    /// Bytes of `staging` already written to `inner`.
    sent: usize,
    /// Whether the codec filled `staging`: it goes to `inner` before more is encoded
    /// (so a `write` that fails on `inner` has taken nothing of its data).
    full: bool,
    /// Whether `finish` completed (a retried `try_finish` only writes what is left).
    finished: bool,
    inner: W,
}

impl<'p, E: Encode, W: Write> EncodeWriter<'p, E, W> {
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
            inner,
        }
    }

    /// Ends the stream and returns the inner writer (the encoder and the staging
    /// buffer are dropped: back to their pools, if they came from one).
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub fn finish(mut self) -> io::Result<W> {
        self.try_finish()?;
        Ok(self.inner)
    }

    /// Ends the stream: flushes the encoder and writes everything to `inner`, then
    /// flushes `inner`. Keeps the writer, for [`reset`](Self::reset).
    ///
    /// # Errors
    ///
    /// The encoder's error (as `InvalidInput`) or the inner writer's. After the inner
    /// writer's error, calling it again goes on where it stopped (nothing is written
    /// twice); once it succeeded, calling it again does nothing more.
    pub fn try_finish(&mut self) -> io::Result<()> {
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        while !self.finished {
            if self.full {
                self.drain()?;
            }
            let p = self
                .encoder
                .finish(&mut self.staging)
                .map_err(to_io_error)?;
            match p.status {
                Status::OutputFull => self.full = true,
                Status::Done | Status::NeedInput => self.finished = true,
            }
        }
        self.drain()?;
        self.inner.flush()
    }

    /// Writes the rest of the staging buffer to `inner` and empties it.
    fn drain(&mut self) -> io::Result<()> {
        drain_from(&mut self.staging, &mut self.sent, &mut self.inner)?;
        self.full = false;
        Ok(())
    }

    /// Starts a new stream into `inner`, keeping the encoder's memory and the staging
    /// buffer; returns the previous inner writer. Anything not finished is dropped.
    pub fn reset(&mut self, inner: W) -> W {
        self.encoder.reset();
        self.staging.clear();
        self.sent = 0;
        self.full = false;
        self.finished = false;
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

    /// The inner writer, the encoder and the staging buffer, without ending the
    /// stream.
    pub fn into_parts(self) -> (W, E, Buf<'p>) {
        (self.inner, self.encoder, self.staging)
    }
}

/// After an error of the inner writer, `write` has taken nothing of its data (as
/// `io::Write` requires), and every call goes on where the failed one stopped: nothing
/// is written twice, so writing the same data again makes the stream a run without
/// the error would have made.
impl<E: Encode, W: Write> Write for EncodeWriter<'_, E, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        loop {
            if self.full {
                // Nothing of `data` is taken yet: an error here loses nothing.
                self.drain()?;
            }
            let p = self
                .encoder
                .encode(data, &mut self.staging)
                .map_err(to_io_error)?;
            if p.status == Status::OutputFull {
                self.full = true;
            }
            if p.consumed > 0 {
                return Ok(p.consumed);
            }
            if !self.full {
                // No progress and no full buffer to hand on: a codec bug, not a loop.
                return Err(io::Error::other("encoder took no input"));
            }
        }
    }

    /// Flushes the encoder ([`Encode::flush`]: what was written so far becomes
    /// decodable, where the format can flush, as flate2's and zstd's writers do), then
    /// writes everything to `inner` and flushes it.
    fn flush(&mut self) -> io::Result<()> {
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        loop {
            if self.full {
                self.drain()?;
            }
            let p = match self.encoder.flush(&mut self.staging) {
                Ok(p) => p,
                // Nothing the codec can flush: no flush in the format, or finished.
                Err(EncodeError::Unsupported | EncodeError::Finished) => break,
                Err(e) => return Err(to_io_error(e)),
            };
            if p.status != Status::OutputFull {
                break;
            }
            self.full = true;
        }
        self.drain()?;
        self.inner.flush()
    }
}

/// An [`io::Read`] that decompresses one stream read from `inner` with any bufpress
/// [`Decode`], through one pooled staging buffer.
///
/// It ends (`read` returns 0) where the stream ends, leaving whatever follows in
/// `inner`; [`reset`](Self::reset) reads the next stream. Corrupt data is an
/// `InvalidData` error, data that ends inside the stream `UnexpectedEof`. After a
/// decoding error every later `read` and `fill_buf` returns it again, without calling
/// the decoder, until [`reset`](Self::reset) or [`next_stream`](Self::next_stream); an
/// error of `inner` is not kept (the next call tries again).
#[derive(Debug)]
pub struct DecodeReader<'p, D, R> {
    decoder: D,
    staging: Buf<'p>,
    /// Bytes of `staging` already read.
    read: usize,
    done: bool,
    /// The decoding error returned, returned again until `reset` or `next_stream`.
    failed: Option<DecodeError>,
    inner: R,
}

impl<'p, D: Decode, R: BufRead> DecodeReader<'p, D, R> {
    /// A reader of the stream in `inner`, decoded with `decoder` (which it resets)
    /// through `staging`.
    pub fn new(inner: R, mut decoder: D, mut staging: Buf<'p>) -> Self {
        decoder.reset();
        staging.clear();
        Self {
            decoder,
            staging,
            read: 0,
            done: false,
            failed: None,
            inner,
        }
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
        self.failed = None;
    }

    /// Whether the stream ended.
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

    /// Keeps a decoding error (returned again until `reset`) and drops what the failed
    /// call decoded.
    fn fail(&mut self, e: DecodeError) -> io::Error {
        self.failed = Some(e);
        self.staging.clear();
        self.read = 0;
        to_io_error(e)
    }

    /// Decodes more into the (empty) staging buffer.
    fn refill(&mut self) -> io::Result<()> {
        if let Some(e) = self.failed {
            return Err(to_io_error(e));
        }
        self.staging.clear();
        self.read = 0;
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        while !self.done && self.staging.is_empty() {
            let input = self.inner.fill_buf()?;
            let len = input.len();
            let p = match self.decoder.decode(input, &mut self.staging) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            self.inner.consume(p.consumed.min(len));
            match p.status {
                Status::Done => self.done = true,
                // The input ended inside the stream. What this call gave is read first
                // (the loop ends: `staging` holds it), then the error.
                Status::NeedInput if len == 0 && p.produced > 0 => {
                    self.failed = Some(DecodeError::Truncated);
                }
                Status::NeedInput if len == 0 => return Err(self.fail(DecodeError::Truncated)),
                // The same input would be offered again, forever.
                Status::NeedInput if p.consumed < len => {
                    return Err(self.fail(DecodeError::Stalled));
                }
                // A decoder that can put nothing into a whole empty buffer never will.
                Status::OutputFull if p.consumed == 0 && p.produced == 0 => {
                    return Err(self.fail(filled_nothing(&self.staging)));
                }
                Status::NeedInput | Status::OutputFull => {}
            }
        }
        Ok(())
    }
}

impl<D: Decode, R: BufRead> Read for DecodeReader<'_, D, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let data = self.fill_buf()?;
        let n = data.len().min(out.len());
        out[..n].copy_from_slice(&data[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<D: Decode, R: BufRead> BufRead for DecodeReader<'_, D, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.read == self.staging.len() {
            self.refill()?;
        }
        Ok(self.staging.get(self.read..).unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        self.read = (self.read + n).min(self.staging.len());
    }
}

/// An [`io::Write`] that takes a compressed stream and writes it decompressed to
/// `inner`, with any bufpress [`Decode`], through one pooled staging buffer.
///
/// Bytes written after the stream ended are refused (`InvalidData`, trailing data);
/// [`finish`](Self::finish) (or [`try_finish`](Self::try_finish)) checks that the
/// stream is complete. After a decoding error (corrupt data, trailing data) every
/// later `write`, `flush` and `try_finish` returns it again, without calling the
/// decoder, until [`reset`](Self::reset). `try_finish` on a stream that has not ended
/// yet (`UnexpectedEof`) leaves the decoder sound: write the rest and call it again.
///
/// After an error of the inner writer, `write` has taken nothing of its data (as
/// `io::Write` requires) and every call goes on where the failed one stopped: writing
/// the same bytes again writes each byte of the content to `inner` once. A `write`
/// that took input returns its count even if passing the output on failed; that
/// output is kept and goes first at the next call, which reports the error if it
/// persists.
#[derive(Debug)]
pub struct DecodeWriter<'p, D, W> {
    decoder: D,
    staging: Buf<'p>,
    /// Bytes of `staging` already written to `inner`.
    sent: usize,
    done: bool,
    /// The decoding error returned, returned again until `reset`.
    failed: Option<DecodeError>,
    inner: W,
}

impl<'p, D: Decode, W: Write> DecodeWriter<'p, D, W> {
    /// A writer into `inner` that decodes with `decoder` (which it resets) through
    /// `staging`.
    pub fn new(inner: W, mut decoder: D, mut staging: Buf<'p>) -> Self {
        decoder.reset();
        staging.clear();
        Self {
            decoder,
            staging,
            sent: 0,
            done: false,
            failed: None,
            inner,
        }
    }

    /// [`try_finish`](Self::try_finish), then returns the inner writer (the decoder
    /// and the staging buffer are dropped).
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub fn finish(mut self) -> io::Result<W> {
        self.try_finish()?;
        Ok(self.inner)
    }

    /// Checks that the whole stream was written, writes out what is left and flushes
    /// `inner`. Keeps the writer, for [`reset`](Self::reset).
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` when the stream has not ended (not kept: writing the rest and
    /// calling it again finishes the stream), an earlier decoding error, or the inner
    /// writer's error (calling it again goes on where it stopped).
    pub fn try_finish(&mut self) -> io::Result<()> {
        self.check_failed()?;
        if !self.done {
            // A decoder may need calls with no input to give what it holds and see
            // the end.
            self.pump(true)?;
        }
        self.send()?;
        if !self.done {
            return Err(to_io_error(DecodeError::Truncated));
        }
        self.inner.flush()
    }

    /// Starts a new stream into `inner`; returns the previous inner writer.
    pub fn reset(&mut self, inner: W) -> W {
        self.decoder.reset();
        self.staging.clear();
        self.sent = 0;
        self.done = false;
        self.failed = None;
        core::mem::replace(&mut self.inner, inner)
    }

    /// Whether the stream ended.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably (writing to it directly corrupts the output).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, the decoder and the staging buffer.
    pub fn into_parts(self) -> (W, D, Buf<'p>) {
        (self.inner, self.decoder, self.staging)
    }

    /// Writes what `staging` holds and `inner` did not take yet.
    fn send(&mut self) -> io::Result<()> {
        drain_from(&mut self.staging, &mut self.sent, &mut self.inner)
    }

    /// Keeps a decoding error: every later call returns it, until `reset`.
    fn fail(&mut self, e: DecodeError) -> io::Error {
        self.failed = Some(e);
        to_io_error(e)
    }

    /// An earlier decoding error.
    fn check_failed(&self) -> io::Result<()> {
        match self.failed {
            Some(e) => Err(to_io_error(e)),
            None => Ok(()),
        }
    }

    /// Decodes with no input until the decoder has given all it holds, passing each
    /// full buffer on. A call with no input tells a decoder that the input has ended
    /// (a gzip stream then ends between members); `end` says whether it has (from
    /// `try_finish`), or more may be written (from `flush`: a `Done` then does not end
    /// the stream, and bytes written next go to the decoder, which decides).
    fn pump(&mut self, end: bool) -> io::Result<()> {
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        loop {
            // What an earlier (failed) call left goes first: nothing is lost.
            self.send()?;
            let p = match self.decoder.decode(&[], &mut self.staging) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            match p.status {
                // `staging` was empty: nothing put into it never changes.
                Status::OutputFull if p.produced == 0 => {
                    return Err(self.fail(filled_nothing(&self.staging)));
                }
                Status::OutputFull => {}
                Status::Done => {
                    self.done = end;
                    return Ok(());
                }
                Status::NeedInput => return Ok(()),
            }
        }
    }
}

impl<D: Decode, W: Write> Write for DecodeWriter<'_, D, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.check_failed()?;
        // Output of earlier calls first: an error here has taken nothing of `data`.
        self.send()?;
        if data.is_empty() {
            return Ok(0);
        }
        if self.done {
            return Err(self.fail(DecodeError::TrailingData));
        }
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        let mut taken = 0;
        loop {
            let rest = data.get(taken..).unwrap_or_default();
            let p = match self.decoder.decode(rest, &mut self.staging) {
                Ok(p) => p,
                Err(e) => return Err(self.fail(e)),
            };
            taken += p.consumed.min(rest.len());
            if p.status == Status::Done {
                self.done = true;
            }
            // Pass the output on; once input was taken, an error is reported by the
            // next call (the output waits in `staging`), since this one took bytes.
            if let Err(e) = self.send() {
                return if taken > 0 { Ok(taken) } else { Err(e) };
            }
            match p.status {
                // `staging` was empty: a decoder that put nothing into it and took
                // nothing never will (a codec bug or a buffer too small for it).
                Status::OutputFull if p.consumed == 0 && p.produced == 0 => {
                    return if taken > 0 {
                        Ok(taken)
                    } else {
                        Err(self.fail(filled_nothing(&self.staging)))
                    };
                }
                Status::OutputFull => {}
                Status::Done | Status::NeedInput if taken > 0 => return Ok(taken),
                Status::Done => return Err(self.fail(DecodeError::TrailingData)),
                // No progress on non-empty input: a codec bug, not a loop.
                Status::NeedInput => return Err(self.fail(DecodeError::Stalled)),
            }
        }
    }

    /// Writes out everything decoded so far (what the decoder holds too) and flushes
    /// `inner`. It does not end the stream: more may be written after it (a gzip
    /// stream may go on with another member); [`try_finish`](Self::try_finish) ends it.
    fn flush(&mut self) -> io::Result<()> {
        self.check_failed()?;
        if !self.done {
            self.pump(false)?;
        }
        self.send()?;
        self.inner.flush()
    }
}
