//! Outside audit of issue 15: the no-allocator zstd decoder on tiny and small states
//! (`Decoder::from_parts` over 0 to 100 bytes, 1 KiB windows) given crafted frames
//! (windows, block sizes and content sizes at and past the limits, lying content
//! sizes, dictionary ids, bad checksums, skippable frames), mutated libzstd frames, and
//! streaming with 1-byte inputs and outputs: typed errors, never a panic, never
//! output past the caller's bound, never a hang.

use bufpress::codec::zstd::{Decoder, DecoderTables, decoder_memory};
use bufpress::codec::{Decode as _, DecodeError, Status};
use bufpress::io::Cursor;
use bufpress_tests::rng::Rng;

const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A frame header: `single` segment with a 1-byte/8-byte FCS, or a window descriptor.
fn header(descriptor: u8, rest: &[u8]) -> Vec<u8> {
    let mut f = MAGIC.to_vec();
    f.push(descriptor);
    f.extend_from_slice(rest);
    f
}

/// A block header: `kind` 0 raw, 1 RLE, 2 compressed.
fn block(kind: u32, size: u32, last: bool) -> [u8; 3] {
    let raw = (size << 3) | (kind << 1) | u32::from(last);
    [raw as u8, (raw >> 8) as u8, (raw >> 16) as u8]
}

/// A single-segment frame with a 1-byte content size and a raw block of `n` bytes.
fn tiny_raw(fcs: u8, n: u32) -> Vec<u8> {
    let mut f = header(0x20, &[fcs]);
    f.extend_from_slice(&block(0, n, true));
    f.extend(std::iter::repeat_n(b'x', n as usize));
    f
}

/// One-shot decodes into a `cap`-byte cursor; checks the bound and the truncation.
fn one_shot(d: &mut Decoder<'_>, input: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    let mut mem = vec![0u8; cap];
    let mut out = Cursor::new(&mut mem[..]);
    let r = d.decompress_into(input, &mut out);
    let pos = out.position();
    assert!(pos <= cap);
    match r {
        Ok(n) => {
            assert_eq!(n, pos);
            Ok(mem[..n].to_vec())
        }
        Err(e) => {
            assert_eq!(pos, 0, "{e:?}: output left after an error");
            Err(e)
        }
    }
}

/// Streams `input` one byte at a time into 1-byte outputs; bounded number of calls.
fn one_byte_stream(d: &mut Decoder<'_>, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    d.reset();
    let mut got = Vec::new();
    let mut at = 0;
    let mut calls = 0;
    loop {
        calls += 1;
        assert!(calls < 100 * (input.len() + 10) + 10_000_000, "no progress");
        let mut one = [0u8; 1];
        let mut out = Cursor::new(&mut one[..]);
        let piece = &input[at.min(input.len())..(at + 1).min(input.len())];
        let p = d.decode(piece, &mut out)?;
        assert!(p.consumed <= piece.len());
        let n = out.position();
        assert_eq!(p.produced, n);
        got.extend_from_slice(&one[..n]);
        at += p.consumed;
        if p.status == Status::Done && at == input.len() {
            return Ok(got);
        }
        if p.status == Status::NeedInput && at == input.len() {
            return Err(DecodeError::Truncated);
        }
        if p.consumed == 0 && p.produced == 0 && p.status == Status::NeedInput {
            panic!(
                "NeedInput while input is given and nothing consumed: at {at} of {input:02x?}, {d:?}"
            );
        }
    }
}

#[test]
fn tiny_states_refuse_or_decode_never_panic() {
    let frames: Vec<(Vec<u8>, &str)> = vec![
        (tiny_raw(0, 0), "empty single segment"),
        (tiny_raw(5, 5), "5-byte raw"),
        (tiny_raw(23, 23), "23-byte raw"),
        (tiny_raw(24, 24), "24-byte raw"),
        (tiny_raw(200, 200), "200-byte raw"),
        (tiny_raw(3, 5), "content size lies low"),
        (tiny_raw(9, 5), "content size lies high"),
        (
            {
                let mut f = header(0x20, &[10]);
                f.extend_from_slice(&block(1, 10, true));
                f.push(b'r');
                f
            },
            "RLE at the block maximum",
        ),
        (
            {
                let mut f = header(0x20, &[10]);
                f.extend_from_slice(&block(1, 11, true));
                f.push(b'r');
                f
            },
            "RLE past the block maximum",
        ),
        (header(0x00, &[0xF8]), "huge window, no block"),
        (header(0x00, &[0x00]), "1 KiB window, no block"),
        (
            {
                let mut f = header(0x00, &[0x00]);
                f.extend_from_slice(&block(1, 1024, true));
                f.push(b'r');
                f
            },
            "1 KiB window, RLE 1 KiB",
        ),
        (
            {
                let mut f = header(0x01, &[0x00, 0x07]);
                f.extend_from_slice(&block(0, 0, true));
                f
            },
            "dictionary id",
        ),
        (
            {
                let mut f = header(0x24, &[4]);
                f.extend_from_slice(&block(0, 4, true));
                f.extend_from_slice(b"abcd\0\0\0\0");
                f
            },
            "checksum mismatch",
        ),
        (
            {
                let mut f = 0x184D_2A5Fu32.to_le_bytes().to_vec();
                f.extend_from_slice(&3u32.to_le_bytes());
                f.extend_from_slice(b"abc");
                f.extend_from_slice(&tiny_raw(2, 2));
                f
            },
            "skippable then frame",
        ),
        (
            {
                let mut f = 0x184D_2A50u32.to_le_bytes().to_vec();
                f.extend_from_slice(&u32::MAX.to_le_bytes());
                f
            },
            "skippable frame with a 4 GiB size",
        ),
        (
            {
                let mut f = header(0xE0, &u64::MAX.to_le_bytes());
                f.extend_from_slice(&block(0, 0, true));
                f
            },
            "single segment, 2^64-1 content size",
        ),
        (
            {
                let mut f = header(0x00, &[0x00]);
                f.extend_from_slice(&block(2, 1025, true));
                f.extend(std::iter::repeat_n(0, 1025));
                f
            },
            "compressed block over the maximum",
        ),
        (
            {
                let mut f = header(0x00, &[0x00]);
                f.extend_from_slice(&block(3, 0, true));
                f
            },
            "reserved block type",
        ),
    ];
    for len in [0usize, 1, 7, 8, 9, 30, 100, 1000, decoder_memory(1024)] {
        let mut tables = Box::new(DecoderTables::new());
        let mut buf = vec![0u8; len];
        let mut d = Decoder::from_parts(&mut tables, &mut buf);
        let limit = d.max_window();
        for (frame, what) in &frames {
            for cap in [0, 1, 5, 64, 4096] {
                let r = one_shot(&mut d, frame, cap);
                if let Ok(out) = &r {
                    assert!(out.iter().all(|&b| b == b'x' || b == b'r'), "{what}");
                }
            }
            let s = one_byte_stream(&mut d, frame);
            if let Ok(out) = &s {
                assert!(out.len() <= limit.max(1) * 4 + 200, "{what}: {len}");
            }
            // A too-large window is refused before anything is written.
            if what.starts_with("huge") {
                assert!(
                    matches!(
                        one_shot(&mut d, frame, 64),
                        Err(DecodeError::LimitExceeded { .. })
                    ),
                    "{what} at {len}"
                );
            }
            if what.starts_with("content size lies") || what.starts_with("checksum") {
                assert!(one_shot(&mut d, frame, 4096).is_err(), "{what} at {len}");
            }
        }
    }
}

#[test]
fn mutated_libzstd_frames_on_small_states() {
    let mut rng = Rng::new(15);
    let mut data = Vec::new();
    for i in 0..3000u32 {
        data.extend_from_slice(format!("line {i} value {} ok\n", i * 7 % 13).as_bytes());
    }
    let frames: Vec<Vec<u8>> = [1, 3, 19]
        .iter()
        .flat_map(|&lvl| {
            let mut c = zstd::bulk::Compressor::new(lvl).unwrap();
            c.set_parameter(zstd::zstd_safe::CParameter::WindowLog(10))
                .unwrap();
            c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))
                .unwrap();
            [
                c.compress(&data[..700]).unwrap(),
                c.compress(&data).unwrap(),
            ]
        })
        .collect();
    for len in [100usize, 1000, decoder_memory(1024)] {
        let mut tables = Box::new(DecoderTables::new());
        let mut buf = vec![0u8; len];
        let mut d = Decoder::from_parts(&mut tables, &mut buf);
        for f in &frames {
            if len == decoder_memory(1024) {
                let whole = one_shot(&mut d, f, data.len()).unwrap();
                assert!(data.starts_with(&whole));
                assert_eq!(one_byte_stream(&mut d, f).unwrap(), whole);
            }
            for _ in 0..400 {
                let mut m = f.clone();
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(m.len());
                    m[i] ^= 1u8 << rng.below(8);
                }
                let _ = one_shot(&mut d, &m, data.len() + 10);
                let _ = one_shot(&mut d, &m, 333);
            }
            for _ in 0..20 {
                let mut m = f.clone();
                let i = rng.below(m.len());
                m[i] = rng.below(256) as u8;
                let _ = one_byte_stream(&mut d, &m);
            }
        }
    }
}

/// The memory sizes of huge windows saturate (no overflow panic in debug builds), and
/// a state of that size would refuse nothing it cannot hold.
#[test]
fn decoder_memory_of_a_huge_window_saturates() {
    assert_eq!(decoder_memory(usize::MAX), usize::MAX);
    assert_eq!(decoder_memory(usize::MAX - 100), usize::MAX);
    assert_eq!(decoder_memory(1024), 4104);
}
