//! Deterministic test data of several kinds, so codec tests, property tests,
//! benchmarks and `bufpress bench` see realistic mixes without shipping files. The
//! same `(kind, len, seed)` gives the same bytes on every machine.

use crate::rng::Rng;

/// The kinds of data the tests compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// English-like text from a small vocabulary.
    Text,
    /// JSON records.
    Json,
    /// Binary: little-endian integers with structure (like telemetry).
    Binary,
    /// Incompressible random bytes.
    Random,
    /// One repeated byte (highly compressible; bomb-like).
    Zeros,
}

/// Every kind.
pub const KINDS: [Kind; 5] = [
    Kind::Text,
    Kind::Json,
    Kind::Binary,
    Kind::Random,
    Kind::Zeros,
];

const WORDS: [&str; 24] = [
    "the",
    "buffer",
    "pool",
    "returns",
    "exactly",
    "one",
    "frame",
    "of",
    "sensor",
    "data",
    "and",
    "compresses",
    "it",
    "without",
    "allocation",
    "while",
    "interrupts",
    "wait",
    "for",
    "a",
    "free",
    "block",
    "in",
    "memory",
];

/// `len` bytes of `kind`, the same for the same `(kind, len, seed)`.
pub fn make(kind: Kind, len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ (kind as u64 + 1).wrapping_mul(0x9E37_79B9));
    let mut out = Vec::with_capacity(len + 64);
    match kind {
        Kind::Text => {
            while out.len() < len {
                out.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
                out.push(if rng.below(12) == 0 { b'\n' } else { b' ' });
            }
        }
        Kind::Json => {
            let mut id = 0u64;
            while out.len() < len {
                id += 1;
                let rec = format!(
                    "{{\"id\":{id},\"name\":\"{}\",\"temp\":{}.{},\"ok\":{}}}\n",
                    WORDS[rng.below(WORDS.len())],
                    rng.below(40),
                    rng.below(10),
                    rng.below(2) == 1
                );
                out.extend_from_slice(rec.as_bytes());
            }
        }
        Kind::Binary => {
            let mut t = 0u32;
            while out.len() < len {
                t = t.wrapping_add(10 + rng.below(3) as u32);
                out.extend_from_slice(&t.to_le_bytes());
                out.extend_from_slice(&(1000 + rng.below(50) as u16).to_le_bytes());
                out.extend_from_slice(&[0, rng.below(4) as u8]);
            }
        }
        Kind::Random => {
            while out.len() < len {
                out.extend_from_slice(&rng.next_u64().to_le_bytes());
            }
        }
        Kind::Zeros => out.resize(len, 0),
    }
    out.truncate(len);
    out
}

/// `len` bytes of `kinds` in 4 KiB turns (turn `i` is `make(kind, 4096, seed + i)`).
pub fn turns(kinds: &[Kind], len: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut i = 0u64;
    while out.len() < len {
        let kind = kinds[i as usize % kinds.len()];
        out.extend_from_slice(&make(kind, 4096.min(len - out.len()), seed + i));
        i += 1;
    }
    out
}

/// A mix of every kind but zeros, `len` bytes: text, JSON, binary and random in turns.
pub fn mixed(len: usize, seed: u64) -> Vec<u8> {
    turns(
        &[Kind::Text, Kind::Json, Kind::Binary, Kind::Random],
        len,
        seed,
    )
}

/// Compressible data, `len` bytes: text, JSON and binary telemetry in 4 KiB turns
/// (the built-in corpus of `bufpress bench`).
pub fn compressible(len: usize, seed: u64) -> Vec<u8> {
    turns(&[Kind::Text, Kind::Json, Kind::Binary], len, seed)
}
