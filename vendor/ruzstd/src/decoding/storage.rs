//! Where a [`FrameDecoder`](super::FrameDecoder) keeps its memory.
//!
//! With the `alloc` feature, [`FrameDecoder::new`](super::FrameDecoder::new) allocates
//! it and grows it as frames need. Without an allocator (or to bound the memory),
//! [`FrameDecoder::new_in`](super::FrameDecoder::new_in) takes a [`DecoderMemory`]:
//! the tables ([`DecoderTables`], about 21 KB, buildable in a `const` so a `static`
//! one is all zeros) and three byte buffers whose sizes decide the largest window the
//! decoder accepts ([`DecoderMemory::max_window_size`]). Such a decoder never
//! allocates; a frame whose window does not fit is refused at its header with
//! [`FrameDecoderError::WindowSizeTooBig`](super::errors::FrameDecoderError), and a
//! block is decoded only when the window buffer has room for the largest block the
//! frame may have (decoded data must be collected in between, as
//! [`FrameDecoder::read`](crate::io::Read::read) does).

use super::scratch::{FSEScratch, HuffmanScratch};
use crate::blocks::sequence_section::{
    MAX_LITERAL_LENGTH_CODE, MAX_MATCH_LENGTH_CODE, MAX_OFFSET_CODE,
};
use crate::common::fixed_vec::CapacityError;
use crate::common::MAX_BLOCK_SIZE;
use crate::huff0::HuffmanTable;
use core::ops::{Deref, DerefMut};

#[cfg(feature = "alloc")]
use alloc::{boxed::Box, vec::Vec};

/// The FSE and Huffman tables of a decoder: their size is fixed by the format.
pub struct DecoderTables {
    pub(crate) fse: FSEScratch,
    pub(crate) huf: HuffmanScratch,
}

impl DecoderTables {
    /// Empty tables (no allocation; all zeros, so a `static` goes to `.bss`).
    pub const fn new() -> Self {
        DecoderTables {
            fse: FSEScratch::zeroed(),
            huf: HuffmanScratch {
                table: HuffmanTable::zeroed(),
            },
        }
    }

    /// Makes tables from [`new`](Self::new) ready to use.
    pub(crate) fn init(&mut self) {
        self.fse.offsets.set_max_symbol(MAX_OFFSET_CODE);
        self.fse
            .literal_lengths
            .set_max_symbol(MAX_LITERAL_LENGTH_CODE);
        self.fse.match_lengths.set_max_symbol(MAX_MATCH_LENGTH_CODE);
        self.huf.table.init_zeroed();
    }
}

impl Default for DecoderTables {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for DecoderTables {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DecoderTables").finish_non_exhaustive()
    }
}

/// The memory of a decoder that does not allocate, for
/// [`FrameDecoder::new_in`](super::FrameDecoder::new_in): a frame whose window does not
/// fit is refused at its header, and decoded data must be collected after each block.
#[derive(Debug)]
pub struct DecoderMemory<'a> {
    /// The tables.
    pub tables: &'a mut DecoderTables,
    /// The window: [`window_buffer_len`]`(max_window)` bytes.
    pub window: &'a mut [u8],
    /// Decoded literals of one block: `min(max_window, 128 KiB)` bytes.
    pub literals: &'a mut [u8],
    /// A compressed block's content, needed only by
    /// [`decode_blocks`](super::FrameDecoder::decode_blocks) (which reads blocks from
    /// an [`io::Read`](crate::io::Read)): `min(max_window, 128 KiB)` bytes, or empty when
    /// blocks are given whole to
    /// [`decode_block_from_slice`](super::FrameDecoder::decode_block_from_slice).
    pub block: &'a mut [u8],
}

impl DecoderMemory<'_> {
    /// The largest window this memory decodes frames with.
    pub fn max_window_size(&self) -> u64 {
        let mut window = max_window_for(self.window.len());
        // The literals of one block decode into `literals`.
        if (window.min(MAX_BLOCK_SIZE as usize)) > self.literals.len() {
            window = self.literals.len();
        }
        window as u64
    }
}

/// The window buffer a decoder needs for windows up to `max_window` bytes: the
/// window, one block (`min(max_window, 128 KiB)`) and one byte (saturating at
/// `usize::MAX`).
pub const fn window_buffer_len(max_window: usize) -> usize {
    let block = if max_window < MAX_BLOCK_SIZE as usize {
        max_window
    } else {
        MAX_BLOCK_SIZE as usize
    };
    max_window.saturating_add(block + 1)
}

/// The largest window whose [`window_buffer_len`] is at most `len`.
fn max_window_for(len: usize) -> usize {
    let usable = len.saturating_sub(1);
    if usable <= 2 * MAX_BLOCK_SIZE as usize {
        usable / 2
    } else {
        usable - MAX_BLOCK_SIZE as usize
    }
}

/// A value that the decoder owns (with `alloc`) or borrows.
pub(crate) enum Slot<'a, T> {
    Borrowed(&'a mut T),
    #[cfg(feature = "alloc")]
    Owned(Box<T>),
}

impl<T> Deref for Slot<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self {
            Slot::Borrowed(t) => t,
            #[cfg(feature = "alloc")]
            Slot::Owned(t) => t,
        }
    }
}

impl<T> DerefMut for Slot<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match self {
            Slot::Borrowed(t) => t,
            #[cfg(feature = "alloc")]
            Slot::Owned(t) => t,
        }
    }
}

/// A byte buffer that grows (with `alloc`) or is a fixed borrowed slice.
pub(crate) enum Bytes<'a> {
    Borrowed {
        buf: &'a mut [u8],
        len: usize,
    },
    #[cfg(feature = "alloc")]
    Owned(Vec<u8>),
}

impl Default for Bytes<'_> {
    fn default() -> Self {
        Bytes::Borrowed {
            buf: &mut [],
            len: 0,
        }
    }
}

impl Bytes<'_> {
    #[cfg(feature = "alloc")]
    pub(crate) fn new_owned() -> Self {
        Bytes::Owned(Vec::new())
    }

    pub(crate) fn clear(&mut self) {
        match self {
            Bytes::Borrowed { len, .. } => *len = 0,
            #[cfg(feature = "alloc")]
            Bytes::Owned(v) => v.clear(),
        }
    }

    /// Makes the buffer `new_len` bytes long (growing an owned one) and returns them;
    /// their contents are unspecified.
    pub(crate) fn set_len(&mut self, new_len: usize) -> Result<&mut [u8], CapacityError> {
        match self {
            Bytes::Borrowed { buf, len } => {
                let s = buf.get_mut(..new_len).ok_or(CapacityError)?;
                *len = new_len;
                Ok(s)
            }
            #[cfg(feature = "alloc")]
            Bytes::Owned(v) => {
                v.resize(new_len, 0);
                Ok(v.as_mut_slice())
            }
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Borrowed { buf, len } => buf.get(..*len).unwrap_or_default(),
            #[cfg(feature = "alloc")]
            Bytes::Owned(v) => v.as_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes() {
        for w in [1, 1024, 4096, 128 * 1024, 128 * 1024 + 1, 1 << 20] {
            assert_eq!(max_window_for(window_buffer_len(w)), w, "{w}");
            assert_eq!(max_window_for(window_buffer_len(w) - 1), w - 1, "{w}");
        }
        assert_eq!(max_window_for(0), 0);
    }

    #[test]
    fn borrowed_bytes_are_bounded() {
        let mut mem = [0u8; 4];
        let mut b = Bytes::Borrowed {
            buf: &mut mem,
            len: 0,
        };
        assert_eq!(b.set_len(4).map(|s| s.len()), Ok(4));
        assert_eq!(b.set_len(5).map(|s| s.len()), Err(CapacityError));
        assert_eq!(b.as_slice().len(), 4);
        b.clear();
        assert!(b.as_slice().is_empty());
    }
}
