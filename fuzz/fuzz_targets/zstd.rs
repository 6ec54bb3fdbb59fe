//! zstd decoding with ruzstd on caller memory: one-shot into a reused buffer and
//! streaming in pieces, under a 1 MiB window and content limit, or (one input in two)
//! in a state for 1 KiB windows, where every block must fit buffers of 1 KiB; one input
//! in eight goes to a state of 2 bytes (under a block header) and one in eight to a state
//! of 5,000 bytes (not `decoder_memory` of any window).
#![no_main]

use std::sync::Mutex;

use bufpress::codec::zstd::{Decoder, decoder_memory};
use bufpress::pool::Pool;
use bufpress_fuzz::{Pieces, one_shot, split, stream};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 20;
static OUT: Pool<1, { 1 << 20 }> = Pool::new();
static PIECES: Pool<1, 100> = Pool::new();
static DECODERS: Mutex<Option<[Decoder<'static>; 4]>> = Mutex::new(None);

/// A decoder on caller memory (leaked: it lives as long as the fuzzer).
fn on_caller_memory(len: usize) -> Decoder<'static> {
    let buf = vec![0; len].leak();
    Decoder::from_parts(Box::leak(Box::default()), buf).with_max_content(LIMIT)
}

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut guard = DECODERS.lock().unwrap();
    let decoders = guard.get_or_insert_with(|| {
        [
            on_caller_memory(decoder_memory(LIMIT as usize)),
            on_caller_memory(decoder_memory(1024)),
            on_caller_memory(2),
            on_caller_memory(5000),
        ]
    });
    let decoder = match ctl >> 29 {
        0 => &mut decoders[2],
        1 => &mut decoders[3],
        c => &mut decoders[usize::from(c >= 5)],
    };
    let mut out = OUT.try_acquire().unwrap();
    let prefix = (ctl % 16) as usize;
    let whole = one_shot(&mut out, prefix, |out| decoder.decompress_into(input, out));
    let streamed = stream(
        decoder,
        input,
        PIECES.pool_ref(),
        Pieces::new(ctl),
        LIMIT as usize,
    );
    if let (Ok(n), Ok(bytes)) = (&whole, &streamed) {
        assert!(out[prefix..prefix + n] == bytes[..]);
    }
    drop(out);
    assert_eq!(OUT.stats().available, 1);
    assert_eq!(PIECES.stats().available, 1);
});
