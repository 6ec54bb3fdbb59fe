//! A user's `Decode` that breaks the trait's contract: it answers
//! `Status::NeedInput` without taking its input. Every reading adapter would offer it
//! the same input forever; each reports `DecodeError::Stalled` instead (and the
//! decompressing writer an error), on the first call.

use std::io::{BufRead, Read, Write};

use bufpress::codec::{Decode, DecodeError, Output, Progress, Status};
use bufpress::pool::Pool;

static STAGING: Pool<8, 256> = Pool::new();

/// Takes nothing and says it needs more.
struct Stuck;

impl Decode for Stuck {
    fn decode(&mut self, _input: &[u8], _out: &mut dyn Output) -> Result<Progress, DecodeError> {
        Ok(Progress {
            consumed: 0,
            produced: 0,
            status: Status::NeedInput,
        })
    }
    fn reset(&mut self) {}
}

fn is_stalled(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<bufpress::Error>())
        .is_some_and(|e| matches!(e, bufpress::Error::Decode(DecodeError::Stalled)))
}

#[test]
fn std_decode_reader_reports_a_decoder_that_takes_nothing() {
    let input: &[u8] = b"some bytes the decoder never takes";
    let mut r = bufpress_std::DecodeReader::new(input, Stuck, STAGING.try_acquire().unwrap());
    let e = r.read(&mut [0; 64]).unwrap_err();
    assert!(is_stalled(&e), "{e:?}");
    let e = r.fill_buf().unwrap_err();
    assert!(is_stalled(&e), "{e:?}");
}

#[test]
fn embedded_io_decode_reader_reports_a_decoder_that_takes_nothing() {
    use embedded_io::Read as _;
    let input: &[u8] = b"some bytes the decoder never takes";
    let mut r = bufpress::io::DecodeReader::new(input, Stuck, STAGING.try_acquire().unwrap());
    let e = r.read(&mut [0; 64]).unwrap_err();
    assert_eq!(e, bufpress::io::Error::Codec(DecodeError::Stalled));
}

#[test]
fn embedded_io_async_decode_reader_reports_a_decoder_that_takes_nothing() {
    use embedded_io_async::Read as _;
    let input: &[u8] = b"some bytes the decoder never takes";
    let mut r =
        bufpress::io::asynch::DecodeReader::new(input, Stuck, STAGING.try_acquire().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = rt.block_on(r.read(&mut [0; 64])).unwrap_err();
    assert_eq!(e, bufpress::io::Error::Codec(DecodeError::Stalled));
}

#[test]
fn tokio_decode_reader_reports_a_decoder_that_takes_nothing() {
    use tokio::io::AsyncReadExt;
    let input: &[u8] = b"some bytes the decoder never takes";
    let mut r =
        bufpress_std::tokio::DecodeReader::new(input, Stuck, STAGING.try_acquire().unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let e = rt.block_on(r.read(&mut [0; 64])).unwrap_err();
    assert!(is_stalled(&e), "{e:?}");
}

#[test]
fn std_decode_writer_reports_a_decoder_that_takes_nothing() {
    let mut w = bufpress_std::DecodeWriter::new(Vec::new(), Stuck, STAGING.try_acquire().unwrap());
    assert!(w.write(b"some bytes the decoder never takes").is_err());
}
