//! The zero-allocation proof for zstd decoding: after `Decoder::new` (which sizes
//! every buffer; no warm-up call), messages of 0 B to 1 MiB of every data kind, made by
//! the `zstd` CLI at several levels, with and without a declared size, decode one-shot
//! and streaming with 0 allocations and 0 reallocations. Many of those frames use
//! ruzstd's *predefined* FSE tables, for which ruzstd 0.9.1 allocates per block; the
//! workspace builds ruzstd from `vendor/ruzstd`, which removes that copy (see
//! `vendor/ruzstd/PATCH.md`), and `predefined_tables` counts such frames so the test
//! shows it covers them. A frame whose window is beyond the limit is refused with 0
//! allocations. The same frames decode with no allocation on caller memory
//! (`Decoder::from_parts`), and so do invalid blocks that made ruzstd 0.9.1 grow.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::OnceLock;

use bufpress::codec::zstd::{Decoder, DecoderTables, decoder_memory};
use bufpress::codec::{Decode as _, DecodeError, Status, decode_to};
use bufpress::pool::Pool;
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, Counts, measure};
use bufpress_tests::tools;

#[global_allocator]
static ALLOC: Live = Live(CountingAlloc);

/// The counting allocator, plus the bytes this thread holds (allocated minus freed),
/// to report what a decoder keeps.
struct Live(CountingAlloc);

thread_local! {
    static HELD: Cell<i64> = const { Cell::new(0) };
}

fn held() -> i64 {
    HELD.try_with(Cell::get).unwrap_or(0)
}

fn hold(delta: i64) {
    let _ = HELD.try_with(|h| h.set(h.get() + delta));
}

// SAFETY: every method forwards to `CountingAlloc` with the caller's arguments
// unchanged; the bookkeeping touches only a const thread-local with no destructor.
unsafe impl GlobalAlloc for Live {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        hold(layout.size() as i64);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        hold(layout.size() as i64);
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        hold(-(layout.size() as i64));
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        hold(new_size as i64 - layout.size() as i64);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

const MIB: usize = 1 << 20;
/// Level 19 with an unknown size declares an 8 MiB window.
const WINDOW: usize = 8 * MIB;

static ONE_SHOT: Pool<2, MIB> = Pool::new();
static PIECES: Pool<2, 4096> = Pool::new();
static REFUSED: Pool<1, 4096> = Pool::new();

/// A message and its frame.
struct Case {
    name: String,
    data: Vec<u8>,
    frame: Vec<u8>,
    /// Predefined FSE tables used by the frame's blocks.
    predefined: usize,
}

/// The frames, made once for the tests of this file.
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(make_cases)
}

fn make_cases() -> Vec<Case> {
    let sizes: &[usize] = &[0, 1, 17, 100, 700, 4096, 20_000, 65_536, 300_000, MIB];
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        for (k, &kind) in KINDS.iter().enumerate() {
            let data = corpus::make(kind, size, (i * 10 + k) as u64);
            let levels: &[&str] = match size {
                0..=20_000 => &["-1", "-3", "-19"],
                65_536 => &["--fast=5", "-3", "-19"],
                _ => &["-3"],
            };
            for (l, level) in levels.iter().enumerate() {
                // Every other frame declares its size (stdin hides it otherwise).
                let sized = format!("--stream-size={size}");
                let mut args = vec!["-q", "-c", level];
                if (i + k + l) % 2 == 0 {
                    args.push(&sized);
                }
                if (i + l) % 3 == 0 {
                    args.push("--no-check");
                }
                let frame = tools::pipe("zstd", &args, &data);
                let predefined = predefined_tables(&frame);
                let name = format!("{kind:?} {size} {args:?}");
                out.push(Case {
                    name,
                    data: data.clone(),
                    frame,
                    predefined,
                });
            }
        }
    }
    out
}

/// How many predefined FSE tables (literal lengths, offsets, match lengths) the
/// compressed blocks of `frames` use: unpatched ruzstd 0.9.1 allocates a copy of the
/// predefined distribution for each (`FSETable::build_from_probabilities`:
/// `probs.to_vec()`, fed a temporary `Vec::from(..)` by `maybe_update_fse_tables`).
fn predefined_tables(mut frames: &[u8]) -> usize {
    let mut count = 0;
    while frames.len() >= 4 {
        let fhd = frames[4];
        let single = fhd & 0x20 != 0;
        let fcs = match fhd >> 6 {
            0 => usize::from(single),
            1 => 2,
            2 => 4,
            _ => 8,
        };
        let mut at = 5 + usize::from(!single) + [0, 1, 2, 4][usize::from(fhd & 3)] + fcs;
        loop {
            let h = u32::from_le_bytes([frames[at], frames[at + 1], frames[at + 2], 0]);
            let size = (h >> 3) as usize;
            at += 3;
            match (h >> 1) & 3 {
                0 => at += size,
                1 => at += 1,
                _ => {
                    count += predefined_in_block(&frames[at..at + size]);
                    at += size;
                }
            }
            if h & 1 != 0 {
                break;
            }
        }
        if fhd & 4 != 0 {
            at += 4;
        }
        frames = &frames[at..];
    }
    count
}

fn predefined_in_block(b: &[u8]) -> usize {
    let b0 = usize::from(b[0]);
    let sf = (b0 >> 2) & 3;
    let literals = if b0 & 3 < 2 {
        let (h, size) = match sf {
            0 | 2 => (1, b0 >> 3),
            1 => (2, (b0 >> 4) + (usize::from(b[1]) << 4)),
            _ => (
                3,
                (b0 >> 4) + (usize::from(b[1]) << 4) + (usize::from(b[2]) << 12),
            ),
        };
        h + if b0 & 3 == 0 { size } else { 1 }
    } else {
        let (b1, b2) = (usize::from(b[1]), usize::from(b[2]));
        match sf {
            0 | 1 => 3 + (b1 >> 6) + (b2 << 2),
            2 => 4 + (b2 >> 2) + (usize::from(b[3]) << 6),
            _ => 5 + (b2 >> 6) + (usize::from(b[3]) << 2) + (usize::from(b[4]) << 10),
        }
    };
    let s = &b[literals..];
    let modes = match s[0] {
        0 => return 0,
        1..=127 => s[1],
        128..=254 => s[2],
        255 => s[3],
    };
    [6, 4, 2]
        .iter()
        .filter(|&&shift| (modes >> shift) & 3 == 0)
        .count()
}

fn check(counts: Counts, what: &str) {
    assert!(counts.is_zero(), "{what}: {counts:?}");
}

#[test]
fn one_shot_and_streaming_allocate_nothing() {
    if !tools::available("zstd") {
        return;
    }
    let cases = cases();
    let (mut decoder, built) = measure(|| Decoder::new(WINDOW));
    eprintln!("Decoder::new({WINDOW}): {built:?}");
    let mut out = ONE_SHOT.try_acquire().unwrap();
    let mut with_predefined = 0;
    for case in cases {
        // One-shot.
        out.clear();
        let (n, counts) = measure(|| decoder.decompress_into(&case.frame, &mut out));
        assert_eq!(n, Ok(case.data.len()), "{}", case.name);
        assert!(out[..] == case.data[..], "{}", case.name);
        check(counts, &case.name);

        // Streaming: 1000-byte pieces into 4 KiB buffers, compared as they fill.
        let (matched, counts) = measure(|| {
            let mut buf = PIECES.try_acquire().unwrap();
            let (mut at, mut seen) = (0, 0);
            loop {
                let end = (at + 1000).min(case.frame.len());
                let p = decoder.decode(&case.frame[at..end], &mut buf).unwrap();
                at += p.consumed;
                if p.status != Status::NeedInput || at == case.frame.len() {
                    if buf[..] != case.data[seen..seen + buf.len()] {
                        return false;
                    }
                    seen += buf.len();
                    buf.clear();
                }
                if p.status == Status::Done {
                    return seen == case.data.len() && at == case.frame.len();
                }
            }
        });
        assert!(matched, "{}", case.name);
        check(counts, &case.name);

        // The pool driver.
        let (used, counts) = measure(|| {
            let mut seen = 0;
            decode_to(&mut decoder, &case.frame, PIECES.pool_ref(), |buf| {
                let same = buf[..] == case.data[seen..seen + buf.len()];
                seen += buf.len();
                if same { Ok(()) } else { Err("differs") }
            })
        });
        assert_eq!(used, Ok(case.frame.len()), "{}", case.name);
        check(counts, &case.name);

        with_predefined += usize::from(case.predefined > 0);
    }
    eprintln!(
        "{} frames, {with_predefined} using predefined tables",
        cases.len()
    );
    // The frames that made unpatched ruzstd allocate are well represented.
    assert!(with_predefined * 4 >= cases.len(), "{with_predefined}");
    assert_eq!(PIECES.stats().available, 2);
}

#[test]
/// The regression test for the vendored patch: frames whose blocks use predefined
/// tables, decoded again and again, allocate nothing (unpatched ruzstd 0.9.1 makes at
/// least one allocation per such table).
fn frames_with_predefined_tables_allocate_nothing() {
    if !tools::available("zstd") {
        return;
    }
    let cases: Vec<&Case> = cases().iter().filter(|c| c.predefined > 0).collect();
    assert!(cases.len() > 20, "{}", cases.len());
    let mut decoder = Decoder::new(WINDOW);
    let mut out = ONE_SHOT.try_acquire().unwrap();
    let ((), counts) = measure(|| {
        for _ in 0..3 {
            for case in &cases {
                out.clear();
                let n = decoder.decompress_into(&case.frame, &mut out);
                assert_eq!(n, Ok(case.data.len()));
            }
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
}

#[test]
fn a_window_beyond_the_limit_is_refused_with_no_allocation() {
    let mut decoder = Decoder::new(64 * 1024);
    let mut out = REFUSED.try_acquire().unwrap();
    // Window descriptor 0x50: 2^(10 + 10) = 1 MiB; then 1 GiB; then a single-segment
    // frame declaring 3 GiB of content.
    let frames: [&[u8]; 3] = [
        &[0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x50, 0x01, 0x00, 0x00],
        &[0x28, 0xB5, 0x2F, 0xFD, 0x04, 0xA0],
        &[0x28, 0xB5, 0x2F, 0xFD, 0xA0, 0x00, 0x00, 0x00, 0xC0],
    ];
    for frame in frames {
        let (e, counts) = measure(|| decoder.decompress_into(frame, &mut out));
        assert!(
            matches!(e, Err(DecodeError::LimitExceeded { limit: 65536, .. })),
            "{e:?}"
        );
        assert!(counts.is_zero(), "{counts:?}");
        let (e, counts) = measure(|| {
            decoder.reset();
            decoder.decode(frame, &mut out)
        });
        assert!(matches!(e, Err(DecodeError::LimitExceeded { .. })), "{e:?}");
        assert!(counts.is_zero(), "{counts:?}");
    }
}

#[test]
fn construction_sizes() {
    for window in [1024, 16 * 1024, 64 * 1024, 128 * 1024, MIB, WINDOW] {
        let before = held();
        let (decoder, counts) = measure(|| Decoder::new(window));
        let kept = held() - before;
        let inline = size_of_val(&decoder);
        drop(decoder);
        let after_drop = held() - before;
        // (Printing allocates into the test harness's capture buffer: after measuring.)
        eprintln!(
            "window {window:>8}: holds {kept:>8} heap bytes + {inline} inline; \
             construction made {} allocations, {} reallocations, {} bytes requested",
            counts.allocs, counts.reallocs, counts.bytes,
        );
        assert_eq!(after_drop, 0, "everything is freed on drop");
        // The ring buffer is window + block rounded up (at most twice that); then a
        // block each for ruzstd's literal buffer and our input staging, and the tables
        // (21,328 bytes; no sequence buffer, no block copy since bufpress-ruzstd's
        // caller-memory change).
        let block = window.min(128 * 1024) as i64;
        let bound = 2 * (window as i64 + block) + 2 * block + 32 * 1024;
        assert!(kept <= bound, "{kept} > {bound}");
    }
}

/// A frame (128 KiB window, no checksum) of one last compressed block.
fn one_block_frame(content: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3];
    let header = 1 | (2 << 1) | ((content.len() as u32) << 3);
    frame.extend_from_slice(&header.to_le_bytes()[..3]);
    frame.extend_from_slice(content);
    frame
}

#[test]
fn blocks_that_make_ruzstd_allocate_megabytes_are_refused_first() {
    static OUT: Pool<1, { 128 * 1024 }> = Pool::new();
    // Measured with ruzstd 0.9.1 alone (FrameDecoder::decode_all, 128 KiB window):
    // 1. An FSE table description: a zero probability, then an endless run of
    //    "3 more zeros": ruzstd resizes its probability vector to 8 MiB before the bits
    //    run out.
    let mut fse_run = vec![0x00, 0x01, 0x80, 0x10, 0xFE];
    fse_run.resize(120_000, 0xFF);
    // 2. RLE literals declared 1 MiB - 1 long, no sequences: ruzstd decodes a 14-byte
    //    block to 1 MiB (the format allows 128 KiB) and allocates 1.3 MB for it.
    let size: u32 = (1 << 20) - 1;
    let mut rle = (1 | (3 << 2) | (size << 4)).to_le_bytes()[..3].to_vec();
    rle.extend_from_slice(&[b'x', 0]);
    // 3. 98,047 sequences declared in a 9-byte block: ruzstd reserves 1.2 MB for them.
    let sequences = vec![0x00, 0xFF, 0xFF, 0xFF, 0x54, 0, 0, 0, 0x80];

    let mut decoder = Decoder::new(128 * 1024);
    let mut out = OUT.try_acquire().unwrap();
    for content in [fse_run, rle, sequences] {
        let frame = one_block_frame(&content);
        let (e, counts) = measure(|| decoder.decompress_into(&frame, &mut out));
        assert_eq!(e, Err(DecodeError::Corrupt));
        assert!(counts.is_zero(), "{counts:?}");
    }
}

/// Huffman-coded literals, 4 streams of 30,000 bytes of 1-bit codes, declared to
/// decode to 10 literals: ruzstd 0.9.1 decoded every stream to its end (8 literals a
/// byte) before it compared the count.
fn literal_overshoot() -> Vec<u8> {
    let streams = 30_000usize;
    let compressed = 2 + 6 + 4 * streams;
    let r = 10usize;
    let mut content = vec![
        (2 | (3 << 2) | ((r & 0xF) << 4)) as u8,
        (r >> 4) as u8,
        (((r >> 12) & 0x3F) | ((compressed & 3) << 6)) as u8,
        (compressed >> 2) as u8,
        (compressed >> 10) as u8,
        128,  // Huffman weights stated directly: one weight,
        0x10, // weight 1: two symbols with 1-bit codes
    ];
    for _ in 0..3 {
        content.extend_from_slice(&(streams as u16).to_le_bytes());
    }
    content.resize(content.len() + 4 * streams, 0xFF);
    content.push(0); // no sequences
    one_block_frame(&content)
}

/// A raw block of 1000 bytes, then a block of two sequences (all codes RLE) copying
/// 131,072 and 131,074 bytes: ruzstd 0.9.1 checked the block size after each sequence,
/// so the second one landed in its ring buffer before the error.
fn sequence_overshoot() -> Vec<u8> {
    let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 7 << 3];
    frame.extend_from_slice(&(1000u32 << 3).to_le_bytes()[..3]);
    frame.extend_from_slice(&[7; 1000]);
    // The bit stream, read from its end: a marker bit, then 16 extra bits of match
    // length per sequence (match length code 52: 65,539 + extra).
    let bits: u64 = (1 << 32) | ((131_072 - 65_539) << 16) | (131_074 - 65_539);
    let mut content = vec![0x00, 0x02, 0x54, 0, 0, 52];
    content.extend_from_slice(&bits.to_le_bytes()[..5]);
    let header = 1 | (2 << 1) | ((content.len() as u32) << 3);
    frame.extend_from_slice(&header.to_le_bytes()[..3]);
    frame.extend_from_slice(&content);
    frame
}

/// The invalid blocks that made ruzstd 0.9.1 grow a buffer once (its literal buffer to
/// 1 MiB, its ring buffer by up to 256 KiB) are errors before anything grows now:
/// bufpress-ruzstd decodes literals into a buffer of exactly the declared count and
/// checks each sequence against the block maximum before copying it.
#[test]
fn invalid_blocks_that_made_ruzstd_grow_allocate_nothing() {
    static OUT: Pool<1, { 512 * 1024 }> = Pool::new();
    let mut out = OUT.try_acquire().unwrap();
    for frame in [literal_overshoot(), sequence_overshoot()] {
        let mut decoder = Decoder::new(128 * 1024);
        let before = held();
        let (e, first) = measure(|| decoder.decompress_into(&frame, &mut out));
        let grown = held() - before;
        assert_eq!(e, Err(DecodeError::Corrupt));
        assert!(first.is_zero() && grown == 0, "{first:?}, {grown}");
        // On caller memory, too.
        let mut tables = Box::new(DecoderTables::new());
        let mut buf = vec![0; decoder_memory(128 * 1024)];
        let mut decoder = Decoder::from_parts(&mut tables, &mut buf);
        let (e, counts) = measure(|| decoder.decompress_into(&frame, &mut out));
        assert_eq!(e, Err(DecodeError::Corrupt));
        assert!(counts.is_zero(), "{counts:?}");
    }
}

/// The frames of `one_shot_and_streaming_allocate_nothing`, on caller memory.
#[test]
fn on_caller_memory_every_frame_decodes_with_no_allocation() {
    if !tools::available("zstd") {
        return;
    }
    let mut tables = Box::new(DecoderTables::new());
    let mut buf = vec![0; decoder_memory(WINDOW)];
    let mut decoder = Decoder::from_parts(&mut tables, &mut buf);
    let mut out = ONE_SHOT.try_acquire().unwrap();
    let ((), counts) = measure(|| {
        for case in cases() {
            out.clear();
            let n = decoder.decompress_into(&case.frame, &mut out);
            assert_eq!(n, Ok(case.data.len()), "{}", case.name);
            assert!(out[..] == case.data[..], "{}", case.name);
            let mut seen = 0;
            let used = decode_to(&mut decoder, &case.frame, PIECES.pool_ref(), |b| {
                let same = b[..] == case.data[seen..seen + b.len()];
                seen += b.len();
                if same { Ok(()) } else { Err("differs") }
            });
            assert_eq!(used, Ok(case.frame.len()), "{}", case.name);
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
}
