//! The two paths `bench` compares, like with like: the same data, the same frame
//! options and the same output bound on both sides, per format.
//!
//! | format | frame options (both sides) | naive: what a user writes per message | pooled: what bufpress does |
//! |---|---|---|---|
//! | lz4 | 64 KiB independent blocks, content checksum, no block checksums, no content size | lz4_flex `FrameEncoder::with_frame_info` / `FrameDecoder` over a new `Vec` | core `lz4::compress_frame_into` / `decompress_frame_into`, a `Table` built once |
//! | zstd | level 3, XXH64 checksum, content size in the header, window picked by libzstd from the message size | `zstd::bulk::Compressor::new(3)` + `include_checksum(true)` + `compress`; `zstd::bulk::decompress(frame, len)`: a fresh libzstd context per message | `bufpress_std::zstd` `Encoder::compress_into` (`ZSTD_compress2`) / `Decoder::decompress_into` on static contexts built once |
//! | gzip, zlib, deflate | level 6, zlib-rs (flate2), default window and memLevel | flate2 `write::GzEncoder` (`ZlibEncoder`, `DeflateEncoder`) / `read::GzDecoder` (…) per message | `bufpress_std::flate` `Encoder` / `Decoder` (the same zlib-rs, reset per message) |
//!
//! Output: naive code gets a `Vec` with the capacity it needs (the compress bound,
//! or the message's length to decompress) and drops it; the pooled path takes a
//! buffer from a static pool per message and releases it. Decompression on both
//! sides reads the same frames (the pooled compressor's, which the naive decoder
//! reads as well).

use std::io::{Read as _, Write as _};

use bufpress::codec::deflate;
use bufpress::codec::lz4::{self, FrameSettings, Table};
use bufpress::pool::{Buf, PoolRef};
use bufpress_std::{flate, zstd};

use crate::codecs::LZ4_BLOCK;
use crate::failure::Failure;
use crate::format::Format;

/// Compress or decompress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Messages in, frames out.
    Compress,
    /// Frames in, messages out.
    Decompress,
}

impl Op {
    /// "c" or "d".
    pub(crate) fn short(self) -> &'static str {
        match self {
            Self::Compress => "c",
            Self::Decompress => "d",
        }
    }
}

/// zstd's level on both sides.
const ZSTD_LEVEL: i32 = 3;
/// gzip, zlib and deflate's level on both sides.
const FLATE_LEVEL: u32 = 6;

/// The lz4 frame options of both sides.
fn lz4_settings() -> FrameSettings {
    FrameSettings::new().with_block_size(LZ4_BLOCK)
}

fn lz4_flex_info() -> lz4_flex::frame::FrameInfo {
    lz4_flex::frame::FrameInfo::new()
        .block_size(lz4_flex::frame::BlockSize::Max64KB)
        .block_mode(lz4_flex::frame::BlockMode::Independent)
        .block_checksums(false)
        .content_checksum(true)
}

fn deflate_format(format: Format) -> deflate::Format {
    match format {
        Format::Zlib => deflate::Format::Zlib,
        Format::Deflate => deflate::Format::Raw,
        _ => deflate::Format::Gzip,
    }
}

fn bad(e: impl std::fmt::Display) -> Failure {
    Failure::Data(format!("bench: {e}"))
}

/// The largest output of `op` on an input of `len` bytes whose message has `plain`
/// bytes: what both sides are given room for.
pub(crate) fn output_bound(format: Format, op: Op, plain: usize) -> usize {
    match (op, format) {
        (Op::Decompress, _) => plain,
        (Op::Compress, Format::Lz4) => lz4::max_frame_len(plain, &lz4_settings()),
        (Op::Compress, Format::Zstd) => zstd::max_compressed_len(plain),
        (Op::Compress, f) => deflate::max_compressed_len(plain, deflate_format(f)),
    }
}

/// The naive path: one message, the library's per-call API, a new `Vec` for the
/// output (dropped here). Returns the output's length.
///
/// # Errors
///
/// A data failure when a library call fails.
pub(crate) fn naive(format: Format, op: Op, input: &[u8], plain: usize) -> Result<usize, Failure> {
    naive_output(format, op, input, plain).map(|out| out.len())
}

/// The naive path's output for one message.
///
/// # Errors
///
/// A data failure when a library call fails.
pub(crate) fn naive_output(
    format: Format,
    op: Op,
    input: &[u8],
    plain: usize,
) -> Result<Vec<u8>, Failure> {
    match op {
        Op::Compress => naive_compress(format, input),
        Op::Decompress => naive_decompress(format, input, plain),
    }
}

fn naive_compress(format: Format, m: &[u8]) -> Result<Vec<u8>, Failure> {
    use flate2::Compression;
    let out = Vec::with_capacity(output_bound(format, Op::Compress, m.len()));
    let level = Compression::new(FLATE_LEVEL);
    Ok(match format {
        Format::Lz4 => {
            let mut e = lz4_flex::frame::FrameEncoder::with_frame_info(lz4_flex_info(), out);
            e.write_all(m).map_err(bad)?;
            e.finish().map_err(bad)?
        }
        Format::Gzip => {
            let mut e = flate2::write::GzEncoder::new(out, level);
            e.write_all(m).map_err(bad)?;
            e.finish().map_err(bad)?
        }
        Format::Zlib => {
            let mut e = flate2::write::ZlibEncoder::new(out, level);
            e.write_all(m).map_err(bad)?;
            e.finish().map_err(bad)?
        }
        Format::Deflate => {
            let mut e = flate2::write::DeflateEncoder::new(out, level);
            e.write_all(m).map_err(bad)?;
            e.finish().map_err(bad)?
        }
        Format::Zstd => {
            // `bulk::compress` sizes its output by `ZSTD_compressBound` itself.
            let mut c = ::zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(bad)?;
            c.include_checksum(true).map_err(bad)?;
            c.include_contentsize(true).map_err(bad)?;
            c.compress(m).map_err(bad)?
        }
    })
}

fn naive_decompress(format: Format, f: &[u8], plain: usize) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(plain);
    match format {
        Format::Lz4 => lz4_flex::frame::FrameDecoder::new(f).read_to_end(&mut out),
        Format::Gzip => flate2::read::GzDecoder::new(f).read_to_end(&mut out),
        Format::Zlib => flate2::read::ZlibDecoder::new(f).read_to_end(&mut out),
        Format::Deflate => flate2::read::DeflateDecoder::new(f).read_to_end(&mut out),
        Format::Zstd => return ::zstd::bulk::decompress(f, plain).map_err(bad),
    }
    .map_err(bad)?;
    Ok(out)
}

/// The pooled path's state for one format, built once per worker (the only
/// allocations), used for every message after.
pub(crate) enum Pooled {
    /// lz4: the compressor's hash table (decoding needs no state).
    Lz4(Box<Table>),
    /// gzip, zlib, deflate: zlib-rs, reset per message.
    Flate(Box<(flate::Encoder, flate::Decoder)>),
    /// zstd: libzstd on static contexts.
    Zstd(Box<(zstd::Encoder, zstd::Decoder)>),
}

impl Pooled {
    /// The state for `format`, planned for messages of up to `max_message` bytes.
    ///
    /// # Errors
    ///
    /// An internal failure if a state cannot be built.
    pub(crate) fn new(format: Format, max_message: usize) -> Result<Self, Failure> {
        Ok(match format {
            Format::Lz4 => Self::Lz4(Box::new(Table::new())),
            Format::Zstd => {
                let settings = zstd::Settings::new(ZSTD_LEVEL, max_message)
                    .with_checksum(true)
                    .with_content_size(true);
                let window = max_message.next_power_of_two().max(1 << 10);
                Self::Zstd(Box::new((
                    zstd::Encoder::new(settings).map_err(Failure::internal)?,
                    zstd::Decoder::new(window),
                )))
            }
            f => {
                let fmt = deflate_format(f);
                let enc =
                    flate::Encoder::new(fmt, FLATE_LEVEL as i32).map_err(Failure::internal)?;
                Self::Flate(Box::new((enc, flate::Decoder::new(fmt))))
            }
        })
    }

    /// One message into a buffer taken from `pool` (released before returning);
    /// returns the output's length.
    ///
    /// # Errors
    ///
    /// A data failure when the codec fails, an internal one when the pool is empty.
    pub(crate) fn run(
        &mut self,
        op: Op,
        input: &[u8],
        pool: PoolRef<'_>,
    ) -> Result<usize, Failure> {
        let mut out = pool.try_acquire().map_err(Failure::internal)?;
        self.run_into(op, input, &mut out)?;
        Ok(out.len())
    }

    /// One message appended to `out`.
    ///
    /// # Errors
    ///
    /// A data failure when the codec fails.
    pub(crate) fn run_into(
        &mut self,
        op: Op,
        input: &[u8],
        out: &mut Buf<'_>,
    ) -> Result<(), Failure> {
        let e = |e: &dyn std::fmt::Display| bad(e);
        match (self, op) {
            (Self::Lz4(table), Op::Compress) => {
                lz4::compress_frame_into(input, out, &lz4_settings(), table).map_err(|x| e(&x))?;
            }
            (Self::Lz4(_), Op::Decompress) => {
                lz4::decompress_frame_into(input, out).map_err(|x| e(&x))?;
            }
            (Self::Flate(s), Op::Compress) => {
                s.0.compress_into(input, out).map_err(|x| e(&x))?;
            }
            (Self::Flate(s), Op::Decompress) => {
                s.1.decompress_into(input, out).map_err(|x| e(&x))?;
            }
            (Self::Zstd(s), Op::Compress) => {
                s.0.compress_into(input, out).map_err(|x| e(&x))?;
            }
            (Self::Zstd(s), Op::Decompress) => {
                s.1.decompress_into(input, out).map_err(|x| e(&x))?;
            }
        }
        Ok(())
    }
}
