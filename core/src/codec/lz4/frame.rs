//! The lz4 frame format's pieces shared by the encoder, the decoder and the one-shot
//! calls: settings, the frame descriptor, block headers, memory sizes.

use twox_hash::XxHash32;

use super::block::{self, Table};
use crate::codec::{Checksum, DecodeError};

/// The magic number of an lz4 frame (little-endian on the wire).
pub const MAGIC: u32 = 0x184D_2204;
/// Skippable frames have magic numbers `0x184D2A50..=0x184D2A5F`.
pub const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// The magic number of the legacy format (`lz4 -l`), which this crate does not read.
pub const LEGACY_MAGIC: u32 = 0x184C_2102;
/// How far back linked blocks reach: the decoder and encoder keep this much history.
pub const WINDOW: usize = 64 * 1024;
/// The longest frame header: magic, FLG, BD, content size, dictionary ID, HC.
pub(super) const MAX_HEADER: usize = 4 + 2 + 8 + 4 + 1;

const FLG_VERSION: u8 = 0x40;
const FLG_INDEPENDENT: u8 = 0x20;
const FLG_BLOCK_CHECKSUM: u8 = 0x10;
const FLG_CONTENT_SIZE: u8 = 0x08;
const FLG_CONTENT_CHECKSUM: u8 = 0x04;
const FLG_RESERVED: u8 = 0x02;
const FLG_DICT_ID: u8 = 0x01;
const BD_RESERVED: u8 = 0x8F;
/// The high bit of a block size: the block is stored uncompressed.
pub(super) const UNCOMPRESSED: u32 = 0x8000_0000;

/// The largest uncompressed size of one block of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BlockSize {
    /// 64 KiB (`lz4 -B4`), the default here: the smallest state.
    #[default]
    Max64KiB,
    /// 256 KiB (`lz4 -B5`).
    Max256KiB,
    /// 1 MiB (`lz4 -B6`).
    Max1MiB,
    /// 4 MiB (`lz4 -B7`, the `lz4` tool's default).
    Max4MiB,
}

impl BlockSize {
    /// The size in bytes.
    pub const fn bytes(self) -> usize {
        (64 * 1024) << (2 * self.index())
    }

    /// The block maximum size ID written in the frame descriptor (4 to 7).
    pub const fn id(self) -> u8 {
        self.index() + 4
    }

    /// The size for a descriptor's ID (4 to 7), `None` for the reserved values.
    pub const fn from_id(id: u8) -> Option<Self> {
        match id {
            4 => Some(Self::Max64KiB),
            5 => Some(Self::Max256KiB),
            6 => Some(Self::Max1MiB),
            7 => Some(Self::Max4MiB),
            _ => None,
        }
    }

    const fn index(self) -> u8 {
        match self {
            Self::Max64KiB => 0,
            Self::Max256KiB => 1,
            Self::Max1MiB => 2,
            Self::Max4MiB => 3,
        }
    }
}

/// Whether a block may refer back to the blocks before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BlockMode {
    /// Every block stands alone (the `lz4` tool's default): smaller states, each
    /// block decodable by itself.
    #[default]
    Independent,
    /// A block may copy from the 64 KiB decoded before it (`lz4 -BD`): better ratio
    /// on small blocks, and 64 KiB more state on both sides.
    Linked,
}

/// How [`Encoder`](super::Encoder) and
/// [`compress_frame_into`](super::compress_frame_into) write a frame.
///
/// ```
/// use bufpress::codec::lz4::{BlockMode, BlockSize, FrameSettings};
///
/// let settings = FrameSettings::new()
///     .with_block_size(BlockSize::Max256KiB)
///     .with_block_mode(BlockMode::Linked)
///     .with_block_checksum(true);
/// assert!(settings.content_checksum); // on by default, like the `lz4` tool
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct FrameSettings {
    /// The largest block (64 KiB by default).
    pub block_size: BlockSize,
    /// Independent (default) or linked blocks.
    pub block_mode: BlockMode,
    /// An xxHash32 after every block (off by default).
    pub block_checksum: bool,
    /// An xxHash32 of the whole content at the end (on by default).
    pub content_checksum: bool,
    /// The content size to declare in the header (none by default). The encoder
    /// checks that the input has exactly this length.
    pub content_size: Option<u64>,
}

impl FrameSettings {
    /// The defaults: 64 KiB independent blocks, a content checksum, no block
    /// checksums, no content size.
    pub const fn new() -> Self {
        Self {
            block_size: BlockSize::Max64KiB,
            block_mode: BlockMode::Independent,
            block_checksum: false,
            content_checksum: true,
            content_size: None,
        }
    }

    /// These settings with another block size.
    #[must_use]
    pub const fn with_block_size(mut self, block_size: BlockSize) -> Self {
        self.block_size = block_size;
        self
    }

    /// These settings with another block mode.
    #[must_use]
    pub const fn with_block_mode(mut self, block_mode: BlockMode) -> Self {
        self.block_mode = block_mode;
        self
    }

    /// These settings with block checksums on or off.
    #[must_use]
    pub const fn with_block_checksum(mut self, on: bool) -> Self {
        self.block_checksum = on;
        self
    }

    /// These settings with the content checksum on or off.
    #[must_use]
    pub const fn with_content_checksum(mut self, on: bool) -> Self {
        self.content_checksum = on;
        self
    }

    /// These settings declaring a content size (or none).
    #[must_use]
    pub const fn with_content_size(mut self, size: Option<u64>) -> Self {
        self.content_size = size;
        self
    }

    pub(super) const fn linked(&self) -> bool {
        matches!(self.block_mode, BlockMode::Linked)
    }

    /// Writes the frame header into `dst` (at least [`MAX_HEADER`] bytes); returns
    /// its length.
    pub(super) fn write_header(&self, dst: &mut [u8; MAX_HEADER]) -> usize {
        let mut flg = FLG_VERSION;
        for (on, bit) in [
            (!self.linked(), FLG_INDEPENDENT),
            (self.block_checksum, FLG_BLOCK_CHECKSUM),
            (self.content_size.is_some(), FLG_CONTENT_SIZE),
            (self.content_checksum, FLG_CONTENT_CHECKSUM),
        ] {
            if on {
                flg |= bit;
            }
        }
        let [m0, m1, m2, m3] = MAGIC.to_le_bytes();
        let [c0, c1, c2, c3, c4, c5, c6, c7] = self.content_size.unwrap_or(0).to_le_bytes();
        *dst = [
            m0,
            m1,
            m2,
            m3,
            flg,
            self.block_size.id() << 4,
            c0,
            c1,
            c2,
            c3,
            c4,
            c5,
            c6,
            c7,
            0,
            0,
            0,
            0,
            0,
        ];
        let hc_at = if self.content_size.is_some() { 14 } else { 6 };
        let hc = dst.get(4..hc_at).map_or(0, header_checksum);
        if let Some(b) = dst.get_mut(hc_at) {
            *b = hc;
        }
        hc_at + 1
    }
}

impl Default for FrameSettings {
    fn default() -> Self {
        Self::new()
    }
}

/// The state memory (`MEM`) a [`Decoder`](super::Decoder) needs for frames
/// of blocks up to `block_size` in `mode`: two blocks (compressed input, decoded
/// output), plus the 64 KiB window for linked blocks.
///
/// A decoder sized for linked blocks reads independent ones too.
pub const fn decoder_memory(block_size: BlockSize, mode: BlockMode) -> usize {
    2 * block_size.bytes() + window_for(mode)
}

/// The state memory (`MEM`) a [`Encoder`](super::Encoder) needs for
/// `block_size` in `mode`: the block being filled, the compressed block with its
/// header and checksum (8 bytes), and the 64 KiB window for linked blocks. The hash
/// table (16 KiB) comes on top, inside the encoder.
pub const fn encoder_memory(block_size: BlockSize, mode: BlockMode) -> usize {
    2 * block_size.bytes() + BLOCK_OVERHEAD + window_for(mode)
}

/// A block's header (4 bytes) and checksum (4 bytes).
pub(super) const BLOCK_OVERHEAD: usize = 8;

pub(super) const fn window_for(mode: BlockMode) -> usize {
    match mode {
        BlockMode::Independent => 0,
        BlockMode::Linked => WINDOW,
    }
}

/// The largest frame [`compress_frame_into`](super::compress_frame_into) writes for
/// `len` bytes with `settings` (every block stored, with all optional fields).
pub const fn max_frame_len(len: usize, settings: &FrameSettings) -> usize {
    let block = settings.block_size.bytes();
    let blocks = len.div_ceil(block);
    let per_block = 4 + if settings.block_checksum { 4 } else { 0 };
    MAX_HEADER
        .saturating_add(len)
        .saturating_add(blocks.saturating_mul(per_block))
        .saturating_add(8)
}

/// The header checksum: the second byte of xxHash32 over the descriptor.
pub(super) fn header_checksum(descriptor: &[u8]) -> u8 {
    (XxHash32::oneshot(0, descriptor) >> 8) as u8
}

pub(super) fn xxh32(data: &[u8]) -> u32 {
    XxHash32::oneshot(0, data)
}

pub(super) fn le32(bytes: &[u8]) -> u32 {
    match bytes {
        &[a, b, c, d, ..] => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// What a magic number starts.
pub(super) enum Magic {
    Frame,
    Skippable,
}

pub(super) fn classify_magic(magic: u32) -> Result<Magic, DecodeError> {
    match magic {
        MAGIC => Ok(Magic::Frame),
        m if m & 0xFFFF_FFF0 == SKIPPABLE_MAGIC => Ok(Magic::Skippable),
        LEGACY_MAGIC => Err(DecodeError::Unsupported),
        _ => Err(DecodeError::BadMagic),
    }
}

/// A frame's descriptor, parsed and checked.
#[derive(Debug, Clone, Copy)]
pub(super) struct FrameInfo {
    pub(super) flg: u8,
    pub(super) block_max: usize,
    pub(super) content_size: Option<u64>,
}

impl FrameInfo {
    pub(super) const EMPTY: Self = Self {
        flg: 0,
        block_max: 0,
        content_size: None,
    };

    pub(super) const fn linked(&self) -> bool {
        self.flg & FLG_INDEPENDENT == 0
    }

    pub(super) const fn block_checksum(&self) -> bool {
        self.flg & FLG_BLOCK_CHECKSUM != 0
    }

    pub(super) const fn content_checksum(&self) -> bool {
        self.flg & FLG_CONTENT_CHECKSUM != 0
    }

    pub(super) const fn block_checksum_len(&self) -> usize {
        if self.block_checksum() { 4 } else { 0 }
    }
}

/// Checks FLG and BD (the first two descriptor bytes) and returns the descriptor's
/// length (FLG to HC).
pub(super) fn descriptor_len(flg: u8, bd: u8) -> Result<usize, DecodeError> {
    if flg & 0xC0 != FLG_VERSION {
        return Err(DecodeError::Unsupported);
    }
    if flg & FLG_RESERVED != 0 || bd & BD_RESERVED != 0 || BlockSize::from_id(bd >> 4).is_none() {
        return Err(DecodeError::Reserved);
    }
    let mut len = 3;
    if flg & FLG_CONTENT_SIZE != 0 {
        len += 8;
    }
    if flg & FLG_DICT_ID != 0 {
        len += 4;
    }
    Ok(len)
}

/// Parses a whole descriptor (FLG to HC, as long as [`descriptor_len`] said).
pub(super) fn parse_descriptor(d: &[u8]) -> Result<FrameInfo, DecodeError> {
    let (&[flg, bd], _) = d.split_first_chunk::<2>().ok_or(DecodeError::Truncated)?;
    let len = descriptor_len(flg, bd)?;
    let (fields, hc) = d
        .get(..len)
        .and_then(|d| d.split_last())
        .map(|(hc, fields)| (fields, *hc))
        .ok_or(DecodeError::Truncated)?;
    let actual = header_checksum(fields);
    if actual != hc {
        return Err(DecodeError::Checksum {
            kind: Checksum::Header,
            expected: u32::from(hc),
            actual: u32::from(actual),
        });
    }
    if flg & FLG_DICT_ID != 0 {
        return Err(DecodeError::Unsupported);
    }
    let content_size = if flg & FLG_CONTENT_SIZE != 0 {
        let bytes: [u8; 8] = fields
            .get(2..10)
            .and_then(|b| b.try_into().ok())
            .ok_or(DecodeError::Truncated)?;
        Some(u64::from_le_bytes(bytes))
    } else {
        None
    };
    let block_max = BlockSize::from_id(bd >> 4).map_or(0, BlockSize::bytes);
    Ok(FrameInfo {
        flg,
        block_max,
        content_size,
    })
}

/// A block's 4-byte header, read.
pub(super) enum BlockHeader {
    /// The end mark: no more blocks.
    End,
    /// A block of `len` stored bytes, compressed or not.
    Data { len: usize, compressed: bool },
}

pub(super) fn parse_block_header(word: u32, block_max: usize) -> Result<BlockHeader, DecodeError> {
    if word == 0 {
        return Ok(BlockHeader::End);
    }
    let len = (word & !UNCOMPRESSED) as usize;
    if len > block_max {
        return Err(DecodeError::Corrupt);
    }
    Ok(BlockHeader::Data {
        len,
        compressed: word & UNCOMPRESSED == 0,
    })
}

/// Checks a block's stored checksum against its data.
pub(super) fn check_block(data: &[u8], stored: &[u8]) -> Result<(), DecodeError> {
    if stored.is_empty() {
        return Ok(());
    }
    let (expected, actual) = (le32(stored), xxh32(data));
    if expected == actual {
        Ok(())
    } else {
        Err(DecodeError::Checksum {
            kind: Checksum::Block,
            expected,
            actual,
        })
    }
}

/// Writes one data block (`src[start..]`, with `src[..start]` as history for linked
/// blocks) into `dst`: header, data compressed or stored, checksum. Returns the
/// bytes written, or `None` when they do not fit in `dst`.
pub(super) fn write_block(
    table: &mut Table,
    src: &[u8],
    start: usize,
    dst: &mut [u8],
    checksum: bool,
) -> Option<usize> {
    let raw = src.get(start..)?;
    let n = raw.len();
    let ck = if checksum { 4 } else { 0 };
    // Worth storing compressed only when smaller than the block itself.
    let room = dst.len().checked_sub(4 + ck)?.min(n.saturating_sub(1));
    // All of `dst` after the header is the compressor's scratch (so its unchecked
    // path runs when `dst` holds the worst case); only `room` bytes count.
    let compressed = match dst.get_mut(4..) {
        Some(out) if n > 0 => block::compress_limited(table, src, start, out, room),
        _ => None,
    };
    let (len, word) = match compressed {
        Some(c) => (c, c as u32),
        None => {
            dst.get_mut(4..4 + n)?.copy_from_slice(raw);
            (n, n as u32 | UNCOMPRESSED)
        }
    };
    dst.get_mut(..4)?.copy_from_slice(&word.to_le_bytes());
    if checksum {
        let sum = xxh32(dst.get(4..4 + len)?);
        dst.get_mut(4 + len..8 + len)?
            .copy_from_slice(&sum.to_le_bytes());
    }
    Some(4 + len + ck)
}
