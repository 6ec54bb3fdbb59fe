//! deflate/zlib/gzip round trips at every level, through bufpress's miniz encoder and
//! bufpress-std's flate2 encoder, decoded by both decoders.
#![no_main]

use std::sync::Mutex;

use bufpress::codec::deflate::{self, EncoderState, Format, InflateState};
use bufpress::pool::{Pool, ValuePool};
use bufpress_fuzz::{one_shot, split};
use bufpress_std::flate::{Decoder, Encoder};
use libfuzzer_sys::fuzz_target;

static PACKED: Pool<1, { 1 << 18 }> = Pool::new();
static PLAIN: Pool<1, { 1 << 18 }> = Pool::new();
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
static STATE: Mutex<Option<EncoderState>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let format = [Format::Raw, Format::Zlib, Format::Gzip][(ctl % 3) as usize];
    let level = (ctl / 3 % 11) as i32;
    let mut state = STATE.lock().unwrap();
    let state = state.get_or_insert_with(EncoderState::<32768, 32768>::new);
    let mut inflate = INFLATE.try_acquire().unwrap();
    let (mut packed, mut plain) = (PACKED.try_acquire().unwrap(), PLAIN.try_acquire().unwrap());

    one_shot(&mut packed, 0, |out| {
        deflate::compress_into(input, out, format, level, state)
    })
    .unwrap();
    let m = one_shot(&mut plain, 0, |out| {
        deflate::decompress_into(&packed, out, format, &mut inflate)
    })
    .unwrap();
    assert!(plain[..m] == *input);
    let mut flate2_decoder = Decoder::new(format);
    let m = one_shot(&mut plain, 0, |out| {
        flate2_decoder.decompress_into(&packed, out)
    })
    .unwrap();
    assert!(plain[..m] == *input);

    let mut encoder = Encoder::new(format, level.min(9)).unwrap();
    one_shot(&mut packed, 0, |out| encoder.compress_into(input, out)).unwrap();
    let m = one_shot(&mut plain, 0, |out| {
        deflate::decompress_into(&packed, out, format, &mut inflate)
    })
    .unwrap();
    assert!(plain[..m] == *input);

    drop((inflate, packed, plain));
    assert_eq!(PACKED.stats().available, 1);
    assert_eq!(PLAIN.stats().available, 1);
});
