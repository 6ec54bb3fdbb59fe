//! The decoder on caller memory (`FrameDecoder::new_in`): frames made by libzstd with
//! small windows decode block by block in buffers sized for the window, frames with
//! larger windows are refused at their header, and a caller that does not collect
//! decoded data gets an error, not a panic or a write out of bounds.

use bufpress_ruzstd::decoding::errors::{DecodeBlockContentError, FrameDecoderError};
use bufpress_ruzstd::decoding::{
    window_buffer_len, BlockDecodingStrategy, DecoderMemory, DecoderTables, FrameDecoder,
};
use bufpress_ruzstd::io::Read;
use zstd::zstd_safe::CParameter;

/// Text-like data with repeats near and far.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let words: [&[u8]; 8] = [
        b"pool ", b"buffer ", b"frame ", b"zstd ", b"window ", b"block ", b"data\n", b"x",
    ];
    let mut x = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        match (x >> 60) % 4 {
            0 => out.push((x >> 24) as u8),
            _ => out.extend_from_slice(words[((x >> 33) % 8) as usize]),
        }
    }
    out.truncate(len);
    out
}

/// A frame with a window of `2^window_log` (no content size, so the window is
/// declared).
fn compress(input: &[u8], level: i32, window_log: u32, checksum: bool) -> Vec<u8> {
    let mut c = zstd::bulk::Compressor::new(level).unwrap();
    c.set_parameter(CParameter::WindowLog(window_log)).unwrap();
    c.set_parameter(CParameter::ContentSizeFlag(false)).unwrap();
    c.set_parameter(CParameter::ChecksumFlag(checksum)).unwrap();
    c.compress(input).unwrap()
}

struct Memory {
    tables: Box<DecoderTables>,
    window: Vec<u8>,
    literals: Vec<u8>,
    block: Vec<u8>,
}

impl Memory {
    fn new(max_window: usize, with_block: bool) -> Self {
        let block = max_window.min(128 * 1024);
        Memory {
            tables: Box::default(),
            window: vec![0; window_buffer_len(max_window)],
            literals: vec![0; block],
            block: vec![0; if with_block { block } else { 0 }],
        }
    }

    fn decoder(&mut self) -> FrameDecoder<'_> {
        FrameDecoder::new_in(DecoderMemory {
            tables: &mut self.tables,
            window: &mut self.window,
            literals: &mut self.literals,
            block: &mut self.block,
        })
    }
}

/// Decodes one frame block by block from a slice, collecting after each block.
fn decode_slices(
    fd: &mut FrameDecoder<'_>,
    mut frame: &[u8],
) -> Result<Vec<u8>, FrameDecoderError> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 777];
    fd.reset(&mut frame)?;
    loop {
        let done = fd.decode_block_from_slice(&mut frame)?;
        loop {
            let n = fd.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        if done {
            break;
        }
    }
    assert!(frame.is_empty());
    if let (Some(stored), Some(computed)) =
        (fd.get_checksum_from_data(), fd.get_calculated_checksum())
    {
        assert_eq!(stored, computed);
    }
    Ok(out)
}

#[test]
fn libzstd_frames_decode_in_buffers_sized_for_their_window() {
    for (window_log, len) in [(10, 5_000), (13, 70_000), (17, 300_000)] {
        let window = 1usize << window_log;
        let mut memory = Memory::new(window, false);
        let mut fd = memory.decoder();
        assert_eq!(fd.max_window_size(), window as u64);
        for level in [1, 3, 9, 19] {
            let input = data(len, level as u64);
            let frame = compress(&input, level, window_log, level % 2 == 1);
            let out = decode_slices(&mut fd, &frame).unwrap();
            assert!(out == input, "window 2^{}, level {}", window_log, level);
        }
    }
}

#[test]
fn decode_blocks_from_a_reader_uses_the_block_buffer() {
    let input = data(40_000, 7);
    let frame = compress(&input, 3, 12, true);
    let mut memory = Memory::new(4096, true);
    let mut fd = memory.decoder();
    let mut src = &frame[..];
    fd.reset(&mut src).unwrap();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while !fd.is_finished() {
        fd.decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
            .unwrap();
        while fd.can_collect() > 0 {
            let n = fd.read(&mut chunk).unwrap();
            out.extend_from_slice(&chunk[..n]);
        }
    }
    assert!(out == input);

    // Without a block buffer, compressed blocks cannot be read from a reader.
    let mut memory = Memory::new(4096, false);
    let mut fd = memory.decoder();
    let mut src = &frame[..];
    fd.reset(&mut src).unwrap();
    assert!(fd
        .decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
        .is_err());
}

#[test]
fn larger_windows_are_refused_at_the_header() {
    let frame = compress(&data(10_000, 1), 3, 14, false);
    let mut memory = Memory::new(8 * 1024, false);
    let mut fd = memory.decoder();
    // The limit can be lowered, never raised above what the memory holds.
    fd.set_max_window_size(1 << 30);
    assert_eq!(fd.max_window_size(), 8 * 1024);
    let e = fd.reset(&frame[..]);
    assert!(
        matches!(
            e,
            Err(FrameDecoderError::WindowSizeTooBig {
                requested: 16384,
                max: 8192
            })
        ),
        "{:?}",
        e
    );
}

#[test]
fn blocks_are_refused_when_decoded_data_is_not_collected() {
    let input = data(100_000, 3);
    let frame = compress(&input, 1, 10, false);
    let mut memory = Memory::new(1024, false);
    let mut fd = memory.decoder();
    let mut src = &frame[..];
    fd.reset(&mut src).unwrap();
    let mut err = None;
    for _ in 0..200 {
        match fd.decode_block_from_slice(&mut src) {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert!(
        matches!(
            err,
            Some(FrameDecoderError::FailedToReadBlockBody(
                DecodeBlockContentError::BufferFull { needed: 1024 }
            ))
        ),
        "{:?}",
        err
    );
}

#[test]
fn corrupted_frames_are_errors_within_the_buffers() {
    // Every single-byte change of small frames: an error or some output, never a
    // panic (a write past the borrowed buffers would be caught by the ring buffer's
    // guard, which panics, or by Miri).
    let input = data(3_000, 9);
    for level in [1, 19] {
        let frame = compress(&input, level, 10, true);
        let mut memory = Memory::new(1024, false);
        let mut fd = memory.decoder();
        for i in 0..frame.len() {
            for delta in [1u8, 0x80] {
                let mut bad = frame.clone();
                bad[i] = bad[i].wrapping_add(delta);
                let _ = decode_slices_lenient(&mut fd, &bad);
            }
        }
    }
}

/// Like `decode_slices`, but stops at the first error and tolerates leftovers.
fn decode_slices_lenient(
    fd: &mut FrameDecoder<'_>,
    mut frame: &[u8],
) -> Result<usize, FrameDecoderError> {
    let mut chunk = [0u8; 512];
    let mut total = 0;
    fd.reset(&mut frame)?;
    for _ in 0..10_000 {
        let done = fd.decode_block_from_slice(&mut frame)?;
        loop {
            let n = fd.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        if done {
            break;
        }
    }
    Ok(total)
}
