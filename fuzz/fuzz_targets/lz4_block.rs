//! lz4 block decoding: any input, any output capacity, a reused buffer.
#![no_main]

use bufpress::codec::lz4;
use bufpress::pool::Pool;
use bufpress_fuzz::{one_shot, split};
use libfuzzer_sys::fuzz_target;

static OUT: Pool<1, 65536> = Pool::new();
static SMALL: Pool<1, 256> = Pool::new();

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    for pool in [OUT.pool_ref(), SMALL.pool_ref()] {
        let mut out = pool.try_acquire().unwrap();
        let _ = one_shot(&mut out, (ctl % 64) as usize, |out| {
            lz4::decompress_into(input, out)
        });
    }
    assert_eq!(OUT.stats().available, 1);
    assert_eq!(SMALL.stats().available, 1);
});
