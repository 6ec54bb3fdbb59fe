//! A user can implement `codec::Output`. One that lies (a `capacity` that changes,
//! spare slices of varying lengths, `try_spare_capacity_mut(n)` slices too, `commit`
//! that accepts anything, a `len` that goes backwards) may get wrong bytes or an error
//! back, but no codec may panic or loop forever on it (the codecs' one `unsafe`
//! module, lz4's `fast.rs`, sees only the slices handed out, so a panic is the worst
//! they could do).

use std::panic::{AssertUnwindSafe, catch_unwind};

use bufpress::codec::deflate::{self, DecoderState, EncoderState, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize, FrameSettings};
use bufpress::codec::{self, Decode, Encode, Output};
use bufpress::error::CapacityError;
use bufpress_tests::rng::Rng;

/// An output whose every answer is drawn from a random generator.
struct Liar {
    mem: Vec<u8>,
    len: usize,
    rng: Rng,
    /// Whether `commit` may also move the length backwards.
    backwards: bool,
}

impl Liar {
    fn new(seed: u64, backwards: bool) -> Self {
        Self {
            mem: vec![0; 1 << 17],
            len: 0,
            rng: Rng::new(seed),
            backwards,
        }
    }
    fn any(&mut self, max: usize) -> usize {
        (self.rng.next_u64() % (max as u64 + 1)) as usize
    }
}

impl Output for Liar {
    fn len(&self) -> usize {
        self.len
    }
    fn capacity(&self) -> usize {
        // Lies without `&mut`: derive it from the length.
        match self.len % 3 {
            0 => self.mem.len(),
            1 => self.len / 2,
            _ => usize::MAX,
        }
    }
    fn as_slice(&self) -> &[u8] {
        &self.mem[..self.len.min(self.mem.len())]
    }
    fn filled_and_spare_mut(&mut self) -> &mut [u8] {
        let n = self.any(self.mem.len());
        &mut self.mem[..n]
    }
    fn spare_capacity_mut(&mut self) -> &mut [u8] {
        let n = self.any(70_000);
        &mut self.mem[..n]
    }
    fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        // Fewer, exactly, or more than `n` bytes, or an error.
        match self.any(3) {
            0 => Err(CapacityError::new(0, 0)),
            1 => Ok(&mut self.mem[..n.min(1 << 17)]),
            _ => {
                let k = self.any((n + 64).min(1 << 17));
                Ok(&mut self.mem[..k])
            }
        }
    }
    fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        match self.any(3) {
            0 => Err(CapacityError::new(0, 0)),
            1 => {
                if self.backwards {
                    self.len = self.any(self.mem.len());
                } else {
                    let extra = self.any(100);
                    self.len = self.len.saturating_add(n).saturating_add(extra);
                }
                Ok(())
            }
            _ => {
                self.len = self.len.saturating_add(n);
                Ok(())
            }
        }
    }
    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

/// A format's name, encoder and decoder.
type Stream = (&'static str, Box<dyn Encode>, Box<dyn Decode>);

fn streams() -> Vec<Stream> {
    const EM: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
    const DM: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
    let mut enc = Box::new(lz4::Encoder::<EM>::new());
    enc.set_settings(FrameSettings::new().with_block_mode(BlockMode::Linked))
        .unwrap();
    let mut v: Vec<Stream> = vec![("lz4", enc, Box::new(lz4::Decoder::<DM>::new()))];
    for f in [Format::Raw, Format::Zlib, Format::Gzip] {
        v.push((
            "deflate",
            Box::new(deflate::Encoder::new(f, 6, Box::new(<EncoderState>::new())).unwrap()),
            Box::new(deflate::Decoder::new(f, Box::new(DecoderState::new()))),
        ));
        v.push((
            "flate2",
            Box::new(bufpress_std::flate::Encoder::new(f, 6).unwrap()),
            Box::new(bufpress_std::flate::Decoder::new(f)),
        ));
    }
    let settings = bufpress_std::zstd::Settings::new(3, 50_000);
    v.push((
        "zstd core",
        Box::new(bufpress_std::zstd::Encoder::new(settings).unwrap()),
        Box::new(codec::zstd::Decoder::new(1 << 17)),
    ));
    v.push((
        "zstd std",
        Box::new(bufpress_std::zstd::Encoder::new(settings).unwrap()),
        Box::new(bufpress_std::zstd::Decoder::new(1 << 17)),
    ));
    v
}

/// Spare slices shorter or longer than `capacity - len`, a `capacity` that changes,
/// `commit` that fails at random or adds more than asked.
#[test]
fn lying_outputs_never_panic() {
    run(false);
}

/// The same, and `commit` that moves the length backwards.
#[test]
fn length_going_backwards_never_panics() {
    run(true);
}

fn run(backwards: bool) {
    let mut failures = Vec::new();
    let mut rng = Rng::new(14);
    let msg: Vec<u8> = (0..40_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 1000) as u8)
        .collect();
    for (name, mut enc, mut dec) in streams() {
        // A valid stream, made with an honest output.
        let mut honest = Vec::with_capacity(1 << 17);
        codec::encode_into(&mut *enc, &msg, &mut codec::VecOutput::new(&mut honest)).unwrap();
        for seed in 0..200u64 {
            let mut out = Liar::new(seed ^ rng.next_u64(), backwards);
            let r = catch_unwind(AssertUnwindSafe(|| {
                let _ = codec::encode_into(
                    &mut *enc,
                    &msg[..(seed as usize * 197) % msg.len()],
                    &mut out,
                );
                enc.reset();
                for _ in 0..50 {
                    if enc.encode(&msg[..1000], &mut out).is_err() {
                        break;
                    }
                    if enc.flush(&mut out).is_err() {
                        break;
                    }
                }
                let _ = enc.finish(&mut out);
                let _ = codec::decode_into(&mut *dec, &honest, &mut out);
                dec.reset();
                let mut rest = &honest[..];
                for _ in 0..200 {
                    match dec.decode(rest, &mut out) {
                        Ok(p) => rest = &rest[p.consumed..],
                        Err(_) => break,
                    }
                }
            }));
            if let Err(e) = r {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                failures.push(format!("{name} seed {seed}: {msg:?}"));
                break;
            }
            enc.reset();
            dec.reset();
        }
    }
    // The one-shot calls of each format, too.
    for seed in 0..200u64 {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let mut out = Liar::new(seed, backwards);
            let mut table = Box::new(lz4::Table::new());
            let _ = lz4::compress_frame_into(&msg, &mut out, &FrameSettings::new(), &mut table);
            let mut honest = Vec::with_capacity(1 << 17);
            let n = lz4::compress_frame_into(
                &msg,
                &mut codec::VecOutput::new(&mut honest),
                &FrameSettings::new(),
                &mut table,
            )
            .unwrap();
            let _ = lz4::decompress_frame_into(&honest[..n], &mut out);
            let _ = lz4::compress_into(&msg, &mut out, &mut table);
            honest.clear();
            lz4::compress_into(&msg, &mut codec::VecOutput::new(&mut honest), &mut table).unwrap();
            let _ = lz4::decompress_into(&honest, &mut out);
            let mut es = Box::new(<EncoderState>::new());
            let mut is = Box::new(deflate::InflateState::new());
            let _ = deflate::compress_into(&msg, &mut out, Format::Gzip, 6, &mut es);
            honest.clear();
            deflate::compress_into(
                &msg,
                &mut codec::VecOutput::new(&mut honest),
                Format::Gzip,
                6,
                &mut es,
            )
            .unwrap();
            let _ = deflate::decompress_into(&honest, &mut out, Format::Gzip, &mut is);
        }));
        if r.is_err() {
            failures.push(format!("one-shot seed {seed}"));
            break;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
