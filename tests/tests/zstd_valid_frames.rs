//! Valid zstd frames are never refused by the window check (`DecodeBuffer::repeat`):
//! frames the `zstd` CLI makes at levels 1 to 22 (`--ultra`), with `--long`, with small
//! windows (`--zstd=wlog=10..17`), from files (single-segment: the window is the content
//! size, not a power of two) and from pipes (a window descriptor), concatenated with
//! skippable frames between them, multi-threaded (`-T2 -B1MiB`), `--rsyncable` and
//! `--adapt` frames, over data whose matches sit exactly one window back
//! (the largest offset the window allows), and frames whose window descriptor has a
//! mantissa (a window that is not a power of two: `zstd` never writes one, so a frame
//! made for twice the window is given the smaller, exact window; its matches stay
//! within it). Each decodes one-shot and streaming (pieces of 1, 333 and 70,000
//! bytes), on caller memory sized exactly for the frame's window, for a larger one, and
//! allocated, to what `zstd -d` gives.
//!
//! The same mantissa frames with a window one eighth smaller than their matches need
//! are refused with [`DecodeError::Corrupt`] in every path (the check uses the exact
//! window, not its power of two).

use bufpress::codec::zstd::{Decoder, DecoderTables, decoder_memory};
use bufpress::codec::{Decode as _, DecodeError, Status, VecOutput};
use bufpress::pool::{Buf, Pool};
use bufpress_tests::corpus::{self, Kind};
use bufpress_tests::tools;

static PIECES: Pool<4, 4096> = Pool::new();

/// A decoder on caller memory for windows up to `window` bytes (leaked: the test's).
fn on_memory(window: usize) -> Decoder<'static> {
    let tables: &'static mut DecoderTables = Box::leak(Box::default());
    let buf = vec![0; decoder_memory(window)].leak();
    Decoder::from_parts(tables, buf)
}

/// Streams `frames` in `piece`-byte pieces into 4 KiB buffers, to the end of the input.
fn stream(
    decoder: &mut Decoder<'_>,
    frames: &[u8],
    piece: usize,
    buf: &mut Buf<'_>,
) -> Result<Vec<u8>, DecodeError> {
    decoder.reset();
    let (mut at, mut out) = (0, Vec::new());
    loop {
        let end = (at + piece).min(frames.len());
        let p = decoder.decode(&frames[at..end], buf)?;
        at += p.consumed;
        out.extend_from_slice(buf);
        buf.clear();
        match p.status {
            // The end (after a trailing skippable frame: NeedInput); a frame cut short
            // would show as output shorter than the data.
            _ if at == frames.len() && p.status != Status::OutputFull => return Ok(out),
            _ => {}
        }
    }
}

/// Every path: one-shot into a `Vec`, streaming in three piece sizes.
fn every_path(
    decoder: &mut Decoder<'_>,
    frames: &[u8],
) -> Vec<(String, Result<Vec<u8>, DecodeError>)> {
    let mut all = Vec::new();
    let mut vec = Vec::with_capacity(16 << 20);
    let result = decoder.decompress_into(frames, &mut VecOutput::new(&mut vec));
    all.push(("one-shot".to_owned(), result.map(|_| vec)));
    let mut buf = PIECES.try_acquire().unwrap();
    for piece in [1, 333, 70_000] {
        all.push((
            format!("streaming in {piece}-byte pieces"),
            stream(decoder, frames, piece, &mut buf),
        ));
    }
    all
}

/// The frame's window (content size for a single-segment frame).
fn window_of(frame: &[u8]) -> u64 {
    let fhd = frame[4];
    if fhd & 0x20 != 0 {
        let at = 5 + [0, 1, 2, 4][usize::from(fhd & 3)];
        let len = [1, 2, 4, 8][usize::from(fhd >> 6)];
        let mut n = 0u64;
        for (i, b) in frame[at..at + len].iter().enumerate() {
            n |= u64::from(*b) << (8 * i);
        }
        if len == 2 { n + 256 } else { n }
    } else {
        let w = frame[5];
        let base = 1u64 << (10 + (w >> 3));
        base + base / 8 * u64::from(w & 7)
    }
}

/// Decodes `frames` (whose largest window is `window`) in every state and path and
/// compares with `data` and with `zstd -d`.
fn check(frames: &[u8], window: usize, data: &[u8], what: &str) {
    let reference = tools::pipe("zstd", &["-q", "-d", "-c", "--long=31"], frames);
    assert!(reference == data, "{what}: zstd -d differs");
    let mut decoders = vec![
        (format!("state for {window}"), on_memory(window)),
        (
            format!("state for {}", 2 * window + 1000),
            on_memory(2 * window + 1000),
        ),
        ("allocated".to_owned(), Decoder::new(window.max(8 << 20))),
    ];
    for (name, decoder) in &mut decoders {
        for (path, result) in every_path(decoder, frames) {
            let what = format!("{what}, {name}, {path}");
            assert!(result.expect(&what) == data, "{what}: output differs");
        }
    }
}

/// `period` random bytes repeated to `len`: every match is `period` bytes back.
fn periodic(period: usize, len: usize, seed: u64) -> Vec<u8> {
    let p = corpus::make(Kind::Random, period, seed);
    p.iter().copied().cycle().take(len).collect()
}

#[test]
fn cli_frames_at_every_level_from_pipes_and_files_decode() {
    if !tools::available("zstd") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("bufpress-valid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mixed = {
        let mut d = corpus::make(Kind::Text, 150_000, 1);
        d.extend_from_slice(&corpus::make(Kind::Json, 150_000, 2));
        d.extend_from_slice(&corpus::make(Kind::Binary, 100_000, 3));
        d.extend_from_within(..200_000);
        d
    };
    let small = corpus::make(Kind::Json, 70_000, 4);
    // Single-segment windows below 1 KiB, content sizes in 1 and 2 bytes.
    let tiny = corpus::make(Kind::Text, 200, 5);
    let few = corpus::make(Kind::Text, 700, 6);
    let mut single_segment = 0;
    for data in [&mixed, &small, &tiny, &few] {
        for level in ["-1", "-3", "-9", "-19", "--ultra -22", "--fast=3"] {
            for source in ["pipe", "file"] {
                let args: Vec<&str> = ["-q", "-c"].into_iter().chain(level.split(' ')).collect();
                let frame = if source == "pipe" {
                    tools::pipe("zstd", &args, data)
                } else {
                    let f = dir.join("input");
                    std::fs::write(&f, data).unwrap();
                    let name = f.to_str().unwrap().to_owned();
                    let mut a = args.clone();
                    a.push(&name);
                    let out = std::process::Command::new("zstd")
                        .args(&a)
                        .output()
                        .unwrap();
                    assert!(out.status.success());
                    out.stdout
                };
                if frame[4] & 0x20 != 0 {
                    single_segment += 1;
                    assert_eq!(window_of(&frame), data.len() as u64);
                }
                let window = window_of(&frame) as usize;
                let what = format!("{level} {source} {} bytes", data.len());
                check(&frame, window, data, &what);
            }
        }
    }
    // From files, zstd writes single-segment frames when the window covers the file.
    assert!(
        single_segment >= 18,
        "{single_segment} single-segment frames"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn matches_exactly_one_window_back_decode_for_small_and_large_windows() {
    if !tools::available("zstd") {
        return;
    }
    for log in [10u32, 11, 12, 14, 17, 20] {
        let window = 1usize << log;
        let wlog = format!("--zstd=wlog={log}");
        // The slower strategies find matches exactly one window back; the fast ones
        // stop a little short of it.
        for (level, period) in [("-9", window), ("-19", window), ("-1", window - 64)] {
            let data = periodic(period, window * 6 + 123, u64::from(log));
            let frame = tools::pipe("zstd", &["-q", "-c", level, &wlog], &data);
            assert_eq!(window_of(&frame), window as u64, "a window descriptor");
            if level != "-1" || log == 10 {
                assert!(
                    frame.len() < data.len() / 3,
                    "wlog {log} {level}: matches used"
                );
            }
            check(&frame, window, &data, &format!("wlog {log} {level}"));
        }
    }
}

#[test]
fn multithreaded_rsyncable_and_adaptive_frames_decode() {
    if !tools::available("zstd") {
        return;
    }
    // Matches one window (1 MiB) back across the 1 MiB jobs of a multi-threaded
    // frame, which start from the previous job's tail.
    let window = 1 << 20;
    let mut data = periodic(window, 3 * window + 5000, 21);
    data.extend_from_slice(&corpus::make(Kind::Text, 1 << 20, 22));
    data.extend_from_within(window / 2..window / 2 + 700_000);
    for args in [
        &["-T2", "-B1048576", "-19", "--zstd=wlog=20"][..],
        &["-T2", "-B1048576", "-9", "--zstd=wlog=20", "--rsyncable"],
        &["-T2", "--long=21", "-5"],
        &["--adapt", "--zstd=wlog=20"],
    ] {
        let mut a = vec!["-q", "-c"];
        a.extend_from_slice(args);
        let frame = tools::pipe("zstd", &a, &data);
        if args.contains(&"-19") {
            assert!(
                frame.len() < data.len() / 2,
                "{args:?}: matches one window back used"
            );
        }
        check(
            &frame,
            window_of(&frame) as usize,
            &data,
            &format!("{args:?}"),
        );
    }
}

#[test]
fn long_mode_and_concatenated_frames_with_skippable_ones_decode() {
    if !tools::available("zstd") {
        return;
    }
    // Repeats 3 MiB apart: only --long finds them.
    let mut data = corpus::make(Kind::Random, 3 << 20, 9);
    data.extend_from_within(..1 << 20);
    for long in ["--long=22", "--long=24"] {
        let frame = tools::pipe("zstd", &["-q", "-c", "-3", long], &data);
        assert!(
            frame.len() < data.len() - (512 << 10),
            "{long}: long matches used"
        );
        check(&frame, window_of(&frame) as usize, &data, long);
    }
    // Frames of different windows in a row (a large one, a single-segment tiny one, a
    // 1 KiB one), skippable frames before, between and after.
    let mut skip = 0x184D_2A5Fu32.to_le_bytes().to_vec();
    skip.extend_from_slice(&5u32.to_le_bytes());
    skip.extend_from_slice(b"hello");
    let small = corpus::make(Kind::Text, 700, 4);
    let ten = periodic(1024, 9000, 5);
    let big = tools::pipe(
        "zstd",
        &["-q", "-c", "-3", "--zstd=wlog=20"],
        &data[..1 << 20],
    );
    let mut frames = skip.clone();
    let mut all = Vec::new();
    let mut window = 0;
    for (frame, d) in [
        (big, &data[..1 << 20]),
        (tools::pipe("zstd", &["-q", "-c", "-5"], &small), &small[..]),
        (
            tools::pipe("zstd", &["-q", "-c", "--zstd=wlog=10"], &ten),
            &ten[..],
        ),
    ] {
        window = window.max(window_of(&frame) as usize);
        frames.extend_from_slice(&frame);
        frames.extend_from_slice(&skip);
        all.extend_from_slice(d);
    }
    check(&frames, window, &all, "concatenated");
}

/// A frame whose window is `base * (8 + m) / 8` (window descriptor with mantissa
/// `m`), over data repeating every `period` bytes: made by `zstd` for a window of
/// `2 * base` (blocks of 128 KiB either way), then given the exact window.
fn mantissa_frame(log: u32, m: u8, period: usize) -> (Vec<u8>, Vec<u8>) {
    let data = periodic(period, period * 5 + 77, u64::from(m));
    let wlog = format!("--zstd=wlog={}", log + 1);
    let mut frame = tools::pipe("zstd", &["-q", "-c", "-19", &wlog], &data);
    assert_eq!(frame[4] & 0x20, 0, "a window descriptor");
    assert_eq!(frame[5], ((log + 1 - 10) << 3) as u8);
    assert!(
        frame.len() < data.len() / 3,
        "matches one period back were used"
    );
    frame[5] = (((log - 10) << 3) as u8) | m;
    (frame, data)
}

#[test]
fn windows_that_are_not_a_power_of_two_decode_and_bound_offsets_exactly() {
    if !tools::available("zstd") {
        return;
    }
    for log in [17u32, 18] {
        let base = 1usize << log;
        for m in [1u8, 3, 7] {
            let window = base + base / 8 * usize::from(m);
            // Matches exactly one window back: valid.
            let (frame, data) = mantissa_frame(log, m, window);
            assert_eq!(window_of(&frame), window as u64);
            check(&frame, window, &data, &format!("log {log} mantissa {m}"));
            // Matches one byte further back than the window: corrupt, in every path.
            let (frame, _) = mantissa_frame(log, m, window + 1);
            for (name, mut decoder) in [
                ("state".to_owned(), on_memory(window)),
                ("larger state".to_owned(), on_memory(2 * window + 1000)),
                ("allocated".to_owned(), Decoder::new(8 << 20)),
            ] {
                for (path, result) in every_path(&mut decoder, &frame) {
                    assert_eq!(
                        result.map(|o| o.len()),
                        Err(DecodeError::Corrupt),
                        "log {log} mantissa {m}: {name}, {path}"
                    );
                }
            }
        }
    }
}
