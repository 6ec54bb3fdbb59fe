//! lz4 frames: one-shot, and streaming in fuzzer-sized pieces into small buffers with a
//! limit; both agree, and every buffer returns.
#![no_main]

use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder};
use bufpress::pool::{Pool, ValuePool};
use bufpress_fuzz::{Pieces, one_shot, split, stream};
use libfuzzer_sys::fuzz_target;

const MEM: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const LIMIT: u64 = 1 << 20;
static OUT: Pool<1, { 1 << 20 }> = Pool::new();
static PIECES: Pool<1, 100> = Pool::new();
static DECODERS: ValuePool<Decoder<MEM>, 1> =
    ValuePool::new([const { Decoder::new().with_max_output(LIMIT) }]);

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut out = OUT.try_acquire().unwrap();
    let whole = one_shot(&mut out, (ctl % 16) as usize, |out| {
        lz4::decompress_frame_into(input, out)
    });
    let mut decoder = DECODERS.try_acquire().unwrap();
    let streamed = stream(
        &mut *decoder,
        input,
        PIECES.pool_ref(),
        Pieces::new(ctl),
        LIMIT as usize,
    );
    // A frame both accept decodes to the same bytes. (The one-shot call rejects
    // trailing bytes and needs the whole output in one buffer; the stream stops at the
    // end of the first frame.)
    if let (Ok(n), Ok(bytes)) = (&whole, &streamed) {
        let start = (ctl % 16) as usize;
        assert!(out[start..start + n] == bytes[..]);
    }
    drop((out, decoder));
    assert_eq!(OUT.stats().available, 1);
    assert_eq!(PIECES.stats().available, 1);
    assert_eq!(DECODERS.stats().available, 1);
});
