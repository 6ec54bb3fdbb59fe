//! The zlib wrapper (RFC 1950): the 2-byte header and the Adler-32 trailer.

use crate::codec::{Checksum, DecodeError};

/// Size of the header (CMF, FLG).
pub(super) const HEADER_LEN: usize = 2;
/// Size of the trailer: Adler-32, big-endian.
pub(super) const TRAILER_LEN: usize = 4;
/// The Adler-32 of nothing.
pub(super) const ADLER_INIT: u32 = 1;

/// Adds `data` to the running Adler-32 `adler`.
pub(super) fn adler32(adler: u32, data: &[u8]) -> u32 {
    miniz_oxide::mz_adler32_oxide(adler, data)
}

/// Checks a zlib header.
///
/// # Errors
///
/// [`DecodeError::BadMagic`] when the FCHECK bits do not make the header a multiple of
/// 31 or the method is not deflate (8); [`DecodeError::Reserved`] for a window larger
/// than 32 KiB (CINFO > 7); [`DecodeError::Unsupported`] for a preset dictionary
/// (FDICT).
pub(super) fn check_header([cmf, flg]: [u8; HEADER_LEN]) -> Result<(), DecodeError> {
    if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 || cmf & 0x0f != 8 {
        return Err(DecodeError::BadMagic);
    }
    if cmf >> 4 > 7 {
        return Err(DecodeError::Reserved);
    }
    if flg & 0x20 != 0 {
        return Err(DecodeError::Unsupported);
    }
    Ok(())
}

/// Checks the trailer against the Adler-32 of what was decoded.
///
/// # Errors
///
/// [`DecodeError::Checksum`] ([`Checksum::Content`]) on a mismatch.
pub(super) fn check_trailer(trailer: [u8; TRAILER_LEN], adler: u32) -> Result<(), DecodeError> {
    let stored = u32::from_be_bytes(trailer);
    if stored == adler {
        Ok(())
    } else {
        Err(DecodeError::Checksum {
            kind: Checksum::Content,
            expected: stored,
            actual: adler,
        })
    }
}

/// The header for a window of `window` bytes (a power of two from 256 to 32 KiB),
/// FLEVEL from the level as zlib sets it.
pub(super) fn header(level: u8, window: usize) -> [u8; HEADER_LEN] {
    // CINFO: log2(window) - 8, at most 7 (32 KiB); method 8 (deflate).
    let cinfo = (window.max(256).ilog2() - 8).min(7) as u8;
    let cmf: u8 = cinfo << 4 | 8;
    let flevel: u8 = match level {
        0 | 1 => 0,
        2..=5 => 1,
        6 => 2,
        _ => 3,
    };
    let flg = flevel << 6;
    let rem = (u16::from(cmf) << 8 | u16::from(flg)) % 31;
    // FCHECK makes CMF * 256 + FLG a multiple of 31 (`rem < 31`, so this fits).
    let fcheck = if rem == 0 { 0 } else { 31 - rem as u8 };
    [cmf, flg | fcheck]
}

/// The trailer for content with Adler-32 `adler`.
pub(super) fn trailer(adler: u32) -> [u8; TRAILER_LEN] {
    adler.to_be_bytes()
}
