//! Fixed buffer pools for compressing and decompressing with **no heap allocation at
//! run time**.
//!
//! `bufpress` is `#![no_std]` and needs no allocator. Its foundation is a fixed arena of
//! buffers that can be a `static` (its initial image is all zero, so it lands in `.bss`)
//! or laid over memory the caller hands in (a DMA-capable linker section). Free buffers
//! sit on a lock-free intrusive free list; a guard hands out one buffer and returns that
//! same buffer when it is dropped.
//!
//! ```
//! use bufpress::pool::Pool;
//!
//! // 8 buffers of 1 KiB, in .bss, no init call.
//! static POOL: Pool<8, 1024> = Pool::new();
//!
//! let mut buf = POOL.try_acquire()?;          // never blocks; fails only when all 8 are out
//! buf.extend_from_slice(b"sensor frame")?;     // a capacity error, never a panic
//! assert_eq!(&buf[..], b"sensor frame");
//! assert_eq!(POOL.stats().in_use, 1);
//! drop(buf);                                   // the same buffer goes back
//! assert_eq!(POOL.stats().available, 8);
//! # Ok::<(), bufpress::Error>(())
//! ```
//!
//! # Modules
//!
//! - [`pool`]: the arena ([`pool::Pool`], [`pool::RegionPool`]), the guard
//!   ([`pool::Buf`]), raw handles, size classes ([`pool::SizeClasses`]) and pools of
//!   values ([`pool::ValuePool`]) for codec states.
//! - [`codec`]: lz4, deflate/zlib/gzip and zstd into pool buffers; its docs hold the
//!   [naming scheme](codec#naming) every codec follows.
//! - [`io`]: [`io::Cursor`] (a position over bytes: a codec output over any slice),
//!   and with feature `embedded-io` `embedded-io` readers and writers over buffers
//!   and codecs.
//! - [`error`]: one small error type per operation, and [`Error`] that any of them
//!   converts into.
//!
//! # Features
//!
//! - `defmt`: `defmt::Format` for errors and stats.
//! - `critical-section`: for cores with no compare-and-swap (thumbv6m); atomics are
//!   emulated inside a critical section (see [`pool`] for the design note). With
//!   `async`, the waiter lock is a critical section too.
//! - `async`: `acquire`, a future that waits for a buffer on any executor with no
//!   allocation (FIFO, cancel-safe; see `pool::Acquire`). Adds `intrusive-collections`.
//! - `lz4`, `deflate`, `zstd`, `alloc`: the codecs (see [`codec`]).
//! - `embedded-io`: `embedded_io::Write` for [`pool::Buf`], and `io`: a reader over a
//!   filled buffer and codec adapters over any `embedded_io::Write` / `BufRead`.
//! - `embedded-io-async` (implies `embedded-io`): the same adapters over
//!   `embedded_io_async` (`io::asynch`), e.g. for an embassy-net `TcpSocket`.
//! - `bytes`: `bytes::BufMut` for [`pool::Buf`], so code written for `BytesMut`
//!   fills a pool buffer (which never grows: see the impl's `# Panics`).
#![no_std]
// docs.rs: every feature-gated item shows the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` is allowed only in the pool modules that turn slot indices into memory, in
// `zeroed` (miniz_oxide's decompressor as all zero bytes) and, in the codecs, in lz4's
// block hot loops (`codec/lz4/fast.rs`); see `docs/safety.md`.
#![deny(unsafe_code, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, unreachable_pub, clippy::undocumented_unsafe_blocks)]

#[cfg(any(test, bufpress_std))]
extern crate std;

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod codec;
pub mod error;
pub mod io;
pub mod pool;
mod sync;
#[cfg(feature = "deflate")]
mod zeroed;

pub use error::Error;
