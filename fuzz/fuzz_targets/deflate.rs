//! deflate, zlib and gzip decoding (no allocator): one-shot into a reused buffer, and
//! the streaming decoder in fuzzer-sized pieces into small buffers with a limit.
#![no_main]

use bufpress::codec::deflate::{self, Decoder, DecoderState, Format, InflateState};
use bufpress::pool::{Pool, ValuePool};
use bufpress_fuzz::{Pieces, one_shot, split, stream};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 20;
static OUT: Pool<1, { 1 << 20 }> = Pool::new();
static PIECES: Pool<1, 100> = Pool::new();
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
static STATES: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let format = [Format::Raw, Format::Zlib, Format::Gzip][(ctl % 3) as usize];
    let mut out = OUT.try_acquire().unwrap();
    let mut state = INFLATE.try_acquire().unwrap();
    let prefix = (ctl / 3 % 16) as usize;
    let whole = one_shot(&mut out, prefix, |out| {
        deflate::decompress_into(input, out, format, &mut state)
    });
    let mut decoder = Decoder::new(format, STATES.try_acquire().unwrap()).with_max_output(LIMIT);
    let streamed = stream(
        &mut decoder,
        input,
        PIECES.pool_ref(),
        Pieces::new(ctl),
        LIMIT as usize,
    );
    if let (Ok(n), Ok(bytes)) = (&whole, &streamed) {
        assert!(out[prefix..prefix + n] == bytes[..]);
    }
    drop((out, state, decoder));
    assert_eq!(OUT.stats().available, 1);
    assert_eq!(PIECES.stats().available, 1);
    assert_eq!(INFLATE.stats().available, 1);
    assert_eq!(STATES.stats().available, 1);
});
