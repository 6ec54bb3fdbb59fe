//! std adapters for [`bufpress`]: for now, the conversions from bufpress's errors to
//! [`std::io::Error`]. The pooled `Write`/`Read`, the parking acquire and the zstd and
//! flate2 backends come next (see the CHANGELOG).
//!
//! - [`zstd`] (feature `zstd`, on by default): libzstd with static contexts, one-shot
//!   into pool buffers and reusable `Write`/`Read` encoders and decoders, no allocation
//!   after construction (libzstd's own included).
//!
//! ```
//! use bufpress::pool::Pool;
//! use bufpress_std::to_io_error;
//!
//! static POOL: Pool<1, 4> = Pool::new();
//! let mut buf = POOL.try_acquire().map_err(to_io_error)?;
//! let err = buf.extend_from_slice(b"too long").map_err(to_io_error).unwrap_err();
//! assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;

#[cfg(feature = "zstd")]
pub mod zstd;

/// Converts any bufpress error into an [`io::Error`] of a fitting kind, keeping the
/// original error as its source.
///
/// | error | kind |
/// |---|---|
/// | pool or size class exhausted | `OutOfMemory` |
/// | buffer capacity | `WriteZero` |
/// | bad raw handle, bad region | `InvalidInput` |
pub fn to_io_error(err: impl Into<bufpress::Error>) -> io::Error {
    use bufpress::Error as E;
    let err = err.into();
    let kind = match err {
        E::Exhausted(_) | E::Class(bufpress::error::ClassError::Exhausted { .. }) => {
            io::ErrorKind::OutOfMemory
        }
        E::Capacity(_) => io::ErrorKind::WriteZero,
        _ => io::ErrorKind::InvalidInput,
    };
    io::Error::new(kind, err)
}
