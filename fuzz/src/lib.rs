//! What every fuzz target checks, written once.
//!
//! - [`one_shot`]: a one-shot call appends exactly what it reports (nothing on an
//!   error) and leaves the bytes before it alone, so a reused buffer never shows an
//!   earlier message's bytes as this one's.
//! - [`stream`]: a streaming decoder fed in pieces of fuzzer-chosen sizes into
//!   buffers of a fuzzer-chosen capacity: progress is consistent, the output never
//!   exceeds the limit, it agrees with the one-shot result, and it cannot loop.
//! - [`Pieces`]: the piece sizes, from a few bytes of the input.

use bufpress::codec::{Decode, DecodeError, Status};
use bufpress::pool::{Buf, PoolRef};

/// Piece sizes taken from a seed (1 to 256 bytes, then repeating).
#[derive(Debug, Clone, Copy)]
pub struct Pieces {
    seed: u64,
}

impl Pieces {
    /// Piece sizes from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed: seed | 1 }
    }

    /// The next piece size.
    pub fn next_len(&mut self) -> usize {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        1 + (self.seed % 256) as usize
    }
}

/// Splits a fuzz input into a control word and the data.
pub fn split(data: &[u8]) -> (u64, &[u8]) {
    match data {
        [a, b, c, d, rest @ ..] => (u64::from(u32::from_le_bytes([*a, *b, *c, *d])), rest),
        _ => (0, data),
    }
}

/// Runs a one-shot call `f` on `out` after putting a marker prefix in it, and checks
/// the buffer afterwards; returns the call's result.
pub fn one_shot<E>(
    out: &mut Buf<'_>,
    prefix: usize,
    f: impl FnOnce(&mut Buf<'_>) -> Result<usize, E>,
) -> Result<usize, E> {
    out.clear();
    let prefix = prefix.min(out.capacity());
    for i in 0..prefix {
        out.push(i as u8 ^ 0xa5).unwrap();
    }
    let result = f(out);
    match &result {
        Ok(n) => assert_eq!(out.len(), prefix + n, "appended what it reports"),
        Err(_) => assert_eq!(out.len(), prefix, "an error appends nothing"),
    }
    assert!(out.len() <= out.capacity());
    for (i, b) in out[..prefix].iter().enumerate() {
        assert_eq!(
            *b,
            i as u8 ^ 0xa5,
            "the bytes before the call are untouched"
        );
    }
    result
}

/// Feeds `input` to `decoder` in pieces into buffers from `pool`, stream after stream
/// (a reset after each end) until the input ends; returns the decoded bytes (bounded by
/// `limit`) or the error. Every buffer returns to `pool`.
pub fn stream<D: Decode + ?Sized>(
    decoder: &mut D,
    input: &[u8],
    pool: PoolRef<'_>,
    pieces: Pieces,
    limit: usize,
) -> Result<Vec<u8>, DecodeError> {
    stream_checked(decoder, input, pool, pieces, limit, true)
}

/// [`stream`] for a decoder that bounds its window but not its output (libzstd's): a
/// frame with a small window may decode to more than `limit` bytes, so only the total
/// is bounded (the comparison stops past `limit`), not each stream.
pub fn stream_window_limited<D: Decode + ?Sized>(
    decoder: &mut D,
    input: &[u8],
    pool: PoolRef<'_>,
    pieces: Pieces,
    limit: usize,
) -> Result<Vec<u8>, DecodeError> {
    stream_checked(decoder, input, pool, pieces, limit, false)
}

fn stream_checked<D: Decode + ?Sized>(
    decoder: &mut D,
    input: &[u8],
    pool: PoolRef<'_>,
    mut pieces: Pieces,
    limit: usize,
    limits_each_stream: bool,
) -> Result<Vec<u8>, DecodeError> {
    decoder.reset();
    let mut decoded = Vec::new();
    let mut at = 0;
    let mut out = pool.try_acquire().expect("a buffer per stream");
    // Where the current stream's output began (the decoder's limit is per stream).
    let mut stream_start = 0;
    // Every call consumes, produces, or ends; a bound on calls catches a loop.
    let mut calls = 0usize;
    loop {
        calls += 1;
        assert!(calls < 4 * (input.len() + limit) + 64, "no progress");
        let end = (at + pieces.next_len()).min(input.len());
        let given = end - at;
        let before = out.len();
        let p = decoder.decode(&input[at..end], &mut out);
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                assert_eq!(out.len(), before, "an error appends nothing");
                return Err(e);
            }
        };
        assert!(p.consumed <= given);
        assert_eq!(out.len(), before + p.produced);
        at += p.consumed;
        match p.status {
            Status::OutputFull => {
                assert_eq!(out.remaining(), 0);
                decoded.extend_from_slice(&out);
                out.clear();
            }
            // Frames in a row, as the one-shot calls take them: the next one starts
            // where this one ended.
            Status::Done if at < input.len() => {
                decoder.reset();
                stream_start = decoded.len() + out.len();
            }
            Status::Done => break,
            Status::NeedInput => {
                assert_eq!(p.consumed, given, "NeedInput means all input was taken");
                // The input ended and the call with none (which says so) wants more.
                if given == 0 {
                    decoded.extend_from_slice(&out);
                    return Err(DecodeError::Truncated);
                }
            }
        }
        let total = decoded.len() + out.len();
        if limits_each_stream {
            assert!(total - stream_start <= limit, "output within the limit");
        }
        if total > limit {
            // Streams in a row past what the one-shot buffer holds: stop comparing.
            return Err(DecodeError::LimitExceeded {
                limit: limit as u64,
                needed: None,
            });
        }
    }
    decoded.extend_from_slice(&out);
    Ok(decoded)
}

/// What [`lz4_reference`] says a block decodes to.
#[derive(Debug, PartialEq, Eq)]
pub enum Lz4Outcome {
    /// The decoded bytes.
    Ok(Vec<u8>),
    /// More than `cap` bytes.
    TooSmall,
    /// Not a valid block.
    Corrupt,
}

/// The lz4 block format one byte at a time, with `cap` bytes of room: the oracle
/// for bufpress's unchecked decoder (`codec/lz4/fast.rs`), with its checks in the
/// same order (input bounds, then output room; offset, then match room).
pub fn lz4_reference(input: &[u8], cap: usize) -> Lz4Outcome {
    fn ext(input: &[u8], i: &mut usize) -> Option<usize> {
        let mut n = 0usize;
        loop {
            let b = *input.get(*i)?;
            *i += 1;
            n = n.saturating_add(b as usize);
            if b != 255 {
                return Some(n);
            }
        }
    }
    if input.is_empty() {
        return Lz4Outcome::Corrupt;
    }
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let Some(&token) = input.get(i) else {
            return Lz4Outcome::Corrupt;
        };
        i += 1;
        let mut lit = (token >> 4) as usize;
        if lit == 15 {
            match ext(input, &mut i) {
                Some(n) => lit = lit.saturating_add(n),
                None => return Lz4Outcome::Corrupt,
            }
        }
        if lit > input.len() - i {
            return Lz4Outcome::Corrupt;
        }
        if lit > cap - out.len() {
            return Lz4Outcome::TooSmall;
        }
        out.extend_from_slice(&input[i..i + lit]);
        i += lit;
        if i == input.len() {
            return Lz4Outcome::Ok(out);
        }
        if input.len() - i < 2 {
            return Lz4Outcome::Corrupt;
        }
        let offset = u16::from_le_bytes([input[i], input[i + 1]]) as usize;
        i += 2;
        let mut ml = (token & 15) as usize + 4;
        if ml == 19 {
            match ext(input, &mut i) {
                Some(n) => ml = ml.saturating_add(n),
                None => return Lz4Outcome::Corrupt,
            }
        }
        if offset == 0 || offset > out.len() {
            return Lz4Outcome::Corrupt;
        }
        if ml > cap - out.len() {
            return Lz4Outcome::TooSmall;
        }
        for _ in 0..ml {
            out.push(out[out.len() - offset]);
        }
    }
}
