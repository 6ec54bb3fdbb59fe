//! Error types: one small type per operation, each with a lowercase `Display`, and
//! [`Error`], which any of them converts into (so `?` works across operations).
//!
//! None of these is ever produced by a panic path: exhaustion, capacity and bad
//! handles are ordinary results.
//!
//! This module depends on no other: the pool and the codecs use its types (the codec
//! errors, [`DecodeError`], [`EncodeError`] and [`Checksum`], are re-exported from
//! [`codec`](crate::codec) too), and it imports nothing from them.

use core::fmt;

/// Every buffer (or value) of the pool is in use.
///
/// Returned by `try_acquire`. It is the only way a non-blocking acquire fails: the free
/// list never fails spuriously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct AcquireError {
    /// How many buffers the pool has.
    pub capacity: usize,
}

impl AcquireError {
    /// The error for a pool of `capacity` buffers.
    pub const fn new(capacity: usize) -> Self {
        Self { capacity }
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pool exhausted: all {} buffers are in use",
            self.capacity
        )
    }
}

impl core::error::Error for AcquireError {}

/// A write would not fit in the buffer; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct CapacityError {
    /// The length the buffer would need to hold the data.
    pub needed: usize,
    /// The buffer's capacity.
    pub capacity: usize,
}

impl CapacityError {
    /// The error for a write that needs `needed` bytes in a buffer of `capacity`.
    pub const fn new(needed: usize, capacity: usize) -> Self {
        Self { needed, capacity }
    }
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "buffer too small: {} bytes needed, capacity is {}",
            self.needed, self.capacity
        )
    }
}

impl core::error::Error for CapacityError {}

/// [`SizeClasses::try_acquire`](crate::pool::SizeClasses::try_acquire) found no buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClassError {
    /// No class has buffers this large.
    TooLarge {
        /// The length asked for.
        requested: usize,
        /// The largest buffer size of any class (0 with no classes).
        largest: usize,
    },
    /// Every class allowed for this length is exhausted.
    Exhausted {
        /// The length asked for.
        requested: usize,
    },
}

impl fmt::Display for ClassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooLarge { requested, largest } => write!(
                f,
                "no size class holds {requested} bytes (largest is {largest})"
            ),
            Self::Exhausted { requested } => {
                write!(
                    f,
                    "every size class that fits {requested} bytes is exhausted"
                )
            }
        }
    }
}

impl core::error::Error for ClassError {}

/// A raw handle given to `try_from_raw` does not stand for a buffer held as raw.
///
/// The pool checks every handle, so a stale, duplicated or forged handle is an error
/// and never a second owner of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RawError {
    /// The index is not a slot of this pool.
    OutOfRange {
        /// The handle's slot index.
        index: usize,
    },
    /// The slot is not held as a raw handle with this key: the handle was already
    /// turned back into a guard, or belongs to another pool.
    NotRaw {
        /// The handle's slot index.
        index: usize,
    },
    /// The handle's length is larger than the buffer.
    Length {
        /// The handle's length.
        len: usize,
        /// The buffer's capacity.
        capacity: usize,
    },
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::OutOfRange { index } => {
                write!(f, "invalid raw handle: slot {index} is not in this pool")
            }
            Self::NotRaw { index } => write!(
                f,
                "invalid raw handle: slot {index} is not held by this handle"
            ),
            Self::Length { len, capacity } => write!(
                f,
                "invalid raw handle: length {len} exceeds capacity {capacity}"
            ),
        }
    }
}

impl core::error::Error for RawError {}

/// Memory handed to [`RegionPool::new`](crate::pool::RegionPool::new) cannot hold the
/// pool asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RegionError {
    /// The alignment is not a power of two from 4 to 4096.
    Alignment {
        /// The alignment asked for.
        align: usize,
    },
    /// The buffer size is 0 or larger than `u32::MAX`.
    BufferSize {
        /// The buffer size asked for.
        size: usize,
    },
    /// The region is too small for the buffers once aligned.
    TooSmall {
        /// Bytes needed (including what aligning the start costs).
        needed: usize,
        /// Bytes in the region.
        available: usize,
    },
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Alignment { align } => {
                write!(f, "alignment {align} is not a power of two from 4 to 4096")
            }
            Self::BufferSize { size } => write!(f, "buffer size {size} is out of range"),
            Self::TooSmall { needed, available } => write!(
                f,
                "region too small: {needed} bytes needed, {available} available"
            ),
        }
    }
}

impl core::error::Error for RegionError {}

/// Which checksum failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Checksum {
    /// A frame or member header checksum (lz4 HC, gzip FHCRC).
    Header,
    /// A block checksum (lz4 block checksum).
    Block,
    /// The whole content (lz4 content checksum, gzip CRC-32, zlib Adler-32, zstd
    /// XXH64).
    Content,
    /// The gzip ISIZE field (content length modulo 2^32).
    Length,
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header checksum",
            Self::Block => "block checksum",
            Self::Content => "content checksum",
            Self::Length => "content length",
        })
    }
}

/// Why decoding failed. Corrupt, truncated or oversized input is an ordinary error,
/// never a panic; a decoder that returned an error must be `reset` before reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The input does not start with this format's magic bytes.
    BadMagic,
    /// The input is not valid data of this format.
    Corrupt,
    /// Reserved bits or fields are set, or a header field has a value the format
    /// forbids.
    Reserved,
    /// The input ended inside a frame.
    Truncated,
    /// A checksum did not match.
    Checksum {
        /// Which checksum.
        kind: Checksum,
        /// The value stored in the data.
        expected: u32,
        /// The value computed over the data.
        actual: u32,
    },
    /// The output buffer is too small for the one-shot call (`needed` when the data
    /// declares its size).
    OutputTooSmall {
        /// The size the data needs, when known.
        needed: Option<u64>,
        /// The buffer's capacity.
        capacity: usize,
    },
    /// The data declares or produces more than the caller's limit (output size or
    /// window); detected before writing or allocating past it.
    LimitExceeded {
        /// The caller's limit.
        limit: u64,
        /// What the data declares, when known.
        needed: Option<u64>,
    },
    /// A valid feature this decoder does not support (e.g. lz4 dictionaries).
    Unsupported,
    /// Bytes follow the end of the data where none may.
    TrailingData,
    /// A decoder returned [`Status::NeedInput`](crate::codec::Status::NeedInput)
    /// without consuming all of its input: a [`Decode`](crate::codec::Decode)
    /// implementation that breaks the trait's contract (none of bufpress's). The
    /// reading adapters and `bufpress-std`'s decompressing writer report it instead of
    /// offering the same input forever.
    Stalled,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic => f.write_str("bad magic: not data of this format"),
            Self::Corrupt => f.write_str("corrupt data"),
            Self::Reserved => f.write_str("reserved bits or forbidden header values set"),
            Self::Truncated => f.write_str("truncated input: it ends inside a frame"),
            Self::Checksum {
                kind,
                expected,
                actual,
            } => write!(
                f,
                "{kind} mismatch: stored {expected:#010x}, computed {actual:#010x}"
            ),
            Self::OutputTooSmall {
                needed: Some(n),
                capacity,
            } => write!(
                f,
                "output too small: {n} bytes needed, capacity is {capacity}"
            ),
            Self::OutputTooSmall {
                needed: None,
                capacity,
            } => write!(f, "output too small: more than {capacity} bytes"),
            Self::LimitExceeded {
                limit,
                needed: Some(n),
            } => write!(
                f,
                "limit exceeded: the data needs {n} bytes, the limit is {limit}"
            ),
            Self::LimitExceeded {
                limit,
                needed: None,
            } => write!(
                f,
                "limit exceeded: the data produces more than {limit} bytes"
            ),
            Self::Unsupported => f.write_str("unsupported feature of the format"),
            Self::TrailingData => f.write_str("trailing data after the end of the stream"),
            Self::Stalled => f.write_str("the decoder asked for input without taking what it had"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why encoding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small for the one-shot call.
    OutputTooSmall {
        /// The worst-case size the output may need, when known.
        needed: Option<usize>,
        /// The buffer's capacity.
        capacity: usize,
    },
    /// A setting out of range (a level, a block size).
    InvalidSetting,
    /// The encoder was used after `finish` without `reset`.
    Finished,
    /// The codec cannot do this (a flush in a format that has none).
    Unsupported,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::OutputTooSmall {
                needed: Some(n),
                capacity,
            } => write!(
                f,
                "output too small: up to {n} bytes needed, capacity is {capacity}"
            ),
            Self::OutputTooSmall {
                needed: None,
                capacity,
            } => write!(f, "output too small: capacity is {capacity}"),
            Self::InvalidSetting => f.write_str("setting out of range"),
            Self::Finished => f.write_str("encoder already finished: reset it first"),
            Self::Unsupported => f.write_str("not supported by this codec"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Any error of this crate, for callers that mix operations and use `?`.
///
/// Every error the crate returns converts into it with `From`: the pool's
/// ([`AcquireError`], [`CapacityError`], [`ClassError`], [`RawError`],
/// [`RegionError`]), the codecs' ([`DecodeError`], [`EncodeError`]), a
/// [`StreamError`](crate::codec::StreamError) of `decode_to` / `encode_to` whose sink
/// fails with one of them or `Infallible`, and an `embedded-io` adapter's
/// `io::Error` over a `Buf` or a `Cursor`. So one function mixes them with plain `?`:
///
/// ```
/// # #[cfg(feature = "lz4")] {
/// use bufpress::codec::{decode_to, lz4};
/// use bufpress::pool::{Pool, ValuePool};
///
/// static POOL: Pool<4, 512> = Pool::new();
/// static TABLES: ValuePool<lz4::Table, 1> = ValuePool::new([const { lz4::Table::new() }]);
/// static DECODERS: ValuePool<lz4::Decoder<{ 2 * 64 * 1024 }>, 1> =
///     ValuePool::new([const { lz4::Decoder::new() }]);
///
/// fn round_trip(message: &[u8]) -> Result<usize, bufpress::Error> {
///     let mut packed = POOL.try_acquire()?; // AcquireError
///     let mut table = TABLES.try_acquire()?;
///     lz4::compress_frame_into(message, &mut packed, &lz4::FrameSettings::new(), &mut table)?; // EncodeError
///     let mut decoder = DECODERS.try_acquire()?;
///     let mut total = 0;
///     decode_to(&mut *decoder, &packed, POOL.pool_ref(), |buf| {
///         total += buf.len();
///         Ok::<(), core::convert::Infallible>(())
///     })?; // StreamError<DecodeError, Infallible>
///     let mut reply = POOL.try_acquire()?;
///     reply.extend_from_slice(b"ok")?; // CapacityError
///     Ok(total)
/// }
///
/// assert_eq!(round_trip(b"hello hello hello")?, 17);
/// # }
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// With feature `std`, each of them also converts into `std::io::Error` (of the kind
/// `Error::io_error_kind` gives), so `?` works in a function returning
/// `std::io::Result`:
///
/// ```
/// # #[cfg(all(feature = "lz4", feature = "std"))] {
/// use bufpress::codec::lz4;
/// use bufpress::pool::Pool;
/// use std::io::Write;
///
/// static POOL: Pool<2, 256> = Pool::new();
///
/// fn send(message: &[u8], mut to: impl Write) -> std::io::Result<()> {
///     let mut packed = POOL.try_acquire()?;
///     let mut table = lz4::Table::new();
///     lz4::compress_into(message, &mut packed, &mut table)?;
///     to.write_all(&packed)
/// }
///
/// let mut wire = Vec::new();
/// send(b"hello hello hello", &mut wire)?;
/// let noise: Vec<u8> = (0..=255).collect(); // no repeats: does not fit in 256 bytes
/// let err = send(&noise, &mut wire).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// See [`AcquireError`].
    Acquire(AcquireError),
    /// See [`CapacityError`].
    Capacity(CapacityError),
    /// See [`ClassError`].
    Class(ClassError),
    /// See [`RawError`].
    Raw(RawError),
    /// See [`RegionError`].
    Region(RegionError),
    /// See [`DecodeError`].
    Decode(DecodeError),
    /// See [`EncodeError`].
    Encode(EncodeError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Acquire(e) => e.fmt(f),
            Self::Capacity(e) => e.fmt(f),
            Self::Class(e) => e.fmt(f),
            Self::Raw(e) => e.fmt(f),
            Self::Region(e) => e.fmt(f),
            Self::Decode(e) => e.fmt(f),
            Self::Encode(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Acquire(e) => Some(e),
            Self::Capacity(e) => Some(e),
            Self::Class(e) => Some(e),
            Self::Raw(e) => Some(e),
            Self::Region(e) => Some(e),
            Self::Decode(e) => Some(e),
            Self::Encode(e) => Some(e),
        }
    }
}

macro_rules! from_error {
    ($($ty:ident => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Self::$variant(e)
            }
        }
    )*};
}

from_error! {
    AcquireError => Acquire,
    CapacityError => Capacity,
    ClassError => Class,
    RawError => Raw,
    RegionError => Region,
    DecodeError => Decode,
    EncodeError => Encode,
}

/// A sink or inner stream that cannot fail (`Result<_, Infallible>`) converts too, so
/// a `StreamError<DecodeError, Infallible>` goes through `?`.
impl From<core::convert::Infallible> for Error {
    fn from(e: core::convert::Infallible) -> Self {
        match e {}
    }
}

impl Error {
    /// The `std::io::ErrorKind` this error becomes as a `std::io::Error` (feature
    /// `std`):
    ///
    /// | error | kind |
    /// |---|---|
    /// | pool or size class exhausted | `OutOfMemory` |
    /// | buffer capacity, one-shot output too small | `WriteZero` |
    /// | corrupt data, bad magic, reserved bits, checksum, trailing data, limit exceeded | `InvalidData` |
    /// | a stalled decoder (a `Decode` breaking its contract: a bug, not bad data) | `Other` |
    /// | input ended inside a stream | `UnexpectedEof` |
    /// | a valid feature the codec does not support | `Unsupported` |
    /// | bad raw handle, bad region, bad encoder setting, encoder used after `finish` | `InvalidInput` |
    #[cfg(bufpress_std)]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn io_error_kind(&self) -> std::io::ErrorKind {
        use std::io::ErrorKind as K;
        match self {
            Self::Acquire(_) | Self::Class(ClassError::Exhausted { .. }) => K::OutOfMemory,
            Self::Capacity(_)
            | Self::Decode(DecodeError::OutputTooSmall { .. })
            | Self::Encode(EncodeError::OutputTooSmall { .. }) => K::WriteZero,
            Self::Decode(DecodeError::Truncated) => K::UnexpectedEof,
            Self::Decode(DecodeError::Unsupported) | Self::Encode(EncodeError::Unsupported) => {
                K::Unsupported
            }
            Self::Decode(DecodeError::Stalled) => K::Other,
            Self::Decode(_) => K::InvalidData,
            _ => K::InvalidInput,
        }
    }
}

/// `std::io::Error` from every error here (feature `std`), so `?` works in a function
/// returning `std::io::Result`. The kind is [`Error::io_error_kind`]'s. An empty pool
/// or size class gives a kind-only error (`OutOfMemory`), which allocates nothing:
/// under load it is an ordinary event. Every other error keeps the bufpress error as
/// its source (`get_ref`, `downcast`), in a small box: those paths allocate.
#[cfg(bufpress_std)]
mod std_io {
    use super::*;
    use std::io;

    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    impl From<Error> for io::Error {
        fn from(e: Error) -> Self {
            match e.io_error_kind() {
                io::ErrorKind::OutOfMemory => io::ErrorKind::OutOfMemory.into(),
                kind => io::Error::new(kind, e),
            }
        }
    }

    macro_rules! into_io_error {
        ($($ty:ident),* $(,)?) => {$(
            #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
            impl From<$ty> for io::Error {
                fn from(e: $ty) -> Self {
                    Error::from(e).into()
                }
            }
        )*};
    }

    into_io_error!(
        AcquireError,
        CapacityError,
        ClassError,
        RawError,
        RegionError,
        DecodeError,
        EncodeError,
    );
}

/// `embedded_io::Error` for every error here (feature `embedded-io`), with the kinds
/// `bufpress-std` gives the same errors as `io::Error`s: an empty pool is
/// `OutOfMemory`; a full buffer or a one-shot output too small `WriteZero`; corrupt,
/// truncated or oversized data `InvalidData` (embedded-io has no `UnexpectedEof`);
/// an unsupported feature of a format `Unsupported`; a stalled decoder `Other`; anything else (a bad raw handle,
/// region or setting, an encoder used after `finish`) `InvalidInput`.
#[cfg(feature = "embedded-io")]
mod embedded_io_kinds {
    use super::*;
    use embedded_io::ErrorKind as K;

    impl embedded_io::Error for Error {
        fn kind(&self) -> K {
            match self {
                Self::Acquire(_) | Self::Class(ClassError::Exhausted { .. }) => K::OutOfMemory,
                Self::Capacity(_)
                | Self::Decode(DecodeError::OutputTooSmall { .. })
                | Self::Encode(EncodeError::OutputTooSmall { .. }) => K::WriteZero,
                Self::Decode(DecodeError::Unsupported) | Self::Encode(EncodeError::Unsupported) => {
                    K::Unsupported
                }
                Self::Decode(DecodeError::Stalled) => K::Other,
                Self::Decode(_) => K::InvalidData,
                _ => K::InvalidInput,
            }
        }
    }

    macro_rules! kind_of_error {
        ($($ty:ident),* $(,)?) => {$(
            impl embedded_io::Error for $ty {
                fn kind(&self) -> K {
                    embedded_io::Error::kind(&Error::from(*self))
                }
            }
        )*};
    }

    kind_of_error!(
        AcquireError,
        CapacityError,
        ClassError,
        RawError,
        RegionError,
        DecodeError,
        EncodeError,
    );
}
