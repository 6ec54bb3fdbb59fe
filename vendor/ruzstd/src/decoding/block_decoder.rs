use super::super::blocks::block::BlockHeader;
use super::super::blocks::block::BlockType;
use super::super::blocks::literals_section::LiteralsSection;
use super::super::blocks::literals_section::LiteralsSectionType;
use super::super::blocks::sequence_section::SequencesHeader;
use super::literals_section_decoder::decode_literals;
use super::sequence_section_decoder::decode_sequences;
use crate::common::MAX_BLOCK_SIZE;
use crate::decoding::errors::DecodeSequenceError;
use crate::decoding::errors::{
    BlockHeaderReadError, BlockSizeError, BlockTypeError, DecodeBlockContentError,
    DecompressBlockError,
};
use crate::decoding::scratch::DecoderScratch;
use crate::decoding::sequence_execution::SequenceExecutor;
use crate::io::Read;

pub struct BlockDecoder {
    header_buffer: [u8; 3],
    internal_state: DecoderState,
}

enum DecoderState {
    ReadyToDecodeNextHeader,
    ReadyToDecodeNextBody,
    #[allow(dead_code)]
    Failed, //TODO put "self.internal_state = DecoderState::Failed;" everywhere an unresolvable error occurs
}

/// Create a new [BlockDecoder].
pub fn new() -> BlockDecoder {
    BlockDecoder {
        internal_state: DecoderState::ReadyToDecodeNextHeader,
        header_buffer: [0u8; 3],
    }
}

impl BlockDecoder {
    pub fn decode_block_content(
        &mut self,
        header: &BlockHeader,
        workspace: &mut DecoderScratch<'_>, //reuse this as often as possible. Not only if the trees are reused but also reuse the allocations when building new trees
        mut source: impl Read,
    ) -> Result<u64, DecodeBlockContentError> {
        let max_block_len = self.check_block(header, workspace)?;

        let block_type = header.block_type;
        match block_type {
            BlockType::RLE => {
                let mut buf = [0u8; 1];
                source.read_exact(&mut buf[..]).map_err(|err| {
                    DecodeBlockContentError::ReadError {
                        step: block_type,
                        source: err,
                    }
                })?;
                workspace
                    .buffer
                    .extend_and_fill(buf[0], header.decompressed_size as usize);

                self.internal_state = DecoderState::ReadyToDecodeNextHeader;

                Ok(1)
            }
            BlockType::Raw => {
                workspace
                    .buffer
                    .extend_from_reader(&mut source, header.decompressed_size as usize)
                    .map_err(|err| DecodeBlockContentError::ReadError {
                        step: block_type,
                        source: err,
                    })?;

                self.internal_state = DecoderState::ReadyToDecodeNextHeader;
                Ok(u64::from(header.decompressed_size))
            }

            BlockType::Reserved => {
                panic!("How did you even get this. The decoder should error out if it detects a reserved-type block");
            }

            BlockType::Compressed => {
                // The content goes to `block_content_buffer`, which is taken out of
                // `workspace` while the block decodes from it.
                let mut content = core::mem::take(&mut workspace.block_content_buffer);
                let result = match content.set_len(header.content_size as usize) {
                    Ok(buf) => match source.read_exact(buf) {
                        Ok(()) => Self::decompress_block(
                            header,
                            workspace,
                            content.as_slice(),
                            max_block_len,
                        ),
                        Err(e) => Err(e.into()),
                    },
                    Err(_) => Err(DecompressBlockError::DecompressedSizeTooLarge {
                        max: content.as_slice().len(),
                        at_least: header.content_size as usize,
                    }),
                };
                workspace.block_content_buffer = content;
                result?;

                self.internal_state = DecoderState::ReadyToDecodeNextHeader;
                Ok(u64::from(header.content_size))
            }
        }
    }

    /// Like [`decode_block_content`](Self::decode_block_content), but the block's
    /// content is read from a slice, which compressed blocks decode from directly
    /// (`block_content_buffer` is not used).
    pub fn decode_block_content_from_slice(
        &mut self,
        header: &BlockHeader,
        workspace: &mut DecoderScratch<'_>,
        source: &mut &[u8],
    ) -> Result<u64, DecodeBlockContentError> {
        if header.block_type != BlockType::Compressed {
            return self.decode_block_content(header, workspace, source);
        }
        let max_block_len = self.check_block(header, workspace)?;
        let len = header.content_size as usize;
        if source.len() < len {
            return Err(DecodeBlockContentError::ReadError {
                step: header.block_type,
                source: crate::io::Error::from(crate::io::ErrorKind::UnexpectedEof),
            });
        }
        let (content, rest) = source.split_at(len);
        *source = rest;
        Self::decompress_block(header, workspace, content, max_block_len)?;

        self.internal_state = DecoderState::ReadyToDecodeNextHeader;
        Ok(u64::from(header.content_size))
    }

    /// Checks that a block may be decoded now; returns the block maximum.
    fn check_block(
        &self,
        header: &BlockHeader,
        workspace: &DecoderScratch<'_>,
    ) -> Result<usize, DecodeBlockContentError> {
        match self.internal_state {
            DecoderState::ReadyToDecodeNextBody => { /* Happy :) */ }
            DecoderState::Failed => return Err(DecodeBlockContentError::DecoderStateIsFailed),
            DecoderState::ReadyToDecodeNextHeader => {
                return Err(DecodeBlockContentError::ExpectedHeaderOfPreviousBlock)
            }
        }

        // Block_Maximum_Size (RFC 8878 3.1.1.2.4): the smaller of the window and 128 KiB
        let max_block_len = (workspace.buffer.window_size).min(MAX_BLOCK_SIZE as usize);
        // raw and RLE blocks state their size, compressed ones are checked as they decode
        Self::check_decompressed_size(header.decompressed_size as usize, max_block_len)?;
        // A block writes at most `max_block_len` bytes (checked as it decodes): a
        // buffer that cannot grow must have room for that many first.
        if !workspace.buffer.can_hold(max_block_len) {
            return Err(DecodeBlockContentError::BufferFull {
                needed: max_block_len,
            });
        }
        Ok(max_block_len)
    }

    fn check_decompressed_size(at_least: usize, max: usize) -> Result<(), DecompressBlockError> {
        if at_least > max {
            return Err(DecompressBlockError::DecompressedSizeTooLarge { at_least, max });
        }
        Ok(())
    }

    fn decompress_block(
        header: &BlockHeader,
        workspace: &mut DecoderScratch<'_>, //reuse this as often as possible. Not only if the trees are reused but also reuse the allocations when building new trees
        raw: &[u8],
        max_block_decoded_len: usize,
    ) -> Result<(), DecompressBlockError> {
        let mut section = LiteralsSection::new();
        let bytes_in_literals_header = section.parse_from_header(raw)?;
        let raw = &raw[bytes_in_literals_header as usize..];
        vprintln!(
            "Found {} literalssection with regenerated size: {}, and compressed size: {:?}",
            section.ls_type,
            section.regenerated_size,
            section.compressed_size
        );

        let upper_limit_for_literals = match section.compressed_size {
            Some(x) => x as usize,
            None => match section.ls_type {
                LiteralsSectionType::RLE => 1,
                LiteralsSectionType::Raw => section.regenerated_size as usize,
                _ => panic!("Bug in this library"),
            },
        };

        if raw.len() < upper_limit_for_literals {
            return Err(DecompressBlockError::MalformedSectionHeader {
                expected_len: upper_limit_for_literals,
                remaining_bytes: raw.len(),
            });
        }

        let raw_literals = &raw[..upper_limit_for_literals];
        vprintln!("Slice for literals: {}", raw_literals.len());

        // The literals are part of the block's output: no more than its maximum.
        Self::check_decompressed_size(section.regenerated_size as usize, max_block_decoded_len)?;
        workspace.literals_buffer.clear(); //all literals of the previous block must have been used in the sequence execution anyways. just be defensive here
        let bytes_used_in_literals_section = decode_literals(
            &section,
            &mut workspace.huf,
            raw_literals,
            &mut workspace.literals_buffer,
        )?;
        assert!(
            section.regenerated_size == workspace.literals_buffer.as_slice().len() as u32,
            "Wrong number of literals: {}, Should have been: {}",
            workspace.literals_buffer.as_slice().len(),
            section.regenerated_size
        );
        assert!(bytes_used_in_literals_section == upper_limit_for_literals as u32);

        let raw = &raw[upper_limit_for_literals..];
        vprintln!("Slice for sequences with headers: {}", raw.len());

        let mut seq_section = SequencesHeader::new();
        let bytes_in_sequence_header = seq_section.parse_from_header(raw)?;
        let raw = &raw[bytes_in_sequence_header as usize..];
        vprintln!(
            "Found sequencessection with sequences: {} and size: {}",
            seq_section.num_sequences,
            raw.len()
        );

        assert!(
            u32::from(bytes_in_literals_header)
                + bytes_used_in_literals_section
                + u32::from(bytes_in_sequence_header)
                + raw.len() as u32
                == header.content_size
        );
        vprintln!("Slice for sequences: {}", raw.len());

        if seq_section.num_sequences != 0 {
            // Sequences are executed as they are decoded.
            let mut executor = SequenceExecutor::new(
                &mut workspace.buffer,
                workspace.literals_buffer.as_slice(),
                &mut workspace.offset_hist,
                max_block_decoded_len,
            );
            decode_sequences(&seq_section, raw, &mut workspace.fse, &mut executor)?;
            executor.finish()?;
        } else {
            if !raw.is_empty() {
                return Err(DecompressBlockError::DecodeSequenceError(
                    DecodeSequenceError::ExtraBits {
                        bits_remaining: raw.len() as isize * 8,
                    },
                ));
            }
            workspace.buffer.push(workspace.literals_buffer.as_slice());
        }

        Ok(())
    }

    /// Reads 3 bytes from the provided reader and returns
    /// the deserialized header and the number of bytes read.
    pub fn read_block_header(
        &mut self,
        mut r: impl Read,
    ) -> Result<(BlockHeader, u8), BlockHeaderReadError> {
        //match self.internal_state {
        //    DecoderState::ReadyToDecodeNextHeader => {/* Happy :) */},
        //    DecoderState::Failed => return Err(format!("Cant decode next block if failed along the way. Results will be nonsense")),
        //    DecoderState::ReadyToDecodeNextBody => return Err(format!("Cant decode next block header, while expecting to decode the body of the previous block. Results will be nonsense")),
        //}

        r.read_exact(&mut self.header_buffer[0..3])?;

        let btype = self.block_type()?;
        if let BlockType::Reserved = btype {
            return Err(BlockHeaderReadError::FoundReservedBlock);
        }

        let block_size = self.block_content_size()?;
        let decompressed_size = match btype {
            BlockType::Raw => block_size,
            BlockType::RLE => block_size,
            BlockType::Reserved => 0, //should be caught above, this is an error state
            BlockType::Compressed => 0, //unknown but will be smaller than 128kb (or window_size if that is smaller than 128kb)
        };
        let content_size = match btype {
            BlockType::Raw => block_size,
            BlockType::Compressed => block_size,
            BlockType::RLE => 1,
            BlockType::Reserved => 0, //should be caught above, this is an error state
        };

        let last_block = self.is_last();

        self.reset_buffer();
        self.internal_state = DecoderState::ReadyToDecodeNextBody;

        //just return 3. Blockheaders always take 3 bytes
        Ok((
            BlockHeader {
                last_block,
                block_type: btype,
                decompressed_size,
                content_size,
            },
            3,
        ))
    }

    fn reset_buffer(&mut self) {
        self.header_buffer[0] = 0;
        self.header_buffer[1] = 0;
        self.header_buffer[2] = 0;
    }

    fn is_last(&self) -> bool {
        self.header_buffer[0] & 0x1 == 1
    }

    fn block_type(&self) -> Result<BlockType, BlockTypeError> {
        let t = (self.header_buffer[0] >> 1) & 0x3;
        match t {
            0 => Ok(BlockType::Raw),
            1 => Ok(BlockType::RLE),
            2 => Ok(BlockType::Compressed),
            3 => Ok(BlockType::Reserved),
            other => Err(BlockTypeError::InvalidBlocktypeNumber { num: other }),
        }
    }

    fn block_content_size(&self) -> Result<u32, BlockSizeError> {
        let val = self.block_content_size_unchecked();
        if val > MAX_BLOCK_SIZE {
            Err(BlockSizeError::BlockSizeTooLarge { size: val })
        } else {
            Ok(val)
        }
    }

    fn block_content_size_unchecked(&self) -> u32 {
        u32::from(self.header_buffer[0] >> 3) //push out type and last_block flags. Retain 5 bit
            | (u32::from(self.header_buffer[1]) << 5)
            | (u32::from(self.header_buffer[2]) << 13)
    }
}
