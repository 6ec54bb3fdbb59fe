//! Streaming zstd compression through `zstd::EncodeWriter`, for instruction counts
//! (callgrind) rather than wall time: no criterion, one pass over the input.
//!
//! - `zstd_stream corpus PATH MIB`: writes `MIB` MiB of `corpus::compressible(_, 1)`
//!   (the built-in corpus of `bufpress bench`) to `PATH`;
//! - `zstd_stream compress PATH [WINDOW_LOG]`: compresses `PATH` at level 3 with an
//!   `EncodeWriter` (window `1 << WINDOW_LOG`, default 21 as the CLI picks for large
//!   files, checksum on), in 64 KiB writes, into a sink; prints input and output sizes.
//!
//! - `zstd_stream memory`: `Settings::memory()` per window at levels 3 and 19.
//!
//! `valgrind --tool=callgrind target/release/deps/zstd_stream-* compress FILE` then
//! `callgrind_annotate` gives instructions per MiB and where they go (tests/benches/CLI.md).

use std::io::Write;

use bufpress::pool::Pool;
use bufpress_std::zstd::{EncodeWriter, Encoder, Settings};
use bufpress_tests::corpus;

static BUFS: Pool<1, { 128 * 1024 }> = Pool::new();

/// Counts the bytes written (no allocation, nothing kept).
struct Count(u64);

impl Write for Count {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0 += data.len() as u64;
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("corpus") if args.len() == 3 => {
            let mib: usize = args[2].parse()?;
            std::fs::write(&args[1], corpus::compressible(mib << 20, 1))?;
        }
        Some("compress") if args.len() >= 2 => {
            let data = std::fs::read(&args[1])?;
            let log: u32 = args.get(2).map_or(Ok(21), |s| s.parse())?;
            let settings = Settings::new(3, 1 << log).with_checksum(true);
            let encoder = Box::new(Encoder::new(settings)?);
            let mut w = EncodeWriter::new(Count(0), encoder, BUFS.try_acquire()?);
            for piece in data.chunks(64 * 1024) {
                w.write_all(piece)?;
            }
            let out = w.finish()?;
            println!("{} -> {} bytes", data.len(), out.0);
        }
        Some("memory") => {
            for log in [10u32, 16, 17, 18, 20, 21, 22, 23] {
                let m = |level| Settings::new(level, 1 << log).memory();
                println!("window 2^{log}: level 3 {} B, level 19 {} B", m(3), m(19));
            }
        }
        // `cargo bench` with no arguments (or criterion's flags): nothing to do.
        _ => eprintln!("usage: zstd_stream corpus PATH MIB | compress PATH [WINDOW_LOG]"),
    }
    Ok(())
}
