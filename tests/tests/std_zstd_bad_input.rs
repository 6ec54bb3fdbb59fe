//! Bad input for `bufpress_std::zstd`: corrupt, truncated at many offsets, a window
//! beyond the limit (a `zstd --long=27` frame and a hand-edited header), a wrong
//! checksum, output too small, a bad level. Every case is a typed error, never a panic,
//! and every buffer comes back.

use std::io::{self, Read, Write};

use bufpress::codec::{Checksum, Decode as _, DecodeError, EncodeError};
use bufpress::pool::Pool;
use bufpress_std::zstd::{
    DecodeReader, DecodeWriter, Decoder, EncodeWriter, Encoder, MAX_LEVEL, Settings,
    ULTRA_MAX_LEVEL, min_level,
};
use bufpress_tests::corpus;
use bufpress_tests::tools;

type Bufs = Pool<4, { 256 * 1024 }>;
// One pool per test (tests run in parallel); each test checks its own is whole.
static TRUNC: Bufs = Pool::new();
static CORRUPT: Bufs = Pool::new();
static CHECK: Bufs = Pool::new();
static WINDOW: Bufs = Pool::new();
static SIZES: Bufs = Pool::new();

fn frame(bufs: &'static Bufs, data: &[u8], checksum: bool) -> Vec<u8> {
    let mut comp = Encoder::new(Settings::new(3, 64 * 1024).with_checksum(checksum)).expect("ctx");
    let mut out = bufs.try_acquire().expect("buffer");
    comp.compress_into(data, &mut out).expect("compress");
    out.to_vec()
}

/// The `DecodeError` inside an `io::Error` from the adapters (whose kind is the one
/// `bufpress_std::io_error_kind` gives it: `InvalidData`, `UnexpectedEof` when truncated,
/// `Unsupported` for a valid feature the decoder lacks).
fn inner(e: &io::Error) -> DecodeError {
    let err = e
        .get_ref()
        .and_then(|e| e.downcast_ref::<bufpress::Error>())
        .expect("a bufpress error inside");
    assert_eq!(e.kind(), bufpress_std::io_error_kind(err), "{e}");
    match err {
        bufpress::Error::Decode(d) => *d,
        other => panic!("not a decoding error: {other}"),
    }
}

fn via_reader(bytes: &[u8], dec: &mut Decoder) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let mut r = DecodeReader::new(bytes, dec);
    match r.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => {
            let d = inner(&e);
            // The reader keeps failing until reset.
            let again = r.read(&mut [0; 16]).expect_err("still failed");
            assert_eq!(inner(&again), d);
            Err(d)
        }
    }
}

fn via_write_decoder(
    bufs: &'static Bufs,
    bytes: &[u8],
    dec: &mut Decoder,
) -> Result<Vec<u8>, DecodeError> {
    let mut wd = DecodeWriter::new(Vec::new(), dec, bufs.try_acquire().expect("buffer"));
    for piece in bytes.chunks(100) {
        if let Err(e) = wd.write_all(piece) {
            return Err(inner(&e));
        }
    }
    wd.finish().map_err(|e| inner(&e))
}

#[test]
fn truncated_everywhere() {
    let data = corpus::mixed(20_000, 5);
    let mut dec = Decoder::new(64 * 1024);
    for checksum in [false, true] {
        let f = frame(&TRUNC, &data, checksum);
        for cut in (0..f.len()).step_by(7).chain([f.len() - 1, f.len() - 4]) {
            let part = &f[..cut];
            let mut out = TRUNC.try_acquire().expect("buffer");
            out.extend_from_slice(b"kept").expect("room");
            let e = dec.decompress_into(part, &mut out).expect_err("truncated");
            assert_eq!(&out[..], b"kept", "the buffer keeps its length on error");
            if cut > 0 {
                assert_eq!(e, DecodeError::Truncated, "one-shot, cut at {cut}");
                assert_eq!(
                    via_reader(part, &mut dec),
                    Err(DecodeError::Truncated),
                    "{cut}"
                );
                assert_eq!(
                    via_write_decoder(&TRUNC, part, &mut dec),
                    Err(DecodeError::Truncated)
                );
            }
        }
        // The same contexts still work afterwards.
        assert_eq!(via_reader(&f, &mut dec).expect("whole"), data);
    }
    assert_eq!(TRUNC.stats().available, 4);
}

#[test]
fn corrupt_bytes() {
    let data = corpus::mixed(30_000, 9);
    let mut dec = Decoder::new(64 * 1024);
    let f = frame(&CORRUPT, &data, true);
    // A bad magic number.
    let mut bad = f.clone();
    bad[0] ^= 0xff;
    let mut out = CORRUPT.try_acquire().expect("buffer");
    assert_eq!(
        dec.decompress_into(&bad, &mut out),
        Err(DecodeError::BadMagic)
    );
    assert_eq!(via_reader(&bad, &mut dec), Err(DecodeError::BadMagic));
    assert_eq!(
        via_write_decoder(&CORRUPT, &bad, &mut dec),
        Err(DecodeError::BadMagic)
    );
    // Every byte of the frame flipped in turn (a sample): an error, never a panic or
    // silently wrong content (the frame has a checksum).
    let mut errors = 0;
    for i in (4..f.len()).step_by(13) {
        for flip in [0x01, 0x80, 0xff] {
            let mut bad = f.clone();
            bad[i] ^= flip;
            out.clear();
            match dec.decompress_into(&bad, &mut out) {
                Ok(_) => assert!(out[..] == data[..], "byte {i}: wrong content accepted"),
                Err(_) => errors += 1,
            }
            match via_reader(&bad, &mut dec) {
                Ok(got) => assert!(got == data, "reader, byte {i}"),
                Err(_) => errors += 1,
            }
        }
    }
    assert!(errors > 0);
    // Garbage.
    for len in [1, 3, 5, 17, 1000] {
        let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
        out.clear();
        assert!(dec.decompress_into(&junk, &mut out).is_err());
        assert!(via_reader(&junk, &mut dec).is_err());
    }
    drop(out);
    assert_eq!(via_reader(&f, &mut dec).expect("still works"), data);
    assert_eq!(CORRUPT.stats().available, 4);
}

#[test]
fn wrong_checksum() {
    let data = corpus::mixed(10_000, 2);
    let good = frame(&CHECK, &data, true);
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x5a;
    let stored = u32::from_le_bytes(bad[n - 4..].try_into().expect("4 bytes"));
    let real = u32::from_le_bytes(good[n - 4..].try_into().expect("4 bytes"));
    let mut dec = Decoder::new(64 * 1024);
    let mut out = CHECK.try_acquire().expect("buffer");
    assert_eq!(
        dec.decompress_into(&bad, &mut out),
        Err(DecodeError::Checksum {
            kind: Checksum::Content,
            expected: stored,
            actual: real,
        })
    );
    assert!(out.is_empty());
    assert!(matches!(
        via_reader(&bad, &mut dec),
        Err(DecodeError::Checksum {
            kind: Checksum::Content,
            ..
        })
    ));
    assert!(matches!(
        via_write_decoder(&CHECK, &bad, &mut dec),
        Err(DecodeError::Checksum { .. })
    ));
    // The checksum is verified again afterwards (forceIgnoreChecksum was switched off).
    assert!(dec.decompress_into(&bad, &mut out).is_err());
    out.clear();
    dec.decompress_into(&good, &mut out).expect("good frame");
    assert!(out[..] == data[..]);
}

#[test]
fn window_beyond_the_limit() {
    let mut dec = Decoder::new(64 * 1024);
    let limit = 64 * 1024;
    // A frame declaring a 128 MiB window: `zstd --long=27` reading stdin (size unknown).
    if tools::available("zstd") {
        let data = corpus::mixed(100_000, 4);
        let f = tools::pipe("zstd", &["--long=27", "-c", "-q"], &data);
        let e = DecodeError::LimitExceeded {
            limit,
            needed: Some(1 << 27),
        };
        let mut out = WINDOW.try_acquire().expect("buffer");
        assert_eq!(dec.decompress_into(&f, &mut out), Err(e));
        assert_eq!(via_reader(&f, &mut dec), Err(e));
        assert_eq!(
            via_write_decoder(&WINDOW, &f[..5], &mut dec),
            Err(DecodeError::Truncated)
        );
        assert!(matches!(
            via_write_decoder(&WINDOW, &f, &mut dec),
            Err(DecodeError::LimitExceeded { limit: 65536, .. })
        ));
        // A large enough limit reads it.
        let mut big = Decoder::new(128 << 20);
        assert_eq!(via_reader(&f, &mut big).expect("128 MiB limit"), data);
    }
    // By hand: a frame header with a window descriptor of 2^(10 + 10) = 1 MiB.
    let data = corpus::mixed(5000, 1);
    let mut comp = Encoder::new(Settings::new(3, 1 << 20).with_content_size(false)).expect("ctx");
    let mut w = bufpress_std::zstd::EncodeWriter::new(
        Vec::new(),
        &mut comp,
        WINDOW.try_acquire().expect("buffer"),
    );
    w.write_all(&data).expect("write");
    let f = w.finish().expect("finish");
    // Header: magic, descriptor (no single segment, no content size), window byte.
    assert_eq!(f[4] & 0x20, 0, "not single-segment");
    assert_eq!(f[5] >> 3, 20 - 10, "a 1 MiB window");
    let mut out = WINDOW.try_acquire().expect("buffer");
    let e = DecodeError::LimitExceeded {
        limit,
        needed: Some(1 << 20),
    };
    assert_eq!(dec.decompress_into(&f, &mut out), Err(e));
    assert_eq!(via_reader(&f, &mut dec), Err(e));
    let mut edited = f.clone();
    edited[5] = 6 << 3; // 64 KiB: the decoder takes it (the data fits such a window)
    assert_eq!(via_reader(&edited, &mut dec).expect("edited window"), data);
    drop(out);
    assert_eq!(WINDOW.stats().available, 4);
}

#[test]
fn output_too_small_and_bad_settings() {
    let data = corpus::mixed(50_000, 3);
    let f = frame(&SIZES, &data, false);
    static SMALL: Pool<1, 1000> = Pool::new();
    let mut dec = Decoder::new(64 * 1024);
    let mut out = SMALL.try_acquire().expect("buffer");
    assert_eq!(
        dec.decompress_into(&f, &mut out),
        Err(DecodeError::OutputTooSmall {
            needed: Some(50_000),
            capacity: 1000
        })
    );
    let mut comp = Encoder::new(Settings::new(3, 64 * 1024)).expect("ctx");
    assert!(matches!(
        comp.compress_into(&data, &mut out),
        Err(EncodeError::OutputTooSmall { capacity: 1000, .. })
    ));
    assert!(out.is_empty());
    // Streaming into the small buffer works, buffer by buffer.
    dec.reset();
    let p = dec.decode(&f, &mut out).expect("decode");
    assert_eq!(p.status, bufpress::codec::Status::OutputFull);
    assert_eq!(&out[..], &data[..1000]);
    // Levels.
    for level in [MAX_LEVEL + 1, 22, min_level() - 1, i32::MIN, i32::MAX] {
        assert_eq!(
            Encoder::new(Settings::new(level, 1024)).err(),
            Some(EncodeError::InvalidSetting),
            "level {level}"
        );
    }
    for level in [min_level(), -1, 0, 1, MAX_LEVEL] {
        assert!(Encoder::new(Settings::new(level, 1024)).is_ok(), "{level}");
    }
    // The ultra levels only when asked for, and no higher than libzstd's maximum.
    for level in [MAX_LEVEL + 1, ULTRA_MAX_LEVEL] {
        let ultra = Settings::new(level, 1024).with_ultra(true);
        let mut enc = Encoder::new(ultra).expect("ultra level");
        let mut out = SIZES.try_acquire().expect("buffer");
        enc.compress_into(b"ultra ultra ultra", &mut out)
            .expect("compress");
        assert!(!out.is_empty());
    }
    assert_eq!(
        Encoder::new(Settings::new(ULTRA_MAX_LEVEL + 1, 1024).with_ultra(true)).err(),
        Some(EncodeError::InvalidSetting)
    );
}

/// A staging buffer of capacity 0 (a `Pool<1, 0>` is allowed) can never take output:
/// the zstd adapters say so instead of looping forever (they hung before; the generic
/// adapters already refused it).
#[test]
fn zero_capacity_staging_is_an_error_not_a_hang() {
    static EMPTY: Pool<2, 0> = Pool::new();
    let mut comp = Encoder::new(Settings::new(3, 64 * 1024)).expect("ctx");
    let mut w = EncodeWriter::new(Vec::new(), &mut comp, EMPTY.try_acquire().expect("buf"));
    let err = w.write(b"some data that needs output room").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(w.flush().unwrap_err().kind(), io::ErrorKind::InvalidInput);
    assert_eq!(
        w.try_finish().unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );

    let mut dec = Decoder::new(64 * 1024);
    let mut wd = DecodeWriter::new(Vec::new(), &mut dec, EMPTY.try_acquire().expect("buf"));
    let frame = tools::pipe("zstd", &["-q", "-c"], b"hello hello hello");
    assert_eq!(
        wd.write(&frame).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
}
