//! std adapters for [`bufpress`]: [`std::io::Write`] and [`Read`](std::io::Read) over
//! pooled buffers, a parking acquire with a timeout, and libzstd and flate2 backends
//! whose contexts are built once and reused, so the steady state allocates nothing.
//!
//! | piece | what |
//! |---|---|
//! | [`Chain`], [`ChainReader`] | `Write` into successive pool buffers (a limit of `N`), `Read` back |
//! | [`EncodeWriter`], [`DecodeReader`], [`DecodeWriter`] | `Write`/`Read` over any bufpress codec, through one pool buffer |
//! | [`cache::Cache`] | a per-thread cache of buffers in front of a pool, refilled and drained in batches (for threads that contend) |
//! | [`acquire_timeout`], [`AcquirePolicy`] | wait for a buffer, parked, with a timeout |
//! | [`zstd`] (feature `zstd`) | libzstd with static contexts: one-shot into pool buffers, reusable `Write`/`Read` encoders and decoders, no allocation after construction (libzstd's own included) |
//! | [`flate`] (feature `flate2`) | deflate/zlib/gzip on flate2, reused, bufpress-written gzip framing |
//! | `tokio` (feature `tokio`) | `AsyncWrite` encoders and `AsyncRead`/`AsyncBufRead` decoders over any codec, pooled state and staging, cancel-safe, no allocation per stream |
//! | [`to_io_error`] | bufpress errors as `io::Error` (`InvalidData` for corrupt input) |
//!
//! # Three ways to own the output
//!
//! **Take a buffer and hand it back**: the guard goes where the data goes (another
//! thread, a queue) and returns to the pool when dropped there.
//!
//! ```
//! use bufpress::codec::deflate::Format;
//! use bufpress::pool::Pool;
//! use bufpress_std::flate::Encoder;
//!
//! static POOL: Pool<8, 4096> = Pool::new();
//! let mut gzip = Encoder::new(Format::Gzip, 6)?;
//!
//! let (tx, rx) = std::sync::mpsc::sync_channel(8);
//! let mut out = POOL.try_acquire()?;
//! gzip.compress_into(b"a message, a message", &mut out)?;
//! tx.send(out)?; // the receiver owns the buffer now
//! let received = rx.recv()?;
//! assert_eq!(&received[..2], &[0x1f, 0x8b]);
//! drop(received); // back in the pool
//! assert_eq!(POOL.stats().available, 8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Borrow it mutably**: one buffer, cleared and refilled for every message.
//!
//! ```
//! # use bufpress::codec::deflate::Format;
//! # use bufpress::pool::Pool;
//! # use bufpress_std::flate::Encoder;
//! # static POOL: Pool<8, 4096> = Pool::new();
//! # let mut gzip = Encoder::new(Format::Gzip, 6)?;
//! let mut out = POOL.try_acquire()?;
//! for message in [&b"one"[..], b"two", b"three"] {
//!     out.clear();
//!     let n = gzip.compress_into(message, &mut out)?;
//!     assert_eq!(n, out.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Write through `Write`**: any code that takes an `io::Write` fills pool buffers.
//!
//! ```
//! use bufpress::pool::Pool;
//! use bufpress_std::Chain;
//! use std::io::Write;
//!
//! static POOL: Pool<8, 256> = Pool::new();
//! let mut chain = Chain::<8>::new(POOL.pool_ref());
//! write!(chain, "{} bytes of {}", 1000, "formatted text")?;
//! serde_like_writer(&mut chain)?;
//! assert_eq!(chain.len(), 28 + 600);
//! # fn serde_like_writer(w: &mut impl Write) -> std::io::Result<()> { w.write_all(&[b'x'; 600]) }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Naming
//!
//! This crate follows bufpress's [naming scheme](bufpress::codec#naming):
//!
//! - codec states named through their module: [`zstd::Encoder`], [`zstd::Decoder`],
//!   [`flate::Encoder`], [`flate::Decoder`], implementing bufpress's
//!   [`Encode`](bufpress::codec::Encode) / [`Decode`](bufpress::codec::Decode);
//! - settings with consuming `with_*` builders ([`zstd::Settings::with_checksum`]),
//!   getters as plain nouns (`level()`, `settings()`, `max_window()`), limits as
//!   `max_<what>` ([`flate::Decoder::with_max_output`], `zstd::Decoder::new(max_window)`);
//! - levels are `i32` with `MIN_LEVEL`/`MAX_LEVEL`/`DEFAULT_LEVEL` (zstd: `min_level()`);
//! - output bounds are free functions: [`zstd::max_compressed_len`];
//! - `io` adapters in the flate2/zstd dialect: [`EncodeWriter`], [`DecodeWriter`],
//!   [`DecodeReader`] for any codec, `new(inner, codec, staging)`,
//!   `finish(self) -> io::Result<W>`, `try_finish(&mut self)`, `reset(inner)`,
//!   `get_ref`/`get_mut`, `into_parts() -> (inner, codec, staging)`. The libzstd
//!   ones, [`zstd::EncodeWriter`] and [`zstd::DecodeWriter`], take the same arguments
//!   and add what only libzstd has (a flush block on `flush`, `set_pledged_size`);
//!   [`zstd::DecodeReader`] reads through libzstd's own input buffer, so it is
//!   `new(inner, codec)` and `into_parts() -> (inner, codec)`. Use the generic ones
//!   for core's codecs, the `zstd::` ones for libzstd; the tokio ones
//!   (`tokio::EncodeWriter`, `tokio::DecodeReader`, feature `tokio`) take the
//!   same arguments, with `async` `finish`/`try_finish` and `shutdown()` ending the
//!   stream;
//! - [`AcquirePolicy`] says how to get a buffer from an empty pool (core's
//!   `pool::Acquire` is the future); [`to_io_error`], [`io_error_kind`] and
//!   [`stream_to_io_error`] convert errors.
// docs.rs: every feature-gated item shows the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` only in `zstd::ctx`, the calls into libzstd.
#![deny(unsafe_code)]

pub mod cache;
mod chain;
mod codec_io;
mod error;
#[cfg(feature = "flate2")]
pub mod flate;
mod wait;

#[cfg(feature = "tokio")]
pub mod tokio;
#[cfg(feature = "zstd")]
pub mod zstd;

pub use chain::{Chain, ChainReader};
pub use codec_io::{DecodeReader, DecodeWriter, EncodeWriter};
pub use error::{io_error_kind, stream_to_io_error, to_io_error};
pub use wait::{AcquirePolicy, acquire_timeout};
