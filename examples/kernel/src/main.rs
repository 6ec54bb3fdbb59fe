//! A kernel-like program: `#![no_std]`, `#![no_main]`, no allocator, `panic = "abort"`.
//! At "boot" it unpacks a gzip image and an lz4 image (embedded in the binary, as a
//! boot loader would find them in flash) into buffers of a static pool in `.bss`,
//! verifies their length and FNV-1a hash, prints the pool's stats and exits 0 (1 when
//! an image is bad).
//!
//! On x86_64 Linux it runs as a process with its own `_start` (no C runtime start
//! files), writing and exiting through raw system calls; for thumbv7em it links as a
//! bare-metal image (where nothing is printed).
//!
//! ```sh
//! cd examples/kernel && cargo run --release                                    # host
//! cd examples/kernel && cargo build --release --target thumbv7em-none-eabihf   # Cortex-M
//! ```
#![no_std]
#![no_main]

use core::fmt::{self, Write};

use bufpress::codec::deflate::{self, Format, InflateState};
use bufpress::codec::lz4;
use bufpress::pool::{Pool, ValuePool};

/// Two 64 KiB buffers, in `.bss`: no init call, no allocator.
static POOL: Pool<2, 65536> = Pool::new();
/// The inflate state (about 10.5 KB), also static.
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);

/// `images/make.sh` made both images from the same 48,006 bytes.
static GZIP_IMAGE: &[u8] = include_bytes!("../images/image.bin.gz");
static LZ4_IMAGE: &[u8] = include_bytes!("../images/image.bin.lz4");
const IMAGE_LEN: usize = 48_006;
const IMAGE_FNV: u64 = 0xaa21_f0f1_4ddb_6796;

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Unpacks both images and checks them; returns the exit status.
fn boot(con: &mut Console) -> i32 {
    let _ = writeln!(
        con,
        "kernel: unpacking 2 images into a static Pool<2, 65536>"
    );
    let Ok(mut state) = INFLATE.try_acquire() else {
        return 1;
    };
    let (Ok(mut a), Ok(mut b)) = (POOL.try_acquire(), POOL.try_acquire()) else {
        return 1;
    };
    let gz = deflate::decompress_into(GZIP_IMAGE, &mut a, Format::Gzip, &mut state);
    let lz = lz4::decompress_frame_into(LZ4_IMAGE, &mut b);
    let mut status = 0;
    for (name, packed, result, buf) in [
        ("gzip", GZIP_IMAGE.len(), gz, &a),
        ("lz4 ", LZ4_IMAGE.len(), lz, &b),
    ] {
        match result {
            Ok(n) if n == IMAGE_LEN && fnv1a(buf) == IMAGE_FNV => {
                let _ = writeln!(con, "kernel: {name} image: {packed} -> {n} bytes, hash ok");
            }
            Ok(n) => {
                let _ = writeln!(con, "kernel: {name} image: {n} bytes, WRONG content");
                status = 1;
            }
            Err(e) => {
                let _ = writeln!(con, "kernel: {name} image: {e}");
                status = 1;
            }
        }
    }
    let s = POOL.stats();
    let _ = writeln!(
        con,
        "kernel: pool: capacity {}, in use {}, high-water {}",
        s.capacity, s.in_use, s.high_water
    );
    drop((a, b));
    let _ = writeln!(con, "kernel: buffers back: {}", POOL.stats().available);
    status
}

/// Text output: stdout on a Linux host, nowhere on bare metal.
struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        sys::write(s.as_bytes());
        Ok(())
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    sys::write(b"kernel: panic\n");
    sys::exit(101)
}

/// The exit status of the run (the shared entry point calls it).
fn entry() -> i32 {
    boot(&mut Console)
}

#[path = "../../common/sys.rs"]
mod sys;
