//! [`Decoder`]: the streaming frame decoder.

use lz4_flex::block::{DecompressError, decompress_into_with_dict};
use twox_hash::XxHash32;

use super::fast;
use super::frame::{
    self, BlockHeader, BlockMode, FrameInfo, MAX_HEADER, Magic, WINDOW, check_block, le32,
};
use crate::codec::Output;
use crate::codec::{Checksum, Decode, DecodeError, Progress, Status};

/// A streaming lz4 frame decoder whose block buffers live inside it: `MEM` bytes, no
/// allocation. Input comes in pieces of any size, output goes into successive caller
/// buffers of any size.
///
/// Size `MEM` with [`decoder_memory`](super::decoder_memory) for the blocks you
/// expect. A frame is accepted whatever block size its header declares (lz4_flex's,
/// Java's and Go's frame writers declare 4 MiB by default, even for a few bytes):
/// what counts is each actual block. A block whose stored size, or decoded size, is
/// larger than [`max_block_size`](Self::max_block_size) is
/// [`DecodeError::LimitExceeded`] with `limit` that size and `needed` the block's
/// stored size (or, when it is its decoded size that does not fit, the frame's
/// declared maximum), before any of it is written. Linked frames also need the
/// 64 KiB history ([`WINDOW`](super::WINDOW)): a state smaller than that refuses
/// them at the header (`limit` the state's `MEM`, `needed` 64 KiB). The outcome
/// never depends on how the input or the output is split.
///
/// A state is large (192 KiB for 64 KiB linked blocks), so keep it in a `static` or a [`ValuePool`](crate::pool::ValuePool), never on a
/// small stack: [`new`](Self::new) is `const` and all zero (a static lands in `.bss`),
/// and no method copies the state.
///
/// ```
/// use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, FrameSettings};
/// use bufpress::codec::{Decode, Status};
/// use bufpress::pool::{Pool, ValuePool};
///
/// const MEM: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
/// static DECODERS: ValuePool<Decoder<MEM>, 1> = ValuePool::new([const { Decoder::new() }]);
/// static TABLES: ValuePool<lz4::Table, 1> = ValuePool::new([const { lz4::Table::new() }]);
/// static POOL: Pool<4, 1024> = Pool::new();
///
/// let mut frame = POOL.try_acquire()?;
/// let settings = FrameSettings::new();
/// let mut table = TABLES.try_acquire()?;
/// lz4::compress_frame_into(b"hello hello hello", &mut frame, &settings, &mut table)?;
///
/// let mut decoder = DECODERS.try_acquire()?;
/// decoder.reset();
/// decoder.set_max_output(1 << 20);
/// let mut out = POOL.try_acquire()?;
/// let p = decoder.decode(&frame, &mut out)?;
/// assert_eq!(p.status, Status::Done);
/// assert_eq!(p.consumed, frame.len());
/// assert_eq!(&out[..], b"hello hello hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Frames in a row
///
/// [`decode`](Decoder::decode) returns [`Status::Done`] at the end of each frame,
/// with `consumed` pointing just past it; calling it again reads the next frame (bytes
/// after a frame are never consumed with it). Skippable frames are skipped where a
/// frame may start. Dictionary IDs are [`DecodeError::Unsupported`], as is the legacy
/// format (`lz4 -l`), whose magic number is recognised.
pub struct Decoder<const MEM: usize> {
    state: State,
    mem: [u8; MEM],
}

impl<const MEM: usize> Decoder<MEM> {
    /// A decoder with no output limit, ready for a frame. All zero bytes.
    pub const fn new() -> Self {
        Self {
            state: State::new(),
            mem: [0; MEM],
        }
    }

    /// Caps the total output of this decoder (all frames since the last
    /// [`reset`](Decode::reset)) at `max_output` bytes: a frame declaring more, or a
    /// block that would go past it, is [`DecodeError::LimitExceeded`]. Kept across
    /// resets.
    pub fn set_max_output(&mut self, max_output: u64) {
        self.state.limit_inv = u64::MAX - max_output;
    }

    /// The output limit ([`u64::MAX`] when none was set).
    pub fn max_output(&self) -> u64 {
        self.state.limit()
    }

    /// The same decoder with an output limit (see
    /// [`set_max_output`](Self::set_max_output)); `const`, for a `static`:
    /// `Decoder::new().with_max_output(n)`. Unlike [`new`](Self::new)'s, the image is
    /// not all zero: such a static lands in `.data` (flash); set the limit at run time
    /// to keep it in `.bss`. At run time it moves the state: prefer
    /// [`set_max_output`](Self::set_max_output) for a state in a pool.
    #[must_use]
    pub const fn with_max_output(mut self, max_output: u64) -> Self {
        self.state.limit_inv = u64::MAX - max_output;
        self
    }

    /// The largest block (stored and decoded) this state holds in frames of
    /// `mode`: larger blocks are [`DecodeError::LimitExceeded`] when they come, while
    /// frames may declare any block size.
    pub const fn max_block_size(mode: BlockMode) -> usize {
        match mode {
            BlockMode::Independent => MEM / 2,
            BlockMode::Linked => MEM.saturating_sub(WINDOW) / 2,
        }
    }

    /// The content size the current frame declares, once its header was read.
    pub fn content_size(&self) -> Option<u64> {
        match self.state.phase {
            Phase::Magic | Phase::Descriptor | Phase::SkipSize | Phase::Skip => None,
            _ => self.state.info.content_size,
        }
    }

    /// Bytes produced since the last reset.
    pub fn total_out(&self) -> u64 {
        self.state.total
    }
}

impl<const MEM: usize> Default for Decoder<MEM> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MEM: usize> core::fmt::Debug for Decoder<MEM> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decoder")
            .field("mem", &MEM)
            .field("phase", &self.state.phase)
            .field("total_out", &self.state.total)
            .finish()
    }
}

impl<const MEM: usize> Decode for Decoder<MEM> {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        let before = out.len();
        let mut rest = input;
        let status = self
            .state
            .run(&mut self.mem, &mut rest, out)
            .inspect_err(|&e| {
                self.state.phase = Phase::Failed;
                self.state.error = e;
                // An error appends nothing: bytes of a block whose checksum or
                // content checksum failed are not the caller's.
                out.truncate(before);
            })?;
        Ok(Progress {
            consumed: input.len() - rest.len(),
            produced: out.len().saturating_sub(before),
            status,
        })
    }

    fn reset(&mut self) {
        let limit_inv = self.state.limit_inv;
        self.state = State::new();
        self.state.limit_inv = limit_inv;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a magic number (the start of a frame).
    Magic,
    /// Reading the frame descriptor.
    Descriptor,
    /// Reading a skippable frame's size.
    SkipSize,
    /// Skipping a skippable frame's content.
    Skip,
    /// Reading a block header.
    BlockHeader,
    /// Reading a block's data (into the input buffer when it comes in pieces).
    BlockData,
    /// Reading a block's checksum after data that came in pieces.
    BlockChecksum,
    /// Reading the content checksum.
    ContentChecksum,
    /// An error happened: `reset` first.
    Failed,
}

/// Everything but the buffers; all zero when new. The buffers (`mem`) are laid out
/// per frame as `[window (linked only) | compressed block | decoded block]`.
struct State {
    phase: Phase,
    /// Header bytes, block headers and checksums are gathered here.
    small: [u8; MAX_HEADER],
    have: usize,
    /// The current frame's descriptor (meaningful after `Phase::Descriptor`).
    info: FrameInfo,
    /// The current block: stored length, compressed or not, bytes gathered.
    block_len: usize,
    compressed: bool,
    fill: usize,
    /// Bytes of skippable frame left.
    skip: u32,
    /// Decoded bytes not yet handed out: `mem[pending.0..pending.1]`.
    pending: (usize, usize),
    /// Valid history at the end of the window (linked frames).
    window_len: usize,
    frame_out: u64,
    hasher: Option<XxHash32>,
    total: u64,
    /// `u64::MAX - limit`, so that "no limit" is zero.
    limit_inv: u64,
    error: DecodeError,
}

impl State {
    const fn new() -> Self {
        Self {
            phase: Phase::Magic,
            small: [0; MAX_HEADER],
            have: 0,
            info: FrameInfo::EMPTY,
            block_len: 0,
            compressed: false,
            fill: 0,
            skip: 0,
            pending: (0, 0),
            window_len: 0,
            frame_out: 0,
            hasher: None,
            total: 0,
            limit_inv: 0,
            error: DecodeError::BadMagic,
        }
    }

    fn limit(&self) -> u64 {
        u64::MAX - self.limit_inv
    }

    /// Gathers input into `small` until it holds `need` bytes; whether it does.
    fn gather(&mut self, input: &mut &[u8], need: usize) -> bool {
        let take = need.saturating_sub(self.have).min(input.len());
        let (head, tail) = input.split_at(take);
        if let Some(dst) = self.small.get_mut(self.have..self.have + take) {
            dst.copy_from_slice(head);
            self.have += take;
            *input = tail;
        }
        self.have >= need
    }

    /// Hands out pending decoded bytes; whether none are left.
    fn flush(&mut self, mem: &[u8], out: &mut (impl Output + ?Sized)) -> bool {
        let (start, end) = self.pending;
        if start >= end {
            return true;
        }
        let n = out.remaining().min(end - start);
        if let Some(bytes) = mem.get(start..start + n) {
            if out.extend_from_slice(bytes).is_ok() {
                self.pending.0 += n;
            }
        }
        self.pending.0 >= end
    }

    fn run(
        &mut self,
        mem: &mut [u8],
        input: &mut &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<Status, DecodeError> {
        loop {
            if !self.flush(mem, out) {
                return Ok(Status::OutputFull);
            }
            match self.phase {
                Phase::Magic => {
                    if !self.gather(input, 4) {
                        return Ok(Status::NeedInput);
                    }
                    self.have = 0;
                    self.phase = match frame::classify_magic(le32(&self.small))? {
                        Magic::Frame => Phase::Descriptor,
                        Magic::Skippable => Phase::SkipSize,
                    };
                }
                Phase::Descriptor => {
                    if !self.gather(input, 2) {
                        return Ok(Status::NeedInput);
                    }
                    let [flg, bd, ..] = self.small;
                    let len = frame::descriptor_len(flg, bd)?;
                    if !self.gather(input, len) {
                        return Ok(Status::NeedInput);
                    }
                    self.have = 0;
                    let info = frame::parse_descriptor(self.small.get(..len).unwrap_or_default())?;
                    self.begin_frame(info, mem.len())?;
                }
                Phase::SkipSize => {
                    if !self.gather(input, 4) {
                        return Ok(Status::NeedInput);
                    }
                    self.have = 0;
                    self.skip = le32(&self.small);
                    self.phase = Phase::Skip;
                }
                Phase::Skip => {
                    let n = input.len().min(self.skip as usize);
                    *input = input.get(n..).unwrap_or_default();
                    self.skip -= n as u32;
                    if self.skip > 0 {
                        return Ok(Status::NeedInput);
                    }
                    self.phase = Phase::Magic;
                }
                Phase::BlockHeader => {
                    if !self.gather(input, 4) {
                        return Ok(Status::NeedInput);
                    }
                    self.have = 0;
                    let info = self.info;
                    match frame::parse_block_header(le32(&self.small), info.block_max)? {
                        BlockHeader::End if info.content_checksum() => {
                            self.phase = Phase::ContentChecksum;
                        }
                        BlockHeader::End => return self.end_frame(),
                        BlockHeader::Data { len, .. } if len > Layout::of(&info, mem).cap => {
                            return Err(DecodeError::LimitExceeded {
                                limit: Layout::of(&info, mem).cap as u64,
                                needed: Some(len as u64),
                            });
                        }
                        BlockHeader::Data { len, compressed } => {
                            self.block_len = len;
                            self.compressed = compressed;
                            self.fill = 0;
                            self.phase = Phase::BlockData;
                        }
                    }
                }
                Phase::BlockData => {
                    let info = self.info;
                    let ck = info.block_checksum_len();
                    let layout = Layout::of(&info, mem);
                    if self.fill == 0 && input.len() >= self.block_len + ck {
                        // The whole block is here: decode it straight from the input.
                        let (data, tail) = input.split_at(self.block_len);
                        let (stored, tail) = tail.split_at(ck);
                        *input = tail;
                        self.block(&layout, mem, Some(data), stored, out)?;
                        self.phase = Phase::BlockHeader;
                        continue;
                    }
                    let take = (self.block_len - self.fill).min(input.len());
                    let (head, tail) = input.split_at(take);
                    let at = layout.input + self.fill;
                    let dst = mem.get_mut(at..at + take).ok_or(DecodeError::Corrupt)?;
                    dst.copy_from_slice(head);
                    *input = tail;
                    self.fill += take;
                    if self.fill < self.block_len {
                        return Ok(Status::NeedInput);
                    }
                    self.phase = Phase::BlockChecksum;
                }
                Phase::BlockChecksum => {
                    let info = self.info;
                    if !self.gather(input, info.block_checksum_len()) {
                        return Ok(Status::NeedInput);
                    }
                    let stored = self.small;
                    let stored = stored.get(..self.have).unwrap_or_default();
                    self.have = 0;
                    self.block(&Layout::of(&info, mem), mem, None, stored, out)?;
                    self.phase = Phase::BlockHeader;
                }
                Phase::ContentChecksum => {
                    if !self.gather(input, 4) {
                        return Ok(Status::NeedInput);
                    }
                    self.have = 0;
                    let expected = le32(&self.small);
                    let actual = self.hasher.as_ref().map_or(0, XxHash32::finish_32);
                    if expected != actual {
                        return Err(DecodeError::Checksum {
                            kind: Checksum::Content,
                            expected,
                            actual,
                        });
                    }
                    return self.end_frame();
                }
                Phase::Failed => return Err(self.error),
            }
        }
    }

    /// Checks a new frame against the state's memory (linked frames need the 64 KiB
    /// history; blocks are checked as they come) and the limit, and starts it.
    fn begin_frame(&mut self, info: FrameInfo, mem: usize) -> Result<(), DecodeError> {
        if info.linked() && mem < WINDOW {
            return Err(DecodeError::LimitExceeded {
                limit: mem as u64,
                needed: Some(WINDOW as u64),
            });
        }
        if let Some(size) = info.content_size {
            let needed = self.total.saturating_add(size);
            if needed > self.limit() {
                return Err(DecodeError::LimitExceeded {
                    limit: self.limit(),
                    needed: Some(needed),
                });
            }
        }
        self.info = info;
        self.hasher = info.content_checksum().then(|| XxHash32::with_seed(0));
        self.window_len = 0;
        self.frame_out = 0;
        self.phase = Phase::BlockHeader;
        Ok(())
    }

    fn end_frame(&mut self) -> Result<Status, DecodeError> {
        let info = self.info;
        if info.content_size.is_some_and(|size| size != self.frame_out) {
            return Err(DecodeError::Corrupt);
        }
        self.info = FrameInfo::EMPTY;
        self.hasher = None;
        self.phase = Phase::Magic;
        Ok(Status::Done)
    }

    /// Checks and decodes one whole block: from `data` when it came whole in the
    /// input, otherwise from the input buffer. The output goes straight into `out`
    /// when a whole block fits there, otherwise into the output buffer to be handed
    /// out by `flush`.
    fn block(
        &mut self,
        layout: &Layout,
        mem: &mut [u8],
        data: Option<&[u8]>,
        stored: &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<(), DecodeError> {
        let info = self.info;
        let (window, rest) = mem
            .split_at_mut_checked(layout.window)
            .ok_or(DecodeError::Corrupt)?;
        let (inbuf, outbuf) = rest
            .split_at_mut_checked(layout.output - layout.input)
            .ok_or(DecodeError::Corrupt)?;
        let data = match data {
            Some(data) => data,
            None => inbuf.get(..self.block_len).ok_or(DecodeError::Corrupt)?,
        };
        check_block(data, stored)?;
        // A compressed block decodes to at most the declared maximum, and must fit in
        // the state's output buffer whether or not it is decoded straight into `out`
        // (so that the outcome does not depend on `out`'s size).
        let max = if self.compressed {
            info.block_max.min(layout.cap)
        } else {
            data.len()
        };
        let direct = out.remaining() >= max;
        let target = if direct {
            // `get_mut`: an output that breaks the trait's rules may hand out more
            // (or fewer) than `max` bytes.
            out.try_spare_capacity_mut(max)
                .map_err(|_| DecodeError::Corrupt)?
                .get_mut(..max)
                .ok_or(DecodeError::Corrupt)?
        } else {
            outbuf.get_mut(..max).ok_or(DecodeError::Corrupt)?
        };
        let n = if !self.compressed {
            target.copy_from_slice(data);
            data.len()
        } else {
            // Independent blocks: this crate's decoder; linked ones, whose history
            // sits in another buffer: lz4_flex's, with that history as dictionary.
            let decoded = if info.linked() {
                let dict = window.get(WINDOW - self.window_len..).unwrap_or_default();
                decompress_into_with_dict(data, target, dict).map_err(|e| match e {
                    DecompressError::OutputTooSmall { .. } => fast::Error::OutputTooSmall,
                    _ => fast::Error::Corrupt,
                })
            } else {
                fast::decompress(data, target, 0, 0)
            };
            decoded.map_err(|e| match e {
                // Larger than the state holds (the frame allows up to `block_max`).
                fast::Error::OutputTooSmall if max < info.block_max => DecodeError::LimitExceeded {
                    limit: layout.cap as u64,
                    needed: Some(info.block_max as u64),
                },
                _ => DecodeError::Corrupt,
            })?
        };
        let decoded = target.get(..n).ok_or(DecodeError::Corrupt)?;
        self.account(&info, decoded)?;
        if info.linked() {
            push_window(window, &mut self.window_len, decoded);
        }
        if direct {
            out.commit(n).map_err(|_| DecodeError::Corrupt)?;
        } else {
            self.pending = (layout.output, layout.output + n);
        }
        Ok(())
    }

    /// Counts `decoded` against the content size and the limit, and hashes it.
    fn account(&mut self, info: &FrameInfo, decoded: &[u8]) -> Result<(), DecodeError> {
        let n = decoded.len() as u64;
        self.frame_out = self.frame_out.saturating_add(n);
        if info.content_size.is_some_and(|size| self.frame_out > size) {
            return Err(DecodeError::Corrupt);
        }
        let total = self.total.saturating_add(n);
        if total > self.limit() {
            return Err(DecodeError::LimitExceeded {
                limit: self.limit(),
                needed: None,
            });
        }
        self.total = total;
        if let Some(h) = &mut self.hasher {
            core::hash::Hasher::write(h, decoded);
        }
        Ok(())
    }
}

/// Where a frame's buffers sit in `mem`: the window at 0 (linked frames), then the
/// compressed block at `input`, then the decoded block at `output`, each `cap` bytes
/// (the declared block size, or what the state holds if that is less).
struct Layout {
    window: usize,
    input: usize,
    output: usize,
    cap: usize,
}

impl Layout {
    fn of(info: &FrameInfo, mem: &[u8]) -> Self {
        let window = if info.linked() { WINDOW } else { 0 };
        let cap = info.block_max.min(mem.len().saturating_sub(window) / 2);
        Self {
            window,
            input: window,
            output: window + cap,
            cap,
        }
    }
}

/// Appends `data` to the history at the end of `window` (keeping its last 64 KiB).
fn push_window(window: &mut [u8], len: &mut usize, data: &[u8]) {
    let w = window.len();
    if data.len() >= w {
        if let Some(tail) = data.get(data.len() - w..) {
            window.copy_from_slice(tail);
        }
        *len = w;
        return;
    }
    let keep = (*len).min(w - data.len());
    window.copy_within(w - keep.., w - keep - data.len());
    if let Some(dst) = window.get_mut(w - data.len()..) {
        dst.copy_from_slice(data);
    }
    *len = keep + data.len();
}
