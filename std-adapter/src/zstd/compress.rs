//! [`Settings`] and the [`Encoder`]: one static libzstd context, one-shot and
//! streaming.

use bufpress::codec::{Encode, EncodeError, Progress, Status};
use bufpress::pool::Buf;
use zstd_sys::ZSTD_cParameter as P;

use super::ctx::{self, CCtx, End};
use super::error::encode_error;

/// The highest level accepted (libzstd's "ultra" levels 20 to 22 are not).
pub const MAX_LEVEL: i32 = 19;
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
        }
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

    /// The memory a [`Encoder`] with these settings takes, in bytes.
    pub fn memory(&self) -> usize {
        ctx::cstream_size(self.level, self.window_log())
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
    /// The hash and chain table logs set explicitly for frames of unknown size.
    large_tables: (u32, u32),
    /// Whether they are set now (else libzstd picks them from level and size).
    tables_set: bool,
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
    /// [`MAX_LEVEL`].
    pub fn new(settings: Settings) -> Result<Self, EncodeError> {
        if settings.level < min_level() || settings.level > MAX_LEVEL {
            return Err(EncodeError::InvalidSetting);
        }
        let mut cctx = CCtx::new(settings.memory()).ok_or(EncodeError::InvalidSetting)?;
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
            large_tables: ctx::large_tables(settings.level, settings.window_log()),
            tables_set: false,
        })
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The bytes of memory the context lives in (allocated once, in
    /// [`new`](Self::new)).
    pub fn memory(&self) -> usize {
        self.cctx.memory()
    }

    /// Compresses `input` as one frame, appended to `out`; returns the frame's size.
    /// Abandons any streaming frame in progress.
    ///
    /// # Errors
    ///
    /// [`EncodeError::OutputTooSmall`] when the frame does not fit in what is left of
    /// `out` (nothing is committed then); [`EncodeError::InvalidSetting`] if libzstd
    /// rejects the call.
    pub fn compress_into(&mut self, input: &[u8], out: &mut Buf<'_>) -> Result<usize, EncodeError> {
        self.stage = Stage::Idle;
        self.pledged = None;
        self.cctx.reset_session();
        self.set_tables(false)?;
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
                self.cctx.reset_session();
                self.set_tables(self.pledged.is_none())?;
                self.cctx
                    .set_pledged(self.pledged)
                    .map_err(|_| EncodeError::InvalidSetting)?;
                self.stage = Stage::Open;
                Ok(())
            }
        }
    }

    /// Sets the hash and chain table sizes for a frame of unknown size (`explicit`),
    /// or lets libzstd pick them from the level and the size (between frames only).
    fn set_tables(&mut self, explicit: bool) -> Result<(), EncodeError> {
        if self.tables_set != explicit {
            let (hash, chain) = if explicit { self.large_tables } else { (0, 0) };
            let invalid = |_| EncodeError::InvalidSetting;
            self.cctx
                .set(P::ZSTD_c_hashLog, hash as i32)
                .map_err(invalid)?;
            self.cctx
                .set(P::ZSTD_c_chainLog, chain as i32)
                .map_err(invalid)?;
            self.tables_set = explicit;
        }
        Ok(())
    }

    /// Runs `ZSTD_compressStream2` into `out` until `input` is consumed (and, for
    /// `Flush`/`Finish`, everything is flushed) or `out` is full.
    fn run(
        &mut self,
        mut input: &[u8],
        out: &mut Buf<'_>,
        end: End,
    ) -> Result<Progress, EncodeError> {
        self.open()?;
        let (mut consumed, mut produced) = (0, 0);
        loop {
            let spare = out.spare_capacity_mut();
            let capacity = spare.len();
            if capacity == 0 {
                return Ok(progress(consumed, produced, Status::OutputFull));
            }
            let step = match self.cctx.stream(spare, input, end) {
                Ok(step) => step,
                Err(e) => {
                    // libzstd's context is undefined after an error: start over.
                    self.cctx.reset_session();
                    self.stage = Stage::Idle;
                    return Err(encode_error(e, None, capacity));
                }
            };
            // `commit` cannot fail: libzstd wrote at most `capacity` bytes.
            let _ = out.commit(step.produced);
            consumed += step.consumed;
            produced += step.produced;
            input = &input[step.consumed..];
            let drained = step.ret == 0;
            match end {
                End::Continue if input.is_empty() => {
                    return Ok(progress(consumed, produced, Status::NeedInput));
                }
                End::Finish if drained && input.is_empty() => {
                    self.stage = Stage::Done;
                    self.pledged = None;
                    return Ok(progress(consumed, produced, Status::Done));
                }
                End::Flush if drained && input.is_empty() => {
                    return Ok(progress(consumed, produced, Status::NeedInput));
                }
                _ => {}
            }
        }
    }

    /// Flushes what the context buffers into `out` without ending the frame (the
    /// data written so far becomes decodable); returns [`Status::NeedInput`] when all
    /// is flushed, [`Status::OutputFull`] when `out` filled first.
    ///
    /// # Errors
    ///
    /// As for [`Encoder::encode`].
    pub fn flush(&mut self, out: &mut Buf<'_>) -> Result<Progress, EncodeError> {
        if self.stage != Stage::Open {
            // No frame open (none begun, or finished): nothing is buffered.
            return Ok(progress(0, 0, Status::NeedInput));
        }
        self.run(&[], out, End::Flush)
    }
}

fn progress(consumed: usize, produced: usize, status: Status) -> Progress {
    Progress {
        consumed,
        produced,
        status,
    }
}

impl Encode for Encoder {
    fn encode(&mut self, input: &[u8], out: &mut Buf<'_>) -> Result<Progress, EncodeError> {
        self.run(input, out, End::Continue)
    }

    fn finish(&mut self, out: &mut Buf<'_>) -> Result<Progress, EncodeError> {
        if self.stage == Stage::Done {
            return Ok(progress(0, 0, Status::Done));
        }
        self.run(&[], out, End::Finish)
    }

    fn reset(&mut self) {
        self.cctx.reset_session();
        self.stage = Stage::Idle;
        self.pledged = None;
    }
}
