//! Structures and utilities used for decoding zstd formatted data

pub mod errors;
mod frame_decoder;
mod storage;
#[cfg(feature = "alloc")]
mod streaming_decoder;

#[cfg(feature = "alloc")]
pub use dictionary::Dictionary;
pub use frame_decoder::{BlockDecodingStrategy, FrameDecoder, DEFAULT_MAX_WINDOW_SIZE};
pub use storage::{window_buffer_len, DecoderMemory, DecoderTables};
#[cfg(feature = "alloc")]
pub use streaming_decoder::StreamingDecoder;

pub(crate) mod block_decoder;
pub(crate) mod decode_buffer;
#[cfg(feature = "alloc")]
pub(crate) mod dictionary;
pub(crate) mod frame;
pub(crate) mod literals_section_decoder;
mod ringbuffer;
#[allow(dead_code)]
pub(crate) mod scratch;
pub(crate) mod sequence_execution;
pub(crate) mod sequence_section_decoder;
