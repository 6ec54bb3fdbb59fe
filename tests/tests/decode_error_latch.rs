//! After a decoding error, `Decode` says the decoder must be reset before it is used
//! again. Every generic decoding adapter (core's `io::DecodeReader` and
//! `io::asynch::DecodeReader`, `bufpress_std::DecodeReader` and `DecodeWriter`,
//! `bufpress_std::tokio::DecodeReader`) keeps the error instead: every later call
//! returns it again, without calling the decoder, until `reset` (or `next_stream`).
//! The same for the errors an adapter decides about the decoder's stream (`Truncated`
//! at the input's end, `Stalled`, the writer's `TrailingData`). The writer's
//! `try_finish` before the stream's end is the exception, as documented: the decoder
//! did not fail, and writing the rest finishes the stream.
//!
//! The decoder is wrapped in [`Strict`], which panics if `decode` is called after it
//! returned an error without a `reset` in between, and counts its calls: a latched
//! error never reaches the decoder.

use std::cell::Cell;
use std::io::{BufRead as _, Read as _, Write as _};
use std::rc::Rc;

use bufpress::codec::deflate::{self, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize, FrameSettings};
use bufpress::codec::{self, Decode, DecodeError, Output, Progress, Status};
use bufpress::pool::Pool;
use bufpress_tests::corpus;
use bufpress_tests::decoders::{Holds, Strict};
use bufpress_tests::now;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static STAGING: Pool<8, 300> = Pool::new();

/// A strict lz4 frame decoder and the counter of its calls.
fn strict() -> (Strict<Box<lz4::Decoder<DEC>>>, Rc<Cell<usize>>) {
    let d = Strict::new(Box::new(lz4::Decoder::<DEC>::new()));
    let calls = Rc::clone(&d.calls);
    (d, calls)
}

/// Takes nothing and says it needs more: the adapters report `Stalled`.
struct TakesNothing;

impl Decode for TakesNothing {
    fn decode(&mut self, _: &[u8], _: &mut dyn Output) -> Result<Progress, DecodeError> {
        Ok(Progress {
            consumed: 0,
            produced: 0,
            status: Status::NeedInput,
        })
    }
    fn reset(&mut self) {}
}

fn stuck() -> (Strict<TakesNothing>, Rc<Cell<usize>>) {
    let d = Strict::new(TakesNothing);
    let calls = Rc::clone(&d.calls);
    (d, calls)
}

/// The plain message and its lz4 frame (two blocks, block checksums on).
fn good() -> (Vec<u8>, Vec<u8>) {
    let msg = corpus::mixed(100_000, 7);
    let settings = FrameSettings::new()
        .with_block_size(BlockSize::Max64KiB)
        .with_block_checksum(true);
    let mut encoder = Box::new(lz4::Encoder::<ENC>::new().with_settings(settings));
    let mut packed = Vec::with_capacity(lz4::max_frame_len(msg.len(), &settings));
    codec::encode_into(&mut *encoder, &msg, &mut codec::VecOutput::new(&mut packed)).unwrap();
    (msg, packed)
}

/// The frame with a byte flipped in its second block (a checksum error), and cut
/// short in its second block (truncated).
fn bad(packed: &[u8]) -> [(&'static str, Vec<u8>); 2] {
    let mut flipped = packed.to_vec();
    let at = packed.len() * 3 / 4;
    flipped[at] ^= 0x40;
    [
        ("flipped", flipped),
        ("truncated", packed[..packed.len() * 3 / 4].to_vec()),
    ]
}

/// The `DecodeError` inside an `io::Error` of a std adapter.
fn decode_error(e: &std::io::Error) -> DecodeError {
    match e
        .get_ref()
        .and_then(|e| e.downcast_ref::<bufpress::Error>())
    {
        Some(bufpress::Error::Decode(d)) => *d,
        _ => panic!("not a decoding error: {e:?}"),
    }
}

/// Reads with `read` until it fails; returns what it read and the error. Fails the
/// test if the stream ends without an error.
fn read_until_error<E>(mut read: impl FnMut(&mut [u8]) -> Result<usize, E>) -> (Vec<u8>, E) {
    let mut out = Vec::new();
    let mut piece = [0u8; 1000];
    loop {
        match read(&mut piece) {
            Ok(0) => panic!("the stream ended without an error"),
            Ok(n) => out.extend_from_slice(&piece[..n]),
            Err(e) => return (out, e),
        }
    }
}

fn read_to_end<E: std::fmt::Debug>(mut read: impl FnMut(&mut [u8]) -> Result<usize, E>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut piece = [0u8; 1000];
    loop {
        match read(&mut piece).unwrap() {
            0 => return out,
            n => out.extend_from_slice(&piece[..n]),
        }
    }
}

#[test]
fn embedded_io_reader_returns_the_error_again_until_reset() {
    use embedded_io::{BufRead, Read};
    let (msg, packed) = good();
    for (what, input) in bad(&packed) {
        let (decoder, calls) = strict();
        let mut r =
            bufpress::io::DecodeReader::new(&input[..], decoder, STAGING.try_acquire().unwrap());
        let (_, e) = read_until_error(|b| r.read(b));
        assert!(matches!(e, bufpress::io::Error::Codec(_)), "{what}: {e:?}");
        let seen = calls.get();
        for _ in 0..3 {
            assert_eq!(r.read(&mut [0; 100]).unwrap_err(), e, "{what}: read");
            assert_eq!(r.fill_buf().unwrap_err(), e, "{what}: fill_buf");
        }
        assert_eq!(calls.get(), seen, "{what}: the decoder was called again");
        // `reset` with a good stream clears the error.
        r.reset(&packed[..]);
        assert!(read_to_end(|b| r.read(b)) == msg, "{what}: after reset");
        assert!(r.is_done());
        // So does `next_stream`.
        *r.get_mut() = &input[..];
        r.next_stream();
        let (_, e2) = read_until_error(|b| r.read(b));
        assert_eq!(e2, e, "{what}: the same error the second time");
        *r.get_mut() = &packed[..];
        r.next_stream();
        assert!(
            read_to_end(|b| r.read(b)) == msg,
            "{what}: after next_stream"
        );
    }
}

#[test]
fn embedded_io_async_reader_returns_the_error_again_until_reset() {
    use embedded_io_async::{BufRead, Read};
    let (msg, packed) = good();
    for (what, input) in bad(&packed) {
        let (decoder, calls) = strict();
        let mut r = bufpress::io::asynch::DecodeReader::new(
            &input[..],
            decoder,
            STAGING.try_acquire().unwrap(),
        );
        let (_, e) = read_until_error(|b| now(r.read(b)));
        assert!(matches!(e, bufpress::io::Error::Codec(_)), "{what}: {e:?}");
        let seen = calls.get();
        for _ in 0..3 {
            assert_eq!(now(r.read(&mut [0; 100])).unwrap_err(), e, "{what}: read");
            assert_eq!(now(r.fill_buf()).unwrap_err(), e, "{what}: fill_buf");
        }
        assert_eq!(calls.get(), seen, "{what}: the decoder was called again");
        r.reset(&packed[..]);
        assert!(
            read_to_end(|b| now(r.read(b))) == msg,
            "{what}: after reset"
        );
        *r.get_mut() = &input[..];
        r.next_stream();
        let (_, e2) = read_until_error(|b| now(r.read(b)));
        assert_eq!(e2, e, "{what}: the same error the second time");
        *r.get_mut() = &packed[..];
        r.next_stream();
        assert!(
            read_to_end(|b| now(r.read(b))) == msg,
            "{what}: after next_stream"
        );
    }
}

#[test]
fn std_reader_returns_the_error_again_until_reset() {
    let (msg, packed) = good();
    for (what, input) in bad(&packed) {
        let (decoder, calls) = strict();
        let mut r =
            bufpress_std::DecodeReader::new(&input[..], decoder, STAGING.try_acquire().unwrap());
        let (_, e) = read_until_error(|b| r.read(b));
        let (kind, d) = (e.kind(), decode_error(&e));
        let seen = calls.get();
        for _ in 0..3 {
            let e = r.read(&mut [0; 100]).unwrap_err();
            assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: read");
            let e = r.fill_buf().unwrap_err();
            assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: fill_buf");
            let e = r.read_to_end(&mut Vec::new()).unwrap_err();
            assert_eq!(
                (e.kind(), decode_error(&e)),
                (kind, d),
                "{what}: read_to_end"
            );
        }
        assert_eq!(calls.get(), seen, "{what}: the decoder was called again");
        r.reset(&packed[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert!(out == msg, "{what}: after reset");
        *r.get_mut() = &input[..];
        r.next_stream();
        let e = r.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(
            decode_error(&e),
            d,
            "{what}: the same error the second time"
        );
        *r.get_mut() = &packed[..];
        r.next_stream();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert!(out == msg, "{what}: after next_stream");
    }
}

#[tokio::test]
async fn tokio_reader_returns_the_error_again_until_reset() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let (msg, packed) = good();
    for (what, input) in bad(&packed) {
        let (decoder, calls) = strict();
        let mut r = bufpress_std::tokio::DecodeReader::new(
            &input[..],
            decoder,
            STAGING.try_acquire().unwrap(),
        );
        let e = r.read_to_end(&mut Vec::new()).await.unwrap_err();
        let (kind, d) = (e.kind(), decode_error(&e));
        let seen = calls.get();
        for _ in 0..3 {
            let e = r.read(&mut [0; 100]).await.unwrap_err();
            assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: read");
            let e = r.fill_buf().await.unwrap_err();
            assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: fill_buf");
        }
        assert_eq!(calls.get(), seen, "{what}: the decoder was called again");
        r.reset(&packed[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        assert!(out == msg, "{what}: after reset");
        *r.get_mut() = &input[..];
        r.next_stream();
        let e = r.read_to_end(&mut Vec::new()).await.unwrap_err();
        assert_eq!(
            decode_error(&e),
            d,
            "{what}: the same error the second time"
        );
        *r.get_mut() = &packed[..];
        r.next_stream();
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        assert!(out == msg, "{what}: after next_stream");
    }
}

/// Writes `data` in pieces of 500 bytes until a write fails; returns the bytes not
/// taken and the error, or `None` if every byte went in.
fn write_until_error<'a, W: std::io::Write>(
    w: &mut W,
    mut data: &'a [u8],
) -> Option<(&'a [u8], std::io::Error)> {
    while !data.is_empty() {
        let end = data.len().min(500);
        match w.write(&data[..end]) {
            Ok(n) => data = &data[n..],
            Err(e) => return Some((data, e)),
        }
    }
    None
}

/// Every call of a failed `DecodeWriter` returns `d` (of kind `kind`), never calling
/// its decoder.
fn assert_writer_latched<W: std::io::Write>(
    w: &mut bufpress_std::DecodeWriter<'_, impl Decode, W>,
    rest: &[u8],
    (kind, d): (std::io::ErrorKind, DecodeError),
    calls: &Cell<usize>,
    what: &str,
) {
    let seen = calls.get();
    for _ in 0..3 {
        let e = w.write(rest).unwrap_err();
        assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: write");
        let e = w.write(b"other bytes").unwrap_err();
        assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: write");
        let e = w.flush().unwrap_err();
        assert_eq!((e.kind(), decode_error(&e)), (kind, d), "{what}: flush");
        let e = w.try_finish().unwrap_err();
        assert_eq!(
            (e.kind(), decode_error(&e)),
            (kind, d),
            "{what}: try_finish"
        );
    }
    assert_eq!(calls.get(), seen, "{what}: the decoder was called again");
}

/// A good stream through a writer that failed before, after `reset`.
fn assert_writer_recovers<D: Decode>(
    w: &mut bufpress_std::DecodeWriter<'_, D, Vec<u8>>,
    packed: &[u8],
    msg: &[u8],
    what: &str,
) {
    w.reset(Vec::new());
    for piece in packed.chunks(500) {
        w.write_all(piece).unwrap();
    }
    w.try_finish().unwrap();
    assert!(w.get_ref() == msg, "{what}: after reset");
}

#[test]
fn std_writer_returns_a_decoding_error_again_until_reset() {
    let (msg, packed) = good();
    let [(what, flipped), _] = bad(&packed);
    let (decoder, calls) = strict();
    let mut w =
        bufpress_std::DecodeWriter::new(Vec::new(), decoder, STAGING.try_acquire().unwrap());
    let (rest, e) = write_until_error(&mut w, &flipped).expect("an error");
    let latched = (e.kind(), decode_error(&e));
    assert_writer_latched(&mut w, rest, latched, &calls, what);
    assert_writer_recovers(&mut w, &packed, &msg, what);
}

/// `try_finish` on a stream that has not ended is not a decoding error: the decoder
/// is sound (and never called after an error), `try_finish` says `Truncated` again,
/// and writing the rest finishes the stream (as `decode_writer_faults.rs`
/// `try_finish_before_the_end_then_the_rest` documents).
#[test]
fn std_writer_truncated_by_try_finish_goes_on_with_the_rest() {
    let (msg, packed) = good();
    let [_, (_, truncated)] = bad(&packed);
    let (decoder, _) = strict();
    let mut w =
        bufpress_std::DecodeWriter::new(Vec::new(), decoder, STAGING.try_acquire().unwrap());
    assert!(write_until_error(&mut w, &truncated).is_none());
    w.flush().unwrap();
    for _ in 0..3 {
        let e = w.try_finish().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(decode_error(&e), DecodeError::Truncated);
    }
    assert!(write_until_error(&mut w, &packed[truncated.len()..]).is_none());
    w.try_finish().unwrap();
    assert!(w.get_ref() == &msg);
    assert_writer_recovers(&mut w, &packed, &msg, "truncated");
}

#[test]
fn std_writer_returns_trailing_data_again_until_reset() {
    let (msg, packed) = good();
    let trailing = [&packed[..], b"trailing bytes"].concat();
    let (decoder, calls) = strict();
    let mut w =
        bufpress_std::DecodeWriter::new(Vec::new(), decoder, STAGING.try_acquire().unwrap());
    let (rest, e) = write_until_error(&mut w, &trailing).expect("an error");
    assert_eq!(rest, b"trailing bytes");
    assert_eq!(decode_error(&e), DecodeError::TrailingData);
    assert!(w.get_ref() == &msg, "the stream's content went through");
    let latched = (e.kind(), DecodeError::TrailingData);
    assert_writer_latched(&mut w, rest, latched, &calls, "trailing");
    assert_writer_recovers(&mut w, &packed, &msg, "trailing");
}

/// `Stalled` (a decoder that takes nothing) is kept too: the decoder is not called
/// again until `reset`.
#[test]
fn stalled_is_returned_again_without_calling_the_decoder() {
    use embedded_io::Read as _;
    let input: &[u8] = b"bytes the decoder never takes";
    let stalled = |e: &std::io::Error| decode_error(e) == DecodeError::Stalled;

    let (d, calls) = stuck();
    let mut r = bufpress::io::DecodeReader::new(input, d, STAGING.try_acquire().unwrap());
    let e = bufpress::io::Error::Codec(DecodeError::Stalled);
    assert_eq!(r.read(&mut [0; 10]).unwrap_err(), e);
    let seen = calls.get();
    assert_eq!(r.read(&mut [0; 10]).unwrap_err(), e);
    assert_eq!(embedded_io::BufRead::fill_buf(&mut r).unwrap_err(), e);
    assert_eq!(calls.get(), seen, "embedded-io reader");

    let (d, calls) = stuck();
    let mut r = bufpress::io::asynch::DecodeReader::new(input, d, STAGING.try_acquire().unwrap());
    assert_eq!(
        now(embedded_io_async::Read::read(&mut r, &mut [0; 10])).unwrap_err(),
        e
    );
    let seen = calls.get();
    assert_eq!(
        now(embedded_io_async::Read::read(&mut r, &mut [0; 10])).unwrap_err(),
        e
    );
    assert_eq!(
        now(embedded_io_async::BufRead::fill_buf(&mut r)).unwrap_err(),
        e
    );
    assert_eq!(calls.get(), seen, "async reader");

    let (d, calls) = stuck();
    let mut r = bufpress_std::DecodeReader::new(input, d, STAGING.try_acquire().unwrap());
    assert!(stalled(&r.read(&mut [0; 10]).unwrap_err()));
    let seen = calls.get();
    assert!(stalled(&r.read(&mut [0; 10]).unwrap_err()));
    assert!(stalled(&r.fill_buf().unwrap_err()));
    assert_eq!(calls.get(), seen, "std reader");

    let (d, calls) = stuck();
    let mut r = bufpress_std::tokio::DecodeReader::new(input, d, STAGING.try_acquire().unwrap());
    assert!(stalled(
        &now(tokio::io::AsyncReadExt::read(&mut r, &mut [0; 10])).unwrap_err()
    ));
    let seen = calls.get();
    assert!(stalled(
        &now(tokio::io::AsyncReadExt::read(&mut r, &mut [0; 10])).unwrap_err()
    ));
    assert!(stalled(
        &now(tokio::io::AsyncBufReadExt::fill_buf(&mut r)).unwrap_err()
    ));
    assert_eq!(calls.get(), seen, "tokio reader");

    let (d, calls) = stuck();
    let mut w = bufpress_std::DecodeWriter::new(Vec::new(), d, STAGING.try_acquire().unwrap());
    assert!(stalled(&w.write(input).unwrap_err()));
    let seen = calls.get();
    assert!(stalled(&w.write(input).unwrap_err()));
    assert!(stalled(&w.flush().unwrap_err()));
    assert!(stalled(&w.try_finish().unwrap_err()));
    assert_eq!(calls.get(), seen, "std writer");
}

/// What a decoder gives for `input` when driven by hand into one big buffer, the input's
/// end said with an empty call: everything a reader must hand out before `Truncated`.
fn decodable_prefix(decoder: &mut dyn Decode, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 20);
    for piece in [input, &[]] {
        let p = decoder
            .decode(piece, &mut codec::VecOutput::new(&mut out))
            .unwrap();
        assert_eq!(p.status, Status::NeedInput, "truncated");
    }
    out
}

/// A truncated stream read through a small staging buffer: every byte the decoder
/// gave is read before the error, though the last of them may come from the call that
/// found the input's end (a decoder empties what it holds into the staging buffer in
/// pieces, the last with `NeedInput`). The latch must not drop them.
#[tokio::test]
async fn a_truncated_stream_gives_all_it_decoded_before_the_error() {
    let (msg, packed) = good();
    truncated_through_every_reader(&packed, || strict().0).await;
    let mut gz = Vec::with_capacity(200_000);
    let mut state: Box<deflate::EncoderState> = Box::new(deflate::EncoderState::new());
    deflate::compress_into(
        &msg,
        &mut codec::VecOutput::new(&mut gz),
        Format::Gzip,
        6,
        &mut *state,
    )
    .unwrap();
    // A decoder that holds what it decoded and gives it out as room allows, the last
    // piece with `NeedInput` (it never sees an end): every byte is read, then the error.
    let held: Vec<u8> = (0..5_000u32).map(|i| (i * 7) as u8).collect();
    truncated_through_every_reader(&held, || Strict::new(Holds::default())).await;
    truncated_through_every_reader(&gz, || {
        Strict::new(deflate::Decoder::new(
            Format::Gzip,
            Box::new(deflate::DecoderState::new()),
        ))
    })
    .await;
}

async fn truncated_through_every_reader<D: Decode + Unpin>(
    packed: &[u8],
    make: impl Fn() -> Strict<D>,
) {
    use tokio::io::AsyncReadExt as _;
    // Cuts from a third of the stream to its end, in steps.
    for cut in (packed.len() / 3..packed.len() - 1).step_by(997) {
        let input = &packed[..cut];
        let want = decodable_prefix(&mut make().inner, input);
        let mut r = bufpress::io::DecodeReader::new(input, make(), STAGING.try_acquire().unwrap());
        let (got, e) = read_until_error(|b| embedded_io::Read::read(&mut r, b));
        assert!(matches!(
            e,
            bufpress::io::Error::Codec(DecodeError::Truncated)
        ));
        assert!(
            got == want,
            "embedded-io, cut at {cut}: {} of {} bytes",
            got.len(),
            want.len()
        );
        let mut r = bufpress_std::DecodeReader::new(input, make(), STAGING.try_acquire().unwrap());
        let (got, e) = read_until_error(|b| r.read(b));
        assert_eq!(decode_error(&e), DecodeError::Truncated);
        assert!(
            got == want,
            "std, cut at {cut}: {} of {} bytes",
            got.len(),
            want.len()
        );
        let mut r =
            bufpress_std::tokio::DecodeReader::new(input, make(), STAGING.try_acquire().unwrap());
        let mut got = Vec::new();
        let e = loop {
            let mut piece = [0u8; 1000];
            match r.read(&mut piece).await {
                Ok(0) => panic!("the stream ended without an error"),
                Ok(n) => got.extend_from_slice(&piece[..n]),
                Err(e) => break e,
            }
        };
        assert_eq!(decode_error(&e), DecodeError::Truncated);
        assert!(
            got == want,
            "tokio, cut at {cut}: {} of {} bytes",
            got.len(),
            want.len()
        );
    }
}
