//! An inner writer that fails now and then (a socket's write timeout) and takes few
//! bytes per call: `write` that returns an error has taken nothing of the caller's
//! data (`std::io::Write`'s contract, which `embedded_io::Write` follows), so a caller
//! that retries the same bytes, and retries `flush` / `try_finish`, gets the stream it
//! would have got with no failure. For the blocking encoders of `bufpress-std` (over
//! `std::io::Write`) and of core's `io` (over `embedded_io::Write`).

use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{self, Decode};
use bufpress::pool::Pool;
use bufpress_tests::corpus;
use bufpress_tests::now;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static STAGING: Pool<4, 300> = Pool::new();

/// Takes at most 100 bytes a call and fails every 3rd call, having written nothing.
#[derive(Default)]
struct Flaky {
    out: Vec<u8>,
    calls: usize,
}

impl Flaky {
    fn write(&mut self, data: &[u8]) -> Result<usize, ()> {
        self.calls += 1;
        if self.calls.is_multiple_of(3) {
            return Err(());
        }
        let n = data.len().min(100);
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }
}

impl std::io::Write for Flaky {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        Flaky::write(self, data).map_err(|()| std::io::ErrorKind::TimedOut.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl embedded_io::ErrorType for Flaky {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Write for Flaky {
    fn write(&mut self, data: &[u8]) -> Result<usize, embedded_io::ErrorKind> {
        Flaky::write(self, data).map_err(|()| embedded_io::ErrorKind::TimedOut)
    }
    fn flush(&mut self) -> Result<(), embedded_io::ErrorKind> {
        Ok(())
    }
}

fn decode(packed: &[u8]) -> Vec<u8> {
    let mut decoder = Box::new(lz4::Decoder::<DEC>::new());
    decoder.reset();
    let mut out = Vec::with_capacity(1 << 20);
    codec::decode_into(&mut *decoder, packed, &mut codec::VecOutput::new(&mut out))
        .expect("a valid stream");
    out
}

fn message() -> Vec<u8> {
    corpus::mixed(50_000, 5)
}

/// Writes `data` to `w` in pieces of 777 bytes, calling again after every error
/// (`write` with the same bytes, a `flush` now and then, `finish` at the end) until all
/// of it went in; returns the number of errors seen. The calls are given, so that
/// `std::io::Write` and `embedded_io::Write` writers both fit.
fn write_retrying<W, E>(
    w: &mut W,
    data: &[u8],
    write: impl Fn(&mut W, &[u8]) -> Result<usize, E>,
    flush: impl Fn(&mut W) -> Result<(), E>,
    finish: impl Fn(&mut W) -> Result<(), E>,
) -> usize {
    let mut written = 0;
    let mut errors = 0;
    while written < data.len() {
        let end = (written + 777).min(data.len());
        match write(w, &data[written..end]) {
            Ok(n) => written += n,
            Err(_) => errors += 1,
        }
        assert!(errors < 10_000, "write makes no progress");
        if written.is_multiple_of(5) {
            while flush(w).is_err() {
                errors += 1;
                assert!(errors < 10_000, "flush makes no progress");
            }
        }
    }
    while finish(w).is_err() {
        errors += 1;
        assert!(errors < 10_000, "try_finish makes no progress");
    }
    errors
}

#[test]
fn std_encode_writer_retried_after_errors_makes_the_same_stream() {
    use std::io::Write;
    let msg = message();
    let flaky = Flaky::default();
    let encoder = Box::new(lz4::Encoder::<ENC>::new());
    let mut w = bufpress_std::EncodeWriter::new(flaky, encoder, STAGING.try_acquire().unwrap());
    let errors = write_retrying(
        &mut w,
        &msg,
        |w, d| w.write(d),
        |w| w.flush(),
        |w| w.try_finish(),
    );
    assert!(errors > 10, "{errors} errors");
    let packed = w.into_parts().0.out;
    assert!(
        decode(&packed) == msg,
        "the stream decodes to what was written"
    );
}

#[test]
fn embedded_io_encode_writer_retried_after_errors_makes_the_same_stream() {
    use embedded_io::Write;
    let msg = message();
    let flaky = Flaky::default();
    let encoder = Box::new(lz4::Encoder::<ENC>::new());
    let mut w = bufpress::io::EncodeWriter::new(flaky, encoder, STAGING.try_acquire().unwrap());
    let errors = write_retrying(
        &mut w,
        &msg,
        |w, d| w.write(d),
        |w| w.flush(),
        |w| w.try_finish(),
    );
    assert!(errors > 10, "{errors} errors");
    let packed = w.into_parts().0.out;
    assert!(
        decode(&packed) == msg,
        "the stream decodes to what was written"
    );
}

impl embedded_io_async::Write for Flaky {
    async fn write(&mut self, data: &[u8]) -> Result<usize, embedded_io::ErrorKind> {
        Flaky::write(self, data).map_err(|()| embedded_io::ErrorKind::TimedOut)
    }
    async fn flush(&mut self) -> Result<(), embedded_io::ErrorKind> {
        Ok(())
    }
}

#[test]
fn embedded_io_async_encode_writer_retried_after_errors_makes_the_same_stream() {
    use embedded_io_async::Write;
    let msg = message();
    let flaky = Flaky::default();
    let encoder = Box::new(lz4::Encoder::<ENC>::new());
    let mut w =
        bufpress::io::asynch::EncodeWriter::new(flaky, encoder, STAGING.try_acquire().unwrap());
    let errors = write_retrying(
        &mut w,
        &msg,
        |w, d| now(w.write(d)),
        |w| now(w.flush()),
        |w| now(w.try_finish()),
    );
    assert!(errors > 10, "{errors} errors");
    let packed = w.into_parts().0.out;
    assert!(
        decode(&packed) == msg,
        "the stream decodes to what was written"
    );
}

/// bufpress-std's libzstd writer (`zstd::EncodeWriter`), the same way.
#[test]
fn zstd_encode_writer_retried_after_errors_makes_the_same_stream() {
    use std::io::Write;
    let msg = message();
    let flaky = Flaky::default();
    let mut ctx = bufpress_std::zstd::Encoder::new(bufpress_std::zstd::Settings::new(3, 1 << 16))
        .expect("ctx");
    let mut w =
        bufpress_std::zstd::EncodeWriter::new(flaky, &mut ctx, STAGING.try_acquire().unwrap());
    let errors = write_retrying(
        &mut w,
        &msg,
        |w, d| w.write(d),
        |w| w.flush(),
        |w| w.try_finish(),
    );
    assert!(errors > 10, "{errors} errors");
    let packed = w.into_parts().0.out;
    let mut dec = bufpress::codec::zstd::Decoder::new(1 << 17);
    let mut back = Vec::with_capacity(1 << 20);
    dec.decompress_into(&packed, &mut codec::VecOutput::new(&mut back))
        .expect("a valid frame");
    assert!(back == msg, "the stream decodes to what was written");
}

/// bufpress-std's decompressing writer over any codec (`DecodeWriter`), retried the
/// same way: what reaches the inner writer is the content, each byte once.
#[test]
fn std_decode_writer_retried_after_errors_writes_the_content_once() {
    use std::io::Write;
    let msg = message();
    let mut encoder = Box::new(lz4::Encoder::<ENC>::new());
    codec::Encode::reset(&mut *encoder);
    let mut packed = Vec::with_capacity(1 << 20);
    codec::encode_into(&mut *encoder, &msg, &mut codec::VecOutput::new(&mut packed))
        .expect("encodes");
    let flaky = Flaky::default();
    let decoder = Box::new(lz4::Decoder::<DEC>::new());
    let mut w = bufpress_std::DecodeWriter::new(flaky, decoder, STAGING.try_acquire().unwrap());
    let errors = write_retrying(
        &mut w,
        &packed,
        |w, d| w.write(d),
        |w| w.flush(),
        |w| w.try_finish(),
    );
    assert!(errors > 10, "{errors} errors");
    assert!(w.is_done());
    let out = w.into_parts().0.out;
    assert_eq!(out.len(), msg.len());
    assert!(out == msg, "the content, each byte once");
}

/// bufpress-std's libzstd decompressing writer (`zstd::DecodeWriter`), the same way.
#[test]
fn zstd_decode_writer_retried_after_errors_writes_the_content_once() {
    use std::io::Write;
    let msg = message();
    let mut ctx = bufpress_std::zstd::Encoder::new(bufpress_std::zstd::Settings::new(3, 1 << 16))
        .expect("ctx");
    let mut packed = Vec::with_capacity(1 << 20);
    codec::encode_into(&mut ctx, &msg, &mut codec::VecOutput::new(&mut packed)).expect("encodes");
    let flaky = Flaky::default();
    let mut dctx = bufpress_std::zstd::Decoder::new(1 << 17);
    let mut w =
        bufpress_std::zstd::DecodeWriter::new(flaky, &mut dctx, STAGING.try_acquire().unwrap());
    let errors = write_retrying(
        &mut w,
        &packed,
        |w, d| w.write(d),
        |w| w.flush(),
        |w| w.try_finish(),
    );
    assert!(errors > 10, "{errors} errors");
    let out = w.into_parts().0.out;
    assert_eq!(out.len(), msg.len());
    assert!(out == msg, "the content, each byte once");
}
