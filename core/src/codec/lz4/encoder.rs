//! [`Encoder`]: the streaming frame encoder.

use twox_hash::XxHash32;

use super::block::Table;
use super::frame::{self, BLOCK_OVERHEAD, BlockMode, BlockSize, FrameSettings, MAX_HEADER, WINDOW};
use crate::codec::Output;
use crate::codec::{Encode, EncodeError, Progress, Status};

/// A streaming lz4 frame encoder whose buffers and hash table live inside it: `MEM`
/// bytes plus the 16 KiB [`Table`], no allocation. Input comes in pieces of any size,
/// output goes into successive caller buffers of any size.
///
/// Size `MEM` with [`encoder_memory`](super::encoder_memory) for the settings it will
/// use; settings that need more are [`EncodeError::InvalidSetting`]. Like the
/// decoder, a state is large: keep it in a `static` or a
/// [`ValuePool`](crate::pool::ValuePool) ([`new`](Self::new) is `const` and all zero,
/// so a static lands in `.bss`), never on a small stack.
///
/// A block is compressed when it is full (or at [`finish`](Encoder::finish)); it goes
/// straight into the caller's buffer when that has room for the whole block,
/// otherwise it is staged inside the state and handed out piece by piece. The bytes
/// are the same as [`compress_frame_into`](super::compress_frame_into)'s for the same
/// input and settings, however the input and output are cut.
///
/// After [`Status::Done`] from `finish`, `encode` returns [`EncodeError::Finished`]
/// (and `finish` returns `Done` again) until [`reset`](Encoder::reset); after an
/// error both return [`EncodeError::Finished`] until then. Input beyond a
/// declared content size, or a stream that ends short of it, is
/// [`EncodeError::InvalidSetting`].
///
/// ```
/// use bufpress::codec::lz4::{self, BlockMode, BlockSize, Encoder, FrameSettings};
/// use bufpress::codec::{Encode, encode_to};
/// use bufpress::pool::{Pool, ValuePool};
///
/// const MEM: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
/// static ENCODERS: ValuePool<Encoder<MEM>, 1> = ValuePool::new([const { Encoder::new() }]);
/// static POOL: Pool<8, 256> = Pool::new();
///
/// let mut encoder = ENCODERS.try_acquire()?;
/// encoder.set_settings(FrameSettings::new().with_block_checksum(true))?;
/// let mut frame = Vec::new();
/// let written = encode_to(&mut *encoder, &[7u8; 1000], POOL.pool_ref(), |buf| {
///     frame.extend_from_slice(&buf);
///     Ok::<(), core::convert::Infallible>(())
/// })?;
/// assert_eq!(written, frame.len());
/// encoder.reset(); // ready for the next message, same settings
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Encoder<const MEM: usize> {
    state: State,
    table: Table,
    mem: [u8; MEM],
}

impl<const MEM: usize> Encoder<MEM> {
    /// An encoder with the default settings ([`FrameSettings::new`]). All zero bytes.
    pub const fn new() -> Self {
        Self {
            state: State::new(Config::DEFAULT),
            table: Table::new(),
            mem: [0; MEM],
        }
    }

    /// The same encoder with `settings` (checked at the first call); `const`, for a
    /// `static`: `Encoder::new().with_settings(s)`. Use [`new`](Self::new) and
    /// [`set_settings`](Self::set_settings) for a `static` that should stay all zero,
    /// and for a state in a pool (this moves the state).
    #[must_use]
    pub const fn with_settings(mut self, settings: FrameSettings) -> Self {
        self.state = State::new(Config::from_settings(&settings));
        self
    }

    /// Uses `settings` from the next stream on, and resets the encoder.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidSetting`] when `MEM` is smaller than
    /// [`encoder_memory`](super::encoder_memory) for the block size and mode; the
    /// settings are unchanged then.
    pub fn set_settings(&mut self, settings: FrameSettings) -> Result<(), EncodeError> {
        let config = Config::from_settings(&settings);
        config.check(MEM)?;
        self.state.config = config;
        Encode::reset(self);
        Ok(())
    }

    /// The current settings.
    pub fn settings(&self) -> FrameSettings {
        self.state.config.settings()
    }

    /// Declares the content size of the next stream (or none), keeping the other
    /// settings; call it after [`reset`](Encoder::reset), before the first
    /// [`encode`](Encoder::encode). The encoder checks the stream has exactly this
    /// length.
    pub fn set_content_size(&mut self, size: Option<u64>) {
        self.state.config.content_size = size;
    }

    /// Input bytes taken since the last reset.
    pub fn total_in(&self) -> u64 {
        self.state.total_in
    }
}

impl<const MEM: usize> Default for Encoder<MEM> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MEM: usize> core::fmt::Debug for Encoder<MEM> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encoder")
            .field("mem", &MEM)
            .field("settings", &self.settings())
            .field("phase", &self.state.phase)
            .finish()
    }
}

impl<const MEM: usize> Encode for Encoder<MEM> {
    fn encode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let before = out.len();
        let mut rest = input;
        let status = self
            .state
            .encode(&mut self.table, &mut self.mem, &mut rest, out);
        let status = self.state.fail_on_err(status)?;
        Ok(Progress {
            consumed: input.len() - rest.len(),
            produced: out.len().saturating_sub(before),
            status,
        })
    }

    fn finish(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let before = out.len();
        let status = self.state.finish(&mut self.table, &mut self.mem, out);
        let status = self.state.fail_on_err(status)?;
        Ok(Progress {
            consumed: 0,
            produced: out.len().saturating_sub(before),
            status,
        })
    }

    /// Ends the current block (a block smaller than the block size, as at the end of
    /// a frame), so a reader can decode all input given until now; the frame goes on.
    /// Before the first input it writes the frame header.
    fn flush(&mut self, out: &mut dyn Output) -> Result<Progress, EncodeError> {
        let before = out.len();
        let status = self.state.flush_blocks(&mut self.table, &mut self.mem, out);
        let status = self.state.fail_on_err(status)?;
        Ok(Progress {
            consumed: 0,
            produced: out.len().saturating_sub(before),
            status,
        })
    }

    /// [`max_frame_len`](super::max_frame_len) for the current settings.
    fn max_output_len(&self, input_len: usize) -> Option<usize> {
        let n = super::max_frame_len(input_len, &self.settings());
        (n != usize::MAX).then_some(n)
    }

    fn reset(&mut self) {
        self.state = State::new(self.state.config);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing written yet: the frame header comes first.
    Start,
    /// Taking input and writing blocks.
    Blocks,
    /// The end mark (and content checksum) are queued.
    Trailer,
    /// The frame is complete.
    Done,
    /// A call failed: `reset` first.
    Failed,
}

/// The settings in a form whose defaults are all zero (so a `static` encoder made by
/// `new` is all zero and lands in `.bss`).
#[derive(Debug, Clone, Copy)]
struct Config {
    size: BlockSize,
    linked: bool,
    block_checksum: bool,
    no_content_checksum: bool,
    content_size: Option<u64>,
}

impl Config {
    const DEFAULT: Self = Self::from_settings(&FrameSettings::new());

    const fn from_settings(s: &FrameSettings) -> Self {
        Self {
            size: s.block_size,
            linked: s.linked(),
            block_checksum: s.block_checksum,
            no_content_checksum: !s.content_checksum,
            content_size: s.content_size,
        }
    }

    fn settings(&self) -> FrameSettings {
        FrameSettings::new()
            .with_block_size(self.size)
            .with_block_mode(if self.linked {
                BlockMode::Linked
            } else {
                BlockMode::Independent
            })
            .with_block_checksum(self.block_checksum)
            .with_content_checksum(!self.no_content_checksum)
            .with_content_size(self.content_size)
    }

    fn check(&self, mem: usize) -> Result<(), EncodeError> {
        if self.layout().end() <= mem {
            Ok(())
        } else {
            Err(EncodeError::InvalidSetting)
        }
    }

    fn layout(&self) -> Layout {
        let window = if self.linked { WINDOW } else { 0 };
        let block = self.size.bytes();
        Layout {
            input: window,
            block,
            output: window + block,
        }
    }
}

/// Where the buffers sit in `mem`: the window (linked only) below `input`, the block
/// being filled at `input`, the staged output block at `output`.
struct Layout {
    input: usize,
    block: usize,
    output: usize,
}

impl Layout {
    fn end(&self) -> usize {
        self.output + self.block + BLOCK_OVERHEAD
    }
}

/// Everything but the buffers and the table.
struct State {
    config: Config,
    phase: Phase,
    /// Bytes in the block being filled.
    fill: usize,
    /// Valid history at the end of the window (linked blocks).
    window_len: usize,
    total_in: u64,
    hasher: Option<XxHash32>,
    /// Queued output, handed out in order: `head`, then `mem[data.0..data.1]`.
    head: [u8; MAX_HEADER],
    head_at: usize,
    head_len: usize,
    data: (usize, usize),
}

impl State {
    const fn new(config: Config) -> Self {
        Self {
            config,
            phase: Phase::Start,
            fill: 0,
            window_len: 0,
            total_in: 0,
            hasher: None,
            head: [0; MAX_HEADER],
            head_at: 0,
            head_len: 0,
            data: (0, 0),
        }
    }

    fn fail_on_err(&mut self, r: Result<Status, EncodeError>) -> Result<Status, EncodeError> {
        if r.is_err() {
            self.phase = Phase::Failed;
        }
        r
    }

    /// Writes the frame header (queued) on the first call of a stream.
    fn start(&mut self, table: &mut Table, mem: usize) -> Result<(), EncodeError> {
        match self.phase {
            Phase::Start => {}
            Phase::Blocks => return Ok(()),
            Phase::Trailer | Phase::Done | Phase::Failed => return Err(EncodeError::Finished),
        }
        self.config.check(mem)?;
        self.head_len = self.config.settings().write_header(&mut self.head);
        self.head_at = 0;
        self.hasher = (!self.config.no_content_checksum).then(|| XxHash32::with_seed(0));
        table.start_independent();
        self.phase = Phase::Blocks;
        Ok(())
    }

    /// Hands out queued output; whether all of it went.
    fn flush(&mut self, mem: &[u8], out: &mut (impl Output + ?Sized)) -> bool {
        let head = self
            .head
            .get(self.head_at..self.head_len)
            .unwrap_or_default();
        let n = head.len().min(out.remaining());
        if out
            .extend_from_slice(head.get(..n).unwrap_or_default())
            .is_ok()
        {
            self.head_at += n;
        }
        let (start, end) = self.data;
        let n = (end - start).min(out.remaining());
        if let Some(bytes) = mem.get(start..start + n) {
            if out.extend_from_slice(bytes).is_ok() {
                self.data.0 += n;
            }
        }
        self.head_at >= self.head_len && self.data.0 >= self.data.1
    }

    fn encode(
        &mut self,
        table: &mut Table,
        mem: &mut [u8],
        input: &mut &[u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<Status, EncodeError> {
        self.start(table, mem.len())?;
        let layout = self.config.layout();
        loop {
            if !self.flush(mem, out) {
                return Ok(Status::OutputFull);
            }
            if input.is_empty() {
                return Ok(Status::NeedInput);
            }
            let take = (layout.block - self.fill).min(input.len());
            let (head, tail) = input.split_at(take);
            let total = self.total_in.saturating_add(take as u64);
            if self.config.content_size.is_some_and(|size| total > size) {
                return Err(EncodeError::InvalidSetting);
            }
            let at = layout.input + self.fill;
            let dst = mem
                .get_mut(at..at + take)
                .ok_or(EncodeError::InvalidSetting)?;
            dst.copy_from_slice(head);
            if let Some(h) = &mut self.hasher {
                core::hash::Hasher::write(h, head);
            }
            *input = tail;
            self.total_in = total;
            self.fill += take;
            if self.fill == layout.block {
                self.write_block(&layout, table, mem, out)?;
            }
        }
    }

    fn finish(
        &mut self,
        table: &mut Table,
        mem: &mut [u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<Status, EncodeError> {
        match self.phase {
            Phase::Done => return Ok(Status::Done),
            Phase::Trailer => {}
            _ => self.start(table, mem.len())?,
        }
        let layout = self.config.layout();
        loop {
            if !self.flush(mem, out) {
                return Ok(Status::OutputFull);
            }
            if self.phase == Phase::Trailer {
                self.phase = Phase::Done;
                return Ok(Status::Done);
            }
            if self.fill > 0 {
                self.write_block(&layout, table, mem, out)?;
                continue;
            }
            if self
                .config
                .content_size
                .is_some_and(|size| size != self.total_in)
            {
                return Err(EncodeError::InvalidSetting);
            }
            // The end mark, then the content checksum.
            let sum = self.hasher.as_ref().map(XxHash32::finish_32);
            self.head = [0; MAX_HEADER];
            self.head_len = 4;
            if let (Some(sum), Some(dst)) = (sum, self.head.get_mut(4..8)) {
                dst.copy_from_slice(&sum.to_le_bytes());
                self.head_len = 8;
            }
            self.head_at = 0;
            self.phase = Phase::Trailer;
        }
    }

    /// Writes out the block being filled and everything queued: `Done` when all went.
    fn flush_blocks(
        &mut self,
        table: &mut Table,
        mem: &mut [u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<Status, EncodeError> {
        self.start(table, mem.len())?;
        let layout = self.config.layout();
        loop {
            if !self.flush(mem, out) {
                return Ok(Status::OutputFull);
            }
            if self.fill == 0 {
                return Ok(Status::Done);
            }
            self.write_block(&layout, table, mem, out)?;
        }
    }

    /// Compresses the filled block: straight into `out` when it has room for the
    /// worst case, otherwise into the staging buffer, queued.
    fn write_block(
        &mut self,
        layout: &Layout,
        table: &mut Table,
        mem: &mut [u8],
        out: &mut (impl Output + ?Sized),
    ) -> Result<(), EncodeError> {
        let n = self.fill;
        let (src_at, start) = if self.config.linked {
            (layout.input - self.window_len, self.window_len)
        } else {
            table.start_independent();
            (layout.input, 0)
        };
        let (low, staging) = mem
            .split_at_mut_checked(layout.output)
            .ok_or(EncodeError::InvalidSetting)?;
        let src = low
            .get(src_at..layout.input + n)
            .ok_or(EncodeError::InvalidSetting)?;
        let worst = n + BLOCK_OVERHEAD;
        let checksum = self.config.block_checksum;
        if out.remaining() >= worst {
            let dst = out
                .try_spare_capacity_mut(worst)
                .map_err(|_| EncodeError::InvalidSetting)?;
            let len = frame::write_block(table, src, start, dst, checksum)
                .ok_or(EncodeError::InvalidSetting)?;
            out.commit(len).map_err(|_| EncodeError::InvalidSetting)?;
        } else {
            let len = frame::write_block(table, src, start, staging, checksum)
                .ok_or(EncodeError::InvalidSetting)?;
            self.data = (layout.output, layout.output + len);
        }
        if self.config.linked {
            // Keep the last 64 KiB as the next block's history.
            let end = layout.input + n;
            let keep = (self.window_len + n).min(WINDOW);
            low.copy_within(end - keep..end, layout.input - keep);
            table.slide(self.window_len + n - keep);
            self.window_len = keep;
        }
        self.fill = 0;
        Ok(())
    }
}
