//! deflate, zlib and gzip through flate2, with its `Compress`/`Decompress` kept and
//! reused: no allocation per message.
//!
//! [`Encoder`] and [`Decoder`] implement bufpress's [`Encoder`] and
//! [`Decoder`], so the one-shot helpers ([`compress_into`](Encoder::compress_into),
//! [`decompress_into`](Decoder::decompress_into)), bufpress's pool drivers
//! ([`encode_to`](bufpress::codec::encode_to)) and this crate's `io` adapters
//! ([`EncodeWriter`](crate::EncodeWriter), [`DecodeReader`](crate::DecodeReader),
//! [`DecodeWriter`](crate::DecodeWriter)) all work with them.
//!
//! - **gzip**: flate2's `GzEncoder` cannot be reset (8 allocations, ~352 KB per
//!   message), so the encoder runs flate2's raw deflate and writes the gzip header and
//!   the CRC-32/ISIZE trailer itself.
//! - **Backend**: flate2 on zlib-rs (a Rust port of zlib), not flate2's default
//!   miniz_oxide: miniz_oxide's streaming inflate accepts a distance that reaches
//!   before the start of the stream (it reads its zeroed window) where zlib refuses
//!   it, and the bad-input catalogue (`tests/tests/catalogue.rs`) requires every
//!   accepted input to decode as the reference (Python's zlib) does. It also gives
//!   bufpress two independent deflate implementations (core runs miniz_oxide in its
//!   non-wrapping mode, which refuses such distances).
//! - **Decoding** runs flate2's raw inflate inside bufpress's
//!   [`Framing`]: the same header checks, checksums,
//!   multi-member gzip handling and typed errors as bufpress's own deflate decoder
//!   (a gzip stream ends when `decode` is called with no input, the sign that the
//!   input has ended, as [`bufpress::codec::deflate::Decoder`] documents), and
//!   an optional limit on the output ([`Decoder::with_max_output`]) against
//!   decompression bombs.
//!
//! ```
//! use bufpress::codec::deflate::Format;
//! use bufpress::pool::Pool;
//! use bufpress_std::flate::{Decoder, Encoder};
//!
//! static POOL: Pool<2, 4096> = Pool::new();
//!
//! // Built once (this allocates flate2's state), reused for every message.
//! let mut encoder = Encoder::new(Format::Gzip, 6)?;
//! let mut decoder = Decoder::new(Format::Gzip);
//!
//! let (mut packed, mut unpacked) = (POOL.try_acquire()?, POOL.try_acquire()?);
//! for message in [&b"first message"[..], b"second, second, second"] {
//!     packed.clear();
//!     unpacked.clear();
//!     encoder.compress_into(message, &mut packed)?;
//!     decoder.decompress_into(&packed, &mut unpacked)?;
//!     assert_eq!(&unpacked[..], message);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! flate2's own `Write` encoders also run over a pooled [`Chain`](crate::Chain), the
//! pattern most code already has, but `GzEncoder::new` builds a new compressor per
//! message (4 allocations with the zlib-rs backend, 8 with miniz_oxide's:
//! tests/benches/STD.md); `ZlibEncoder`/`DeflateEncoder` can be `reset` onto a new
//! writer without allocating (`tests/tests/std_flate_zero_alloc.rs`).

use bufpress::codec::Output;
use bufpress::codec::deflate::{self, Format, Framing, Phase};
use bufpress::codec::{self, Decode, DecodeError, Encode, EncodeError, Progress, Status};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

/// The lowest level: stored blocks, no compression.
pub const MIN_LEVEL: i32 = 0;
/// The highest level flate2 takes.
pub const MAX_LEVEL: i32 = 9;
/// The default level, as zlib's.
pub const DEFAULT_LEVEL: i32 = 6;

/// Where an encoder is in its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Writing the gzip header; `n` bytes of it written.
    Header(usize),
    Body,
    /// Writing the gzip trailer; `n` bytes of it written.
    Trailer(usize),
    Done,
}

/// A deflate, zlib or gzip encoder on flate2's `Compress`, reused across messages.
///
/// Construction allocates flate2's compressor state (zlib-rs: about 256 KB, zlib's
/// `(1 << (windowBits + 2)) + (1 << (memLevel + 9))` at the defaults); `reset`,
/// `encode`, `finish` and [`compress_into`](Self::compress_into) allocate nothing.
pub struct Encoder {
    compress: Compress,
    format: Format,
    level: u32,
    stage: Stage,
    crc: crc32fast::Hasher,
    total_in: u64,
}

impl Encoder {
    /// An encoder for `format` at `level` ([`MIN_LEVEL`] to [`MAX_LEVEL`]).
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidSetting`] for a level outside [`MIN_LEVEL`] to
    /// [`MAX_LEVEL`].
    pub fn new(format: Format, level: i32) -> Result<Self, EncodeError> {
        let level = match u32::try_from(level) {
            Ok(level) if level <= MAX_LEVEL as u32 => level,
            _ => return Err(EncodeError::InvalidSetting),
        };
        let zlib = format == Format::Zlib;
        Ok(Self {
            compress: Compress::new(Compression::new(level), zlib),
            format,
            level,
            stage: Self::first_stage(format),
            crc: crc32fast::Hasher::new(),
            total_in: 0,
        })
    }

    fn first_stage(format: Format) -> Stage {
        if format == Format::Gzip {
            Stage::Header(0)
        } else {
            Stage::Body
        }
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The level.
    pub fn level(&self) -> i32 {
        self.level as i32
    }

    /// Compresses `input` as one whole stream into the spare capacity of `out`;
    /// returns the bytes appended. [`deflate::max_compressed_len`] bounds what it
    /// needs.
    ///
    /// # Errors
    ///
    /// [`EncodeError::OutputTooSmall`] when `out` is too small; `out` keeps nothing
    /// of the call then.
    pub fn compress_into(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<usize, EncodeError> {
        codec::encode_into(self, input, out).map_err(|e| match e {
            EncodeError::OutputTooSmall { capacity, .. } => EncodeError::OutputTooSmall {
                needed: Some(deflate::max_compressed_len(input.len(), self.format)),
                capacity,
            },
            e => e,
        })
    }

    /// Writes what is left of the gzip header or trailer; returns whether it all went.
    fn put(out: &mut (impl Output + ?Sized), bytes: &[u8], done: &mut usize) -> bool {
        let rest = bytes.get(*done..).unwrap_or_default();
        let n = rest.len().min(out.remaining());
        let _ = out.extend_from_slice(&rest[..n]);
        *done += n;
        *done == bytes.len()
    }

    /// Runs flate2 on `input` into `out`'s spare capacity.
    fn deflate(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
        flush: FlushCompress,
    ) -> Result<(usize, flate2::Status), EncodeError> {
        let (in0, out0) = (self.compress.total_in(), self.compress.total_out());
        let status = self
            .compress
            .compress(input, out.spare_capacity_mut(), flush)
            .map_err(|_| EncodeError::InvalidSetting)?;
        let used = (self.compress.total_in() - in0) as usize;
        let made = (self.compress.total_out() - out0) as usize;
        let _ = out.commit(made);
        if self.format == Format::Gzip {
            self.crc.update(&input[..used]);
        }
        self.total_in += used as u64;
        Ok((used, status))
    }
}

impl Encode for Encoder {
    fn encode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let start = out.len();
        let mut consumed = 0;
        loop {
            match self.stage {
                Stage::Header(mut n) => {
                    let done = Self::put(out, &deflate::gzip_header(self.level as i32), &mut n);
                    self.stage = if done { Stage::Body } else { Stage::Header(n) };
                    if !done {
                        break;
                    }
                }
                Stage::Body => {
                    let rest = &input[consumed..];
                    if rest.is_empty() || out.remaining() == 0 {
                        break;
                    }
                    let (used, _) = self.deflate(rest, out, FlushCompress::None)?;
                    consumed += used;
                }
                Stage::Trailer(_) | Stage::Done => return Err(EncodeError::Finished),
            }
        }
        let status = if consumed == input.len() && out.remaining() > 0 {
            Status::NeedInput
        } else {
            Status::OutputFull
        };
        Ok(Progress {
            consumed,
            produced: out.len().saturating_sub(start),
            status,
        })
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let start = out.len();
        let status = loop {
            if out.remaining() == 0 && self.stage != Stage::Done {
                break Status::OutputFull;
            }
            match self.stage {
                Stage::Header(_) => {
                    self.encode(&[], out)?;
                }
                Stage::Body => {
                    let (_, status) = self.deflate(&[], out, FlushCompress::Finish)?;
                    if status == flate2::Status::StreamEnd {
                        self.stage = match self.format {
                            Format::Gzip => Stage::Trailer(0),
                            _ => Stage::Done,
                        };
                    }
                }
                Stage::Trailer(mut n) => {
                    let crc = self.crc.clone().finalize();
                    let trailer = deflate::gzip_trailer(crc, self.total_in);
                    let done = Self::put(out, &trailer, &mut n);
                    self.stage = if done { Stage::Done } else { Stage::Trailer(n) };
                }
                Stage::Done => break Status::Done,
            }
        };
        Ok(Progress {
            consumed: 0,
            produced: out.len().saturating_sub(start),
            status,
        })
    }

    /// A sync flush (`Z_SYNC_FLUSH`): ends the current deflate block and aligns to a
    /// byte, so a reader can inflate all input given until now.
    fn flush(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let start = out.len();
        if let Stage::Header(_) = self.stage {
            self.encode(&[], out)?;
        }
        let status = match self.stage {
            Stage::Header(_) => Status::OutputFull,
            Stage::Body => {
                let room = out.remaining();
                if room == 0 {
                    Status::OutputFull
                } else {
                    // zlib hands out what it still holds of an earlier flush first; a
                    // repeated flush with nothing new writes nothing.
                    let before = out.len();
                    self.deflate(&[], out, FlushCompress::Sync)?;
                    if out.len().saturating_sub(before) < room {
                        Status::Done
                    } else {
                        Status::OutputFull
                    }
                }
            }
            Stage::Trailer(_) | Stage::Done => return Err(EncodeError::Finished),
        };
        Ok(Progress {
            consumed: 0,
            produced: out.len().saturating_sub(start),
            status,
        })
    }

    /// [`deflate::max_compressed_len`] for the format.
    fn max_output_len(&self, input_len: usize) -> Option<usize> {
        let n = deflate::max_compressed_len(input_len, self.format);
        (n != usize::MAX).then_some(n)
    }

    fn reset(&mut self) {
        self.compress.reset();
        self.stage = Self::first_stage(self.format);
        self.crc.reset();
        self.total_in = 0;
    }
}

impl core::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encoder")
            .field("format", &self.format)
            .field("level", &self.level)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

/// A deflate, zlib or gzip decoder on flate2's raw `Decompress`, inside bufpress's
/// [`Framing`], reused across messages.
///
/// Construction allocates flate2's inflate state; everything after allocates nothing.
/// An error leaves the decoder failed until [`reset`](Decoder::reset).
pub struct Decoder {
    decompress: Decompress,
    framing: Framing,
    limit: u64,
    total: u64,
    /// Whether a gzip stream ends with its first member.
    single_member: bool,
    failed: Option<DecodeError>,
}

impl Decoder {
    /// A decoder for `format` with no limit on the output.
    pub fn new(format: Format) -> Self {
        Self {
            decompress: Decompress::new(false),
            framing: Framing::new(format),
            limit: u64::MAX,
            total: 0,
            single_member: false,
            failed: None,
        }
    }

    /// The same decoder, ending a gzip stream with its first member, as core's
    /// [`deflate::Decoder::single_member`](bufpress::codec::deflate::Decoder::single_member)
    /// (flate2's `GzDecoder`; the default is `MultiGzDecoder`'s way: all members, to the
    /// end of the input).
    #[must_use]
    pub fn single_member(mut self) -> Self {
        self.single_member = true;
        self
    }

    /// The same decoder, failing with [`DecodeError::LimitExceeded`] once a stream
    /// decodes to more than `max_output` bytes (before writing past it).
    #[must_use]
    pub fn with_max_output(mut self, max_output: u64) -> Self {
        self.limit = max_output;
        self
    }

    /// The limit on a stream's output ([`u64::MAX`]: none).
    pub fn max_output(&self) -> u64 {
        self.limit
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.framing.format()
    }

    /// Bytes decoded in this stream so far.
    pub fn total_out(&self) -> u64 {
        self.total
    }

    /// Decompresses `input`, exactly one whole stream (all members of a gzip file),
    /// into the spare capacity of `out`; returns the bytes appended.
    ///
    /// # Errors
    ///
    /// Any [`DecodeError`]: corrupt data, checksums, [`DecodeError::OutputTooSmall`],
    /// [`DecodeError::Truncated`], [`DecodeError::TrailingData`]; `out` keeps nothing
    /// of the call then.
    pub fn decompress_into(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<usize, DecodeError> {
        codec::decode_into(self, input, out)
    }

    /// Inflates from `input` into `out`; returns the bytes consumed and whether the
    /// body needs more input.
    fn inflate(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<(usize, bool), DecodeError> {
        // One byte past the limit shows it was crossed; it is never committed.
        let allowed = self.limit.saturating_sub(self.total).saturating_add(1);
        let room = usize::try_from(allowed)
            .unwrap_or(usize::MAX)
            .min(out.remaining());
        let spare = out.spare_capacity_mut();
        // `spare` is `remaining()` bytes for an output that keeps `Output`'s rules;
        // take the shorter of the two for one that does not.
        let room = room.min(spare.len());
        let window = &mut spare[..room];
        let (in0, out0) = (self.decompress.total_in(), self.decompress.total_out());
        let status = self
            .decompress
            .decompress(input, window, FlushDecompress::None)
            .map_err(|_| DecodeError::Corrupt)?;
        let used = (self.decompress.total_in() - in0) as usize;
        let made = (self.decompress.total_out() - out0) as usize;
        if self.total + made as u64 > self.limit {
            return Err(DecodeError::LimitExceeded {
                limit: self.limit,
                needed: None,
            });
        }
        self.framing.produced(&window[..made]);
        self.total += made as u64;
        let _ = out.commit(made);
        if status == flate2::Status::StreamEnd {
            self.framing.body_done();
            return Ok((used, false));
        }
        if made == 0 && used == 0 && !input.is_empty() && room > 0 {
            // No progress with input and room: never loop on it.
            return Err(DecodeError::Corrupt);
        }
        Ok((used, made == 0))
    }

    fn run(
        &mut self,
        input: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<Progress, DecodeError> {
        let start = out.len();
        let mut rest = input;
        let status = loop {
            match self.framing.phase() {
                Phase::Body => {
                    // With no room, inflate still runs: a body may end with no more
                    // output (an empty message into a full buffer).
                    let full = out.remaining() == 0;
                    let (used, starved) = self.inflate(rest, out)?;
                    rest = rest.get(used..).unwrap_or_default();
                    if self.framing.phase() != Phase::Body {
                        continue;
                    }
                    if full {
                        break Status::OutputFull;
                    }
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
                    let used = self.framing.advance(rest)?;
                    rest = rest.get(used..).unwrap_or_default();
                    if self.framing.phase() == Phase::Body {
                        self.decompress.reset(false);
                    } else if self.framing.phase() == phase && rest.is_empty() {
                        break Status::NeedInput;
                    }
                }
            }
        };
        Ok(Progress {
            consumed: input.len() - rest.len(),
            produced: out.len().saturating_sub(start),
            status,
        })
    }
}

impl Decode for Decoder {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let start = out.len();
        let result = self.run(input, out);
        if let Err(e) = result {
            out.truncate(start);
            self.failed = Some(e);
        }
        result
    }

    fn reset(&mut self) {
        self.decompress.reset(false);
        self.framing = Framing::new(self.framing.format());
        self.total = 0;
        self.failed = None;
    }
}

impl core::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decoder")
            .field("framing", &self.framing)
            .field("limit", &self.limit)
            .field("total", &self.total)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
