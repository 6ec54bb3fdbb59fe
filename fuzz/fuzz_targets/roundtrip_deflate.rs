//! deflate/zlib/gzip round trips at every level, through bufpress's encoder (at 1, 4
//! and 32 KiB windows, one-shot and streamed in pieces through 1- to 64-byte output
//! buffers, which must give the same bytes) and bufpress-std's flate2 encoder, decoded
//! by both decoders.
#![no_main]

use std::sync::Mutex;

use bufpress::codec::Encode as _;
use bufpress::codec::Status;
use bufpress::codec::deflate::{self, EncoderState, Format, InflateState};
use bufpress::pool::{Buf, Pool, ValuePool};
use bufpress_fuzz::{Pieces, one_shot, split};
use bufpress_std::flate::{Decoder, Encoder};
use libfuzzer_sys::fuzz_target;

static PACKED: Pool<1, { 1 << 18 }> = Pool::new();
static PLAIN: Pool<1, { 1 << 18 }> = Pool::new();
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
static STATE: Mutex<EncoderState> = Mutex::new(EncoderState::new());
static SMALL: ValuePool<EncoderState<1024, 256>, 1> =
    ValuePool::new([const { EncoderState::new() }]);
static MEDIUM: ValuePool<EncoderState<4096, 4096>, 1> =
    ValuePool::new([const { EncoderState::new() }]);
static TINY: Pool<1, 64> = Pool::new();

/// One-shot into `packed`, then the streaming encoder over the same state in pieces
/// through `room`-byte outputs: the same bytes.
fn ours<const W: usize, const H: usize>(
    state: &mut EncoderState<W, H>,
    input: &[u8],
    packed: &mut Buf<'_>,
    format: Format,
    level: i32,
    ctl: u64,
) {
    one_shot(packed, 0, |out| {
        deflate::compress_into(input, out, format, level, state)
    })
    .unwrap();
    let room = 1 + (ctl >> 8) as usize % 64;
    let mut pieces = Pieces::new(ctl);
    let mut tiny = TINY.try_acquire().unwrap();
    let mut encoder = deflate::Encoder::new(format, level, state).unwrap();
    let mut streamed = Vec::new();
    let (mut at, mut finishing) = (0, false);
    loop {
        tiny.clear();
        tiny.commit(64 - room).unwrap();
        let p = if finishing {
            encoder.finish(&mut tiny).unwrap()
        } else {
            let end = (at + pieces.next_len()).min(input.len());
            encoder.encode(&input[at..end], &mut tiny).unwrap()
        };
        streamed.extend_from_slice(&tiny[64 - room..]);
        at += p.consumed;
        match p.status {
            Status::Done => break,
            Status::OutputFull => assert_eq!(tiny.remaining(), 0),
            Status::NeedInput => finishing = at == input.len(),
        }
    }
    assert!(streamed[..] == packed[..], "streamed bytes differ");
}

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let format = [Format::Raw, Format::Zlib, Format::Gzip][(ctl % 3) as usize];
    let level = (ctl / 3 % 11) as i32;
    let mut inflate = INFLATE.try_acquire().unwrap();
    let (mut packed, mut plain) = (PACKED.try_acquire().unwrap(), PLAIN.try_acquire().unwrap());

    match ctl / 33 % 3 {
        0 => ours(
            &mut SMALL.try_acquire().unwrap(),
            input,
            &mut packed,
            format,
            level,
            ctl,
        ),
        1 => ours(
            &mut MEDIUM.try_acquire().unwrap(),
            input,
            &mut packed,
            format,
            level,
            ctl,
        ),
        _ => ours(
            &mut STATE.lock().unwrap(),
            input,
            &mut packed,
            format,
            level,
            ctl,
        ),
    }
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
