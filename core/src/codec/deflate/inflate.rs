//! One-shot decoding straight into an [`Output`], and the inflate state it runs on.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use super::Format;
use super::frame::{Framing, Phase};
use super::gzip::{Capture, GzipHeader};
use crate::codec::DecodeError;
use crate::codec::Output;
use crate::zeroed::ZeroedOxide;

/// The inflate state (miniz_oxide's `DecompressorOxide`, about 10.5 KB, no heap).
///
/// Keep it in a `static`, a [`ValuePool`](crate::pool::ValuePool) slot or another
/// long-lived place, **not on the stack** of a small task: it is large. `new` is
/// `const`:
///
/// ```
/// use bufpress::codec::deflate::InflateState;
/// use bufpress::pool::ValuePool;
///
/// static STATES: ValuePool<InflateState, 2> =
///     ValuePool::new([const { InflateState::new() }; 2]);
/// # let _ = STATES.try_acquire()?;
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// A new state is all zero bytes, so a `static` holding it (a `ValuePool`, a
/// `Mutex<RefCell<_>>`) lands in `.bss`: no flash for its image, no copy at boot.
/// Those zero bytes are miniz_oxide's decompressor as its `new()` makes it, so a
/// state is never built nor moved: the first use needs no more stack than any other
/// (under 1 KiB on thumbv7em, measured by `.ci/qemu`).
#[derive(Clone)]
pub struct InflateState {
    oxide: ZeroedOxide,
}

impl InflateState {
    /// A new state (all zero bytes). `const`, so it can be a `static` or an element
    /// of a [`ValuePool`](crate::pool::ValuePool).
    pub const fn new() -> Self {
        Self {
            oxide: ZeroedOxide::new(),
        }
    }

    /// The decompressor, ready for a new deflate stream.
    pub(super) fn fresh(&mut self) -> &mut DecompressorOxide {
        let oxide = self.current();
        oxide.init();
        oxide
    }

    /// The decompressor as it is.
    pub(super) fn current(&mut self) -> &mut DecompressorOxide {
        self.oxide.get_mut()
    }
}

impl Default for InflateState {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for InflateState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InflateState").finish_non_exhaustive()
    }
}

/// Under Miri, the first output slice of the one-shot decoder (it then doubles):
/// Miri's borrow tracking pays for a slice's length on every reborrow. Natively the
/// whole buffer is passed at once (growing measured 0.85x at 4 KiB messages).
const MIRI_GROW_FROM: usize = 512;

/// Maps a miniz_oxide failure status to an error.
pub(super) fn failure(status: TINFLStatus) -> DecodeError {
    match status {
        TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
            DecodeError::Truncated
        }
        _ => DecodeError::Corrupt,
    }
}

/// Decodes one whole `format` stream from `input`, appending the output to `out`;
/// returns the number of bytes appended.
///
/// The output goes straight into `out` (miniz_oxide's non-wrapping mode), so `out`'s
/// remaining capacity bounds it, and no window is needed. A gzip input may hold
/// several members: their contents are appended one after the other.
///
/// `input` must be exactly one stream: bytes after its end (after the last gzip
/// member, or bytes that do not start another member) are [`DecodeError::TrailingData`].
/// To find where a stream ends in a longer input, use the streaming
/// [`Decoder`](super::Decoder), which stops there and reports how much it consumed.
///
/// # Errors
///
/// - [`DecodeError::OutputTooSmall`]: the output does not fit in `out`;
/// - [`DecodeError::Truncated`] (also for empty input), [`DecodeError::Corrupt`],
///   [`DecodeError::BadMagic`], [`DecodeError::Reserved`],
///   [`DecodeError::Unsupported`] (a zlib preset dictionary, a gzip method other than
///   deflate), [`DecodeError::Checksum`] (gzip FHCRC, CRC-32, ISIZE; zlib Adler-32),
///   [`DecodeError::TrailingData`].
///
/// On any error `out` is left as it was: partial output is never kept.
pub fn decompress_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    format: Format,
    state: &mut InflateState,
) -> Result<usize, DecodeError> {
    inflate_into(format, input, out, state, None)
}

/// [`decompress_into`] for gzip, also recording the (first) member's header in
/// `header`: MTIME, OS, the flags, and the extra field, file name and comment in the
/// buffer `header` was made with.
///
/// # Errors
///
/// As [`decompress_into`]. `header` may hold part of a header after an error.
pub fn decompress_gzip_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    state: &mut InflateState,
    header: &mut GzipHeader<'_>,
) -> Result<usize, DecodeError> {
    inflate_into(Format::Gzip, input, out, state, Some(header))
}

/// Decodes `input` into `out`'s spare capacity and commits it; returns the bytes
/// written.
fn inflate_into(
    format: Format,
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    state: &mut InflateState,
    capture: Capture<'_, '_>,
) -> Result<usize, DecodeError> {
    let capacity = out.capacity();
    let spare = out.spare_capacity_mut();
    let written = inflate_all(format, input, spare, capacity, state, capture)?;
    out.commit(written)
        .map_err(|_| DecodeError::OutputTooSmall {
            needed: None,
            capacity,
        })?;
    Ok(written)
}

/// Decodes `input` into `spare`; returns the bytes written.
fn inflate_all(
    format: Format,
    mut input: &[u8],
    spare: &mut [u8],
    capacity: usize,
    state: &mut InflateState,
    mut capture: Capture<'_, '_>,
) -> Result<usize, DecodeError> {
    let mut frame = Framing::new(format);
    let mut written = 0;
    let mut member_start = 0;
    loop {
        match frame.phase() {
            Phase::Body => {
                // Each member is inflated into its own region, so a distance can never
                // reach back into an earlier member.
                let region = spare.get_mut(member_start..).unwrap_or_default();
                let pos = written - member_start;
                // The output slice grows geometrically rather than starting at the
                // whole buffer: the same work natively (a few more calls), and far
                // less for Miri, whose borrow tracking pays for a slice's length on
                // every reborrow.
                let step = if cfg!(miri) {
                    pos.max(MIRI_GROW_FROM)
                } else {
                    region.len()
                };
                let end = region.len().min(pos.saturating_add(step));
                let full = end == region.len();
                let out = region.get_mut(..end).unwrap_or_default();
                let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
                let (status, used, made) = decompress(state.current(), input, out, pos, flags);
                frame.produced(out.get(pos..pos + made).unwrap_or_default());
                written += made;
                input = input.get(used..).unwrap_or_default();
                match status {
                    TINFLStatus::Done => frame.body_done(),
                    TINFLStatus::HasMoreOutput if !full => {}
                    TINFLStatus::HasMoreOutput => {
                        let needed = None;
                        return Err(DecodeError::OutputTooSmall { needed, capacity });
                    }
                    other => return Err(failure(other)),
                }
            }
            Phase::Done => break,
            Phase::AfterMember if input.is_empty() => break,
            phase => {
                let used = frame.advance_capturing(input, capture.as_deref_mut())?;
                input = input.get(used..).unwrap_or_default();
                if frame.phase() == Phase::Body {
                    state.fresh();
                    member_start = written;
                } else if frame.phase() == phase && input.is_empty() {
                    return Err(DecodeError::Truncated);
                }
            }
        }
    }
    if input.is_empty() {
        Ok(written)
    } else {
        Err(DecodeError::TrailingData)
    }
}
