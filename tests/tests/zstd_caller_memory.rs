//! zstd decoding on caller memory (`zstd::DecoderState`, `Decoder::from_parts`): frames
//! the `zstd` CLI makes at every level 1 to 19, with and without checksums and content
//! sizes, `--long`, raw, RLE and compressed blocks, skippable and concatenated frames,
//! decode one-shot and streaming in states sized for 1 KiB, 8 KiB and 8 MiB windows,
//! with 0 allocations; frames whose window is larger than the state's are refused at
//! their header.

use bufpress::codec::zstd::{Decoder, DecoderState, DecoderTables, decoder_memory};
use bufpress::codec::{Decode as _, DecodeError, Status};
use bufpress::pool::{Buf, Pool};
use bufpress_tests::corpus::{self, KINDS, Kind};
use bufpress_tests::counting::{CountingAlloc, measure};
use bufpress_tests::tools;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// Three tests in parallel, one buffer each (the 1 KiB test holds a second one).
static WHOLE: Pool<4, { 1 << 20 }> = Pool::new();
static PIECES: Pool<3, 1000> = Pool::new();

/// A skippable frame with `n` bytes of payload.
fn skippable(n: usize) -> Vec<u8> {
    let mut f = 0x184D_2A53u32.to_le_bytes().to_vec();
    f.extend_from_slice(&(n as u32).to_le_bytes());
    f.resize(8 + n, 0xAB);
    f
}

/// Decodes `frames` (all of them, one-shot) and streams them in 333-byte pieces into
/// 1000-byte buffers; both must give `data` and allocate nothing.
fn check(decoder: &mut Decoder<'_>, frames: &[u8], data: &[u8], what: &str) {
    let mut out = WHOLE.try_acquire().unwrap();
    let (n, counts) = measure(|| decoder.decompress_into(frames, &mut out));
    assert_eq!(n, Ok(data.len()), "{what}");
    assert!(out[..] == data[..], "{what}: one-shot output differs");
    assert!(counts.is_zero(), "{what}: {counts:?}");
    drop(out);

    let mut buf = PIECES.try_acquire().unwrap();
    let (got, counts) = measure(|| stream(decoder, frames, &mut buf, data));
    assert_eq!(got, Ok(data.len()), "{what}: streaming");
    assert!(counts.is_zero(), "{what}: {counts:?}");
}

/// Streams `frames` through `decoder`, comparing output with `data` as it comes;
/// returns how much matched.
fn stream(
    decoder: &mut Decoder<'_>,
    frames: &[u8],
    buf: &mut Buf<'_>,
    data: &[u8],
) -> Result<usize, DecodeError> {
    decoder.reset();
    let (mut at, mut seen) = (0, 0);
    loop {
        let end = (at + 333).min(frames.len());
        let p = decoder.decode(&frames[at..end], buf)?;
        at += p.consumed;
        if p.status != Status::NeedInput || at == frames.len() {
            if data.get(seen..seen + buf.len()) != Some(&buf[..]) {
                return Err(DecodeError::Corrupt);
            }
            seen += buf.len();
            buf.clear();
        }
        if at == frames.len() && p.status != Status::OutputFull {
            return Ok(seen);
        }
    }
}

/// Every level and kind in a state for windows of `window` bytes (2^`log`).
fn every_level(decoder: &mut Decoder<'_>, log: u32) {
    let wlog = format!("--zstd=wlog={log}");
    for level in 1..=19 {
        let kind = KINDS[level % KINDS.len()];
        let size = [0, 100, 5_000, 70_000][level % 4];
        let data = corpus::make(kind, size, level as u64);
        let lvl = format!("-{level}");
        let mut args = vec!["-q", "-c", &lvl, &wlog];
        if level % 3 == 0 {
            args.push("--no-check");
        }
        if level % 2 == 0 {
            args.push("--no-content-size");
        }
        let frame = tools::pipe("zstd", &args, &data);
        check(decoder, &frame, &data, &format!("{args:?} {kind:?} {size}"));
    }
}

/// Raw (random data), RLE (zeros) and compressed blocks, concatenated frames with a
/// skippable frame between them.
fn block_types_and_frames(decoder: &mut Decoder<'_>, log: u32) {
    let wlog = format!("--zstd=wlog={log}");
    let args = ["-q", "-c", "-3", "--no-content-size", wlog.as_str()];
    let mut all_frames = Vec::new();
    let mut all_data = Vec::new();
    for (kind, size) in [
        (Kind::Random, 20_000),
        (Kind::Zeros, 50_000),
        (Kind::Json, 30_000),
    ] {
        let data = corpus::make(kind, size, 5);
        let frame = tools::pipe("zstd", &args, &data);
        check(decoder, &frame, &data, &format!("{kind:?}"));
        all_frames.extend_from_slice(&frame);
        all_frames.extend_from_slice(&skippable(100));
        all_data.extend_from_slice(&data);
    }
    check(decoder, &all_frames, &all_data, "concatenated");
}

#[test]
fn a_1_kib_state_decodes_cli_frames() {
    if !tools::available("zstd") {
        return;
    }
    let mut state = Box::new(DecoderState::<{ decoder_memory(1024) }>::new());
    assert_eq!(DecoderState::<{ decoder_memory(1024) }>::MAX_WINDOW, 1024);
    let mut decoder = Decoder::new_in(&mut state);
    every_level(&mut decoder, 10);
    block_types_and_frames(&mut decoder, 10);
    // A frame made for a 2 KiB window is refused at its header.
    let data = corpus::make(Kind::Text, 10_000, 1);
    let frame = tools::pipe("zstd", &["-q", "-c", "--zstd=wlog=11"], &data);
    let mut out = WHOLE.try_acquire().unwrap();
    let (e, counts) = measure(|| decoder.decompress_into(&frame, &mut out));
    assert!(
        matches!(
            e,
            Err(DecodeError::LimitExceeded {
                limit: 1024,
                needed: Some(2048)
            })
        ),
        "{e:?}"
    );
    assert!(counts.is_zero() && out.is_empty());
}

#[test]
fn an_8_kib_state_decodes_cli_frames() {
    if !tools::available("zstd") {
        return;
    }
    let mut state = Box::new(DecoderState::<{ decoder_memory(8 * 1024) }>::new());
    let mut decoder = Decoder::new_in(&mut state);
    every_level(&mut decoder, 13);
    block_types_and_frames(&mut decoder, 13);
    // Frames for smaller windows decode in a larger state.
    every_level(&mut decoder, 10);
}

#[test]
fn an_8_mib_state_decodes_cli_frames_and_long_mode() {
    if !tools::available("zstd") {
        return;
    }
    let mut tables = Box::new(DecoderTables::new());
    let mut buf = vec![0u8; decoder_memory(8 << 20)];
    let mut decoder = Decoder::from_parts(&mut tables, &mut buf);
    assert_eq!(decoder.max_window(), 8 << 20);
    every_level(&mut decoder, 23);
    block_types_and_frames(&mut decoder, 23);
    // Long-distance matching with a 1 MiB and an 8 MiB window, over 900 KiB with
    // repeats far apart.
    let mut data = corpus::make(Kind::Random, 300_000, 11);
    data.extend_from_within(..);
    data.extend_from_slice(&corpus::make(Kind::Binary, 300_000, 12));
    for long in ["--long=20", "--long=23"] {
        let frame = tools::pipe(
            "zstd",
            &["-q", "-c", "-3", long, "--no-content-size"],
            &data,
        );
        check(&mut decoder, &frame, &data, long);
    }
}
