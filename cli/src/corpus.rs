//! The built-in corpus of `bufpress bench`: deterministic text, JSON records and
//! binary telemetry in 4 KiB turns, so the benchmark runs on a fresh machine.

const WORDS: [&str; 32] = [
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
    "kernel",
    "server",
    "message",
    "queue",
    "checksum",
    "window",
    "stream",
    "header",
];

/// A small xorshift generator: the same corpus on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn text(rng: &mut Rng, out: &mut Vec<u8>, end: usize) {
    while out.len() < end {
        out.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
        out.push(if rng.below(12) == 0 { b'\n' } else { b' ' });
    }
}

fn json(rng: &mut Rng, out: &mut Vec<u8>, end: usize, id: &mut u64) {
    use std::io::Write as _;
    while out.len() < end {
        *id += 1;
        let _ = writeln!(
            out,
            "{{\"id\":{id},\"name\":\"{}\",\"temp\":{}.{},\"ok\":{},\"tags\":[\"{}\",\"{}\"]}}",
            WORDS[rng.below(WORDS.len())],
            rng.below(40),
            rng.below(10),
            rng.below(2) == 1,
            WORDS[rng.below(WORDS.len())],
            WORDS[rng.below(WORDS.len())],
        );
    }
}

fn binary(rng: &mut Rng, out: &mut Vec<u8>, end: usize, t: &mut u32) {
    while out.len() < end {
        *t = t.wrapping_add(10 + rng.below(3) as u32);
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&(1000 + rng.below(50) as u16).to_le_bytes());
        out.extend_from_slice(&[rng.below(4) as u8, (rng.next() >> 56) as u8]);
    }
}

/// `len` bytes of text, JSON and binary in 4 KiB turns.
pub(crate) fn mixed(len: usize) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(len + 256);
    let (mut id, mut t) = (0u64, 0u32);
    let mut turn = 0;
    while out.len() < len {
        let end = (out.len() + 4096).min(len);
        match turn % 3 {
            0 => text(&mut rng, &mut out, end),
            1 => json(&mut rng, &mut out, end, &mut id),
            _ => binary(&mut rng, &mut out, end, &mut t),
        }
        out.truncate(end);
        turn += 1;
    }
    out
}
