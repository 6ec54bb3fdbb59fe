//! libzstd's error codes as bufpress's shared [`DecodeError`] / [`EncodeError`], and
//! those as [`io::Error`].

use bufpress::codec::{Checksum, DecodeError, EncodeError};
use zstd_sys::ZSTD_ErrorCode as C;

use super::ctx::RawError;

/// A decoding failure of libzstd as a [`DecodeError`]. `limit` is the decoder's window
/// limit, `capacity` the space the output had.
pub(crate) fn decode_error(e: RawError, limit: u64, capacity: usize) -> DecodeError {
    match e.0 {
        C::ZSTD_error_prefix_unknown => DecodeError::BadMagic,
        // A window over `ZSTD_d_windowLogMax`, or a frame that needs more memory than
        // the static context has: both are the caller's limit.
        C::ZSTD_error_frameParameter_windowTooLarge | C::ZSTD_error_memory_allocation => {
            DecodeError::LimitExceeded {
                limit,
                needed: None,
            }
        }
        C::ZSTD_error_checksum_wrong => DecodeError::Checksum {
            kind: Checksum::Content,
            expected: 0,
            actual: 0,
        },
        C::ZSTD_error_srcSize_wrong => DecodeError::Truncated,
        C::ZSTD_error_dstSize_tooSmall | C::ZSTD_error_noForwardProgress_destFull => {
            DecodeError::OutputTooSmall {
                needed: None,
                capacity,
            }
        }
        C::ZSTD_error_frameParameter_unsupported
        | C::ZSTD_error_version_unsupported
        | C::ZSTD_error_dictionary_wrong
        | C::ZSTD_error_parameter_unsupported => DecodeError::Unsupported,
        _ => DecodeError::Corrupt,
    }
}

/// A compression failure of libzstd as an [`EncodeError`].
pub(crate) fn encode_error(e: RawError, needed: Option<usize>, capacity: usize) -> EncodeError {
    match e.0 {
        C::ZSTD_error_dstSize_tooSmall | C::ZSTD_error_noForwardProgress_destFull => {
            EncodeError::OutputTooSmall { needed, capacity }
        }
        C::ZSTD_error_stage_wrong => EncodeError::Finished,
        // Out-of-range parameters, a pledged size the data did not match, or a frame
        // the static context was not sized for.
        _ => EncodeError::InvalidSetting,
    }
}
