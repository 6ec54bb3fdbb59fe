//! zstd through libzstd (the `zstd-sys` crate), with **no allocation after
//! construction, libzstd's own included**.
//!
//! Each [`Encoder`] and [`Decoder`] is a *static* libzstd context
//! (`ZSTD_initStaticCCtx` / `ZSTD_initStaticDCtx`) laid on memory allocated once,
//! when it is built, and sized from the data: the compression level and the largest
//! message planned ([`Settings`]), or the decoder's window limit. libzstd never calls
//! `malloc` for a static context, never resizes it, and never frees and reallocates
//! it after 128 small calls (as it does with ordinary contexts whose memory is 3x
//! what they need). [`Encoder::memory`] and [`Decoder::memory`] tell the size.
//!
//! | type | what |
//! |---|---|
//! | [`Encoder`] | one-shot [`compress_into`](Encoder::compress_into) a pool buffer; streaming through [`bufpress::codec::Encode`] |
//! | [`Decoder`] | one-shot [`decompress_into`](Decoder::decompress_into) (every frame of the input); streaming through [`bufpress::codec::Decode`] |
//! | [`EncodeWriter`] | a compressing `io::Write`, `finish` / `reset`, reusable |
//! | [`DecodeReader`] | a decompressing `io::Read` over a `BufRead`, or over a plain `Read` through a [`PoolBufReader`] ([`DecodeReader::from_read`]), `reset`, reusable |
//! | [`DecodeWriter`] | a decompressing `io::Write`, `finish` / `reset`, reusable |
//!
//! The `io` types take their context as any `DerefMut` to it: owned in a `Box`,
//! borrowed, or a [`Value`](bufpress::pool::Value) from a
//! [`ValuePool`](bufpress::pool::ValuePool), so N threads share M contexts:
//!
//! ```
//! use std::io::{Read, Write};
//! use bufpress::pool::{Pool, ValuePool};
//! use bufpress_std::zstd::{Encoder, Decoder, Settings, DecodeReader, EncodeWriter};
//!
//! static BUFS: Pool<4, 4096> = Pool::new();
//!
//! // Built once: level 3, messages up to 64 KiB (so a 64 KiB window), checksums.
//! let params = Settings::new(3, 64 * 1024).with_checksum(true);
//! let encoders = ValuePool::new([Encoder::new(params)?, Encoder::new(params)?]);
//! let decoders = ValuePool::new([Decoder::new(64 * 1024)]);
//!
//! // One-shot, into a pool buffer.
//! let message = b"hello pool, hello zstd, hello pool, hello zstd".repeat(20);
//! let mut frame = BUFS.try_acquire()?;
//! encoders.try_acquire()?.compress_into(&message, &mut frame)?;
//! let mut back = BUFS.try_acquire()?;
//! decoders.try_acquire()?.decompress_into(&frame, &mut back)?;
//! assert_eq!(&back[..], &message[..]);
//!
//! // Streaming: a Write encoder and a Read decoder, each holding a pooled context.
//! let mut w = EncodeWriter::new(Vec::new(), encoders.try_acquire()?, BUFS.try_acquire()?);
//! w.write_all(&message)?;
//! let compressed = w.finish()?; // the context and the buffer go back
//! let mut r = DecodeReader::new(&compressed[..], decoders.try_acquire()?);
//! let mut text = Vec::new();
//! r.read_to_end(&mut text)?;
//! assert_eq!(text, message);
//! # drop((frame, back, r));
//! assert_eq!(BUFS.stats().available, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Windows and message sizes
//!
//! - **Compression**: the window is the smallest power of two holding
//!   [`Settings::max_message`] (at least 1 KiB), set explicitly (`ZSTD_c_windowLog`),
//!   and each one-shot message pledges its size, so a small message gets a small
//!   window and a single-segment frame. A message *larger* than planned still
//!   compresses with the planned window: matches reach back at most that far, and
//!   the context's memory suffices (it is sized for every parameter table libzstd
//!   may pick at that level). Tested with outliers 16x the planned size after more
//!   than 128 small messages.
//! - **Streaming compression** ([`EncodeWriter`], the `Encode` trait) copies input
//!   into an input window of two windows owned by the [`Encoder`], and libzstd
//!   compresses each block in place from it (its buffer-less calls). Half of the
//!   blocks then find their whole window in one piece of memory, which libzstd
//!   searches faster than a window split in two (its own input buffer, a window and
//!   a block, wraps before nearly every block). The cost is one window of memory
//!   more than libzstd's own streaming buffers, less 128 KiB (nothing more for
//!   windows up to 128 KiB); [`Settings::memory`] includes it.
//! - **Decompression**: the caller's window limit caps what a frame may ask for
//!   (`ZSTD_d_windowLogMax`, and a header check in the one-shot call). A frame with
//!   a larger window is [`DecodeError::LimitExceeded`] with the window it asked for.
//!
//! # Errors
//!
//! libzstd's error codes map to bufpress's shared types: [`DecodeError`] (`BadMagic`,
//! `Corrupt`, `Truncated`, `Checksum`, `LimitExceeded`, `OutputTooSmall`,
//! `Unsupported`) and [`EncodeError`] (`OutputTooSmall`, `InvalidSetting`,
//! `Finished`). The `io` adapters return them inside an [`std::io::Error`] of kind
//! `InvalidData` (bad input), `WriteZero` (output too small) or `InvalidInput`. A
//! checksum mismatch found by the one-shot call reports the stored and computed
//! values; the streaming decoder reports 0 for both (libzstd does not expose them).
//!
//! [`DecodeError`]: bufpress::codec::DecodeError
//! [`DecodeError::LimitExceeded`]: bufpress::codec::DecodeError::LimitExceeded
//!
//! # Safety
//!
//! The `unsafe` code (the calls into libzstd) is all in one private module, `ctx`,
//! behind safe functions that take slices; the rest of this module denies
//! `unsafe_code`. A static context lives in a workspace owned by the same value, which
//! frees it only when the context is dropped.
//!
//! [`EncodeError`]: bufpress::codec::EncodeError
#![deny(unsafe_code)]

mod compress;
mod ctx;
mod decompress;
mod error;
mod io;

pub use compress::{
    DEFAULT_LEVEL, Encoder, MAX_LEVEL, Settings, ULTRA_MAX_LEVEL, max_compressed_len, min_level,
};
pub use decompress::Decoder;
pub use io::{DecodeReader, DecodeWriter, EncodeWriter, PoolBufReader};
