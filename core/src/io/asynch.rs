//! The adapters over `embedded_io_async` (feature `embedded-io-async`): the same
//! [`EncodeWriter`] and [`DecodeReader`] as in [`io`](super), with `async` `write`,
//! `read`, `finish` and `try_finish`, for an embassy-net `TcpSocket`, an async UART,
//! or anything else that implements `embedded_io_async::Write` / `BufRead`.
//!
//! In an async task, take the codec state and the staging buffer with the pools'
//! `acquire()` (feature `async`), which waits for one instead of failing:
//!
//! ```ignore
//! let encoder = ENCODERS.acquire().await;   // a pooled lz4::Encoder
//! let staging = POOL.acquire().await;       // a pool buffer
//! let mut writer = EncodeWriter::new(socket, encoder, staging);
//! writer.write_all(&frame).await?;
//! let socket = writer.finish().await?;      // both go back to their pools
//! ```
//!
//! (`examples/embassy_sensor` runs this on a single-future executor, for the host and
//! thumbv7em.)

use embedded_io_async::{BufRead, ErrorType, Read, Write};

use super::Error;
use crate::codec::{Decode, DecodeError, Encode, EncodeError, Status};
use crate::pool::Buf;

/// An `embedded_io_async::Write` that compresses what is written with any bufpress
/// [`Encode`] into `inner`, through one staging [`Buf`]: the async twin of
/// [`io::EncodeWriter`](super::EncodeWriter), with the same methods (`finish` and
/// `try_finish` are `async`).
#[derive(Debug)]
pub struct EncodeWriter<'p, E, W>(super::EncodeWriter<'p, E, W>);

impl<'p, E: Encode, W> EncodeWriter<'p, E, W> {
    /// A writer into `inner` that encodes with `encoder` (reset first) through
    /// `staging` (emptied first).
    pub fn new(inner: W, encoder: E, staging: Buf<'p>) -> Self {
        Self(super::EncodeWriter::new(inner, encoder, staging))
    }

    /// Starts a new stream into `inner`, keeping the encoder's memory and the staging
    /// buffer; returns the previous inner writer.
    pub fn reset(&mut self, inner: W) -> W {
        self.0.reset(inner)
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        self.0.get_ref()
    }

    /// The inner writer (writing to it directly corrupts the stream).
    pub fn get_mut(&mut self) -> &mut W {
        self.0.get_mut()
    }

    /// The inner writer, the encoder and the staging buffer, without ending the
    /// stream.
    pub fn into_parts(self) -> (W, E, Buf<'p>) {
        self.0.into_parts()
    }
}

impl<'p, E: Encode, W: Write> EncodeWriter<'p, E, W> {
    /// Ends the stream and returns the inner writer (the encoder and the staging
    /// buffer are dropped: back to their pools).
    ///
    /// # Errors
    ///
    /// As for [`try_finish`](Self::try_finish).
    pub async fn finish(mut self) -> Result<W, Error<EncodeError, W::Error>> {
        self.try_finish().await?;
        Ok(self.0.into_parts().0)
    }

    /// Ends the stream: flushes the encoder, writes everything to `inner` and flushes
    /// it. Keeps the writer, for [`reset`](Self::reset).
    ///
    /// # Errors
    ///
    /// The encoder's error ([`Error::Codec`]) or the inner writer's ([`Error::Inner`]).
    pub async fn try_finish(&mut self) -> Result<(), Error<EncodeError, W::Error>> {
        while !self.0.is_finished() {
            if self.0.is_full() {
                self.drain().await?;
            }
            let (encoder, staging, _) = self.0.split();
            let p =
                super::EncodeWriter::<E, W>::finish_step(encoder, staging).map_err(Error::Codec)?;
            self.0.after_step(&p, true);
        }
        self.drain().await?;
        self.0.get_mut().flush().await.map_err(Error::Inner)
    }

    /// Writes the staging buffer to `inner` and empties it.
    async fn drain(&mut self) -> Result<(), Error<EncodeError, W::Error>> {
        loop {
            let (rest, inner) = self.0.unsent();
            if rest.is_empty() {
                self.0.mark_sent(0);
                return Ok(());
            }
            let n = inner.write(rest).await.map_err(Error::Inner)?;
            assert!(n > 0, "write() returned Ok(0)");
            self.0.mark_sent(n);
        }
    }
}

impl<E, W: ErrorType> ErrorType for EncodeWriter<'_, E, W> {
    type Error = Error<EncodeError, W::Error>;
}

impl<E: Encode, W: Write> Write for EncodeWriter<'_, E, W> {
    async fn write(&mut self, data: &[u8]) -> Result<usize, Self::Error> {
        if data.is_empty() {
            return Ok(0);
        }
        loop {
            if self.0.is_full() {
                // Nothing of `data` is taken yet: an error (or a dropped future) here
                // loses nothing.
                self.drain().await?;
            }
            let (encoder, staging, _) = self.0.split();
            let p = super::EncodeWriter::<E, W>::encode_step(encoder, staging, data)
                .map_err(Error::Codec)?;
            self.0.after_step(&p, false);
            if p.consumed > 0 {
                return Ok(p.consumed);
            }
            if !self.0.is_full() {
                // No progress and no full buffer to hand on: a codec bug, not a loop.
                return Err(Error::Codec(super::encode::zero_capacity()));
            }
        }
    }

    /// Flushes the encoder (`Encode::flush`, where the format can), then writes
    /// everything to `inner` and flushes it.
    async fn flush(&mut self) -> Result<(), Self::Error> {
        loop {
            if self.0.is_full() {
                self.drain().await?;
            }
            let (encoder, staging, _) = self.0.split();
            let Some(p) =
                super::EncodeWriter::<E, W>::flush_step(encoder, staging).map_err(Error::Codec)?
            else {
                break;
            };
            if p.status != Status::OutputFull {
                break;
            }
            self.0.after_step(&p, false);
        }
        self.drain().await?;
        self.0.get_mut().flush().await.map_err(Error::Inner)
    }
}

/// An `embedded_io_async::Read` (and `BufRead`) that decompresses one stream read
/// from `inner` with any bufpress [`Decode`], through one staging [`Buf`]: the async
/// twin of [`io::DecodeReader`](super::DecodeReader), with the same methods. After a
/// decoding error ([`Error::Codec`]) every later `read` and `fill_buf` returns it
/// again, without calling the decoder, until [`reset`](Self::reset) or
/// [`next_stream`](Self::next_stream) (an error of `inner` is not kept).
#[derive(Debug)]
pub struct DecodeReader<'p, D, R>(super::DecodeReader<'p, D, R>);

impl<'p, D: Decode, R> DecodeReader<'p, D, R> {
    /// A reader of the stream in `inner`, decoded with `decoder` (which it resets)
    /// through `staging` (emptied first).
    pub fn new(inner: R, decoder: D, staging: Buf<'p>) -> Self {
        Self(super::DecodeReader::new(inner, decoder, staging))
    }

    /// Starts reading a new stream from `inner`; returns the previous inner reader.
    pub fn reset(&mut self, inner: R) -> R {
        self.0.reset(inner)
    }

    /// Starts reading the next stream from the same inner reader.
    pub fn next_stream(&mut self) {
        self.0.next_stream();
    }

    /// Whether the stream ended and every byte of it was read.
    pub fn is_done(&self) -> bool {
        self.0.is_done()
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        self.0.get_ref()
    }

    /// The inner reader, mutably (reading from it directly corrupts the stream).
    pub fn get_mut(&mut self) -> &mut R {
        self.0.get_mut()
    }

    /// The inner reader, the decoder and the staging buffer.
    pub fn into_parts(self) -> (R, D, Buf<'p>) {
        self.0.into_parts()
    }
}

impl<D: Decode, R: BufRead> DecodeReader<'_, D, R> {
    /// Decodes more into the (read) staging buffer.
    async fn refill(&mut self) -> Result<(), Error<DecodeError, R::Error>> {
        let s = &mut self.0;
        s.start_refill().map_err(Error::Codec)?;
        while s.wants_input() {
            let (decoder, staging, inner) = s.split();
            let input = inner.fill_buf().await.map_err(Error::Inner)?;
            let len = input.len();
            let p = decoder.decode(input, staging);
            let consumed = s.after_decode(p, len).map_err(Error::Codec)?;
            s.get_mut().consume(consumed);
        }
        Ok(())
    }
}

impl<D, R: ErrorType> ErrorType for DecodeReader<'_, D, R> {
    type Error = Error<DecodeError, R::Error>;
}

impl<D: Decode, R: BufRead> Read for DecodeReader<'_, D, R> {
    async fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.0.drained() {
            self.refill().await?;
        }
        Ok(self.0.copy_out(out))
    }
}

impl<D: Decode, R: BufRead> BufRead for DecodeReader<'_, D, R> {
    async fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        if self.0.drained() {
            self.refill().await?;
        }
        Ok(self.0.unread())
    }

    fn consume(&mut self, n: usize) {
        self.0.mark_read(n);
    }
}
