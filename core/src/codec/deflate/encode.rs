//! Encoding: one-shot [`compress_into`] and the streaming [`Encoder`] over an
//! [`EncoderState`] (the compressor in `compress.rs`), with the zlib and gzip framing.

use super::compress::EncoderState;
use super::crc32::Crc32;
use core::ops::DerefMut;

use super::{Format, MAX_LEVEL, gzip, max_compressed_len, zlib};
use crate::codec::Output;
use crate::codec::{self, EncodeError, Progress, Status};

/// `level` as a `u8`, when it is from 0 to [`MAX_LEVEL`].
fn check_level(level: i32) -> Result<u8, EncodeError> {
    match u8::try_from(level) {
        Ok(level) if i32::from(level) <= MAX_LEVEL => Ok(level),
        _ => Err(EncodeError::InvalidSetting),
    }
}

/// The running checksum of the input, for the zlib or gzip trailer.
#[derive(Debug, Clone)]
struct Check {
    adler: u32,
    crc: Crc32,
    len: u64,
}

impl Check {
    fn new() -> Self {
        Self {
            adler: zlib::ADLER_INIT,
            crc: Crc32::new(),
            len: 0,
        }
    }

    fn update(&mut self, format: Format, data: &[u8]) {
        match format {
            Format::Raw => {}
            Format::Zlib => self.adler = zlib::adler32(self.adler, data),
            Format::Gzip => self.crc.update(data),
        }
        self.len += data.len() as u64;
    }

    /// The trailer of `format`.
    fn trailer(&self, format: Format) -> FrameBytes {
        match format {
            Format::Raw => FrameBytes::new(&[]),
            Format::Zlib => FrameBytes::new(&zlib::trailer(self.adler)),
            Format::Gzip => FrameBytes::new(&gzip::trailer(self.crc.clone().finalize(), self.len)),
        }
    }
}

/// A header or trailer: at most 10 bytes.
#[derive(Debug, Clone, Copy)]
struct FrameBytes {
    bytes: [u8; gzip::HEADER_LEN],
    len: usize,
}

impl FrameBytes {
    fn new(data: &[u8]) -> Self {
        let mut bytes = [0; gzip::HEADER_LEN];
        let len = data.len().min(bytes.len());
        if let (Some(dst), Some(src)) = (bytes.get_mut(..len), data.get(..len)) {
            dst.copy_from_slice(src);
        }
        Self { bytes, len }
    }

    /// The header of `format` at `level`, for a window of `window` bytes.
    fn header(format: Format, level: u8, window: usize) -> Self {
        match format {
            Format::Raw => Self::new(&[]),
            Format::Zlib => Self::new(&zlib::header(level, window)),
            Format::Gzip => Self::new(&gzip::header(level as i32)),
        }
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Compresses `input` as one whole `format` stream at `level` (0 = stored, 1 =
/// fastest, 6 = default, 9 = best, 10 = slowest), appending it to `out`; returns the
/// number of bytes appended. Allocates nothing; `state` is any [`EncoderState`]
/// (its window decides how far back matches reach).
///
/// The gzip header has no optional fields, MTIME 0 and OS 255 (unknown); the zlib
/// header states the state's window. A buffer of [`max_compressed_len`] bytes always
/// suffices.
///
/// # Errors
///
/// - [`EncodeError::InvalidSetting`]: `level` is not from 0 to [`MAX_LEVEL`] (10);
/// - [`EncodeError::OutputTooSmall`]: the stream does not fit in `out` (`needed` is the
///   worst-case size); `out` is left as it was.
pub fn compress_into<const WINDOW: usize, const HASH: usize>(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    format: Format,
    level: i32,
    state: &mut EncoderState<WINDOW, HASH>,
) -> Result<usize, EncodeError> {
    let level = check_level(level)?;
    let start = out.len();
    let capacity = out.capacity();
    let too_small = EncodeError::OutputTooSmall {
        needed: Some(max_compressed_len(input.len(), format)),
        capacity,
    };
    let result = (|| {
        out.extend_from_slice(FrameBytes::header(format, level, WINDOW).as_slice())
            .map_err(|_| too_small)?;
        state.start(level);
        let step = state.compress(input, out.spare_capacity_mut(), true);
        if !step.done || step.consumed != input.len() {
            return Err(too_small);
        }
        out.commit(step.produced).map_err(|_| too_small)?;
        let mut check = Check::new();
        check.update(format, input);
        out.extend_from_slice(check.trailer(format).as_slice())
            .map_err(|_| too_small)
    })();
    match result {
        Ok(()) => Ok(out.len().saturating_sub(start)),
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Where the encoder is in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Writing the header (`written` bytes of it are out).
    Header,
    /// Compressing input.
    Body,
    /// `finish` flushed the deflate data; writing the trailer.
    Trailer,
    /// The stream is complete.
    Done,
}

/// A streaming deflate, zlib or gzip encoder over an [`EncoderState`] it borrows or
/// owns (`&mut EncoderState`, a [`Value`](crate::pool::Value) guard, a `Box`, a
/// `&'static mut` to a `static` one).
///
/// Input may come in pieces of any size and output goes into buffers of any size;
/// nothing is allocated. The stream is byte for byte what [`compress_into`] writes,
/// however the input and the output are cut.
///
/// ```
/// use bufpress::codec::{decode_to, encode_to};
/// use bufpress::codec::deflate::{EncoderState, Decoder, DecoderState, Encoder, Format};
/// use bufpress::pool::Pool;
///
/// static POOL: Pool<64, 256> = Pool::new();
///
/// // An 8 KiB window (about 59 KB of state), off the stack.
/// let mut compressor = Box::new(EncoderState::<8192, 8192>::new());
/// let message = b"telemetry telemetry telemetry telemetry".repeat(20);
///
/// let mut encoder = Encoder::new(Format::Gzip, 6, &mut *compressor)?;
/// let mut gz = Vec::new();
/// encode_to(&mut encoder, &message, POOL.pool_ref(), |buf| {
///     gz.extend_from_slice(&buf);
///     Ok::<(), core::convert::Infallible>(())
/// })?;
///
/// let mut state = Box::new(DecoderState::new());
/// let mut decoder = Decoder::new(Format::Gzip, &mut *state);
/// let mut back = Vec::new();
/// decode_to(&mut decoder, &gz, POOL.pool_ref(), |buf| {
///     back.extend_from_slice(&buf);
///     Ok::<(), core::convert::Infallible>(())
/// })?;
/// assert_eq!(back, message);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Encoder<S> {
    state: S,
    format: Format,
    level: u8,
    phase: Phase,
    /// The header or trailer, and how many of its bytes are written.
    frame: FrameBytes,
    frame_written: usize,
    check: Check,
    total_out: u64,
}

impl<S, const WINDOW: usize, const HASH: usize> Encoder<S>
where
    S: DerefMut<Target = EncoderState<WINDOW, HASH>>,
{
    /// An encoder of `format` at `level` (0 to 10) over `state`; resets the state.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidSetting`] when `level` is not from 0 to [`MAX_LEVEL`].
    pub fn new(format: Format, level: i32, state: S) -> Result<Self, EncodeError> {
        let level = check_level(level)?;
        let mut encoder = Self {
            state,
            format,
            level,
            phase: Phase::Header,
            frame: FrameBytes::header(format, level, WINDOW),
            frame_written: 0,
            check: Check::new(),
            total_out: 0,
        };
        encoder.state.start(level);
        Ok(encoder)
    }

    /// The format written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The compression level.
    pub fn level(&self) -> i32 {
        i32::from(self.level)
    }

    /// Input bytes taken so far in this stream.
    pub fn total_in(&self) -> u64 {
        self.check.len
    }

    /// Bytes written so far in this stream.
    pub fn total_out(&self) -> u64 {
        self.total_out
    }

    /// Gives the state back.
    pub fn into_state(self) -> S {
        self.state
    }

    /// Writes what is left of the header or trailer; returns whether all of it is out.
    fn write_frame(&mut self, out: &mut (impl Output + ?Sized)) -> bool {
        let rest = self
            .frame
            .as_slice()
            .get(self.frame_written..)
            .unwrap_or_default();
        let n = rest.len().min(out.remaining());
        if out
            .extend_from_slice(rest.get(..n).unwrap_or_default())
            .is_ok()
        {
            self.frame_written += n;
        }
        self.frame_written >= self.frame.len
    }

    /// Runs the compressor once on `input` into `out`; returns whether the deflate
    /// data is complete (only when `finish`).
    fn step(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        finish: bool,
    ) -> Result<bool, EncodeError> {
        let capacity = out.capacity();
        let step = self.state.compress(input, out.spare_capacity_mut(), finish);
        out.commit(step.produced)
            .map_err(|_| EncodeError::OutputTooSmall {
                needed: None,
                capacity,
            })?;
        self.check
            .update(self.format, input.get(..step.consumed).unwrap_or_default());
        Ok(step.done)
    }

    fn run(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<Status, EncodeError> {
        if self.phase == Phase::Header {
            if !self.write_frame(out) {
                return Ok(Status::OutputFull);
            }
            self.phase = Phase::Body;
        }
        if self.phase != Phase::Body {
            return Err(EncodeError::Finished);
        }
        // A flush cut short by a full output ends before more input is taken: input
        // given in its middle would otherwise be left out of the next flush (which
        // resumed at the marker).
        if self.state.flushing() && self.flush_step(out)? != Status::Done {
            return Ok(Status::OutputFull);
        }
        let before = self.check.len;
        self.step(input, out, false)?;
        // The compressor returns when it took all input or filled `out`.
        if self.check.len - before == input.len() as u64 {
            Ok(Status::NeedInput)
        } else {
            Ok(Status::OutputFull)
        }
    }

    fn run_flush(&mut self, out: &mut (impl Output + ?Sized)) -> Result<Status, EncodeError> {
        if self.phase == Phase::Header {
            if !self.write_frame(out) {
                return Ok(Status::OutputFull);
            }
            self.phase = Phase::Body;
        }
        if self.phase != Phase::Body {
            return Err(EncodeError::Finished);
        }
        self.flush_step(out)
    }

    /// Runs the sync flush on `out`: `Done` once it is all out.
    fn flush_step(&mut self, out: &mut (impl Output + ?Sized)) -> Result<Status, EncodeError> {
        let capacity = out.capacity();
        let step = self.state.sync_flush(out.spare_capacity_mut());
        out.commit(step.produced)
            .map_err(|_| EncodeError::OutputTooSmall {
                needed: None,
                capacity,
            })?;
        Ok(if step.done {
            Status::Done
        } else {
            Status::OutputFull
        })
    }

    fn run_finish(&mut self, out: &mut (impl Output + ?Sized)) -> Result<Status, EncodeError> {
        loop {
            match self.phase {
                Phase::Header => {
                    if !self.write_frame(out) {
                        return Ok(Status::OutputFull);
                    }
                    self.phase = Phase::Body;
                }
                Phase::Body => {
                    if !self.step(&[], out, true)? {
                        return Ok(Status::OutputFull);
                    }
                    self.frame = self.check.trailer(self.format);
                    self.frame_written = 0;
                    self.phase = Phase::Trailer;
                }
                Phase::Trailer => {
                    if !self.write_frame(out) {
                        return Ok(Status::OutputFull);
                    }
                    self.phase = Phase::Done;
                }
                Phase::Done => return Ok(Status::Done),
            }
        }
    }
}

impl<S, const WINDOW: usize, const HASH: usize> codec::Encode for Encoder<S>
where
    S: DerefMut<Target = EncoderState<WINDOW, HASH>>,
{
    fn encode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let (in_before, out_start) = (self.check.len, out.len());
        let status = self.run(input, out)?;
        let produced = out.len().saturating_sub(out_start);
        self.total_out += produced as u64;
        Ok(Progress {
            consumed: (self.check.len - in_before) as usize,
            produced,
            status,
        })
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let out_start = out.len();
        let status = self.run_finish(out)?;
        let produced = out.len().saturating_sub(out_start);
        self.total_out += produced as u64;
        Ok(Progress {
            consumed: 0,
            produced,
            status,
        })
    }

    /// A sync flush: ends the current deflate block and aligns to a byte with an empty
    /// stored block (`00 00 FF FF`), so a reader can inflate all input given until now.
    /// A flush cut short by a full output is finished by the next `flush` or `encode`
    /// (which takes no input until it is out) or `finish`.
    fn flush(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let out_start = out.len();
        let status = self.run_flush(out)?;
        let produced = out.len().saturating_sub(out_start);
        self.total_out += produced as u64;
        Ok(Progress {
            consumed: 0,
            produced,
            status,
        })
    }

    /// [`max_compressed_len`](super::max_compressed_len) for the format.
    fn max_output_len(&self, input_len: usize) -> Option<usize> {
        let n = super::max_compressed_len(input_len, self.format);
        (n != usize::MAX).then_some(n)
    }

    fn reset(&mut self) {
        self.state.start(self.level);
        self.frame = FrameBytes::header(self.format, self.level, WINDOW);
        self.frame_written = 0;
        self.phase = Phase::Header;
        self.check = Check::new();
        self.total_out = 0;
    }
}
