//! The gzip wrapper (RFC 1952): an incremental member-header parser, the header that
//! the encoder writes, and the trailer (CRC-32, ISIZE).

use super::crc32::Crc32;
use crate::codec::{Checksum, DecodeError};

/// The two magic bytes of a gzip member.
pub(super) const MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Compression method 8: deflate.
const CM_DEFLATE: u8 = 8;
/// FLG bits.
const FTEXT: u8 = 1;
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = 0b1110_0000;
/// Size of the gzip trailer: CRC-32 and ISIZE, both little-endian.
pub const TRAILER_LEN: usize = 8;
/// Size of the gzip header bufpress writes.
pub const HEADER_LEN: usize = 10;

/// Where the header parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Id1,
    Id2,
    Method,
    Flags,
    /// MTIME (4), XFL, OS: `n` fixed bytes left.
    Fixed(u8),
    XlenLo,
    XlenHi,
    Extra(u16),
    Name,
    Comment,
    Hcrc0,
    Hcrc1,
    Done,
}

/// An incremental parser of one member header: bytes may come in any pieces.
#[derive(Debug, Clone)]
pub(super) struct HeaderParser {
    step: Step,
    flags: u8,
    xlen: u16,
    stored_hcrc: u16,
    /// CRC-32 of the header bytes so far (for FHCRC).
    crc: Crc32,
    /// Set when the magic's first byte was seen at the end of a piece right after a
    /// member: a second byte other than 0x8b then shows that bytes follow the stream
    /// ([`DecodeError::TrailingData`]: the 0x1f was consumed and cannot be given back,
    /// so the stream cannot just end before it).
    speculative: bool,
}

/// What [`HeaderParser::parse`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Parsed {
    /// The header is complete after `consumed` bytes.
    Complete(usize),
    /// All input was consumed and the header goes on.
    Partial,
}

/// The header of a gzip member (RFC 1952), filled in by
/// [`decompress_gzip_into`](super::decompress_gzip_into) and
/// [`Decoder::decode_with_header`](super::Decoder::decode_with_header): the fixed
/// fields, and the optional extra field, file name and comment copied into a buffer
/// the caller lends (no allocation). A field longer than the room left keeps its first
/// bytes ([`is_truncated`](Self::is_truncated)); its full length is still known.
///
/// It records the first member's header; later members of a multi-member file are
/// decoded but not recorded. Its fields are meaningful once
/// [`is_complete`](Self::is_complete).
///
/// ```
/// use bufpress::codec::deflate::{self, GzipHeader, InflateState};
/// use bufpress::pool::{Pool, ValuePool};
///
/// static OUT: Pool<1, 1024> = Pool::new();
/// static STATES: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
///
/// // `printf hi > hi.txt; touch -d @1700000000 hi.txt; gzip -N hi.txt` (name and mtime).
/// let gz = [
///     0x1f, 0x8b, 0x08, 0x08, 0x00, 0xf1, 0x53, 0x65, 0x00, 0x03, 0x68, 0x69, 0x2e, 0x74,
///     0x78, 0x74, 0x00, 0xcb, 0xc8, 0x04, 0x00, 0xac, 0x2a, 0x93, 0xd8, 0x02, 0x00, 0x00,
///     0x00,
/// ];
/// let mut room = [0u8; 64];
/// let mut header = GzipHeader::new(&mut room);
/// let mut out = OUT.try_acquire()?;
/// let mut state = STATES.try_acquire()?;
/// deflate::decompress_gzip_into(&gz, &mut out, &mut state, &mut header)?;
/// assert_eq!(&out[..], b"hi");
/// assert!(header.is_complete());
/// assert_eq!(header.name(), Some(&b"hi.txt"[..]));
/// assert_eq!(header.mtime(), 1_700_000_000);
/// assert_eq!(header.os(), 3); // Unix
/// assert_eq!(header.comment(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct GzipHeader<'b> {
    room: &'b mut [u8],
    used: usize,
    flags: u8,
    mtime: [u8; 4],
    xfl: u8,
    os: u8,
    header_crc: Option<u16>,
    extra: Span,
    name: Span,
    comment: Span,
    complete: bool,
}

/// Where an optional field's kept bytes are in the caller's buffer.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    present: bool,
    start: usize,
    kept: usize,
    len: usize,
}

/// The optional fields, in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Extra,
    Name,
    Comment,
}

impl<'b> GzipHeader<'b> {
    /// An empty header whose extra field, name and comment go into `room` (an empty
    /// slice keeps only the fixed fields and the lengths).
    pub fn new(room: &'b mut [u8]) -> Self {
        Self {
            room,
            used: 0,
            flags: 0,
            mtime: [0; 4],
            xfl: 0,
            os: 0,
            header_crc: None,
            extra: Span::default(),
            name: Span::default(),
            comment: Span::default(),
            complete: false,
        }
    }

    /// Forgets what was recorded, to record the next stream's header.
    pub fn clear(&mut self) {
        let room = core::mem::take(&mut self.room);
        *self = Self::new(room);
    }

    /// Whether a whole member header was read (and its FHCRC, if any, checked).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// MTIME: the modification time in seconds since 1970, 0 when not stored.
    pub fn mtime(&self) -> u32 {
        u32::from_le_bytes(self.mtime)
    }

    /// OS: the file system the member was made on (0 FAT, 3 Unix, 11 NTFS, 255
    /// unknown, ...).
    pub fn os(&self) -> u8 {
        self.os
    }

    /// XFL: 2 for the slowest compression, 4 for the fastest, else 0.
    pub fn xfl(&self) -> u8 {
        self.xfl
    }

    /// FLG as stored (FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT bits; reserved bits are
    /// refused when decoding).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// FTEXT: the content is probably text.
    pub fn is_text(&self) -> bool {
        self.flags & FTEXT != 0
    }

    /// The stored header CRC (the low 16 bits of its CRC-32, checked), when FHCRC.
    pub fn header_crc(&self) -> Option<u16> {
        self.header_crc
    }

    /// The extra field's bytes (subfields included, XLEN excluded), when FEXTRA; the
    /// first bytes only if it did not fit.
    pub fn extra(&self) -> Option<&[u8]> {
        self.kept(self.extra)
    }

    /// The file name without its terminating zero (ISO 8859-1 by the RFC), when FNAME.
    pub fn name(&self) -> Option<&[u8]> {
        self.kept(self.name)
    }

    /// The comment without its terminating zero, when FCOMMENT.
    pub fn comment(&self) -> Option<&[u8]> {
        self.kept(self.comment)
    }

    /// The extra field's full length (XLEN), when FEXTRA.
    pub fn extra_len(&self) -> Option<usize> {
        self.extra.present.then_some(self.extra.len)
    }

    /// The file name's full length, when FNAME.
    pub fn name_len(&self) -> Option<usize> {
        self.name.present.then_some(self.name.len)
    }

    /// The comment's full length, when FCOMMENT.
    pub fn comment_len(&self) -> Option<usize> {
        self.comment.present.then_some(self.comment.len)
    }

    /// Whether a field kept fewer bytes than it has (the buffer was too small).
    pub fn is_truncated(&self) -> bool {
        [self.extra, self.name, self.comment]
            .iter()
            .any(|s| s.kept < s.len)
    }

    fn kept(&self, span: Span) -> Option<&[u8]> {
        if !span.present {
            return None;
        }
        self.room.get(span.start..span.start + span.kept)
    }

    fn span(&mut self, field: Field) -> &mut Span {
        match field {
            Field::Extra => &mut self.extra,
            Field::Name => &mut self.name,
            Field::Comment => &mut self.comment,
        }
    }

    /// A field starts.
    fn open(&mut self, field: Field) {
        let start = self.used;
        *self.span(field) = Span {
            present: true,
            start,
            kept: 0,
            len: 0,
        };
    }

    /// More bytes of the field being read (the first call opens it).
    fn append(&mut self, field: Field, bytes: &[u8]) {
        if !self.span(field).present {
            self.open(field);
        }
        let take = bytes.len().min(self.room.len() - self.used);
        if let (Some(dst), Some(src)) = (
            self.room.get_mut(self.used..self.used + take),
            bytes.get(..take),
        ) {
            dst.copy_from_slice(src);
            self.used += take;
        }
        let span = self.span(field);
        span.kept += take;
        span.len += bytes.len();
    }
}

/// Where a header parser records fields, if anywhere.
pub(super) type Capture<'h, 'b> = Option<&'h mut GzipHeader<'b>>;

impl HeaderParser {
    pub(super) fn new() -> Self {
        Self {
            step: Step::Id1,
            flags: 0,
            xlen: 0,
            stored_hcrc: 0,
            crc: Crc32::new(),
            speculative: false,
        }
    }

    /// A parser that has already taken the first magic byte (0x1f) of what may be a
    /// following member.
    pub(super) fn after_id1(speculative: bool) -> Self {
        let mut p = Self::new();
        p.crc.update(&MAGIC[..1]);
        p.step = Step::Id2;
        p.speculative = speculative;
        p
    }

    /// Parses header bytes from `input`.
    ///
    /// # Errors
    ///
    /// Bad magic, a method other than deflate, reserved flags, or a bad FHCRC.
    pub(super) fn parse(
        &mut self,
        input: &[u8],
        mut capture: Capture<'_, '_>,
    ) -> Result<Parsed, DecodeError> {
        let mut i = 0;
        // `input[hashed..i]` are header bytes not yet added to the FHCRC.
        let mut hashed = 0;
        loop {
            let rest = input.get(i..).unwrap_or_default();
            match self.step {
                Step::Done => break,
                Step::Extra(left) => {
                    let take = rest.len().min(usize::from(left));
                    if let Some(h) = capture.as_deref_mut() {
                        h.append(Field::Extra, rest.get(..take).unwrap_or_default());
                    }
                    i += take;
                    // `take <= left`, a u16.
                    let left = left - take as u16;
                    if left > 0 {
                        self.step = Step::Extra(left);
                        self.hash(input, hashed, i);
                        return Ok(Parsed::Partial);
                    }
                    self.step = self.next_field(FEXTRA);
                    continue;
                }
                Step::Name | Step::Comment => {
                    let (bit, field) = if self.step == Step::Name {
                        (FNAME, Field::Name)
                    } else {
                        (FCOMMENT, Field::Comment)
                    };
                    let nul = rest.iter().position(|&b| b == 0);
                    if let Some(h) = capture.as_deref_mut() {
                        h.append(
                            field,
                            rest.get(..nul.unwrap_or(rest.len())).unwrap_or_default(),
                        );
                    }
                    let Some(nul) = nul else {
                        self.hash(input, hashed, input.len());
                        return Ok(Parsed::Partial);
                    };
                    i += nul + 1;
                    self.step = self.next_field(bit);
                    continue;
                }
                _ => {}
            }
            let Some(&byte) = rest.first() else {
                self.hash(input, hashed, i);
                return Ok(Parsed::Partial);
            };
            self.step = match self.step {
                Step::Id1 => self.magic(byte, 0)?,
                Step::Id2 if byte != MAGIC[1] && self.speculative => {
                    return Err(DecodeError::TrailingData);
                }
                Step::Id2 => self.magic(byte, 1)?,
                Step::Method if byte != CM_DEFLATE => return Err(DecodeError::Unsupported),
                Step::Method => Step::Flags,
                Step::Flags if byte & RESERVED != 0 => return Err(DecodeError::Reserved),
                Step::Flags => {
                    self.flags = byte;
                    if let Some(h) = capture.as_deref_mut() {
                        h.flags = byte;
                    }
                    Step::Fixed(6)
                }
                Step::Fixed(n) => {
                    if let Some(h) = capture.as_deref_mut() {
                        // MTIME (4 bytes, little-endian), XFL, OS.
                        match n {
                            1 => h.os = byte,
                            2 => h.xfl = byte,
                            _ => {
                                if let Some(b) = h.mtime.get_mut(usize::from(6 - n)) {
                                    *b = byte;
                                }
                            }
                        }
                    }
                    if n > 1 {
                        Step::Fixed(n - 1)
                    } else {
                        self.next_field(0)
                    }
                }
                Step::XlenLo => {
                    self.xlen = u16::from(byte);
                    Step::XlenHi
                }
                Step::XlenHi => {
                    let xlen = self.xlen | (u16::from(byte) << 8);
                    if let Some(h) = capture.as_deref_mut() {
                        h.open(Field::Extra);
                    }
                    if xlen == 0 {
                        self.next_field(FEXTRA)
                    } else {
                        Step::Extra(xlen)
                    }
                }
                Step::Hcrc0 => {
                    self.hash(input, hashed, i);
                    hashed = input.len();
                    self.stored_hcrc = u16::from(byte);
                    Step::Hcrc1
                }
                Step::Hcrc1 => {
                    self.stored_hcrc |= u16::from(byte) << 8;
                    self.check_hcrc()?;
                    if let Some(h) = capture.as_deref_mut() {
                        h.header_crc = Some(self.stored_hcrc);
                    }
                    Step::Done
                }
                // Handled above.
                Step::Extra(_) | Step::Name | Step::Comment | Step::Done => self.step,
            };
            i += 1;
        }
        self.hash(input, hashed, i);
        if let Some(h) = capture {
            h.complete = true;
        }
        Ok(Parsed::Complete(i))
    }

    fn magic(&mut self, byte: u8, at: usize) -> Result<Step, DecodeError> {
        if MAGIC.get(at) != Some(&byte) {
            return Err(DecodeError::BadMagic);
        }
        self.speculative = false;
        Ok(if at == 0 { Step::Id2 } else { Step::Method })
    }

    fn check_hcrc(&self) -> Result<(), DecodeError> {
        let actual = (self.crc.clone().finalize() & 0xffff) as u16;
        if actual == self.stored_hcrc {
            Ok(())
        } else {
            Err(DecodeError::Checksum {
                kind: Checksum::Header,
                expected: u32::from(self.stored_hcrc),
                actual: u32::from(actual),
            })
        }
    }

    /// Adds `input[from..to]` to the header CRC (nothing when `from >= to`).
    fn hash(&mut self, input: &[u8], from: usize, to: usize) {
        if let Some(bytes) = input.get(from..to) {
            self.crc.update(bytes);
        }
    }

    /// The step for the first optional field after the one of FLG bit `after` (0:
    /// after the fixed part): FEXTRA, FNAME, FCOMMENT, then FHCRC, then the end.
    fn next_field(&self, after: u8) -> Step {
        let present = |bit: u8| after < bit && self.flags & bit != 0;
        if present(FEXTRA) {
            Step::XlenLo
        } else if present(FNAME) {
            Step::Name
        } else if present(FCOMMENT) {
            Step::Comment
        } else if self.flags & FHCRC != 0 {
            Step::Hcrc0
        } else {
            Step::Done
        }
    }
}

/// Checks a member trailer against the CRC-32 and length of what was decoded.
///
/// # Errors
///
/// [`DecodeError::Checksum`] for a CRC-32 ([`Checksum::Content`]) or ISIZE
/// ([`Checksum::Length`]) mismatch.
pub(super) fn check_trailer(
    trailer: [u8; TRAILER_LEN],
    crc: u32,
    len: u64,
) -> Result<(), DecodeError> {
    let [c0, c1, c2, c3, s0, s1, s2, s3] = trailer;
    let stored_crc = u32::from_le_bytes([c0, c1, c2, c3]);
    let stored_len = u32::from_le_bytes([s0, s1, s2, s3]);
    if stored_crc != crc {
        return Err(DecodeError::Checksum {
            kind: Checksum::Content,
            expected: stored_crc,
            actual: crc,
        });
    }
    // ISIZE is the length modulo 2^32.
    let actual_len = len as u32;
    if stored_len != actual_len {
        return Err(DecodeError::Checksum {
            kind: Checksum::Length,
            expected: stored_len,
            actual: actual_len,
        });
    }
    Ok(())
}

/// The 10-byte gzip member header bufpress writes: no optional fields, MTIME 0, OS 255
/// ("unknown"), XFL from the compression `level` as gzip sets it.
pub const fn header(level: i32) -> [u8; HEADER_LEN] {
    let xfl = match level {
        9.. => 2,
        0 | 1 => 4,
        _ => 0,
    };
    [MAGIC[0], MAGIC[1], CM_DEFLATE, 0, 0, 0, 0, 0, xfl, 255]
}

/// The gzip member trailer for content with CRC-32 `crc` and length `len` (stored
/// modulo 2^32, as RFC 1952 says).
pub const fn trailer(crc: u32, len: u64) -> [u8; TRAILER_LEN] {
    let [c0, c1, c2, c3] = crc.to_le_bytes();
    let [s0, s1, s2, s3] = (len as u32).to_le_bytes();
    [c0, c1, c2, c3, s0, s1, s2, s3]
}
