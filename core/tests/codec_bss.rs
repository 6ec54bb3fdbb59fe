//! Every codec state with a `const fn new()` (the ones the docs say may be a `static`)
//! is all zero bytes when new, so a `static` holding it (a [`ValuePool`], or a
//! `critical_section::Mutex<RefCell<_>>`) lands in `.bss`: the firmware image carries
//! no bytes for it and boot copies nothing. Checked on the host's ELF with the linker-defined section bounds,
//! next to a control static that must not be in `.bss` (`core/tests/bss.rs` does the
//! same for pools; `.ci/footprint` checks the states on a thumbv7em image).
//!
//! The check is where the static is, not a read of its bytes: a state's unused parts
//! are uninitialized bytes in Rust's model (an enum's payload, padding), and only the
//! section says what the image holds. The statics hold the states behind interior
//! mutability, as a program must to use them: a `static` of a bare state is read-only
//! and goes to `.rodata`, zero or not.
#![cfg(all(
    target_os = "linux",
    not(miri),
    any(feature = "lz4", feature = "deflate", feature = "zstd")
))]

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use critical_section::Mutex;

#[allow(unused_imports)] // which ones are used depends on the features
use bufpress::pool::ValuePool;

unsafe extern "C" {
    // Defined by the GNU ld and lld default linker scripts on Linux.
    static __bss_start: u8;
    static _end: u8;
}

/// Whether all of `value` lies in `.bss` (and `.bss`-like sections after it).
fn in_bss<T>(value: &'static T) -> bool {
    let addr = value as *const T as usize;
    let start = &raw const __bss_start as usize;
    let end = &raw const _end as usize;
    addr >= start && addr + size_of::<T>() <= end
}

/// Asserts that each static is in `.bss`, naming the ones that are not.
macro_rules! assert_all_in_bss {
    ($($name:ident),* $(,)?) => {{
        let outside: Vec<&str> = [$((stringify!($name), in_bss(&$name))),*]
            .into_iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| name)
            .collect();
        assert!(outside.is_empty(), "not in .bss (image not all zero): {outside:?}");
    }};
}

/// Not all zero: must not be in `.bss`, or the checks prove nothing.
static CONTROL: AtomicU32 = AtomicU32::new(0xB0F5);

#[test]
fn the_control_is_not_in_bss() {
    assert!(!in_bss(&CONTROL));
    assert_eq!(CONTROL.load(Ordering::Relaxed), 0xB0F5);
}

#[cfg(feature = "deflate")]
mod deflate {
    use super::*;
    use bufpress::codec::deflate::{self, DecoderState, EncoderState, Format, InflateState};
    use bufpress::pool::Pool;

    static INFLATE: Mutex<RefCell<InflateState>> = Mutex::new(RefCell::new(InflateState::new()));
    static INFLATE_POOL: ValuePool<InflateState, 2> =
        ValuePool::new([const { InflateState::new() }; 2]);
    static DECODER: Mutex<RefCell<DecoderState>> = Mutex::new(RefCell::new(DecoderState::new()));
    static DECODER_POOL: ValuePool<DecoderState, 2> =
        ValuePool::new([const { DecoderState::new() }; 2]);
    static ENCODER: Mutex<RefCell<EncoderState<4096, 4096>>> =
        Mutex::new(RefCell::new(EncoderState::new()));
    static ENCODER_POOL: ValuePool<EncoderState<1024, 1024>, 2> =
        ValuePool::new([const { EncoderState::new() }; 2]);
    static OUT: Pool<3, 64> = Pool::new(); // two tests at once: 2 + 1

    #[test]
    fn static_deflate_states_are_in_bss() {
        assert_all_in_bss!(
            INFLATE,
            INFLATE_POOL,
            DECODER,
            DECODER_POOL,
            ENCODER,
            ENCODER_POOL
        );
    }

    /// A compressor from a static pool writes a stream the decoder reads back.
    #[test]
    fn static_deflate_encoder_state_encodes() {
        let mut packed = OUT.try_acquire().unwrap();
        let mut state = ENCODER_POOL.try_acquire().unwrap();
        deflate::compress_into(
            b"hello, hello, hello",
            &mut packed,
            Format::Gzip,
            9,
            &mut state,
        )
        .unwrap();
        let mut out = OUT.try_acquire().unwrap();
        let mut inflate = INFLATE_POOL.try_acquire().unwrap();
        deflate::decompress_into(&packed, &mut out, Format::Gzip, &mut inflate).unwrap();
        assert_eq!(&out[..], b"hello, hello, hello");
        critical_section::with(|cs| {
            let mut state = ENCODER.borrow_ref_mut(cs);
            packed.clear();
            deflate::compress_into(b"abcabcabc", &mut packed, Format::Raw, 1, &mut *state).unwrap();
        });
    }

    /// A state from a static works on first use (the decompressor is set up then) and
    /// on later ones, in both decoders.
    #[test]
    fn static_deflate_states_decode() {
        // "hello, hello, hello" as raw deflate.
        let stream = [
            0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0xc8, 0x40, 0xa2, 0x00,
        ];
        let mut out = OUT.try_acquire().unwrap();
        for _ in 0..2 {
            let mut state = INFLATE_POOL.try_acquire().unwrap();
            out.clear();
            deflate::decompress_into(&stream, &mut out, Format::Raw, &mut state).unwrap();
            assert_eq!(&out[..], b"hello, hello, hello");

            let state = DECODER_POOL.try_acquire().unwrap();
            let mut decoder = deflate::Decoder::new(Format::Raw, state);
            out.clear();
            bufpress::codec::decode_into(&mut decoder, &stream, &mut out).unwrap();
            assert_eq!(&out[..], b"hello, hello, hello");
        }
    }
}

#[cfg(feature = "lz4")]
mod lz4 {
    use super::*;
    use bufpress::codec::lz4::{self, BlockMode, BlockSize, Decoder, Encoder, Table};

    const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
    const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);

    static TABLE: Mutex<RefCell<Table>> = Mutex::new(RefCell::new(Table::new()));
    static TABLE_POOL: ValuePool<Table, 2> = ValuePool::new([const { Table::new() }; 2]);
    static DECODER: Mutex<RefCell<Decoder<DEC>>> = Mutex::new(RefCell::new(Decoder::new()));
    static DECODER_POOL: ValuePool<Decoder<DEC>, 2> = ValuePool::new([const { Decoder::new() }; 2]);
    static ENCODER: Mutex<RefCell<Encoder<ENC>>> = Mutex::new(RefCell::new(Encoder::new()));
    static ENCODER_POOL: ValuePool<Encoder<ENC>, 2> = ValuePool::new([const { Encoder::new() }; 2]);

    #[test]
    fn static_lz4_states_are_in_bss() {
        assert_all_in_bss!(
            TABLE,
            TABLE_POOL,
            DECODER,
            DECODER_POOL,
            ENCODER,
            ENCODER_POOL
        );
    }
}

#[cfg(feature = "zstd")]
mod zstd {
    use super::*;
    use bufpress::codec::zstd::{Decoder, DecoderState, DecoderTables, decoder_memory};
    use bufpress::pool::Pool;

    const MEM: usize = decoder_memory(1024);

    static STATE: Mutex<RefCell<DecoderState<MEM>>> = Mutex::new(RefCell::new(DecoderState::new()));
    static STATE_POOL: ValuePool<DecoderState<MEM>, 2> =
        ValuePool::new([const { DecoderState::new() }; 2]);
    static TABLES: Mutex<RefCell<DecoderTables>> = Mutex::new(RefCell::new(DecoderTables::new()));
    static OUT: Pool<2, 64> = Pool::new();

    #[test]
    fn static_zstd_states_are_in_bss() {
        assert_all_in_bss!(STATE, STATE_POOL, TABLES);
    }

    /// A state from a static decodes on first use and on later ones.
    #[test]
    fn static_zstd_states_decode() {
        // "hello zstd, hello pool, hello zstd, hello pool!" (`zstd -19`).
        const FRAME: [u8; 40] = [
            0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0xdd, 0x00, 0x00, 0x98, 0x68, 0x65, 0x6c, 0x6c,
            0x6f, 0x20, 0x7a, 0x73, 0x74, 0x64, 0x2c, 0x20, 0x70, 0x6f, 0x6f, 0x6c, 0x2c, 0x20,
            0x21, 0x02, 0x00, 0x3b, 0x55, 0xf9, 0x50, 0x92, 0x86, 0xba, 0x7a, 0xd8,
        ];
        let mut out = OUT.try_acquire().unwrap();
        for _ in 0..2 {
            let mut state = STATE_POOL.try_acquire().unwrap();
            let mut decoder = Decoder::new_in(&mut state);
            out.clear();
            decoder.decompress_into(&FRAME, &mut out).unwrap();
            assert_eq!(&out[..], b"hello zstd, hello pool, hello zstd, hello pool!");
            critical_section::with(|cs| {
                let mut state = STATE.borrow_ref_mut(cs);
                let mut decoder = Decoder::new_in(&mut state);
                out.clear();
                decoder.decompress_into(&FRAME, &mut out).unwrap();
            });
            assert_eq!(&out[..], b"hello zstd, hello pool, hello zstd, hello pool!");
        }
    }
}
