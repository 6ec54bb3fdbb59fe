//! What the decoder reads itself, before ruzstd sees the data: frame headers, block
//! headers, and the section headers of compressed blocks.
//!
//! Reading the frame header first lets the decoder refuse a window or a content size
//! beyond the caller's limits before ruzstd allocates anything. Reading block headers
//! lets it collect whole blocks from input that arrives in pieces. The checks on
//! compressed blocks reject, before ruzstd decodes them, invalid blocks that would make
//! ruzstd 0.9 allocate far beyond the state sized at construction (measured: an FSE
//! table description with a long run of zero-probability symbols grew a vector to
//! 8 MiB; RLE literals declared 1 MiB long in a 14-byte block, which ruzstd decodes
//! although the format forbids blocks over 128 KiB; a declared count of 98,047
//! sequences reserved 1.2 MB). Every check here rejects only data that the format
//! forbids, so valid frames are never refused.
//!
//! All reads are bounds-checked: any input gives a value or an error, never a panic.

use crate::codec::DecodeError;

/// The zstd frame magic number.
const MAGIC: u32 = 0xFD2F_B528;
/// Skippable frames have magic numbers `0x184D2A50..=0x184D2A5F`.
const SKIPPABLE: u32 = 0x184D_2A50;
/// The largest block content (RFC 8878 3.1.1.2.3: the smaller of the window and this).
pub(super) const MAX_BLOCK: usize = 128 * 1024;
/// The largest frame header, magic number included.
pub(super) const MAX_HEADER: usize = 4 + 14;
/// A block header's size.
pub(super) const BLOCK_HEADER: usize = 3;
/// A content checksum's size.
pub(super) const CHECKSUM: usize = 4;

/// What the first four bytes of a frame say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Magic {
    /// A zstd frame.
    Frame,
    /// A skippable frame (its size follows).
    Skippable,
    /// Neither.
    Other,
}

/// Classifies a frame's first four bytes.
pub(super) fn magic(bytes: [u8; 4]) -> Magic {
    match u32::from_le_bytes(bytes) {
        MAGIC => Magic::Frame,
        m if m & 0xFFFF_FFF0 == SKIPPABLE => Magic::Skippable,
        _ => Magic::Other,
    }
}

/// The length of a frame header (magic number included), from its descriptor byte.
pub(super) fn header_len(descriptor: u8) -> usize {
    let single_segment = descriptor & 0x20 != 0;
    let window = if single_segment { 0 } else { 1 };
    let dict = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let fcs = match descriptor >> 6 {
        0 if single_segment => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    4 + 1 + window + dict + fcs
}

/// The fields of a frame header the decoder acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FrameHeader {
    /// The window the frame needs (its content size for a single-segment frame).
    pub(super) window: u64,
    /// The declared content size.
    pub(super) content_size: Option<u64>,
    /// Whether an XXH64 content checksum follows the last block.
    pub(super) checksum: bool,
    /// The dictionary id (0: none).
    pub(super) dict_id: u32,
}

/// Reads a whole frame header (`header_len` bytes, magic number included).
pub(super) fn frame_header(header: &[u8]) -> Result<FrameHeader, DecodeError> {
    let descriptor = *header.get(4).ok_or(DecodeError::Truncated)?;
    if header.len() != header_len(descriptor) {
        return Err(DecodeError::Truncated);
    }
    if descriptor & 0x08 != 0 {
        return Err(DecodeError::Reserved);
    }
    let single_segment = descriptor & 0x20 != 0;
    let mut at = 5;
    let mut window = 0;
    if !single_segment {
        let w = *header.get(at).ok_or(DecodeError::Truncated)?;
        at += 1;
        let log = 10 + u32::from(w >> 3);
        let base = 1u64 << log;
        window = base + (base / 8) * u64::from(w & 7);
    }
    let dict_len = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let dict_id = le(header
        .get(at..at + dict_len)
        .ok_or(DecodeError::Truncated)?);
    at += dict_len;
    let fcs_len = header.len() - at;
    let content_size = match fcs_len {
        0 => None,
        2 => Some(le(header.get(at..).unwrap_or_default()) + 256),
        _ => Some(le(header.get(at..).unwrap_or_default())),
    };
    if single_segment {
        window = content_size.unwrap_or(0);
    }
    Ok(FrameHeader {
        window,
        content_size,
        checksum: descriptor & 0x04 != 0,
        dict_id: u32::try_from(dict_id).unwrap_or(u32::MAX),
    })
}

/// A little-endian number of up to 8 bytes.
fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |n, &b| (n << 8) | u64::from(b))
}

/// A block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BlockHeader {
    /// Whether this is the frame's last block.
    pub(super) last: bool,
    /// Whether the block is compressed (its content is checked by [`compressed_block`]).
    pub(super) compressed: bool,
    /// How many content bytes follow the header.
    pub(super) content_len: usize,
}

/// Reads a block header and checks its size against the frame's block maximum.
pub(super) fn block_header(bytes: [u8; 3], block_max: usize) -> Result<BlockHeader, DecodeError> {
    let raw = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]);
    let size = (raw >> 3) as usize;
    let (compressed, content_len) = match (raw >> 1) & 3 {
        0 => (false, size),
        1 => (false, 1),
        2 => (true, size),
        _ => return Err(DecodeError::Reserved),
    };
    // Raw and RLE blocks decode to `size` bytes, compressed ones are `size` bytes; the
    // format bounds both by the block maximum.
    if size > block_max {
        return Err(DecodeError::Corrupt);
    }
    Ok(BlockHeader {
        last: raw & 1 != 0,
        compressed,
        content_len,
    })
}

/// Checks the section headers of a compressed block's content: literal and sequence
/// counts within the block maximum, FSE table descriptions with no more symbols than
/// the format has, reserved bits clear.
pub(super) fn compressed_block(content: &[u8], block_max: usize) -> Result<(), DecodeError> {
    let literals = literals_section(content, block_max)?;
    sequences_section(content.get(literals..).unwrap_or_default(), block_max)
}

/// Byte `i` of `s`, or `Corrupt`.
fn byte(s: &[u8], i: usize) -> Result<usize, DecodeError> {
    s.get(i)
        .map(|&b| usize::from(b))
        .ok_or(DecodeError::Corrupt)
}

/// Checks the literals section; returns its length.
fn literals_section(content: &[u8], block_max: usize) -> Result<usize, DecodeError> {
    let b0 = byte(content, 0)?;
    let kind = b0 & 3;
    let format = (b0 >> 2) & 3;
    if kind < 2 {
        // Raw or RLE literals.
        let (header, size) = match format {
            0 | 2 => (1, b0 >> 3),
            1 => (2, (b0 >> 4) + (byte(content, 1)? << 4)),
            _ => (
                3,
                (b0 >> 4) + (byte(content, 1)? << 4) + (byte(content, 2)? << 12),
            ),
        };
        if size > block_max {
            return Err(DecodeError::Corrupt);
        }
        let len = header + if kind == 0 { size } else { 1 };
        return if len <= content.len() {
            Ok(len)
        } else {
            Err(DecodeError::Corrupt)
        };
    }
    // Huffman-coded literals (kind 2 carries a tree, kind 3 reuses the last one).
    let (b1, b2) = (byte(content, 1)?, byte(content, 2)?);
    let (header, regenerated, compressed) = match format {
        0 | 1 => (3, (b0 >> 4) + ((b1 & 0x3F) << 4), (b1 >> 6) + (b2 << 2)),
        2 => {
            let b3 = byte(content, 3)?;
            (
                4,
                (b0 >> 4) + (b1 << 4) + ((b2 & 3) << 12),
                (b2 >> 2) + (b3 << 6),
            )
        }
        _ => {
            let (b3, b4) = (byte(content, 3)?, byte(content, 4)?);
            let regenerated = (b0 >> 4) + (b1 << 4) + ((b2 & 0x3F) << 12);
            (5, regenerated, (b2 >> 6) + (b3 << 2) + (b4 << 10))
        }
    };
    if regenerated > block_max {
        return Err(DecodeError::Corrupt);
    }
    let payload = content
        .get(header..header + compressed)
        .ok_or(DecodeError::Corrupt)?;
    if kind == 2 {
        let tree = byte(payload, 0)?;
        if tree < 128 {
            // Huffman weights compressed with FSE: the description comes first and
            // must fit in the `tree` bytes (ruzstd reads it from the whole rest).
            let rest = payload.get(1..).unwrap_or_default();
            if fse_description(rest, 6, 256)? > tree {
                return Err(DecodeError::Corrupt);
            }
        }
    }
    Ok(header + compressed)
}

/// Checks the sequences section header and its FSE table descriptions.
fn sequences_section(s: &[u8], block_max: usize) -> Result<(), DecodeError> {
    let b0 = byte(s, 0)?;
    let (count, header) = match b0 {
        0 => return Ok(()),
        1..=127 => (b0, 1),
        128..=254 => (((b0 - 128) << 8) + byte(s, 1)?, 2),
        _ => (byte(s, 1)? + (byte(s, 2)? << 8) + 0x7F00, 3),
    };
    if count == 0 {
        return Ok(());
    }
    // Every sequence copies a match of at least 3 bytes, and a block decodes to at most
    // `block_max` bytes.
    if count.saturating_mul(3) > block_max {
        return Err(DecodeError::Corrupt);
    }
    let modes = byte(s, header)?;
    if modes & 3 != 0 {
        return Err(DecodeError::Reserved);
    }
    let mut at = header + 1;
    // Literal lengths, offsets, match lengths: (mode bits, largest accuracy log,
    // number of symbols).
    for (shift, max_log, symbols) in [(6, 9, 36), (4, 8, 32), (2, 9, 53)] {
        match (modes >> shift) & 3 {
            1 => {
                byte(s, at)?;
                at += 1;
            }
            2 => at += fse_description(s.get(at..).unwrap_or_default(), max_log, symbols)?,
            _ => {}
        }
    }
    Ok(())
}

/// Reads an FSE table description (RFC 8878 4.1.1) as ruzstd does, stopping as soon as
/// it lists more than `max_symbols` symbols; returns its length in bytes.
fn fse_description(src: &[u8], max_log: u32, max_symbols: usize) -> Result<usize, DecodeError> {
    let mut bits = Bits { src, pos: 0 };
    let log = 5 + bits.get(4)?;
    if log > max_log {
        return Err(DecodeError::Corrupt);
    }
    let total = 1u32 << log;
    let mut counted = 0u32;
    let mut symbols = 0usize;
    while counted < total {
        let max_value = total - counted + 1;
        let width = u32::BITS - max_value.leading_zeros();
        let raw = bits.get(width)?;
        let low_threshold = ((1u32 << width) - 1).saturating_sub(max_value);
        let mask = (1u32 << (width - 1)) - 1;
        let value = if raw & mask < low_threshold {
            bits.pos -= 1;
            raw & mask
        } else if raw > mask {
            raw - low_threshold
        } else {
            raw
        };
        symbols += 1;
        match value {
            // Probability 0: a run of further zero-probability symbols follows, 2 bits
            // at a time while the field is 3.
            1 => loop {
                let repeat = bits.get(2)?;
                symbols += repeat as usize;
                if symbols > max_symbols {
                    return Err(DecodeError::Corrupt);
                }
                if repeat != 3 {
                    break;
                }
            },
            // Probability -1 ("less than 1") takes one cell.
            0 => counted += 1,
            v => counted += v - 1,
        }
        if symbols > max_symbols {
            return Err(DecodeError::Corrupt);
        }
    }
    if counted != total {
        return Err(DecodeError::Corrupt);
    }
    Ok(bits.pos.div_ceil(8))
}

/// A little-endian bit reader (least significant bit first), as FSE descriptions use.
struct Bits<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    /// The next `n` bits (`1..=32`), or `Corrupt` when fewer are left.
    fn get(&mut self, n: u32) -> Result<u32, DecodeError> {
        let mut value = 0u32;
        for i in 0..n {
            let bit = self.pos + i as usize;
            let b = *self.src.get(bit / 8).ok_or(DecodeError::Corrupt)?;
            value |= u32::from((b >> (bit % 8)) & 1) << i;
        }
        self.pos += n as usize;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lengths() {
        assert_eq!(header_len(0x00), 6); // window descriptor only
        assert_eq!(header_len(0x20), 6); // single segment, 1-byte size
        assert_eq!(header_len(0xE3), 4 + 1 + 4 + 8);
    }

    #[test]
    fn window_and_content_size() {
        let h = frame_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x44, 0x50, 0x10, 0x00]).unwrap();
        assert_eq!(h.window, 1 << 20);
        assert_eq!(h.content_size, Some(0x10 + 256));
        assert!(h.checksum);
        let h = frame_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x07]).unwrap();
        assert_eq!((h.window, h.content_size), (7, Some(7)));
        let e = frame_header(&[0x28, 0xB5, 0x2F, 0xFD, 0x08, 0x50]);
        assert_eq!(e, Err(DecodeError::Reserved));
    }

    #[test]
    fn fse_descriptions() {
        // One symbol with every cell, accuracy log 9: 4 + 10 bits.
        assert_eq!(fse_description(&[0xF4, 0x3F], 9, 36), Ok(2));
        assert_eq!(
            fse_description(&[0xF4, 0x3F], 8, 36),
            Err(DecodeError::Corrupt)
        );
        // A zero probability followed by an endless run of repeats.
        let mut run = [0xFF; 64];
        run[0] = 0x10;
        run[1] = 0xFE;
        assert_eq!(fse_description(&run, 9, 36), Err(DecodeError::Corrupt));
    }
}
