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

/// The end directive of a compression call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Continue,
    Flush,
    Finish,
}

/// A static compression context on its own workspace.
///
/// # Invariants
///
/// `ctx` was returned by `ZSTD_initStaticCCtx` on `mem`, which lives as long as this
/// value; `ctx` is used only through `&mut self`.
pub(crate) struct CCtx {
    ctx: NonNull<sys::ZSTD_CCtx>,
    mem: Workspace,
}

// SAFETY: the context is plain memory owned by this value (no worker threads: a
// static context cannot have any, no thread-local or global reference kept by
// libzstd), so it may move to another thread; `&CCtx` gives no access to it.
unsafe impl Send for CCtx {}
// SAFETY: no method taking `&self` touches the context.
unsafe impl Sync for CCtx {}

impl CCtx {
    /// A context on a fresh workspace of at least `bytes` bytes; `None` when libzstd
    /// finds it too small for a context at all.
    pub(crate) fn new(bytes: usize) -> Option<Self> {
        let mem = Workspace::new(bytes);
        // SAFETY: the workspace is 8-byte aligned, `mem.bytes()` long, writable, and
        // owned by the returned value together with the context, so it outlives every
        // use of the context.
        let ctx = unsafe { sys::ZSTD_initStaticCCtx(mem.as_void(), mem.bytes()) };
        NonNull::new(ctx).map(|ctx| Self { ctx, mem })
    }

    /// The workspace size in bytes.
    pub(crate) fn memory(&self) -> usize {
        self.mem.bytes()
    }

    pub(crate) fn set(&mut self, param: sys::ZSTD_cParameter, value: i32) -> Result<(), RawError> {
        // SAFETY: `ctx` is a live context (type invariant), used exclusively here.
        check(unsafe { sys::ZSTD_CCtx_setParameter(self.ctx.as_ptr(), param, value) }).map(drop)
    }

    /// Pledges the next frame's content size (`None`: unknown).
    pub(crate) fn set_pledged(&mut self, size: Option<u64>) -> Result<(), RawError> {
        let size = size.unwrap_or(sys::ZSTD_CONTENTSIZE_UNKNOWN as u64);
        // SAFETY: as in `set`.
        check(unsafe { sys::ZSTD_CCtx_setPledgedSrcSize(self.ctx.as_ptr(), size) }).map(drop)
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

    /// One `ZSTD_compressStream2` call.
    pub(crate) fn stream(
        &mut self,
        dst: &mut [u8],
        src: &[u8],
        end: End,
    ) -> Result<Step, RawError> {
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
        let end = match end {
            End::Continue => sys::ZSTD_EndDirective::ZSTD_e_continue,
            End::Flush => sys::ZSTD_EndDirective::ZSTD_e_flush,
            End::Finish => sys::ZSTD_EndDirective::ZSTD_e_end,
        };
        // SAFETY: `ctx` is live and exclusive; the buffers describe `dst` and `src`,
        // valid for the call; libzstd copies what it keeps into its workspace (the
        // buffers are not declared stable), so no pointer outlives the call.
        let ret = check(unsafe {
            sys::ZSTD_compressStream2(self.ctx.as_ptr(), &mut output, &mut input, end)
        })?;
        Ok(Step {
            consumed: input.pos,
            produced: output.pos,
            ret,
        })
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

/// The hash and chain table logs libzstd uses at `level` for a large message of
/// known size with windows of `1 << window_log`. Frames of unknown size are given
/// these explicitly: libzstd would otherwise pick larger tables than the window can
/// use (for level 19, 84 MB instead of 2 MB with a 64 KiB window).
pub(crate) fn large_tables(level: i32, window_log: u32) -> (u32, u32) {
    let cp = cparams(level, LARGE, window_log);
    (cp.hashLog, cp.chainLog)
}

/// The workspace a streaming or one-shot compression context needs at `level` with
/// windows of at most `1 << window_log`, for every message size: the largest
/// estimate over libzstd's four parameter tables (up to 16 KiB, 128 KiB, 256 KiB,
/// larger), each with the window forced to `window_log` as the context will be.
pub(crate) fn cstream_size(level: i32, window_log: u32) -> usize {
    [16 * 1024, 128 * 1024, 256 * 1024, LARGE]
        .into_iter()
        .map(|tier| {
            let cp = cparams(level, tier, window_log);
            // SAFETY: a pure function of its argument.
            unsafe { sys::ZSTD_estimateCStreamSize_usingCParams(cp) }
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
