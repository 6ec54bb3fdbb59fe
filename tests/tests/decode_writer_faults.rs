//! The decompressing writers of `bufpress-std` (`DecodeWriter` over any codec, and
//! `zstd::DecodeWriter`) over an inner writer that misbehaves at random, call by
//! call: it fails (having written nothing), returns `Ok(0)`, returns `Interrupted`,
//! takes one byte or a few, or panics (having written nothing). A caller that keeps
//! the `io::Write` contract (an `Err` took nothing: the same bytes again; `Ok(n)`:
//! the next `n` bytes went in) and retries `flush` and `try_finish` must get the
//! content in the inner writer exactly, each byte once, for every schedule of faults.
//! The compressed input comes in pieces of random size, empty ones included.

use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{self, Decode, Encode};
use bufpress::pool::Pool;
use bufpress_tests::corpus;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
// One pool per test (they run in parallel), to see every buffer go back.
static STAGING: Pool<4, 97> = Pool::new();
static ZSTAGING: Pool<4, 97> = Pool::new();

/// xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// An inner writer that misbehaves at random (never after writing something).
struct Chaos {
    out: Vec<u8>,
    rng: Rng,
    /// Out of 100 calls, about how many misbehave.
    rate: usize,
    panics: bool,
    flush_fails: bool,
}

impl Chaos {
    fn new(seed: u64, rate: usize, panics: bool) -> Self {
        Self {
            out: Vec::new(),
            rng: Rng(seed | 1),
            rate,
            panics,
            flush_fails: true,
        }
    }
}

impl Write for Chaos {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.rng.below(100) < self.rate {
            match self.rng.below(4) {
                0 => return Err(io::ErrorKind::TimedOut.into()),
                1 => return Ok(0),
                2 => return Err(io::ErrorKind::Interrupted.into()),
                _ if self.panics => panic!("the inner writer panics"),
                _ => return Err(io::ErrorKind::BrokenPipe.into()),
            }
        }
        let n = match self.rng.below(3) {
            0 => 1,
            1 => 1 + self.rng.below(7),
            _ => data.len(),
        }
        .min(data.len());
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.flush_fails && self.rng.below(100) < self.rate {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(())
    }
}

/// Calls `f`, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&"the inner writer panics") {
                default(info);
            }
        }));
    });
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(io::Error::other("panicked")))
}

/// Drives `w` with `packed` in random pieces (empty ones too), retrying the same
/// bytes after every error, flushing now and then, and retrying `try_finish` at the
/// end until it succeeds.
fn drive<W>(
    w: &mut W,
    packed: &[u8],
    rng: &mut Rng,
    write: impl Fn(&mut W, &[u8]) -> io::Result<usize>,
    flush: impl Fn(&mut W) -> io::Result<()>,
    finish: impl Fn(&mut W) -> io::Result<()>,
) {
    let mut at = 0;
    let mut errors = 0;
    while at < packed.len() {
        let len = match rng.below(4) {
            0 => 0,
            1 => 1,
            2 => rng.below(40),
            _ => rng.below(3000),
        };
        let piece = &packed[at..(at + len).min(packed.len())];
        match guarded(|| write(w, piece)) {
            Ok(n) => {
                assert!(n <= piece.len(), "wrote {n} of {}", piece.len());
                if !piece.is_empty() && n == 0 {
                    errors += 1;
                }
                at += n;
            }
            Err(e) => {
                assert_ne!(e.kind(), io::ErrorKind::InvalidData, "{e}");
                assert_ne!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
                errors += 1;
            }
        }
        assert!(errors < 100_000, "no progress");
        if rng.below(20) == 0 {
            // A flush may fail; calling again later goes on.
            let _ = guarded(|| flush(w));
        }
    }
    while let Err(e) = guarded(|| finish(w)) {
        assert_ne!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        assert_ne!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
        errors += 1;
        assert!(errors < 100_000, "try_finish makes no progress");
    }
}

fn lz4_packed(msg: &[u8]) -> Vec<u8> {
    let mut encoder = Box::new(lz4::Encoder::<ENC>::new());
    encoder.reset();
    let mut packed = Vec::with_capacity(msg.len() + msg.len() / 64 + 1024);
    codec::encode_into(&mut *encoder, msg, &mut codec::VecOutput::new(&mut packed))
        .expect("encodes");
    packed
}

fn zstd_frame(msg: &[u8], level: i32) -> Vec<u8> {
    let mut ctx =
        bufpress_std::zstd::Encoder::new(bufpress_std::zstd::Settings::new(level, 1 << 16))
            .expect("ctx");
    let mut packed = Vec::with_capacity(msg.len() + msg.len() / 64 + 1024);
    codec::encode_into(&mut ctx, msg, &mut codec::VecOutput::new(&mut packed)).expect("encodes");
    packed
}

#[test]
fn generic_decode_writer_under_random_faults_writes_the_content_once() {
    let mut decoder = Box::new(lz4::Decoder::<DEC>::new());
    for seed in 1..60u64 {
        let msg = corpus::mixed(3000 + 997 * seed as usize % 20_000, seed);
        let packed = lz4_packed(&msg);
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let chaos = Chaos::new(seed, (seed % 5 * 10) as usize, false);
        decoder.reset();
        let mut w =
            bufpress_std::DecodeWriter::new(chaos, &mut *decoder, STAGING.try_acquire().unwrap());
        drive(
            &mut w,
            &packed,
            &mut rng,
            |w, d| w.write(d),
            |w| w.flush(),
            |w| w.try_finish(),
        );
        assert!(w.is_done());
        let out = w.into_parts().0.out;
        assert_eq!(out.len(), msg.len(), "seed {seed}");
        assert!(out == msg, "seed {seed}: the content, each byte once");
    }
    assert_eq!(
        STAGING.stats().available,
        4,
        "every staging buffer went back"
    );
}

#[test]
fn zstd_decode_writer_under_random_faults_writes_the_content_once() {
    let mut dctx = bufpress_std::zstd::Decoder::new(1 << 17);
    for seed in 1..60u64 {
        // Several frames in a row, an empty one among them.
        let parts = [
            corpus::mixed(2000 + 997 * seed as usize % 20_000, seed),
            Vec::new(),
            corpus::mixed(5000, seed + 100),
        ];
        let packed: Vec<u8> = parts.iter().flat_map(|m| zstd_frame(m, 3)).collect();
        let msg = parts.concat();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let chaos = Chaos::new(seed, (seed % 5 * 10) as usize, false);
        let mut w = bufpress_std::zstd::DecodeWriter::new(
            chaos,
            &mut dctx,
            ZSTAGING.try_acquire().unwrap(),
        );
        drive(
            &mut w,
            &packed,
            &mut rng,
            |w, d| w.write(d),
            |w| w.flush(),
            |w| w.try_finish(),
        );
        let out = w.into_parts().0.out;
        assert_eq!(out.len(), msg.len(), "seed {seed}");
        assert!(out == msg, "seed {seed}: the content, each byte once");
    }
    assert_eq!(
        ZSTAGING.stats().available,
        4,
        "every staging buffer went back"
    );
}

/// After the inner writer panicked (the caller cannot know how much of its data a
/// `write` took then), `reset` with a new inner writer starts over, and the staging
/// buffer goes back to its pool when the writer is dropped.
#[test]
fn decode_writers_after_an_inner_panic_reset_and_start_over() {
    static PANIC_STAGING: Pool<2, 97> = Pool::new();
    let msg = corpus::mixed(30_000, 9);
    let lz = lz4_packed(&msg);
    let zs = zstd_frame(&msg, 3);
    let mut decoder = Box::new(lz4::Decoder::<DEC>::new());
    let mut dctx = bufpress_std::zstd::Decoder::new(1 << 17);
    for seed in 1..30u64 {
        let mut rng = Rng(seed | 1);
        decoder.reset();
        let mut g = bufpress_std::DecodeWriter::new(
            Chaos::new(seed, 30, true),
            &mut *decoder,
            PANIC_STAGING.try_acquire().unwrap(),
        );
        let mut z = bufpress_std::zstd::DecodeWriter::new(
            Chaos::new(seed, 30, true),
            &mut dctx,
            PANIC_STAGING.try_acquire().unwrap(),
        );
        // Feed until the first panic (or the end).
        let mut panicked = [false; 2];
        for piece in lz.chunks(1 + rng.below(500)) {
            if catch_unwind(AssertUnwindSafe(|| g.write_all(piece))).is_err() {
                panicked[0] = true;
                break;
            }
        }
        for piece in zs.chunks(1 + rng.below(500)) {
            if catch_unwind(AssertUnwindSafe(|| z.write_all(piece))).is_err() {
                panicked[1] = true;
                break;
            }
        }
        // Whatever happened, calls after it do not panic by themselves (the inner
        // writer may: it is told not to now).
        g.get_mut().panics = false;
        z.get_mut().panics = false;
        let _ = g.flush();
        let _ = z.flush();
        // Start over, into a well-behaved writer.
        let mut good = Chaos::new(seed, 0, false);
        good.flush_fails = false;
        g.reset(good);
        let mut good = Chaos::new(seed, 0, false);
        good.flush_fails = false;
        z.reset(good);
        g.write_all(&lz).unwrap();
        g.try_finish().unwrap();
        z.write_all(&zs).unwrap();
        z.try_finish().unwrap();
        assert!(g.get_ref().out == msg, "seed {seed}, {panicked:?}");
        assert!(z.get_ref().out == msg, "seed {seed}, {panicked:?}");
        drop((g, z));
        assert_eq!(PANIC_STAGING.stats().available, 2, "the buffers went back");
    }
}

/// A gzip stream of two members through the generic `DecodeWriter` (core's deflate
/// decoder reads every member of a gzip stream): the outcome must not depend on where
/// the caller's writes are cut, nor on a `flush` between the members (a flush passes
/// the output on; it does not end the input).
#[test]
fn generic_decode_writer_two_gzip_members_any_cut() {
    use bufpress::codec::deflate::{Decoder, DecoderState, Format};
    let gz = |m: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(m).unwrap();
        e.finish().unwrap()
    };
    let (a, b) = (corpus::mixed(3000, 1), corpus::mixed(2000, 2));
    let first = gz(&a);
    let packed = [first.clone(), gz(&b)].concat();
    let msg = [a, b].concat();
    let mut outcomes = Vec::new();
    for cut in [first.len() - 1, first.len(), first.len() + 1, packed.len()] {
        let dec = Decoder::new(Format::Gzip, Box::new(DecoderState::new()));
        let mut w =
            bufpress_std::DecodeWriter::new(Vec::new(), dec, STAGING.try_acquire().unwrap());
        let r = w
            .write_all(&packed[..cut])
            .and_then(|()| w.write_all(&packed[cut..]))
            .and_then(|()| w.try_finish());
        outcomes.push((cut, r.map_err(|e| e.to_string()), w.get_ref() == &msg));
        let dec = Decoder::new(Format::Gzip, Box::new(DecoderState::new()));
        let mut w =
            bufpress_std::DecodeWriter::new(Vec::new(), dec, STAGING.try_acquire().unwrap());
        let r = w
            .write_all(&packed[..cut])
            .and_then(|()| w.flush())
            .and_then(|()| w.write_all(&packed[cut..]))
            .and_then(|()| w.try_finish());
        outcomes.push((cut, r.map_err(|e| e.to_string()), w.get_ref() == &msg));
    }
    assert!(
        outcomes.iter().all(|(_, r, same)| r.is_ok() && *same),
        "{outcomes:?}"
    );
}

/// The same for the generic `DecodeReader`: a gzip stream of two members read
/// through an inner reader whose first buffer ends exactly at the first member's end
/// must give both members (as when the buffer ends anywhere else), not stop after the
/// first one with no error.
#[test]
fn generic_decode_reader_two_gzip_members_any_cut() {
    use bufpress::codec::deflate::{Decoder, DecoderState, Format};
    use std::io::Read;
    let gz = |m: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(m).unwrap();
        e.finish().unwrap()
    };
    let (a, b) = (corpus::mixed(3000, 1), corpus::mixed(2000, 2));
    let (first, second) = (gz(&a), gz(&b));
    let msg = [a, b].concat();
    let mut outcomes = Vec::new();
    for cut in [first.len() - 1, first.len(), first.len() + 1] {
        let packed = [&first[..], &second[..]].concat();
        let (x, y) = packed.split_at(cut);
        let dec = Decoder::new(Format::Gzip, Box::new(DecoderState::new()));
        let mut r =
            bufpress_std::DecodeReader::new(x.chain(y), dec, STAGING.try_acquire().unwrap());
        let mut out = Vec::new();
        let res = r.read_to_end(&mut out).map_err(|e| e.to_string());
        outcomes.push((cut, res, out == msg));
    }
    assert!(
        outcomes.iter().all(|(_, r, same)| r.is_ok() && *same),
        "{outcomes:?}"
    );
}

/// `try_finish` before the end says the stream is truncated (`UnexpectedEof`), keeps
/// everything decoded so far in the inner writer, and writing the rest then finishes
/// the stream (the generic writer; the zstd writer fails from then on until `reset`,
/// its documented behaviour for a decoding error).
#[test]
fn try_finish_before_the_end_then_the_rest() {
    let msg = corpus::mixed(20_000, 4);
    let packed = lz4_packed(&msg);
    let mut decoder = Box::new(lz4::Decoder::<DEC>::new());
    decoder.reset();
    let mut w =
        bufpress_std::DecodeWriter::new(Vec::new(), &mut *decoder, STAGING.try_acquire().unwrap());
    let half = packed.len() / 2;
    w.write_all(&packed[..half]).unwrap();
    let e = w.try_finish().unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
    assert!(msg.starts_with(w.get_ref()));
    w.write_all(&packed[half..]).unwrap();
    w.try_finish().unwrap();
    assert!(w.get_ref() == &msg);

    let zs = zstd_frame(&msg, 3);
    let mut dctx = bufpress_std::zstd::Decoder::new(1 << 17);
    let mut z = bufpress_std::zstd::DecodeWriter::new(
        Vec::new(),
        &mut dctx,
        ZSTAGING.try_acquire().unwrap(),
    );
    z.write_all(&zs[..zs.len() / 2]).unwrap();
    let e = z.try_finish().unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
    assert!(msg.starts_with(z.get_ref()));
}

/// Bytes after the last zstd frame that start no frame: the content is all written,
/// then an `InvalidData` error.
#[test]
fn zstd_decode_writer_trailing_garbage() {
    let msg = corpus::mixed(20_000, 5);
    let zs = [zstd_frame(&msg, 3), b"garbage!".to_vec()].concat();
    let mut dctx = bufpress_std::zstd::Decoder::new(1 << 17);
    let mut z = bufpress_std::zstd::DecodeWriter::new(
        Vec::new(),
        &mut dctx,
        ZSTAGING.try_acquire().unwrap(),
    );
    let e = z.write_all(&zs).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    assert!(z.get_ref() == &msg);
    assert!(z.try_finish().is_err(), "stays failed");
}
