//! zstd decoding (RFC 8878), built on ruzstd, with every buffer sized at construction.
//!
//! One [`Decoder`] is built for a window limit the caller chooses; it decodes any
//! number of frames afterwards, one-shot ([`Decoder::decompress_into`], into
//! any [`Output`] whose capacity bounds the output) or streaming (the
//! [`codec::Decode`](super::Decode) trait: input in pieces of any size, output into
//! successive buffers of any size).
//!
//! ```
//! use bufpress::codec::zstd::Decoder;
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
//! // Built once (this is where memory is allocated), for windows up to 64 KiB.
//! let mut decoder = Decoder::new(64 * 1024);
//! let mut out = POOL.try_acquire()?;
//! let n = decoder.decompress_into(&FRAME, &mut out)?;
//! assert_eq!(&out[..n], b"hello zstd, hello pool, hello zstd, hello pool!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Streaming, with input arriving in pieces and output handed on buffer by buffer:
//!
//! ```
//! use bufpress::codec::zstd::Decoder;
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
//! let mut decoder = Decoder::new(4096).with_max_content(1000);
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
//!   larger than the limit given to [`Decoder::new`] fails with
//!   [`DecodeError::LimitExceeded`] as soon as its header is read, before anything is
//!   allocated or written. ruzstd's own default (128 MiB) is never used.
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
//! # Memory and allocation
//!
//! ruzstd needs `alloc` (hence this feature implies it). [`Decoder::new`] allocates
//! every buffer at its final size: ruzstd has no call that reserves memory, so the
//! constructor feeds it a synthetic frame header and a few synthetic blocks that grow
//! each of its buffers to the largest size a valid frame within the window limit needs
//! (no warm-up call by the user). With `B` = min(window limit, 128 KiB) the heap holds
//! ruzstd's ring buffer (window + `B`, rounded up by ruzstd's growth rule), its block
//! and literal buffers (`B` each), its sequence buffer (`B`/3 sequences of 12 bytes),
//! the FSE and Huffman tables and this decoder's block buffer (`B` + 7). Measured
//! (tests crate, `zstd_zero_alloc.rs`), plus 960 bytes for the `Decoder` itself:
//!
//! | window limit | 1 KiB | 16 KiB | 64 KiB | 128 KiB | 1 MiB | 8 MiB |
//! |---|---|---|---|---|---|---|
//! | heap | 33 KB | 171 KB | 614 KB | 1.20 MB | 2.25 MB | 9.59 MB |
//!
//! After construction, decoding valid frames allocates nothing. ruzstd 0.9.1 as
//! published allocates once or twice per block that uses zstd's predefined FSE tables
//! (most small messages do); bufpress depends on `bufpress-ruzstd`, ruzstd 0.9.1 with
//! that allocation removed, so this holds in your build too, with no `[patch]` section.
//!
//! The decoder reads frame, block and section headers itself before ruzstd does (see
//! `parse.rs`): a window beyond the limit is refused before anything is allocated, and
//! invalid blocks that would make ruzstd grow its buffers by megabytes are refused
//! first. Two kinds of invalid block can still make ruzstd grow a buffer once, by a
//! bounded amount, before it reports the error (the memory stays with the decoder):
//! Huffman-coded literals, decoded to the end of their streams (up to 8 literals per
//! input byte, so the literal buffer may grow to 8 `B`), and the last sequence of a
//! block, which may overshoot the block size by up to 128 KiB (the ring buffer may grow
//! by up to 256 KiB).
//!
//! # Errors and panics
//!
//! Every ruzstd error maps to a [`DecodeError`], and this module has no panic path.
//! ruzstd 0.9.1 itself was fuzzed with debug assertions on (millions of mutated and
//! random frames, through this decoder and alone) without a panic. A streaming decoder
//! that returned an error keeps returning it until [`reset`](super::Decode::reset);
//! the one-shot call resets itself.

mod parse;
mod warm;

use alloc::boxed::Box;
use alloc::vec;
use core::fmt;

use ruzstd::decoding::errors::{
    BlockHeaderReadError, DecodeBlockContentError, FrameDecoderError, ReadFrameHeaderError,
};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use ruzstd::io::Read as _;

use self::parse::{BLOCK_HEADER, CHECKSUM, MAX_BLOCK, MAX_HEADER, Magic};
use super::{Checksum, DecodeError, Progress, Status};
use crate::codec::Output;

/// The largest window limit [`Decoder::new`] accepts (2 GiB, libzstd's
/// `ZSTD_WINDOWLOG_MAX` on 64-bit targets); larger limits are lowered to it.
pub const MAX_WINDOW_LIMIT: usize = if usize::BITS > 32 { 1 << 31 } else { 1 << 30 };

/// A zstd decoder: one-shot ([`decompress_into`](Self::decompress_into)) and streaming
/// ([`codec::Decode`](super::Decode)), reusing one ruzstd `FrameDecoder` whose
/// buffers were sized at construction.
///
/// See the [module docs](self) for the limits and the memory it holds.
pub struct Decoder {
    fd: FrameDecoder,
    max_window: usize,
    max_content: u64,
    /// A block collected from input that came in pieces: header, content and (after the
    /// last block) the checksum. `BLOCK_HEADER + min(max_window, MAX_BLOCK) + CHECKSUM`.
    staging: Box<[u8]>,
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

impl Decoder {
    /// A decoder for frames whose window is at most `max_window` bytes (at most
    /// [`MAX_WINDOW_LIMIT`]; larger values are lowered to it), with no limit on content
    /// size (see [`with_max_content`](Self::with_max_content)).
    ///
    /// This allocates all the memory the decoder will use (for limits of 128 KiB and
    /// more: the limit plus 128 KiB, rounded up, plus about 950 KiB; see the table in
    /// the module docs); a failed allocation goes to the global allocation error
    /// handler, like any `Vec`'s.
    pub fn new(max_window: usize) -> Self {
        let max_window = max_window.min(MAX_WINDOW_LIMIT);
        let block_max = max_window.min(MAX_BLOCK);
        let mut fd = FrameDecoder::new();
        fd.set_max_window_size(max_window as u64);
        let mut staging = vec![0u8; BLOCK_HEADER + block_max + CHECKSUM].into_boxed_slice();
        warm::presize(&mut fd, &mut staging, max_window, block_max);
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
            Ok(()) => Ok(out.len() - start),
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
                produced: out.len() - start,
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
            // Never true (the block maximum is at most the limit's), but a block that
            // could not be staged must not leave the caller waiting for progress.
            if need > self.staging.len() {
                return Err(DecodeError::Corrupt);
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
fn decode_block(fd: &mut FrameDecoder, frame: &mut Frame, block: &[u8]) -> Result<(), DecodeError> {
    let header = block
        .first_chunk::<BLOCK_HEADER>()
        .ok_or(DecodeError::Truncated)?;
    let header = parse::block_header(*header, frame.block_max)?;
    if header.compressed {
        let content = block.get(BLOCK_HEADER..BLOCK_HEADER + header.content_len);
        parse::compressed_block(content.unwrap_or_default(), frame.block_max)?;
    }
    let mut source = block;
    fd.decode_blocks(&mut source, BlockDecodingStrategy::UptoBlocks(1))
        .map_err(map_error)?;
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

impl super::Decode for Decoder {
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

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("max_window", &self.max_window)
            .field("max_content", &self.max_content)
            .field("phase", &self.phase)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
