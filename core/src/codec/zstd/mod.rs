//! zstd decoding (RFC 8878), built on ruzstd, in memory the caller gives: no allocator.
//!
//! A [`Decoder`] runs on a [`DecoderState<N>`](DecoderState) (its tables and an
//! `N`-byte buffer; [`decoder_memory`] gives `N` for a window limit), built by a `const fn`
//! and all zeros, so a `static` one lands in `.bss`; or on memory laid out at run time
//! ([`Decoder::from_parts`]: a `&'static mut [u8]`, a pool buffer, region memory). With
//! the `alloc` feature, [`Decoder::new`] allocates its own. A decoder decodes any
//! number of frames, one-shot ([`Decoder::decompress_into`], into any [`Output`]
//! whose capacity bounds the output) or streaming (the [`codec::Decode`](super::Decode)
//! trait: input in pieces of any size, output into successive buffers of any size).
//!
//! ```
//! use bufpress::codec::zstd::{Decoder, DecoderState, decoder_memory};
//! use bufpress::pool::Pool;
//!
//! static POOL: Pool<2, 256> = Pool::new();
//!
//! // Made with `zstd -19` (content size and XXH64 checksum in the frame).
//! const FRAME: [u8; 40] = [
//!     0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0xdd, 0x00, 0x00, 0x98, 0x68, 0x65, 0x6c, 0x6c,
//!     0x6f, 0x20, 0x7a, 0x73, 0x74, 0x64, 0x2c, 0x20, 0x70, 0x6f, 0x6f, 0x6c, 0x2c, 0x20,
//!     0x21, 0x02, 0x00, 0x3b, 0x55, 0xf9, 0x50, 0x92, 0x86, 0xba, 0x7a, 0xd8,
//! ];
//!
//! // Windows up to 4 KiB: 16 KiB + 8 bytes of buffers and 21 KB of tables. In a
//! // firmware this is a `static` (in `.bss`) behind a `StaticCell` or `static mut`.
//! let mut state = Box::new(DecoderState::<{ decoder_memory(4096) }>::new());
//! let mut decoder = Decoder::new_in(&mut state);
//! let mut out = POOL.try_acquire()?;
//! let n = decoder.decompress_into(&FRAME, &mut out)?;
//! assert_eq!(&out[..n], b"hello zstd, hello pool, hello zstd, hello pool!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Streaming, with input arriving in pieces and output handed on buffer by buffer:
//!
//! ```
//! use bufpress::codec::zstd::{Decoder, DecoderState, decoder_memory};
//! use bufpress::codec::{Decode as _, Status};
//! use bufpress::pool::Pool;
//!
//! static POOL: Pool<4, 16> = Pool::new();
//! # const FRAME: [u8; 40] = [
//! #     0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0xdd, 0x00, 0x00, 0x98, 0x68, 0x65, 0x6c, 0x6c,
//! #     0x6f, 0x20, 0x7a, 0x73, 0x74, 0x64, 0x2c, 0x20, 0x70, 0x6f, 0x6f, 0x6c, 0x2c, 0x20,
//! #     0x21, 0x02, 0x00, 0x3b, 0x55, 0xf9, 0x50, 0x92, 0x86, 0xba, 0x7a, 0xd8,
//! # ];
//!
//! let mut state = Box::new(DecoderState::<{ decoder_memory(1024) }>::new());
//! let mut decoder = Decoder::new_in(&mut state).with_max_content(1000);
//! let mut text = Vec::new();
//! let mut out = POOL.try_acquire()?;
//! for piece in FRAME.chunks(7) {
//!     let mut piece = piece;
//!     loop {
//!         let p = decoder.decode(piece, &mut out)?;
//!         piece = &piece[p.consumed..];
//!         if p.status == Status::NeedInput {
//!             break; // all of this piece was taken
//!         }
//!         text.extend_from_slice(&out); // a full buffer (or the frame's end): hand it on
//!         out.clear();
//!         if p.status == Status::Done {
//!             break;
//!         }
//!     }
//! }
//! assert_eq!(text, b"hello zstd, hello pool, hello zstd, hello pool!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits
//!
//! - **Window.** A frame whose window (for a single-segment frame: its content size) is
//!   larger than the decoder's limit ([`DecoderState::MAX_WINDOW`], the length given to
//!   [`Decoder::from_parts`], or the limit given to [`Decoder::new`]) fails with
//!   [`DecodeError::LimitExceeded`] as soon as its header is read, before anything is
//!   written. Any limit from 1 KiB (the format's smallest window) up works; the
//!   format's block maximum is `min(window, 128 KiB)`, so small windows also mean
//!   small blocks, and a block larger than its frame's maximum is
//!   [`DecodeError::Corrupt`] before it is decoded. A match that reaches further back
//!   than the frame's window is [`DecodeError::Corrupt`] too (RFC 8878), even when
//!   the decoder's buffer still holds those bytes.
//! - **Content.** [`Decoder::with_max_content`] bounds what one frame may decode to; a
//!   frame that declares more fails at its header, one that does not declare its size
//!   fails before the byte past the limit is written. One-shot decoding is also
//!   bounded by the buffer: a declared size larger than the space left fails at once
//!   with [`DecodeError::OutputTooSmall`], otherwise before writing past the buffer. On
//!   any error of the one-shot call, the buffer is truncated back to its length before
//!   the call: partial output is never presented as success.
//! - **Checksums** (XXH64, low 32 bits) are verified when the frame has one; a mismatch
//!   is [`DecodeError::Checksum`] of kind [`Checksum::Content`]. A declared content size
//!   that does not match what the frame decodes to is [`DecodeError::Corrupt`].
//! - Several frames in a row decode one after the other; skippable frames (magic
//!   numbers `0x184D2A50..=0x184D2A5F`) are skipped; frames that need a dictionary are
//!   [`DecodeError::Unsupported`].
//!
//! # Memory
//!
//! With `W` the window limit and `B = min(W, 128 KiB)` the block maximum, a decoder
//! holds, all in the caller's state:
//!
//! - the window buffer, `W + B + 1` bytes: the last `W` bytes decoded (matches copy
//!   from them) and one block of decoded data waiting to be handed out;
//! - one block of literals (`B`) and one block of input (`B + 7`), collected when input
//!   comes in pieces (a block is decoded only once it is whole);
//! - the FSE and Huffman tables, 21,328 bytes whatever the window (their sizes are
//!   fixed by the format: 4 FSE tables of 2^9 cells, a Huffman table of 2^11);
//! - the [`Decoder`] value itself (688 bytes on 64-bit targets, wherever the caller
//!   puts it: it borrows the state).
//!
//! [`decoder_memory`]`(W)` is `W + 3 B + 8`. In bytes (tables included):
//!
//! | window limit | 1 KiB | 4 KiB | 8 KiB | 32 KiB | 128 KiB | 1 MiB | 8 MiB |
//! |---|---|---|---|---|---|---|---|
//! | `decoder_memory` | 4,104 | 16,392 | 32,776 | 131,080 | 524,296 | 1,441,800 | 8,781,832 |
//! | + tables = total | 25.4 KB | 37.7 KB | 54.1 KB | 152.4 KB | 545.6 KB | 1.46 MB | 8.80 MB |
//! | total − window | 24.4 KB | 33.6 KB | 45.9 KB | 119.6 KB | 414.6 KB | 414.6 KB | 414.6 KB |
//!
//! Up to 4 KiB windows this is within the window plus 40 KB. Beyond, the three
//! block-sized buffers dominate (3 × 128 KiB from 128 KiB windows on); libzstd's
//! streaming decoder holds about the same (window + 2 blocks of output, a block of
//! input, a literal buffer of up to 64 KiB). Decoding literals into the free part of
//! the window buffer and blocks straight from whole-frame input would save two of the
//! three; not done.
//!
//! Decoding allocates nothing, ever: the state is the only memory (no global
//! allocator needs to be linked). The stack stays small: no buffer or table lives on
//! it. Measured on thumbv7em with `-Z emit-stack-sizes` (release): in a program with
//! LTO (a no-allocator kernel-like program decoding a `zstd -19` image), the deepest
//! call chain of [`Decoder::decompress_into`] is 808 bytes (its own frame 232, then
//! ruzstd's block decoder 232, sequence decoder 192, FSE table builder 80 + 56);
//! without LTO the largest frame is `Decoder::step`'s, 520 bytes, and the frames on
//! the deepest chain add up to about 1.6 KB.
//!
//! [`Decoder::new`] (feature `alloc`) holds the same buffers and tables on the heap,
//! allocated at construction (ruzstd's own growable buffers, grown once to their final
//! size by feeding it a synthetic frame; its ring buffer is rounded up by ruzstd's
//! growth rule): measured 25 KB for 1 KiB windows, 87 KB for 16 KiB, 546 KB for
//! 128 KiB, 1.59 MB for 1 MiB, 8.93 MB for 8 MiB. Decoding allocates nothing after
//! that, invalid input included.
//!
//! The decoder reads frame, block and section headers itself before ruzstd does (see
//! `parse.rs`): a window beyond the limit is refused at the header, and invalid
//! blocks whose section headers exceed the block maximum are refused before they are
//! decoded. ruzstd (the `bufpress-ruzstd` crate) checks every write against the
//! block maximum as well, so a block never writes more than `B` bytes into the window
//! buffer whatever its content.
//!
//! # Errors and panics
//!
//! Every ruzstd error maps to a [`DecodeError`], and this module has no panic path.
//! ruzstd 0.9.1 itself was fuzzed with debug assertions on (millions of mutated and
//! random frames, through this decoder and alone) without a panic. A streaming decoder
//! that returned an error keeps returning it until [`reset`](super::Decode::reset);
//! the one-shot call resets itself.

mod parse;
#[cfg(feature = "alloc")]
mod warm;

#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use core::fmt;
use core::ops::{Deref, DerefMut};

use ruzstd::decoding::errors::{
    BlockHeaderReadError, DecodeBlockContentError, FrameDecoderError, ReadFrameHeaderError,
};
use ruzstd::decoding::{DecoderMemory, FrameDecoder};
use ruzstd::io::Read as _;

use self::parse::{BLOCK_HEADER, CHECKSUM, MAX_BLOCK, MAX_HEADER, Magic};
use super::{Checksum, DecodeError, Progress, Status};
use crate::codec::Output;

/// The largest window limit [`Decoder::new`] accepts (2 GiB, libzstd's
/// `ZSTD_WINDOWLOG_MAX` on 64-bit targets); larger limits are lowered to it.
pub const MAX_WINDOW_LIMIT: usize = if usize::BITS > 32 { 1 << 31 } else { 1 << 30 };

/// A zstd decoder: one-shot ([`decompress_into`](Self::decompress_into)) and streaming
/// ([`codec::Decode`](super::Decode)), on memory from the caller
/// ([`new_in`](Self::new_in), [`from_parts`](Self::from_parts)) or allocated once
/// ([`new`](Self::new), feature `alloc`); `'a` is how long the memory is borrowed.
///
/// See the [module docs](self) for the limits and the memory it holds.
pub struct Decoder<'a> {
    fd: FrameDecoder<'a>,
    max_window: usize,
    max_content: u64,
    /// A block collected from input that came in pieces: header, content and (after the
    /// last block) the checksum. `BLOCK_HEADER + min(max_window, MAX_BLOCK) + CHECKSUM`.
    staging: Staging<'a>,
    staged: usize,
    /// A frame's magic number and header (or a skippable frame's magic and size).
    head: [u8; MAX_HEADER],
    head_len: usize,
    phase: Phase,
    frame: Frame,
    failed: Option<DecodeError>,
}

/// Where the streaming decoder is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Collecting a frame's first four bytes.
    Magic,
    /// Collecting a skippable frame's size.
    SkipSize,
    /// Skipping this many more bytes of a skippable frame.
    Skip(u64),
    /// Collecting the frame header: this many bytes, magic number included.
    Header(usize),
    /// Collecting a block: this many bytes (0 while its header is incomplete).
    Block(usize),
    /// Handing decoded bytes out.
    Drain,
}

/// The frame being decoded.
#[derive(Debug, Clone, Copy, Default)]
struct Frame {
    content_size: Option<u64>,
    checksum: bool,
    block_max: usize,
    produced: u64,
    last: bool,
}

/// The staging buffer: borrowed from the caller's state, or allocated.
enum Staging<'a> {
    Borrowed(&'a mut [u8]),
    #[cfg(feature = "alloc")]
    Owned(Box<[u8]>),
}

impl Deref for Staging<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Staging::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Staging::Owned(s) => s,
        }
    }
}

impl DerefMut for Staging<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Staging::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Staging::Owned(s) => s,
        }
    }
}

/// The FSE and Huffman tables of a decoder (21,328 bytes, the same for every window), for
/// [`Decoder::from_parts`]. [`DecoderState`] holds one.
pub struct DecoderTables(ruzstd::decoding::DecoderTables);

impl DecoderTables {
    /// Empty tables: all zeros, so a `static` one lands in `.bss`.
    ///
    /// In a `static` this runs at compile time. Called at run time it builds the
    /// tables on the stack first (about 10 KB of stack on thumbv7em), as
    /// [`DecoderState::new`] does with its buffer too: on a small stack, make them
    /// `static`.
    pub const fn new() -> Self {
        Self(ruzstd::decoding::DecoderTables::new())
    }
}

impl Default for DecoderTables {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for DecoderTables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecoderTables").finish_non_exhaustive()
    }
}

/// The block maximum for a window limit: `min(max_window, 128 KiB)`.
const fn block_max(max_window: usize) -> usize {
    if max_window < MAX_BLOCK {
        max_window
    } else {
        MAX_BLOCK
    }
}

/// The byte buffer a decoder needs for windows up to `max_window` bytes: the `N` of
/// [`DecoderState<N>`](DecoderState), or the length of the buffer given to
/// [`Decoder::from_parts`]. With `B = min(max_window, 128 KiB)` it is
/// `max_window + 3 B + 8`: the window plus one block (decoded data waiting to be
/// handed out), one block of literals and one block of input (collected when input
/// comes in pieces). Saturates at `usize::MAX`.
///
/// ```
/// use bufpress::codec::zstd::{DecoderState, decoder_memory};
///
/// assert_eq!(decoder_memory(8 * 1024), 32 * 1024 + 8);
/// assert_eq!(DecoderState::<{ decoder_memory(8 * 1024) }>::MAX_WINDOW, 8 * 1024);
/// ```
pub const fn decoder_memory(max_window: usize) -> usize {
    let b = block_max(max_window);
    // Saturates: no state can be that large, and a too-short buffer only lowers the
    // window (`from_parts`).
    max_window
        .saturating_add(3 * b)
        .saturating_add(BLOCK_HEADER + CHECKSUM + 1)
}

/// The first `n` bytes of `buf` and the rest (all of it, and nothing, when it is
/// shorter).
fn take(buf: &mut [u8], n: usize) -> (&mut [u8], &mut [u8]) {
    if n <= buf.len() {
        buf.split_at_mut(n)
    } else {
        (buf, &mut [])
    }
}

/// The largest window whose [`decoder_memory`] is at most `len`.
const fn max_window_for(len: usize) -> usize {
    let fixed = BLOCK_HEADER + CHECKSUM + 1;
    if len < fixed {
        return 0;
    }
    let usable = len - fixed;
    if usable <= 4 * MAX_BLOCK {
        usable / 4
    } else {
        usable - 3 * MAX_BLOCK
    }
}

/// All the memory of a zstd [`Decoder`]: its tables and an `N`-byte buffer that sets
/// the largest window it decodes, [`MAX_WINDOW`](Self::MAX_WINDOW) (size `N` with
/// [`decoder_memory`]). Built by a `const fn` and all zeros, so a `static` one lands in
/// `.bss`; a [`Decoder`] borrows it ([`Decoder::new_in`]).
///
/// It is large (21 KB of tables plus `N`): keep it in a `static`, a pool value
/// ([`ValuePool`](crate::pool::ValuePool)) or a box, not on a small stack.
pub struct DecoderState<const N: usize> {
    tables: DecoderTables,
    buf: [u8; N],
}

impl<const N: usize> DecoderState<N> {
    /// The largest window a decoder on this state accepts.
    pub const MAX_WINDOW: usize = max_window_for(N);

    /// A state, all zeros.
    pub const fn new() -> Self {
        Self {
            tables: DecoderTables::new(),
            buf: [0; N],
        }
    }
}

impl<const N: usize> Default for DecoderState<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for DecoderState<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecoderState")
            .field("max_window", &Self::MAX_WINDOW)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "alloc")]
impl Decoder<'static> {
    /// A decoder for frames whose window is at most `max_window` bytes (at most
    /// [`MAX_WINDOW_LIMIT`]; larger values are lowered to it), with no limit on content
    /// size (see [`with_max_content`](Self::with_max_content)), whose memory is
    /// allocated (feature `alloc`; [`new_in`](Decoder::new_in) needs no allocator).
    ///
    /// This allocates all the memory the decoder will use (the window, one block for
    /// decoded data, one for literals and one for input, plus the tables); a failed
    /// allocation goes to the global allocation error handler, like any `Vec`'s.
    pub fn new(max_window: usize) -> Self {
        let max_window = max_window.min(MAX_WINDOW_LIMIT);
        let block_max = block_max(max_window);
        let mut fd = FrameDecoder::new();
        fd.set_max_window_size(max_window as u64);
        let staging = alloc::vec![0u8; BLOCK_HEADER + block_max + CHECKSUM].into_boxed_slice();
        warm::presize(&mut fd, max_window, block_max);
        Self::with_parts(fd, max_window, Staging::Owned(staging))
    }
}

impl<'a> Decoder<'a> {
    /// A decoder on `state`, for frames whose window is at most
    /// [`DecoderState::<N>::MAX_WINDOW`](DecoderState::MAX_WINDOW), with no limit on
    /// content size. It never allocates, and is small (688 bytes on 64-bit targets):
    /// build it where it is used.
    ///
    /// ```
    /// use bufpress::codec::zstd::{Decoder, DecoderState, decoder_memory};
    /// use bufpress::pool::Pool;
    ///
    /// // In a real firmware: `static mut` or a `StaticCell`; 1 KiB windows.
    /// let mut state = Box::new(DecoderState::<{ decoder_memory(1024) }>::new());
    /// let mut decoder = Decoder::new_in(&mut state);
    /// assert_eq!(decoder.max_window(), 1024);
    /// # const FRAME: [u8; 40] = [
    /// #     0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0xdd, 0x00, 0x00, 0x98, 0x68, 0x65, 0x6c, 0x6c,
    /// #     0x6f, 0x20, 0x7a, 0x73, 0x74, 0x64, 0x2c, 0x20, 0x70, 0x6f, 0x6f, 0x6c, 0x2c, 0x20,
    /// #     0x21, 0x02, 0x00, 0x3b, 0x55, 0xf9, 0x50, 0x92, 0x86, 0xba, 0x7a, 0xd8,
    /// # ];
    /// static POOL: Pool<2, 256> = Pool::new();
    /// let mut out = POOL.try_acquire()?;
    /// let n = decoder.decompress_into(&FRAME, &mut out)?;
    /// assert_eq!(&out[..n], b"hello zstd, hello pool, hello zstd, hello pool!");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new_in<const N: usize>(state: &'a mut DecoderState<N>) -> Self {
        Self::from_parts(&mut state.tables, &mut state.buf)
    }

    /// A decoder on caller memory laid out at run time (a `&'static mut [u8]`, pool or
    /// region memory): `tables` and `buf`, whose length sets the largest window (see
    /// [`decoder_memory`]; a window of `w` bytes needs `decoder_memory(w)`). It never allocates.
    pub fn from_parts(tables: &'a mut DecoderTables, buf: &'a mut [u8]) -> Self {
        let max_window = max_window_for(buf.len()).min(MAX_WINDOW_LIMIT);
        let block = block_max(max_window);
        // `decoder_memory(max_window)` bytes are there (none when `buf` is shorter than
        // the 8 bytes of a 0-byte window: every frame with a window is then refused).
        let (staging, rest) = take(buf, BLOCK_HEADER + block + CHECKSUM);
        let (window, rest) = take(rest, ruzstd::decoding::window_buffer_len(max_window));
        let (literals, _) = take(rest, block);
        let fd = FrameDecoder::new_in(DecoderMemory {
            tables: &mut tables.0,
            window,
            literals,
            block: &mut [],
        });
        Self::with_parts(fd, max_window, Staging::Borrowed(staging))
    }

    fn with_parts(fd: FrameDecoder<'a>, max_window: usize, staging: Staging<'a>) -> Self {
        Self {
            fd,
            max_window,
            max_content: u64::MAX,
            staging,
            staged: 0,
            head: [0; MAX_HEADER],
            head_len: 0,
            phase: Phase::Magic,
            frame: Frame::default(),
            failed: None,
        }
    }

    /// The same decoder, refusing frames that decode to more than `max_content` bytes.
    #[must_use]
    pub fn with_max_content(mut self, max_content: u64) -> Self {
        self.max_content = max_content;
        self
    }

    /// The window limit.
    pub fn max_window(&self) -> usize {
        self.max_window
    }

    /// The limit on one frame's content size (`u64::MAX`: none).
    pub fn max_content(&self) -> u64 {
        self.max_content
    }

    /// Decodes all the frames in `input` (skipping skippable frames) and appends their
    /// content to `out`; returns how many bytes were appended.
    ///
    /// This starts from a clean state (whatever a streaming call left is dropped) and
    /// leaves one behind, also after an error.
    ///
    /// # Errors
    ///
    /// - [`DecodeError::OutputTooSmall`] when the content does not fit in `out` (at once
    ///   when a frame declares its size);
    /// - [`DecodeError::LimitExceeded`] for a window or a content size beyond the
    ///   decoder's limits;
    /// - [`DecodeError::Truncated`] for empty input or input that ends inside a frame;
    /// - [`DecodeError::BadMagic`] when the input does not start with a frame,
    ///   [`DecodeError::TrailingData`] when bytes after a frame are not one;
    /// - [`DecodeError::Checksum`], [`DecodeError::Corrupt`], [`DecodeError::Reserved`]
    ///   for invalid frames, [`DecodeError::Unsupported`] for dictionaries.
    ///
    /// On error `out` is truncated to its length before the call.
    pub fn decompress_into(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<usize, DecodeError> {
        self.clear();
        let start = out.len();
        let result = self.all_frames(input, out);
        self.clear();
        match result {
            Ok(()) => Ok(out.len().saturating_sub(start)),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    fn all_frames(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<(), DecodeError> {
        if input.is_empty() {
            return Err(DecodeError::Truncated);
        }
        // A bad magic number after a good first frame is data that trails the frames.
        let first_is_frame = input
            .first_chunk::<4>()
            .is_some_and(|m| parse::magic(*m) != Magic::Other);
        let trailing = |e| match e {
            DecodeError::BadMagic if first_is_frame => DecodeError::TrailingData,
            e => e,
        };
        let mut rest = input;
        loop {
            let p = self.step(rest, out, true).map_err(trailing)?;
            rest = rest.get(p.consumed..).unwrap_or_default();
            match p.status {
                Status::Done if rest.is_empty() => return Ok(()),
                Status::Done => {}
                // All input consumed: fine between frames (after a skippable one).
                Status::NeedInput => {
                    return match self.phase {
                        Phase::Magic if self.head_len == 0 => Ok(()),
                        Phase::Magic if first_is_frame => Err(DecodeError::TrailingData),
                        _ => Err(DecodeError::Truncated),
                    };
                }
                Status::OutputFull => {
                    return Err(DecodeError::OutputTooSmall {
                        needed: None,
                        capacity: out.capacity(),
                    });
                }
            }
        }
    }

    /// Forgets the stream in progress (buffers are kept).
    fn clear(&mut self) {
        self.staged = 0;
        self.head_len = 0;
        self.phase = Phase::Magic;
        self.frame = Frame::default();
        self.failed = None;
    }

    /// One streaming call; an error sticks until `reset`.
    fn step(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        one_shot: bool,
    ) -> Result<Progress, DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let start = out.len();
        let mut consumed = 0;
        match self.run(input, &mut consumed, out, one_shot) {
            Ok(status) => Ok(Progress {
                consumed,
                produced: out.len().saturating_sub(start),
                status,
            }),
            Err(e) => {
                self.failed = Some(e);
                Err(e)
            }
        }
    }

    /// Runs the phases until input runs out, `out` is full or a frame ends.
    fn run(
        &mut self,
        input: &[u8],
        pos: &mut usize,
        out: &mut (impl Output + ?Sized),
        one_shot: bool,
    ) -> Result<Status, DecodeError> {
        loop {
            let rest = input.get(*pos..).unwrap_or_default();
            match self.phase {
                Phase::Magic => {
                    if !self.fill_head(rest, 4, pos) {
                        return Ok(Status::NeedInput);
                    }
                    let magic = self.head.first_chunk::<4>().copied().unwrap_or_default();
                    self.phase = match parse::magic(magic) {
                        Magic::Frame => Phase::Header(5),
                        Magic::Skippable => Phase::SkipSize,
                        Magic::Other => return Err(DecodeError::BadMagic),
                    };
                }
                Phase::SkipSize => {
                    if !self.fill_head(rest, 8, pos) {
                        return Ok(Status::NeedInput);
                    }
                    let size = self.head.get(4..8).and_then(|s| s.first_chunk::<4>());
                    let size = size.copied().map(u32::from_le_bytes).unwrap_or_default();
                    self.phase = Phase::Skip(u64::from(size));
                }
                Phase::Skip(left) => {
                    let n = left.min(rest.len() as u64);
                    *pos += n as usize;
                    if n < left {
                        self.phase = Phase::Skip(left - n);
                        return Ok(Status::NeedInput);
                    }
                    self.head_len = 0;
                    self.phase = Phase::Magic;
                }
                Phase::Header(len) => {
                    if !self.fill_head(rest, len, pos) {
                        return Ok(Status::NeedInput);
                    }
                    let full = self.head.get(4).map_or(len, |&d| parse::header_len(d));
                    if full > len {
                        self.phase = Phase::Header(full);
                    } else {
                        self.start_frame(out, one_shot)?;
                    }
                }
                Phase::Block(need) => {
                    if !self.collect_block(rest, need, pos)? {
                        return Ok(Status::NeedInput);
                    }
                }
                Phase::Drain => {
                    if !self.drain(out, one_shot)? {
                        return Ok(Status::OutputFull);
                    }
                    if self.frame.last {
                        self.finish_frame()?;
                        return Ok(Status::Done);
                    }
                    self.phase = Phase::Block(0);
                }
            }
        }
    }

    /// Moves input into `head` until it holds `len` bytes; whether it does.
    fn fill_head(&mut self, rest: &[u8], len: usize, pos: &mut usize) -> bool {
        let have = self.head_len;
        let n = len.saturating_sub(have).min(rest.len());
        if let (Some(dst), Some(src)) = (self.head.get_mut(have..have + n), rest.get(..n)) {
            dst.copy_from_slice(src);
            self.head_len += n;
            *pos += n;
        }
        self.head_len >= len
    }

    /// Checks a complete frame header against the limits and starts the frame.
    fn start_frame(
        &mut self,
        out: &(impl Output + ?Sized),
        one_shot: bool,
    ) -> Result<(), DecodeError> {
        let head = self.head.get(..self.head_len).unwrap_or_default();
        let header = parse::frame_header(head)?;
        if header.dict_id != 0 {
            return Err(DecodeError::Unsupported);
        }
        if header.window > self.max_window as u64 {
            return Err(DecodeError::LimitExceeded {
                limit: self.max_window as u64,
                needed: Some(header.window),
            });
        }
        if let Some(size) = header.content_size {
            if size > self.max_content {
                return Err(DecodeError::LimitExceeded {
                    limit: self.max_content,
                    needed: Some(size),
                });
            }
            if one_shot && size > out.remaining() as u64 {
                return Err(DecodeError::OutputTooSmall {
                    needed: Some((out.len() as u64).saturating_add(size)),
                    capacity: out.capacity(),
                });
            }
        }
        self.fd.reset(head).map_err(map_error)?;
        self.frame = Frame {
            content_size: header.content_size,
            checksum: header.checksum,
            // The window is within the limit, so it fits in usize.
            block_max: usize::try_from(header.window)
                .unwrap_or(MAX_BLOCK)
                .min(MAX_BLOCK),
            produced: 0,
            last: false,
        };
        self.head_len = 0;
        self.phase = Phase::Block(0);
        Ok(())
    }

    /// Collects a block (decoding it straight from `rest` when it is all there) and
    /// decodes it; whether it was complete.
    fn collect_block(
        &mut self,
        rest: &[u8],
        mut need: usize,
        pos: &mut usize,
    ) -> Result<bool, DecodeError> {
        let entry = *pos;
        if need == 0 {
            // The header tells the block's length.
            let header = match rest.first_chunk::<BLOCK_HEADER>() {
                Some(h) if self.staged == 0 => *h,
                // A decoder on under 3 bytes cannot stage a header that comes in
                // pieces: an error, not a `NeedInput` that takes nothing forever.
                _ if self.staging.len() < BLOCK_HEADER => {
                    return Err(DecodeError::LimitExceeded {
                        limit: self.staging.len() as u64,
                        needed: Some(BLOCK_HEADER as u64),
                    });
                }
                _ => {
                    if !self.stage(rest, BLOCK_HEADER, pos) {
                        return Ok(false);
                    }
                    let h = self.staging.first_chunk::<BLOCK_HEADER>();
                    h.copied().unwrap_or_default()
                }
            };
            let block = parse::block_header(header, self.frame.block_max)?;
            let checksum = if block.last && self.frame.checksum {
                CHECKSUM
            } else {
                0
            };
            need = BLOCK_HEADER + block.content_len + checksum;
            // Only true for a decoder on less than `decoder_memory(0)` bytes (the block
            // maximum is at most the limit's); a block that could not be staged must
            // not leave the caller waiting for progress.
            if need > self.staging.len() {
                return Err(DecodeError::LimitExceeded {
                    limit: self.staging.len() as u64,
                    needed: Some(need as u64),
                });
            }
            self.phase = Phase::Block(need);
        }
        let block = match rest.get(..need) {
            Some(whole) if self.staged == 0 => {
                *pos += need;
                whole
            }
            _ => {
                let from = rest.get(*pos - entry..).unwrap_or_default();
                if !self.stage(from, need, pos) {
                    return Ok(false);
                }
                self.staged = 0;
                self.staging.get(..need).ok_or(DecodeError::Corrupt)?
            }
        };
        decode_block(&mut self.fd, &mut self.frame, block)?;
        self.phase = Phase::Drain;
        Ok(true)
    }

    /// Moves input into `staging` until it holds `len` bytes; whether it does.
    fn stage(&mut self, rest: &[u8], len: usize, pos: &mut usize) -> bool {
        let have = self.staged;
        let n = len.saturating_sub(have).min(rest.len());
        if let (Some(dst), Some(src)) = (self.staging.get_mut(have..have + n), rest.get(..n)) {
            dst.copy_from_slice(src);
            self.staged += n;
            *pos += n;
        }
        self.staged >= len
    }

    /// Moves decoded bytes into `out`; whether all that can be handed out now was.
    fn drain(
        &mut self,
        out: &mut (impl Output + ?Sized),
        one_shot: bool,
    ) -> Result<bool, DecodeError> {
        let pending = self.fd.can_collect();
        if pending == 0 {
            return Ok(true);
        }
        let total = self.frame.produced.saturating_add(pending as u64);
        if self.frame.content_size.is_some_and(|size| total > size) {
            return Err(DecodeError::Corrupt);
        }
        if total > self.max_content {
            return Err(DecodeError::LimitExceeded {
                limit: self.max_content,
                needed: None,
            });
        }
        if one_shot && pending > out.remaining() {
            return Err(DecodeError::OutputTooSmall {
                needed: None,
                capacity: out.capacity(),
            });
        }
        let n = pending.min(out.remaining());
        if n == 0 {
            return Ok(false);
        }
        let spare = out
            .try_spare_capacity_mut(n)
            .map_err(|_| DecodeError::Corrupt)?;
        let got = self.fd.read(spare).map_err(|_| DecodeError::Corrupt)?;
        out.commit(got.min(n)).map_err(|_| DecodeError::Corrupt)?;
        self.frame.produced += got as u64;
        if got == 0 {
            // ruzstd said bytes were ready but gave none: never loop on it.
            return Err(DecodeError::Corrupt);
        }
        Ok(got == pending)
    }

    /// Checks the content size and the checksum of a frame whose content was all
    /// handed out.
    fn finish_frame(&mut self) -> Result<(), DecodeError> {
        if self
            .frame
            .content_size
            .is_some_and(|size| size != self.frame.produced)
        {
            return Err(DecodeError::Corrupt);
        }
        if self.frame.checksum {
            let stored = self.fd.get_checksum_from_data();
            let computed = self.fd.get_calculated_checksum();
            let (Some(expected), Some(actual)) = (stored, computed) else {
                return Err(DecodeError::Corrupt);
            };
            if expected != actual {
                return Err(DecodeError::Checksum {
                    kind: Checksum::Content,
                    expected,
                    actual,
                });
            }
        }
        self.frame = Frame::default();
        self.phase = Phase::Magic;
        Ok(())
    }
}

/// Checks a whole block (header, content, checksum) and has ruzstd decode it.
fn decode_block(
    fd: &mut FrameDecoder<'_>,
    frame: &mut Frame,
    block: &[u8],
) -> Result<(), DecodeError> {
    let header = block
        .first_chunk::<BLOCK_HEADER>()
        .ok_or(DecodeError::Truncated)?;
    let header = parse::block_header(*header, frame.block_max)?;
    if header.compressed {
        let content = block.get(BLOCK_HEADER..BLOCK_HEADER + header.content_len);
        parse::compressed_block(content.unwrap_or_default(), frame.block_max)?;
    }
    let mut source = block;
    fd.decode_block_from_slice(&mut source).map_err(map_error)?;
    if !source.is_empty() {
        return Err(DecodeError::Corrupt);
    }
    frame.last = header.last;
    Ok(())
}

/// The [`DecodeError`] for a ruzstd error.
fn map_error(e: FrameDecoderError) -> DecodeError {
    use BlockHeaderReadError as B;
    use FrameDecoderError as F;
    use ReadFrameHeaderError as H;
    match e {
        F::ReadFrameHeaderError(H::BadMagicNumber(_)) => DecodeError::BadMagic,
        F::ReadFrameHeaderError(
            H::MagicNumberReadError(_)
            | H::FrameDescriptorReadError(_)
            | H::WindowDescriptorReadError(_)
            | H::DictionaryIdReadError(_)
            | H::FrameContentSizeReadError(_),
        )
        | F::FailedToReadBlockHeader(B::ReadError(_))
        | F::FailedToReadBlockBody(DecodeBlockContentError::ReadError { .. })
        | F::FailedToReadChecksum(_) => DecodeError::Truncated,
        F::WindowSizeTooBig { requested, max } => DecodeError::LimitExceeded {
            limit: max,
            needed: Some(requested),
        },
        F::DictNotProvided { .. } => DecodeError::Unsupported,
        F::FailedToReadBlockHeader(B::FoundReservedBlock) => DecodeError::Reserved,
        _ => DecodeError::Corrupt,
    }
}

impl super::Decode for Decoder<'_> {
    /// Decodes frames from `input` into `out`. [`Status::Done`] comes at the end of each
    /// frame (after its checksum was verified), with `consumed` at the frame's end;
    /// calling again goes on with the next frame. Skippable frames are skipped.
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        let before = out.len();
        // An error appends nothing: bytes of a frame whose checksum failed are not the
        // caller's.
        self.step(input, out, false)
            .inspect_err(|_| out.truncate(before))
    }

    fn reset(&mut self) {
        self.clear();
    }
}

impl fmt::Debug for Decoder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("max_window", &self.max_window)
            .field("max_content", &self.max_content)
            .field("phase", &self.phase)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
