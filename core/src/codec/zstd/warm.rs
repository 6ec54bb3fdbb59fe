//! Sizing ruzstd's buffers at construction.
//!
//! For [`Decoder::new`](super::Decoder::new) (feature `alloc`), which runs ruzstd's
//! allocating `FrameDecoder`. ruzstd has no call that reserves memory up front: its
//! ring buffer and its literal buffer grow the first time a frame needs them. So the
//! constructor feeds a `FrameDecoder` a synthetic frame header and a synthetic block
//! that grow them to the largest size a valid frame within the caller's window limit
//! can ask for (the ring buffer to window + block maximum, the literal buffer to a
//! block). Buffers never shrink, so afterwards frames decode without allocating.

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// Grows every buffer of `fd` for frames with windows up to `window` and blocks up to
/// `block_max` bytes.
pub(super) fn presize(fd: &mut FrameDecoder<'_>, window: usize, block_max: usize) {
    // The ring buffer holds at most the window plus one block: the decoder hands out
    // everything beyond the window before it decodes the next block. ruzstd reserves
    // the window when a frame starts, so one frame declaring window + block sizes it
    // in one step (growing it block by block would round it up further). The header:
    // a single-segment frame whose content size, hence window, is window + block.
    let ring = window.saturating_add(block_max);
    let max_window = fd.max_window_size();
    fd.set_max_window_size(ring as u64);
    let mut header = [0u8; 13];
    header[..4].copy_from_slice(&0xFD2F_B528u32.to_le_bytes());
    header[4] = 0xE0; // single segment, 8-byte content size
    header[5..].copy_from_slice(&(ring as u64).to_le_bytes());
    // The first call builds ruzstd's state, the second reserves.
    let _ = fd.reset(&header[..]);
    let _ = fd.reset(&header[..]);
    presize_blocks(fd, &header, block_max);
    fd.set_max_window_size(max_window);
}

/// Grows the literal buffer (the only one besides the ring buffer that grows: the
/// tables have fixed sizes, sequences are executed as they are decoded, and blocks are
/// decoded from the caller's slice, not copied).
fn presize_blocks(fd: &mut FrameDecoder<'_>, header: &[u8], block_max: usize) {
    if block_max == 0 {
        return;
    }
    // RLE literals as long as a block, no sequences.
    let n = block_max;
    let literals = [
        0x01 | 0x0C | ((n & 0xF) << 4) as u8,
        (n >> 4) as u8,
        (n >> 12) as u8,
        0,
        0,
    ];
    let _ = fd.reset(header);
    let _ = run(fd, &[&block_header(2, literals.len()), &literals]);
}

/// A non-last block header of `kind` (1 RLE, 2 compressed) and `size`.
fn block_header(kind: u32, size: usize) -> [u8; 3] {
    let raw = (kind << 1) | ((size as u32) << 3);
    let b = raw.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// Decodes one block made of `parts` (header first) with ruzstd.
fn run(fd: &mut FrameDecoder<'_>, parts: &[&[u8]]) -> Result<(), ()> {
    let mut buf = [0u8; 32];
    let mut len = 0;
    let one: &[u8] = match parts {
        [only] => only,
        _ => {
            for part in parts {
                let end = len + part.len();
                buf.get_mut(len..end).ok_or(())?.copy_from_slice(part);
                len = end;
            }
            &buf[..len]
        }
    };
    let mut src = one;
    fd.decode_blocks(&mut src, BlockDecodingStrategy::UptoBlocks(1))
        .map(|_| ())
        .map_err(|_| ())
}
