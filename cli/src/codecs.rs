//! The codec states behind each format, built once per input: large states are
//! `static`s in `.bss` (taken from one-slot value pools), the ones whose library must
//! allocate (deflate compression on flate2/zlib-rs; libzstd's static contexts, whose
//! memory is taken once) are built on the heap before the streaming loop starts
//! (warm-up). Decoding lz4 and deflate/zlib/gzip uses core's no-allocator decoders.
//!
//! Every codec the CLI builds is built here (the streaming loops in `stream.rs` only
//! call the `Encode`/`Decode` traits): a change of the codecs' constructors touches
//! this module alone.

use bufpress::codec::deflate::{self, DecoderState};
use bufpress::codec::lz4::{self, BlockMode, BlockSize, FrameSettings};
use bufpress::codec::{Decode, Encode};
use bufpress::pool::ValuePool;
use bufpress_std::{flate, zstd};

use crate::failure::Failure;
use crate::format::Format;

/// lz4 blocks the CLI writes: 64 KiB, independent (the fastest with bufpress's
/// compressor, whose table then stays in cache; `lz4 -B4`).
pub(crate) const LZ4_BLOCK: BlockSize = BlockSize::Max64KiB;
const LZ4_ENC_MEM: usize = lz4::encoder_memory(LZ4_BLOCK, BlockMode::Independent);
/// The decoder reads every frame the `lz4` tool writes: blocks up to 4 MiB (its
/// default), linked or not. 8 MiB + 64 KiB of `.bss`, touched only as far as the
/// frames' blocks need.
const LZ4_DEC_MEM: usize = lz4::decoder_memory(BlockSize::Max4MiB, BlockMode::Linked);

static LZ4_ENCODER: ValuePool<lz4::Encoder<LZ4_ENC_MEM>, 1> =
    ValuePool::new([const { lz4::Encoder::new() }]);
static LZ4_DECODER: ValuePool<lz4::Decoder<LZ4_DEC_MEM>, 1> =
    ValuePool::new([const { lz4::Decoder::new() }]);
static INFLATE: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);

/// The largest zstd window the CLI decodes by default: 8 MiB, enough for every level
/// up to 19 without `--long` (`zstd --ultra -22` and `--long` need more: `--ultra` or
/// `--long[=N]` raise it). A frame asking for more is refused at its header (exit
/// status 1).
pub(crate) const ZSTD_WINDOW_LIMIT: usize = 8 << 20;
/// The largest zstd window with `--ultra`, compressing and decompressing: 128 MiB
/// (windowLog 27, what `zstd --ultra -22` writes and `zstd -d` accepts without
/// `--memory`).
pub(crate) const ZSTD_ULTRA_WINDOW_LIMIT: usize = 128 << 20;

/// The zstd levels the CLI takes: libzstd's fastest (`--fast=N` is level -N) to 19,
/// or to 22 with `--ultra`.
pub(crate) fn zstd_levels(ultra: bool) -> (i32, i32) {
    let hi = if ultra {
        zstd::ULTRA_MAX_LEVEL
    } else {
        zstd::MAX_LEVEL
    };
    (zstd::min_level(), hi)
}

fn deflate_format(format: Format) -> deflate::Format {
    match format {
        Format::Zlib => deflate::Format::Zlib,
        Format::Deflate => deflate::Format::Raw,
        _ => deflate::Format::Gzip,
    }
}

/// The encoder for `format` at `level` (checked; `ultra`: `--ultra` was given);
/// `size` is the input's size when known (a file), which zstd uses to pick its
/// window.
///
/// # Errors
///
/// A usage failure for a level out of range or a state already taken.
pub(crate) fn encoder(
    format: Format,
    level: i32,
    ultra: bool,
    size: Option<u64>,
) -> Result<Box<dyn Encode>, Failure> {
    format.check_level(level, ultra).map_err(Failure::Usage)?;
    Ok(match format {
        Format::Lz4 => {
            let mut state = LZ4_ENCODER.try_acquire().map_err(Failure::internal)?;
            let settings = FrameSettings::new().with_block_size(LZ4_BLOCK);
            state.set_settings(settings).map_err(Failure::internal)?;
            Box::new(state)
        }
        Format::Gzip | Format::Zlib | Format::Deflate => {
            // flate2 on zlib-rs through bufpress-std: its state is built here, once,
            // and reset per stream (zlib-rs; core's own compressor is for no_std).
            let encoder =
                flate::Encoder::new(deflate_format(format), level).map_err(Failure::internal)?;
            Box::new(encoder)
        }
        Format::Zstd => zstd_encoder(zstd_settings(level, ultra, size), size)?,
    })
}

/// The zstd window bufpress writes for `level`: what `zstd` itself picks for large
/// inputs (2 MiB at level 3, 8 MiB from level 16; with `--ultra` 32, 64 and 128 MiB
/// at 20, 21 and 22), never more than the decoders' limit (8 MiB, or 128 MiB with
/// `--ultra`), and no more than a file's size.
fn zstd_window(level: i32, ultra: bool, size: Option<u64>) -> usize {
    let log = match level {
        ..=2 => 18 + level.max(1),
        3..=7 => 21,
        8..=15 => 22,
        16..=19 => 23,
        20 => 25,
        21 => 26,
        _ => 27,
    };
    let limit = if ultra {
        ZSTD_ULTRA_WINDOW_LIMIT
    } else {
        ZSTD_WINDOW_LIMIT
    };
    let window = (1usize << log).min(limit);
    size.map_or(window, |n| {
        usize::try_from(n).unwrap_or(usize::MAX).clamp(1024, window)
    })
}

fn zstd_settings(level: i32, ultra: bool, size: Option<u64>) -> zstd::Settings {
    zstd::Settings::new(level, zstd_window(level, ultra, size))
        .with_checksum(true)
        .with_ultra(ultra)
}

/// What zstd compression at `level` takes for an input of `size` bytes (unknown:
/// `None`): the window and the memory of the context, in bytes (for `-v`).
pub(crate) fn zstd_memory(level: i32, ultra: bool, size: Option<u64>) -> (usize, usize) {
    let settings = zstd_settings(level, ultra, size);
    (1 << settings.window_log(), settings.memory())
}

/// zstd compression: libzstd through `bufpress_std::zstd`, a static context sized for
/// the level and window (built here, the only allocation); a file's size is pledged,
/// so the frame header carries it, as `zstd` writes it.
fn zstd_encoder(settings: zstd::Settings, size: Option<u64>) -> Result<Box<dyn Encode>, Failure> {
    let level = settings.level();
    let mut compressor = zstd::Encoder::new(settings)
        .map_err(|e| Failure::Usage(format!("zstd level {level}: {e}")))?;
    compressor
        .set_pledged_size(size)
        .map_err(Failure::internal)?;
    Ok(Box::new(compressor))
}

/// `--long` without a value: windowLog 27 (128 MiB), as `zstd --long`.
pub(crate) const LONG_DEFAULT_WINDOW_LOG: u32 = 27;
/// The window logs `--long=N` takes: libzstd's smallest (1 KiB) to the largest
/// `bufpress_std::zstd::Decoder` plans for (1 GiB; `zstd` goes to 31 on 64-bit).
pub(crate) const LONG_WINDOW_LOGS: core::ops::RangeInclusive<u32> = 10..=30;

/// The decoder for `format`; `ultra` and `long` (`--ultra`, `--long=N`) raise the
/// zstd window limit.
///
/// # Errors
///
/// An internal failure when a state is already taken (never: one run, one state).
pub(crate) fn decoder(
    format: Format,
    ultra: bool,
    long: Option<u32>,
) -> Result<Box<dyn Decode>, Failure> {
    Ok(match format {
        Format::Lz4 => {
            let mut state = LZ4_DECODER.try_acquire().map_err(Failure::internal)?;
            state.reset();
            Box::new(state)
        }
        Format::Gzip | Format::Zlib | Format::Deflate => {
            let state = INFLATE.try_acquire().map_err(Failure::internal)?;
            // One gzip member per stream: the loop in `stream::decompress` goes on
            // with the next, counting members and where each begins (for its
            // messages), as it does frames.
            Box::new(deflate::Decoder::new(deflate_format(format), state).single_member())
        }
        Format::Zstd => zstd_decoder(ultra, long),
    })
}

/// zstd decoding: libzstd through `bufpress_std::zstd`, a static context for windows
/// up to [`ZSTD_WINDOW_LIMIT`] (built here, the only allocation),
/// [`ZSTD_ULTRA_WINDOW_LIMIT`] with `--ultra`, 2^N with `--long=N` (the larger of
/// the two when both are given), as `zstd -d --long=N`. The memory is about the limit
/// (address space, touched as far as a frame's window needs).
fn zstd_decoder(ultra: bool, long: Option<u32>) -> Box<dyn Decode> {
    let mut limit = if ultra {
        ZSTD_ULTRA_WINDOW_LIMIT
    } else {
        ZSTD_WINDOW_LIMIT
    };
    if let Some(log) = long {
        // Checked by args: at most 30.
        limit = limit.max(1usize << log.min(*LONG_WINDOW_LOGS.end()));
    }
    Box::new(zstd::Decoder::new(limit))
}
