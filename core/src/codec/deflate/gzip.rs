//! The gzip wrapper (RFC 1952): an incremental member-header parser, the header that
//! the encoder writes, and the trailer (CRC-32, ISIZE).

use crate::codec::{Checksum, DecodeError};

/// The two magic bytes of a gzip member.
pub(super) const MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Compression method 8: deflate.
const CM_DEFLATE: u8 = 8;
/// FLG bits.
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
    crc: crc32fast::Hasher,
    /// Set when the magic's first byte was seen at the end of a piece right after a
    /// member: a second byte other than 0x8b then ends the stream instead of failing.
    speculative: bool,
}

/// What [`HeaderParser::parse`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Parsed {
    /// The header is complete after `consumed` bytes.
    Complete(usize),
    /// All input was consumed and the header goes on.
    Partial,
    /// A speculative member start turned out not to be one: nothing more was consumed.
    NotAMember,
}

impl HeaderParser {
    pub(super) fn new() -> Self {
        Self {
            step: Step::Id1,
            flags: 0,
            xlen: 0,
            stored_hcrc: 0,
            crc: crc32fast::Hasher::new(),
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
    pub(super) fn parse(&mut self, input: &[u8]) -> Result<Parsed, DecodeError> {
        let mut i = 0;
        // `input[hashed..i]` are header bytes not yet added to the FHCRC.
        let mut hashed = 0;
        loop {
            let rest = input.get(i..).unwrap_or_default();
            match self.step {
                Step::Done => break,
                Step::Extra(left) => {
                    let take = rest.len().min(usize::from(left));
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
                    let Some(nul) = rest.iter().position(|&b| b == 0) else {
                        self.hash(input, hashed, input.len());
                        return Ok(Parsed::Partial);
                    };
                    i += nul + 1;
                    let bit = if self.step == Step::Name {
                        FNAME
                    } else {
                        FCOMMENT
                    };
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
                    return Ok(Parsed::NotAMember);
                }
                Step::Id2 => self.magic(byte, 1)?,
                Step::Method if byte != CM_DEFLATE => return Err(DecodeError::Unsupported),
                Step::Method => Step::Flags,
                Step::Flags if byte & RESERVED != 0 => return Err(DecodeError::Reserved),
                Step::Flags => {
                    self.flags = byte;
                    Step::Fixed(6)
                }
                Step::Fixed(n) if n > 1 => Step::Fixed(n - 1),
                Step::Fixed(_) => self.next_field(0),
                Step::XlenLo => {
                    self.xlen = u16::from(byte);
                    Step::XlenHi
                }
                Step::XlenHi => {
                    let xlen = self.xlen | (u16::from(byte) << 8);
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
                    Step::Done
                }
                // Handled above.
                Step::Extra(_) | Step::Name | Step::Comment | Step::Done => self.step,
            };
            i += 1;
        }
        self.hash(input, hashed, i);
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
pub const fn header(level: u8) -> [u8; HEADER_LEN] {
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
