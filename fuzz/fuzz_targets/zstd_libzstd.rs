//! zstd decoding with bufpress-std's libzstd `zstd::Decoder` (static context, 1 MiB
//! window limit): one-shot into a reused buffer and streaming in pieces.
#![no_main]

use std::sync::Mutex;

use bufpress::pool::Pool;
use bufpress_fuzz::{Pieces, one_shot, split, stream_window_limited};
use bufpress_std::zstd::Decoder;
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 1 << 20;
static OUT: Pool<1, LIMIT> = Pool::new();
static PIECES: Pool<1, 100> = Pool::new();
static DECODERS: Mutex<Option<(Decoder, Decoder)>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut guard = DECODERS.lock().unwrap();
    let (whole_dec, stream_dec) =
        guard.get_or_insert_with(|| (Decoder::new(LIMIT), Decoder::new(LIMIT)));
    let mut out = OUT.try_acquire().unwrap();
    let prefix = (ctl % 16) as usize;
    let whole = one_shot(&mut out, prefix, |out| {
        whole_dec.decompress_into(input, out)
    });
    // libzstd limits the window, not the content (`stream_window_limited`).
    let streamed = stream_window_limited(
        stream_dec,
        input,
        PIECES.pool_ref(),
        Pieces::new(ctl),
        LIMIT,
    );
    if let (Ok(n), Ok(bytes)) = (&whole, &streamed) {
        assert!(out[prefix..prefix + n] == bytes[..]);
    }
    drop(out);
    assert_eq!(OUT.stats().available, 1);
    assert_eq!(PIECES.stats().available, 1);
});
