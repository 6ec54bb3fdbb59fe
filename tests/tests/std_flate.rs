//! `bufpress-std`'s flate2 backends: interop with `gzip` and Python's `zlib`/`gzip`
//! both ways, bad input (typed errors, no panic, every buffer back), and 2 to 8 threads
//! sharing one buffer pool and one pool of encoder and decoder states.

use std::io::{ErrorKind, Read, Write};
use std::sync::OnceLock;

use bufpress::codec::DecodeError;
use bufpress::codec::deflate::Format;
use bufpress::pool::{Pool, ValuePool};
use bufpress_std::flate::{Decoder, Encoder};
use bufpress_std::{Chain, ChainReader, DecodeReader, EncodeWriter};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::rng::Rng;
use bufpress_tests::tools;

const OUT_SIZE: usize = 1 << 20;
static OUT: Pool<8, OUT_SIZE> = Pool::new();

fn samples() -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new(), b"x".to_vec()];
    for (i, kind) in KINDS.into_iter().enumerate() {
        out.push(corpus::make(
            kind,
            [100, 5000, 70_000, 300_000, 1000][i],
            i as u64,
        ));
    }
    out
}

fn python(script: &str, input: &[u8]) -> Vec<u8> {
    tools::pipe("python3", &["-c", script], input)
}

const PY_DECOMPRESS: [(Format, &str); 3] = [
    (
        Format::Raw,
        "import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read(),-15))",
    ),
    (
        Format::Zlib,
        "import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))",
    ),
    (
        Format::Gzip,
        "import sys,gzip;sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
    ),
];

const PY_COMPRESS: [(Format, &str); 3] = [
    (
        Format::Raw,
        "import sys,zlib;c=zlib.compressobj(6,zlib.DEFLATED,-15);\
         sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())",
    ),
    (
        Format::Zlib,
        "import sys,zlib;sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(),9))",
    ),
    (
        Format::Gzip,
        "import sys,gzip;sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read(),1))",
    ),
];

#[test]
fn python_reads_what_we_write_and_we_read_what_python_writes() {
    if !tools::available("python3") {
        return;
    }
    let mut out = OUT.try_acquire().unwrap();
    for plain in samples() {
        for ((format, unpack), (_, pack)) in PY_DECOMPRESS.into_iter().zip(PY_COMPRESS) {
            for level in [0, 1, 6, 9] {
                let mut encoder = Encoder::new(format, level).unwrap();
                out.clear();
                encoder.compress_into(&plain, &mut out).unwrap();
                assert!(python(unpack, &out) == plain, "{format:?} {level}");
            }
            let packed = python(pack, &plain);
            let mut decoder = Decoder::new(format);
            out.clear();
            decoder.decompress_into(&packed, &mut out).unwrap();
            assert!(out[..] == plain[..], "{format:?} from python");
        }
    }
}

#[test]
fn gzip_reads_what_we_write_and_we_read_what_gzip_writes() {
    if !tools::available("gzip") {
        return;
    }
    let mut out = OUT.try_acquire().unwrap();
    let mut decoder = Decoder::new(Format::Gzip);
    let samples = samples();
    for plain in &samples {
        for level in [1, 6, 9] {
            let mut encoder = Encoder::new(Format::Gzip, level).unwrap();
            out.clear();
            encoder.compress_into(plain, &mut out).unwrap();
            assert!(tools::pipe("gzip", &["-dc"], &out) == *plain, "{level}");
        }
        for args in [&["-c1"][..], &["-c9", "-n"], &["-c6", "-N"]] {
            let packed = tools::pipe("gzip", args, plain);
            out.clear();
            decoder.decompress_into(&packed, &mut out).unwrap();
            assert!(out[..] == plain[..], "{args:?}");
        }
    }
    // Several members in a row are one stream, both ways.
    let mut members = Vec::new();
    let mut whole = Vec::new();
    for (i, plain) in samples.iter().enumerate() {
        let mut encoder = Encoder::new(Format::Gzip, (i % 10) as i32).unwrap();
        out.clear();
        encoder.compress_into(plain, &mut out).unwrap();
        members.extend_from_slice(&out);
        members.extend_from_slice(&tools::pipe("gzip", &["-c"], plain));
        whole.extend_from_slice(plain);
        whole.extend_from_slice(plain);
    }
    assert!(tools::pipe("gzip", &["-dc"], &members) == whole);
    out.clear();
    decoder.decompress_into(&members, &mut out).unwrap();
    assert!(out[..] == whole[..]);
    // The same through `Read`, in the pieces a `BufRead` gives.
    let mut reader = DecodeReader::new(&members[..], decoder, OUT.try_acquire().unwrap());
    let mut back = Vec::new();
    reader.read_to_end(&mut back).unwrap();
    assert!(back == whole);
}

/// A gzip frame of `plain` made by bufpress-std.
fn gzip_of(plain: &[u8]) -> Vec<u8> {
    let mut out = OUT.try_acquire().unwrap();
    Encoder::new(Format::Gzip, 6)
        .unwrap()
        .compress_into(plain, &mut out)
        .unwrap();
    out.to_vec()
}

#[test]
fn bad_input_is_a_typed_error_and_every_buffer_comes_back() {
    let plain = corpus::mixed(3000, 5);
    let good = gzip_of(&plain);
    let mut decoder = Decoder::new(Format::Gzip);
    let mut out = OUT.try_acquire().unwrap();
    let mut run = |input: &[u8], decoder: &mut Decoder| {
        out.clear();
        let r = decoder.decompress_into(input, &mut out);
        if r.is_err() {
            assert!(out.is_empty(), "an error keeps no output");
        }
        r.map(|n| {
            assert_eq!(n, out.len());
            out.to_vec()
        })
    };
    assert_eq!(run(&good, &mut decoder), Ok(plain.clone()));

    // Truncated at every offset.
    for cut in 0..good.len() {
        let r = run(&good[..cut], &mut decoder);
        assert!(r.is_err(), "cut at {cut}");
    }
    assert_eq!(run(&[], &mut decoder), Err(DecodeError::Truncated));

    // Every single-bit flip: an error or (a flip in a field nobody checks, such as
    // MTIME, XFL or OS) the same output.
    let mut errors = 0;
    for bit in 0..good.len() * 8 {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        match run(&bad, &mut decoder) {
            Ok(v) => assert!(v == plain, "bit {bit}"),
            Err(_) => errors += 1,
        }
    }
    assert!(errors > good.len() * 8 - 8 * 8, "{errors}");

    // Wrong magic, reserved flags, wrong CRC-32, wrong ISIZE, trailing garbage.
    let mut bad = good.clone();
    bad[0] = 0x1e;
    assert_eq!(run(&bad, &mut decoder), Err(DecodeError::BadMagic));
    let mut bad = good.clone();
    bad[3] |= 0x80;
    assert_eq!(run(&bad, &mut decoder), Err(DecodeError::Reserved));
    let n = good.len();
    for (at, what) in [(n - 8, "crc"), (n - 4, "isize")] {
        let mut bad = good.clone();
        bad[at] ^= 1;
        assert!(
            matches!(run(&bad, &mut decoder), Err(DecodeError::Checksum { .. })),
            "{what}"
        );
    }
    let mut trailing = good.clone();
    trailing.extend_from_slice(b"garbage");
    assert_eq!(run(&trailing, &mut decoder), Err(DecodeError::TrailingData));

    // A wrong Adler-32.
    let mut zlib = OUT.try_acquire().unwrap();
    Encoder::new(Format::Zlib, 6)
        .unwrap()
        .compress_into(&plain, &mut zlib)
        .unwrap();
    let last = zlib.len() - 1;
    zlib.as_mut_slice()[last] ^= 1;
    let mut zdec = Decoder::new(Format::Zlib);
    assert!(matches!(
        run(&zlib, &mut zdec),
        Err(DecodeError::Checksum { .. })
    ));

    // A bomb: 1 MiB of zeros in about 1 KiB, against a 64 KiB limit.
    let bomb = gzip_of(&vec![0; 1 << 20]);
    assert!(bomb.len() < 2048);
    let mut limited = Decoder::new(Format::Gzip).with_max_output(64 * 1024);
    assert!(matches!(
        run(&bomb, &mut limited),
        Err(DecodeError::LimitExceeded { limit: 65_536, .. })
    ));
    // The output buffer too small: a typed error, nothing kept.
    let small = Pool::<1, 100>::new();
    let mut tiny = small.try_acquire().unwrap();
    assert!(matches!(
        decoder.decompress_into(&good, &mut tiny),
        Err(DecodeError::OutputTooSmall { .. })
    ));
    assert!(tiny.is_empty());
    drop(tiny);
    assert_eq!(small.stats().available, 1);

    // Through `Read`: `InvalidData` and `UnexpectedEof`, the staging buffer back.
    let mut bad = good.clone();
    bad[n - 8] ^= 1;
    let reader = DecodeReader::new(&bad[..], decoder, OUT.try_acquire().unwrap());
    let err = read_all(reader).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let reader = DecodeReader::new(
        &good[..n / 2],
        Decoder::new(Format::Gzip),
        OUT.try_acquire().unwrap(),
    );
    assert_eq!(
        read_all(reader).unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
    drop(out);
    drop(zlib);
    assert!(OUT.stats().available >= 8 - 2, "{:?}", OUT.stats());
}

fn read_all(mut reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    reader.read_to_end(&mut v).map(|_| v)
}

/// An exhausted pool is an `io::Error` (`OutOfMemory`), a full chain `StorageFull`.
#[test]
fn an_exhausted_pool_is_an_error_not_a_panic() {
    static TWO: Pool<2, 64> = Pool::new();
    let mut chain = Chain::<8>::new(TWO.pool_ref());
    let err = chain.write_all(&[1; 200]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory);
    assert_eq!(chain.len(), 128);
    let mut writer = EncodeWriter::new(
        Chain::<1>::new(TWO.pool_ref()),
        Encoder::new(Format::Gzip, 1).unwrap(),
        OUT.try_acquire().unwrap(),
    );
    // The chain's pool is empty: compressed output has nowhere to go.
    writer.write_all(&corpus::mixed(100_000, 2)).unwrap();
    assert_eq!(
        writer.try_finish().unwrap_err().kind(),
        ErrorKind::OutOfMemory
    );
    drop((chain, writer));
    assert_eq!(TWO.stats().available, 2);
}

const THREAD_POOL_BUFS: usize = 16;
static SHARED: Pool<THREAD_POOL_BUFS, 8192> = Pool::new();
type States = ValuePool<(Encoder, Decoder), 3>;

fn states() -> &'static States {
    static STATES: OnceLock<States> = OnceLock::new();
    STATES.get_or_init(|| {
        ValuePool::new(std::array::from_fn(|_| {
            (
                Encoder::new(Format::Gzip, 6).unwrap(),
                Decoder::new(Format::Gzip),
            )
        }))
    })
}

#[test]
fn threads_share_one_pool_and_one_pool_of_states() {
    for threads in [2, 3, 8] {
        std::thread::scope(|s| {
            for t in 0..threads {
                s.spawn(move || {
                    let mut rng = Rng::new(t as u64 * 31 + threads as u64);
                    let mut round_trips = 0;
                    while round_trips < 300 {
                        // N threads share 3 states and 16 buffers: a miss is normal.
                        let Ok(mut state) = states().try_acquire() else {
                            std::thread::yield_now();
                            continue;
                        };
                        let (Ok(mut packed), Ok(mut plain)) =
                            (SHARED.try_acquire(), SHARED.try_acquire())
                        else {
                            continue;
                        };
                        let len = rng.below(6000);
                        let kind = KINDS[rng.below(KINDS.len())];
                        let data = corpus::make(kind, len, rng.next_u64());
                        let (encoder, decoder) = &mut *state;
                        encoder.compress_into(&data, &mut packed).unwrap();
                        decoder.decompress_into(&packed, &mut plain).unwrap();
                        assert!(plain[..] == data[..]);
                        round_trips += 1;
                    }
                });
            }
        });
        assert_eq!(SHARED.stats().available, THREAD_POOL_BUFS);
        assert_eq!(states().stats().available, 3);
    }
}

#[test]
fn chain_reader_reads_across_buffers() {
    static SMALL: Pool<8, 16> = Pool::new();
    let mut chain = Chain::<8>::new(SMALL.pool_ref());
    chain.write_all(&(0..100).collect::<Vec<u8>>()).unwrap();
    let mut r = ChainReader::new(chain.buffers());
    let mut got = Vec::new();
    let mut piece = [0u8; 7];
    loop {
        let n = r.read(&mut piece).unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&piece[..n]);
    }
    assert_eq!(got, (0..100).collect::<Vec<u8>>());
}
