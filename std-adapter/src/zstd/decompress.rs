//! The [`Decoder`]: one static libzstd context, one-shot and streaming.

use bufpress::codec::Output;
use bufpress::codec::{Checksum, Decode, DecodeError, Progress, Status};
use zstd_sys::ZSTD_dParameter as P;

use super::ctx::{self, DCtx};
use super::error::decode_error;

/// One libzstd decompression context on memory allocated once, here, for the
/// caller's window limit: libzstd never calls `malloc` afterwards.
///
/// The limit is rounded down to a power of two from 1 KiB to 1 GiB. A frame whose
/// window (for a single-segment frame: its content size) is larger fails with
/// [`DecodeError::LimitExceeded`] before anything is decoded; the memory is
/// `ZSTD_estimateDStreamSize(limit)`, about the limit plus 160 KB.
///
/// One-shot: [`decompress_into`](Self::decompress_into) decodes every frame of its
/// input into a pool buffer. Streaming: the [`bufpress::codec::Decode`] trait, and
/// [`DecodeReader`](super::DecodeReader) / [`DecodeWriter`](super::DecodeWriter) over `io`.
pub struct Decoder {
    dctx: DCtx,
    window_log: u32,
    /// A streamed frame has begun and not ended.
    in_frame: bool,
}

impl core::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decoder")
            .field("max_window", &self.max_window())
            .field("memory", &self.memory())
            .finish()
    }
}

/// The largest window limit (1 GiB).
const MAX_WINDOW_LOG: u32 = 30;

impl Decoder {
    /// Builds the context for windows of at most `max_window` bytes (rounded down
    /// to a power of two, at least 1 KiB): allocates its memory once.
    ///
    /// # Panics
    ///
    /// If libzstd rejects a workspace of the size it estimated itself (a libzstd
    /// bug; not expected).
    pub fn new(max_window: usize) -> Self {
        let window_log = (usize::BITS - 1)
            .saturating_sub(max_window.max(1).leading_zeros())
            .clamp(zstd_sys::ZSTD_WINDOWLOG_MIN, MAX_WINDOW_LOG);
        let mut dctx = DCtx::new(ctx::dstream_size(1 << window_log))
            .expect("libzstd accepts the workspace size it estimated");
        dctx.set(P::ZSTD_d_windowLogMax, window_log as i32)
            .expect("the window log is within libzstd's bounds");
        Self {
            dctx,
            window_log,
            in_frame: false,
        }
    }

    /// The window limit in bytes (a power of two).
    pub fn max_window(&self) -> usize {
        1 << self.window_log
    }

    /// The bytes of memory the context lives in (allocated once, in
    /// [`new`](Self::new)).
    pub fn memory(&self) -> usize {
        self.dctx.memory()
    }

    fn limit_error(&self, needed: Option<u64>) -> DecodeError {
        DecodeError::LimitExceeded {
            limit: self.max_window() as u64,
            needed,
        }
    }

    /// Decompresses every frame of `input` (skippable frames are skipped), appended
    /// to `out`; returns the bytes appended. Abandons any streamed frame in progress.
    ///
    /// # Errors
    ///
    /// [`DecodeError::LimitExceeded`] for a frame whose window exceeds the limit,
    /// [`DecodeError::OutputTooSmall`] when the content does not fit in what is left
    /// of `out`, [`DecodeError::Truncated`] (also for an empty input), [`DecodeError::BadMagic`],
    /// [`DecodeError::Checksum`] (with the stored and computed values), or
    /// [`DecodeError::Corrupt`]. On error `out` keeps its length from before the call.
    pub fn decompress_into(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<usize, DecodeError> {
        let start = out.len();
        let result = self.decompress_frames(input, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    fn decompress_frames(
        &mut self,
        mut input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<usize, DecodeError> {
        self.reset();
        let limit = self.max_window() as u64;
        let mut total = 0;
        loop {
            let header = ctx::frame_header(input)
                .map_err(|e| decode_error(e, limit, out.remaining()))?
                .ok_or(DecodeError::Truncated)?;
            if !header.skippable && header.window > limit {
                return Err(self.limit_error(Some(header.window)));
            }
            if let Some(size) = header.content_size {
                if size > out.remaining() as u64 {
                    return Err(DecodeError::OutputTooSmall {
                        needed: Some(size),
                        capacity: out.remaining(),
                    });
                }
            }
            let len =
                ctx::frame_size(input).map_err(|e| decode_error(e, limit, out.remaining()))?;
            let (frame, rest) = input.split_at(len);
            let spare = out.spare_capacity_mut();
            let capacity = spare.len();
            let n = match self.dctx.decompress(spare, frame) {
                Ok(n) => n,
                Err(e) => {
                    let err = decode_error(e, limit, capacity);
                    return Err(match err {
                        DecodeError::Checksum { .. } => self.checksum_values(frame, out),
                        other => other,
                    });
                }
            };
            // `commit` cannot fail: libzstd wrote at most `capacity` bytes.
            let _ = out.commit(n);
            total += n;
            input = rest;
            if input.is_empty() {
                return Ok(total);
            }
        }
    }

    /// The error path of a checksum mismatch: decodes `frame` again ignoring the
    /// checksum, and reports the stored value next to the one computed over the
    /// content (low 32 bits of XXH64, as the format stores).
    fn checksum_values(&mut self, frame: &[u8], out: &mut (impl Output + ?Sized)) -> DecodeError {
        let stored = frame
            .last_chunk::<4>()
            .map_or(0, |b| u32::from_le_bytes(*b));
        let ignore = P::ZSTD_d_experimentalParam3; // ZSTD_d_forceIgnoreChecksum
        let computed = self.dctx.set(ignore, 1).ok().and_then(|()| {
            let spare = out.spare_capacity_mut();
            let n = self.dctx.decompress(spare, frame).ok()?;
            Some(twox_hash::XxHash64::oneshot(0, &spare[..n]) as u32)
        });
        let _ = self.dctx.set(ignore, 0);
        self.dctx.reset_session();
        DecodeError::Checksum {
            kind: Checksum::Content,
            expected: stored,
            actual: computed.unwrap_or(!stored),
        }
    }

    /// Decodes from `input` into `out` (a slice): the streaming step shared by the
    /// [`Decoder`] impl and the `io` adapters. Returns after consuming all of `input`,
    /// filling `out`, or at the end of a frame.
    pub(crate) fn stream(
        &mut self,
        mut input: &[u8],
        out: &mut [u8],
    ) -> Result<Progress, DecodeError> {
        let (mut consumed, mut produced) = (0, 0);
        loop {
            if produced == out.len() && !out.is_empty() {
                return Ok(progress(consumed, produced, Status::OutputFull));
            }
            let before = (consumed, produced);
            let step = match self.dctx.stream(&mut out[produced..], input) {
                Ok(step) => step,
                Err(e) => return Err(self.stream_error(e, input, out.len() - produced)),
            };
            if step.consumed > 0 {
                self.in_frame = true;
            }
            consumed += step.consumed;
            produced += step.produced;
            input = &input[step.consumed..];
            if step.ret == 0 {
                self.in_frame = false;
                return Ok(progress(consumed, produced, Status::Done));
            }
            if input.is_empty() {
                // Everything given was taken; libzstd may still hold decoded bytes,
                // which the next call (with or without input) flushes.
                let full = produced == out.len();
                let status = if full && !out.is_empty() {
                    Status::OutputFull
                } else {
                    Status::NeedInput
                };
                return Ok(progress(consumed, produced, status));
            }
            if (consumed, produced) == before {
                if produced == out.len() {
                    // No room: the decoded bytes wait in libzstd.
                    return Ok(progress(consumed, produced, Status::OutputFull));
                }
                // No progress with input left and room in `out`: cannot happen with
                // libzstd; refuse to spin.
                return Err(DecodeError::Corrupt);
            }
        }
    }

    fn stream_error(&mut self, e: ctx::RawError, input: &[u8], capacity: usize) -> DecodeError {
        let limit = self.max_window() as u64;
        self.dctx.reset_session();
        self.in_frame = false;
        match decode_error(e, limit, capacity) {
            DecodeError::LimitExceeded { .. } => {
                // At a frame's start the header is usually in this input: say what
                // the frame asked for.
                let needed = ctx::frame_header(input).ok().flatten().map(|h| h.window);
                self.limit_error(needed.filter(|&w| w > limit))
            }
            // libzstd decodes through its own window buffer here, so the caller's
            // output is never too small: a block that does not fit that buffer is
            // corrupt.
            DecodeError::OutputTooSmall { .. } => DecodeError::Corrupt,
            other => other,
        }
    }

    /// Whether a streamed frame has begun and not ended (input ending now would be
    /// truncated).
    pub fn in_frame(&self) -> bool {
        self.in_frame
    }
}

fn progress(consumed: usize, produced: usize, status: Status) -> Progress {
    Progress {
        consumed,
        produced,
        status,
    }
}

impl Decode for Decoder {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        let spare = out.spare_capacity_mut();
        // With no room the frame is still read: it may end with no more output (an
        // empty message into a full buffer); otherwise the buffer is full.
        let full = spare.is_empty();
        let mut p = self.stream(input, spare)?;
        if full && p.status == Status::NeedInput {
            p.status = Status::OutputFull;
        }
        // `commit` cannot fail: at most the spare capacity was written.
        let _ = out.commit(p.produced);
        Ok(p)
    }

    fn reset(&mut self) {
        self.dctx.reset_session();
        self.in_frame = false;
    }
}
