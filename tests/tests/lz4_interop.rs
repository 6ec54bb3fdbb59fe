//! Interop with the reference `lz4` tool (v1.9+): bufpress reads every frame the tool
//! writes (linked and independent blocks, every block size, block checksums, no
//! content checksum, the content size, levels 1 and 9, frames in a row), and `lz4 -d`
//! reads what bufpress writes with every setting. The legacy format (`lz4 -l`) is
//! refused with `DecodeError::Unsupported`.
//!
//! Skips locally when `lz4` is missing; fails under CI.

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, FrameSettings, Table};
use bufpress::codec::{Decode, DecodeError, Status};
use bufpress::pool::{Pool, ValuePool};
use bufpress_tests::corpus::{self, KINDS, Kind};
use bufpress_tests::rng::Rng;
use bufpress_tests::tools;

const MAX: usize = 3 << 20;
const OUT: usize = MAX + MAX / 64 + 4096;
const DEC: usize = lz4::decoder_memory(BlockSize::Max4MiB, BlockMode::Linked);

static BIG: Pool<2, OUT> = Pool::new();
static PIECES: Pool<2, 1000> = Pool::new();
static TABLES: ValuePool<Table, 1> = ValuePool::new([const { Table::new() }]);
static DECODERS: ValuePool<Decoder<DEC>, 1> = ValuePool::new([const { Decoder::new() }]);

/// The inputs: every kind at a few sizes up to 3 MiB, and a mixed one.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for (i, &len) in [0, 1, 1000, 65_543, 300_000, MAX].iter().enumerate() {
        let kind = KINDS[i % KINDS.len()];
        v.push((format!("{kind:?} {len}"), corpus::make(kind, len, i as u64)));
    }
    v.push(("mixed 2 MiB".into(), corpus::mixed(2 << 20, 7)));
    v.push(("text 1 MiB".into(), corpus::make(Kind::Text, 1 << 20, 8)));
    v
}

/// Decodes with the one-shot call and with the streaming decoder (random pieces,
/// 1000-byte buffers); both must agree.
fn decode_both(frame: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let one_shot = {
        let mut out = BIG.acquire_blocking();
        lz4::decompress_frame_into(frame, &mut out).map(|_| out.to_vec())
    };
    let streamed = (|| -> Result<Vec<u8>, DecodeError> {
        let mut decoder = DECODERS.acquire_blocking();
        decoder.reset();
        decoder.set_max_output(u64::MAX);
        let mut out = PIECES.acquire_blocking();
        let mut rng = Rng::new(frame.len() as u64);
        let mut data = Vec::new();
        let mut at = 0;
        while at < frame.len() {
            let piece = (1 + rng.below(200_000)).min(frame.len() - at);
            let p = decoder.decode(&frame[at..at + piece], &mut out)?;
            at += p.consumed;
            data.extend_from_slice(&out);
            out.clear();
            if p.status == Status::NeedInput && at == frame.len() {
                // Frames in a row: a NeedInput at the very end follows a Done.
                break;
            }
        }
        Ok(data)
    })();
    assert_eq!(
        one_shot.is_ok(),
        streamed.is_ok(),
        "{one_shot:?} / {streamed:?}"
    );
    if let (Ok(a), Ok(b)) = (&one_shot, &streamed) {
        assert!(a == b, "one-shot and streaming disagree");
    }
    one_shot
}

#[test]
fn bufpress_reads_what_lz4_writes() {
    if !tools::available("lz4") {
        return;
    }
    let options: &[&[&str]] = &[
        &[],
        &["-BD"],
        &["-B4"],
        &["-B5"],
        &["-B6"],
        &["-B7"],
        &["-BX"],
        &["--no-frame-crc"],
        &["-B4", "-BD", "-BX", "--no-frame-crc"],
        &["-9"],
        &["-9", "-BD", "-B4"],
        &["--fast=3"],
    ];
    for (k, (name, input)) in inputs().into_iter().enumerate() {
        // The inputs of 1 MiB and more meet every other option (time in debug builds).
        let step = if input.len() >= 1 << 20 { 2 } else { 1 };
        for opts in options.iter().skip(k % step).step_by(step) {
            let mut args = vec!["-z", "-c", "-q"];
            args.extend_from_slice(opts);
            let frame = tools::pipe("lz4", &args, &input);
            let back = decode_both(&frame).unwrap_or_else(|e| panic!("{name} {opts:?}: {e}"));
            assert!(back == input, "{name} {opts:?}: different bytes");
        }
    }
}

#[test]
fn bufpress_reads_the_content_size_lz4_writes_for_files() {
    if !tools::available("lz4") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("bufpress-lz4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (name, input)) in inputs().into_iter().enumerate() {
        let path = dir.join(format!("in{i}"));
        std::fs::write(&path, &input).unwrap();
        let path = path.to_str().unwrap();
        for opts in [
            &["--content-size"][..],
            &["--content-size", "-BD", "-B4", "-BX"],
        ] {
            let mut args = vec!["-z", "-c", "-q"];
            args.extend_from_slice(opts);
            args.push(path);
            let frame = tools::pipe("lz4", &args, &[]);
            // (lz4 writes no size for an empty file: 0 would mean "unknown" to it.)
            if !input.is_empty() {
                assert_eq!(frame[4] & 0x08, 0x08, "{name}: no content size written");
                let declared = u64::from_le_bytes(frame[6..14].try_into().unwrap());
                assert_eq!(declared, input.len() as u64);
            }
            let back = decode_both(&frame).unwrap_or_else(|e| panic!("{name} {opts:?}: {e}"));
            assert!(back == input, "{name} {opts:?}");
            // The declared size is checked against the limit before anything is written.
            if input.len() > 10 {
                let mut decoder = DECODERS.acquire_blocking();
                decoder.reset();
                decoder.set_max_output(10);
                let mut out = PIECES.acquire_blocking();
                let e = decoder.decode(&frame, &mut out).unwrap_err();
                assert!(matches!(e, DecodeError::LimitExceeded { .. }), "{e:?}");
                assert!(out.is_empty());
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn frames_in_a_row_from_lz4() {
    if !tools::available("lz4") {
        return;
    }
    let a = corpus::make(Kind::Json, 200_000, 1);
    let b = corpus::make(Kind::Binary, 70_000, 2);
    let mut frames = tools::pipe("lz4", &["-z", "-c", "-q", "-BD"], &a);
    let first = frames.len();
    frames.extend(tools::pipe("lz4", &["-z", "-c", "-q", "-B4", "-BX"], &b));
    let mut both = a.clone();
    both.extend_from_slice(&b);
    assert!(decode_both(&frames).unwrap() == both);
    // The streaming decoder stops at the first frame's end.
    let mut decoder = DECODERS.acquire_blocking();
    decoder.reset();
    decoder.set_max_output(u64::MAX);
    let mut out = BIG.acquire_blocking();
    let p = decoder.decode(&frames, &mut out).unwrap();
    assert_eq!((p.status, p.consumed), (Status::Done, first));
    assert!(out[..] == a[..]);
    drop((out, decoder)); // a test holds one buffer of each pool at a time
    // And `lz4 -d` reads bufpress's frames in a row, with a skippable frame between.
    let mut ours = Vec::new();
    for (data, s) in [
        (&a, FrameSettings::new()),
        (&b, FrameSettings::new().with_block_mode(BlockMode::Linked)),
    ] {
        let mut f = BIG.acquire_blocking();
        lz4::compress_frame_into(data, &mut f, &s, &mut TABLES.acquire_blocking()).unwrap();
        ours.extend_from_slice(&f);
        ours.extend_from_slice(&[0x50, 0x2A, 0x4D, 0x18, 2, 0, 0, 0, 0xAB, 0xCD]);
    }
    assert!(tools::pipe("lz4", &["-d", "-c", "-q"], &ours) == both);
}

#[test]
fn small_decoders_read_what_lz4_writes_by_default() {
    if !tools::available("lz4") {
        return;
    }
    // `lz4` declares 4 MiB blocks (-B7) unless told otherwise; a decoder sized for
    // 64 KiB blocks reads such frames as long as each actual block fits.
    const MEM64: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
    static SMALL: ValuePool<Decoder<MEM64>, 1> = ValuePool::new([const { Decoder::new() }]);
    let decode = |frame: &[u8]| -> Result<Vec<u8>, DecodeError> {
        let mut decoder = SMALL.acquire_blocking();
        decoder.reset();
        decoder.set_max_output(u64::MAX);
        let mut out = PIECES.acquire_blocking();
        let mut data = Vec::new();
        let mut rng = Rng::new(frame.len() as u64);
        let mut at = 0;
        loop {
            let piece = (1 + rng.below(5000)).min(frame.len() - at);
            let p = decoder.decode(&frame[at..at + piece], &mut out)?;
            at += p.consumed;
            data.extend_from_slice(&out);
            out.clear();
            match p.status {
                Status::Done => return Ok(data),
                Status::NeedInput if at == frame.len() => return Err(DecodeError::Truncated),
                _ => {}
            }
        }
    };
    // lz4 1.9 declares the smallest block size that holds an input it reads whole
    // (`-B7` is the upper bound), and 4 MiB for anything over 1 MiB; other writers
    // (lz4_flex's, Java's and Go's frame writers, or lz4 streaming) declare 4 MiB
    // however short the content. lz4_flex writes one here; `lz4 -d` reads it too.
    let text = corpus::make(Kind::Text, 60_000, 11);
    for mode in [
        lz4_flex::frame::BlockMode::Independent,
        lz4_flex::frame::BlockMode::Linked,
    ] {
        let info = lz4_flex::frame::FrameInfo::new()
            .block_size(lz4_flex::frame::BlockSize::Max4MB)
            .block_mode(mode)
            .content_checksum(true);
        let mut w = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
        std::io::Write::write_all(&mut w, &text).unwrap();
        let frame = w.finish().unwrap();
        assert_eq!(frame[5] >> 4, 7, "{mode:?}: declares 4 MiB blocks");
        assert!(tools::pipe("lz4", &["-d", "-c", "-q"], &frame) == text);
        assert!(decode(&frame).unwrap() == text, "{mode:?}");
    }
    for opts in [
        &[][..],
        &["-B7"],
        &["-BD"],
        &["-9"],
        &["-BX", "--content-size"],
    ] {
        let mut args = vec!["-z", "-c", "-q"];
        args.extend_from_slice(opts);
        let frame = tools::pipe("lz4", &args, &text);
        assert!(decode(&frame).unwrap() == text, "{opts:?}");
    }
    // A real block larger than the state is a typed error, whatever the header says
    // (96 KiB: this state holds 64 KiB linked blocks, or 96 KiB independent ones).
    assert_eq!(
        Decoder::<MEM64>::max_block_size(BlockMode::Independent),
        96 * 1024
    );
    let big = corpus::make(Kind::Random, 100_000, 12);
    let frame = tools::pipe("lz4", &["-z", "-c", "-q"], &big);
    assert_eq!(
        decode(&frame),
        Err(DecodeError::LimitExceeded {
            limit: 96 * 1024,
            needed: Some(100_000)
        })
    );
    // Over 1 MiB, lz4 declares and uses 4 MiB blocks: one compressed block of
    // some 700 KB that decodes to 1.2 MB is refused by its stored size.
    let mixed = corpus::mixed(1_200_000, 13);
    let frame = tools::pipe("lz4", &["-z", "-c", "-q"], &mixed);
    assert_eq!(frame[5] >> 4, 7);
    let Err(DecodeError::LimitExceeded {
        limit: 98_304,
        needed: Some(n),
    }) = decode(&frame)
    else {
        panic!("not refused");
    };
    assert!(n > 98_304 && n < 1_200_000, "{n}");
    // A compressed block that fits, decoding to more than the state holds.
    let zeros = tools::pipe("lz4", &["-z", "-c", "-q"], &[0u8; 200_000]);
    assert!(zeros.len() < 1000);
    assert_eq!(
        decode(&zeros),
        Err(DecodeError::LimitExceeded {
            limit: 96 * 1024,
            needed: Some(256 * 1024)
        })
    );
}

#[test]
fn the_legacy_format_is_unsupported() {
    if !tools::available("lz4") {
        return;
    }
    let frame = tools::pipe("lz4", &["-z", "-c", "-q", "-l"], &corpus::mixed(100_000, 3));
    assert_eq!(frame[..4], lz4::LEGACY_MAGIC.to_le_bytes());
    assert_eq!(decode_both(&frame), Err(DecodeError::Unsupported));
}

#[test]
fn lz4_reads_what_bufpress_writes_with_every_setting() {
    if !tools::available("lz4") {
        return;
    }
    let inputs = inputs();
    let mut n = 0;
    for size in [
        BlockSize::Max64KiB,
        BlockSize::Max256KiB,
        BlockSize::Max1MiB,
        BlockSize::Max4MiB,
    ] {
        for mode in [BlockMode::Independent, BlockMode::Linked] {
            for bits in 0..8 {
                // Every setting meets several inputs; the large ones in turn.
                for (name, input) in inputs.iter().skip(n % 3).step_by(3) {
                    let s = FrameSettings::new()
                        .with_block_size(size)
                        .with_block_mode(mode)
                        .with_block_checksum(bits & 1 != 0)
                        .with_content_checksum(bits & 2 != 0)
                        .with_content_size((bits & 4 != 0).then_some(input.len() as u64));
                    let mut f = BIG.acquire_blocking();
                    lz4::compress_frame_into(input, &mut f, &s, &mut TABLES.acquire_blocking())
                        .unwrap();
                    let back = tools::pipe("lz4", &["-d", "-c", "-q"], &f);
                    assert!(back == *input, "{name} {s:?}");
                }
                n += 1;
            }
        }
    }
}
