//! lz4 compression with a table reused across calls (stale entries from an earlier
//! input): every output round-trips. On 32-bit targets the unsafe fast path took a
//! stale entry for a match before the start of the input (its distance test wrapped
//! in a 32-bit `usize`): out-of-bounds reads and corrupt blocks, found by the QEMU
//! self-test (`.ci/qemu bare`, "lz4 frame one-shot round trip"). Run it on a 32-bit
//! target to see that: `cargo +nightly miri test -p bufpress --features lz4
//! --target i686-unknown-linux-gnu --test lz4_reused_table`.
#![cfg(feature = "lz4")]

use bufpress::codec::lz4;
use bufpress::pool::{Pool, ValuePool};

static BUFS: Pool<4, 8192> = Pool::new();
static TABLE: ValuePool<lz4::Table, 1> = ValuePool::new([const { lz4::Table::new() }]);
static TEXT: &[u8] = include_bytes!("../../examples/bare/fixtures/text.txt");

#[test]
fn a_reused_table_gives_valid_blocks_and_frames() {
    let mut table = TABLE.try_acquire().unwrap();
    let mut packed = BUFS.try_acquire().unwrap();
    let mut back = BUFS.try_acquire().unwrap();
    // The bare program's order: a block, then a frame, on the same table.
    let text = &TEXT[..TEXT.len().min(4096)];
    for round in 0..3 {
        packed.clear();
        back.clear();
        lz4::compress_into(text, &mut packed, &mut table).unwrap();
        lz4::decompress_into(&packed, &mut back).unwrap();
        assert!(back[..] == *text, "block, round {round}");
        packed.clear();
        back.clear();
        let settings = lz4::FrameSettings::new().with_content_checksum(true);
        lz4::compress_frame_into(text, &mut packed, &settings, &mut table).unwrap();
        let d = lz4::decompress_frame_into(&packed, &mut back);
        assert_eq!(d, Ok(text.len()), "frame, round {round}");
        assert!(back[..] == *text, "frame, round {round}");
        // A shifted input: stale entries now point just before its start.
        packed.clear();
        back.clear();
        let shifted = &text[round * 7 + 1..];
        lz4::compress_into(shifted, &mut packed, &mut table).unwrap();
        lz4::decompress_into(&packed, &mut back).unwrap();
        assert!(back[..] == *shifted, "shifted block, round {round}");
    }
}
