//! Faults: an error in the middle of a stream, an encoder dropped half-way, a panic in
//! user code (caught with `catch_unwind`, or ending a thread) while guards, raw handles
//! and pooled states are held. Every buffer and state comes back and the pools stay
//! consistent: afterwards each can hand out all its buffers, once each.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use bufpress::codec::deflate::{self, DecoderState, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{Decode as _, StreamError, decode_to, encode_to};
use bufpress::pool::{Pool, ValuePool};
use bufpress_std::flate;
use bufpress_std::{Chain, EncodeWriter};
use bufpress_tests::corpus;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
static BUFS: Pool<8, 4096> = Pool::new();
static ENCODERS: ValuePool<lz4::Encoder<ENC>, 1> = ValuePool::new([const { lz4::Encoder::new() }]);
static DECODERS: ValuePool<lz4::Decoder<DEC>, 1> = ValuePool::new([const { lz4::Decoder::new() }]);
static STATES: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);

/// Every buffer and state is back, and the pool hands each buffer out exactly once.
fn consistent() {
    assert_eq!(BUFS.stats().available, 8, "{:?}", BUFS.stats());
    let all: Vec<_> = (0..8).map(|_| BUFS.try_acquire().unwrap()).collect();
    let mut seen: Vec<usize> = all.iter().map(|b| b.index()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 8, "a buffer handed out twice");
    assert!(BUFS.try_acquire().is_err());
    drop(all);
    for s in [ENCODERS.stats(), DECODERS.stats(), STATES.stats()] {
        assert_eq!(s.available, s.capacity, "{s:?}");
    }
}

/// The tests share the pools: one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn an_error_in_the_middle_of_a_stream() {
    let _s = serial();
    let data = corpus::mixed(50_000, 1);
    let mut frame = Vec::new();
    let mut encoder = ENCODERS.try_acquire().unwrap();
    encode_to(&mut *encoder, &data, BUFS.pool_ref(), |b| {
        frame.extend_from_slice(&b);
        Ok::<(), ()>(())
    })
    .unwrap();
    drop(encoder);
    // The sink refuses the third buffer, holding the first two meanwhile.
    let mut kept = Vec::new();
    let mut decoder = DECODERS.try_acquire().unwrap();
    let r = decode_to(&mut *decoder, &frame, BUFS.pool_ref(), |b| {
        if kept.len() == 2 {
            return Err("sink full");
        }
        kept.push(b);
        Ok(())
    });
    assert!(matches!(r, Err(StreamError::Sink("sink full"))));
    drop(kept);
    // Corrupt data half-way: a codec error, the buffers back.
    let mut bad = frame.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x55;
    decoder.reset();
    let r = decode_to(&mut *decoder, &bad, BUFS.pool_ref(), |_| Ok::<(), ()>(()));
    assert!(matches!(r, Err(StreamError::Codec(_))), "{r:?}");
    drop(decoder);
    // A gzip stream cut half-way through the streaming deflate decoder.
    let mut packed = BUFS.try_acquire().unwrap();
    flate::Encoder::new(Format::Gzip, 6)
        .unwrap()
        .compress_into(&data[..3000], &mut packed)
        .unwrap();
    let cut = packed[..packed.len() / 2].to_vec();
    drop(packed);
    let mut gz = deflate::Decoder::new(Format::Gzip, STATES.try_acquire().unwrap());
    let r = decode_to(&mut gz, &cut, BUFS.pool_ref(), |_| Ok::<(), ()>(()));
    assert!(r.is_err());
    drop(gz);
    consistent();
}

#[test]
fn encoders_dropped_half_way() {
    let _s = serial();
    let data = corpus::mixed(20_000, 2);
    // A streaming writer with a chain, dropped before `finish`.
    let mut w = EncodeWriter::new(
        Chain::<4>::new(BUFS.pool_ref()),
        ENCODERS.try_acquire().unwrap(),
        BUFS.try_acquire().unwrap(),
    );
    w.write_all(&data[..9000]).unwrap();
    drop(w);
    // A flate2 writer the same way.
    let mut w = EncodeWriter::new(
        Chain::<4>::new(BUFS.pool_ref()),
        flate::Encoder::new(Format::Zlib, 1).unwrap(),
        BUFS.try_acquire().unwrap(),
    );
    w.write_all(&data).unwrap();
    drop(w);
    consistent();
}

#[test]
fn a_panic_while_holding_guards_raw_handles_and_states() {
    let _s = serial();
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut a = BUFS.try_acquire().unwrap();
        a.extend_from_slice(b"held when the panic came").unwrap();
        let _b = BUFS.try_acquire().unwrap();
        let _encoder = ENCODERS.try_acquire().unwrap();
        let _chain = {
            let mut c = Chain::<2>::new(BUFS.pool_ref());
            c.write_all(&[1; 5000]).unwrap();
            c
        };
        panic!("user code failed");
    }));
    assert!(r.is_err());
    consistent();

    // A raw handle in flight when its holder panics is the one thing that cannot come
    // back by itself (it is plain data): the owner turns it back afterwards.
    let raw = catch_unwind(AssertUnwindSafe(|| {
        let raw = BUFS.try_acquire().unwrap().into_raw();
        std::panic::panic_any(raw);
    }))
    .unwrap_err()
    .downcast::<bufpress::pool::RawBuf>()
    .unwrap();
    drop(BUFS.try_from_raw(*raw).unwrap());
    consistent();

    // A thread that panics while holding guards.
    let t = std::thread::spawn(|| {
        let _held = [BUFS.try_acquire().unwrap(), BUFS.try_acquire().unwrap()];
        let _state = STATES.try_acquire().unwrap();
        panic!("worker failed");
    });
    assert!(t.join().is_err());
    consistent();
}
