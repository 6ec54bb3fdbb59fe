//! [`EncodeWriter`]: compresses into any `embedded_io::Write`.

use embedded_io::{ErrorType, Write};

use super::Error;
use crate::codec::{Encode, EncodeError, Progress, Status};
use crate::pool::Buf;

/// The error of a staging buffer that cannot take a byte: the codec could make no
/// progress.
pub(super) fn zero_capacity() -> EncodeError {
    EncodeError::OutputTooSmall {
        needed: None,
        capacity: 0,
    }
}

/// An `embedded_io::Write` that compresses what is written with any bufpress
/// [`Encode`] and writes the compressed stream to `inner`, through one staging
/// [`Buf`] (from a pool): `inner` gets whole staging buffers, plus what is left when
/// flushed or finished.
///
/// Call [`finish`](Self::finish) (or [`try_finish`](Self::try_finish)) to end the
/// stream (dropping the writer without it leaves the stream unterminated: a reader
/// reports it truncated); [`reset`](Self::reset) starts the next one, keeping the
/// encoder's memory and the staging buffer. `flush` flushes the encoder
/// ([`Encode::flush`]: an lz4 block ends, deflate makes a sync flush) so a reader can
/// decode everything written so far, and passes it all on.
///
/// The async twin over `embedded_io_async::Write` is
/// `io::asynch::EncodeWriter` (feature `embedded-io-async`). An example is in the
/// [module docs](super).
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

    /// The encoder, the staging buffer and the inner writer, apart.
    #[cfg_attr(not(feature = "embedded-io-async"), allow(dead_code))]
    pub(super) fn split(&mut self) -> (&mut E, &mut Buf<'p>, &mut W) {
        (&mut self.encoder, &mut self.staging, &mut self.inner)
    }

    /// What of the staging buffer is not written to `inner` yet, and `inner`.
    pub(super) fn unsent(&mut self) -> (&[u8], &mut W) {
        let rest = self.staging.get(self.sent..).unwrap_or_default();
        (rest, &mut self.inner)
    }

    /// Records `n` more bytes written to `inner`; empties the staging buffer once all
    /// of it went.
    pub(super) fn mark_sent(&mut self, n: usize) {
        self.sent = self.sent.saturating_add(n);
        if self.sent >= self.staging.len() {
            self.staging.clear();
            self.sent = 0;
            self.full = false;
        }
    }

    /// Whether the staging buffer must go to `inner` before the codec runs again.
    #[cfg(feature = "embedded-io-async")]
    pub(super) fn is_full(&self) -> bool {
        self.full
    }

    /// Whether the stream was finished.
    #[cfg(feature = "embedded-io-async")]
    pub(super) fn is_finished(&self) -> bool {
        self.finished
    }

    /// Notes what a codec call returned: a full staging buffer, or (for `finish`) the
    /// stream's end.
    pub(super) fn after_step(&mut self, p: &Progress, finishing: bool) {
        if p.status == Status::OutputFull {
            self.full = true;
        } else if finishing {
            self.finished = true;
        }
    }

    /// Encodes from `data` into the staging buffer: at least one byte consumed, or a
    /// full staging buffer to hand on (`Status::OutputFull`).
    pub(super) fn encode_step(
        encoder: &mut E,
        staging: &mut Buf<'p>,
        data: &[u8],
    ) -> Result<Progress, EncodeError> {
        if staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        encoder.encode(data, staging)
    }

    /// One call to the encoder's `flush` into the staging buffer; `None` when there is
    /// nothing the codec can flush (a format with no flush, a finished stream).
    pub(super) fn flush_step(
        encoder: &mut E,
        staging: &mut Buf<'p>,
    ) -> Result<Option<Progress>, EncodeError> {
        if staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        match encoder.flush(staging) {
            Ok(p) => Ok(Some(p)),
            Err(EncodeError::Unsupported | EncodeError::Finished) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One call to the encoder's `finish` into the staging buffer.
    pub(super) fn finish_step(
        encoder: &mut E,
        staging: &mut Buf<'p>,
    ) -> Result<Progress, EncodeError> {
        if staging.capacity() == 0 {
            return Err(zero_capacity());
        }
        encoder.finish(staging)
    }
}

impl<'p, E: Encode, W: Write> EncodeWriter<'p, E, W> {
    /// Ends the stream and returns the inner writer (the encoder and the staging
    /// buffer are dropped: back to their pools, if they came from one).
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub fn finish(mut self) -> Result<W, Error<EncodeError, W::Error>> {
        self.try_finish()?;
        Ok(self.inner)
    }

    /// Ends the stream: flushes the encoder and writes everything to `inner`, then
    /// flushes `inner`. Keeps the writer, for [`reset`](Self::reset).
    ///
    /// # Errors
    ///
    /// The encoder's error ([`Error::Codec`], e.g. a staging buffer of capacity 0)
    /// or the inner writer's ([`Error::Inner`]). After the inner writer's error,
    /// calling it again goes on where it stopped (nothing is written twice); once it
    /// succeeded, calling it again does nothing more.
    ///
    /// # Panics
    ///
    /// As `embedded_io::Write::write_all`: if the inner writer's `write` returns
    /// `Ok(0)` (which its contract forbids).
    pub fn try_finish(&mut self) -> Result<(), Error<EncodeError, W::Error>> {
        while !self.finished {
            if self.full {
                self.drain()?;
            }
            let p =
                Self::finish_step(&mut self.encoder, &mut self.staging).map_err(Error::Codec)?;
            self.after_step(&p, true);
        }
        self.drain()?;
        self.inner.flush().map_err(Error::Inner)
    }

    /// Writes the rest of the staging buffer to `inner` and empties it; after an
    /// error, what went is remembered, so a retry writes no byte twice.
    fn drain(&mut self) -> Result<(), Error<EncodeError, W::Error>> {
        loop {
            let (rest, inner) = self.unsent();
            if rest.is_empty() {
                self.mark_sent(0);
                return Ok(());
            }
            let n = inner.write(rest).map_err(Error::Inner)?;
            assert!(n > 0, "write() returned Ok(0)");
            self.mark_sent(n);
        }
    }
}

impl<E, W: ErrorType> ErrorType for EncodeWriter<'_, E, W> {
    type Error = Error<EncodeError, W::Error>;
}

/// After an error of the inner writer, `write` has taken nothing of its data (as
/// `embedded_io::Write` requires), and every call goes on where the failed one
/// stopped: nothing is written twice, so writing the same data again makes the stream
/// a run without the error would have made.
///
/// # Panics
///
/// As `embedded_io::Write::write_all`: if the inner writer's `write` returns `Ok(0)`.
impl<E: Encode, W: Write> Write for EncodeWriter<'_, E, W> {
    fn write(&mut self, data: &[u8]) -> Result<usize, Self::Error> {
        if data.is_empty() {
            return Ok(0);
        }
        loop {
            if self.full {
                // Nothing of `data` is taken yet: an error here loses nothing.
                self.drain()?;
            }
            let p = Self::encode_step(&mut self.encoder, &mut self.staging, data)
                .map_err(Error::Codec)?;
            self.after_step(&p, false);
            if p.consumed > 0 {
                return Ok(p.consumed);
            }
            if !self.full {
                // No progress and no full buffer to hand on: a codec bug, not a loop.
                return Err(Error::Codec(zero_capacity()));
            }
        }
    }

    /// Flushes the encoder ([`Encode::flush`]: what was written so far becomes
    /// decodable, where the format can flush), then writes everything to `inner` and
    /// flushes it.
    fn flush(&mut self) -> Result<(), Self::Error> {
        loop {
            if self.full {
                self.drain()?;
            }
            let Some(p) =
                Self::flush_step(&mut self.encoder, &mut self.staging).map_err(Error::Codec)?
            else {
                break;
            };
            if p.status != Status::OutputFull {
                break;
            }
            self.full = true;
        }
        self.drain()?;
        self.inner.flush().map_err(Error::Inner)
    }
}
