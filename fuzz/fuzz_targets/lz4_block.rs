//! lz4 block decoding: any input, any output capacity, a reused buffer; the result
//! (bytes or error kind) is the byte-at-a-time reference decoder's
//! ([`lz4_reference`]), since the decoder is unchecked code (`codec/lz4/fast.rs`).
#![no_main]

use bufpress::codec::{DecodeError, lz4};
use bufpress::pool::Pool;
use bufpress_fuzz::{Lz4Outcome, lz4_reference, one_shot, split};
use libfuzzer_sys::fuzz_target;

static OUT: Pool<1, 65536> = Pool::new();
static SMALL: Pool<1, 256> = Pool::new();

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    for pool in [OUT.pool_ref(), SMALL.pool_ref()] {
        let mut out = pool.try_acquire().unwrap();
        let prefix = ((ctl % 64) as usize).min(out.capacity());
        let result = one_shot(&mut out, prefix, |out| lz4::decompress_into(input, out));
        let got = match result {
            Ok(_) => Lz4Outcome::Ok(out[prefix..].to_vec()),
            Err(DecodeError::OutputTooSmall { .. }) => Lz4Outcome::TooSmall,
            Err(DecodeError::Corrupt) => Lz4Outcome::Corrupt,
            Err(e) => panic!("unexpected error {e:?}"),
        };
        assert_eq!(got, lz4_reference(input, out.capacity() - prefix));
    }
    assert_eq!(OUT.stats().available, 1);
    assert_eq!(SMALL.stats().available, 1);
});
