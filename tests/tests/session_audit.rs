//! An outside audit of the session's decoding-adapter and writer changes: the latched
//! decoding error of every decoding adapter (core's `io::DecodeReader` and its async
//! twin, `bufpress_std::DecodeReader` and `DecodeWriter`, the tokio `DecodeReader`), the
//! bytes a reader hands out before `Truncated`, and `zstd::EncodeWriter::try_finish`
//! flushing its inner writer.
//!
//! What it tries: an inner reader or writer that fails now and then (and, for tokio,
//! is not ready now and then), at the input's end too, must stay retryable (its
//! errors are never kept) and lose or repeat no byte; decoders that hand out their
//! last bytes in odd ways at a truncated end (all in the call that sees the end, or a
//! full buffer first and nothing with `NeedInput` after); reading through `fill_buf`
//! and `consume` in tiny steps and with 1-byte reads; `next_stream` with bytes not read
//! yet; tokio's output limit at a truncated end; a decoding writer's truncated end
//! under inner faults; `zstd::EncodeWriter::try_finish` retried after inner write and
//! flush errors. The decoders are wrapped in [`Strict`], which panics when called after
//! an error without a reset.

use std::cell::{Cell, RefCell};
use std::io::{self, BufRead as _, ErrorKind, Read as _, Write as _};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bufpress::codec::deflate::{self, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize, FrameSettings};
use bufpress::codec::{self, Decode, DecodeError, Status};
use bufpress::pool::Pool;
use bufpress_tests::corpus;
use bufpress_tests::decoders::{Holds, Strict};

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static STAGING: Pool<8, 300> = Pool::new();

/// The kinds of decoder tried, each with a stream to decode.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Lz4,
    Gzip,
    Holds,
    HoldsLazy,
}

const KINDS: [Kind; 4] = [Kind::Lz4, Kind::Gzip, Kind::Holds, Kind::HoldsLazy];

fn decoder(kind: Kind) -> Strict<Box<dyn Decode>> {
    let d: Box<dyn Decode> = match kind {
        Kind::Lz4 => Box::new(Box::new(lz4::Decoder::<DEC>::new())),
        Kind::Gzip => Box::new(deflate::Decoder::new(
            Format::Gzip,
            Box::new(deflate::DecoderState::new()),
        )),
        Kind::Holds => Box::new(Holds::new(false)),
        Kind::HoldsLazy => Box::new(Holds::new(true)),
    };
    Strict::new(d)
}

fn message() -> Vec<u8> {
    corpus::mixed(40_000, 11)
}

/// `msg` encoded for `kind` (for `Holds`, a multiple of the staging buffer's size, so
/// that its last piece exactly fills it).
fn packed(kind: Kind, msg: &[u8]) -> Vec<u8> {
    match kind {
        Kind::Lz4 => {
            let settings = FrameSettings::new()
                .with_block_size(BlockSize::Max64KiB)
                .with_block_checksum(true);
            let mut encoder = Box::new(lz4::Encoder::<ENC>::new().with_settings(settings));
            let mut packed = Vec::with_capacity(lz4::max_frame_len(msg.len(), &settings));
            codec::encode_into(&mut *encoder, msg, &mut codec::VecOutput::new(&mut packed))
                .unwrap();
            packed
        }
        Kind::Gzip => {
            let mut gz = Vec::with_capacity(msg.len() + 1000);
            let mut state: Box<deflate::EncoderState> = Box::new(deflate::EncoderState::new());
            deflate::compress_into(
                msg,
                &mut codec::VecOutput::new(&mut gz),
                Format::Gzip,
                6,
                &mut *state,
            )
            .unwrap();
            gz
        }
        Kind::Holds | Kind::HoldsLazy => msg[..3000].to_vec(),
    }
}

/// Whether `kind`'s stream ends (`Holds` never does: every input is truncated).
fn ends(kind: Kind) -> bool {
    matches!(kind, Kind::Lz4 | Kind::Gzip)
}

/// What a decoder gives for `input` driven by hand into one big buffer, the end said
/// with empty calls: what a reader must hand out before `Truncated`.
fn decodable_prefix(kind: Kind, input: &[u8]) -> Vec<u8> {
    let mut d = decoder(kind);
    let mut out = Vec::with_capacity(1 << 20);
    let p = d
        .decode(input, &mut codec::VecOutput::new(&mut out))
        .unwrap();
    assert_ne!(p.status, Status::Done);
    loop {
        let p = d.decode(&[], &mut codec::VecOutput::new(&mut out)).unwrap();
        match p.status {
            Status::NeedInput => return out,
            Status::OutputFull => {}
            Status::Done => panic!("{kind:?}: not truncated"),
        }
    }
}

/// The `DecodeError` inside an `io::Error` of a std adapter, if it is one.
fn decode_error(e: &io::Error) -> Option<DecodeError> {
    match e
        .get_ref()
        .and_then(|e| e.downcast_ref::<bufpress::Error>())
    {
        Some(bufpress::Error::Decode(d)) => Some(*d),
        _ => None,
    }
}

/// The inner error the faulty readers and writers give (`TimedOut`: not `Interrupted`,
/// which std's helpers retry by themselves).
fn fault() -> io::Error {
    io::Error::new(ErrorKind::TimedOut, "inner fault")
}

fn is_fault(e: &io::Error) -> bool {
    e.kind() == ErrorKind::TimedOut && decode_error(e).is_none()
}

/// A `BufRead` (std, embedded-io, embedded-io-async, tokio) that offers `step` bytes at
/// a time and fails every `every`-th `fill_buf`, at the input's end too; for tokio,
/// it is not ready (and wakes at once) at every `every + 1`-th poll.
struct Flaky<'a> {
    data: &'a [u8],
    step: usize,
    every: usize,
    calls: usize,
    offered: usize,
    faults: Rc<Cell<usize>>,
}

impl<'a> Flaky<'a> {
    fn new(data: &'a [u8], step: usize, every: usize) -> Self {
        Self {
            data,
            step,
            every,
            calls: 0,
            offered: 0,
            faults: Rc::default(),
        }
    }

    /// One `fill_buf`: `Err` for a fault.
    fn fill(&mut self) -> Result<&[u8], ()> {
        self.calls += 1;
        if self.calls.is_multiple_of(self.every) {
            self.faults.set(self.faults.get() + 1);
            self.offered = 0;
            return Err(());
        }
        self.offered = self.step.min(self.data.len());
        Ok(&self.data[..self.offered])
    }

    fn take(&mut self, n: usize) {
        assert!(
            n <= self.offered,
            "consume({n}) after {} offered",
            self.offered
        );
        self.data = &self.data[n..];
        self.offered -= n;
    }
}

impl io::Read for Flaky<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let data = self.fill_buf()?;
        let n = data.len().min(out.len());
        out[..n].copy_from_slice(&data[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl io::BufRead for Flaky<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill().map_err(|()| fault())
    }
    fn consume(&mut self, n: usize) {
        self.take(n);
    }
}

impl embedded_io::ErrorType for Flaky<'_> {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Read for Flaky<'_> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        io::Read::read(self, out).map_err(|_| embedded_io::ErrorKind::TimedOut)
    }
}

impl embedded_io::BufRead for Flaky<'_> {
    fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        self.fill().map_err(|()| embedded_io::ErrorKind::TimedOut)
    }
    fn consume(&mut self, n: usize) {
        self.take(n);
    }
}

impl embedded_io_async::Read for Flaky<'_> {
    async fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        embedded_io::Read::read(self, out)
    }
}

impl embedded_io_async::BufRead for Flaky<'_> {
    async fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        embedded_io::BufRead::fill_buf(self)
    }
    fn consume(&mut self, n: usize) {
        self.take(n);
    }
}

impl tokio::io::AsyncRead for Flaky<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = io::Read::read(self.get_mut(), buf.initialize_unfilled())?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncBufRead for Flaky<'_> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.calls % (this.every + 1) == this.every {
            // Not ready this time (counted as a call, so the next one is).
            this.calls += 1;
            this.offered = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(this.fill().map_err(|()| fault()))
    }
    fn consume(self: Pin<&mut Self>, n: usize) {
        self.get_mut().take(n);
    }
}

/// Runs a future that never waits.
fn now<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let cx = &mut Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(cx) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("never waits"),
    }
}

/// Polls until ready (the readers here wake at once).
fn poll_until_ready<T>(mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>) -> T {
    let cx = &mut Context::from_waker(std::task::Waker::noop());
    loop {
        if let Poll::Ready(t) = poll(cx) {
            return t;
        }
    }
}

/// What one reader gave: its bytes, and the decoding error it ended with (`None`: a
/// clean end).
type Outcome = (Vec<u8>, Option<DecodeError>);

/// Reads with `read` (pieces of `piece` bytes) until a clean end or a decoding error,
/// retrying every inner fault; after a decoding error, reads three more times and
/// checks that the same error comes back, with no byte.
fn drain<E>(
    piece: usize,
    mut read: impl FnMut(&mut [u8]) -> Result<usize, E>,
    classify: impl Fn(&E) -> Option<DecodeError>,
) -> Outcome {
    let mut out = Vec::new();
    let mut buf = vec![0u8; piece];
    let mut faults = 0;
    loop {
        match read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => match classify(&e) {
                None => {
                    faults += 1;
                    assert!(faults < 100_000, "no progress");
                }
                Some(d) => {
                    for _ in 0..3 {
                        match read(&mut buf) {
                            Err(e) => assert_eq!(classify(&e), Some(d), "kept"),
                            Ok(n) => panic!("{n} bytes after {d:?}"),
                        }
                    }
                    return (out, Some(d));
                }
            },
        }
    }
}

fn core_error(e: &bufpress::io::Error<DecodeError, embedded_io::ErrorKind>) -> Option<DecodeError> {
    match e {
        bufpress::io::Error::Codec(d) => Some(*d),
        _ => None,
    }
}

fn std_error(e: &io::Error) -> Option<DecodeError> {
    if is_fault(e) {
        return None;
    }
    Some(decode_error(e).unwrap_or_else(|| panic!("neither a fault nor a decoding error: {e:?}")))
}

/// Reads `input` through each reader over a [`Flaky`] inner reader; checks that the
/// decoder is never called after the error the reader ends with, and that the reader
/// handed out every byte the decoder gave, once.
fn every_reader(kind: Kind, input: &[u8], step: usize, every: usize, piece: usize) -> [Outcome; 4] {
    let staging = || STAGING.try_acquire().unwrap();
    let check = |calls: &Rc<Cell<usize>>, seen: usize, gave: &RefCell<Vec<u8>>, got: &[u8]| {
        assert_eq!(
            calls.get(),
            seen,
            "{kind:?}: the decoder was called after the end"
        );
        let gave = gave.borrow();
        assert!(
            *gave == got,
            "{kind:?}: {} bytes read, the decoder gave {}",
            got.len(),
            gave.len()
        );
    };

    let d = decoder(kind);
    let (calls, gave) = (Rc::clone(&d.calls), Rc::clone(&d.gave));
    let inner = Flaky::new(input, step, every);
    let mut r = bufpress::io::DecodeReader::new(inner, d, staging());
    let core = drain(piece, |b| embedded_io::Read::read(&mut r, b), core_error);
    let seen = calls.get();
    let _ = embedded_io::Read::read(&mut r, &mut [0; 10]);
    check(&calls, seen, &gave, &core.0);

    let d = decoder(kind);
    let (calls, gave) = (Rc::clone(&d.calls), Rc::clone(&d.gave));
    let inner = Flaky::new(input, step, every);
    let mut r = bufpress::io::asynch::DecodeReader::new(inner, d, staging());
    let asynch = drain(
        piece,
        |b| now(embedded_io_async::Read::read(&mut r, b)),
        core_error,
    );
    let seen = calls.get();
    let _ = now(embedded_io_async::Read::read(&mut r, &mut [0; 10]));
    check(&calls, seen, &gave, &asynch.0);

    let d = decoder(kind);
    let (calls, gave) = (Rc::clone(&d.calls), Rc::clone(&d.gave));
    let inner = Flaky::new(input, step, every);
    let faults = Rc::clone(&inner.faults);
    let mut r = bufpress_std::DecodeReader::new(inner, d, staging());
    let std = drain(piece, |b| r.read(b), std_error);
    let seen = calls.get();
    let _ = r.read(&mut [0; 10]);
    check(&calls, seen, &gave, &std.0);
    // Read to its end, a long enough input meets faults (a corrupt one may stop early).
    if input.len() > step * every && matches!(std.1, None | Some(DecodeError::Truncated)) {
        assert!(faults.get() > 0, "no fault was injected");
    }

    let d = decoder(kind);
    let (calls, gave) = (Rc::clone(&d.calls), Rc::clone(&d.gave));
    let inner = Flaky::new(input, step, every);
    let mut r = bufpress_std::tokio::DecodeReader::new(inner, d, staging());
    let tokio = drain(
        piece,
        |b| {
            poll_until_ready(|cx| {
                let mut rb = tokio::io::ReadBuf::new(b);
                match tokio::io::AsyncRead::poll_read(Pin::new(&mut r), cx, &mut rb) {
                    Poll::Ready(Ok(())) => Poll::Ready(Ok(rb.filled().len())),
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => Poll::Pending,
                }
            })
        },
        std_error,
    );
    let seen = calls.get();
    let _ = now(tokio::io::AsyncReadExt::read(&mut r, &mut [0; 10]));
    check(&calls, seen, &gave, &tokio.0);

    [core, asynch, std, tokio]
}

const READERS: [&str; 4] = ["embedded-io", "embedded-io-async", "std", "tokio"];

/// An inner reader's error is never kept: retried, a whole stream reads back exactly,
/// and a truncated one gives every byte the decoder can give, then `Truncated` (kept),
/// whether the faults come in the middle or at the input's end.
#[test]
fn inner_reader_faults_are_retried_and_lose_no_byte() {
    let msg = message();
    for kind in KINDS {
        let packed = packed(kind, &msg);
        for (step, every) in [(1000, 2), (7, 3), (4096, 2), (1 << 20, 2)] {
            if ends(kind) {
                for (name, (got, e)) in READERS
                    .iter()
                    .zip(every_reader(kind, &packed, step, every, 999))
                {
                    assert_eq!(e, None, "{kind:?} {name} step {step}");
                    assert!(
                        got == msg,
                        "{kind:?} {name} step {step}: {} bytes",
                        got.len()
                    );
                }
            }
            if ends(kind) {
                // A byte flipped: every byte the decoder gave before its error is
                // read (checked in `every_reader`), then its error, kept.
                let mut flipped = packed.clone();
                flipped[packed.len() * 2 / 3] ^= 0x10;
                for (name, (_, e)) in READERS
                    .iter()
                    .zip(every_reader(kind, &flipped, step, every, 999))
                {
                    assert!(
                        e.is_some() && e != Some(DecodeError::Truncated),
                        "{kind:?} {name} step {step}: {e:?}"
                    );
                }
            }
            let cuts = [packed.len() / 2, packed.len() - 1, 1, 0];
            for cut in cuts {
                let input = &packed[..cut];
                let want = decodable_prefix(kind, input);
                for (name, (got, e)) in READERS
                    .iter()
                    .zip(every_reader(kind, input, step, every, 999))
                {
                    assert_eq!(
                        e,
                        Some(DecodeError::Truncated),
                        "{kind:?} {name} step {step} cut {cut}"
                    );
                    assert!(
                        got == want,
                        "{kind:?} {name} step {step} cut {cut}: {} of {} bytes",
                        got.len(),
                        want.len()
                    );
                }
            }
        }
    }
}

/// A truncated stream read in 1-byte pieces, and through `fill_buf` and `consume` of
/// 1 to 7 bytes, gives the same bytes, then `Truncated`: the bytes of the call that saw
/// the end are handed out piece by piece before the error.
#[test]
fn a_truncated_end_read_in_tiny_pieces() {
    let msg = message();
    for kind in KINDS {
        let packed = packed(kind, &msg);
        let input = &packed[..packed.len() - 1];
        let want = decodable_prefix(kind, input);
        for (name, (got, e)) in READERS
            .iter()
            .zip(every_reader(kind, input, 1 << 20, 1 << 20, 1))
        {
            assert_eq!(e, Some(DecodeError::Truncated), "{kind:?} {name}");
            assert!(
                got == want,
                "{kind:?} {name}: {} of {} bytes",
                got.len(),
                want.len()
            );
        }
        // Through `fill_buf` / `consume`.
        let mut r =
            bufpress::io::DecodeReader::new(input, decoder(kind), STAGING.try_acquire().unwrap());
        let mut got = Vec::new();
        let mut step = 0;
        let e = loop {
            match embedded_io::BufRead::fill_buf(&mut r) {
                Ok([]) => panic!("{kind:?}: a clean end"),
                Ok(data) => {
                    step = step % 7 + 1;
                    let n = step.min(data.len());
                    got.extend_from_slice(&data[..n]);
                    embedded_io::BufRead::consume(&mut r, n);
                }
                Err(e) => break e,
            }
        };
        assert_eq!(e, bufpress::io::Error::Codec(DecodeError::Truncated));
        assert!(got == want, "{kind:?} embedded-io fill_buf");
        assert!(!r.is_done());
        let mut r =
            bufpress_std::DecodeReader::new(input, decoder(kind), STAGING.try_acquire().unwrap());
        let mut got = Vec::new();
        let e = loop {
            match r.fill_buf() {
                Ok([]) => panic!("{kind:?}: a clean end"),
                Ok(data) => {
                    step = step % 7 + 1;
                    let n = step.min(data.len());
                    got.extend_from_slice(&data[..n]);
                    r.consume(n);
                }
                Err(e) => break e,
            }
        };
        assert_eq!(decode_error(&e), Some(DecodeError::Truncated));
        assert_eq!(e.kind(), ErrorKind::UnexpectedEof);
        assert!(got == want, "{kind:?} std fill_buf");
        assert!(!r.is_done());
        // std's helpers: `read_to_end` keeps what it read, then the error.
        let mut r =
            bufpress_std::DecodeReader::new(input, decoder(kind), STAGING.try_acquire().unwrap());
        let mut got = Vec::new();
        let e = r.read_to_end(&mut got).unwrap_err();
        assert_eq!(decode_error(&e), Some(DecodeError::Truncated));
        assert!(got == want, "{kind:?} std read_to_end");
    }
}

/// `next_stream` (and `reset`) while bytes of a truncated end are still unread drops
/// them and the pending `Truncated`: the next stream reads whole, from its start.
#[test]
fn next_stream_with_a_truncated_end_not_read_yet() {
    let msg = message();
    let packed = packed(Kind::Gzip, &msg);
    let cut = &packed[..packed.len() - 3];

    // Core: read a few bytes of the last piece, then move on.
    let mut r =
        bufpress::io::DecodeReader::new(cut, decoder(Kind::Gzip), STAGING.try_acquire().unwrap());
    let want = decodable_prefix(Kind::Gzip, cut);
    let mut got = vec![0u8; want.len() - 5];
    embedded_io::Read::read_exact(&mut r, &mut got).unwrap();
    assert!(got[..] == want[..want.len() - 5]);
    r.reset(&packed[..]);
    let mut all = Vec::new();
    let mut b = [0u8; 1000];
    loop {
        match embedded_io::Read::read(&mut r, &mut b).unwrap() {
            0 => break,
            n => all.extend_from_slice(&b[..n]),
        }
    }
    assert!(all == msg && r.is_done(), "core after reset");

    // std: the last byte of the truncated end not read.
    let mut r =
        bufpress_std::DecodeReader::new(cut, decoder(Kind::Gzip), STAGING.try_acquire().unwrap());
    let mut got = vec![0u8; want.len() - 1];
    r.read_exact(&mut got).unwrap();
    r.reset(&packed[..]);
    let mut all = Vec::new();
    r.read_to_end(&mut all).unwrap();
    assert!(all == msg && r.is_done(), "std after reset");

    // tokio: `next_stream` with the same (exhausted) inner reader: a new stream with no
    // input is truncated at once, and `reset` then reads a whole one.
    let mut r = bufpress_std::tokio::DecodeReader::new(
        cut,
        decoder(Kind::Gzip),
        STAGING.try_acquire().unwrap(),
    );
    let mut got = vec![0u8; want.len() - 1];
    now(tokio::io::AsyncReadExt::read_exact(&mut r, &mut got)).unwrap();
    r.next_stream();
    let e = now(tokio::io::AsyncReadExt::read(&mut r, &mut [0; 10])).unwrap_err();
    assert_eq!(decode_error(&e), Some(DecodeError::Truncated));
    r.reset(&packed[..]);
    let mut all = Vec::new();
    now(tokio::io::AsyncReadExt::read_to_end(&mut r, &mut all)).unwrap();
    assert!(all == msg && r.is_done(), "tokio after reset");
}

/// tokio's output limit at a truncated end: a limit under what the truncated stream
/// decodes to is `LimitExceeded` (kept), never `Truncated` with bytes past the limit; a
/// limit of exactly that much gives every byte, then `Truncated`.
#[test]
fn tokio_output_limit_at_a_truncated_end() {
    let msg = message();
    for kind in [Kind::Lz4, Kind::Gzip, Kind::Holds] {
        let packed = packed(kind, &msg);
        let input = &packed[..packed.len() - 1];
        let want = decodable_prefix(kind, input);
        let limit = want.len() as u64;
        for (limit, ok) in [(limit, true), (limit - 1, false)] {
            let mut r = bufpress_std::tokio::DecodeReader::new(
                input,
                decoder(kind),
                STAGING.try_acquire().unwrap(),
            )
            .with_max_output(limit);
            let (got, e) = drain(
                333,
                |b| now(tokio::io::AsyncReadExt::read(&mut r, b)),
                std_error,
            );
            if ok {
                assert_eq!(e, Some(DecodeError::Truncated), "{kind:?}");
                assert!(got == want, "{kind:?}");
            } else {
                assert!(
                    matches!(e, Some(DecodeError::LimitExceeded { .. })),
                    "{kind:?}: {e:?}"
                );
                assert!(
                    got.len() as u64 <= limit && want.starts_with(&got),
                    "{kind:?}"
                );
            }
        }
    }
}

/// An inner writer that takes at most `step` bytes a call and fails every `every`-th
/// call (`write` and `flush`), having written nothing.
struct FlakyWriter {
    out: Vec<u8>,
    step: usize,
    every: usize,
    calls: usize,
    faults: usize,
    /// Flushes to fail from now on, whatever `every` says.
    failing_flushes: usize,
    flushed_at: Option<usize>,
}

impl FlakyWriter {
    fn new(step: usize, every: usize) -> Self {
        Self {
            out: Vec::new(),
            step,
            every,
            calls: 0,
            faults: 0,
            failing_flushes: 0,
            flushed_at: None,
        }
    }

    fn fails(&mut self) -> bool {
        self.calls += 1;
        let fails = self.calls.is_multiple_of(self.every);
        self.faults += usize::from(fails);
        fails
    }
}

impl io::Write for FlakyWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.fails() {
            return Err(fault());
        }
        let n = data.len().min(self.step);
        self.out.extend_from_slice(&data[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.failing_flushes > 0 {
            self.failing_flushes -= 1;
            return Err(fault());
        }
        if self.fails() {
            return Err(fault());
        }
        self.flushed_at = Some(self.out.len());
        Ok(())
    }
}

/// Writes all of `data`, retrying inner faults; a decoding error ends it.
fn write_retrying(w: &mut impl io::Write, mut data: &[u8]) -> Result<(), io::Error> {
    while !data.is_empty() {
        match w.write(&data[..data.len().min(777)]) {
            Ok(0) => panic!("write took nothing"),
            Ok(n) => data = &data[n..],
            Err(e) if is_fault(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Calls `f` until it returns something other than an inner fault.
fn retrying(mut f: impl FnMut() -> io::Result<()>) -> io::Result<()> {
    for _ in 0..100_000 {
        match f() {
            Err(e) if is_fault(&e) => {}
            r => return r,
        }
    }
    panic!("no progress");
}

/// A decoding writer over a faulty inner writer: a truncated stream gives every byte
/// the decoder can give, once, then `try_finish` says `Truncated` (not kept: the rest
/// finishes the stream, each byte once); a corrupt stream gives what came before its
/// error, the same as with no fault, and the error is kept; faults in `flush` and
/// `try_finish` are retried.
#[test]
fn decode_writer_under_inner_faults_at_the_end() {
    let msg = message();
    for kind in [Kind::Lz4, Kind::Gzip] {
        let packed = packed(kind, &msg);
        for (step, every) in [(100, 2), (4096, 3), (7, 5)] {
            for cut in [packed.len() / 3, packed.len() - 1] {
                let input = &packed[..cut];
                let want = decodable_prefix(kind, input);
                let mut w = bufpress_std::DecodeWriter::new(
                    FlakyWriter::new(step, every),
                    decoder(kind),
                    STAGING.try_acquire().unwrap(),
                );
                write_retrying(&mut w, input).unwrap();
                retrying(|| w.flush()).unwrap();
                for _ in 0..2 {
                    let e = retrying(|| w.try_finish()).unwrap_err();
                    assert_eq!(decode_error(&e), Some(DecodeError::Truncated));
                }
                assert!(
                    w.get_ref().out == want,
                    "{kind:?} step {step} cut {cut}: {} of {} bytes",
                    w.get_ref().out.len(),
                    want.len()
                );
                write_retrying(&mut w, &packed[cut..]).unwrap();
                retrying(|| w.try_finish()).unwrap();
                let inner = w.get_ref();
                assert!(inner.out == msg, "{kind:?} step {step} cut {cut}: the rest");
                assert_eq!(inner.flushed_at, Some(msg.len()));
                assert!(inner.faults > 0);
            }
            // A byte flipped: the inner writer gets every byte the decoder gave
            // before its error, once (how many depends on how the input was cut, by
            // the faults too: a failing call gives nothing).
            let mut flipped = packed.clone();
            let at = packed.len() * 2 / 3;
            flipped[at] ^= 0x10;
            let d = decoder(kind);
            let (calls, gave) = (Rc::clone(&d.calls), Rc::clone(&d.gave));
            let mut w = bufpress_std::DecodeWriter::new(
                FlakyWriter::new(step, every),
                d,
                STAGING.try_acquire().unwrap(),
            );
            let e = write_retrying(&mut w, &flipped)
                .err()
                .or_else(|| retrying(|| w.try_finish()).err())
                .expect("an error");
            let d = decode_error(&e).expect("a decoding error");
            let seen = calls.get();
            for _ in 0..3 {
                for r in [w.write(b"x").map(drop), w.flush(), w.try_finish()] {
                    assert_eq!(decode_error(&r.unwrap_err()), Some(d));
                }
            }
            assert_eq!(calls.get(), seen);
            let out = &w.get_ref().out;
            assert!(
                *out == *gave.borrow(),
                "{kind:?} step {step}: {} of {} bytes",
                out.len(),
                gave.borrow().len()
            );
        }
    }
}

/// `zstd::EncodeWriter::try_finish` over an inner writer whose writes and flushes fail
/// now and then: retried, it writes the frame once (the same bytes as with no fault)
/// and ends with the inner writer flushed after its last byte; a `try_finish` after
/// success flushes again and writes nothing.
#[test]
fn zstd_try_finish_retried_after_inner_write_and_flush_errors() {
    use bufpress_std::zstd::{EncodeWriter, Encoder, Settings};
    static BUFS: Pool<2, 1024> = Pool::new();
    let msg = message();
    let frame = |step, every| {
        let mut enc = Encoder::new(Settings::new(3, 64 * 1024)).expect("encoder");
        let mut w = EncodeWriter::new(
            FlakyWriter::new(step, every),
            &mut enc,
            BUFS.try_acquire().unwrap(),
        );
        write_retrying(&mut w, &msg).unwrap();
        retrying(|| w.try_finish()).unwrap();
        let len = w.get_ref().out.len();
        assert_eq!(w.get_ref().flushed_at, Some(len), "flushed after the frame");
        retrying(|| w.try_finish()).unwrap();
        assert_eq!(w.get_ref().out.len(), len, "nothing more written");
        let inner = w.into_parts().0;
        (inner.out, inner.faults)
    };
    let (clean, _) = frame(usize::MAX, usize::MAX);
    assert!(zstd::stream::decode_all(&clean[..]).unwrap() == msg);
    for (step, every) in [(100, 2), (5000, 2), (1, 3), (usize::MAX, 2)] {
        let (out, faults) = frame(step, every);
        assert!(faults > 0);
        assert!(out == clean, "step {step} every {every}");
    }
    // Only the flush fails in `try_finish`, twice: the frame is all written by then,
    // and the retries write nothing more.
    let mut enc = Encoder::new(Settings::new(3, 64 * 1024)).expect("encoder");
    let mut w = EncodeWriter::new(
        FlakyWriter::new(usize::MAX, usize::MAX),
        &mut enc,
        BUFS.try_acquire().unwrap(),
    );
    w.write_all(&msg).unwrap();
    w.get_mut().failing_flushes = 2;
    for _ in 0..2 {
        assert!(is_fault(&w.try_finish().unwrap_err()));
        assert_eq!(w.get_ref().flushed_at, None);
    }
    w.try_finish().unwrap();
    assert!(w.get_ref().out == clean);
    assert_eq!(w.get_ref().flushed_at, Some(clean.len()));
}

/// `try_finish` of a decoding writer before the stream's end, cut anywhere in the
/// first bytes (a header) or the last (a trailer), says `Truncated` and keeps the
/// decoder sound: the rest then finishes the stream, with every byte once.
#[test]
fn decode_writer_try_finish_at_every_early_and_late_cut_then_the_rest() {
    let msg = message();
    for kind in [Kind::Lz4, Kind::Gzip] {
        let packed = packed(kind, &msg);
        let n = packed.len();
        for cut in (0..40).chain(n - 40..n) {
            let d = decoder(kind);
            let mut w =
                bufpress_std::DecodeWriter::new(Vec::new(), d, STAGING.try_acquire().unwrap());
            w.write_all(&packed[..cut]).unwrap();
            let e = w.try_finish().unwrap_err();
            assert_eq!(
                decode_error(&e),
                Some(DecodeError::Truncated),
                "{kind:?} cut {cut}"
            );
            let r = w.write_all(&packed[cut..]).and_then(|()| w.try_finish());
            assert!(r.is_ok(), "{kind:?} cut {cut}: {r:?}");
            assert!(w.get_ref() == &msg, "{kind:?} cut {cut}");
        }
    }
}

/// `zstd::DecodeWriter::try_finish` flushes the inner writer, as the generic
/// `DecodeWriter::try_finish` (and, since this session, `zstd::EncodeWriter`) does; a
/// failed flush is retried and writes nothing twice. (Before: never flushed.)
#[test]
fn zstd_decode_writer_try_finish_flushes_the_inner_writer() {
    use bufpress_std::zstd::{DecodeWriter, Decoder};
    static BUFS: Pool<1, 1024> = Pool::new();
    let msg = message();
    let frame = zstd::bulk::compress(&msg, 3).unwrap();
    let mut dctx = Decoder::new(1 << 17);
    let mut w = DecodeWriter::new(
        FlakyWriter::new(usize::MAX, usize::MAX),
        &mut dctx,
        BUFS.try_acquire().unwrap(),
    );
    w.write_all(&frame).unwrap();
    w.get_mut().failing_flushes = 2;
    for _ in 0..2 {
        assert!(is_fault(&w.try_finish().unwrap_err()));
    }
    w.try_finish().unwrap();
    let inner = w.get_ref();
    assert!(inner.out == msg);
    assert_eq!(
        inner.flushed_at,
        Some(msg.len()),
        "flushed after the content"
    );
}

/// A decoding writer flushed at the end of a gzip stream (its decoder answers `Done`
/// to the empty call, which does not end the writer's stream), flushed again, then
/// finished: the stream ends, once; bytes after it are trailing data, kept.
#[test]
fn decode_writer_flushed_at_a_gzip_end_then_finished() {
    let msg = message();
    let packed = packed(Kind::Gzip, &msg);
    let d = decoder(Kind::Gzip);
    let calls = Rc::clone(&d.calls);
    let mut w = bufpress_std::DecodeWriter::new(Vec::new(), d, STAGING.try_acquire().unwrap());
    w.write_all(&packed).unwrap();
    w.flush().unwrap();
    w.flush().unwrap();
    assert!(!w.is_done());
    w.try_finish().unwrap();
    assert!(w.is_done() && w.get_ref() == &msg);
    w.try_finish().unwrap();
    let e = w.write(b"\x1f\x8b more").unwrap_err();
    assert_eq!(decode_error(&e), Some(DecodeError::TrailingData));
    let seen = calls.get();
    for r in [w.flush(), w.try_finish(), w.write(b"x").map(drop)] {
        assert_eq!(
            decode_error(&r.unwrap_err()),
            Some(DecodeError::TrailingData)
        );
    }
    assert_eq!(calls.get(), seen);
    assert!(w.get_ref() == &msg);
}

/// Seeded mixes of the above: an inner step of 1 byte to 5 KB, a fault every 2nd to 7th
/// call, reads of 1 byte to 2 KB, and the stream whole, cut anywhere or with a byte
/// flipped anywhere. Every reader hands out exactly what its decoder gave, and ends
/// as the stream does (`every_reader` checks the rest).
#[test]
fn seeded_mixes_of_faults_cuts_and_flips() {
    let msg = message();
    let mut rng = bufpress_tests::rng::Rng::new(0x5e55_10a0);
    for kind in KINDS {
        let packed = packed(kind, &msg);
        for _ in 0..40 {
            let (step, every, piece) = (1 + rng.below(5000), 2 + rng.below(6), 1 + rng.below(2000));
            let mut input = packed.clone();
            let what = match rng.below(3) {
                0 if ends(kind) => "whole",
                1 if ends(kind) => {
                    let at = rng.below(input.len());
                    input[at] ^= 1 << rng.below(8);
                    "flipped"
                }
                _ => {
                    input.truncate(rng.below(input.len()));
                    "cut"
                }
            };
            let outcomes = every_reader(kind, &input, step, every, piece);
            for (name, (got, e)) in READERS.iter().zip(&outcomes) {
                let ctx = format!("{kind:?} {name} {what} step {step} every {every} piece {piece}");
                match what {
                    "whole" => assert!(e.is_none() && *got == msg, "{ctx}: {e:?}"),
                    "cut" => assert_eq!(*e, Some(DecodeError::Truncated), "{ctx}"),
                    // A flipped bit may go unseen only where the format has no check
                    // (none here: lz4 with block checksums, gzip's CRC-32), or be
                    // seen as truncation (a length field made larger).
                    _ => assert!(e.is_some(), "{ctx}"),
                }
                assert_eq!(
                    (&outcomes[0].0, outcomes[0].1),
                    (got, *e),
                    "{ctx}: the readers disagree"
                );
            }
        }
    }
}
