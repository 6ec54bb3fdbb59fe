//! A user's `Decode` that breaks the trait's contract: it answers
//! `Status::NeedInput` without taking its input. Every reading adapter would offer it
//! the same input forever; each reports `DecodeError::Stalled` instead (and so does
//! the decompressing writer), on the first call. The same for one that answers
//! `OutputFull` having put nothing into a whole empty buffer (`OutputTooSmall`); and a
//! correct decoder that holds output back is never refused.

use std::io::{BufRead, Read, Write};

use bufpress::codec::{Decode, DecodeError, Output, Progress, Status};
use bufpress::pool::Pool;
use bufpress_tests::now;

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
    // A bug in a codec, not bad data.
    assert_eq!(e.kind(), std::io::ErrorKind::Other);
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
    assert_eq!(embedded_io::Error::kind(&e), embedded_io::ErrorKind::Other);
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

/// A correct decoder the adapters must never refuse: each input byte becomes three
/// output bytes, kept inside and handed out as room allows (so `OutputFull` often
/// comes with nothing consumed, and `NeedInput` only when all input was taken); a 0
/// byte ends the stream (`Done` with the bytes after it left).
#[derive(Default)]
struct Triple {
    pending: usize,
    byte: u8,
    ended: bool,
}

impl Decode for Triple {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        let (mut consumed, mut produced) = (0, 0);
        loop {
            while self.pending > 0 {
                if out.remaining() == 0 {
                    return Ok(Progress {
                        consumed,
                        produced,
                        status: Status::OutputFull,
                    });
                }
                out.extend_from_slice(&[self.byte]).expect("room");
                produced += 1;
                self.pending -= 1;
            }
            if self.ended {
                return Ok(Progress {
                    consumed,
                    produced,
                    status: Status::Done,
                });
            }
            let Some(&b) = input.get(consumed) else {
                return Ok(Progress {
                    consumed,
                    produced,
                    status: Status::NeedInput,
                });
            };
            consumed += 1;
            if b == 0 {
                self.ended = true;
            } else {
                (self.byte, self.pending) = (b, 3);
            }
        }
    }
    fn reset(&mut self) {
        *self = Self::default();
    }
}

/// An inner reader that hands out `step` bytes at a time and checks that `consume`
/// never gets more than the last `fill_buf` gave.
struct Dribble<'a> {
    data: &'a [u8],
    step: usize,
    offered: usize,
}

impl std::io::Read for Dribble<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.fill_buf()?.len().min(out.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Dribble<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.offered = self.step.min(self.data.len());
        Ok(&self.data[..self.offered])
    }
    fn consume(&mut self, n: usize) {
        assert!(
            n <= self.offered,
            "consume({n}) after {} offered",
            self.offered
        );
        self.data = &self.data[n..];
        self.offered -= n;
    }
}

impl embedded_io::ErrorType for Dribble<'_> {
    type Error = std::convert::Infallible;
}

impl embedded_io::BufRead for Dribble<'_> {
    fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        Ok(BufRead::fill_buf(self).unwrap())
    }
    fn consume(&mut self, n: usize) {
        BufRead::consume(self, n);
    }
}

impl embedded_io::Read for Dribble<'_> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(std::io::Read::read(self, out).unwrap())
    }
}

impl embedded_io_async::BufRead for Dribble<'_> {
    async fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        Ok(BufRead::fill_buf(self).unwrap())
    }
    fn consume(&mut self, n: usize) {
        BufRead::consume(self, n);
    }
}

impl embedded_io_async::Read for Dribble<'_> {
    async fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(std::io::Read::read(self, out).unwrap())
    }
}

impl tokio::io::AsyncRead for Dribble<'_> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = std::io::Read::read(this, buf.initialize_unfilled()).unwrap();
        buf.advance(n);
        std::task::Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncBufRead for Dribble<'_> {
    fn poll_fill_buf(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<&[u8]>> {
        std::task::Poll::Ready(BufRead::fill_buf(self.get_mut()))
    }
    fn consume(self: std::pin::Pin<&mut Self>, n: usize) {
        BufRead::consume(self.get_mut(), n);
    }
}

static SMALL: Pool<8, 5> = Pool::new();

/// `Triple` through every reading adapter and the decompressing writer, with 5-byte
/// staging buffers and input 1, 2, 7 or many bytes at a time: the content, and the
/// bytes after the end left in the inner reader.
#[test]
fn a_correct_decoder_that_holds_output_is_never_refused() {
    let input: &[u8] = b"abcdefghijklmnopq\0trailing";
    let want: Vec<u8> = b"abcdefghijklmnopq".iter().flat_map(|&b| [b; 3]).collect();
    for step in [1, 2, 7, 1000] {
        let dribble = || Dribble {
            data: input,
            step,
            offered: 0,
        };
        // bufpress-std's reader.
        let mut r = bufpress_std::DecodeReader::new(
            dribble(),
            Triple::default(),
            SMALL.try_acquire().unwrap(),
        );
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut r, &mut out).unwrap();
        assert_eq!(out, want, "std, step {step}");
        assert_eq!(r.into_parts().0.data, b"trailing");
        // core's embedded-io reader.
        let mut r = bufpress::io::DecodeReader::new(
            dribble(),
            Triple::default(),
            SMALL.try_acquire().unwrap(),
        );
        let mut out = Vec::new();
        let mut chunk = [0; 4];
        loop {
            let n = embedded_io::Read::read(&mut r, &mut chunk).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(out, want, "embedded-io, step {step}");
        assert_eq!(r.into_parts().0.data, b"trailing");
        // core's async reader.
        let mut r = bufpress::io::asynch::DecodeReader::new(
            dribble(),
            Triple::default(),
            SMALL.try_acquire().unwrap(),
        );
        let mut out = Vec::new();
        loop {
            let n = now(embedded_io_async::Read::read(&mut r, &mut chunk)).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(out, want, "async, step {step}");
        assert_eq!(r.into_parts().0.data, b"trailing");
        // bufpress-std's tokio reader.
        let mut r = bufpress_std::tokio::DecodeReader::new(
            dribble(),
            Triple::default(),
            SMALL.try_acquire().unwrap(),
        );
        let mut out = Vec::new();
        now(tokio::io::AsyncReadExt::read_to_end(&mut r, &mut out)).unwrap();
        assert_eq!(out, want, "tokio, step {step}");
        // The decompressing writer: the stream, then the trailing bytes refused.
        let mut w = bufpress_std::DecodeWriter::new(
            Vec::new(),
            Triple::default(),
            SMALL.try_acquire().unwrap(),
        );
        let end = input.iter().position(|&b| b == 0).unwrap() + 1;
        for piece in input[..end].chunks(step) {
            w.write_all(piece).unwrap();
        }
        w.try_finish().unwrap();
        let e = w.write(b"trailing").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(w.into_parts().0, want, "writer, step {step}");
    }
}

/// Claims the output is full without writing to it (into an empty buffer with room):
/// another way to never progress. Gives up after many calls, so a test fails rather
/// than hangs.
struct ClaimsFull(usize);

impl Decode for ClaimsFull {
    fn decode(&mut self, _input: &[u8], _out: &mut dyn Output) -> Result<Progress, DecodeError> {
        self.0 += 1;
        assert!(
            self.0 < 10_000,
            "called {} times: the adapter spins",
            self.0
        );
        Ok(Progress {
            consumed: 0,
            produced: 0,
            status: Status::OutputFull,
        })
    }
    fn reset(&mut self) {}
}

/// Every reading adapter and the decompressing writer report it on the first call
/// (as the tokio reader did already), instead of calling it forever.
#[test]
fn a_decoder_that_fills_nothing_is_reported() {
    let input: &[u8] = b"some bytes";
    let mut r =
        bufpress_std::DecodeReader::new(input, ClaimsFull(0), STAGING.try_acquire().unwrap());
    assert!(r.read(&mut [0; 64]).is_err(), "std reader");
    let mut r =
        bufpress::io::DecodeReader::new(input, ClaimsFull(0), STAGING.try_acquire().unwrap());
    assert!(
        embedded_io::Read::read(&mut r, &mut [0; 64]).is_err(),
        "embedded-io reader"
    );
    let mut r = bufpress::io::asynch::DecodeReader::new(
        input,
        ClaimsFull(0),
        STAGING.try_acquire().unwrap(),
    );
    assert!(
        now(embedded_io_async::Read::read(&mut r, &mut [0; 64])).is_err(),
        "async reader"
    );
    let mut r = bufpress_std::tokio::DecodeReader::new(
        input,
        ClaimsFull(0),
        STAGING.try_acquire().unwrap(),
    );
    assert!(
        now(tokio::io::AsyncReadExt::read(&mut r, &mut [0; 64])).is_err(),
        "tokio reader"
    );
    let mut w =
        bufpress_std::DecodeWriter::new(Vec::new(), ClaimsFull(0), STAGING.try_acquire().unwrap());
    assert!(w.write(input).is_err(), "writer");
    assert!(w.flush().is_err(), "writer's flush");
    assert!(w.try_finish().is_err(), "writer's try_finish");
}

/// The writer reports a decoder that takes nothing as the readers do: `Stalled`.
#[test]
fn the_writer_reports_stalled_like_the_readers() {
    let mut w = bufpress_std::DecodeWriter::new(Vec::new(), Stuck, STAGING.try_acquire().unwrap());
    let e = w.write(b"some bytes the decoder never takes").unwrap_err();
    assert!(is_stalled(&e), "{e:?}");
}
