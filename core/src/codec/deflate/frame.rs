//! The framing around a deflate stream while decoding: the zlib or gzip header, the
//! checksum of the output, the trailer, and the start of a following gzip member.
//!
//! Both decoders ([`decompress_into`](super::decompress_into) and
//! [`Decoder`](super::Decoder)) run this state machine and differ only in how they run
//! the deflate body (straight into the caller's buffer, or through a window). It is
//! public (as [`Framing`]) so that other deflate engines (flate2's
//! `Decompress` in `bufpress-std`) get the same header parsing, checksums, multi-member
//! gzip handling and errors.

use super::Format;
use super::crc32::Crc32;
use super::gzip::{self, Capture, GzipHeader, HeaderParser, Parsed};
use super::zlib;
use crate::codec::DecodeError;

/// Where the decoder is in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading a zlib or gzip header (nothing for raw deflate).
    Header,
    /// Inflating the deflate data.
    Body,
    /// Reading the zlib or gzip trailer.
    Trailer,
    /// A gzip member ended; another may follow.
    AfterMember,
    /// The stream ended.
    Done,
}

/// The framing state of one zlib, gzip or raw deflate stream while decoding (a few
/// dozen bytes; the inflate state is elsewhere), for running any raw deflate engine
/// inside it.
///
/// The engine's loop: while [`phase`](Self::phase) is not [`Phase::Body`] or
/// [`Phase::Done`], feed input to [`advance`](Self::advance); in [`Phase::Body`], run
/// the raw inflater, pass every decoded byte to [`produced`](Self::produced) and call
/// [`body_done`](Self::body_done) when the deflate data ends (then reset the inflater:
/// a gzip member may follow). In [`Phase::AfterMember`] with no input left, the stream
/// ends there if the input has ended (bufpress's decoders answer `NeedInput` until
/// they are called with no input, then `Done`).
///
/// ```
/// use bufpress::codec::deflate::{Format, Framing, Phase};
///
/// // `zlib.compress(b"a")`: a 2-byte header, 3 bytes of deflate, the Adler-32.
/// let zlib = [0x78, 0x9c, 0x4b, 0x04, 0x00, 0x00, 0x62, 0x00, 0x62];
/// let mut framing = Framing::new(Format::Zlib);
/// assert_eq!(framing.advance(&zlib)?, 2);
/// assert_eq!(framing.phase(), Phase::Body);
/// // ... a raw inflater decodes zlib[2..5] into "a" ...
/// framing.produced(b"a");
/// framing.body_done();
/// assert_eq!(framing.advance(&zlib[5..])?, 4);
/// assert_eq!(framing.phase(), Phase::Done);
///
/// // A wrong checksum is a typed error.
/// let mut framing = Framing::new(Format::Zlib);
/// framing.advance(&zlib)?;
/// framing.produced(b"b");
/// framing.body_done();
/// assert!(framing.advance(&zlib[5..]).is_err());
/// # Ok::<(), bufpress::codec::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Framing {
    format: Format,
    phase: Phase,
    gzip: HeaderParser,
    /// zlib header or trailer bytes gathered so far.
    gathered: [u8; gzip::TRAILER_LEN],
    gathered_len: usize,
    /// Running Adler-32 (zlib).
    adler: u32,
    /// Running CRC-32 (gzip).
    crc: Crc32,
    /// Bytes decoded in the current member (gzip) or stream.
    member_len: u64,
}

impl Framing {
    /// The state at the start of a stream of `format`.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            phase: Phase::Header,
            gzip: HeaderParser::new(),
            gathered: [0; gzip::TRAILER_LEN],
            gathered_len: 0,
            adler: zlib::ADLER_INIT,
            crc: Crc32::new(),
            member_len: 0,
        }
    }

    /// Where the stream is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The stream's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Adds decoded bytes to the checksum and the length.
    pub fn produced(&mut self, data: &[u8]) {
        match self.format {
            Format::Raw => {}
            Format::Zlib => self.adler = zlib::adler32(self.adler, data),
            Format::Gzip => self.crc.update(data),
        }
        self.member_len += data.len() as u64;
    }

    /// The deflate data ended.
    pub fn body_done(&mut self) {
        self.gathered_len = 0;
        self.phase = match self.format {
            Format::Raw => Phase::Done,
            Format::Zlib | Format::Gzip => Phase::Trailer,
        };
    }

    /// Runs the phase (any but [`Phase::Body`]) on `input`; returns the bytes consumed.
    /// When the phase did not change, all of `input` was consumed and more is needed.
    /// A gzip header's fields go to `capture` unless it already holds a whole header.
    ///
    /// # Errors
    ///
    /// A bad header or a checksum mismatch in the trailer.
    pub fn advance(&mut self, input: &[u8]) -> Result<usize, DecodeError> {
        self.advance_capturing(input, None)
    }

    /// [`advance`](Self::advance), recording the first gzip member's header fields in
    /// `header`.
    ///
    /// # Errors
    ///
    /// As for [`advance`](Self::advance).
    pub fn advance_with_header(
        &mut self,
        input: &[u8],
        header: &mut GzipHeader<'_>,
    ) -> Result<usize, DecodeError> {
        self.advance_capturing(input, Some(header))
    }

    pub(super) fn advance_capturing(
        &mut self,
        input: &[u8],
        capture: Capture<'_, '_>,
    ) -> Result<usize, DecodeError> {
        match self.phase {
            Phase::Header => self.header(input, capture.filter(|h| !h.is_complete())),
            Phase::Trailer => self.trailer(input),
            Phase::AfterMember => Ok(self.after_member(input)),
            Phase::Body | Phase::Done => Ok(0),
        }
    }

    fn header(&mut self, input: &[u8], capture: Capture<'_, '_>) -> Result<usize, DecodeError> {
        match self.format {
            Format::Raw => {
                self.phase = Phase::Body;
                Ok(0)
            }
            Format::Zlib => {
                let taken = self.gather(input, zlib::HEADER_LEN);
                if self.gathered_len == zlib::HEADER_LEN {
                    let [cmf, flg, ..] = self.gathered;
                    zlib::check_header([cmf, flg])?;
                    self.phase = Phase::Body;
                }
                Ok(taken)
            }
            Format::Gzip => match self.gzip.parse(input, capture)? {
                Parsed::Complete(n) => {
                    self.phase = Phase::Body;
                    Ok(n)
                }
                Parsed::Partial => Ok(input.len()),
            },
        }
    }

    fn trailer(&mut self, input: &[u8]) -> Result<usize, DecodeError> {
        let need = match self.format {
            Format::Raw => 0,
            Format::Zlib => zlib::TRAILER_LEN,
            Format::Gzip => gzip::TRAILER_LEN,
        };
        let taken = self.gather(input, need);
        if self.gathered_len < need {
            return Ok(taken);
        }
        let [a, b, c, d, ..] = self.gathered;
        match self.format {
            Format::Raw => self.phase = Phase::Done,
            Format::Zlib => {
                zlib::check_trailer([a, b, c, d], self.adler)?;
                self.phase = Phase::Done;
            }
            Format::Gzip => {
                let crc = self.crc.clone().finalize();
                gzip::check_trailer(self.gathered, crc, self.member_len)?;
                self.phase = Phase::AfterMember;
            }
        }
        Ok(taken)
    }

    /// After a gzip member: bytes that start with the gzip magic are another member of
    /// the same stream; anything else ends the stream there (nothing consumed). A lone
    /// 0x1f at the end of `input` is taken as a member start; if the next byte shows it
    /// is not one, that is [`DecodeError::TrailingData`] (the 0x1f, consumed, cannot be
    /// given back: ending the stream there would lose it).
    fn after_member(&mut self, input: &[u8]) -> usize {
        match input {
            [] => 0,
            [first, ..] if *first != gzip::MAGIC[0] => {
                self.phase = Phase::Done;
                0
            }
            [_, second, ..] if *second != gzip::MAGIC[1] => {
                self.phase = Phase::Done;
                0
            }
            [_] => {
                self.next_member(HeaderParser::after_id1(true));
                1
            }
            [_, _, ..] => {
                self.next_member(HeaderParser::new());
                0
            }
        }
    }

    fn next_member(&mut self, parser: HeaderParser) {
        self.gzip = parser;
        self.crc.reset();
        self.member_len = 0;
        self.phase = Phase::Header;
    }

    /// Appends bytes from `input` to `gathered` until it holds `need`; returns how many
    /// were taken.
    fn gather(&mut self, input: &[u8], need: usize) -> usize {
        let want = need.saturating_sub(self.gathered_len).min(input.len());
        let from = self.gathered_len;
        if let (Some(dst), Some(src)) =
            (self.gathered.get_mut(from..from + want), input.get(..want))
        {
            dst.copy_from_slice(src);
            self.gathered_len += want;
            want
        } else {
            0
        }
    }
}
