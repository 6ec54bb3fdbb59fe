//! Interop: what the reference `zstd` CLI writes, bufpress reads, byte for byte. Levels
//! `--fast=5`, 1, 3 and 19, long-distance matching with a window of 2^20 (and 2^24,
//! refused by an 8 MiB limit), several threads, with and without checksums and content
//! sizes, files of several MiB of every corpus kind, and concatenated frames with a
//! skippable frame between them. One-shot and through the pool driver.

use bufpress::codec::zstd::Decoder;
use bufpress::codec::{DecodeError, decode_to};
use bufpress::pool::Pool;
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::tools;

const MIB: usize = 1 << 20;
/// Level 19 on input of unknown size declares an 8 MiB window.
const WINDOW: usize = 8 * MIB;
const SIZE: usize = 3 * MIB;

static WHOLE: Pool<4, { 4 * MIB }> = Pool::new();
static PIECES: Pool<8, { 64 * 1024 }> = Pool::new();

/// Decodes `frame` one-shot and through `decode_to` and compares with `data`.
fn check(decoder: &mut Decoder, frame: &[u8], data: &[u8], what: &str) {
    let mut out = WHOLE.try_acquire().unwrap();
    let n = decoder.decompress_into(frame, &mut out);
    assert_eq!(n, Ok(data.len()), "{what}");
    assert!(out[..] == data[..], "{what}: one-shot output differs");
    drop(out);

    let (mut input, mut seen) = (frame, 0);
    while !input.is_empty() {
        let used = decode_to(decoder, input, PIECES.pool_ref(), |buf| {
            let same = data.get(seen..seen + buf.len()) == Some(&buf[..]);
            seen += buf.len();
            if same { Ok(()) } else { Err("differs") }
        });
        let used = used.unwrap_or_else(|e| panic!("{what}: {e}"));
        input = &input[used..];
    }
    assert_eq!(seen, data.len(), "{what}");
}

#[test]
fn cli_settings_on_every_kind() {
    if !tools::available("zstd") {
        return;
    }
    let mut decoder = Decoder::new(WINDOW);
    let size_arg = format!("--stream-size={SIZE}");
    // Each kind goes through a rotation of settings, so all are covered without
    // compressing every kind every way (level 19 on megabytes is slow).
    let settings: [&[&str]; 8] = [
        &["--fast=5"],
        &["-1", "--no-check"],
        &["-3", &size_arg],
        &["-3", "-T0", "--check"],
        &["-3", "--long=20", &size_arg],
        &["-1", "--no-content-size", "--no-check"],
        &["-19", "--single-thread"],
        &["-2", "-T2", "--no-check", &size_arg],
    ];
    for (k, kind) in KINDS.iter().enumerate() {
        let data = corpus::make(*kind, SIZE, k as u64);
        for s in (0..settings.len()).filter(|s| (s + k) % 2 == 0 || *s == 2) {
            // Level 19 on 3 MiB takes seconds: give it less.
            let data = if settings[s][0] == "-19" {
                &data[..MIB / 2]
            } else {
                &data[..]
            };
            let mut args = vec!["-q", "-c"];
            args.extend_from_slice(settings[s]);
            let frame = tools::pipe("zstd", &args, data);
            check(&mut decoder, &frame, data, &format!("{kind:?} {args:?}"));
        }
    }
}

#[test]
fn mixed_data_and_small_messages_at_every_level() {
    if !tools::available("zstd") {
        return;
    }
    let mut decoder = Decoder::new(WINDOW);
    for (i, size) in [0, 1, 10, 200, 5000, 70_000, 1_500_000]
        .into_iter()
        .enumerate()
    {
        let data = corpus::mixed(size, i as u64);
        for level in ["--fast=5", "-1", "-3", "-19"] {
            if level == "-19" && size > 100_000 {
                continue;
            }
            let frame = tools::pipe("zstd", &["-q", "-c", level], &data);
            check(
                &mut decoder,
                &frame,
                &data,
                &format!("mixed {size} {level}"),
            );
        }
    }
}

#[test]
fn concatenated_and_skippable_frames() {
    if !tools::available("zstd") {
        return;
    }
    let mut decoder = Decoder::new(WINDOW);
    let parts = [
        corpus::make(KINDS[0], 100_000, 1),
        corpus::make(KINDS[1], 0, 2),
        corpus::make(KINDS[2], 300_000, 3),
        corpus::mixed(9000, 4),
    ];
    let args: [&[&str]; 4] = [
        &["-q", "-c", "-3"],
        &["-q", "-c", "-1", "--no-check"],
        &["-q", "-c", "--fast=5", "--no-content-size"],
        &["-q", "-c", "-19"],
    ];
    let (mut input, mut expected) = (Vec::new(), Vec::new());
    for (i, (data, args)) in parts.iter().zip(args).enumerate() {
        input.extend_from_slice(&tools::pipe("zstd", args, data));
        expected.extend_from_slice(data);
        if i == 1 {
            // A skippable frame (magic 0x184D2A5E), which the CLI also skips.
            input.extend_from_slice(&0x184D_2A5Eu32.to_le_bytes());
            input.extend_from_slice(&7u32.to_le_bytes());
            input.extend_from_slice(b"skipped");
        }
    }
    assert_eq!(tools::pipe("zstd", &["-q", "-d", "-c"], &input), expected);
    check(&mut decoder, &input, &expected, "concatenated");
}

#[test]
fn a_long_window_beyond_the_limit_is_refused() {
    if !tools::available("zstd") {
        return;
    }
    let data = corpus::mixed(64 * 1024, 9);
    // --long=24 declares a 16 MiB window when the size is unknown.
    let frame = tools::pipe("zstd", &["-q", "-c", "-3", "--long=24"], &data);
    let mut decoder = Decoder::new(WINDOW);
    let mut out = WHOLE.try_acquire().unwrap();
    let e = decoder.decompress_into(&frame, &mut out);
    let refused = Err(DecodeError::LimitExceeded {
        limit: WINDOW as u64,
        needed: Some(16 * MIB as u64),
    });
    assert_eq!(e, refused);
    drop(out);
    // With the content size declared, the CLI shrinks the window and it fits.
    let sized = format!("--stream-size={}", data.len());
    let frame = tools::pipe("zstd", &["-q", "-c", "-3", "--long=24", &sized], &data);
    check(&mut decoder, &frame, &data, "long=24 with size");
}
