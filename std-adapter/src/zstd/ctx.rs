//! libzstd's contexts laid on memory this module owns: the only `unsafe` code of the
//! zstd backend.
//!
//! `ZSTD_initStaticCCtx` / `ZSTD_initStaticDCtx` build a context inside a workspace
//! handed in by the caller. libzstd then never calls `malloc` for that context: a
//! request that would need more memory fails with `memory_allocation` instead, the
//! workspace is never resized (nor shrunk after 128 small calls: that rule is skipped
//! for static contexts), and there is nothing to free: dropping the workspace ends the
//! context.
//!
//! Everything here takes slices and returns plain results; the callers in
//! `compress.rs` / `decompress.rs` never touch a pointer.
#![allow(unsafe_code)]

use core::ffi::c_void;
use core::ptr::NonNull;

use zstd_sys as sys;

/// A libzstd error code (`ZSTD_getErrorCode` of a failed call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawError(pub(crate) sys::ZSTD_ErrorCode);

/// Turns a libzstd `size_t` result into `Ok(value)` or the error code it encodes.
fn check(ret: usize) -> Result<usize, RawError> {
    // SAFETY: `ZSTD_isError` is a pure function of an integer.
    if unsafe { sys::ZSTD_isError(ret) } == 0 {
        Ok(ret)
    } else {
        // SAFETY: a pure function of an integer; for an error result it returns one
        // of the `ZSTD_ErrorCode` values the binding's enum lists.
        Err(RawError(unsafe { sys::ZSTD_getErrorCode(ret) }))
    }
}

/// Memory for one static context: `words` zeroed `u64`s (so 8-byte aligned, as
/// libzstd requires), allocated once, freed on drop.
///
/// # Invariants
///
/// `ptr` is the start of a `Box<[u64]>` of `words` elements that this value alone
/// owns; it is kept as a raw pointer (not a `Box`) because libzstd writes through it
/// while this value is moved around.
struct Workspace {
    ptr: NonNull<u64>,
    words: usize,
}

impl Workspace {
    fn new(bytes: usize) -> Self {
        let words = bytes.div_ceil(8).max(1);
        let boxed: Box<[u64]> = vec![0u64; words].into_boxed_slice();
        let ptr = NonNull::from(Box::leak(boxed)).cast::<u64>();
        Self { ptr, words }
    }

    fn bytes(&self) -> usize {
        self.words * 8
    }

    fn as_void(&self) -> *mut c_void {
        self.ptr.as_ptr().cast()
    }

    fn as_bytes_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr().cast()
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let slice = core::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.words);
        // SAFETY: by the type's invariant `slice` is exactly the leaked `Box<[u64]>`,
        // owned by this value only; the context laid on it is owned by the same
        // `CCtx`/`DCtx` and is never used after that value is dropped.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// What one streaming call did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub(crate) consumed: usize,
    pub(crate) produced: usize,
    /// libzstd's return value: for compression, bytes still to flush; for
    /// decompression, 0 at the end of a frame, else a hint.
    pub(crate) ret: usize,
}

/// A static compression context on its own workspace, with the input window of its
/// streaming frames (the ring).
///
/// Streaming frames are compressed with libzstd's buffer-less calls
/// (`ZSTD_compressBegin_advanced`, `ZSTD_compressContinue`, `ZSTD_compressEnd`) from
/// the ring, which this value owns: input is copied into it, and blocks are
/// compressed from it in place, so the data of the window is contiguous in memory
/// except after a wrap. libzstd keeps pointers into the ring between calls (the
/// window it finds matches in) and reads the last `window` bytes before the next
/// block; [`fill`](Self::fill) never writes over them.
///
/// # Invariants
///
/// `ctx` was returned by `ZSTD_initStaticCCtx` on `mem`, which lives as long as this
/// value; `ctx` is used only through `&mut self`. `ring` is `ring_len` bytes (a
/// multiple of 8) that this value owns; the only pointers libzstd keeps between calls
/// point into `ring` (every one-shot call resets the session first, and every frame
/// begins with `ZSTD_compressBegin_advanced`, which drops the previous window).
/// `done <= filled <= ring_len`; bytes `done..filled` are input not compressed yet.
pub(crate) struct CCtx {
    ctx: NonNull<sys::ZSTD_CCtx>,
    mem: Workspace,
    ring: Workspace,
    ring_len: usize,
    /// The largest window a frame may use: the bytes before `done` that libzstd may
    /// still read.
    window: usize,
    done: usize,
    filled: usize,
    /// The ring wrapped in this frame: its tail holds window data.
    wrapped: bool,
}

// SAFETY: the context and the ring are plain memory owned by this value (no worker
// threads: a static context cannot have any, no thread-local or global reference
// kept by libzstd; its pointers into the ring travel with the ring), so it may move
// to another thread; `&CCtx` gives no access to either.
unsafe impl Send for CCtx {}
// SAFETY: no method taking `&self` touches the context or writes the ring.
unsafe impl Sync for CCtx {}

impl CCtx {
    /// A context on a fresh workspace of at least `bytes` bytes, with a ring of
    /// `ring` bytes (rounded up to a multiple of 8) for streaming frames whose window
    /// is at most `window` bytes; `None` when libzstd finds the workspace too small
    /// for a context at all. The ring must hold a window and a block
    /// (`ring >= window + 128 KiB`, or `2 * window` for smaller windows).
    pub(crate) fn new(bytes: usize, ring: usize, window: usize) -> Option<Self> {
        let mem = Workspace::new(bytes);
        let ring = Workspace::new(ring);
        // SAFETY: the workspace is 8-byte aligned, `mem.bytes()` long, writable, and
        // owned by the returned value together with the context, so it outlives every
        // use of the context.
        let ctx = unsafe { sys::ZSTD_initStaticCCtx(mem.as_void(), mem.bytes()) };
        NonNull::new(ctx).map(|ctx| Self {
            ctx,
            mem,
            ring_len: ring.bytes(),
            ring,
            window,
            done: 0,
            filled: 0,
            wrapped: false,
        })
    }

    /// The workspace and ring sizes in bytes.
    pub(crate) fn memory(&self) -> usize {
        self.mem.bytes() + self.ring.bytes()
    }

    pub(crate) fn set(&mut self, param: sys::ZSTD_cParameter, value: i32) -> Result<(), RawError> {
        // SAFETY: `ctx` is a live context (type invariant), used exclusively here.
        check(unsafe { sys::ZSTD_CCtx_setParameter(self.ctx.as_ptr(), param, value) }).map(drop)
    }

    /// Abandons the current frame, keeping the parameters.
    pub(crate) fn reset_session(&mut self) {
        // SAFETY: as in `set`. Resetting the session cannot fail.
        unsafe {
            sys::ZSTD_CCtx_reset(
                self.ctx.as_ptr(),
                sys::ZSTD_ResetDirective::ZSTD_reset_session_only,
            );
        }
    }

    /// Compresses `src` as one frame into `dst`; returns the frame's size.
    pub(crate) fn compress2(&mut self, dst: &mut [u8], src: &[u8]) -> Result<usize, RawError> {
        let (out, out_len) = (dst.as_mut_ptr().cast(), dst.len());
        let (inp, in_len) = (src.as_ptr().cast(), src.len());
        // SAFETY: `ctx` is live and exclusive; `dst` is valid for writes of `out_len`
        // bytes and `src` for reads of `in_len` bytes for the call, and libzstd keeps
        // neither pointer after it returns (stable-buffer mode is never enabled).
        let ret = unsafe { sys::ZSTD_compress2(self.ctx.as_ptr(), out, out_len, inp, in_len) };
        check(ret)
    }

    /// Begins a streaming frame with `params` (`pledged`: its content size, if
    /// known), from an empty ring.
    pub(crate) fn begin(
        &mut self,
        params: sys::ZSTD_parameters,
        pledged: Option<u64>,
    ) -> Result<(), RawError> {
        self.done = 0;
        self.filled = 0;
        self.wrapped = false;
        let pledged = pledged.unwrap_or(sys::ZSTD_CONTENTSIZE_UNKNOWN as u64);
        // SAFETY: `ctx` is live and exclusive; no dictionary. The call drops the
        // previous window, so libzstd keeps no pointer from an earlier frame.
        check(unsafe {
            sys::ZSTD_compressBegin_advanced(
                self.ctx.as_ptr(),
                core::ptr::null(),
                0,
                params,
                pledged,
            )
        })
        .map(drop)
    }

    /// Input copied into the ring and not compressed yet.
    pub(crate) fn pending(&self) -> usize {
        self.filled - self.done
    }

    /// Whether the ring is full up to its end (what is pending must be compressed
    /// before more input fits).
    pub(crate) fn ring_full(&self) -> bool {
        self.filled == self.ring_len
    }

    /// Copies as much of `src` into the ring as fits without touching the window;
    /// returns how much.
    pub(crate) fn fill(&mut self, src: &[u8]) -> usize {
        // After a wrap, the window reaches back past the ring's start into its tail
        // until `done` is a window from the start.
        let end = if self.wrapped && self.done < self.window {
            self.ring_len - (self.window - self.done)
        } else {
            self.ring_len
        };
        let n = src.len().min(end.saturating_sub(self.filled));
        // SAFETY: `filled + n <= ring_len`, so the destination is inside the ring,
        // which this value owns; `src` is a distinct borrow (the ring is never lent
        // out). libzstd reads these bytes only after this copy, during later calls.
        unsafe {
            core::ptr::copy_nonoverlapping(
                src.as_ptr(),
                self.ring.as_bytes_ptr().add(self.filled),
                n,
            );
        }
        self.filled += n;
        n
    }

    /// Compresses the next `len` pending bytes of the ring into `dst` (`last`: as the
    /// end of the frame, with its checksum); returns the bytes written. Once the
    /// ring is compressed to its end, the next input goes to its start.
    pub(crate) fn compress_pending(
        &mut self,
        dst: &mut [u8],
        len: usize,
        last: bool,
    ) -> Result<usize, RawError> {
        assert!(len <= self.pending(), "compressing input not in the ring");
        let (out, cap) = (dst.as_mut_ptr().cast(), dst.len());
        // SAFETY: `done + len <= filled <= ring_len`: the source is inside the ring.
        let src = unsafe { self.ring.as_bytes_ptr().add(self.done) };
        let f = if last {
            sys::ZSTD_compressEnd
        } else {
            sys::ZSTD_compressContinue
        };
        // SAFETY: `ctx` is live and exclusive; `dst` is valid for `cap` bytes; the source
        // is `len` bytes of the ring, which outlives the context, and libzstd keeps
        // pointers only into it (type invariant); `fill` never overwrites the window.
        let written = check(unsafe { f(self.ctx.as_ptr(), out, cap, src.cast(), len) })?;
        self.done += len;
        if self.done == self.ring_len {
            self.done = 0;
            self.filled = 0;
            self.wrapped = true;
        }
        Ok(written)
    }
}

/// A static decompression context on its own workspace.
///
/// # Invariants
///
/// As for [`CCtx`], with `ZSTD_initStaticDCtx`.
pub(crate) struct DCtx {
    ctx: NonNull<sys::ZSTD_DCtx>,
    mem: Workspace,
}

// SAFETY: as for `CCtx`.
unsafe impl Send for DCtx {}
// SAFETY: as for `CCtx`.
unsafe impl Sync for DCtx {}

impl DCtx {
    /// A context on a fresh workspace of at least `bytes` bytes; `None` when libzstd
    /// finds it too small.
    pub(crate) fn new(bytes: usize) -> Option<Self> {
        let mem = Workspace::new(bytes);
        // SAFETY: as in `CCtx::new`.
        let ctx = unsafe { sys::ZSTD_initStaticDCtx(mem.as_void(), mem.bytes()) };
        NonNull::new(ctx).map(|ctx| Self { ctx, mem })
    }

    /// The workspace size in bytes.
    pub(crate) fn memory(&self) -> usize {
        self.mem.bytes()
    }

    pub(crate) fn set(&mut self, param: sys::ZSTD_dParameter, value: i32) -> Result<(), RawError> {
        // SAFETY: `ctx` is a live context (type invariant), used exclusively here.
        check(unsafe { sys::ZSTD_DCtx_setParameter(self.ctx.as_ptr(), param, value) }).map(drop)
    }

    /// Abandons the current frame, keeping the parameters.
    pub(crate) fn reset_session(&mut self) {
        // SAFETY: as in `set`. Resetting the session cannot fail.
        unsafe {
            sys::ZSTD_DCtx_reset(
                self.ctx.as_ptr(),
                sys::ZSTD_ResetDirective::ZSTD_reset_session_only,
            );
        }
    }

    /// Decompresses the frames of `src` into `dst` in one call.
    pub(crate) fn decompress(&mut self, dst: &mut [u8], src: &[u8]) -> Result<usize, RawError> {
        // SAFETY: as in `CCtx::compress2`.
        check(unsafe {
            sys::ZSTD_decompressDCtx(
                self.ctx.as_ptr(),
                dst.as_mut_ptr().cast(),
                dst.len(),
                src.as_ptr().cast(),
                src.len(),
            )
        })
    }

    /// One `ZSTD_decompressStream` call.
    pub(crate) fn stream(&mut self, dst: &mut [u8], src: &[u8]) -> Result<Step, RawError> {
        let mut output = sys::ZSTD_outBuffer {
            dst: dst.as_mut_ptr().cast(),
            size: dst.len(),
            pos: 0,
        };
        let mut input = sys::ZSTD_inBuffer {
            src: src.as_ptr().cast(),
            size: src.len(),
            pos: 0,
        };
        // SAFETY: as in `CCtx::stream` (the output buffer is not declared stable, so
        // libzstd decodes through its own window buffer in the workspace).
        let ret = check(unsafe {
            sys::ZSTD_decompressStream(self.ctx.as_ptr(), &mut output, &mut input)
        })?;
        Ok(Step {
            consumed: input.pos,
            produced: output.pos,
            ret,
        })
    }
}

/// A frame header as libzstd reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameHeader {
    /// The content size, when the frame declares it.
    pub(crate) content_size: Option<u64>,
    /// The window the frame needs (its content size for a single-segment frame).
    pub(crate) window: u64,
    /// Whether this is a skippable frame.
    pub(crate) skippable: bool,
}

/// Reads the frame header at the start of `src`: `Ok(None)` when `src` is too short
/// to hold it.
pub(crate) fn frame_header(src: &[u8]) -> Result<Option<FrameHeader>, RawError> {
    let mut h = sys::ZSTD_FrameHeader {
        frameContentSize: 0,
        windowSize: 0,
        blockSizeMax: 0,
        frameType: sys::ZSTD_FrameType_e::ZSTD_frame,
        headerSize: 0,
        dictID: 0,
        checksumFlag: 0,
        _reserved1: 0,
        _reserved2: 0,
    };
    // SAFETY: `h` is a valid, writable header struct; `src` is valid for reads of
    // `src.len()` bytes during the call.
    let ret = check(unsafe { sys::ZSTD_getFrameHeader(&mut h, src.as_ptr().cast(), src.len()) })?;
    if ret != 0 {
        return Ok(None);
    }
    let skippable = h.frameType == sys::ZSTD_FrameType_e::ZSTD_skippableFrame;
    let unknown = sys::ZSTD_CONTENTSIZE_UNKNOWN as u64;
    Ok(Some(FrameHeader {
        content_size: (h.frameContentSize != unknown && !skippable).then_some(h.frameContentSize),
        window: h.windowSize,
        skippable,
    }))
}

/// The size of the whole first frame of `src` (libzstd walks its block headers).
pub(crate) fn frame_size(src: &[u8]) -> Result<usize, RawError> {
    // SAFETY: `src` is valid for reads of `src.len()` bytes during the call.
    check(unsafe { sys::ZSTD_findFrameCompressedSize(src.as_ptr().cast(), src.len()) })
}

/// The worst-case compressed size of `len` bytes.
pub(crate) fn compress_bound(len: usize) -> usize {
    // SAFETY: a pure function of an integer.
    unsafe { sys::ZSTD_compressBound(len) }
}

/// libzstd's lowest (fastest) level.
pub(crate) fn min_level() -> i32 {
    // SAFETY: a pure function.
    unsafe { sys::ZSTD_minCLevel() }
}

/// A content size libzstd treats as "large and known": its fourth parameter table,
/// with the hash and chain tables capped to the window.
const LARGE: u64 = 1 << 40;

/// libzstd's parameters at `level` for `src` bytes (`None`: unknown) with the window
/// forced to `window_log`, as a context with `ZSTD_c_windowLog` set uses them.
fn cparams(level: i32, src: u64, window_log: u32) -> sys::ZSTD_compressionParameters {
    // SAFETY: pure functions of their arguments (no pointers).
    unsafe {
        let mut cp = sys::ZSTD_getCParams(level, src, 0);
        cp.windowLog = window_log;
        sys::ZSTD_adjustCParams(cp, src, 0)
    }
}

/// libzstd's parameters for a streamed frame at `level` with windows of at most
/// `1 << window_log`: for `pledged` bytes (shrinking the window to fit them), or for a
/// large input of unknown size, with the hash and chain tables capped to the window
/// (libzstd would otherwise pick larger tables than the window can use: for level
/// 19, 84 MB instead of 2 MB with a 64 KiB window).
pub(crate) fn stream_params(
    level: i32,
    window_log: u32,
    pledged: Option<u64>,
) -> sys::ZSTD_compressionParameters {
    cparams(level, pledged.unwrap_or(LARGE), window_log)
}

/// The workspace a compression context needs at `level` with windows of at most
/// `1 << window_log`, for every message size, one-shot or streamed (its input window
/// is the ring, apart): the largest estimate over libzstd's four parameter tables (up
/// to 16 KiB, 128 KiB, 256 KiB, larger), each with the window forced to
/// `window_log` as the context will be.
pub(crate) fn cctx_size(level: i32, window_log: u32) -> usize {
    [16 * 1024, 128 * 1024, 256 * 1024, LARGE]
        .into_iter()
        .map(|tier| {
            let cp = cparams(level, tier, window_log);
            // SAFETY: a pure function of its argument.
            unsafe { sys::ZSTD_estimateCCtxSize_usingCParams(cp) }
        })
        .max()
        .unwrap_or(0)
}

/// The workspace a decompression context needs for windows up to `window` bytes
/// (streaming included: libzstd's window buffer and input block buffer).
pub(crate) fn dstream_size(window: usize) -> usize {
    // SAFETY: a pure function of an integer.
    unsafe { sys::ZSTD_estimateDStreamSize(window) }
}
