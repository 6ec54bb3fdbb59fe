//! Structures that wrap around various decoders to make decoding easier.

use super::decode_buffer::DecodeBuffer;
#[cfg(feature = "alloc")]
use crate::decoding::dictionary::Dictionary;
use crate::decoding::storage::{Bytes, DecoderMemory, DecoderTables, Slot};
use crate::fse::FSETable;
use crate::huff0::HuffmanTable;

use crate::blocks::sequence_section::{
    MAX_LITERAL_LENGTH_CODE, MAX_MATCH_LENGTH_CODE, MAX_OFFSET_CODE,
};

/// A block level decoding buffer.
pub struct DecoderScratch<'a> {
    /// The decoder used for Huffman blocks.
    pub huf: Slot<'a, HuffmanScratch>,
    /// The decoder used for FSE blocks.
    pub fse: Slot<'a, FSEScratch>,

    pub buffer: DecodeBuffer<'a>,
    pub offset_hist: [u32; 3],

    pub literals_buffer: Bytes<'a>,
    pub block_content_buffer: Bytes<'a>,
}

impl<'a> DecoderScratch<'a> {
    /// Scratch that allocates and grows as frames need.
    #[cfg(feature = "alloc")]
    pub fn new(window_size: usize) -> DecoderScratch<'static> {
        DecoderScratch {
            huf: Slot::Owned(alloc::boxed::Box::new(HuffmanScratch::new())),
            fse: Slot::Owned(alloc::boxed::Box::new(FSEScratch::new())),
            buffer: DecodeBuffer::new(window_size),
            offset_hist: [1, 4, 8],

            block_content_buffer: Bytes::new_owned(),
            literals_buffer: Bytes::new_owned(),
        }
    }

    /// Scratch in caller memory, which never allocates.
    pub fn new_in(memory: DecoderMemory<'a>) -> DecoderScratch<'a> {
        let DecoderMemory {
            tables,
            window,
            literals,
            block,
        } = memory;
        tables.init();
        let DecoderTables { fse, huf } = tables;
        DecoderScratch {
            huf: Slot::Borrowed(huf),
            fse: Slot::Borrowed(fse),
            buffer: DecodeBuffer::new_in(window),
            offset_hist: [1, 4, 8],

            block_content_buffer: Bytes::Borrowed { buf: block, len: 0 },
            literals_buffer: Bytes::Borrowed {
                buf: literals,
                len: 0,
            },
        }
    }

    pub fn reset(&mut self, window_size: usize) {
        self.offset_hist = [1, 4, 8];
        self.literals_buffer.clear();
        self.block_content_buffer.clear();

        self.buffer.reset(window_size);

        self.fse.literal_lengths.reset();
        self.fse.match_lengths.reset();
        self.fse.offsets.reset();
        self.fse.ll_rle = None;
        self.fse.ml_rle = None;
        self.fse.of_rle = None;

        self.huf.table.reset();
    }

    #[cfg(feature = "alloc")]
    pub fn init_from_dict(&mut self, dict: &Dictionary) {
        self.fse.reinit_from(&dict.fse);
        self.huf.table.reinit_from(&dict.huf.table);
        self.offset_hist = dict.offset_hist;
        self.buffer.dict_content.clear();
        self.buffer
            .dict_content
            .extend_from_slice(&dict.dict_content);
    }
}

pub struct HuffmanScratch {
    pub table: HuffmanTable,
}

impl HuffmanScratch {
    pub const fn new() -> HuffmanScratch {
        HuffmanScratch {
            table: HuffmanTable::new(),
        }
    }
}

impl Default for HuffmanScratch {
    fn default() -> Self {
        Self::new()
    }
}

pub struct FSEScratch {
    pub offsets: FSETable,
    pub of_rle: Option<u8>,
    pub literal_lengths: FSETable,
    pub ll_rle: Option<u8>,
    pub match_lengths: FSETable,
    pub ml_rle: Option<u8>,
}

impl FSEScratch {
    /// Tables that are all zeros (for a `static`): `DecoderTables::init` makes them
    /// ready.
    pub(crate) const fn zeroed() -> FSEScratch {
        FSEScratch {
            offsets: FSETable::new(0),
            of_rle: None,
            literal_lengths: FSETable::new(0),
            ll_rle: None,
            match_lengths: FSETable::new(0),
            ml_rle: None,
        }
    }

    pub const fn new() -> FSEScratch {
        FSEScratch {
            offsets: FSETable::new(MAX_OFFSET_CODE),
            of_rle: None,
            literal_lengths: FSETable::new(MAX_LITERAL_LENGTH_CODE),
            ll_rle: None,
            match_lengths: FSETable::new(MAX_MATCH_LENGTH_CODE),
            ml_rle: None,
        }
    }

    pub fn reinit_from(&mut self, other: &Self) {
        self.offsets.reinit_from(&other.offsets);
        self.literal_lengths.reinit_from(&other.literal_lengths);
        self.match_lengths.reinit_from(&other.match_lengths);
        self.of_rle = other.of_rle;
        self.ll_rle = other.ll_rle;
        self.ml_rle = other.ml_rle;
    }
}

impl Default for FSEScratch {
    fn default() -> Self {
        Self::new()
    }
}
