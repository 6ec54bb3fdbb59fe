//! Streaming decoding: input in any pieces, output into successive buffers of any size,
//! through a 32 KiB window held in the state.

use core::ops::DerefMut;

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{decompress_with_limit, inflate_flags};

use super::Format;
use super::frame::{Framing, Phase};
use super::gzip::{Capture, GzipHeader};
use super::inflate::{InflateState, failure};
use crate::codec::Output;
use crate::codec::{self, DecodeError, Progress, Status};

/// The size of the history window deflate may refer back to.
pub const WINDOW: usize = 32 * 1024;

/// The state of a streaming [`Decoder`]: the inflate state and a 32 KiB window
/// (about 43 KB in all, no heap).
///
/// Like [`InflateState`], keep it in a `static` or a
/// [`ValuePool`](crate::pool::ValuePool) slot, not on a small stack; `new` is `const`:
///
/// ```
/// use bufpress::codec::deflate::DecoderState;
/// use bufpress::pool::ValuePool;
///
/// static STATES: ValuePool<DecoderState, 2> =
///     ValuePool::new([const { DecoderState::new() }; 2]);
/// # let _ = STATES.try_acquire()?;
/// # Ok::<(), bufpress::Error>(())
/// ```
#[derive(Clone)]
pub struct DecoderState {
    inflate: InflateState,
    window: [u8; WINDOW],
}

impl DecoderState {
    /// An empty state. `const`, so it can be a `static` or an element of a
    /// [`ValuePool`](crate::pool::ValuePool).
    pub const fn new() -> Self {
        Self {
            inflate: InflateState::new(),
            window: [0; WINDOW],
        }
    }
}

impl Default for DecoderState {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for DecoderState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DecoderState")
            .field("inflate", &self.inflate)
            .finish_non_exhaustive()
    }
}

/// A streaming deflate, zlib or gzip decoder over a [`DecoderState`] it borrows or
/// owns (`&mut DecoderState`, a [`Value`](crate::pool::Value) guard, a `Box`).
///
/// Input may come in pieces of any size and output goes into whatever buffers the
/// caller passes, each of any size: the deflate history lives in the state's window,
/// and decoded bytes are copied out from it.
///
/// - [`Status::Done`] is reported at the end of the stream, with `consumed` ending
///   exactly there: trailing bytes are not consumed, and the caller decides what they
///   are. zlib and raw deflate end with their last byte.
/// - A gzip stream is all its members (pigz, bgzip, `cat a.gz b.gz`): where one ends,
///   input that starts with the gzip magic goes on with the next member, and other
///   input ends the stream there (`Done`, nothing of it consumed). A call whose input
///   ends exactly at a member's end answers [`Status::NeedInput`], since another member
///   may follow; the stream ends there (`Done`) when `decode` is called with **empty
///   input**, which says that the input has ended. So the last call of a gzip stream
///   is one with no input (as [`decode_into`](codec::decode_into),
///   [`decode_to`](codec::decode_to) and the `io` adapters make at the end of their
///   input); mid-member it answers `NeedInput` (the input is truncated). After that
///   `Done`, input starting with the gzip magic still goes on with another member.
///   [`single_member`](Self::single_member) ends a gzip stream with its first member
///   instead (`Done` at its last byte, as flate2's `GzDecoder`): for a member on a
///   connection that stays open, where the input does not end.
/// - A call whose input ends with a lone 0x1f after a member takes it as the start of
///   the next one: if the byte after it is not 0x8b, the decoder fails with
///   [`DecodeError::TrailingData`] (the 0x1f was consumed and cannot be given back; a
///   `Done` there would lose it).
/// - A limit on the total output ([`with_max_output`](Self::with_max_output)) stops a
///   decompression bomb: [`DecodeError::LimitExceeded`] is returned before any byte
///   past the limit reaches a caller's buffer.
/// - After an error the decoder returns that error until [`reset`](codec::Decode::reset).
///   Output handed out before a checksum error was unverified: a caller that must not
///   act on unverified data keeps it until `Done`.
///
/// ```
/// use bufpress::codec::Decode as _;
/// use bufpress::codec::deflate::{Decoder, DecoderState, Format};
/// use bufpress::pool::{Pool, ValuePool};
///
/// static OUT: Pool<4, 64> = Pool::new();
/// static STATES: ValuePool<DecoderState, 2> = ValuePool::new([const { DecoderState::new() }; 2]);
///
/// // "hello, hello, hello" as raw deflate, arriving 3 bytes at a time.
/// let stream = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0xc8, 0x40, 0xa2, 0x00];
/// let mut decoder = Decoder::new(Format::Raw, STATES.try_acquire()?).with_max_output(1 << 20);
/// let mut out = OUT.try_acquire()?;
/// let mut consumed = 0;
/// for piece in stream.chunks(3) {
///     let p = decoder.decode(piece, &mut out)?;
///     consumed += p.consumed;
/// }
/// assert_eq!(&out[..], b"hello, hello, hello");
/// assert_eq!(consumed, stream.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Decoder<S> {
    state: S,
    frame: Framing,
    limit: u64,
    total: u64,
    /// Where the next inflated byte goes in the window.
    pos: usize,
    /// Inflated bytes at `pending_from..pending_from + pending` not yet copied out.
    pending_from: usize,
    pending: usize,
    /// Whether the current member's output has wrapped around the window (until it
    /// has, distances are checked against what this member produced).
    wrapped: bool,
    /// Whether a gzip stream ends with its first member ([`single_member`]).
    ///
    /// [`single_member`]: Self::single_member
    single_member: bool,
    failed: Option<DecodeError>,
}

impl<S: DerefMut<Target = DecoderState>> Decoder<S> {
    /// A decoder of `format` over `state`, with no output limit.
    pub fn new(format: Format, state: S) -> Self {
        Self {
            state,
            frame: Framing::new(format),
            limit: u64::MAX,
            total: 0,
            pos: 0,
            pending_from: 0,
            pending: 0,
            wrapped: false,
            single_member: false,
            failed: None,
        }
    }

    /// The same decoder, ending a gzip stream with its first member (`Done` at the
    /// member's last byte, whatever follows left unconsumed), as flate2's `GzDecoder`
    /// does; without it a gzip stream is all its members (`MultiGzDecoder`'s way) and
    /// ends only when the input does. For a gzip member on a connection that stays
    /// open (a reader would wait for the input to end); each following member is then
    /// a stream of its own (`next_stream` in the `io` adapters). No effect on zlib and
    /// raw deflate, which end with their last byte.
    #[must_use]
    pub fn single_member(mut self) -> Self {
        self.single_member = true;
        self
    }

    /// The same decoder, limiting the total output of a stream to `max_output` bytes:
    /// more is [`DecodeError::LimitExceeded`], found before any byte past the limit is
    /// written to a caller's buffer.
    #[must_use]
    pub fn with_max_output(mut self, max_output: u64) -> Self {
        self.limit = max_output;
        self
    }

    /// The limit on a stream's output ([`u64::MAX`]: none).
    pub fn max_output(&self) -> u64 {
        self.limit
    }

    /// The format decoded.
    pub fn format(&self) -> Format {
        self.frame.format()
    }

    /// Bytes decoded so far in this stream (all gzip members).
    pub fn total_out(&self) -> u64 {
        self.total
    }

    /// Gives the state back.
    pub fn into_state(self) -> S {
        self.state
    }

    /// Copies pending window bytes into `out`; returns whether all went.
    fn flush(&mut self, out: &mut (impl Output + ?Sized)) -> bool {
        let n = self.pending.min(out.remaining());
        let from = self.pending_from;
        if let Some(bytes) = self.state.window.get(from..from + n) {
            if out.extend_from_slice(bytes).is_ok() {
                self.pending_from += n;
                self.pending -= n;
            }
        }
        self.pending == 0
    }

    /// Inflates from `input` into the window, at most what `room` (the caller's free
    /// space, at least 1) can take; returns the bytes consumed and whether the body
    /// needs more input.
    fn inflate(&mut self, input: &[u8], room: usize) -> Result<(usize, bool), DecodeError> {
        let pos = self.pos;
        let allowed = self.limit.saturating_sub(self.total).saturating_add(1);
        let max = usize::try_from(allowed)
            .unwrap_or(usize::MAX)
            .min(WINDOW - pos)
            .min(room.max(1));
        let mut flags = inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
        if !self.wrapped {
            // Until the window wraps it holds exactly this member's output from 0, so
            // the non-wrapping mode rejects distances reaching before the member
            // (instead of reading an earlier stream's bytes).
            flags |= inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        }
        let state = &mut *self.state;
        let oxide = state.inflate.current();
        // The non-wrapping mode needs only the window up to where this call may write.
        let end = if self.wrapped { WINDOW } else { pos + max };
        let window = state.window.get_mut(..end).unwrap_or_default();
        let (status, used, made) = decompress_with_limit(oxide, input, window, pos, max, flags);
        self.frame
            .produced(state.window.get(pos..pos + made).unwrap_or_default());
        self.total += made as u64;
        if self.total > self.limit {
            let limit = self.limit;
            return Err(DecodeError::LimitExceeded {
                limit,
                needed: None,
            });
        }
        self.pending_from = pos;
        self.pending = made;
        self.pos = pos + made;
        if self.pos >= WINDOW {
            self.pos = 0;
            self.wrapped = true;
        }
        match status {
            TINFLStatus::Done => {
                self.frame.body_done();
                Ok((used, false))
            }
            TINFLStatus::NeedsMoreInput => Ok((used, made == 0)),
            // Stopped at `max`: go on after copying out.
            TINFLStatus::HasMoreOutput if made > 0 || used > 0 => Ok((used, false)),
            other => Err(failure(other)),
        }
    }

    /// [`decode`](codec::Decode::decode), also recording the first gzip member's
    /// header in `header` as it passes (pass the same `header` to every call of a
    /// stream; [`GzipHeader::is_complete`] tells when it is all there). Nothing is
    /// recorded for zlib and raw deflate.
    ///
    /// # Errors
    ///
    /// As [`decode`](codec::Decode::decode). `header` may hold part of a header after
    /// an error.
    pub fn decode_with_header(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        header: &mut GzipHeader<'_>,
    ) -> Result<Progress, DecodeError> {
        self.decode_capturing(input, out, Some(header))
    }

    fn decode_capturing(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        capture: Capture<'_, '_>,
    ) -> Result<Progress, DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let out_start = out.len();
        let result = self.run(input, out, capture);
        if let Err(e) = result {
            // An error appends nothing: bytes copied out by this call go again.
            out.truncate(out_start);
            self.failed = Some(e);
        }
        result
    }

    fn run(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        mut capture: Capture<'_, '_>,
    ) -> Result<Progress, DecodeError> {
        let out_start = out.len();
        let mut rest = input;
        let status = loop {
            if !self.flush(out) {
                break Status::OutputFull;
            }
            match self.frame.phase() {
                Phase::Body => {
                    let (used, starved) = self.inflate(rest, out.remaining())?;
                    rest = rest.get(used..).unwrap_or_default();
                    if starved {
                        break Status::NeedInput;
                    }
                }
                Phase::Done => break Status::Done,
                // Between gzip members another may follow: the stream ends here only
                // when the caller says its input has ended (a call with none).
                Phase::AfterMember if input.is_empty() || self.single_member => {
                    break Status::Done;
                }
                Phase::AfterMember if rest.is_empty() => break Status::NeedInput,
                phase => {
                    let used = self.frame.advance_capturing(rest, capture.as_deref_mut())?;
                    rest = rest.get(used..).unwrap_or_default();
                    if self.frame.phase() == Phase::Body {
                        self.state.inflate.fresh();
                        self.pos = 0;
                        self.wrapped = false;
                    } else if self.frame.phase() == phase && rest.is_empty() {
                        break Status::NeedInput;
                    }
                }
            }
        };
        Ok(Progress {
            consumed: input.len() - rest.len(),
            produced: out.len().saturating_sub(out_start),
            status,
        })
    }
}

impl<S: DerefMut<Target = DecoderState>> codec::Decode for Decoder<S> {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        self.decode_capturing(input, out, None)
    }

    fn reset(&mut self) {
        self.frame = Framing::new(self.frame.format());
        self.total = 0;
        self.pos = 0;
        self.pending_from = 0;
        self.pending = 0;
        self.wrapped = false;
        self.failed = None;
    }
}
