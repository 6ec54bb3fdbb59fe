//! [`Settings`] and the [`Encoder`]: one static libzstd context, one-shot and
//! streaming.

use bufpress::codec::Output;
use bufpress::codec::{Encode, EncodeError, Progress, Status};
use zstd_sys::ZSTD_cParameter as P;

use super::ctx::{self, CCtx};
use super::error::encode_error;

/// The highest level accepted (libzstd's "ultra" levels 20 to 22 only with
/// [`Settings::with_ultra`]).
pub const MAX_LEVEL: i32 = 19;
/// The highest "ultra" level, accepted with [`Settings::with_ultra`] (libzstd's
/// `ZSTD_maxCLevel()`). The window stays the one [`Settings`] plans for, so memory
/// stays bounded: [`Settings::memory`] says how much.
pub const ULTRA_MAX_LEVEL: i32 = 22;
/// libzstd's default level.
pub const DEFAULT_LEVEL: i32 = 3;

/// libzstd's lowest level (fastest, negative: -131072 in libzstd 1.5).
pub fn min_level() -> i32 {
    ctx::min_level()
}

/// The largest frame [`Encoder::compress_into`] writes for `len` bytes of input, at
/// any level (`ZSTD_compressBound`).
pub fn max_compressed_len(len: usize) -> usize {
    ctx::compress_bound(len)
}

/// libzstd's largest block (`ZSTD_BLOCKSIZE_MAX`).
const BLOCK_MAX: usize = 128 * 1024;
/// What a frame adds around its blocks at most: an 18-byte header, a 3-byte empty
/// last block, a 4-byte checksum (rounded up).
const FRAME_OVERHEAD: usize = 32;

/// The smallest window libzstd knows (1 KiB).
const MIN_WINDOW_LOG: u32 = zstd_sys::ZSTD_WINDOWLOG_MIN;
/// The largest window this backend plans for (1 GiB).
const MAX_WINDOW_LOG: u32 = 30;

/// Compression settings, fixed when a [`Encoder`] is built.
///
/// `max_message` is the largest message planned for: the window is the smallest
/// power of two that holds it (at least 1 KiB), and the context's memory is sized for
/// that window at this level. Every message gets a window that fits it (libzstd
/// shrinks the window to the pledged size); a message larger than planned still
/// compresses, with the planned window (matches reach at most that far back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    level: i32,
    max_message: usize,
    checksum: bool,
    content_size: bool,
    ultra: bool,
}

impl Settings {
    /// `level` from [`min_level()`] to [`MAX_LEVEL`] (0 is libzstd's default, 3);
    /// messages of up to `max_message` bytes; no checksum; the content size written
    /// in each frame's header.
    pub const fn new(level: i32, max_message: usize) -> Self {
        Self {
            level,
            max_message,
            checksum: false,
            content_size: true,
            ultra: false,
        }
    }

    /// These settings with the "ultra" levels 20 to [`ULTRA_MAX_LEVEL`] allowed (or
    /// not; off by default). They need much more memory than level 19 for the same
    /// window: check [`memory`](Self::memory).
    #[must_use]
    pub const fn with_ultra(mut self, on: bool) -> Self {
        self.ultra = on;
        self
    }

    /// These settings with an XXH64 checksum of the content appended to every frame
    /// (or not).
    #[must_use]
    pub const fn with_checksum(mut self, on: bool) -> Self {
        self.checksum = on;
        self
    }

    /// These settings with the content size written in each frame's header (or not;
    /// on by default; the streaming encoder writes it only when the size was
    /// pledged).
    #[must_use]
    pub const fn with_content_size(mut self, on: bool) -> Self {
        self.content_size = on;
        self
    }

    /// The compression level.
    pub const fn level(&self) -> i32 {
        self.level
    }

    /// The largest message planned for.
    pub const fn max_message(&self) -> usize {
        self.max_message
    }

    /// log2 of the window: the smallest power of two holding `max_message`, from
    /// 10 (1 KiB) to 30 (1 GiB).
    pub const fn window_log(&self) -> u32 {
        let bits = usize::BITS - self.max_message.saturating_sub(1).leading_zeros();
        if bits < MIN_WINDOW_LOG {
            MIN_WINDOW_LOG
        } else if bits > MAX_WINDOW_LOG {
            MAX_WINDOW_LOG
        } else {
            bits
        }
    }

    /// The memory a [`Encoder`] with these settings takes, in bytes: libzstd's
    /// context, the streaming input window (two windows) and a block of output.
    pub fn memory(&self) -> usize {
        self.context_memory() + self.ring_len() + self.staging_len()
    }

    fn context_memory(&self) -> usize {
        ctx::cctx_size(self.level, self.window_log())
    }

    fn window(&self) -> usize {
        1 << self.window_log()
    }

    /// The largest block libzstd compresses at once: 128 KiB, or the window.
    fn block(&self) -> usize {
        self.window().min(BLOCK_MAX)
    }

    /// The streaming input window: two windows, so that a block is compressed with
    /// all of its window in one piece of memory at least half the time (libzstd's
    /// own input buffer, a window and a block, wraps before every block).
    fn ring_len(&self) -> usize {
        2 * self.window()
    }

    /// Output staging: a block that does not fit the caller's buffer is compressed
    /// here (the worst case of a block, a frame header, a checksum, a last block).
    fn staging_len(&self) -> usize {
        max_compressed_len(self.block()) + FRAME_OVERHEAD
    }
}

/// Where the streaming side of a [`Encoder`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// No frame begun; the next `encode` starts one.
    Idle,
    /// A frame is open.
    Open,
    /// `finish` returned [`Status::Done`]; `reset` before the next frame.
    Done,
}

/// One libzstd compression context on memory allocated once, here, for the planned
/// level and message size: libzstd never calls `malloc` afterwards.
///
/// One-shot: [`compress_into`](Self::compress_into) writes one frame into a pool
/// buffer. Streaming: the [`bufpress::codec::Encode`] trait (input in pieces, output
/// into successive buffers; [`encode_to`](bufpress::codec::encode_to) drives it), and
/// [`EncodeWriter`](super::EncodeWriter) over any `io::Write`.
///
/// A compressor can be shared through a
/// [`ValuePool`](bufpress::pool::ValuePool), so N threads share M contexts.
pub struct Encoder {
    cctx: CCtx,
    settings: Settings,
    stage: Stage,
    pledged: Option<u64>,
    /// Compressed bytes not yet handed to the caller: `staging[staged.0..staged.1]`.
    staging: Box<[u8]>,
    staged: (usize, usize),
    /// The frame's end was compressed (it may still be in `staging`).
    ended: bool,
}

impl core::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encoder")
            .field("settings", &self.settings)
            .field("memory", &self.memory())
            .field("stage", &self.stage)
            .finish()
    }
}

impl Encoder {
    /// Builds the context: allocates [`Settings::memory`] bytes once and sets level,
    /// window and flags.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidSetting`] for a level outside [`min_level()`] to
    /// [`MAX_LEVEL`] ([`ULTRA_MAX_LEVEL`] with [`Settings::with_ultra`]).
    pub fn new(settings: Settings) -> Result<Self, EncodeError> {
        let max = if settings.ultra {
            ULTRA_MAX_LEVEL
        } else {
            MAX_LEVEL
        };
        if settings.level < min_level() || settings.level > max {
            return Err(EncodeError::InvalidSetting);
        }
        let mut cctx = CCtx::new(
            settings.context_memory(),
            settings.ring_len(),
            settings.window(),
        )
        .ok_or(EncodeError::InvalidSetting)?;
        let invalid = |_| EncodeError::InvalidSetting;
        cctx.set(P::ZSTD_c_compressionLevel, settings.level)
            .map_err(invalid)?;
        cctx.set(P::ZSTD_c_windowLog, settings.window_log() as i32)
            .map_err(invalid)?;
        cctx.set(P::ZSTD_c_checksumFlag, i32::from(settings.checksum))
            .map_err(invalid)?;
        cctx.set(P::ZSTD_c_contentSizeFlag, i32::from(settings.content_size))
            .map_err(invalid)?;
        Ok(Self {
            cctx,
            settings,
            stage: Stage::Idle,
            pledged: None,
            staging: vec![0; settings.staging_len()].into_boxed_slice(),
            staged: (0, 0),
            ended: false,
        })
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The bytes of memory the context lives in (allocated once, in
    /// [`new`](Self::new)).
    pub fn memory(&self) -> usize {
        self.cctx.memory() + self.staging.len()
    }

    /// Compresses `input` as one frame, appended to `out`; returns the frame's size.
    /// Abandons any streaming frame in progress.
    ///
    /// # Errors
    ///
    /// [`EncodeError::OutputTooSmall`] when the frame does not fit in what is left of
    /// `out` (nothing is committed then); [`EncodeError::InvalidSetting`] if libzstd
    /// rejects the call.
    pub fn compress_into(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<usize, EncodeError> {
        self.stage = Stage::Idle;
        self.pledged = None;
        self.cctx.reset_session();
        let spare = out.spare_capacity_mut();
        let capacity = spare.len();
        // `ZSTD_compress2` resets the session and pledges `input.len()` itself.
        let n = self
            .cctx
            .compress2(spare, input)
            .map_err(|e| encode_error(e, Some(max_compressed_len(input.len())), capacity))?;
        out.commit(n).map_err(|_| EncodeError::OutputTooSmall {
            needed: Some(n),
            capacity,
        })?;
        Ok(n)
    }

    /// Declares the content size of the next streamed frame (before its first
    /// `encode`): it is written in the header, and the window shrinks to fit it.
    /// Cleared by [`reset`](bufpress::codec::Encode::reset) and at the end of each
    /// frame.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidSetting`] when a frame is already open.
    pub fn set_pledged_size(&mut self, size: Option<u64>) -> Result<(), EncodeError> {
        if self.stage != Stage::Idle {
            return Err(EncodeError::InvalidSetting);
        }
        self.pledged = size;
        Ok(())
    }

    fn open(&mut self) -> Result<(), EncodeError> {
        match self.stage {
            Stage::Open => Ok(()),
            Stage::Done => Err(EncodeError::Finished),
            Stage::Idle => {
                let s = self.settings;
                let params = zstd_sys::ZSTD_parameters {
                    cParams: ctx::stream_params(s.level, s.window_log(), self.pledged),
                    fParams: zstd_sys::ZSTD_frameParameters {
                        contentSizeFlag: i32::from(s.content_size),
                        checksumFlag: i32::from(s.checksum),
                        noDictIDFlag: 1,
                    },
                };
                self.cctx
                    .begin(params, self.pledged)
                    .map_err(|_| EncodeError::InvalidSetting)?;
                self.staged = (0, 0);
                self.ended = false;
                self.stage = Stage::Open;
                Ok(())
            }
        }
    }

    /// Moves staged output into `out`; returns whether all of it went.
    fn unstage(&mut self, out: &mut (impl Output + ?Sized), produced: &mut usize) -> bool {
        let (start, end) = self.staged;
        if start < end {
            let spare = out.spare_capacity_mut();
            let n = spare.len().min(end - start);
            spare[..n].copy_from_slice(&self.staging[start..start + n]);
            // `commit` cannot fail: `n` is at most the spare capacity.
            let _ = out.commit(n);
            *produced += n;
            self.staged.0 += n;
        }
        self.staged.0 == self.staged.1
    }

    /// Compresses the next `len` bytes of the ring (`last`: ending the frame)
    /// straight into `out` when the worst case fits there, else into the staging
    /// buffer (`len` is at most a block then).
    fn compress(
        &mut self,
        len: usize,
        last: bool,
        out: &mut (impl Output + ?Sized),
        produced: &mut usize,
    ) -> Result<(), EncodeError> {
        let bound = max_compressed_len(len) + FRAME_OVERHEAD;
        let spare = out.spare_capacity_mut();
        let capacity = spare.len();
        let direct = capacity >= bound;
        let dst = if direct { spare } else { &mut self.staging[..] };
        let n = match self.cctx.compress_pending(dst, len, last) {
            Ok(n) => n,
            Err(e) => {
                // libzstd's context is undefined after an error: start over.
                self.cctx.reset_session();
                self.stage = Stage::Idle;
                return Err(encode_error(e, None, capacity));
            }
        };
        if direct {
            // `commit` cannot fail: libzstd wrote at most `capacity` bytes.
            let _ = out.commit(n);
            *produced += n;
        } else {
            self.staged = (0, n);
        }
        self.ended = last;
        Ok(())
    }

    /// Copies `input` into the ring and compresses it block by block into `out`
    /// until `input` is consumed (then, with `end`, compresses what is pending as a
    /// flush or as the frame's end) or `out` is full.
    fn run(
        &mut self,
        mut input: &[u8],
        out: &mut (impl Output + ?Sized),
        end: Option<Last>,
    ) -> Result<Progress, EncodeError> {
        self.open()?;
        let block = self.settings.block();
        let (mut consumed, mut produced) = (0, 0);
        loop {
            if !self.unstage(out, &mut produced) {
                return Ok(progress(consumed, produced, Status::OutputFull));
            }
            if self.ended {
                self.stage = Stage::Done;
                self.pledged = None;
                return Ok(progress(consumed, produced, Status::Done));
            }
            let taken = self.cctx.fill(input);
            consumed += taken;
            input = &input[taken..];
            let pending = self.cctx.pending();
            if pending >= block {
                // Whole blocks as soon as they are in: as many as fit straight into
                // `out`, else one through the staging buffer.
                let capacity = out.spare_capacity_mut().len();
                let mut len = pending / block * block;
                while len > block && max_compressed_len(len) + FRAME_OVERHEAD > capacity {
                    len -= block;
                }
                self.compress(len, false, out, &mut produced)?;
            } else if pending > 0 && (self.cctx.ring_full() || !input.is_empty()) {
                // The ring's end, after a flush left a partial block there.
                self.compress(pending, false, out, &mut produced)?;
            } else {
                match end {
                    None => return Ok(progress(consumed, produced, Status::NeedInput)),
                    Some(Last::Flush) if pending == 0 => {
                        return Ok(progress(consumed, produced, Status::NeedInput));
                    }
                    Some(Last::Flush) => self.compress(pending, false, out, &mut produced)?,
                    Some(Last::Finish) => self.compress(pending, true, out, &mut produced)?,
                }
            }
        }
    }

    /// Flushes what the context buffers into `out` without ending the frame (the
    /// data written so far becomes decodable; `ZSTD_e_flush`); returns
    /// [`Status::Done`] when all is flushed, [`Status::OutputFull`] when `out` filled
    /// first. The same as [`Encode::flush`].
    ///
    /// # Errors
    ///
    /// As for [`Encoder::encode`].
    pub fn flush(&mut self, out: &mut (impl Output + ?Sized)) -> Result<Progress, EncodeError> {
        if self.stage != Stage::Open {
            // No frame open (none begun, or finished): nothing is buffered.
            return Ok(progress(0, 0, Status::Done));
        }
        let p = self.run(&[], out, Some(Last::Flush))?;
        Ok(match p.status {
            Status::NeedInput => progress(p.consumed, p.produced, Status::Done),
            _ => p,
        })
    }
}

/// How [`Encoder::run`] ends once the input is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Compress what is pending as a (partial) block.
    Flush,
    /// Compress what is pending as the frame's last block.
    Finish,
}

fn progress(consumed: usize, produced: usize, status: Status) -> Progress {
    Progress {
        consumed,
        produced,
        status,
    }
}

impl Encode for Encoder {
    fn encode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, EncodeError> {
        self.run(input, out, None)
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        if self.stage == Stage::Done {
            return Ok(progress(0, 0, Status::Done));
        }
        self.run(&[], out, Some(Last::Finish))
    }

    fn flush(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        Encoder::flush(self, out)
    }

    /// [`max_compressed_len`] (`ZSTD_compressBound`): one frame of `input_len` bytes.
    fn max_output_len(&self, input_len: usize) -> Option<usize> {
        Some(max_compressed_len(input_len))
    }

    fn reset(&mut self) {
        self.cctx.reset_session();
        self.stage = Stage::Idle;
        self.pledged = None;
        self.staged = (0, 0);
        self.ended = false;
    }
}
