//! Sizing ruzstd's buffers at construction.
//!
//! ruzstd 0.9 has no call that reserves memory up front: its vectors grow the first
//! time a frame needs them. So the constructor feeds a `FrameDecoder` a synthetic frame
//! header and small synthetic blocks, each chosen to grow one buffer to the largest
//! size a valid frame within the caller's window limit can ask for (the ring buffer to
//! window + block maximum, the block, literal and sequence buffers to a full block, the
//! FSE and Huffman tables to their largest accuracy). Blocks that only serve to grow
//! a buffer may fail after it grew; their errors are expected and ignored. Buffers
//! never shrink, so afterwards valid frames decode without allocating (see the module
//! docs for the one exception inside ruzstd).

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use super::parse::BLOCK_HEADER;

/// Grows every buffer of `fd` for frames with windows up to `window` and blocks up to
/// `block_max` bytes. `scratch` holds at least `BLOCK_HEADER + block_max` bytes.
pub(super) fn presize(
    fd: &mut FrameDecoder<'_>,
    scratch: &mut [u8],
    window: usize,
    block_max: usize,
) {
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
    presize_blocks(fd, scratch, &header, block_max);
    fd.set_max_window_size(max_window);
}

/// Grows the block, literal and sequence buffers and the tables.
fn presize_blocks(fd: &mut FrameDecoder<'_>, scratch: &mut [u8], header: &[u8], block_max: usize) {
    if block_max == 0 {
        return;
    }
    // The compressed-block buffer: a full block of zeros (fails after it was copied).
    let _ = fd.reset(header);
    if let Some(block) = scratch.get_mut(..BLOCK_HEADER + block_max) {
        block.fill(0);
        block[..BLOCK_HEADER].copy_from_slice(&block_header(2, block_max));
        let _ = run(fd, &[block]);
    }

    // The literals buffer: RLE literals as long as a block, no sequences.
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

    // The sequences buffer: the most sequences a block can hold (3 bytes each), all
    // three codes RLE; decoding fails at the end, after the buffer was reserved.
    let count = block_max / 3;
    let (seq, len) = match count {
        0..=127 => ([count as u8, 0, 0], 1),
        128..=0x7EFF => ([(count >> 8) as u8 + 128, count as u8, 0], 2),
        _ => {
            let c = count - 0x7F00;
            ([255, c as u8, (c >> 8) as u8], 3)
        }
    };
    let tail = [0x54, 0, 0, 0, 0x80];
    let _ = fd.reset(header);
    let body: [&[u8]; 3] = [&[0x00], &seq[..len], &tail];
    let size = 1 + len + tail.len();
    let _ = run(fd, &[&block_header(2, size), body[0], body[1], body[2]]);

    // The Huffman table at its largest (11 bits): one symbol of weight 11, stated
    // directly; then a Huffman weight table whose FSE description has accuracy 6.
    let direct = [0x02 | (1 << 4), 3 << 6, 0, 128, 0xB0, 0x80, 0];
    let _ = fd.reset(header);
    let _ = run(fd, &[&block_header(2, direct.len()), &direct]);
    let fse_weights = [0x02 | (1 << 4), 0, 1, 3, 0xF1, 0x07, 0x80, 0];
    let _ = fd.reset(header);
    let _ = run(fd, &[&block_header(2, fse_weights.len()), &fse_weights]);

    // The three sequence FSE tables at their largest accuracy (9, 8 and 9): one
    // sequence, every table described as one symbol holding all cells.
    let tables = [0x00, 0x01, 0xA8, 0xF4, 0x3F, 0xF3, 0x1F, 0xF4, 0x3F, 0x80];
    let _ = fd.reset(header);
    let _ = run(fd, &[&block_header(2, tables.len()), &tables]);
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
