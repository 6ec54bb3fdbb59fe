//! [`DecodeReader`]: decompresses from any `embedded_io::BufRead`.

use embedded_io::{BufRead, ErrorType, Read};

use super::Error;
use crate::codec::{Decode, DecodeError, Progress, Status};
use crate::pool::Buf;

/// The error of a staging buffer that cannot take a byte.
pub(super) fn zero_capacity() -> DecodeError {
    DecodeError::OutputTooSmall {
        needed: None,
        capacity: 0,
    }
}

/// An `embedded_io::Read` (and `BufRead`) that decompresses one stream read from
/// `inner` with any bufpress [`Decode`], through one staging [`Buf`] (from a pool).
///
/// `inner` is a `BufRead` (a buffered UART or socket, a [`Cursor`](super::Cursor), a
/// `&[u8]`): the decoder reads its buffer in place, so no second buffer is needed.
/// The reader ends (`read` returns 0) where the stream ends, leaving whatever follows
/// in `inner`; [`next_stream`](Self::next_stream) reads the next one. Corrupt data,
/// and data that ends inside the stream, is an error of kind `InvalidData`. After a
/// decoding error ([`Error::Codec`]) every later `read` and `fill_buf` returns it again,
/// without calling the decoder, until [`reset`](Self::reset) or
/// [`next_stream`](Self::next_stream); an error of `inner` ([`Error::Inner`]) is not
/// kept: the next call tries again.
///
/// The async twin over `embedded_io_async::BufRead` is `io::asynch::DecodeReader`
/// (feature `embedded-io-async`). An example is in the [module docs](super).
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

impl<'p, D: Decode, R> DecodeReader<'p, D, R> {
    /// A reader of the stream in `inner`, decoded with `decoder` (which it resets)
    /// through `staging` (emptied first).
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

    /// Whether everything decoded so far was read: time to decode more.
    pub(super) fn drained(&self) -> bool {
        self.read == self.staging.len()
    }

    /// Empties the staging buffer before decoding more into it; an earlier decoding
    /// error instead.
    pub(super) fn start_refill(&mut self) -> Result<(), DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.staging.clear();
        self.read = 0;
        if self.staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        Ok(())
    }

    /// Whether a refill should read more input.
    pub(super) fn wants_input(&self) -> bool {
        !self.done && self.staging.is_empty()
    }

    /// The decoder, the staging buffer and the inner reader, apart.
    pub(super) fn split(&mut self) -> (&mut D, &mut Buf<'p>, &mut R) {
        (&mut self.decoder, &mut self.staging, &mut self.inner)
    }

    /// What is decoded and not read yet.
    pub(super) fn unread(&self) -> &[u8] {
        self.staging.get(self.read..).unwrap_or_default()
    }

    /// Marks `n` decoded bytes read.
    pub(super) fn mark_read(&mut self, n: usize) {
        self.read = self.read.saturating_add(n).min(self.staging.len());
    }

    /// Copies decoded bytes to `out`.
    pub(super) fn copy_out(&mut self, out: &mut [u8]) -> usize {
        let data = self.unread();
        let n = data.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.mark_read(n);
        n
    }
}

impl<D: Decode, R: BufRead> DecodeReader<'_, D, R> {
    /// Decodes more into the (read) staging buffer.
    fn refill(&mut self) -> Result<(), Error<DecodeError, R::Error>> {
        self.start_refill().map_err(Error::Codec)?;
        while self.wants_input() {
            let (decoder, staging, inner) = self.split();
            let input = inner.fill_buf().map_err(Error::Inner)?;
            let len = input.len();
            let p = decoder.decode(input, staging);
            let consumed = self.after_decode(p, len).map_err(Error::Codec)?;
            self.inner.consume(consumed);
        }
        Ok(())
    }
}

impl<D: Decode, R> DecodeReader<'_, D, R> {
    /// Handles the outcome of one decode call on `len` bytes of input (0: the inner
    /// reader is at its end); returns the bytes consumed. An error (the decoder's, or
    /// one this reader finds in its answer) is kept: every later refill returns it.
    pub(super) fn after_decode(
        &mut self,
        p: Result<Progress, DecodeError>,
        len: usize,
    ) -> Result<usize, DecodeError> {
        let r = self.check_progress(p, len);
        if let Err(e) = r {
            self.failed = Some(e);
            // What the failed call decoded is not handed out (the stream failed).
            self.staging.clear();
            self.read = 0;
        }
        r
    }

    /// [`after_decode`](Self::after_decode) without keeping the error (but for
    /// `Truncated` after output, which is returned by the next refill).
    fn check_progress(
        &mut self,
        p: Result<Progress, DecodeError>,
        len: usize,
    ) -> Result<usize, DecodeError> {
        let p = p?;
        match p.status {
            Status::Done => self.done = true,
            // The input ended inside the stream. What this call gave is read first
            // (the refill stops: `staging` holds it), then the error.
            Status::NeedInput if len == 0 && p.produced > 0 => {
                self.failed = Some(DecodeError::Truncated);
            }
            Status::NeedInput if len == 0 => return Err(DecodeError::Truncated),
            // The same input would be offered again, forever.
            Status::NeedInput if p.consumed < len => return Err(DecodeError::Stalled),
            // A decoder that can put nothing into a whole empty buffer never will
            // (`staging` is empty at each decode here).
            Status::OutputFull if p.consumed == 0 && p.produced == 0 => {
                return Err(DecodeError::OutputTooSmall {
                    needed: None,
                    capacity: self.staging.capacity(),
                });
            }
            Status::NeedInput | Status::OutputFull => {}
        }
        Ok(p.consumed.min(len))
    }
}

impl<D, R: ErrorType> ErrorType for DecodeReader<'_, D, R> {
    type Error = Error<DecodeError, R::Error>;
}

impl<D: Decode, R: BufRead> Read for DecodeReader<'_, D, R> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.drained() {
            self.refill()?;
        }
        Ok(self.copy_out(out))
    }
}

impl<D: Decode, R: BufRead> BufRead for DecodeReader<'_, D, R> {
    fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        if self.drained() {
            self.refill()?;
        }
        Ok(self.unread())
    }

    fn consume(&mut self, n: usize) {
        self.mark_read(n);
    }
}
