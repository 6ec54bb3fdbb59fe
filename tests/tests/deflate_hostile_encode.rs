//! Outside audit of issue 15: the no-allocator deflate compressor under hostile use:
//! output within `max_compressed_len` for adversarial input at every level and window;
//! streaming through 1-byte outputs with sync flushes anywhere (twice in a row, on an
//! empty stream, after `finish`, and `encode` or `finish` after a flush that was cut
//! short by a full output): the stream stays valid deflate and a reader can inflate
//! everything given before each completed flush.

use bufpress::codec::deflate::{Encoder, EncoderState, Format, compress_into, max_compressed_len};
use bufpress::codec::{Encode as _, EncodeError, Status};
use bufpress::io::Cursor;
use bufpress_tests::counting::{CountingAlloc, measure};
use bufpress_tests::rng::Rng;
use flate2::{Decompress, FlushDecompress, Status as FStatus};

/// Inflates raw deflate `data` as far as it goes (no end required); what comes out.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn inflate_prefix(data: &[u8]) -> Vec<u8> {
    let mut d = Decompress::new(false);
    let mut out = Vec::with_capacity(data.len() * 4 + 1024);
    let mut at = 0;
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(1 << 16);
        }
        let before_in = d.total_in();
        let before_out = d.total_out();
        let st = d
            .decompress_vec(&data[at..], &mut out, FlushDecompress::Sync)
            .expect("invalid deflate");
        at += (d.total_in() - before_in) as usize;
        if st == FStatus::StreamEnd || (d.total_in() == before_in && d.total_out() == before_out) {
            return out;
        }
    }
}

fn adversarial(kind: usize, len: usize, rng: &mut Rng) -> Vec<u8> {
    match kind {
        0 => (0..len).map(|_| rng.below(256) as u8).collect(),
        // Random with short repeats every so often (matches that barely pay).
        1 => {
            let mut v: Vec<u8> = Vec::with_capacity(len);
            while v.len() < len {
                if v.len() > 300 && rng.below(4) == 0 {
                    let d = 1 + rng.below(v.len().min(32768));
                    let start = v.len() - d;
                    for i in 0..3 + rng.below(2) {
                        let b = v[start + i];
                        v.push(b);
                    }
                } else {
                    v.push(rng.below(256) as u8);
                }
            }
            v.truncate(len);
            v
        }
        // Skewed alphabet that flips every few hundred bytes (bad for one tree).
        2 => (0..len)
            .map(|i| {
                if (i / 300) % 2 == 0 {
                    rng.below(4) as u8
                } else {
                    128 + rng.below(128) as u8
                }
            })
            .collect(),
        _ => vec![0u8; len],
    }
}

macro_rules! bound_for {
    ($w:literal, $h:literal, $rng:expr) => {{
        let mut st = Box::new(EncoderState::<$w, $h>::new());
        for len in [
            0usize, 1, 2, 99, 100, 101, 257, 1023, 1024, 1025, 2047, 2500, 31_745, 70_000,
        ] {
            for kind in 0..4 {
                let data = adversarial(kind, len, $rng);
                for level in 0..=10 {
                    for format in [Format::Raw, Format::Gzip] {
                        let cap = max_compressed_len(len, format);
                        let mut mem = vec![0u8; cap];
                        let mut out = Cursor::new(&mut mem[..]);
                        let r = compress_into(&data, &mut out, format, level, &mut st);
                        let n = r.unwrap_or_else(|e| {
                            panic!("window {} level {level} kind {kind} len {len}: {e:?}", $w)
                        });
                        assert!(n <= cap);
                        if format == Format::Raw {
                            assert_eq!(inflate_prefix(&mem[..n]), data);
                        }
                    }
                }
            }
        }
    }};
}

#[test]
fn output_within_max_compressed_len_for_adversarial_input() {
    let mut rng = Rng::new(1515);
    bound_for!(1024, 256, &mut rng);
    bound_for!(4096, 1024, &mut rng);
    bound_for!(32768, 32768, &mut rng);
}

/// Drives `f` with 1-byte outputs until it says `Done` (or `limit` calls); the bytes.
fn one_byte_until_done(
    mut f: impl FnMut(&mut Cursor<&mut [u8]>) -> Result<bufpress::codec::Progress, EncodeError>,
    limit: usize,
) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    for _ in 0..limit {
        let mut one = [0u8; 1];
        let mut out = Cursor::new(&mut one[..]);
        let p = f(&mut out).unwrap();
        let n = out.position();
        assert_eq!(p.produced, n);
        got.extend_from_slice(&one[..n]);
        if p.status == Status::Done {
            return (got, true);
        }
    }
    (got, false)
}

#[test]
fn flushes_anywhere_through_one_byte_outputs() {
    let mut rng = Rng::new(77);
    let mut st = Box::new(EncoderState::<1024, 256>::new());
    for level in [0, 1, 4, 6, 9, 10] {
        let mut e = Encoder::new(Format::Raw, level, &mut *st).unwrap();
        let mut stream = Vec::new();
        let mut given = Vec::new();
        // Flush on an empty stream, twice.
        for _ in 0..2 {
            let (b, done) = one_byte_until_done(|o| e.flush(o), 100);
            assert!(done);
            stream.extend(b);
        }
        for round in 0..40 {
            let piece = adversarial(rng.below(4), rng.below(3000), &mut rng);
            let mut at = 0;
            while at < piece.len() {
                let mut buf = vec![0u8; 1 + rng.below(7)];
                let take = (1 + rng.below(300)).min(piece.len() - at);
                let mut out = Cursor::new(&mut buf[..]);
                let p = e.encode(&piece[at..at + take], &mut out).unwrap();
                at += p.consumed;
                stream.extend_from_slice(&buf[..p.produced]);
            }
            given.extend_from_slice(&piece);
            let (b, done) = one_byte_until_done(|o| e.flush(o), 1 << 20);
            assert!(done, "level {level} round {round}: flush never done");
            stream.extend(b);
            // Flush twice in a row: only an empty stored block more, at most.
            let (b, done) = one_byte_until_done(|o| e.flush(o), 100);
            assert!(done);
            assert!(b.len() <= 5, "second flush wrote {}", b.len());
            stream.extend(b);
            assert!(
                inflate_prefix(&stream) == given,
                "level {level} round {round}: flushed data not readable"
            );
        }
        let (b, done) = one_byte_until_done(|o| e.finish(o), 1 << 20);
        assert!(done);
        stream.extend(b);
        assert!(inflate_prefix(&stream) == given);
        // Flush after finish: an error, never bytes after the end.
        let mut buf = [0u8; 64];
        let mut out = Cursor::new(&mut buf[..]);
        match e.flush(&mut out) {
            Err(EncodeError::Finished) => {}
            other => panic!("flush after finish: {other:?}"),
        }
    }
}

/// `encode` after a flush cut short by a full output, then a complete flush: everything
/// given before the complete flush must be readable.
#[test]
fn encode_after_an_interrupted_flush_then_flush_again() {
    let mut rng = Rng::new(99);
    let mut st = Box::new(EncoderState::<1024, 256>::new());
    for level in [0, 1, 6] {
        for cut in 0..40 {
            let mut e = Encoder::new(Format::Raw, level, &mut *st).unwrap();
            let mut stream = Vec::new();
            let first = adversarial(1, 2000, &mut rng);
            let mut big = vec![0u8; 1 << 16];
            let mut out = Cursor::new(&mut big[..]);
            let p = e.encode(&first, &mut out).unwrap();
            assert_eq!(p.consumed, first.len());
            stream.extend_from_slice(&big[..p.produced]);
            // A flush cut after `cut` one-byte calls.
            let (b, done) = one_byte_until_done(|o| e.flush(o), cut);
            stream.extend(b);
            // More input (encode accepts it, or refuses it with an error).
            let second = adversarial(2, 1500, &mut rng);
            let mut big = vec![0u8; 1 << 16];
            let mut out = Cursor::new(&mut big[..]);
            let accepted = match e.encode(&second, &mut out) {
                Ok(p) => {
                    stream.extend_from_slice(&big[..p.produced]);
                    p.consumed
                }
                Err(_) => 0,
            };
            let (b, done2) = one_byte_until_done(|o| e.flush(o), 1 << 20);
            assert!(done2);
            stream.extend(b);
            let mut given = first.clone();
            given.extend_from_slice(&second[..accepted]);
            let got = inflate_prefix(&stream);
            assert!(
                got == given,
                "level {level} cut {cut} (first flush done: {done}): {} of {} bytes readable after the flush",
                got.len(),
                given.len()
            );
        }
    }
}

/// Sync flushes, cut short or not, and `encode` in their middle allocate nothing.
#[test]
fn flushes_allocate_nothing() {
    let mut rng = Rng::new(5);
    let data = adversarial(1, 20_000, &mut rng);
    let mut st = Box::new(EncoderState::<2048, 512>::new());
    let mut sink = vec![0u8; 1 << 16];
    let ((), counts) = measure(|| {
        for level in 0..=10 {
            let mut e = Encoder::new(Format::Gzip, level, &mut *st).unwrap();
            let mut at = 0;
            let mut n = 0usize;
            while at < data.len() {
                let take = (1 + rng.below(900)).min(data.len() - at);
                let mut out = Cursor::new(&mut sink[..]);
                at += e.encode(&data[at..at + take], &mut out).unwrap().consumed;
                // A flush cut after a few 1-byte calls, sometimes left for `encode`.
                for _ in 0..rng.below(12) {
                    let mut one = [0u8; 1];
                    let mut out = Cursor::new(&mut one[..]);
                    if e.flush(&mut out).unwrap().status == Status::Done {
                        break;
                    }
                }
                n += 1;
            }
            loop {
                let mut out = Cursor::new(&mut sink[..]);
                if e.finish(&mut out).unwrap().status == Status::Done {
                    break;
                }
            }
            assert!(n > 0);
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
}
