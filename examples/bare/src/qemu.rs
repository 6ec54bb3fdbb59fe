//! The self-test run under QEMU (feature `qemu`, machine `mps2-an386`, a Cortex-M4F):
//! every no-allocator codec entry point compresses or decompresses a 4 KiB sensor log
//! on `static` states and pool buffers, the bytes are checked, and the deepest stack
//! of each entry point is measured by painting. Output and exit status go through
//! semihosting; the exit status is 0 only if every check passed and every entry
//! point stayed within [`STACK_BOUND`].
//!
//! Output, one line per entry point then per check (`.ci/qemu` parses it):
//!
//! ```text
//! stack   1234 lz4::compress_into
//! check ok   lz4 block round trip
//! qemu: 9 checks, 0 failed; deepest stack 2345 bytes (bound 4096)
//! ```
//!
//! and one `gzip-member: HEX` line per gzip member the program compressed (the text,
//! one-shot, then streaming with a flush mid-stream): `.ci/qemu` writes each to a file
//! and checks it with the host's `gzip -t` and `gzip -dc`.
//!
//! # Adding an entry point
//!
//! Write a function `fn(&mut Run)` that calls the entry point through
//! [`Run::stack`] (which measures it) and checks the result with [`Run::check`], and
//! add it to [`CHECKS`]: one line.
//!
//! # How the stack is measured
//!
//! [`Run::stack`] fills the [`PAINT`] bytes below the current stack pointer with a
//! pattern (in assembly: no Rust frame is below the stack pointer then), calls the
//! entry point through a function that is never inlined, and finds the lowest word
//! that no longer holds the pattern. The depth counted is everything the call used
//! below the caller's frame: the entry point, what it calls, and the call's own
//! return address (a few bytes). Nothing else runs (no interrupt is enabled).

use core::fmt::{self, Write};

use bufpress::codec::{Decode, Encode, Status, deflate, lz4, zstd};
use bufpress::error::DecodeError;
use bufpress::pool::{Pool, ValuePool};

/// The largest stack an entry point may use (bytes): more fails the run.
pub(crate) const STACK_BOUND: usize = 4096;
/// How far below the stack pointer the stack is painted (bytes): a deeper call is
/// reported as at least this deep (and fails).
const PAINT: usize = 32 * 1024;
const PATTERN: u32 = 0x5A5A_C3C3;

/// Every check, in order: one line each.
const CHECKS: &[fn(&mut Run)] = &[
    calibrate,
    lz4_block,
    lz4_frame_oneshot,
    lz4_frame_streaming,
    inflate_oneshot,
    deflate_streaming,
    deflate_compress_oneshot,
    deflate_compress_streaming,
    zstd_oneshot,
    zstd_streaming,
    zstd_hostile,
];

/// The sensor log (4096 bytes) and it compressed by Python's zlib at level 9 and by
/// the `zstd` CLI at level 19 (`fixtures/make.py`).
static TEXT: &[u8] = include_bytes!("../fixtures/text.txt");
static TEXT_GZ: &[u8] = include_bytes!("../fixtures/text.gz");
static TEXT_ZLIB: &[u8] = include_bytes!("../fixtures/text.zz");
static TEXT_DEFLATE: &[u8] = include_bytes!("../fixtures/text.deflate");
static TEXT_ZST: &[u8] = include_bytes!("../fixtures/text.zst");

/// Buffers for whole outputs: 4 of 8 KiB.
static BUFS: Pool<4, 8192> = Pool::new();
/// Buffers for the streaming calls' output pieces: 2 of 1 KiB.
static SMALL: Pool<2, 1024> = Pool::new();
/// One table, used by every lz4 compressor in turn: reuse (stale entries from the
/// calls before) is part of what is tested.
static LZ4_TABLE: ValuePool<lz4::Table, 1> = ValuePool::new([const { lz4::Table::new() }]);
const LZ4_DECODER_MEM: usize =
    lz4::decoder_memory(lz4::BlockSize::Max64KiB, lz4::BlockMode::Independent);
static LZ4_DECODER: ValuePool<lz4::Decoder<LZ4_DECODER_MEM>, 1> =
    ValuePool::new([const { lz4::Decoder::new() }]);
const LZ4_ENCODER_MEM: usize =
    lz4::encoder_memory(lz4::BlockSize::Max64KiB, lz4::BlockMode::Independent);
static LZ4_ENCODER: ValuePool<lz4::Encoder<LZ4_ENCODER_MEM>, 1> =
    ValuePool::new([const { lz4::Encoder::new() }]);
/// Two one-shot states, so that the first use of a state is measured apart from a
/// reuse.
static INFLATE: ValuePool<deflate::InflateState, 2> =
    ValuePool::new([const { deflate::InflateState::new() }; 2]);
static DEFLATE_DECODER: ValuePool<deflate::DecoderState, 1> =
    ValuePool::new([const { deflate::DecoderState::new() }]);
/// A deflate compressor's state with a 4 KiB window and 4096 hash heads: 38 KB, all
/// zero, in `.bss`. One state, used by every compression check in turn.
static DEFLATE_ENCODER: ValuePool<deflate::EncoderState<4096, 4096>, 1> =
    ValuePool::new([const { deflate::EncoderState::new() }]);
/// A zstd decoder's state for windows up to 8 KiB (the fixture's window is its 4 KiB
/// content): 32 KiB of buffers and 21 KB of tables, all zero, in `.bss`. One state,
/// used by every zstd check in turn.
const ZSTD_MEM: usize = zstd::decoder_memory(8192);
static ZSTD: ValuePool<zstd::DecoderState<ZSTD_MEM>, 1> =
    ValuePool::new([const { zstd::DecoderState::new() }]);

/// The measurement itself: a call with a 2 KiB local array must measure at least
/// that, and not much more.
fn calibrate(run: &mut Run) {
    let ((), depth) = measure(|| {
        let frame = [0x11u8; 2048];
        core::hint::black_box(&frame);
    });
    let _ = writeln!(
        Console,
        "calibration: a 2048-byte frame measured {depth} bytes"
    );
    run.check(
        "the stack measurement sees a 2 KiB frame",
        (2048..2048 + 128).contains(&depth),
    );
}

fn lz4_block(run: &mut Run) {
    let (Ok(mut table), Ok(mut packed), Ok(mut back)) = (
        LZ4_TABLE.try_acquire(),
        BUFS.try_acquire(),
        BUFS.try_acquire(),
    ) else {
        return run.check("lz4 block: states", false);
    };
    let c = run.stack("lz4::compress_into", || {
        lz4::compress_into(TEXT, &mut packed, &mut table)
    });
    let d = run.stack("lz4::decompress_into", || {
        lz4::decompress_into(&packed, &mut back)
    });
    run.check(
        "lz4 block round trip",
        c.is_ok() && d.is_ok() && back[..] == *TEXT,
    );
}

fn lz4_frame_oneshot(run: &mut Run) {
    let (Ok(mut table), Ok(mut packed), Ok(mut back)) = (
        LZ4_TABLE.try_acquire(),
        BUFS.try_acquire(),
        BUFS.try_acquire(),
    ) else {
        return run.check("lz4 frame: states", false);
    };
    let settings = lz4::FrameSettings::new().with_content_checksum(true);
    let c = run.stack("lz4::compress_frame_into", || {
        lz4::compress_frame_into(TEXT, &mut packed, &settings, &mut table)
    });
    let d = run.stack("lz4::decompress_frame_into", || {
        lz4::decompress_frame_into(&packed, &mut back)
    });
    run.check(
        "lz4 frame one-shot round trip",
        c.is_ok() && d.is_ok() && back[..] == *TEXT,
    );
}

/// The frame encoder and decoder, input in 1000-byte pieces, output into 1 KiB
/// buffers (each handed on into a buffer that collects them).
fn lz4_frame_streaming(run: &mut Run) {
    let (Ok(mut enc), Ok(mut dec), Ok(mut packed), Ok(mut back), Ok(mut out)) = (
        LZ4_ENCODER.try_acquire(),
        LZ4_DECODER.try_acquire(),
        BUFS.try_acquire(),
        BUFS.try_acquire(),
        SMALL.try_acquire(),
    ) else {
        return run.check("lz4 streaming: states", false);
    };
    enc.set_settings(
        lz4::FrameSettings::new()
            .with_block_checksum(true)
            .with_content_checksum(true),
    )
    .ok();
    let mut ok = true;
    for piece in TEXT.chunks(1000) {
        let mut rest = piece;
        while ok && !rest.is_empty() {
            out.clear();
            match run.stack("lz4::Encoder::encode", || enc.encode(rest, &mut out)) {
                Ok(p) => rest = &rest[p.consumed..],
                Err(_) => ok = false,
            }
            ok &= packed.extend_from_slice(&out).is_ok();
        }
    }
    loop {
        out.clear();
        let r = run.stack("lz4::Encoder::finish", || enc.finish(&mut out));
        ok &= packed.extend_from_slice(&out).is_ok();
        match r {
            Ok(p) if p.status == Status::Done => break,
            Ok(_) => {}
            Err(_) => {
                ok = false;
                break;
            }
        }
    }
    let mut input = &packed[..];
    while ok {
        out.clear();
        let piece = &input[..input.len().min(700)];
        match run.stack("lz4::Decoder::decode", || dec.decode(piece, &mut out)) {
            Ok(p) => {
                input = &input[p.consumed..];
                ok &= back.extend_from_slice(&out).is_ok();
                if p.status == Status::Done {
                    break;
                }
            }
            Err(_) => ok = false,
        }
    }
    run.check(
        "lz4 frame streaming round trip",
        ok && input.is_empty() && back[..] == *TEXT,
    );
}

/// One-shot decoding of gzip, zlib and raw deflate: the first use of a new state
/// (which needed 21 KB of stack when the state built miniz_oxide's decompressor on
/// first use) and reuses.
fn inflate_oneshot(run: &mut Run) {
    let (Ok(mut first), Ok(mut again), Ok(mut back)) = (
        INFLATE.try_acquire(),
        INFLATE.try_acquire(),
        BUFS.try_acquire(),
    ) else {
        return run.check("inflate: states", false);
    };
    let mut ok = true;
    let d = run.stack("deflate::decompress_into (gzip, new state)", || {
        deflate::decompress_into(TEXT_GZ, &mut back, deflate::Format::Gzip, &mut first)
    });
    ok &= d.is_ok() && back[..] == *TEXT;
    run.check("deflate::decompress_into (gzip, new state)", ok);
    // The other state, used on a gzip member first, then reused for each format.
    for (name, input, format) in [
        (
            "deflate::decompress_into (gzip)",
            TEXT_GZ,
            deflate::Format::Gzip,
        ),
        (
            "deflate::decompress_into (zlib)",
            TEXT_ZLIB,
            deflate::Format::Zlib,
        ),
        (
            "deflate::decompress_into (raw)",
            TEXT_DEFLATE,
            deflate::Format::Raw,
        ),
    ] {
        back.clear();
        if format == deflate::Format::Gzip {
            let _ = deflate::decompress_into(TEXT_GZ, &mut back, deflate::Format::Gzip, &mut again);
            back.clear();
        }
        let d = run.stack(name, || {
            deflate::decompress_into(input, &mut back, format, &mut again)
        });
        run.check(name, d.is_ok() && back[..] == *TEXT);
    }
}

/// The streaming decoder over a `DecoderState`: input in 100-byte pieces, output into
/// 1 KiB buffers, for gzip, zlib and raw deflate (the first on a new state).
fn deflate_streaming(run: &mut Run) {
    let (Ok(mut state), Ok(mut back), Ok(mut out)) = (
        DEFLATE_DECODER.try_acquire(),
        BUFS.try_acquire(),
        SMALL.try_acquire(),
    ) else {
        return run.check("deflate streaming: states", false);
    };
    for (name, input, format) in [
        (
            "deflate::Decoder::decode (gzip)",
            TEXT_GZ,
            deflate::Format::Gzip,
        ),
        (
            "deflate::Decoder::decode (zlib)",
            TEXT_ZLIB,
            deflate::Format::Zlib,
        ),
        (
            "deflate::Decoder::decode (raw)",
            TEXT_DEFLATE,
            deflate::Format::Raw,
        ),
    ] {
        back.clear();
        let mut dec = deflate::Decoder::new(format, &mut *state);
        let mut rest = input;
        let mut ok = true;
        loop {
            out.clear();
            // Once all is taken, the piece is empty: that call says the input has
            // ended, which is where a gzip stream ends (after its last member).
            let piece = &rest[..rest.len().min(100)];
            match run.stack(name, || dec.decode(piece, &mut out)) {
                Ok(p) => {
                    rest = &rest[p.consumed..];
                    ok &= back.extend_from_slice(&out).is_ok();
                    if p.status == Status::Done {
                        break;
                    }
                    if p.status == Status::NeedInput && piece.is_empty() {
                        ok = false; // truncated
                        break;
                    }
                }
                Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        run.check(name, ok && rest.is_empty() && back[..] == *TEXT);
    }
}

/// One-shot compression of the text as gzip, zlib and raw deflate at level 6 (gzip
/// also at levels 1 and 9), each decoded again by the program's own inflater. The
/// level-6 gzip member is printed for the host's `gzip -t`.
fn deflate_compress_oneshot(run: &mut Run) {
    let (Ok(mut state), Ok(mut inflate), Ok(mut packed), Ok(mut back)) = (
        DEFLATE_ENCODER.try_acquire(),
        INFLATE.try_acquire(),
        BUFS.try_acquire(),
        BUFS.try_acquire(),
    ) else {
        return run.check("deflate compression: states", false);
    };
    for (name, format, level) in [
        ("deflate::compress_into (gzip)", deflate::Format::Gzip, 1),
        ("deflate::compress_into (gzip)", deflate::Format::Gzip, 9),
        ("deflate::compress_into (zlib)", deflate::Format::Zlib, 6),
        ("deflate::compress_into (raw)", deflate::Format::Raw, 6),
        ("deflate::compress_into (gzip)", deflate::Format::Gzip, 6),
    ] {
        packed.clear();
        back.clear();
        let c = run.stack(name, || {
            deflate::compress_into(TEXT, &mut packed, format, level, &mut state)
        });
        let d = deflate::decompress_into(&packed, &mut back, format, &mut inflate);
        let _ = writeln!(Console, "{name}, level {level}: {} bytes", packed.len());
        run.check(
            name,
            c == Ok(packed.len())
                && packed.len() < TEXT.len() / 2
                && d.is_ok()
                && back[..] == *TEXT,
        );
    }
    // The last one: gzip at level 6.
    print_member(&packed);
}

/// The streaming encoder (gzip, level 6): input in 100-byte pieces, output into 1 KiB
/// buffers (each handed on into a buffer that collects them), a sync flush after
/// half the input (what was given so far must then decode), then finish. The member
/// is decoded by the program's inflater and printed for the host's `gzip -t`.
fn deflate_compress_streaming(run: &mut Run) {
    let (Ok(mut state), Ok(mut inflate), Ok(mut packed), Ok(mut back), Ok(mut out)) = (
        DEFLATE_ENCODER.try_acquire(),
        DEFLATE_DECODER.try_acquire(),
        BUFS.try_acquire(),
        BUFS.try_acquire(),
        SMALL.try_acquire(),
    ) else {
        return run.check("deflate streaming compression: states", false);
    };
    let Ok(mut enc) = run.stack("deflate::Encoder::new", || {
        deflate::Encoder::new(deflate::Format::Gzip, 6, &mut *state)
    }) else {
        return run.check("deflate::Encoder::new", false);
    };
    let half = TEXT.len() / 2;
    let mut ok = true;
    // Far more calls than the stream needs: an encoder that stops making progress
    // fails the check instead of hanging the run.
    let mut calls = 0;
    let mut flushed_at = None;
    for (i, piece) in TEXT.chunks(100).enumerate() {
        let mut rest = piece;
        while ok && !rest.is_empty() && calls < 10_000 {
            calls += 1;
            out.clear();
            match run.stack("deflate::Encoder::encode", || enc.encode(rest, &mut out)) {
                Ok(p) => rest = &rest[p.consumed..],
                Err(_) => ok = false,
            }
            ok &= packed.extend_from_slice(&out).is_ok();
        }
        ok &= rest.is_empty();
        if (i + 1) * 100 >= half && flushed_at.is_none() {
            ok &= drain(
                run,
                "deflate::Encoder::flush",
                &mut packed,
                &mut out,
                &mut |o| enc.flush(o),
            );
            flushed_at = Some((packed.len(), ((i + 1) * 100).min(TEXT.len())));
        }
    }
    ok &= drain(
        run,
        "deflate::Encoder::finish",
        &mut packed,
        &mut out,
        &mut |o| enc.finish(o),
    );
    // After the flush, the bytes so far decode to all the input given so far, with
    // no end of stream.
    let (flushed, given) = flushed_at.unwrap_or((0, 0));
    let mut prefix = deflate::Decoder::new(deflate::Format::Gzip, &mut *inflate);
    back.clear();
    let mut input = packed.get(..flushed).unwrap_or_default();
    let mut prefix_ok = flushed > 0;
    for _ in 0..100 {
        out.clear();
        match prefix.decode(input, &mut out) {
            Ok(p) => {
                input = &input[p.consumed..];
                prefix_ok &= back.extend_from_slice(&out).is_ok() && p.status != Status::Done;
                if !prefix_ok || (p.status == Status::NeedInput && input.is_empty()) {
                    break;
                }
            }
            Err(_) => {
                prefix_ok = false;
                break;
            }
        }
    }
    run.check(
        "deflate::Encoder::flush: the stream so far decodes to the input so far",
        prefix_ok && input.is_empty() && given >= half && back[..] == TEXT[..given],
    );
    let Ok(mut first) = INFLATE.try_acquire() else {
        return run.check("deflate streaming compression: inflate state", false);
    };
    back.clear();
    let d = deflate::decompress_into(&packed, &mut back, deflate::Format::Gzip, &mut first);
    let _ = writeln!(
        Console,
        "deflate::Encoder (gzip, level 6, a flush): {} bytes",
        packed.len()
    );
    run.check(
        "deflate::Encoder round trip (gzip, 100-byte pieces, 1 KiB outputs, a flush)",
        ok && d.is_ok() && back[..] == *TEXT,
    );
    print_member(&packed);
}

/// Calls `step` (a flush or a finish) into `out` until it reports `Done`, appending
/// each output to `packed`; returns whether that went without error.
fn drain(
    run: &mut Run,
    name: &'static str,
    packed: &mut bufpress::pool::Buf<'_>,
    out: &mut bufpress::pool::Buf<'_>,
    step: &mut dyn FnMut(
        &mut bufpress::pool::Buf<'_>,
    ) -> Result<bufpress::codec::Progress, bufpress::error::EncodeError>,
) -> bool {
    for _ in 0..100 {
        out.clear();
        let r = run.stack(name, || step(out));
        if packed.extend_from_slice(out).is_err() {
            return false;
        }
        match r {
            Ok(p) if p.status == Status::Done => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// Prints `gzip-member: ` and the bytes in hex, one line (`.ci/qemu` checks it with
/// the host's gzip).
fn print_member(member: &[u8]) {
    let _ = Console.write_str("gzip-member: ");
    for chunk in member.chunks(31) {
        let mut hex = [0u8; 62];
        for (pair, byte) in hex.chunks_mut(2).zip(chunk) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 15)];
        }
        let _ = Console.write_str(core::str::from_utf8(&hex[..2 * chunk.len()]).unwrap_or(""));
    }
    let _ = Console.write_str("\n");
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// One-shot zstd decoding: the first use of a new state, a reuse by the same decoder,
/// and a new decoder on the used state.
fn zstd_oneshot(run: &mut Run) {
    let (Ok(mut state), Ok(mut back)) = (ZSTD.try_acquire(), BUFS.try_acquire()) else {
        return run.check("zstd one-shot: states", false);
    };
    let mut dec = run.stack("zstd::Decoder::new_in", || {
        zstd::Decoder::new_in(&mut state)
    });
    let _ = writeln!(
        Console,
        "zstd: a Decoder value is {} bytes (in the caller's frame, not in the entry points' stack)",
        core::mem::size_of::<zstd::Decoder<'_>>()
    );
    let d = run.stack("zstd::Decoder::decompress_into (new state)", || {
        dec.decompress_into(TEXT_ZST, &mut back)
    });
    run.check(
        "zstd::Decoder::decompress_into (new state)",
        d == Ok(TEXT.len()) && back[..] == *TEXT,
    );
    back.clear();
    let d = run.stack("zstd::Decoder::decompress_into", || {
        dec.decompress_into(TEXT_ZST, &mut back)
    });
    run.check(
        "zstd::Decoder::decompress_into (reuse)",
        d == Ok(TEXT.len()) && back[..] == *TEXT,
    );
    back.clear();
    let mut dec = zstd::Decoder::new_in(&mut state);
    let d = run.stack("zstd::Decoder::decompress_into", || {
        dec.decompress_into(TEXT_ZST, &mut back)
    });
    run.check(
        "zstd::Decoder::decompress_into (new decoder, used state)",
        d == Ok(TEXT.len()) && back[..] == *TEXT,
    );
}

/// Streaming zstd decoding: input in 7-byte, then 64-byte pieces, output into 1 KiB
/// buffers (each handed on into a buffer that collects them).
fn zstd_streaming(run: &mut Run) {
    let (Ok(mut state), Ok(mut back), Ok(mut out)) =
        (ZSTD.try_acquire(), BUFS.try_acquire(), SMALL.try_acquire())
    else {
        return run.check("zstd streaming: states", false);
    };
    let mut dec = zstd::Decoder::new_in(&mut state);
    for (name, size) in [
        ("zstd::Decoder::decode (7-byte pieces)", 7),
        ("zstd::Decoder::decode (64-byte pieces)", 64),
    ] {
        back.clear();
        let (ok, rest) = zstd_stream(run, &mut dec, TEXT_ZST, size, &mut out, &mut back);
        run.check(name, ok && rest == 0 && back[..] == *TEXT);
    }
}

/// Feeds `input` to `dec` in `size`-byte pieces, each output buffer appended to
/// `back`; returns whether the frame ended with no error, and the input left.
fn zstd_stream(
    run: &mut Run,
    dec: &mut zstd::Decoder<'_>,
    input: &[u8],
    size: usize,
    out: &mut bufpress::pool::Buf<'_>,
    back: &mut bufpress::pool::Buf<'_>,
) -> (bool, usize) {
    let mut rest = input;
    // Far more calls than the frame needs: a decoder that stops making progress
    // fails the check instead of hanging the run.
    for _ in 0..10_000 {
        out.clear();
        let piece = &rest[..rest.len().min(size)];
        match run.stack("zstd::Decoder::decode", || dec.decode(piece, out)) {
            Ok(p) => {
                rest = &rest[p.consumed..];
                if back.extend_from_slice(out).is_err() {
                    return (false, rest.len());
                }
                if p.status == Status::Done {
                    return (true, rest.len());
                }
                if p.status == Status::NeedInput && rest.is_empty() {
                    return (false, 0); // the input ended inside the frame
                }
            }
            Err(_) => return (false, rest.len()),
        }
    }
    (false, rest.len())
}

/// Hostile zstd input: a corrupted block, a corrupted checksum, a cut frame and a
/// frame larger than the decoder's content limit each give an error (no fault, no
/// output left in the buffer), one-shot and streaming; the decoder then decodes a
/// good frame again.
fn zstd_hostile(run: &mut Run) {
    let (Ok(mut state), Ok(mut bad), Ok(mut back), Ok(mut out)) = (
        ZSTD.try_acquire(),
        BUFS.try_acquire(),
        BUFS.try_acquire(),
        SMALL.try_acquire(),
    ) else {
        return run.check("zstd hostile: states", false);
    };
    let mut dec = zstd::Decoder::new_in(&mut state);
    let n = TEXT_ZST.len();
    // Bytes flipped: in the compressed block (its Huffman and FSE streams), and in the
    // content checksum (the frame's last byte).
    for (name, at) in [
        ("zstd: a corrupted block is an error", n / 2),
        ("zstd: a corrupted block (early) is an error", 20),
        ("zstd: a corrupted checksum is an error", n - 1),
    ] {
        bad.clear();
        let ok = bad.extend_from_slice(TEXT_ZST).is_ok();
        bad[at] ^= 0x55;
        back.clear();
        let d = run.stack("zstd::Decoder::decompress_into (hostile)", || {
            dec.decompress_into(&bad, &mut back)
        });
        back.clear();
        let (s, _) = zstd_stream(run, &mut dec, &bad, 64, &mut out, &mut back);
        run.check(name, ok && d.is_err() && !s);
    }
    back.clear();
    let d = run.stack("zstd::Decoder::decompress_into (hostile)", || {
        dec.decompress_into(&TEXT_ZST[..n - 100], &mut back)
    });
    run.check(
        "zstd: a cut frame is Truncated, nothing written",
        d == Err(DecodeError::Truncated) && back.is_empty(),
    );
    let mut limited = zstd::Decoder::new_in(&mut state).with_max_content(1000);
    let d = run.stack("zstd::Decoder::decompress_into (hostile)", || {
        limited.decompress_into(TEXT_ZST, &mut back)
    });
    run.check(
        "zstd: content over the limit is LimitExceeded, nothing written",
        matches!(d, Err(DecodeError::LimitExceeded { .. })) && back.is_empty(),
    );
    let mut dec = zstd::Decoder::new_in(&mut state);
    let d = dec.decompress_into(TEXT_ZST, &mut back);
    run.check(
        "zstd: the state decodes again after the errors",
        d == Ok(TEXT.len()) && back[..] == *TEXT,
    );
}

/// Results of the run: the deepest stack per entry point, the checks' count.
pub(crate) struct Run {
    stacks: [(&'static str, usize); 32],
    entries: usize,
    checks: usize,
    failed: usize,
}

impl Run {
    /// Calls `f` (an entry point) and records the deepest stack it used under `name`.
    pub(crate) fn stack<R>(&mut self, name: &'static str, f: impl FnOnce() -> R) -> R {
        let (r, depth) = measure(f);
        let room = self.entries < self.stacks.len();
        match self.stacks[..self.entries]
            .iter_mut()
            .find(|(n, _)| *n == name)
        {
            Some(entry) => entry.1 = entry.1.max(depth),
            None if room => {
                self.stacks[self.entries] = (name, depth);
                self.entries += 1;
            }
            None => self.failed += 1,
        }
        r
    }

    /// Records a check; prints it when it failed.
    pub(crate) fn check(&mut self, name: &str, ok: bool) {
        self.checks += 1;
        if !ok {
            self.failed += 1;
        }
        let _ = writeln!(
            Console,
            "check {} {name}",
            if ok { "ok    " } else { "FAILED" }
        );
    }
}

/// Runs every check, prints the report, exits (0 only if all passed).
pub(crate) fn run() -> ! {
    let mut run = Run {
        stacks: [("", 0); 32],
        entries: 0,
        checks: 0,
        failed: 0,
    };
    let _ = writeln!(
        Console,
        "qemu: bufpress self-test, {} bytes of text",
        TEXT.len()
    );
    for check in CHECKS {
        check(&mut run);
    }
    let mut deepest = 0;
    for &(name, depth) in &run.stacks[..run.entries] {
        let _ = writeln!(Console, "stack {depth:6} {name}");
        deepest = deepest.max(depth);
        if depth > STACK_BOUND {
            let _ = writeln!(
                Console,
                "qemu: FAILED: {name} used more than {STACK_BOUND} bytes of stack"
            );
            run.failed += 1;
        }
    }
    let _ = writeln!(
        Console,
        "qemu: {} checks, {} entry points, {} failed; deepest stack {deepest} bytes (bound {STACK_BOUND})",
        run.checks, run.entries, run.failed
    );
    exit(run.failed == 0)
}

/// Calls `f` below a painted stack; returns its result and the bytes of stack it used.
#[inline(never)]
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    unsafe extern "C" {
        /// The end of `.bss` (`link.x`): the stack must not be painted below it.
        static _ebss: u8;
    }
    let sp: usize;
    // SAFETY: reads the stack pointer.
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    let top = sp & !3;
    let bottom = top
        .saturating_sub(PAINT)
        .max((core::ptr::addr_of!(_ebss) as usize + 3) & !3);
    // SAFETY: writes the words in [bottom, top): stack memory below the stack pointer,
    // which no Rust value occupies (the AAPCS has no red zone; nothing runs below this
    // frame but the call below, and no interrupt is enabled), and above the end of
    // `.bss`. The loop uses only registers.
    unsafe {
        core::arch::asm!(
            "1:",
            "cmp {p}, {top}",
            "bhs 2f",
            "str {pat}, [{p}], #4",
            "b 1b",
            "2:",
            p = inout(reg) bottom => _,
            top = in(reg) top,
            pat = in(reg) PATTERN,
            options(nostack),
        );
    }
    let r = call(f);
    let mut low = bottom;
    // SAFETY: reads the words in [bottom, top), as painted above; stops at the first
    // one that is not the pattern.
    unsafe {
        core::arch::asm!(
            "1:",
            "cmp {p}, {top}",
            "bhs 2f",
            "ldr {w}, [{p}]",
            "cmp {w}, {pat}",
            "bne 2f",
            "adds {p}, {p}, #4",
            "b 1b",
            "2:",
            p = inout(reg) low,
            top = in(reg) top,
            pat = in(reg) PATTERN,
            w = out(reg) _,
            options(nostack, readonly),
        );
    }
    // A call that dirtied the lowest painted word may have gone deeper: it is
    // reported as deeper than the bound.
    let depth = if low <= bottom {
        PAINT.max(STACK_BOUND + 1)
    } else {
        top - low
    };
    (r, depth)
}

/// The call measured: never inlined, so all of `f`'s frames are below the caller's.
#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Semihosting output: each `write_str` is one `SYS_WRITE0` of a NUL-terminated copy.
struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for chunk in s.as_bytes().chunks(63) {
            let mut line = [0u8; 64];
            line[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: SYS_WRITE0 (4) reads the NUL-terminated string at r1 (`line`
            // ends in at least one zero byte).
            unsafe { semihost(0x04, line.as_ptr() as usize) };
        }
        Ok(())
    }
}

/// Prints what went wrong and ends the run with status 1 (the panic handler, the
/// exception handler).
pub(crate) fn fail(what: &str) -> ! {
    let _ = writeln!(Console, "qemu: FAILED: {what}");
    exit(false)
}

/// Ends the QEMU run through semihosting's SYS_EXIT: status 0 for
/// `ADP_Stopped_ApplicationExit`, 1 for anything else.
pub(crate) fn exit(ok: bool) -> ! {
    let reason = if ok { 0x2_0026 } else { 0x2_0024 };
    // SAFETY: SYS_EXIT (0x18) takes the reason code in r1 and does not return under
    // QEMU.
    unsafe { semihost(0x18, reason) };
    loop {
        core::hint::spin_loop();
    }
}

/// A semihosting call: operation in r0, argument in r1, result in r0.
///
/// # Safety
///
/// `arg` must be what the operation expects (a valid pointer where it reads memory);
/// only under a debugger or QEMU with `-semihosting-config enable=on`: elsewhere
/// `bkpt` faults.
unsafe fn semihost(op: usize, arg: usize) -> usize {
    let r;
    // SAFETY: the caller's contract; `bkpt 0xab` is the Thumb semihosting trap.
    unsafe { core::arch::asm!("bkpt #0xab", inout("r0") op => r, in("r1") arg, options(nostack)) };
    r
}
