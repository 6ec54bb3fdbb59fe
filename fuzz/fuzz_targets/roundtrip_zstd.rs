//! zstd round trips: any input compressed by bufpress-std's libzstd `zstd::Encoder` at a
//! fuzzer-chosen level (with or without checksum) decodes back with both decoders
//! (libzstd's and ruzstd's).
#![no_main]

use std::sync::Mutex;

use bufpress::codec::zstd as ruzstd_backend;
use bufpress::pool::Pool;
use bufpress_fuzz::{one_shot, split};
use bufpress_std::zstd;
use libfuzzer_sys::fuzz_target;

static PACKED: Pool<1, { 1 << 18 }> = Pool::new();
static PLAIN: Pool<1, { 1 << 18 }> = Pool::new();
type States = (
    Vec<zstd::Encoder>,
    zstd::Decoder,
    ruzstd_backend::Decoder<'static>,
);
static STATES: Mutex<Option<States>> = Mutex::new(None);
const LEVELS: [i32; 6] = [-5, 1, 3, 7, 12, 19];

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let mut guard = STATES.lock().unwrap();
    let (compressors, libzstd, ruzstd) = guard.get_or_insert_with(|| {
        let compressors = LEVELS
            .iter()
            .flat_map(|&l| [false, true].map(|c| zstd::Settings::new(l, 8192).with_checksum(c)))
            .map(|p| zstd::Encoder::new(p).unwrap())
            .collect();
        (
            compressors,
            zstd::Decoder::new(1 << 20),
            // On caller memory (leaked: it lives as long as the fuzzer).
            ruzstd_backend::Decoder::from_parts(
                Box::leak(Box::default()),
                vec![0; ruzstd_backend::decoder_memory(1 << 20)].leak(),
            ),
        )
    });
    let compressor = &mut compressors[(ctl % 12) as usize];
    let (mut packed, mut plain) = (PACKED.try_acquire().unwrap(), PLAIN.try_acquire().unwrap());
    one_shot(&mut packed, 0, |out| compressor.compress_into(input, out)).unwrap();
    let m = one_shot(&mut plain, 0, |out| libzstd.decompress_into(&packed, out)).unwrap();
    assert!(plain[..m] == *input);
    let m = one_shot(&mut plain, 0, |out| ruzstd.decompress_into(&packed, out)).unwrap();
    assert!(plain[..m] == *input);
    drop((packed, plain));
    assert_eq!(PACKED.stats().available, 1);
    assert_eq!(PLAIN.stats().available, 1);
});
