//! bufpress's errors as [`io::Error`]s.

use std::io;

use bufpress::codec::StreamError;

/// Converts any bufpress error into an [`io::Error`] of a fitting kind, keeping the
/// original error as its source (so `err.get_ref()` and `downcast` find it). The same
/// as `io::Error::from` (and `?`), which bufpress's feature `std` implements.
///
/// | error | kind |
/// |---|---|
/// | pool or size class exhausted | `OutOfMemory` |
/// | buffer capacity, one-shot output too small | `WriteZero` |
/// | corrupt data, bad magic, reserved bits, checksum, trailing data, limit exceeded | `InvalidData` |
/// | input ended inside a stream | `UnexpectedEof` |
/// | a valid feature the decoder does not support | `Unsupported` |
/// | bad raw handle, bad region, bad encoder setting, encoder used after `finish` | `InvalidInput` |
///
/// An empty pool or size class gives a kind-only `io::Error` (`OutOfMemory`), which
/// allocates nothing: under load it is an ordinary event. Every other error carries
/// the bufpress error as its source, in a small box: those paths allocate.
///
/// ```
/// use bufpress::codec::DecodeError;
/// use bufpress_std::to_io_error;
/// use std::io::ErrorKind;
///
/// assert_eq!(to_io_error(DecodeError::Corrupt).kind(), ErrorKind::InvalidData);
/// assert_eq!(to_io_error(DecodeError::Truncated).kind(), ErrorKind::UnexpectedEof);
/// ```
pub fn to_io_error(err: impl Into<bufpress::Error>) -> io::Error {
    // bufpress's own `From` (its feature `std`, on here): `?` does the same.
    io::Error::from(err.into())
}

/// The [`io::ErrorKind`] [`to_io_error`] gives `err` ([`bufpress::Error::io_error_kind`]).
pub fn io_error_kind(err: &bufpress::Error) -> io::ErrorKind {
    err.io_error_kind()
}

/// Converts a failure of [`decode_to`](bufpress::codec::decode_to) or
/// [`encode_to`](bufpress::codec::encode_to) whose sink fails with an [`io::Error`]
/// (returned as it is); `?` does the same.
pub fn stream_to_io_error<C: Into<bufpress::Error>>(err: StreamError<C, io::Error>) -> io::Error {
    err.into()
}
