//! bufpress-std's flate2 decoder: one-shot and streaming, every format, with a limit.
#![no_main]

use std::sync::Mutex;

use bufpress::codec::deflate::Format;
use bufpress::pool::Pool;
use bufpress_fuzz::{Pieces, one_shot, split, stream};
use bufpress_std::flate::Decoder;
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 20;
static OUT: Pool<1, { 1 << 20 }> = Pool::new();
static PIECES: Pool<1, 100> = Pool::new();
static DECODERS: Mutex<Vec<Decoder>> = Mutex::new(Vec::new());

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut decoders = DECODERS.lock().unwrap();
    if decoders.is_empty() {
        for format in [Format::Raw, Format::Zlib, Format::Gzip] {
            decoders.push(Decoder::new(format).with_max_output(LIMIT));
        }
    }
    let decoder = &mut decoders[(ctl % 3) as usize];
    let mut out = OUT.try_acquire().unwrap();
    let prefix = (ctl / 3 % 16) as usize;
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
