//! Codecs that run straight into pool buffers, one module per format.
//!
//! Every codec has the same shape:
//!
//! - a **one-shot** call that compresses or decompresses a slice into an [`Output`]
//!   (`compress_into` / `decompress_into`), whose capacity bounds the output;
//! - a **streaming** [`Encode`] / [`Decode`] that takes input in pieces and writes
//!   into whatever output the caller passes, reporting [`Progress`]; when an output is
//!   full the caller hands it on and passes the next one, so data larger than one
//!   buffer goes through with memory bounded by the pool. [`decode_to`] and
//!   [`encode_to`] drive that loop over a pool; [`encode_into`] and [`decode_into`]
//!   are the one-shot calls of any codec. An encoder also [flushes](Encode::flush)
//!   mid-stream and tells the [bound](Encode::max_output_len) of a one-shot output.
//!
//! # Outputs
//!
//! A codec writes into an [`Output`]: a bounded byte sink that never grows, whose
//! capacity is the bound. Implemented by a pool [`Buf`], a slice through
//! [`io::Cursor`](crate::io::Cursor) (`Cursor::new(&mut bytes[1..])`: any slice, any
//! offset), and a `Vec<u8>`'s spare capacity (feature `alloc`) or a
//! `heapless::Vec<u8, N>`'s (feature `heapless`) through [`VecOutput`], the way
//! flate2, zstd-safe and lz4_flex accept plain buffers. So a library can compress
//! into its caller's buffer generically over the format and the buffer:
//!
//! ```
//! # #[cfg(feature = "lz4")] {
//! use bufpress::codec::{Encode, Output, encode_into, lz4};
//! use bufpress::io::Cursor;
//!
//! fn pack<E: Encode + ?Sized, O: Output + ?Sized>(
//!     encoder: &mut E,
//!     message: &[u8],
//!     out: &mut O,
//! ) -> Result<usize, bufpress::Error> {
//!     Ok(encode_into(encoder, message, out)?)
//! }
//!
//! const MEM: usize = lz4::encoder_memory(lz4::BlockSize::Max64KiB, lz4::BlockMode::Independent);
//! let mut encoder = Box::new(lz4::Encoder::<MEM>::new());
//! let mut packet = [0u8; 256];
//! packet[0] = 0xC0; // a header byte; the payload starts at offset 1
//! let n = pack(&mut *encoder, b"abcabcabcabcabc", &mut Cursor::new(&mut packet[1..]))?;
//! assert!(n <= encoder.max_output_len(15).unwrap());
//! # }
//! # Ok::<(), bufpress::Error>(())
//! ```
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
//! | memory a state runs on | `<Type>State` | `deflate::EncoderState`, `deflate::DecoderState`, `deflate::InflateState` (one-shot), `zstd::DecoderState<N>` (with `N = zstd::decoder_memory(max_window)`, like `lz4::decoder_memory`) |
//! | one-shot calls | `compress_into` / `decompress_into` (`*_into` writes into the caller's buffer), `compress_frame_into` / `decompress_gzip_into` where one module has several formats; arguments `(input, out, settings…, state, outputs…)`; a method of the same name where the state is the codec (`zstd::Decoder::decompress_into`, bufpress-std's `Encoder::compress_into`) | `lz4::compress_into(input, out, table)`, `deflate::compress_into(input, out, format, level, state)`, `deflate::decompress_into(input, out, format, state)` |
//! | output bounds | a free function `max_<what>_len(len, settings…)` beside the one-shot call it bounds, input length first | `lz4::max_compressed_len(len)`, `lz4::max_frame_len(len, &settings)`, `deflate::max_compressed_len(len, format)`, `bufpress_std::zstd::max_compressed_len(len)` |
//! | settings | a `Copy` value with consuming `with_*` builders (`const` where possible) | `lz4::FrameSettings::new().with_block_checksum(true)`, `bufpress_std::zstd::Settings::new(3, 64 * 1024).with_checksum(true)` |
//! | builders | `with_<noun>(self, value) -> Self`, consuming, `#[must_use]`; never a constructor | `lz4::Encoder::new().with_settings(s)`, `deflate::Decoder::new(format, state).with_max_output(n)` |
//! | setters | `set_<noun>(&mut self, value)`, for a state already in a `static` or a pool | `lz4::Decoder::set_max_output`, `lz4::Encoder::set_settings` |
//! | getters | the plain noun | `level()`, `format()`, `settings()`, `max_output()`, `max_window()` |
//! | sizes announced in a header | `content_size` (lz4 `FrameSettings::with_content_size`, `Encoder::set_content_size`); libzstd's adapters keep libzstd's word, `pledged_size` (`set_pledged_size`), and its boolean `Settings::with_content_size(on)` says whether to write it | |
//! | limits | `max_<what>`, one word for each thing limited: `max_output` (total output of a stream), `max_window` (zstd window), `max_content` (one zstd frame's content) | `lz4::Decoder::with_max_output`, `zstd::Decoder::new(max_window).with_max_content(n)` |
//! | levels | `i32` everywhere, with `MIN_LEVEL`/`MAX_LEVEL`/`DEFAULT_LEVEL` in the codec's module (libzstd's minimum is a function, `min_level()`); out of range is [`EncodeError::InvalidSetting`] | deflate 0 to 10 (default 6), flate2 0 to 9 (default 6), libzstd `min_level()` to 19 (default 3); lz4 has no levels |
//! | outputs | one trait, [`Output`], taken as `&mut dyn Output` by [`Encode`] and [`Decode`] (object safe) and as `&mut (impl Output + ?Sized)` by the one-shot calls; `Buf`'s method names (`len`, `capacity`, `spare_capacity_mut`, `commit`, `truncate`) | [`Buf`], [`io::Cursor`](crate::io::Cursor), [`VecOutput`] |
//! | flushing | `flush(&mut self, out)` on the encoder, like `finish` (call until [`Status::Done`]); [`EncodeError::Unsupported`] where the format has none | [`Encode::flush`] |
//! | the bound of one encoder | [`Encode::max_output_len(&self, input_len)`](Encode::max_output_len), the codec's `max_*_len` for generic code | |
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

mod output;
pub use output::{Output, VecOutput, Vector};

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
    /// All input given was consumed; more may come. Answered to a call with no input
    /// (the input has ended), it means the stream is truncated.
    NeedInput,
    /// The output buffer is full: hand it on and call again with another one.
    OutputFull,
    /// The stream (frame) ended; `consumed` tells where, in the input. A gzip stream
    /// ends after a member only when the input has ended (see [`Decode::decode`]).
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
    /// A call with **empty input** says that the input has ended: the caller makes one
    /// (repeated while it answers `OutputFull`) when its input runs out, and `NeedInput`
    /// then means the stream is truncated. A format that may end in several places
    /// answers `Done` there only to that call: a gzip stream whose input stops exactly
    /// at a member's end answers `NeedInput` (another member may follow), and `Done`
    /// when called with no input. Every other codec ends a stream at its last byte.
    ///
    /// An empty call may also come before more input: a decompressing writer's `flush`
    /// makes one to get what the decoder holds, and writing goes on after it. A decoder
    /// must then take the input that follows as the rest of the stream (after its
    /// `NeedInput`), or, after a `Done` (a gzip member's end), as the next member or
    /// trailing data; every decoder of bufpress does.
    ///
    /// # Errors
    ///
    /// [`DecodeError`] for bad input; the decoder must be [`reset`](Self::reset)
    /// before it is used again. A call that fails appends nothing to `out` (what it
    /// decoded before finding the error is not kept); output of earlier calls was
    /// handed on already and is the caller's to discard.
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError>;

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
    fn encode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, EncodeError>;

    /// Flushes what is buffered and writes the end of the stream; call it until it
    /// returns [`Status::Done`], handing on each full buffer.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] as for [`encode`](Self::encode).
    fn finish(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError>;

    /// Writes out everything buffered so far, without ending the stream, so that a
    /// reader can decode all the input given until now (an lz4 frame ends its current
    /// block, deflate makes a sync flush, libzstd `ZSTD_e_flush`). Call it until it
    /// returns [`Status::Done`], handing on each full buffer ([`Status::OutputFull`]);
    /// then [`encode`](Self::encode) goes on with the same stream.
    ///
    /// A flush costs compression (each one ends a block) and is never needed before
    /// [`finish`](Self::finish).
    ///
    /// # Errors
    ///
    /// [`EncodeError::Unsupported`] for a codec whose format cannot flush (the default);
    /// otherwise as for [`encode`](Self::encode).
    fn flush(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let _ = out;
        Err(EncodeError::Unsupported)
    }

    /// The most bytes that [`encode`](Self::encode) and [`finish`](Self::finish) of
    /// one whole stream of `input_len` bytes can write, from a [`reset`](Self::reset)
    /// encoder with its current settings and no [`flush`](Self::flush): an output of
    /// this capacity always suffices for [`encode_into`]. `None` when the codec knows
    /// no bound or it does not fit in `usize` (the default).
    ///
    /// It is the codec's `max_*_len` function (`lz4::max_frame_len`,
    /// `deflate::max_compressed_len`, ...) for generic code.
    fn max_output_len(&self, input_len: usize) -> Option<usize> {
        let _ = input_len;
        None
    }

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
            fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
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
            fn encode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, EncodeError> {
                (**self).encode(input, out)
            }

            fn finish(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
                (**self).finish(out)
            }

            fn flush(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
                (**self).flush(out)
            }

            fn max_output_len(&self, input_len: usize) -> Option<usize> {
                (**self).max_output_len(input_len)
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

/// A failure of [`decode_to`] or [`encode_to`] is its codec's, the pool's or its
/// sink's error, when the sink's error is one of this crate's (or `Infallible`).
impl<C: Into<crate::Error>, S: Into<crate::Error>> From<StreamError<C, S>> for crate::Error {
    fn from(e: StreamError<C, S>) -> Self {
        match e {
            StreamError::Codec(e) => e.into(),
            StreamError::Acquire(e) => e.into(),
            StreamError::Sink(e) => e.into(),
        }
    }
}

/// A failure of [`decode_to`] / [`encode_to`] as a `std::io::Error` (feature `std`):
/// the codec's or the pool's error converted, the sink's `io::Error` returned as it is
/// (or a sink error of this crate's converted).
#[cfg(bufpress_std)]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<C: Into<crate::Error>, S: Into<std::io::Error>> From<StreamError<C, S>> for std::io::Error {
    fn from(e: StreamError<C, S>) -> Self {
        match e {
            StreamError::Codec(e) => {
                let e: crate::Error = e.into();
                e.into()
            }
            StreamError::Acquire(e) => e.into(),
            StreamError::Sink(e) => e.into(),
        }
    }
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
        // A call with no input tells the decoder that the input has ended (a gzip
        // stream may end between members); it comes once all of `input` is taken.
        let ended = input.is_empty();
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
            Status::NeedInput if ended => {
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
/// which must be exactly one whole stream, into the spare capacity of `out` (any
/// [`Output`]), and returns the bytes appended.
///
/// On any error `out` keeps nothing of this call (it is truncated back) and the
/// decoder needs a `reset` (which the next call does).
///
/// # Errors
///
/// The decoder's error; [`DecodeError::OutputTooSmall`] when `out` filled before the
/// stream ended, [`DecodeError::Truncated`] when `input` ended first,
/// [`DecodeError::TrailingData`] when bytes follow the stream.
pub fn decode_into<D: Decode + ?Sized, O: Output + ?Sized>(
    decoder: &mut D,
    input: &[u8],
    mut out: &mut O,
) -> Result<usize, DecodeError> {
    let out: &mut dyn Output = &mut out;
    decoder.reset();
    let start = out.len();
    let result = match decode_all(decoder, input, out) {
        Ok(p) => match p.status {
            Status::Done if p.consumed == input.len() => Ok(out.len().saturating_sub(start)),
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

/// Decodes all of `input` in one call, then, if the decoder took it all and wants more,
/// says that the input has ended (a call with none: a gzip stream may end between
/// members, and a decoder mid-stream still answers `NeedInput`). `consumed` counts
/// both calls.
fn decode_all(
    decoder: &mut (impl Decode + ?Sized),
    input: &[u8],
    out: &mut dyn Output,
) -> Result<Progress, DecodeError> {
    let p = decoder.decode(input, out)?;
    if p.status != Status::NeedInput || p.consumed != input.len() || input.is_empty() {
        return Ok(p);
    }
    let end = decoder.decode(&[], out)?;
    Ok(Progress {
        consumed: p.consumed,
        produced: p.produced + end.produced,
        status: end.status,
    })
}

/// One-shot encoding with any streaming [`Encode`]: `reset`s it, encodes `input` as
/// one whole stream into the spare capacity of `out` (any [`Output`]), and returns the
/// bytes appended. An output with [`Encode::max_output_len`] bytes spare always
/// suffices.
///
/// On any error `out` keeps nothing of this call, and the encoder needs a `reset`
/// (which the next call does).
///
/// # Errors
///
/// The encoder's error; [`EncodeError::OutputTooSmall`] when `out` filled before the
/// stream ended (`needed` is `out.len()` plus [`Encode::max_output_len`], when known).
pub fn encode_into<C: Encode + ?Sized, O: Output + ?Sized>(
    encoder: &mut C,
    input: &[u8],
    mut out: &mut O,
) -> Result<usize, EncodeError> {
    let out: &mut dyn Output = &mut out;
    encoder.reset();
    let start = out.len();
    let full = EncodeError::OutputTooSmall {
        needed: encoder
            .max_output_len(input.len())
            .and_then(|n| n.checked_add(start)),
        capacity: out.capacity(),
    };
    let result = match encoder.encode(input, out) {
        Ok(p) if p.consumed < input.len() => Err(full),
        Ok(_) => match encoder.finish(out) {
            Ok(p) if p.status == Status::Done => Ok(out.len().saturating_sub(start)),
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
