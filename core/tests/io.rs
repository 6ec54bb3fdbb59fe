//! `embedded-io` (feature `embedded-io`): `Buf` as a bounded `Write`, `Cursor` as a
//! `Read`/`BufRead`, and the lz4 round trip through `io::EncodeWriter` and
//! `io::DecodeReader` with writes and reads of every size, into sinks that take a few
//! bytes at a time; corrupt, truncated and trailing input; the error kinds; every
//! buffer and state back. Miri runs this file.
#![cfg(all(feature = "embedded-io", feature = "lz4"))]

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder};
use bufpress::codec::{DecodeError, EncodeError};
use bufpress::error::CapacityError;
use bufpress::io::{Cursor, DecodeReader, EncodeWriter, Error};
use bufpress::pool::{Pool, ValuePool};
use bufpress_support::rng::Rng;
use embedded_io::{BufRead, ErrorKind, ErrorType, Read, ReadExactError, Write};

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static ENCODERS: ValuePool<Encoder<ENC>, 1> = ValuePool::new([const { Encoder::new() }]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);
/// Staging buffers and packed output.
static POOL: Pool<4, 256> = Pool::new();
static BIG: Pool<2, 8192> = Pool::new();

const LEN: usize = if cfg!(miri) { 3_000 } else { 200_000 };

/// The tests share pools and check that every buffer is back, so they run one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn all_back() {
    assert_eq!(POOL.stats().in_use, 0);
    assert_eq!(BIG.stats().in_use, 0);
    assert_eq!(ENCODERS.stats().in_use, 0);
    assert_eq!(DECODERS.stats().in_use, 0);
}

/// Sensor-like text with some noise: compressible, not trivially.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let line = format!(
            "t={} ch={} v={}\n",
            out.len() / 40,
            rng.below(4),
            rng.below(1000)
        );
        out.extend_from_slice(line.as_bytes());
    }
    out.truncate(len);
    out
}

/// A writer that takes at most `step` bytes per call and records them.
struct Trickle {
    out: Vec<u8>,
    step: usize,
    /// Fails (`BrokenPipe`) once this many bytes are written.
    fail_at: usize,
}

#[derive(Debug, PartialEq)]
struct Broken;

impl core::fmt::Display for Broken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("broken pipe")
    }
}

impl core::error::Error for Broken {}

impl embedded_io::Error for Broken {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BrokenPipe
    }
}

impl ErrorType for Trickle {
    type Error = Broken;
}

impl Write for Trickle {
    fn write(&mut self, data: &[u8]) -> Result<usize, Broken> {
        if self.out.len() >= self.fail_at {
            return Err(Broken);
        }
        let n = data.len().min(self.step);
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), Broken> {
        Ok(())
    }
}

/// A `BufRead` over bytes that shows at most `step` of them per `fill_buf`.
struct Chunks<'a> {
    data: &'a [u8],
    step: usize,
}

impl ErrorType for Chunks<'_> {
    type Error = core::convert::Infallible;
}

impl Read for Chunks<'_> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        let n = out.len().min(self.step).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

impl BufRead for Chunks<'_> {
    fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        Ok(&self.data[..self.step.min(self.data.len())])
    }

    fn consume(&mut self, n: usize) {
        self.data = &self.data[n..];
    }
}

/// A sink that takes everything.
fn sink() -> Trickle {
    Trickle {
        out: Vec::new(),
        step: usize::MAX,
        fail_at: usize::MAX,
    }
}

fn compress(input: &[u8], seed: u64, sink_step: usize) -> Vec<u8> {
    let sink = Trickle {
        out: Vec::new(),
        step: sink_step,
        fail_at: usize::MAX,
    };
    let mut w = EncodeWriter::new(
        sink,
        ENCODERS.try_acquire().unwrap(),
        POOL.try_acquire().unwrap(),
    );
    let mut rng = Rng::new(seed);
    let mut rest = input;
    while !rest.is_empty() {
        let n = (rng.below(700)).min(rest.len());
        if rng.below(8) == 0 {
            // Single writes take what the encoder consumes.
            let k = w.write(&rest[..n]).unwrap();
            assert!(n == 0 || k > 0);
            rest = &rest[k..];
        } else {
            w.write_all(&rest[..n]).unwrap();
            rest = &rest[n..];
        }
        if rng.below(16) == 0 {
            w.flush().unwrap();
        }
    }
    w.finish().unwrap().out
}

fn decompress(packed: &[u8], seed: u64, src_step: usize) -> Vec<u8> {
    let src = Chunks {
        data: packed,
        step: src_step,
    };
    let mut r = DecodeReader::new(
        src,
        DECODERS.try_acquire().unwrap(),
        POOL.try_acquire().unwrap(),
    );
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut piece = [0u8; 600];
    loop {
        let n = rng.below(600) + 1;
        let k = r.read(&mut piece[..n]).unwrap();
        if k == 0 {
            break;
        }
        out.extend_from_slice(&piece[..k]);
    }
    assert!(r.is_done());
    out
}

#[test]
fn round_trip_with_varied_writes_and_reads() {
    let _s = serial();
    for (seed, &(sink_step, src_step)) in [(1, 1), (7, 13), (256, 4096), (usize::MAX, usize::MAX)]
        .iter()
        .enumerate()
    {
        for len in [0, 1, 100, LEN] {
            let input = data(len, seed as u64);
            let packed = compress(&input, seed as u64, sink_step);
            // The one-shot decoder agrees: it is a real lz4 frame.
            let mut out = BIG.try_acquire().unwrap();
            if len <= out.capacity() {
                lz4::decompress_frame_into(&packed, &mut out).unwrap();
                assert_eq!(out, input[..]);
            }
            drop(out);
            assert_eq!(decompress(&packed, seed as u64 + 1, src_step), input);
            all_back();
        }
    }
}

#[test]
fn reader_is_a_bufread_and_leaves_what_follows() {
    let _s = serial();
    let input = data(1000, 3);
    let mut packed = compress(&input, 3, usize::MAX);
    packed.extend_from_slice(b"NEXT");
    let mut r = DecodeReader::new(
        Cursor::new(&packed[..]),
        DECODERS.try_acquire().unwrap(),
        POOL.try_acquire().unwrap(),
    );
    let mut out = Vec::new();
    loop {
        let got = r.fill_buf().unwrap();
        if got.is_empty() {
            break;
        }
        let n = got.len().min(37);
        out.extend_from_slice(&got[..n]);
        r.consume(n);
    }
    assert_eq!(out, input);
    let (cursor, _, _) = r.into_parts();
    assert_eq!(cursor.remaining_slice(), b"NEXT");
    all_back();
}

#[test]
fn corrupt_truncated_and_bad_input_are_invalid_data() {
    let _s = serial();
    let input = data(2000, 4);
    let packed = compress(&input, 4, usize::MAX);
    let read_all =
        |bytes: &[u8]| -> Result<Vec<u8>, Error<DecodeError, core::convert::Infallible>> {
            let mut r = DecodeReader::new(
                bytes,
                DECODERS.try_acquire().unwrap(),
                POOL.try_acquire().unwrap(),
            );
            let mut out = Vec::new();
            let mut piece = [0u8; 100];
            loop {
                match r.read(&mut piece)? {
                    0 => return Ok(out),
                    n => out.extend_from_slice(&piece[..n]),
                }
            }
        };
    let e = read_all(&packed[..packed.len() - 3]).unwrap_err();
    assert_eq!(e, Error::Codec(DecodeError::Truncated));
    assert_eq!(embedded_io::Error::kind(&e), ErrorKind::InvalidData);
    let e = read_all(b"not lz4 at all").unwrap_err();
    assert_eq!(embedded_io::Error::kind(&e), ErrorKind::InvalidData);
    let mut bad = packed.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x55;
    bad[mid + 1] ^= 0xff;
    if let Err(e) = read_all(&bad) {
        assert_eq!(embedded_io::Error::kind(&e), ErrorKind::InvalidData, "{e}");
    }
    assert!(read_all(&[]).is_err());
    all_back();
}

#[test]
fn inner_errors_pass_through_and_everything_comes_back() {
    let _s = serial();
    let input = data(LEN, 5);
    let failing = Trickle {
        out: Vec::new(),
        step: 50,
        fail_at: 300,
    };
    let mut w = EncodeWriter::new(
        failing,
        ENCODERS.try_acquire().unwrap(),
        POOL.try_acquire().unwrap(),
    );
    let e = w
        .write_all(&input)
        .and_then(|()| w.try_finish())
        .unwrap_err();
    assert_eq!(e, Error::Inner(Broken));
    assert_eq!(embedded_io::Error::kind(&e), ErrorKind::BrokenPipe);
    assert_eq!(e.to_string(), "inner stream: broken pipe");
    drop(w);
    // Writing after the end is the codec's error.
    let mut w = EncodeWriter::new(
        sink(),
        ENCODERS.try_acquire().unwrap(),
        POOL.try_acquire().unwrap(),
    );
    drop(w.write_all(b"x"));
    w.try_finish().unwrap();
    let e = w.write(b"late").unwrap_err();
    assert_eq!(e, Error::Codec(EncodeError::Finished));
    assert_eq!(embedded_io::Error::kind(&e), ErrorKind::InvalidInput);
    // And `reset` makes it usable again, into a new sink.
    let first = w.reset(sink());
    w.write_all(b"again").unwrap();
    let second = w.finish().unwrap();
    assert!(!first.out.is_empty() && !second.out.is_empty());
    all_back();
}

#[test]
fn buf_is_a_bounded_writer() {
    let _s = serial();
    let mut buf = POOL.try_acquire().unwrap();
    assert_eq!(buf.write(&[]).unwrap(), 0);
    buf.write_all(&[1; 200]).unwrap();
    // `write` takes what fits, then refuses.
    assert_eq!(buf.write(&[2; 100]).unwrap(), 56);
    assert_eq!(buf.len(), 256);
    let e = buf.write(&[3]).unwrap_err();
    assert_eq!(e, CapacityError::new(257, 256));
    assert_eq!(embedded_io::Error::kind(&e), ErrorKind::WriteZero);
    // `write_all` is all or nothing.
    buf.truncate(250);
    assert!(buf.write_all(&[4; 7]).is_err());
    assert_eq!(buf.len(), 250);
    write!(buf, "{}", 12345).unwrap();
    assert_eq!(&buf[250..], b"12345");
    assert!(write!(buf, "{}", 123).is_err());
    drop(buf);
    all_back();
}

#[test]
fn cursor_reads_a_buffer_owned_or_borrowed() {
    let _s = serial();
    let mut buf = POOL.try_acquire().unwrap();
    buf.extend_from_slice(b"0123456789").unwrap();
    let mut c = Cursor::new(&buf);
    let mut four = [0; 4];
    c.read_exact(&mut four).unwrap();
    assert_eq!(&four, b"0123");
    assert_eq!(c.fill_buf().unwrap(), b"456789");
    c.consume(100);
    assert_eq!(c.read(&mut four).unwrap(), 0);
    assert_eq!(c.read_exact(&mut four), Err(ReadExactError::UnexpectedEof));
    let mut owned = Cursor::new(buf);
    owned.set_position(8);
    assert_eq!(owned.read(&mut four).unwrap(), 2);
    assert_eq!(owned.position(), 10);
    drop(owned); // the buffer goes back with the cursor
    all_back();
}

#[test]
fn zero_capacity_staging_is_an_error_not_a_hang() {
    let _s = serial();
    static EMPTY: Pool<1, 0> = Pool::new();
    let mut w = EncodeWriter::new(
        sink(),
        ENCODERS.try_acquire().unwrap(),
        EMPTY.try_acquire().unwrap(),
    );
    assert!(matches!(
        w.write(b"abc"),
        Err(Error::Codec(EncodeError::OutputTooSmall { .. }))
    ));
    assert!(w.try_finish().is_err());
    drop(w);
    let mut r = DecodeReader::new(
        &b"\x04\x22\x4d\x18"[..],
        DECODERS.try_acquire().unwrap(),
        EMPTY.try_acquire().unwrap(),
    );
    assert!(matches!(
        r.read(&mut [0; 4]),
        Err(Error::Codec(DecodeError::OutputTooSmall { .. }))
    ));
    drop(r);
    all_back();
}

/// A gzip stream of two members read through `io::DecodeReader` from a source whose
/// buffers end exactly at the first member's end (or anywhere else): both members come
/// out, as one stream. The reader's call with no input, at the source's end, is what
/// ends a gzip stream; a source buffer that ends between members does not.
#[cfg(feature = "deflate")]
#[test]
fn gzip_members_read_whole_wherever_the_source_is_cut() {
    use bufpress::codec::deflate::{self, DecoderState, EncoderState, Format};
    let _s = serial();
    let len = if cfg!(miri) { 300 } else { 5_000 };
    let (a, b) = (data(len, 11), data(len / 2, 12));
    let mut state = Box::new(<EncoderState>::new());
    let mut gz = |m: &[u8]| {
        let mut out = vec![0u8; deflate::max_compressed_len(m.len(), Format::Gzip)];
        let n = deflate::compress_into(
            m,
            &mut Cursor::new(&mut out[..]),
            Format::Gzip,
            6,
            &mut state,
        )
        .unwrap();
        out.truncate(n);
        out
    };
    let first = gz(&a);
    let packed = [first.clone(), gz(&b)].concat();
    let whole = [a, b].concat();
    let boundary = first.len();
    let steps = if cfg!(miri) {
        vec![boundary, boundary + 1]
    } else {
        vec![1, 7, boundary - 1, boundary, boundary + 1, packed.len()]
    };
    for step in steps {
        let src = Chunks {
            data: &packed,
            step,
        };
        let decoder = deflate::Decoder::new(Format::Gzip, Box::new(DecoderState::new()));
        let mut r = DecodeReader::new(src, decoder, POOL.try_acquire().unwrap());
        let mut out = Vec::new();
        let mut piece = [0u8; 100];
        loop {
            match r.read(&mut piece).unwrap() {
                0 => break,
                n => out.extend_from_slice(&piece[..n]),
            }
        }
        assert!(out == whole, "source buffers of {step} bytes");
        assert!(r.is_done());
    }
    all_back();
}
