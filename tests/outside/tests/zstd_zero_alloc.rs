//! A dependent of bufpress outside its workspace, with no `[patch]` section, decodes
//! zstd frames with 0 allocations and 0 reallocations, on caller memory.
//!
//! The frames come from the `zstd` CLI at levels 1, 3 and 19: small frames use zstd's
//! predefined FSE tables, for which ruzstd 0.9.1 as published allocates once or twice
//! per block. bufpress depends on `bufpress-ruzstd` (ruzstd with that allocation
//! removed), so its dependents decode with the patched code. With core pointed at the
//! published `ruzstd = "=0.9.1"` instead, this test fails: measured, 255 allocations
//! (40,080 bytes) over the 3 measured passes of 135 frames.

use std::io::Write;
use std::process::{Command, Stdio};

use bufpress::codec::zstd::{Decoder, DecoderTables, decoder_memory};
use bufpress::pool::Pool;
use bufpress_support::corpus::{self, KINDS};
use bufpress_support::counting::{CountingAlloc, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static OUT: Pool<1, { 256 * 1024 }> = Pool::new();

/// `zstd ARGS` over `data`, or `None` when the CLI is not installed (outside CI).
fn zstd(args: &[&str], data: &[u8]) -> Option<Vec<u8>> {
    let child = Command::new("zstd")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if ci_off() => {
            eprintln!("skipping: cannot run zstd ({e})");
            return None;
        }
        Err(e) => panic!("cannot run zstd ({e}), and CI must run this test"),
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("zstd runs");
    writer.join().expect("writer").expect("write to zstd");
    assert!(out.status.success(), "zstd {args:?} failed");
    Some(out.stdout)
}

/// Whether `CI` is unset, empty, `0` or `false`.
fn ci_off() -> bool {
    std::env::var("CI").map_or(true, |v| matches!(v.as_str(), "" | "0" | "false"))
}

#[test]
fn zstd_decoding_allocates_nothing_outside_the_workspace() {
    // (message, frame) of every data kind, 0 B to 200 KB, at three levels.
    let mut cases = Vec::new();
    for (i, size) in [0, 1, 40, 300, 1500, 4096, 20_000, 70_000, 200_000]
        .into_iter()
        .enumerate()
    {
        for (k, kind) in KINDS.into_iter().enumerate() {
            let data = corpus::make(kind, size, (i * 10 + k) as u64);
            for level in ["-1", "-3", "-19"] {
                let Some(frame) = zstd(&["-q", "-c", level], &data) else {
                    return;
                };
                cases.push((data.clone(), frame));
            }
        }
    }
    // On caller memory (bufpress's `zstd` feature has no allocator), sized for frames
    // within an 8 MiB window (what level 19 declares when the size is unknown, as from
    // a pipe).
    let mut tables = Box::new(DecoderTables::new());
    let mut buf = vec![0; decoder_memory(8 << 20)];
    let mut decoder = Decoder::from_parts(&mut tables, &mut buf);
    let mut out = OUT.try_acquire().expect("a buffer");
    // One warm-up pass, then the measured ones.
    for (data, frame) in &cases {
        out.clear();
        assert_eq!(decoder.decompress_into(frame, &mut out), Ok(data.len()));
    }
    let (same, counts) = measure(|| {
        let mut same = true;
        for _ in 0..3 {
            for (data, frame) in &cases {
                out.clear();
                same &= decoder.decompress_into(frame, &mut out) == Ok(data.len());
                same &= out[..] == data[..];
            }
        }
        same
    });
    assert!(same, "every frame decodes to its message");
    assert_eq!(
        (counts.allocs, counts.reallocs),
        (0, 0),
        "{} frames, 3 passes: {counts:?}",
        cases.len()
    );
}
