//! A bare-metal Cortex-M program (thumbv7em-none-eabihf) with no allocator: it takes a
//! buffer from a `static` bufpress pool, writes a sensor frame into it, reads the
//! pool's stats and gives the buffer back.
//!
//! Built with `--no-default-features` (no `pool` feature) the same program does the
//! same work with no bufpress code: it writes the frame into a plain static buffer of
//! the same total size and reads a counter. `.ci/footprint` compares the two.
//!
//! No runtime crate: the vector table is below, the reset handler (zero `.bss`, copy
//! `.data`, enable the FPU, call `main`) is a few lines of assembly, and `link.x` is the
//! memory map.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

/// How many buffers the pool has (`.ci/footprint` reads this line).
const N: usize = 8;
/// The size of each buffer in bytes (`.ci/footprint` reads this line).
const SIZE: usize = 256;

/// One sensor frame: id, sequence number, three little-endian i16 axes, status, CRC-8.
const FRAME: [u8; 10] = [0xA5, 0x01, 0x10, 0x00, 0xF0, 0xFF, 0x00, 0x04, 0x00, 0x5C];

#[cfg(feature = "qemu")]
mod qemu;

#[cfg(feature = "pool")]
mod work {
    use super::{N, SIZE, black_box};
    use bufpress::pool::Pool;

    /// The pool: all zero when new, so it lands in `.bss` (`.ci/footprint` checks).
    #[unsafe(no_mangle)]
    static BARE_POOL: Pool<N, SIZE> = Pool::new();

    #[inline(always)]
    pub(crate) fn run(frame: &[u8]) {
        if let Ok(mut buf) = BARE_POOL.try_acquire() {
            if buf.extend_from_slice(frame).is_ok() {
                // The frame must really be stored: hand the filled part to an
                // opaque consumer (a DMA start, in firmware).
                black_box(&buf[..]);
            }
            black_box(BARE_POOL.stats());
            // `buf` is dropped here: the buffer goes back to the pool.
        }
        #[cfg(any(
            feature = "codecs-lz4",
            feature = "codecs-deflate",
            feature = "codecs-zstd"
        ))]
        codecs::run(frame);
    }

    /// lz4 compress and decompress, gzip decoding and zstd decoding, into pool buffers,
    /// with the codec states in value pools: what `.ci/footprint` reports as the codecs'
    /// cost.
    ///
    /// It also holds a `static` of every other codec state with a `const fn new()`
    /// (lz4's frame decoder and encoder, deflate's streaming decoder state) and hands
    /// each pool's address to an opaque consumer: their images are linked in, their
    /// codecs' code is not (the code measured is the one-shot paths above). `.ci/footprint` checks that every `BARE_STATE_*`
    /// symbol is in `.bss` (all zero when new) and bounds `.data`.
    ///
    /// With only `codecs-lz4`, `codecs-deflate` or `codecs-zstd`, only that codec's part
    /// is built: `.ci/footprint` reports each codec's code that way.
    #[cfg(any(
        feature = "codecs-lz4",
        feature = "codecs-deflate",
        feature = "codecs-zstd"
    ))]
    mod codecs {
        use super::{BARE_POOL, black_box};
        #[cfg(feature = "codecs-deflate")]
        use bufpress::codec::deflate;
        #[cfg(feature = "codecs-lz4")]
        use bufpress::codec::lz4;
        #[cfg(feature = "codecs-zstd")]
        use bufpress::codec::zstd;
        use bufpress::pool::ValuePool;

        #[cfg(feature = "codecs-lz4")]
        /// A frame decoder for blocks of up to 1 KiB (independent blocks): a sensor's
        /// small frames. Larger blocks are an error when they come.
        const LZ4_DECODER_MEM: usize = 2 * 1024;
        #[cfg(feature = "codecs-lz4")]
        /// A frame encoder for 64 KiB independent blocks, lz4's smallest block size.
        const LZ4_ENCODER_MEM: usize =
            lz4::encoder_memory(lz4::BlockSize::Max64KiB, lz4::BlockMode::Independent);

        #[cfg(feature = "codecs-lz4")]
        #[unsafe(no_mangle)]
        static BARE_STATE_LZ4_TABLE: ValuePool<lz4::Table, 1> =
            ValuePool::new([const { lz4::Table::new() }; 1]);
        #[cfg(feature = "codecs-deflate")]
        #[unsafe(no_mangle)]
        static BARE_STATE_INFLATE: ValuePool<deflate::InflateState, 1> =
            ValuePool::new([const { deflate::InflateState::new() }; 1]);
        #[cfg(feature = "codecs-lz4")]
        #[unsafe(no_mangle)]
        static BARE_STATE_LZ4_DECODER: ValuePool<lz4::Decoder<LZ4_DECODER_MEM>, 1> =
            ValuePool::new([const { lz4::Decoder::new() }; 1]);
        #[cfg(feature = "codecs-lz4")]
        #[unsafe(no_mangle)]
        static BARE_STATE_LZ4_ENCODER: ValuePool<lz4::Encoder<LZ4_ENCODER_MEM>, 1> =
            ValuePool::new([const { lz4::Encoder::new() }; 1]);
        #[cfg(feature = "codecs-deflate")]
        #[unsafe(no_mangle)]
        static BARE_STATE_DEFLATE_DECODER: ValuePool<deflate::DecoderState, 1> =
            ValuePool::new([const { deflate::DecoderState::new() }; 1]);
        #[cfg(feature = "codecs-deflate")]
        /// The deflate compressor: a 4 KiB window, 1,024 hash heads.
        #[unsafe(no_mangle)]
        static BARE_STATE_DEFLATE_ENCODER: ValuePool<deflate::EncoderState<4096, 1024>, 1> =
            ValuePool::new([const { deflate::EncoderState::new() }; 1]);

        #[cfg(feature = "codecs-zstd")]
        /// A zstd decoder for windows up to 4 KiB: 16 KiB of buffers and 21 KB of tables.
        const ZSTD_DECODER_MEM: usize = zstd::decoder_memory(4096);
        #[cfg(feature = "codecs-zstd")]
        #[unsafe(no_mangle)]
        static BARE_STATE_ZSTD_DECODER: ValuePool<zstd::DecoderState<ZSTD_DECODER_MEM>, 1> =
            ValuePool::new([const { zstd::DecoderState::new() }; 1]);

        #[cfg(feature = "codecs-zstd")]
        /// A 47-byte message, compressed by `zstd -19` (content size and XXH64 checksum
        /// in the frame).
        const MESSAGE_ZST: [u8; 40] = [
            0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0xdd, 0x00, 0x00, 0x98, 0x68, 0x65, 0x6c, 0x6c,
            0x6f, 0x20, 0x7a, 0x73, 0x74, 0x64, 0x2c, 0x20, 0x70, 0x6f, 0x6f, 0x6c, 0x2c, 0x20,
            0x21, 0x02, 0x00, 0x3b, 0x55, 0xf9, 0x50, 0x92, 0x86, 0xba, 0x7a, 0xd8,
        ];

        #[cfg(feature = "codecs-deflate")]
        /// A 150-byte firmware chunk, gzip-compressed (Python's `gzip.compress`, mtime 0).
        const IMAGE_GZ: [u8; 60] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0xcb, 0x2c, 0xca,
            0x2d, 0x4f, 0x2c, 0x4a, 0x55, 0xc8, 0xcc, 0x4d, 0x4c, 0x4f, 0x55, 0x48, 0xce, 0x28,
            0xcd, 0xcb, 0xb6, 0x52, 0x30, 0x30, 0x34, 0x32, 0x36, 0x31, 0x35, 0x33, 0xb7, 0xb0,
            0x4c, 0x4c, 0x4a, 0x4e, 0x49, 0x4d, 0xa3, 0x37, 0x1f, 0x00, 0x5b, 0xfe, 0xac, 0xaf,
            0x96, 0x00, 0x00, 0x00,
        ];

        pub(crate) fn run(frame: &[u8]) {
            // A length the optimizer cannot see: with the known 10 bytes (too short for
            // any match) it would drop the compressor's match loop from this build.
            let frame = frame.get(..black_box(frame.len())).unwrap_or(frame);
            let (Ok(mut packed), Ok(mut back)) = (BARE_POOL.try_acquire(), BARE_POOL.try_acquire())
            else {
                return;
            };
            #[cfg(feature = "codecs-lz4")]
            if let Ok(mut table) = BARE_STATE_LZ4_TABLE.try_acquire() {
                if lz4::compress_into(frame, &mut packed, &mut table).is_ok()
                    && lz4::decompress_into(&packed, &mut back).is_ok()
                {
                    black_box(&back[..]);
                }
                back.clear();
                // Linked in (an opaque consumer has their addresses), their codecs not.
                black_box(&BARE_STATE_LZ4_DECODER);
                black_box(&BARE_STATE_LZ4_ENCODER);
            }
            #[cfg(feature = "codecs-deflate")]
            if let Ok(mut state) = BARE_STATE_INFLATE.try_acquire() {
                let image = black_box(&IMAGE_GZ);
                if deflate::decompress_into(image, &mut back, deflate::Format::Gzip, &mut state)
                    .is_ok()
                {
                    black_box(&back[..]);
                }
                black_box(&BARE_STATE_DEFLATE_DECODER);
                black_box(&BARE_STATE_DEFLATE_ENCODER);
            }
            #[cfg(feature = "codecs-zstd")]
            if let Ok(mut state) = BARE_STATE_ZSTD_DECODER.try_acquire() {
                back.clear();
                let message = black_box(&MESSAGE_ZST);
                if zstd::Decoder::new_in(&mut state)
                    .decompress_into(message, &mut back)
                    .is_ok()
                {
                    black_box(&back[..]);
                }
            }
            black_box((frame, &mut packed, &mut back));
        }
    }
}

#[cfg(not(feature = "pool"))]
mod work {
    use super::{N, SIZE, black_box};
    use core::ptr::addr_of_mut;
    use core::sync::atomic::{AtomicU32, Ordering};

    /// The same bytes as the pool's buffers, in a plain static buffer.
    #[unsafe(no_mangle)]
    static mut BARE_BUFS: [[u8; SIZE]; N] = [[0; SIZE]; N];
    /// A counter to read, as the pool variant reads its stats.
    #[unsafe(no_mangle)]
    static BARE_COUNT: AtomicU32 = AtomicU32::new(0);

    #[inline(always)]
    pub(crate) fn run(frame: &[u8]) {
        // SAFETY: single-threaded, no interrupt handler touches the buffer, and no
        // other reference to it exists while this one lives.
        let buf: &mut [u8; SIZE] = unsafe { &mut (*addr_of_mut!(BARE_BUFS))[0] };
        if let Some(dst) = buf.get_mut(..frame.len()) {
            dst.copy_from_slice(frame);
            black_box(&dst[..]);
        }
        black_box(BARE_COUNT.load(Ordering::Relaxed));
    }
}

/// Called by `Reset` once `.bss` and `.data` are set up.
#[unsafe(no_mangle)]
extern "C" fn main() -> ! {
    // The frame comes from "outside" (a sensor), not from a constant the optimizer
    // could fold into the stores.
    let frame = black_box(FRAME);
    work::run(&frame);
    #[cfg(feature = "qemu")]
    qemu::run();
    #[cfg(not(feature = "qemu"))]
    loop {
        // SAFETY: `wfi` only waits for an interrupt.
        unsafe { core::arch::asm!("wfi", options(nomem, nostack, preserves_flags)) };
    }
}

#[cfg(feature = "prove-no-panic")]
#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    unsafe extern "C" {
        /// Defined nowhere: a reachable panic is a link error naming this symbol.
        fn bufpress_pool_path_can_panic() -> !;
    }
    // SAFETY: never runs: the program links only if no call to this handler is left.
    unsafe { bufpress_pool_path_can_panic() }
}

#[cfg(not(feature = "prove-no-panic"))]
#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    #[cfg(feature = "qemu")]
    qemu::fail("panic");
    #[cfg(not(feature = "qemu"))]
    loop {
        // SAFETY: as in `main`.
        unsafe { core::arch::asm!("wfi", options(nomem, nostack, preserves_flags)) };
    }
}

// The reset handler: zero .bss (where the pool lives: its all-zero image is what makes
// it a full free list), copy .data, enable the FPU (CP10/CP11: eabihf code may use it),
// then call `main`. In assembly, since no Rust may run before .bss is zeroed.
core::arch::global_asm!(
    ".section .text.Reset, \"ax\", %progbits",
    ".global Reset",
    ".type Reset, %function",
    ".thumb_func",
    "Reset:",
    "    ldr r0, =_sbss",
    "    ldr r1, =_ebss",
    "    movs r2, #0",
    "1:  cmp r0, r1",
    "    bhs 2f",
    "    str r2, [r0], #4",
    "    b 1b",
    "2:  ldr r0, =_sdata",
    "    ldr r1, =_edata",
    "    ldr r2, =_sidata",
    "3:  cmp r0, r1",
    "    bhs 4f",
    "    ldr r3, [r2], #4",
    "    str r3, [r0], #4",
    "    b 3b",
    "4:  ldr r0, =0xE000ED88",
    "    ldr r1, [r0]",
    "    orr r1, r1, #(0xF << 20)",
    "    str r1, [r0]",
    "    dsb",
    "    isb",
    "    bl main",
    "    udf #0",
    ".ltorg",
    ".size Reset, . - Reset",
);

unsafe extern "C" {
    fn Reset() -> !;
}

/// Every exception but reset: park the core (a debugger sees where it stopped).
#[unsafe(no_mangle)]
extern "C" fn DefaultHandler() {
    #[cfg(feature = "qemu")]
    qemu::fail("exception (a fault)");
    #[cfg(not(feature = "qemu"))]
    loop {
        // SAFETY: as in `main`.
        unsafe { core::arch::asm!("wfi", options(nomem, nostack, preserves_flags)) };
    }
}

/// Word 1 of the vector table (word 0, the initial stack pointer, is in `link.x`).
#[unsafe(link_section = ".vector_table.reset_vector")]
#[used]
static RESET_VECTOR: unsafe extern "C" fn() -> ! = Reset;

/// Words 2..16: NMI, HardFault, MemManage, BusFault, UsageFault, 4 reserved, SVCall,
/// DebugMonitor, reserved, PendSV, SysTick.
#[unsafe(link_section = ".vector_table.exceptions")]
#[used]
static EXCEPTIONS: [Option<extern "C" fn()>; 14] = {
    const H: Option<extern "C" fn()> = Some(DefaultHandler);
    [H, H, H, H, H, None, None, None, None, H, H, None, H, H]
};
