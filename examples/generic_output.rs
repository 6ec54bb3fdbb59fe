//! A library function that compresses into the caller's buffer, generic over the
//! format (any `codec::Encode`) and the buffer (any `codec::Output`): a pool `Buf`, a
//! slice at any offset (`io::Cursor`), a `heapless::Vec` or a `Vec`'s spare capacity
//! (`codec::VecOutput`). The bound comes from the encoder (`max_output_len`); an output
//! too small is an error, never a write past it. Errors go through plain `?` into
//! `bufpress::Error`. After a warm-up round, the counting allocator shows 0
//! allocations.
//!
//! Run: `cargo run -p bufpress-examples --example generic_output`

use bufpress::codec::deflate::{self, EncoderState, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{self, Decode, Encode, EncodeError, Output, VecOutput};
use bufpress::io::Cursor;
use bufpress::pool::Pool;
use bufpress_support::counting::{self, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static POOL: Pool<2, 1024> = Pool::new();

const LZ4: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Independent);
const LZ4_DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Independent);

/// The library function: compresses `message` as one stream after what `out` already
/// holds; returns the compressed length. Works for every format and every output.
fn pack<E: Encode + ?Sized, O: Output + ?Sized>(
    encoder: &mut E,
    message: &[u8],
    out: &mut O,
) -> Result<usize, bufpress::Error> {
    Ok(codec::encode_into(encoder, message, out)?)
}

/// Decompresses what `pack` wrote, into a pool buffer, and checks it.
fn check<D: Decode + ?Sized>(
    decoder: &mut D,
    packed: &[u8],
    message: &[u8],
) -> Result<(), bufpress::Error> {
    let mut plain = POOL.try_acquire()?;
    codec::decode_into(decoder, packed, &mut plain)?;
    assert_eq!(&plain[..], message);
    Ok(())
}

/// One round: every encoder into every kind of output.
fn round(
    encoders: &mut [(&str, &mut dyn Encode, &mut dyn Decode)],
    message: &[u8],
    frame: &mut [u8; 1 + 1024],
    fixed: &mut heapless::Vec<u8, 1024>,
    growable: &mut Vec<u8>,
    print: bool,
) -> Result<(), bufpress::Error> {
    for (name, encoder, decoder) in encoders.iter_mut() {
        // A pool buffer.
        let mut buf = POOL.try_acquire()?;
        let n = pack(*encoder, message, &mut buf)?;
        check(*decoder, &buf, message)?;

        // A packet: a one-byte header, the payload at offset 1 (odd: no alignment).
        frame[0] = 0xC0;
        let mut payload = Cursor::new(&mut frame[1..]);
        let m = pack(*encoder, message, &mut payload)?;
        check(*decoder, &frame[1..1 + m], message)?;

        // A heapless::Vec, after a 2-byte length prefix already in it.
        fixed.clear();
        fixed.extend_from_slice(&[0, 0]).expect("fits");
        let k = pack(*encoder, message, &mut VecOutput::new(&mut *fixed))?;
        fixed[..2].copy_from_slice(&(k as u16).to_le_bytes());
        check(*decoder, &fixed[2..], message)?;

        // A Vec's spare capacity: never grown.
        growable.clear();
        let capacity = growable.capacity();
        let v = pack(*encoder, message, &mut VecOutput::new(&mut *growable))?;
        assert_eq!(growable.capacity(), capacity);
        check(*decoder, growable, message)?;

        // Too small an output: a typed error, nothing written.
        let mut tiny = [0u8; 8];
        let mut out = Cursor::new(&mut tiny[..]);
        let e = pack(*encoder, message, &mut out).unwrap_err();
        assert!(matches!(
            e,
            bufpress::Error::Encode(EncodeError::OutputTooSmall { .. })
        ));
        assert_eq!(out.len(), 0);

        if print {
            // The bound a caller sizes its output by, from the encoder alone.
            let bound = encoder.max_output_len(message.len()).unwrap_or(0);
            println!(
                "{name:>5}: {} B -> {n} B (pool buffer), {m} B (slice at offset 1), {k} B (heapless), {v} B (Vec); bound {bound} B",
                message.len()
            );
        }
    }
    Ok(())
}

fn main() -> Result<(), bufpress::Error> {
    let mut lz4_enc = Box::new(lz4::Encoder::<LZ4>::new());
    let mut lz4_dec = Box::new(lz4::Decoder::<LZ4_DEC>::new());
    let mut gz_enc = deflate::Encoder::new(Format::Gzip, 6, Box::new(<EncoderState>::new()))?;
    let mut gz_dec = deflate::Decoder::new(Format::Gzip, Box::new(deflate::DecoderState::new()));
    let mut zstd_enc =
        bufpress_std::zstd::Encoder::new(bufpress_std::zstd::Settings::new(3, 1024))?;
    let mut zstd_dec = bufpress_std::zstd::Decoder::new(1 << 12);
    let mut encoders: [(&str, &mut dyn Encode, &mut dyn Decode); 3] = [
        ("lz4", &mut *lz4_enc, &mut *lz4_dec),
        ("gzip", &mut gz_enc, &mut gz_dec),
        ("zstd", &mut zstd_enc, &mut zstd_dec),
    ];
    let mut frame = [0u8; 1 + 1024];
    let mut fixed = Box::new(heapless::Vec::<u8, 1024>::new());
    let mut growable = Vec::with_capacity(1024);

    let message = b"temperature=21.5;humidity=40;temperature=21.5;humidity=41;".repeat(8);
    round(
        &mut encoders,
        &message,
        &mut frame,
        &mut fixed,
        &mut growable,
        true,
    )?;
    let (result, counts) = counting::measure(|| {
        for i in 0..200 {
            let len = (i * 7) % message.len();
            round(
                &mut encoders,
                &message[..len],
                &mut frame,
                &mut fixed,
                &mut growable,
                false,
            )?;
        }
        Ok::<(), bufpress::Error>(())
    });
    result?;
    println!("200 more rounds, 3 formats x 4 outputs: {counts:?}");
    assert!(counts.is_zero());
    Ok(())
}
