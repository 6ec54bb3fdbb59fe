//! Codecs that run straight into pool buffers, one module per format.
//!
//! Every codec has the same shape:
//!
//! - a **one-shot** call that compresses or decompresses a slice into a [`Buf`]
//!   (`compress_into` / `decompress_into`), whose capacity bounds the output;
//! - a **streaming** [`Encode`] / [`Decode`] that takes input in pieces and writes
//!   into whatever buffer the caller passes, reporting [`Progress`]; when a buffer is
//!   full the caller hands it on and passes the next one, so data larger than one
//!   buffer goes through with memory bounded by the pool. [`decode_to`] and
//!   [`encode_to`] drive that loop over a pool.
//!
//! Codec states that are large (hash tables, `DecompressorOxide`) are values the
//! caller owns or takes from a [`ValuePool`](crate::pool::ValuePool), so N users share
//! M states with no allocation. A codec whose library must allocate does so only when
//! its state is built (`alloc` feature), never per message.
//!
//! Output is bounded: a decoder never writes past the buffer it was given, and a
//! stream that produces more than the caller's limit fails with
//! [`DecodeError::LimitExceeded`] before writing past it.
//!
//! The codec modules contain no `unsafe` code but one: `lz4`'s block codec hot loops
//! (`codec/lz4/fast.rs`: unchecked copies, each bounds test written out beside it
//! with `// SAFETY:`; its tests run under Miri and the fuzzers check its decoder
//! against a reference). This module denies `unsafe_code` and that file alone
//! allows it.
//!
//! # Naming
//!
//! One scheme for every codec, here and in `bufpress-std` (which follows it too):
//!
//! | idea | rule | examples |
//! |---|---|---|
//! | traits | verbs, like `io::Read` | [`Encode`], [`Decode`] |
//! | state types | named through their module | `lz4::Encoder`, `lz4::Decoder` (frames), `deflate::Encoder`, `deflate::Decoder`, `zstd::Decoder`; in `bufpress-std`: `zstd::Encoder`, `zstd::Decoder`, `flate::Encoder`, `flate::Decoder` |
//! | memory a state runs on | `<Type>State` | `deflate::EncoderState`, `deflate::DecoderState`, `deflate::InflateState` (one-shot) |
//! | one-shot calls | `compress_into` / `decompress_into` (`*_into` writes into the caller's buffer), `compress_frame_into` / `decompress_gzip_into` where one module has several formats; arguments `(input, out, settings…, state, outputs…)`; a method of the same name where the state is the codec (`zstd::Decoder::decompress_into`, bufpress-std's `Encoder::compress_into`) | `lz4::compress_into(input, out, table)`, `deflate::compress_into(input, out, format, level, state)`, `deflate::decompress_into(input, out, format, state)` |
//! | output bounds | a free function `max_<what>_len(len, settings…)` beside the one-shot call it bounds, input length first | `lz4::max_compressed_len(len)`, `lz4::max_frame_len(len, &settings)`, `deflate::max_compressed_len(len, format)`, `bufpress_std::zstd::max_compressed_len(len)` |
//! | settings | a `Copy` value with consuming `with_*` builders (`const` where possible) | `lz4::FrameSettings::new().with_block_checksum(true)`, `bufpress_std::zstd::Settings::new(3, 64 * 1024).with_checksum(true)` |
//! | builders | `with_<noun>(self, value) -> Self`, consuming, `#[must_use]`; never a constructor | `lz4::Encoder::new().with_settings(s)`, `deflate::Decoder::new(format, state).with_max_output(n)` |
//! | setters | `set_<noun>(&mut self, value)`, for a state already in a `static` or a pool | `lz4::Decoder::set_max_output`, `lz4::Encoder::set_settings` |
//! | getters | the plain noun | `level()`, `format()`, `settings()`, `max_output()`, `max_window()` |
//! | sizes announced in a header | `content_size` (lz4 `FrameSettings::with_content_size`, `Encoder::set_content_size`); libzstd's adapters keep libzstd's word, `pledged_size` (`set_pledged_size`), and its boolean `Settings::with_content_size(on)` says whether to write it | |
//! | limits | `max_<what>`, one word for each thing limited: `max_output` (total output of a stream), `max_window` (zstd window), `max_content` (one zstd frame's content) | `lz4::Decoder::with_max_output`, `zstd::Decoder::new(max_window).with_max_content(n)` |
//! | levels | `i32` everywhere, with `MIN_LEVEL`/`MAX_LEVEL`/`DEFAULT_LEVEL` in the codec's module (libzstd's minimum is a function, `min_level()`); out of range is [`EncodeError::InvalidSetting`] | deflate 0 to 10 (default 6), flate2 0 to 9 (default 6), libzstd `min_level()` to 19 (default 3); lz4 has no levels |
//! | errors | one per operation ([`DecodeError`], [`EncodeError`], [`StreamError`]), defined in [`error`](crate::error), which imports nothing from the codecs | |
//!
//! The `io` adapters of `bufpress-std` speak the flate2/zstd dialect: `EncodeWriter`,
//! `DecodeWriter`, `DecodeReader` (at the crate root for any codec, and in
//! `bufpress_std::zstd` for libzstd), each `new(inner, codec, staging)`,
//! `finish(self) -> io::Result<W>`, `try_finish(&mut self)`, `reset(inner)`,
//! `get_ref`/`get_mut`, `into_parts() -> (inner, codec, staging)`. The `embedded-io`
//! adapters in `io` (feature `embedded-io`; async twins in `io::asynch`) follow the
//! same dialect: `io::EncodeWriter`, `io::DecodeReader`.
//!
//! The pool follows the same rules: `try_acquire()` never blocks and fails only with
//! an `AcquireError` (every `*Error` type ends so); `acquire()` is the future (feature
//! `async`, type `pool::Acquire`), as in embassy; `acquire_blocking()` spins until a
//! buffer is free (never on an executor or in an interrupt handler);
//! `acquire_spinning(max_rounds)` is the bounded spin. Lengths are `usize`
//! (`RawBuf::with_len`); `Buf::spare_capacity_mut()` is the whole unused part, as
//! `Vec`'s (initialized bytes here), `Buf::try_spare_capacity_mut(n)` its first `n`.
#![deny(unsafe_code)]

use core::fmt;

use crate::error::AcquireError;
pub use crate::error::{Checksum, DecodeError, EncodeError};
use crate::pool::{Buf, PoolRef};

#[cfg(feature = "deflate")]
pub mod deflate;
#[cfg(feature = "lz4")]
pub mod lz4;
#[cfg(feature = "zstd")]
pub mod zstd;

/// Why a streaming call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Status {
    /// All input given was consumed; more may come.
    NeedInput,
    /// The output buffer is full: hand it on and call again with another one.
    OutputFull,
    /// The stream (frame, member) ended; `consumed` tells where, in the input.
    Done,
}

/// What one streaming call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Progress {
    /// Bytes of input consumed by this call.
    pub consumed: usize,
    /// Bytes appended to the output buffer by this call.
    pub produced: usize,
    /// Why the call returned.
    pub status: Status,
}

/// A streaming decoder: input in pieces, output into the caller's buffers.
pub trait Decode {
    /// Decodes from `input` into the spare capacity of `out`.
    ///
    /// Returns after consuming all of `input` ([`Status::NeedInput`]), filling `out`
    /// ([`Status::OutputFull`]), or reaching the end of the stream ([`Status::Done`]).
    ///
    /// # Errors
    ///
    /// [`DecodeError`] for bad input; the decoder must be [`reset`](Self::reset)
    /// before it is used again. A call that fails appends nothing to `out` (what it
    /// decoded before finding the error is not kept); output of earlier calls was
    /// handed on already and is the caller's to discard.
    fn decode(&mut self, input: &[u8], out: &mut Buf<'_>) -> Result<Progress, DecodeError>;

    /// Makes the decoder ready for a new stream, keeping its memory.
    fn reset(&mut self);
}

/// A streaming encoder: input in pieces, output into the caller's buffers.
pub trait Encode {
    /// Encodes `input` into the spare capacity of `out` ([`Status::NeedInput`] when
    /// all was consumed, [`Status::OutputFull`] when `out` filled first).
    ///
    /// # Errors
    ///
    /// [`EncodeError`] for a bad setting or use after `finish`.
    fn encode(&mut self, input: &[u8], out: &mut Buf<'_>) -> Result<Progress, EncodeError>;

    /// Flushes what is buffered and writes the end of the stream; call it until it
    /// returns [`Status::Done`], handing on each full buffer.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] as for [`encode`](Self::encode).
    fn finish(&mut self, out: &mut Buf<'_>) -> Result<Progress, EncodeError>;

    /// Makes the encoder ready for a new stream, keeping its memory.
    fn reset(&mut self);
}

macro_rules! forward_codec {
    ($(#[$attr:meta])* impl[$($gen:tt)*] $ty:ty) => {
        $(#[$attr])*
        impl<$($gen)*> Decode for $ty
        where
            D: Decode,
        {
            fn decode(&mut self, input: &[u8], out: &mut Buf<'_>) -> Result<Progress, DecodeError> {
                (**self).decode(input, out)
            }

            fn reset(&mut self) {
                (**self).reset();
            }
        }
    };
}

macro_rules! forward_encoder {
    ($(#[$attr:meta])* impl[$($gen:tt)*] $ty:ty) => {
        $(#[$attr])*
        impl<$($gen)*> Encode for $ty
        where
            D: Encode,
        {
            fn encode(&mut self, input: &[u8], out: &mut Buf<'_>) -> Result<Progress, EncodeError> {
                (**self).encode(input, out)
            }

            fn finish(&mut self, out: &mut Buf<'_>) -> Result<Progress, EncodeError> {
                (**self).finish(out)
            }

            fn reset(&mut self) {
                (**self).reset();
            }
        }
    };
}

// A codec behind `&mut`, in a pool slot or in a box is a codec too, so adapters can
// own whichever the caller has.
forward_codec!(impl[D: ?Sized] &mut D);
forward_encoder!(impl[D: ?Sized] &mut D);
forward_codec!(impl['v, D] crate::pool::Value<'v, D>);
forward_encoder!(impl['v, D] crate::pool::Value<'v, D>);
forward_codec!(#[cfg(feature = "alloc")] impl[D: ?Sized] alloc::boxed::Box<D>);
forward_encoder!(#[cfg(feature = "alloc")] impl[D: ?Sized] alloc::boxed::Box<D>);

/// A failure of [`decode_to`] or [`encode_to`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StreamError<C, S> {
    /// The codec failed.
    Codec(C),
    /// No buffer could be had from the pool.
    Acquire(AcquireError),
    /// The sink refused a buffer.
    Sink(S),
}

impl<C: fmt::Display, S: fmt::Display> fmt::Display for StreamError<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Codec(e) => e.fmt(f),
            Self::Acquire(e) => e.fmt(f),
            Self::Sink(e) => write!(f, "sink: {e}"),
        }
    }
}

impl<C: fmt::Debug + fmt::Display, S: fmt::Debug + fmt::Display> core::error::Error
    for StreamError<C, S>
{
}

/// Decodes one whole stream from `input` into successive buffers from `pool`, handing
/// each filled buffer to `sink` (the last one may be partly filled; none is empty).
/// Returns how many input bytes the stream took.
///
/// Memory stays bounded by the pool: a buffer is taken only when the previous one was
/// handed on, and `sink` decides when it comes back (by dropping it).
///
/// # Errors
///
/// The codec's error, [`StreamError::Acquire`] when the pool has no buffer, or the
/// sink's error; [`DecodeError::Truncated`] when `input` ends before the stream does.
pub fn decode_to<'p, D: Decode + ?Sized, E>(
    decoder: &mut D,
    mut input: &[u8],
    pool: PoolRef<'p>,
    mut sink: impl FnMut(Buf<'p>) -> Result<(), E>,
) -> Result<usize, StreamError<DecodeError, E>> {
    let total = input.len();
    if pool.buf_size() == 0 {
        let e = DecodeError::OutputTooSmall {
            needed: None,
            capacity: 0,
        };
        return Err(StreamError::Codec(e));
    }
    let mut out = pool.try_acquire().map_err(StreamError::Acquire)?;
    loop {
        let p = decoder
            .decode(input, &mut out)
            .map_err(StreamError::Codec)?;
        input = input.get(p.consumed..).unwrap_or_default();
        match p.status {
            Status::Done => break,
            Status::OutputFull => {
                sink(out).map_err(StreamError::Sink)?;
                out = pool.try_acquire().map_err(StreamError::Acquire)?;
            }
            Status::NeedInput if input.is_empty() => {
                return Err(StreamError::Codec(DecodeError::Truncated));
            }
            Status::NeedInput => {}
        }
    }
    if !out.is_empty() {
        sink(out).map_err(StreamError::Sink)?;
    }
    Ok(total - input.len())
}

/// Encodes `input` as one whole stream into successive buffers from `pool`, handing
/// each filled buffer to `sink` (none is empty). Returns the compressed size.
///
/// # Errors
///
/// The codec's error, [`StreamError::Acquire`] when the pool has no buffer, or the
/// sink's error.
pub fn encode_to<'p, C: Encode + ?Sized, E>(
    encoder: &mut C,
    mut input: &[u8],
    pool: PoolRef<'p>,
    mut sink: impl FnMut(Buf<'p>) -> Result<(), E>,
) -> Result<usize, StreamError<EncodeError, E>> {
    if pool.buf_size() == 0 {
        let e = EncodeError::OutputTooSmall {
            needed: None,
            capacity: 0,
        };
        return Err(StreamError::Codec(e));
    }
    let mut out = pool.try_acquire().map_err(StreamError::Acquire)?;
    let mut written = 0;
    let mut finishing = false;
    loop {
        let p = if finishing {
            encoder.finish(&mut out)
        } else {
            encoder.encode(input, &mut out)
        }
        .map_err(StreamError::Codec)?;
        written += p.produced;
        input = input.get(p.consumed..).unwrap_or_default();
        match p.status {
            Status::Done => break,
            Status::OutputFull => {
                sink(out).map_err(StreamError::Sink)?;
                out = pool.try_acquire().map_err(StreamError::Acquire)?;
            }
            // `finish` never needs input; one that says so has nothing left.
            Status::NeedInput if finishing => break,
            Status::NeedInput => finishing = input.is_empty(),
        }
    }
    if !out.is_empty() {
        sink(out).map_err(StreamError::Sink)?;
    }
    Ok(written)
}

/// One-shot decoding with any streaming [`Decode`]: `reset`s it, decodes `input`,
/// which must be exactly one whole stream, into the spare capacity of `out`, and
/// returns the bytes appended.
///
/// On any error `out` keeps nothing of this call (it is truncated back) and the
/// decoder needs a `reset` (which the next call does).
///
/// # Errors
///
/// The decoder's error; [`DecodeError::OutputTooSmall`] when `out` filled before the
/// stream ended, [`DecodeError::Truncated`] when `input` ended first,
/// [`DecodeError::TrailingData`] when bytes follow the stream.
pub fn decode_into<D: Decode + ?Sized>(
    decoder: &mut D,
    input: &[u8],
    out: &mut Buf<'_>,
) -> Result<usize, DecodeError> {
    decoder.reset();
    let start = out.len();
    let result = match decoder.decode(input, out) {
        Ok(p) => match p.status {
            Status::Done if p.consumed == input.len() => Ok(out.len() - start),
            Status::Done => Err(DecodeError::TrailingData),
            Status::OutputFull => Err(DecodeError::OutputTooSmall {
                needed: None,
                capacity: out.capacity(),
            }),
            Status::NeedInput => Err(DecodeError::Truncated),
        },
        Err(e) => Err(e),
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// One-shot encoding with any streaming [`Encode`]: `reset`s it, encodes `input` as
/// one whole stream into the spare capacity of `out`, and returns the bytes appended.
///
/// On any error `out` keeps nothing of this call, and the encoder needs a `reset`
/// (which the next call does).
///
/// # Errors
///
/// The encoder's error; [`EncodeError::OutputTooSmall`] when `out` filled before the
/// stream ended.
pub fn encode_into<C: Encode + ?Sized>(
    encoder: &mut C,
    input: &[u8],
    out: &mut Buf<'_>,
) -> Result<usize, EncodeError> {
    encoder.reset();
    let start = out.len();
    let full = EncodeError::OutputTooSmall {
        needed: None,
        capacity: out.capacity(),
    };
    let result = match encoder.encode(input, out) {
        Ok(p) if p.consumed < input.len() => Err(full),
        Ok(_) => match encoder.finish(out) {
            Ok(p) if p.status == Status::Done => Ok(out.len() - start),
            Ok(_) => Err(full),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}
