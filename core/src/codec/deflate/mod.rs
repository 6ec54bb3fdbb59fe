//! deflate (RFC 1951), zlib (RFC 1950) and gzip (RFC 1952): decoding on miniz_oxide,
//! encoding with bufpress's own compressor.
//!
//! **Neither direction needs an allocator.** Every state is a plain value with a
//! `const fn new()` that is all zero, so a `static` one (in a
//! [`ValuePool`](crate::pool::ValuePool) or a `Mutex`) lands in `.bss`.
//!
//! | | one-shot | streaming | state |
//! |---|---|---|---|
//! | decode | [`decompress_into`] | [`Decoder`] | [`InflateState`] (~10.5 KB) / [`DecoderState`] (~43 KB: + 32 KiB window) |
//! | encode | [`compress_into`] | [`Encoder`] | [`EncoderState<WINDOW, HASH>`](EncoderState): `6 * WINDOW + 2 * HASH` bytes + 5.4 KB |
//!
//! The states are large: keep them in a `static`, a
//! [`ValuePool`](crate::pool::ValuePool) or a box, not on the stack.
//!
//! Memory and ratio of the compressor per configuration (level 6; size in % of the
//! input on the built-in 1 MiB corpus of `bufpress_support`, text / JSON / telemetry /
//! the three mixed; `gzip -6`: 18.32 / 12.96 / 47.97 / 28.43; `tests/benches/DEFLATE.md`):
//!
//! | `EncoderState<WINDOW, HASH>` | bytes (64-bit host) | text | JSON | telemetry | mixed |
//! |---|---|---|---|---|---|
//! | `<32768, 32768>` (default) | 267,560 | 18.42 | 12.99 | 47.86 | 28.61 |
//! | `<8192, 8192>` | 70,952 | 19.21 | 13.20 | 46.94 | 31.66 |
//! | `<4096, 4096>` | 38,184 | 20.84 | 13.65 | 47.49 | 31.11 |
//! | `<1024, 1024>` | 13,608 | 25.48 | 19.51 | 53.35 | 34.44 |
//!
//! - The compressor is zlib's design in safe code: a window of `2 * WINDOW` bytes, hash
//!   chains, zlib's level table (0 stored; 1-3 greedy; 4-9 lazy; 10 searches longer
//!   chains), blocks written as dynamic Huffman (codes of at most 15 bits, code-length
//!   codes of at most 7), fixed Huffman or stored, whichever is smallest. Its deepest
//!   stack is small (all scratch is in the state). The bytes written do not depend on
//!   how input and output are cut; output never goes past the caller's buffer, and a
//!   full buffer is [`Status::OutputFull`](crate::codec::Status::OutputFull) (streaming)
//!   or [`EncodeError::OutputTooSmall`](crate::codec::EncodeError::OutputTooSmall)
//!   (one-shot); [`max_compressed_len`] bytes always suffice.
//! - The one-shot decoder inflates straight into the caller's [`Buf`](crate::pool::Buf)
//!   (miniz_oxide's non-wrapping mode): no window, the buffer's capacity bounds the
//!   output ([`DecodeError::OutputTooSmall`]), and the input must be exactly one stream.
//! - The streaming decoder keeps the 32 KiB history in its state and copies out, so
//!   input and output come in pieces of any size; a limit on the total output stops
//!   decompression bombs ([`DecodeError::LimitExceeded`]).
//! - zlib: the header is checked (FCHECK, method, window; a preset dictionary is
//!   [`DecodeError::Unsupported`]) and the Adler-32 verified.
//! - gzip: every optional header field is parsed (FEXTRA, FNAME, FCOMMENT, FHCRC, which
//!   is verified); reserved flag bits are [`DecodeError::Reserved`]; CRC-32 and ISIZE are
//!   verified; multi-member files decode as one stream, wherever the input is cut (the
//!   streaming decoder ends a gzip stream when it is called with no input, the sign
//!   that the input has ended; see [`Decoder`]). [`decompress_gzip_into`] and
//!   [`Decoder::decode_with_header`] also record the first member's header in a
//!   [`GzipHeader`] (MTIME, OS, flags; the extra field, file name and comment copied
//!   into a buffer the caller lends).
//!
//! ```
//! use bufpress::codec::deflate::{self, Format, InflateState};
//! use bufpress::pool::{Pool, ValuePool};
//!
//! static OUT: Pool<2, 1024> = Pool::new();
//! static STATES: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
//!
//! // `printf 'hello, hello, hello' | gzip -9n`
//! let gz = [
//!     0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9,
//!     0xc9, 0xd7, 0x51, 0xc8, 0x40, 0xa2, 0x00, 0x9f, 0xa1, 0xca, 0x09, 0x13, 0x00, 0x00,
//!     0x00,
//! ];
//! let mut state = STATES.try_acquire()?;
//! let mut out = OUT.try_acquire()?;
//! let n = deflate::decompress_into(&gz, &mut out, Format::Gzip, &mut state)?;
//! assert_eq!(&out[..n], b"hello, hello, hello");
//!
//! // A damaged stream is a typed error, and `out` keeps nothing of it.
//! let mut bad = gz;
//! bad[15] ^= 0x10;
//! out.clear();
//! assert!(deflate::decompress_into(&bad, &mut out, Format::Gzip, &mut state).is_err());
//! assert!(out.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compress;
mod crc32;
mod decoder;
mod encode;
mod frame;
mod gzip;
mod inflate;
mod zlib;

pub use compress::EncoderState;
pub use decoder::{Decoder, DecoderState, WINDOW};
pub use encode::{Encoder, compress_into};
pub use frame::{Framing, Phase};
pub use gzip::GzipHeader;
pub use gzip::{HEADER_LEN as GZIP_HEADER_LEN, TRAILER_LEN as GZIP_TRAILER_LEN};
pub use gzip::{header as gzip_header, trailer as gzip_trailer};
pub use inflate::{InflateState, decompress_gzip_into, decompress_into};

#[cfg(doc)]
use crate::codec::DecodeError;

/// The wrapper around the deflate data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Format {
    /// Raw deflate (RFC 1951): no header, no checksum.
    Raw,
    /// zlib (RFC 1950): a 2-byte header and an Adler-32 trailer.
    Zlib,
    /// gzip (RFC 1952): a member header, a CRC-32 and length trailer; several members
    /// make one stream.
    Gzip,
}

/// The lowest compression level: stored blocks, no compression.
pub const MIN_LEVEL: i32 = 0;
/// The highest compression level (miniz_oxide's "uber" level; 9 is zlib's best).
pub const MAX_LEVEL: i32 = 10;
/// The default compression level, as zlib's.
pub const DEFAULT_LEVEL: i32 = 6;

/// The most bytes compressing `len` bytes as `format` can produce, at any level (a
/// buffer this large never makes `compress_into` fail). Saturates at `usize::MAX`.
pub const fn max_compressed_len(len: usize, format: Format) -> usize {
    // miniz's bound (`mz_compressBound`): stored blocks cost 5 bytes per 31 KiB at
    // worst, plus the final block; the 110 % term covers a Huffman block larger than
    // its input before the stored fallback.
    let stored = len
        .saturating_add((len / (31 * 1024) + 1).saturating_mul(5))
        .saturating_add(128);
    let huffman = (len / 100).saturating_mul(110).saturating_add(128 + 110);
    let body = if stored > huffman { stored } else { huffman };
    let wrapper = match format {
        Format::Raw => 0,
        Format::Zlib => zlib::HEADER_LEN + zlib::TRAILER_LEN,
        Format::Gzip => gzip::HEADER_LEN + gzip::TRAILER_LEN,
    };
    body.saturating_add(wrapper)
}
