//! zstd decoding with ruzstd: one-shot into a reused buffer and streaming in pieces,
//! under a 1 MiB window and content limit.
#![no_main]

use std::sync::Mutex;

use bufpress::codec::zstd::Decoder;
use bufpress::pool::Pool;
use bufpress_fuzz::{Pieces, one_shot, split, stream};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 20;
static OUT: Pool<1, { 1 << 20 }> = Pool::new();
static PIECES: Pool<1, 100> = Pool::new();
static DECODER: Mutex<Option<Decoder>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut guard = DECODER.lock().unwrap();
    let decoder = guard.get_or_insert_with(|| Decoder::new(LIMIT as usize).with_max_content(LIMIT));
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
