//! Reading and writing bytes: [`Cursor`] (always), and `embedded-io` for buffers and
//! codecs (feature `embedded-io`; the async traits of `embedded-io-async` with feature
//! `embedded-io-async`, in `asynch`).
//!
//! - [`Cursor`] is a position over bytes: a codec [`Output`](crate::codec::Output)
//!   over a slice (`Cursor::new(&mut bytes[1..])`: any slice, at any offset), and
//!   with `embedded-io` a reader of a filled buffer.
//! - [`Buf`](crate::pool::Buf) is an `embedded_io::Write`: bounded, it fills up and
//!   then refuses (`WriteZero`), never grows; `write_all` is all or nothing.
//! - `Cursor` reads a filled buffer (`Read`, `BufRead`), owned or borrowed.
//! - `EncodeWriter` compresses what is written into any `embedded_io::Write`
//!   through one staging buffer; `DecodeReader` reads a compressed stream from any
//!   `embedded_io::BufRead`. Both take any codec (`codec::Encode`, `codec::Decode`:
//!   an owned state, a `&mut`, or one from a [`ValuePool`](crate::pool::ValuePool))
//!   and a [`Buf`](crate::pool::Buf) as staging, and speak the dialect of
//!   `bufpress-std`'s adapters: `new(inner, codec, staging)`, `finish(self)`,
//!   `try_finish`, `reset(inner)`, `get_ref`/`get_mut`, `into_parts`.
//!
//! Nothing here allocates, and none of it has `unsafe` code. Errors are
//! `Error`: the codec's ([`EncodeError`](crate::codec::EncodeError),
//! [`DecodeError`](crate::codec::DecodeError)) or the inner stream's, each with an
//! `embedded_io::ErrorKind` (corrupt input is `InvalidData`).
//!
//! ```
//! # #[cfg(all(feature = "lz4", feature = "embedded-io"))] {
//! use bufpress::codec::lz4::{self, BlockMode, BlockSize};
//! use bufpress::io::{Cursor, DecodeReader, EncodeWriter};
//! use bufpress::pool::{Pool, ValuePool};
//! use embedded_io::{Read, Write};
//!
//! const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
//! const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
//! static POOL: Pool<3, 2048> = Pool::new();
//! // The codec states, shared by whoever needs one (all in .bss).
//! static ENCODERS: ValuePool<lz4::Encoder<ENC>, 1> = ValuePool::new([const { lz4::Encoder::new() }]);
//! static DECODERS: ValuePool<lz4::Decoder<DEC>, 1> = ValuePool::new([const { lz4::Decoder::new() }]);
//!
//! // Compress into a pool buffer (any embedded_io::Write will do: a UART, a socket).
//! let (encoder, decoder) = (ENCODERS.try_acquire()?, DECODERS.try_acquire()?);
//! let mut writer = EncodeWriter::new(POOL.try_acquire()?, encoder, POOL.try_acquire()?);
//! writer.write_all(b"temperature=21.5;temperature=21.5;temperature=21.6")?;
//! let packed = writer.finish()?;
//!
//! // And back, from a cursor over the packed buffer.
//! let mut reader = DecodeReader::new(Cursor::new(&packed), decoder, POOL.try_acquire()?);
//! let mut text = [0; 64];
//! let n = reader.read(&mut text)?;
//! assert_eq!(&text[..n], b"temperature=21.5;temperature=21.5;temperature=21.6");
//! # }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "embedded-io")]
use core::fmt;

#[cfg(feature = "embedded-io-async")]
pub mod asynch;
#[cfg(feature = "embedded-io")]
mod buf;
mod cursor;
#[cfg(feature = "embedded-io")]
mod decode;
#[cfg(feature = "embedded-io")]
mod encode;

pub use cursor::Cursor;
#[cfg(feature = "embedded-io")]
pub use decode::DecodeReader;
#[cfg(feature = "embedded-io")]
pub use encode::EncodeWriter;

/// A failure of an adapter: its codec's error `C` (an
/// [`EncodeError`](crate::codec::EncodeError) or a
/// [`DecodeError`](crate::codec::DecodeError)) or its inner stream's error `E`.
///
/// Its `embedded_io::ErrorKind` is the codec error's (`InvalidData` for corrupt
/// input, see [`error`](crate::error)) or the inner error's.
#[cfg(feature = "embedded-io")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error<C, E> {
    /// The codec failed (or the staging buffer has no capacity: `OutputTooSmall`).
    Codec(C),
    /// The inner reader or writer failed.
    Inner(E),
}

#[cfg(feature = "embedded-io")]
impl<C: fmt::Display, E: fmt::Display> fmt::Display for Error<C, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Codec(e) => e.fmt(f),
            Self::Inner(e) => write!(f, "inner stream: {e}"),
        }
    }
}

// No `source`: it would need `'static` errors, which `embedded_io::Error` does not ask
// of an inner stream's error; `Display` shows the cause.
#[cfg(feature = "embedded-io")]
impl<C: core::error::Error, E: core::error::Error> core::error::Error for Error<C, E> {}

#[cfg(feature = "embedded-io")]
impl<C: embedded_io::Error, E: embedded_io::Error> embedded_io::Error for Error<C, E> {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self {
            Self::Codec(e) => e.kind(),
            Self::Inner(e) => e.kind(),
        }
    }
}

/// A failure of an `embedded-io` adapter is its codec's or its inner stream's error,
/// when the inner stream's is one of this crate's (a [`Buf`](crate::pool::Buf)
/// writer's [`CapacityError`](crate::error::CapacityError), a [`Cursor`]'s `Infallible`).
#[cfg(feature = "embedded-io")]
impl<C: Into<crate::Error>, E: Into<crate::Error>> From<Error<C, E>> for crate::Error {
    fn from(e: Error<C, E>) -> Self {
        match e {
            Error::Codec(e) => e.into(),
            Error::Inner(e) => e.into(),
        }
    }
}
