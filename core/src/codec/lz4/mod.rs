//! lz4: the block format and the frame format, with no allocator.
//!
//! - **Blocks** ([`compress_into`], [`decompress_into`]): raw lz4 blocks, for
//!   protocols that carry the length themselves. The compressor is this crate's own
//!   (safe, the reference's fast parsing), over a hash [`Table`] the caller owns or
//!   takes from a [`ValuePool`](crate::pool::ValuePool), and so is the decoder.
//!   Their hot loops are the one place in the codecs with `unsafe` code
//!   (unchecked copies, each bounds test written out beside it; tested under Miri
//!   and fuzzed against a reference decoder): they run at about C lz4's speed, where
//!   safe code ran at 0.6x to 0.85x. The streaming [`Decoder`] decodes linked blocks,
//!   whose history sits in a separate window, with lz4_flex's checked decoder.
//!   Neither allocates, whatever lz4_flex's features.
//! - **Frames** (the format of the `lz4` tool, written here on top of the blocks):
//!   one-shot [`compress_frame_into`] / [`decompress_frame_into`], and the streaming
//!   [`Encoder`] / [`Decoder`] (the [`Encoder`](crate::codec::Encode) and
//!   [`Decoder`](crate::codec::Decode) traits), whose block buffers live inside the
//!   state. Independent and linked blocks, stored blocks, block and content
//!   checksums, the content size, skippable frames and frames in a row are
//!   supported; dictionary IDs and the legacy format (`lz4 -l`) are
//!   [`DecodeError::Unsupported`](crate::codec::DecodeError::Unsupported).
//!
//! ```
//! use bufpress::codec::lz4::{self, FrameSettings};
//! use bufpress::pool::{Pool, ValuePool};
//!
//! static POOL: Pool<4, 4096> = Pool::new();
//! static TABLES: ValuePool<lz4::Table, 2> = ValuePool::new([const { lz4::Table::new() }; 2]);
//!
//! let message = b"temperature 21.5, temperature 21.6, temperature 21.5, temperature 21.4";
//!
//! // A raw block, with a table from the pool (it goes back when dropped).
//! let mut table = TABLES.try_acquire()?;
//! let mut block = POOL.try_acquire()?;
//! lz4::compress_into(message, &mut block, &mut table)?;
//! let mut back = POOL.try_acquire()?;
//! lz4::decompress_into(&block, &mut back)?;
//! assert_eq!(&back[..], message);
//!
//! // A frame (`lz4 -d` reads it).
//! let mut frame = POOL.try_acquire()?;
//! let settings = FrameSettings::new().with_content_size(Some(message.len() as u64));
//! lz4::compress_frame_into(message, &mut frame, &settings, &mut table)?;
//! back.clear();
//! lz4::decompress_frame_into(&frame, &mut back)?;
//! assert_eq!(&back[..], message);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Memory
//!
//! The one-shot calls need only a [`Table`] (16 KiB, for compressing). The streaming
//! states hold their buffers inside, sized by a const generic `MEM` that
//! [`decoder_memory`] and [`encoder_memory`] compute:
//!
//! | block size | decoder, linked | decoder, independent only | encoder, linked | encoder, independent |
//! |---|---|---|---|---|
//! | 64 KiB | 192 KiB | 128 KiB | 192 KiB + 16 KiB table | 128 KiB + 16 KiB table |
//! | 256 KiB | 576 KiB | 512 KiB | 576 KiB + 16 KiB | 512 KiB + 16 KiB |
//! | 1 MiB | 2 MiB + 64 KiB | 2 MiB | 2 MiB + 80 KiB | 2 MiB + 16 KiB |
//! | 4 MiB | 8 MiB + 64 KiB | 8 MiB | 8 MiB + 80 KiB | 8 MiB + 16 KiB |
//!
//! (Each state adds a few hundred bytes of bookkeeping; the encoder's `MEM` has 8
//! bytes more than shown, for a block header and checksum.)
//!
//! Size a decoder for the blocks you expect, not for what frames declare: a frame's
//! header gives only an upper bound. lz4_flex's, Java's and Go's frame writers
//! declare 4 MiB blocks by default however short the content (the `lz4` tool, 1.9,
//! declares the smallest size that holds an input of up to 1 MiB, and 4 MiB beyond).
//! So a [`Decoder`] accepts any declared size and checks each actual block: one
//! whose stored or decoded size is larger than [`Decoder::max_block_size`] is
//! [`DecodeError::LimitExceeded`](crate::codec::DecodeError::LimitExceeded) (`limit`:
//! that size; `needed`: the block's stored size, or the declared maximum when the
//! decoded size does not fit) before any of it is written, whatever the sizes of the
//! input pieces and output buffers. Linked frames also need the 64 KiB history
//! ([`WINDOW`]): a state smaller than that refuses them at the header. A decoder
//! sized for linked blocks reads independent blocks of up to half its `MEM`.
//!
//! States this large belong in a `static` or a
//! [`ValuePool`](crate::pool::ValuePool): `new()` is `const`, its image is all zero
//! (the state lands in `.bss`), and no call copies a state or puts a buffer on the
//! stack, so a 64 KiB-block state works on an 8 KiB embedded stack. Never build one
//! as a local variable there.
//!
//! # Output bounds
//!
//! Decoding never writes past the caller's buffer; the one-shot calls commit output
//! only on success. [`Decoder::set_max_output`] caps the total output of a stream: a
//! frame declaring more is refused before anything is written, and a block that would
//! go past it (a decompression bomb) is
//! [`DecodeError::LimitExceeded`](crate::codec::DecodeError::LimitExceeded).

mod block;
mod decoder;
mod encoder;
mod fast;
mod frame;
mod oneshot;

pub use block::{MAX_INPUT, Table, compress_into, decompress_into, max_compressed_len};
pub use decoder::Decoder;
pub use encoder::Encoder;
pub use frame::{
    BlockMode, BlockSize, FrameSettings, LEGACY_MAGIC, MAGIC, SKIPPABLE_MAGIC, WINDOW,
    decoder_memory, encoder_memory, max_frame_len,
};
pub use oneshot::{compress_frame_into, decompress_frame_into};
