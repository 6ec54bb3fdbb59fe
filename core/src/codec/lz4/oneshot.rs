//! [`compress_frame_into`] and [`decompress_frame_into`]: whole frames in one call,
//! with no state beyond a [`Table`].

use core::hash::Hasher;

use twox_hash::XxHash32;

use super::block::Table;
use super::fast;
use super::frame::{
    self, BlockHeader, FrameInfo, FrameSettings, MAX_HEADER, Magic, WINDOW, check_block, le32,
    max_frame_len, xxh32,
};
use crate::codec::Output;
use crate::codec::{Checksum, DecodeError, EncodeError};

/// Compresses `input` as one lz4 frame into the spare capacity of `out`, using
/// `table`; returns the frame's size. The bytes are committed only on success.
///
/// Nothing but `table` is needed: the input is whole, so linked blocks find their
/// history in it.
///
/// # Errors
///
/// - [`EncodeError::OutputTooSmall`] when the frame does not fit (`needed` is the
///   worst case, from [`max_frame_len`]); nothing is committed.
/// - [`EncodeError::InvalidSetting`] when `settings.content_size` is not
///   `input.len()`.
pub fn compress_frame_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    settings: &FrameSettings,
    table: &mut Table,
) -> Result<usize, EncodeError> {
    if settings
        .content_size
        .is_some_and(|size| size != input.len() as u64)
    {
        return Err(EncodeError::InvalidSetting);
    }
    let too_small = EncodeError::OutputTooSmall {
        needed: Some(
            out.len()
                .saturating_add(max_frame_len(input.len(), settings)),
        ),
        capacity: out.capacity(),
    };
    let spare = out.spare_capacity_mut();
    let mut header = [0; MAX_HEADER];
    let mut pos = settings.write_header(&mut header);
    let head = header.get(..pos).unwrap_or_default();
    spare.get_mut(..pos).ok_or(too_small)?.copy_from_slice(head);
    let block = settings.block_size.bytes();
    let linked = settings.linked();
    table.start_independent();
    let mut history = 0;
    let mut block_start = 0;
    while block_start < input.len() {
        let block_end = input.len().min(block_start + block);
        let (src, start) = if linked {
            // The block and up to 64 KiB before it; the table follows the start.
            let from = block_start.saturating_sub(WINDOW);
            table.slide(from - history);
            history = from;
            (input.get(from..block_end), block_start - from)
        } else {
            table.start_independent();
            (input.get(block_start..block_end), 0)
        };
        let dst = spare.get_mut(pos..).ok_or(too_small)?;
        let src = src.ok_or(EncodeError::InvalidSetting)?;
        pos +=
            frame::write_block(table, src, start, dst, settings.block_checksum).ok_or(too_small)?;
        block_start = block_end;
    }
    let mut trailer = [0; 8];
    let len = if settings.content_checksum {
        let [_, _, _, _, c @ ..] = &mut trailer;
        *c = xxh32(input).to_le_bytes();
        8
    } else {
        4
    };
    let dst = spare.get_mut(pos..pos + len).ok_or(too_small)?;
    dst.copy_from_slice(trailer.get(..len).unwrap_or_default());
    pos += len;
    out.commit(pos).map_err(|_| too_small)?;
    Ok(pos)
}

/// Decompresses every lz4 frame in `input` (frames in a row, skippable frames
/// skipped) into the spare capacity of `out`; returns the decompressed size. The
/// bytes are committed only on success, and never past `out`'s capacity.
///
/// The input must be frames only: it must start with a frame (or a skippable frame),
/// and bytes after a frame that start no frame are [`DecodeError::TrailingData`]
/// (use [`Decoder`](super::Decoder) to stop at the end of a frame and
/// learn where it ended).
///
/// # Errors
///
/// - [`DecodeError::OutputTooSmall`] when the content does not fit (`needed` when
///   the frame declares its size: checked before writing).
/// - [`DecodeError::Truncated`] for an empty input or one that ends inside a frame.
/// - [`DecodeError::BadMagic`], [`DecodeError::Reserved`], [`DecodeError::Checksum`],
///   [`DecodeError::Corrupt`] (including a content size that does not match) for bad
///   data; [`DecodeError::Unsupported`] for dictionary IDs, another format version and
///   the legacy format; [`DecodeError::TrailingData`] as above.
pub fn decompress_frame_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
) -> Result<usize, DecodeError> {
    if input.is_empty() {
        return Err(DecodeError::Truncated);
    }
    let (filled, capacity) = (out.len(), out.capacity());
    let spare = out.spare_capacity_mut();
    let mut pos = 0;
    let mut rest = input;
    let mut first = true;
    while !rest.is_empty() {
        let magic = match take(&mut rest, 4).map(le32).map(frame::classify_magic) {
            Ok(Ok(magic)) => magic,
            Ok(Err(_)) | Err(_) if !first => return Err(DecodeError::TrailingData),
            Ok(Err(e)) | Err(e) => return Err(e),
        };
        first = false;
        match magic {
            Magic::Skippable => {
                let len = le32(take(&mut rest, 4)?) as usize;
                take(&mut rest, len)?;
            }
            Magic::Frame => {
                pos = one_frame(&mut rest, spare, pos, (filled, capacity))?;
            }
        }
    }
    out.commit(pos).map_err(|_| DecodeError::OutputTooSmall {
        needed: None,
        capacity,
    })?;
    Ok(pos)
}

/// Takes `n` bytes off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    if rest.len() < n {
        return Err(DecodeError::Truncated);
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

/// Decodes one frame (after its magic) into `spare[pos..]`; returns the new end.
fn one_frame(
    rest: &mut &[u8],
    spare: &mut [u8],
    mut pos: usize,
    (filled, capacity): (usize, usize),
) -> Result<usize, DecodeError> {
    let info = descriptor(rest)?;
    let frame_start = pos;
    let room = spare.len() - pos;
    if let Some(size) = info.content_size {
        if size > room as u64 {
            return Err(DecodeError::OutputTooSmall {
                needed: Some(size.saturating_add((filled + pos) as u64)),
                capacity,
            });
        }
    }
    let too_small = DecodeError::OutputTooSmall {
        needed: info
            .content_size
            .map(|s| s.saturating_add((filled + frame_start) as u64)),
        capacity,
    };
    // The content checksum is taken block by block, while each block is still in
    // cache (hashing the whole content at the end read it back from L2 or memory).
    let mut hasher = info.content_checksum().then(|| XxHash32::with_seed(0));
    loop {
        let word = le32(take(rest, 4)?);
        let (len, compressed) = match frame::parse_block_header(word, info.block_max)? {
            BlockHeader::End => break,
            BlockHeader::Data { len, compressed } => (len, compressed),
        };
        let data = take(rest, len)?;
        check_block(data, take(rest, info.block_checksum_len())?)?;
        let n = if compressed {
            // The block decodes into `spare[pos..]`, bounded by the declared block
            // size; linked blocks reach back into this frame's last 64 KiB, which
            // sit just before it in the same buffer.
            let room = spare.len().saturating_sub(pos).min(info.block_max);
            let target = spare.get_mut(..pos + room).ok_or(DecodeError::Corrupt)?;
            let history = if info.linked() {
                frame_start.max(pos.saturating_sub(WINDOW))
            } else {
                pos
            };
            match fast::decompress(data, target, history, pos) {
                Ok(end) => end - pos,
                Err(fast::Error::OutputTooSmall) if room < info.block_max => {
                    return Err(too_small);
                }
                Err(_) => return Err(DecodeError::Corrupt),
            }
        } else {
            spare
                .get_mut(pos..pos + len)
                .ok_or(too_small)?
                .copy_from_slice(data);
            len
        };
        if let Some(h) = &mut hasher {
            Hasher::write(h, spare.get(pos..pos + n).unwrap_or_default());
        }
        pos += n;
        if info
            .content_size
            .is_some_and(|size| (pos - frame_start) as u64 > size)
        {
            return Err(DecodeError::Corrupt);
        }
    }
    let content = spare.get(frame_start..pos).unwrap_or_default();
    if info.content_checksum() {
        let expected = le32(take(rest, 4)?);
        let actual = hasher.as_ref().map_or(0, XxHash32::finish_32);
        if expected != actual {
            return Err(DecodeError::Checksum {
                kind: Checksum::Content,
                expected,
                actual,
            });
        }
    }
    if info
        .content_size
        .is_some_and(|size| size != content.len() as u64)
    {
        return Err(DecodeError::Corrupt);
    }
    Ok(pos)
}

/// Reads and checks a frame descriptor.
fn descriptor(rest: &mut &[u8]) -> Result<FrameInfo, DecodeError> {
    let [flg, bd] = match rest {
        [flg, bd, ..] => [*flg, *bd],
        _ => return Err(DecodeError::Truncated),
    };
    let len = frame::descriptor_len(flg, bd)?;
    frame::parse_descriptor(take(rest, len)?)
}
