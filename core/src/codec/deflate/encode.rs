//! Encoding (feature `alloc`): the compressor state, built once; one-shot
//! [`compress_into`] and the streaming [`Encoder`].

use super::crc32::Crc32;
use alloc::boxed::Box;
use core::ops::DerefMut;

use miniz_oxide::DataFormat;
use miniz_oxide::deflate::core::{CompressorOxide, TDEFLFlush, TDEFLStatus, compress};

use super::{Format, MAX_LEVEL, gzip, max_compressed_len, zlib};
use crate::codec::Output;
use crate::codec::{self, EncodeError, Progress, Status};

/// The compressor state: miniz_oxide's `CompressorOxide` (about 320 KB, most of it in
/// boxes). Building it is the **only allocation** of deflate encoding: build it once
/// and use it for every message (each message resets it in place, with no
/// allocation).
///
/// `new` builds the compressor by value before boxing it, so about 64 KB pass through
/// the stack once.
#[derive(Clone)]
pub struct EncoderState {
    oxide: Box<CompressorOxide>,
}

impl EncoderState {
    /// Builds the compressor (allocates about 320 KB, once).
    pub fn new() -> Self {
        Self {
            oxide: Box::new(CompressorOxide::default()),
        }
    }

    /// Makes the compressor ready for a new raw deflate stream at `level`.
    fn start(&mut self, level: u8) {
        self.oxide.reset();
        self.oxide.set_format_and_level(DataFormat::Raw, level);
    }
}

impl Default for EncoderState {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for EncoderState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncoderState").finish_non_exhaustive()
    }
}

/// `level` as miniz_oxide takes it, when it is from 0 to [`MAX_LEVEL`].
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

    /// The header of `format` at `level`.
    fn header(format: Format, level: u8) -> Self {
        match format {
            Format::Raw => Self::new(&[]),
            Format::Zlib => Self::new(&zlib::header(level)),
            Format::Gzip => Self::new(&gzip::header(level as i32)),
        }
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Compresses `input` as one whole `format` stream at `level` (0 = stored, 1 =
/// fastest, 6 = default, 9 = best, 10 = slowest), appending it to `out`; returns the
/// number of bytes appended. Allocates nothing.
///
/// The gzip header has no optional fields, MTIME 0 and OS 255 (unknown). A buffer of
/// [`max_compressed_len`] bytes always suffices.
///
/// # Errors
///
/// - [`EncodeError::InvalidSetting`]: `level` is not from 0 to [`MAX_LEVEL`] (10);
/// - [`EncodeError::OutputTooSmall`]: the stream does not fit in `out` (`needed` is the
///   worst-case size); `out` is left as it was.
pub fn compress_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    format: Format,
    level: i32,
    state: &mut EncoderState,
) -> Result<usize, EncodeError> {
    let level = check_level(level)?;
    let start = out.len();
    let capacity = out.capacity();
    let too_small = EncodeError::OutputTooSmall {
        needed: Some(max_compressed_len(input.len(), format)),
        capacity,
    };
    let result = (|| {
        out.extend_from_slice(FrameBytes::header(format, level).as_slice())
            .map_err(|_| too_small)?;
        state.start(level);
        let (status, used, made) = compress(
            &mut state.oxide,
            input,
            out.spare_capacity_mut(),
            TDEFLFlush::Finish,
        );
        if status != TDEFLStatus::Done || used != input.len() {
            return Err(too_small);
        }
        out.commit(made).map_err(|_| too_small)?;
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

/// A streaming deflate, zlib or gzip encoder over a [`EncoderState`] it borrows or
/// owns (`&mut EncoderState`, a [`Value`](crate::pool::Value) guard, a `Box`).
///
/// Input may come in pieces of any size and output goes into buffers of any size.
/// After the state exists, encoding allocates nothing. At every level but 1 the
/// stream is byte for byte what [`compress_into`] writes, however the input is cut;
/// at level 1 (miniz_oxide's fast path) block boundaries may follow the pieces, so the
/// bytes may differ while the content is the same.
///
/// ```
/// use bufpress::codec::{decode_to, encode_to};
/// use bufpress::codec::deflate::{EncoderState, Decoder, DecoderState, Encoder, Format};
/// use bufpress::pool::Pool;
///
/// static POOL: Pool<64, 256> = Pool::new();
///
/// let mut compressor = EncoderState::new(); // the one allocation
/// let message = b"telemetry telemetry telemetry telemetry".repeat(20);
///
/// let mut encoder = Encoder::new(Format::Gzip, 6, &mut compressor)?;
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

impl<S: DerefMut<Target = EncoderState>> Encoder<S> {
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
            frame: FrameBytes::header(format, level),
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

    /// Runs the compressor once on `input` into `out`; returns (status, used, made).
    fn step(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        flush: TDEFLFlush,
    ) -> Result<(TDEFLStatus, usize, usize), EncodeError> {
        let capacity = out.capacity();
        let (status, used, made) = compress(
            &mut self.state.oxide,
            input,
            out.spare_capacity_mut(),
            flush,
        );
        match status {
            TDEFLStatus::Okay | TDEFLStatus::Done => {}
            TDEFLStatus::BadParam => return Err(EncodeError::Finished),
            TDEFLStatus::PutBufFailed => {
                return Err(EncodeError::OutputTooSmall {
                    needed: None,
                    capacity,
                });
            }
        }
        out.commit(made).map_err(|_| EncodeError::OutputTooSmall {
            needed: None,
            capacity,
        })?;
        self.check
            .update(self.format, input.get(..used).unwrap_or_default());
        Ok((status, used, made))
    }

    fn run(
        &mut self,
        mut input: &[u8],
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
        loop {
            if input.is_empty() {
                return Ok(Status::NeedInput);
            }
            if out.remaining() == 0 {
                return Ok(Status::OutputFull);
            }
            let (_, used, made) = self.step(input, out, TDEFLFlush::None)?;
            input = input.get(used..).unwrap_or_default();
            if used == 0 && made == 0 {
                // No progress with room and input: cannot happen with miniz_oxide;
                // hand the buffer on rather than spin.
                return Ok(Status::OutputFull);
            }
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
        let room = out.remaining();
        if room == 0 {
            return Ok(Status::OutputFull);
        }
        // miniz_oxide hands out what it still holds of an earlier flush before it
        // flushes again, so a call that filled `out` is followed by one that drains.
        let (_, _, made) = self.step(&[], out, TDEFLFlush::Sync)?;
        Ok(if made < room {
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
                    if out.remaining() == 0 {
                        return Ok(Status::OutputFull);
                    }
                    let (status, _, made) = self.step(&[], out, TDEFLFlush::Finish)?;
                    if status == TDEFLStatus::Done {
                        self.frame = self.check.trailer(self.format);
                        self.frame_written = 0;
                        self.phase = Phase::Trailer;
                    } else if made == 0 {
                        return Ok(Status::OutputFull);
                    }
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

impl<S: DerefMut<Target = EncoderState>> codec::Encode for Encoder<S> {
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
        self.frame = FrameBytes::header(self.format, self.level);
        self.frame_written = 0;
        self.phase = Phase::Header;
        self.check = Check::new();
        self.total_out = 0;
    }
}
