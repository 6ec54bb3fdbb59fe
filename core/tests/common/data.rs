//! The core tests' data generator, shared by `lz4_support` and `deflate_support`
//! (`#[path]`-included): text, random, zeros, binary and mixed data of any length
//! from a seed, built with `bufpress-support`'s random generator.

use bufpress_support::rng::Rng;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Text,
    Random,
    Zeros,
    Binary,
    /// Text, random and runs, with chunks repeated from 1 to 100 KiB back (so linked
    /// blocks find matches in earlier blocks, some out of reach).
    Mixed,
}

pub(crate) const KINDS: [Kind; 5] = [
    Kind::Text,
    Kind::Random,
    Kind::Zeros,
    Kind::Binary,
    Kind::Mixed,
];

pub(crate) fn data(kind: Kind, len: usize, seed: u64) -> Vec<u8> {
    const WORDS: [&[u8]; 8] = [
        b"pool ", b"buffer ", b"frame ", b"sensor ", b"data\n", b"the ", b"of ", b"zero ",
    ];
    let mut rng = Rng::new(seed ^ kind as u64);
    let mut out = Vec::with_capacity(len + 64);
    while out.len() < len {
        match kind {
            Kind::Text => out.extend_from_slice(WORDS[rng.below(WORDS.len())]),
            Kind::Random => out.extend_from_slice(&rng.next_u64().to_le_bytes()),
            Kind::Zeros => out.push(0),
            Kind::Binary => {
                let t = out.len() as u32 * 10 + rng.below(3) as u32;
                out.extend_from_slice(&t.to_le_bytes());
            }
            Kind::Mixed => {
                let n = 1 + rng.below(300);
                match rng.below(4) {
                    0 if out.len() > 1000 => {
                        let back = 1 + rng.below(out.len().min(100_000));
                        let from = out.len() - back;
                        for i in 0..n {
                            out.push(out[from + i % back]);
                        }
                    }
                    1 => out.extend((0..n).map(|_| rng.next_u64() as u8)),
                    2 => out.extend(std::iter::repeat_n(rng.next_u64() as u8, n)),
                    _ => (0..n / 4).for_each(|_| out.extend_from_slice(WORDS[rng.below(8)])),
                }
            }
        }
    }
    out.truncate(len);
    out
}
