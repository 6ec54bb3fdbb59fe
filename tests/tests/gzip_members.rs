//! Multi-member gzip streams through every adapter that drives a `Decode` and every
//! one-shot helper: two, three and many members, empty members, members with
//! FEXTRA/FNAME/FCOMMENT/FHCRC headers, cut at every byte of the input; trailing
//! bytes after the last member (kept for the caller or reported, never eaten);
//! truncation inside a later member (always an error). zlib and raw deflate, lz4 and
//! zstd through the one-shot helpers' end-of-input call, as before.

use std::future::Future;
use std::io::{BufRead, Read, Write};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use bufpress::codec::deflate::{self, DecoderState, Format, InflateState};
use bufpress::codec::{self, Decode, DecodeError};
use bufpress::pool::Pool;
use bufpress_std::flate;
use bufpress_tests::corpus;

static STAGING: Pool<8, 256> = Pool::new();
static OUT: Pool<8, 4096> = Pool::new();

const FTEXT_NONE: u8 = 0;
const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// One gzip member of `plain` with the optional header fields of `flags`.
fn member(plain: &[u8], flags: u8) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, flags, 1, 2, 3, 4, 0, 3];
    if flags & FEXTRA != 0 {
        let extra = [b'B', b'C', 2, 0, 0x34, 0x12];
        out.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        out.extend_from_slice(&extra);
    }
    if flags & FNAME != 0 {
        out.extend_from_slice(b"name.txt\0");
    }
    if flags & FCOMMENT != 0 {
        out.extend_from_slice(b"a comment\0");
    }
    if flags & FHCRC != 0 {
        let crc = crc32(&out) as u16;
        out.extend_from_slice(&crc.to_le_bytes());
    }
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(plain).unwrap();
    out.extend_from_slice(&e.finish().unwrap());
    out.extend_from_slice(&crc32(plain).to_le_bytes());
    out.extend_from_slice(&(plain.len() as u32).to_le_bytes());
    out
}

struct Stream {
    name: &'static str,
    packed: Vec<u8>,
    plain: Vec<u8>,
    /// Where the first member ends.
    first_end: usize,
}

fn stream(name: &'static str, members: &[(Vec<u8>, u8)]) -> Stream {
    let mut packed = Vec::new();
    let mut plain = Vec::new();
    let mut first_end = 0;
    for (i, (m, flags)) in members.iter().enumerate() {
        packed.extend_from_slice(&member(m, *flags));
        plain.extend_from_slice(m);
        if i == 0 {
            first_end = packed.len();
        }
    }
    let mut reference = Vec::new();
    flate2::read::MultiGzDecoder::new(&packed[..])
        .read_to_end(&mut reference)
        .unwrap();
    assert!(reference == plain, "{name}: the reference decoder agrees");
    Stream {
        name,
        packed,
        plain,
        first_end,
    }
}

fn streams() -> Vec<Stream> {
    let a = corpus::mixed(300, 1);
    let b = corpus::mixed(200, 2);
    let many: Vec<(Vec<u8>, u8)> = (0..25)
        .map(|i| (corpus::mixed((i * 7) % 40, i as u64), FTEXT_NONE))
        .collect();
    vec![
        stream("two", &[(a.clone(), 0), (b.clone(), 0)]),
        stream(
            "three with empty members",
            &[
                (a.clone(), 0),
                (Vec::new(), 0),
                (b.clone(), 0),
                (Vec::new(), 0),
            ],
        ),
        stream("empty first", &[(Vec::new(), 0), (a.clone(), 0)]),
        stream(
            "headers",
            &[
                (a.clone(), FEXTRA | FNAME | FCOMMENT | FHCRC),
                (b.clone(), FNAME),
                (Vec::new(), FHCRC | FCOMMENT),
                (a[..50].to_vec(), FEXTRA),
            ],
        ),
        stream("many small", &many),
        stream(
            "only empty members",
            &[(Vec::new(), 0), (Vec::new(), FNAME), (Vec::new(), 0)],
        ),
    ]
}

fn core_decoder() -> deflate::Decoder<Box<DecoderState>> {
    deflate::Decoder::new(Format::Gzip, Box::new(DecoderState::new()))
}

/// The gzip decoders under test: core's and bufpress-std's flate2 one.
fn decoders() -> Vec<(&'static str, Box<dyn Decode>)> {
    vec![
        ("core", Box::new(core_decoder())),
        ("flate2", Box::new(flate::Decoder::new(Format::Gzip))),
    ]
}

/// A reader that hands out `data` in pieces ending at `cuts` (then at its end), and
/// only then its end: a socket, a pipe.
#[derive(Clone)]
struct Pieces {
    data: Vec<u8>,
    at: usize,
    cuts: Vec<usize>,
}

impl Pieces {
    fn new(data: &[u8], cuts: &[usize]) -> Self {
        Self {
            data: data.to_vec(),
            at: 0,
            cuts: cuts.to_vec(),
        }
    }

    fn step(data: &[u8], step: usize) -> Self {
        Self::new(data, &(step..data.len()).step_by(step).collect::<Vec<_>>())
    }

    fn avail(&self) -> &[u8] {
        let end = self
            .cuts
            .iter()
            .copied()
            .find(|&c| c > self.at)
            .unwrap_or(self.data.len())
            .min(self.data.len());
        &self.data[self.at..end]
    }

    fn take(&mut self, n: usize) {
        self.at = (self.at + n).min(self.data.len());
    }

    fn rest(&self) -> &[u8] {
        &self.data[self.at..]
    }
}

impl Read for Pieces {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.avail().len().min(out.len());
        out[..n].copy_from_slice(&self.avail()[..n]);
        self.take(n);
        Ok(n)
    }
}

impl BufRead for Pieces {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(self.avail())
    }
    fn consume(&mut self, n: usize) {
        self.take(n);
    }
}

impl embedded_io::ErrorType for Pieces {
    type Error = core::convert::Infallible;
}

impl embedded_io::Read for Pieces {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(Read::read(self, out).unwrap())
    }
}

impl embedded_io::BufRead for Pieces {
    fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        Ok(self.avail())
    }
    fn consume(&mut self, n: usize) {
        self.take(n);
    }
}

impl embedded_io_async::Read for Pieces {
    async fn read(&mut self, out: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(Read::read(self, out).unwrap())
    }
}

impl embedded_io_async::BufRead for Pieces {
    async fn fill_buf(&mut self) -> Result<&[u8], Self::Error> {
        Ok(self.avail())
    }
    fn consume(&mut self, n: usize) {
        self.take(n);
    }
}

impl tokio::io::AsyncRead for Pieces {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = this.avail().len().min(buf.remaining());
        buf.put_slice(&this.avail()[..n]);
        this.take(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncBufRead for Pieces {
    fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        Poll::Ready(Ok(self.get_mut().avail()))
    }
    fn consume(self: Pin<&mut Self>, n: usize) {
        self.get_mut().take(n);
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// What a reader adapter gave: the output (or the error) and the bytes left unread in
/// the inner reader.
type Got = (Result<Vec<u8>, String>, Vec<u8>);

/// Reads `src` to its end through every reader adapter, `chunk` bytes per read, with
/// a fresh decoder from `make`; one result per adapter.
fn read_all<D: Decode + Unpin>(
    make: &dyn Fn() -> D,
    src: &Pieces,
    chunk: usize,
) -> Vec<(&'static str, Got)> {
    let mut out = Vec::new();
    // std
    {
        let mut r =
            bufpress_std::DecodeReader::new(src.clone(), make(), STAGING.try_acquire().unwrap());
        let got = read_loop(|b| r.read(b).map_err(|e| e.to_string()), chunk);
        let ok_done = got.is_err() || r.is_done();
        let (inner, _, _) = r.into_parts();
        assert!(ok_done, "std reader: Ok but not done");
        out.push(("std", (got, inner.rest().to_vec())));
    }
    // core io
    {
        let mut r =
            bufpress::io::DecodeReader::new(src.clone(), make(), STAGING.try_acquire().unwrap());
        let got = read_loop(
            |b| embedded_io::Read::read(&mut r, b).map_err(|e| format!("{e:?}")),
            chunk,
        );
        let (inner, _, _) = r.into_parts();
        out.push(("core io", (got, inner.rest().to_vec())));
    }
    // core asynch
    {
        let mut r = bufpress::io::asynch::DecodeReader::new(
            src.clone(),
            make(),
            STAGING.try_acquire().unwrap(),
        );
        let got = read_loop(
            |b| block_on(embedded_io_async::Read::read(&mut r, b)).map_err(|e| format!("{e:?}")),
            chunk,
        );
        let (inner, _, _) = r.into_parts();
        out.push(("core asynch", (got, inner.rest().to_vec())));
    }
    // tokio
    {
        use tokio::io::AsyncReadExt;
        let mut r = bufpress_std::tokio::DecodeReader::new(
            src.clone(),
            make(),
            STAGING.try_acquire().unwrap(),
        );
        let got = read_loop(|b| block_on(r.read(b)).map_err(|e| e.to_string()), chunk);
        let (inner, _, _) = r.into_parts();
        out.push(("tokio", (got, inner.rest().to_vec())));
    }
    out
}

fn read_loop(
    mut read: impl FnMut(&mut [u8]) -> Result<usize, String>,
    chunk: usize,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    loop {
        match read(&mut buf)? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `data` through `DecodeWriter` in pieces ending at `cuts`, flushing after
/// each when `flush`, then `try_finish`.
fn write_all<D: Decode>(d: D, data: &[u8], cuts: &[usize], flush: bool) -> Result<Vec<u8>, String> {
    let mut w = bufpress_std::DecodeWriter::new(Vec::new(), d, STAGING.try_acquire().unwrap());
    let mut from = 0;
    for &c in cuts.iter().chain([data.len()].iter()) {
        let c = c.clamp(from, data.len());
        w.write_all(&data[from..c]).map_err(|e| e.to_string())?;
        if flush {
            w.flush().map_err(|e| e.to_string())?;
        }
        from = c;
    }
    w.try_finish().map_err(|e| e.to_string())?;
    let (inner, _, _) = w.into_parts();
    Ok(inner)
}

/// Makes a fresh decoder.
type Maker = Box<dyn Fn() -> Box<dyn Decode>>;

fn gzip_makers() -> Vec<(&'static str, Maker)> {
    vec![
        (
            "core",
            Box::new(|| Box::new(core_decoder()) as Box<dyn Decode>),
        ),
        (
            "flate2",
            Box::new(|| Box::new(flate::Decoder::new(Format::Gzip)) as Box<dyn Decode>),
        ),
    ]
}

#[test]
fn readers_give_every_member_wherever_the_input_is_cut() {
    for s in streams() {
        for (dname, make) in gzip_makers() {
            for cut in 0..=s.packed.len() {
                let src = Pieces::new(&s.packed, &[cut]);
                for (aname, (got, rest)) in read_all(&*make, &src, 100) {
                    assert!(
                        got.as_ref().is_ok_and(|o| *o == s.plain) && rest.is_empty(),
                        "{}: {dname} {aname}, cut at {cut}: {:?}",
                        s.name,
                        got.map(|o| o.len())
                    );
                }
            }
            for step in [1, 2, 7] {
                let src = Pieces::step(&s.packed, step);
                for (aname, (got, rest)) in read_all(&*make, &src, 1) {
                    assert!(
                        got.as_ref().is_ok_and(|o| *o == s.plain) && rest.is_empty(),
                        "{}: {dname} {aname}, pieces of {step}, read 1 at a time: {:?}",
                        s.name,
                        got.map(|o| o.len())
                    );
                }
            }
        }
    }
}

#[test]
fn writer_gives_every_member_wherever_the_input_is_cut() {
    for s in streams() {
        for (dname, make) in gzip_makers() {
            for cut in 0..=s.packed.len() {
                for flush in [false, true] {
                    let got = write_all(make(), &s.packed, &[cut], flush);
                    assert!(
                        got.as_ref().is_ok_and(|o| *o == s.plain),
                        "{}: {dname} writer, cut at {cut}, flush {flush}: {:?}",
                        s.name,
                        got.map(|o| o.len())
                    );
                }
            }
            let ones: Vec<usize> = (1..s.packed.len()).collect();
            let got = write_all(make(), &s.packed, &ones, true);
            assert!(
                got.as_ref().is_ok_and(|o| *o == s.plain),
                "{}: {dname} writer, 1 byte at a time with flushes",
                s.name
            );
        }
    }
}

/// A truncated gzip stream (anywhere after the first member's first byte, short of
/// its end) is an error for every adapter and helper, never `Ok` with part of it;
/// cut exactly at a member's end it is a complete (shorter) stream.
#[test]
fn truncation_inside_a_later_member_is_an_error_everywhere() {
    for s in streams() {
        let ends = member_ends(&s);
        for t in 1..s.packed.len() {
            let truncated = &s.packed[..t];
            let complete = ends.contains(&t);
            for (dname, make) in gzip_makers() {
                for cut in [0, t / 2, t.saturating_sub(1)] {
                    let src = Pieces::new(truncated, &[cut]);
                    for (aname, (got, _)) in read_all(&*make, &src, 64) {
                        assert_eq!(
                            got.is_ok(),
                            complete,
                            "{}: {dname} {aname}, truncated at {t}, cut at {cut}: {got:?}",
                            s.name,
                        );
                    }
                    let got = write_all(make(), truncated, &[cut], cut % 2 == 0);
                    assert_eq!(got.is_ok(), complete, "{}: {dname} writer at {t}", s.name);
                }
                let mut out = vec![0u8; s.plain.len()];
                let got = codec::decode_into(
                    &mut *make(),
                    truncated,
                    &mut bufpress::io::Cursor::new(&mut out[..]),
                );
                assert_eq!(
                    got.is_ok(),
                    complete,
                    "{}: {dname} decode_into at {t}",
                    s.name
                );
                let got =
                    codec::decode_to(
                        &mut *make(),
                        truncated,
                        OUT.pool_ref(),
                        |_| Ok::<(), ()>(()),
                    );
                assert_eq!(
                    got.is_ok(),
                    complete,
                    "{}: {dname} decode_to at {t}",
                    s.name
                );
            }
            let mut out = vec![0u8; s.plain.len()];
            let mut state = Box::new(InflateState::new());
            let got = deflate::decompress_into(
                truncated,
                &mut bufpress::io::Cursor::new(&mut out[..]),
                Format::Gzip,
                &mut state,
            );
            assert_eq!(got.is_ok(), complete, "{}: decompress_into at {t}", s.name);
        }
    }
}

/// The offsets where each member of `s` ends.
fn member_ends(s: &Stream) -> Vec<usize> {
    // Decode member by member with the one-shot decoder on growing prefixes: a prefix
    // that decodes whole ends at a member's end.
    let mut state = Box::new(InflateState::new());
    let mut ends = Vec::new();
    let mut out = vec![0u8; s.plain.len()];
    for t in 1..=s.packed.len() {
        let prefix = &s.packed[..t];
        if deflate::decompress_into(
            prefix,
            &mut bufpress::io::Cursor::new(&mut out[..]),
            Format::Gzip,
            &mut state,
        )
        .is_ok()
        {
            ends.push(t);
        }
    }
    assert!(ends.contains(&s.first_end) && ends.contains(&s.packed.len()));
    ends
}

/// Bytes after the last member: a reader leaves them in its inner reader (the gzip
/// stream ends before them), whole, or, when a piece of its input ends on a 0x1f
/// after the member (consumed as a possible member start), fails with
/// `TrailingData`; one-shot helpers report `TrailingData`; the writer reports an
/// error. Never eaten.
#[test]
fn trailing_bytes_are_left_or_reported_never_eaten() {
    let s = &streams()[0];
    for garbage in [
        &b"garbage"[..],
        &[0x1f, b'x'][..],
        &[0x1f, b'x', b'y', b'z'][..],
        &[0x1f, 0x1f, 0x8b][..],
        &[0][..],
    ] {
        let data = [s.packed.clone(), garbage.to_vec()].concat();
        for (dname, make) in gzip_makers() {
            for cut in 0..=data.len() {
                let src = Pieces::new(&data, &[cut]);
                // A piece ending on a lone 0x1f after the member: taken as a member
                // start, it cannot be given back when the next byte shows it is not.
                let lone = garbage[0] == 0x1f && cut == s.packed.len() + 1;
                for (aname, (got, rest)) in read_all(&*make, &src, 100) {
                    let what = format!("{dname} {aname}, garbage {garbage:?}, cut at {cut}");
                    if lone {
                        let e = got.expect_err(&what);
                        assert!(e.to_lowercase().contains("trailing"), "{what}: {e}");
                    } else {
                        assert!(
                            got.as_ref().is_ok_and(|o| *o == s.plain) && rest == garbage,
                            "{what}: {:?}, left {rest:?}",
                            got.map(|o| o.len())
                        );
                    }
                }
                let got = write_all(make(), &data, &[cut], false);
                assert!(
                    got.is_err(),
                    "{dname} writer, garbage {garbage:?}, cut {cut}"
                );
            }
            let mut out = vec![0u8; s.plain.len() + 10];
            let got = codec::decode_into(
                &mut *make(),
                &data,
                &mut bufpress::io::Cursor::new(&mut out[..]),
            );
            assert_eq!(got, Err(DecodeError::TrailingData), "{dname} {garbage:?}");
            let got = codec::decode_to(&mut *make(), &data, OUT.pool_ref(), |_| Ok::<(), ()>(()));
            assert!(
                matches!(got, Ok(n) if n == s.packed.len()),
                "{dname} decode_to {garbage:?}: {got:?}"
            );
        }
    }
}

/// A lone 0x1f, or 0x1f 0x8b, after the last member: never `Ok` with the bytes lost.
#[test]
fn a_lone_magic_prefix_after_a_member_is_not_lost() {
    let s = &streams()[0];
    for tail in [&[0x1f][..], &[0x1f, 0x8b][..]] {
        let data = [s.packed.clone(), tail.to_vec()].concat();
        for (dname, make) in gzip_makers() {
            for cut in [s.packed.len(), s.packed.len() + 1, data.len()] {
                let src = Pieces::new(&data, &[cut]);
                for (aname, (got, rest)) in read_all(&*make, &src, 100) {
                    assert!(
                        got.is_err() || rest == tail,
                        "{dname} {aname}, tail {tail:?}, cut {cut}: Ok and {rest:?} left"
                    );
                }
            }
        }
    }
}

/// One-shot helpers over multi-member input: exactly the size fits, one byte less
/// is `OutputTooSmall`.
#[test]
fn one_shot_helpers_decode_all_members_into_exact_output() {
    for s in streams() {
        let n = s.plain.len();
        for (dname, mut d) in decoders() {
            let mut out = vec![0u8; n];
            let got = codec::decode_into(
                &mut *d,
                &s.packed,
                &mut bufpress::io::Cursor::new(&mut out[..]),
            );
            assert_eq!(got, Ok(n), "{}: {dname}", s.name);
            assert!(out == s.plain);
            if n > 0 {
                let mut out = vec![0u8; n - 1];
                let got = codec::decode_into(
                    &mut *d,
                    &s.packed,
                    &mut bufpress::io::Cursor::new(&mut out[..]),
                );
                assert!(
                    matches!(got, Err(DecodeError::OutputTooSmall { .. })),
                    "{}: {dname} one byte short: {got:?}",
                    s.name
                );
            }
            // `decode_to` does not reset (unlike `decode_into`): the decoder is
            // mid-stream after the short output above.
            d.reset();
            let mut got = Vec::new();
            let used = codec::decode_to(&mut *d, &s.packed, OUT.pool_ref(), |b| {
                got.extend_from_slice(&b);
                Ok::<(), ()>(())
            });
            assert_eq!(used, Ok(s.packed.len()), "{}: {dname} decode_to", s.name);
            assert!(got == s.plain, "{}: {dname} decode_to", s.name);
        }
        let mut state = Box::new(InflateState::new());
        let mut out = vec![0u8; n];
        let got = deflate::decompress_into(
            &s.packed,
            &mut bufpress::io::Cursor::new(&mut out[..]),
            Format::Gzip,
            &mut state,
        );
        assert_eq!(got, Ok(n), "{}", s.name);
        if n > 0 {
            let mut out = vec![0u8; n - 1];
            let got = deflate::decompress_into(
                &s.packed,
                &mut bufpress::io::Cursor::new(&mut out[..]),
                Format::Gzip,
                &mut state,
            );
            assert!(
                matches!(got, Err(DecodeError::OutputTooSmall { .. })),
                "{got:?}"
            );
        }
        let mut fd = flate::Decoder::new(Format::Gzip);
        let mut out = vec![0u8; n];
        let got = fd.decompress_into(&s.packed, &mut bufpress::io::Cursor::new(&mut out[..]));
        assert_eq!(got, Ok(n), "{}: flate decompress_into", s.name);
    }
}

/// `next_stream` after a multi-member stream: the next (zlib-less) gzip stream after
/// garbage is not reachable, but the first stream came whole and the reader is done;
/// `reset` onto another source decodes it whole again.
#[test]
fn next_stream_and_reset_after_a_multi_member_stream() {
    let ss = streams();
    let (s, t) = (&ss[0], &ss[3]);
    let mut r = bufpress_std::DecodeReader::new(
        Pieces::new(&s.packed, &[s.first_end]),
        core_decoder(),
        STAGING.try_acquire().unwrap(),
    );
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    assert!(out == s.plain && r.is_done());
    r.reset(Pieces::new(&t.packed, &[t.first_end, t.first_end + 1]));
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    assert!(out == t.plain && r.is_done());
    // A zlib stream after the gzip one: the reader stops before it, next_stream with a
    // zlib decoder could not follow (the decoder's format is fixed), so the caller
    // reads the rest from the inner reader.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(b"zlib after gzip").unwrap();
    let z = z.finish().unwrap();
    let data = [s.packed.clone(), z.clone()].concat();
    r.reset(Pieces::new(&data, &[s.packed.len()]));
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    assert!(out == s.plain);
    let (inner, _, _) = r.into_parts();
    assert!(inner.rest() == &z[..]);
}

/// zlib and raw deflate still end at their last byte (their Done), with bytes after
/// them left or reported; lz4 and zstd through the one-shot helpers: truncation is
/// `Truncated`, two frames in a row are `TrailingData` for `decode_into` and one
/// frame for `decode_to`, as before.
#[test]
fn other_formats_end_where_they_did() {
    let plain = corpus::mixed(3000, 9);
    for format in [Format::Zlib, Format::Raw] {
        let packed = match format {
            Format::Zlib => {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&plain).unwrap();
                e.finish().unwrap()
            }
            _ => {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&plain).unwrap();
                e.finish().unwrap()
            }
        };
        let data = [packed.clone(), b"tail".to_vec()].concat();
        let core = move || deflate::Decoder::new(format, Box::new(DecoderState::new()));
        let fl = move || flate::Decoder::new(format);
        for cut in (0..=data.len()).step_by(13).chain([packed.len()]) {
            let src = Pieces::new(&data, &[cut]);
            let results = read_all(&core, &src, 100)
                .into_iter()
                .chain(read_all(&fl, &src, 100));
            for (aname, (got, rest)) in results {
                assert!(
                    got.as_ref().is_ok_and(|o| *o == plain) && rest == b"tail",
                    "{format:?} {aname} cut {cut}: {:?}",
                    got.map(|o| o.len())
                );
            }
            let got = write_all(core(), &packed, &[cut], true);
            assert!(got.is_ok_and(|o| o == plain));
        }
        let mut out = vec![0u8; plain.len()];
        let got = codec::decode_into(
            &mut core(),
            &data,
            &mut bufpress::io::Cursor::new(&mut out[..]),
        );
        assert_eq!(got, Err(DecodeError::TrailingData));
        for t in 0..packed.len() {
            let got = codec::decode_into(
                &mut core(),
                &packed[..t],
                &mut bufpress::io::Cursor::new(&mut out[..]),
            );
            assert!(got.is_err(), "{format:?} truncated at {t}");
        }
    }

    // lz4 frames.
    let lz = |m: &[u8]| {
        let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
        e.write_all(m).unwrap();
        e.finish().unwrap()
    };
    // zstd frames.
    let zs = |m: &[u8]| ::zstd::bulk::compress(m, 3).unwrap();
    const DEC: usize = bufpress::codec::lz4::decoder_memory(
        bufpress::codec::lz4::BlockSize::Max64KiB,
        bufpress::codec::lz4::BlockMode::Linked,
    );
    let cases: Vec<(&str, Vec<u8>, Maker)> = vec![
        (
            "lz4",
            lz(&plain),
            Box::new(|| {
                Box::new(Box::new(bufpress::codec::lz4::Decoder::<DEC>::new())) as Box<dyn Decode>
            }),
        ),
        (
            "zstd core",
            zs(&plain),
            Box::new(|| Box::new(bufpress::codec::zstd::Decoder::new(1 << 20)) as Box<dyn Decode>),
        ),
        (
            "zstd std",
            zs(&plain),
            Box::new(|| Box::new(bufpress_std::zstd::Decoder::new(1 << 20)) as Box<dyn Decode>),
        ),
    ];
    for (name, frame, make) in cases {
        let mut out = vec![0u8; 2 * plain.len()];
        let got = codec::decode_into(
            &mut *make(),
            &frame,
            &mut bufpress::io::Cursor::new(&mut out[..]),
        );
        assert_eq!(got, Ok(plain.len()), "{name}");
        let mut exact = vec![0u8; plain.len()];
        let got = codec::decode_into(
            &mut *make(),
            &frame,
            &mut bufpress::io::Cursor::new(&mut exact[..]),
        );
        assert_eq!(got, Ok(plain.len()), "{name} exact");
        let mut short = vec![0u8; plain.len() - 1];
        let got = codec::decode_into(
            &mut *make(),
            &frame,
            &mut bufpress::io::Cursor::new(&mut short[..]),
        );
        assert!(
            matches!(got, Err(DecodeError::OutputTooSmall { .. })),
            "{name} short: {got:?}"
        );
        let two = [frame.clone(), frame.clone()].concat();
        let got = codec::decode_into(
            &mut *make(),
            &two,
            &mut bufpress::io::Cursor::new(&mut out[..]),
        );
        assert_eq!(got, Err(DecodeError::TrailingData), "{name} two frames");
        let mut n = 0;
        let got = codec::decode_to(&mut *make(), &two, OUT.pool_ref(), |b| {
            n += b.len();
            Ok::<(), ()>(())
        });
        assert_eq!(got, Ok(frame.len()), "{name} decode_to two frames");
        assert_eq!(n, plain.len(), "{name}: no extra output");
        for t in 0..frame.len() {
            let got = codec::decode_into(
                &mut *make(),
                &frame[..t],
                &mut bufpress::io::Cursor::new(&mut out[..]),
            );
            assert_eq!(got, Err(DecodeError::Truncated), "{name} truncated at {t}");
            let got = codec::decode_to(&mut *make(), &frame[..t], OUT.pool_ref(), |_| {
                Ok::<(), ()>(())
            });
            assert!(
                matches!(got, Err(codec::StreamError::Codec(DecodeError::Truncated))),
                "{name} decode_to truncated at {t}: {got:?}"
            );
        }
    }
}

/// A bad checksum (CRC-32, ISIZE) in a later member, or a bad FHCRC, is an error for
/// every adapter and helper wherever the input is cut, never `Ok`.
#[test]
fn a_bad_checksum_in_a_later_member_is_an_error_everywhere() {
    for s in streams() {
        let n = s.packed.len();
        // The last member's CRC-32 and ISIZE, and the FHCRC of the first member of
        // "headers" (its header: 10 fixed bytes, XLEN and 6 extra bytes, the name, the
        // comment, then the CRC16).
        let mut spots = vec![n - 8, n - 1];
        if s.name == "headers" {
            spots.push(10 + 2 + 6 + b"name.txt\0".len() + b"a comment\0".len());
        }
        for spot in spots {
            let mut bad = s.packed.clone();
            bad[spot] ^= 0x40;
            for (dname, make) in gzip_makers() {
                for cut in [0, s.first_end, spot, spot + 1, n] {
                    let src = Pieces::new(&bad, &[cut]);
                    for (aname, (got, _)) in read_all(&*make, &src, 64) {
                        assert!(
                            got.is_err(),
                            "{}: {dname} {aname}, byte {spot} flipped, cut {cut}",
                            s.name
                        );
                    }
                    let got = write_all(make(), &bad, &[cut], true);
                    assert!(got.is_err(), "{}: {dname} writer, byte {spot}", s.name);
                }
                let mut out = vec![0u8; s.plain.len()];
                let got = codec::decode_into(
                    &mut *make(),
                    &bad,
                    &mut bufpress::io::Cursor::new(&mut out[..]),
                );
                assert!(got.is_err(), "{}: {dname} decode_into, byte {spot}", s.name);
            }
        }
    }
}

/// A connection that stays open after gzip members (a request, then the peer waits
/// for the answer): a multi-member reader (the default) needs the source's end to end
/// the stream, so it waits (here: `WouldBlock`), as flate2's `MultiGzDecoder` does;
/// with `single_member()` each member ends at its last byte, as flate2's `GzDecoder`,
/// and `next_stream` reads the next one, for core's decoder and the flate2 one.
#[test]
fn one_member_on_an_open_connection_ends_without_the_source_ending() {
    struct Open(Vec<u8>, usize);
    impl Read for Open {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.fill_buf()?.len().min(out.len());
            out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }
    impl BufRead for Open {
        fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
            if self.1 == self.0.len() {
                // The peer waits for an answer: no more data, no end either.
                return Err(std::io::ErrorKind::WouldBlock.into());
            }
            Ok(&self.0[self.1..])
        }
        fn consume(&mut self, n: usize) {
            self.1 += n;
        }
    }
    let plain = corpus::mixed(500, 4);
    let second = corpus::mixed(300, 5);
    let packed = [member(&plain, 0), member(&second, 0)].concat();
    let one = member(&plain, 0);
    // flate2's single-member reader ends at the member's end.
    let mut out = Vec::new();
    flate2::bufread::GzDecoder::new(Open(one.clone(), 0))
        .read_to_end(&mut out)
        .unwrap();
    assert!(out == plain);
    // The default, all members: it waits for the source's end.
    let mut r = bufpress_std::DecodeReader::new(
        Open(one, 0),
        core_decoder(),
        STAGING.try_acquire().unwrap(),
    );
    let got = r.read_to_end(&mut Vec::new());
    assert_eq!(got.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    drop(r);
    // One member at a time: each ends at its last byte, the next is another stream.
    let single: [(&str, Box<dyn Decode>); 2] = [
        ("core", Box::new(core_decoder().single_member())),
        (
            "flate2",
            Box::new(flate::Decoder::new(Format::Gzip).single_member()),
        ),
    ];
    for (name, decoder) in single {
        let mut r = bufpress_std::DecodeReader::new(
            Open(packed.clone(), 0),
            decoder,
            STAGING.try_acquire().unwrap(),
        );
        let mut out = Vec::new();
        let got = r.read_to_end(&mut out);
        assert!(got.is_ok() && out == plain, "{name}: {got:?}");
        r.next_stream();
        let mut out = Vec::new();
        let got = r.read_to_end(&mut out);
        assert!(
            got.is_ok() && out == second,
            "{name}, second member: {got:?}"
        );
    }
}

/// The single-member decoders under test, `max_output` as given.
fn single_decoders(max_output: u64) -> Vec<(&'static str, Box<dyn Decode>)> {
    vec![
        (
            "core",
            Box::new(core_decoder().single_member().with_max_output(max_output)),
        ),
        (
            "flate2",
            Box::new(
                flate::Decoder::new(Format::Gzip)
                    .single_member()
                    .with_max_output(max_output),
            ),
        ),
    ]
}

/// Drives a single-member decoder by hand over `data` in pieces ending at `cuts`,
/// `room` output bytes a call, for `members` members, resetting after each `Done`.
/// After each `Done`, a call with all that follows must stay `Done`, taking and giving
/// nothing. Returns each member's output, where each ended, and the first error.
fn by_member(
    d: &mut dyn Decode,
    data: &[u8],
    cuts: &[usize],
    room: usize,
    members: usize,
) -> (Vec<Vec<u8>>, Vec<usize>, Option<String>) {
    let next_cut = |from: usize| {
        cuts.iter()
            .copied()
            .find(|&c| c > from)
            .unwrap_or(data.len())
            .min(data.len())
    };
    let (mut outs, mut ends, mut cur) = (Vec::new(), Vec::new(), Vec::new());
    let mut buf = vec![0u8; room];
    let (mut at, mut end) = (0, next_cut(0));
    for _ in 0..4 * (data.len() + room) * (data.len() + 10) {
        if outs.len() == members {
            return (outs, ends, None);
        }
        if at >= end {
            end = next_cut(at);
        }
        let input = &data[at..end];
        let mut out = bufpress::io::Cursor::new(&mut buf[..]);
        let p = match d.decode(input, &mut out) {
            Ok(p) => p,
            Err(e) => return (outs, ends, Some(format!("{e:?} at byte {at}"))),
        };
        cur.extend_from_slice(&buf[..p.produced]);
        at += p.consumed;
        match p.status {
            codec::Status::Done => {
                let mut out = bufpress::io::Cursor::new(&mut buf[..]);
                let again = d.decode(&data[at..], &mut out);
                let stays = matches!(again, Ok(q) if q.consumed == 0 && q.produced == 0
                    && q.status == codec::Status::Done);
                if !stays {
                    let e = format!("after Done at byte {at}, again: {again:?}");
                    return (outs, ends, Some(e));
                }
                outs.push(std::mem::take(&mut cur));
                ends.push(at);
                d.reset();
            }
            codec::Status::NeedInput if input.is_empty() => {
                return (outs, ends, Some(format!("truncated at byte {at}")));
            }
            // Input left over: give more with it.
            codec::Status::NeedInput if at < end => end = next_cut(end),
            _ => {}
        }
    }
    (outs, ends, Some(format!("no end, at byte {at}")))
}

/// Members as (plain, header flags).
type Members = Vec<(Vec<u8>, u8)>;

fn member_lists() -> Vec<(&'static str, Members)> {
    let a = corpus::mixed(300, 1);
    let b = corpus::mixed(200, 2);
    vec![
        ("one", vec![(a.clone(), 0)]),
        ("two", vec![(a.clone(), 0), (b.clone(), 0)]),
        (
            "empty members",
            vec![(Vec::new(), 0), (a.clone(), 0), (Vec::new(), 0)],
        ),
        (
            "headers",
            vec![
                (a.clone(), FEXTRA | FNAME | FCOMMENT | FHCRC),
                (b.clone(), FNAME),
                (Vec::new(), FHCRC | FCOMMENT),
                (a[..50].to_vec(), FEXTRA),
            ],
        ),
    ]
}

/// `single_member()`: each member ends with `Done` at its last byte, whatever the
/// pieces (one byte at a time, cut at every byte) and the output room (one byte, or
/// plenty); a call after `Done` without a reset stays `Done`, taking nothing (not the
/// next member); `reset` keeps the mode; what follows the last member (garbage, a
/// lone 0x1f, a magic prefix, zeros) is left unconsumed, for core's and the flate2
/// decoder.
#[test]
fn single_member_ends_each_member_at_its_last_byte_wherever_the_input_is_cut() {
    for (name, list) in member_lists() {
        let parts: Vec<Vec<u8>> = list.iter().map(|(p, f)| member(p, *f)).collect();
        let plains: Vec<Vec<u8>> = list.iter().map(|(p, _)| p.clone()).collect();
        let mut ends = Vec::new();
        let mut at = 0;
        for p in &parts {
            at += p.len();
            ends.push(at);
        }
        let packed = parts.concat();
        for tail in [
            &b""[..],
            &b"garbage"[..],
            &[0x1f][..],
            &[0x1f, 0x8b][..],
            &[0x1f, 0x8b, 8][..],
            &[0, 0, 0, 0][..],
        ] {
            let data = [packed.clone(), tail.to_vec()].concat();
            let mut cutss: Vec<Vec<usize>> = vec![(1..data.len()).collect()];
            if tail.is_empty() || tail.len() == 1 {
                cutss.extend((1..data.len()).map(|t| vec![t]));
            }
            for cuts in &cutss {
                for room in [1, 4096] {
                    if room == 1 && cuts.len() == 1 && cuts[0] % 7 != 0 {
                        continue;
                    }
                    for (dname, mut d) in single_decoders(u64::MAX) {
                        let got = by_member(&mut *d, &data, cuts, room, parts.len());
                        let what = format!(
                            "{dname}, {name}, tail {tail:?}, cuts {:?}.., room {room}",
                            &cuts[..cuts.len().min(2)]
                        );
                        assert_eq!(got.2, None, "{what}");
                        assert!(got.0 == plains, "{what}: the members' outputs");
                        assert_eq!(got.1, ends, "{what}: where the members end");
                    }
                }
            }
        }
    }
}

/// `with_max_output` with `single_member()` limits each member (a stream), reset by
/// `reset`: members of 300 and 200 bytes pass a 300-byte limit, one of 301 does not.
#[test]
fn single_member_max_output_is_per_member() {
    let (a, b) = (corpus::mixed(300, 1), corpus::mixed(200, 2));
    let data = [member(&a, 0), member(&b, 0), member(&a, 0)].concat();
    for (dname, mut d) in single_decoders(300) {
        let got = by_member(&mut *d, &data, &[], 4096, 3);
        assert_eq!(got.2, None, "{dname}");
        assert!(got.0 == [a.clone(), b.clone(), a.clone()], "{dname}");
    }
    let big = corpus::mixed(301, 3);
    let data = [member(&a, 0), member(&big, 0)].concat();
    for (dname, mut d) in single_decoders(300) {
        let got = by_member(&mut *d, &data, &[], 4096, 2);
        assert_eq!(got.0.len(), 1, "{dname}");
        let err = got.2.unwrap_or_default();
        assert!(err.starts_with("LimitExceeded"), "{dname}: {err}");
    }
}

/// zlib and raw deflate end where they did with `single_member()`: `Done` at their
/// last byte, what follows left.
#[test]
fn single_member_leaves_zlib_and_raw_as_they_were() {
    let plain = corpus::mixed(5000, 7);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&plain).unwrap();
    let zlib = z.finish().unwrap();
    let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    r.write_all(&plain).unwrap();
    let raw = r.finish().unwrap();
    for (format, packed) in [(Format::Zlib, zlib), (Format::Raw, raw)] {
        let data = [packed.clone(), b"after".to_vec()].concat();
        for single in [false, true] {
            let core = deflate::Decoder::new(format, Box::new(DecoderState::new()));
            let fl = flate::Decoder::new(format);
            let ds: [(&str, Box<dyn Decode>); 2] = if single {
                [
                    ("core", Box::new(core.single_member())),
                    ("flate2", Box::new(fl.single_member())),
                ]
            } else {
                [("core", Box::new(core)), ("flate2", Box::new(fl))]
            };
            for (dname, mut d) in ds {
                let got = by_member(&mut *d, &data, &[], 4096, 1);
                let what = format!("{dname} {format:?} single {single}");
                assert_eq!(got.2, None, "{what}");
                assert!(got.0 == [plain.clone()], "{what}");
                assert_eq!(got.1, [packed.len()], "{what}");
            }
        }
    }
}

/// Every reader adapter with a `single_member()` decoder gives the first member and
/// leaves the rest (the next members, whole) in its inner reader, wherever the input
/// is cut: the adapters' own end-of-stream handling loses no byte after the member.
#[test]
fn single_member_readers_leave_the_next_members_wherever_the_input_is_cut() {
    let makers: Vec<(&str, Maker)> = vec![
        (
            "core",
            Box::new(|| Box::new(core_decoder().single_member()) as Box<dyn Decode>),
        ),
        (
            "flate2",
            Box::new(|| {
                Box::new(flate::Decoder::new(Format::Gzip).single_member()) as Box<dyn Decode>
            }),
        ),
    ];
    for s in streams() {
        let first = s.first_end;
        let plain1 = {
            let mut o = Vec::new();
            flate2::read::GzDecoder::new(&s.packed[..])
                .read_to_end(&mut o)
                .unwrap();
            o
        };
        for (dname, make) in &makers {
            let mut srcs: Vec<(String, Pieces, usize)> = (0..=s.packed.len())
                .map(|c| (format!("cut at {c}"), Pieces::new(&s.packed, &[c]), 100))
                .collect();
            srcs.push(("pieces of 1".into(), Pieces::step(&s.packed, 1), 1));
            for (what, src, chunk) in srcs {
                for (aname, (got, rest)) in read_all(&**make, &src, chunk) {
                    assert!(
                        got.as_ref().is_ok_and(|o| *o == plain1) && rest == s.packed[first..],
                        "{}: {dname} {aname}, {what}: {:?}, {} left",
                        s.name,
                        got.map(|o| o.len()),
                        rest.len()
                    );
                }
            }
        }
    }
}

/// `DecodeWriter` with a `single_member()` decoder: one member, written in any
/// pieces (flushed or not), is its output; a second member after it is an error
/// (`TrailingData`), never dropped in silence.
#[test]
fn single_member_writer_reports_a_second_member() {
    let s = &streams()[0];
    let one = &s.packed[..s.first_end];
    let plain1 = {
        let mut o = Vec::new();
        flate2::read::GzDecoder::new(one)
            .read_to_end(&mut o)
            .unwrap();
        o
    };
    for flush in [false, true] {
        for cut in (0..=s.packed.len()).step_by(3) {
            let makers: [(&str, Box<dyn Decode>); 2] = [
                ("core", Box::new(core_decoder().single_member())),
                (
                    "flate2",
                    Box::new(flate::Decoder::new(Format::Gzip).single_member()),
                ),
            ];
            for (dname, d) in makers {
                let got = write_all(d, one, &[cut.min(one.len())], flush);
                assert!(
                    got.is_ok_and(|o| o == plain1),
                    "{dname}, one member, cut {cut}"
                );
            }
            let makers: [(&str, Box<dyn Decode>); 2] = [
                ("core", Box::new(core_decoder().single_member())),
                (
                    "flate2",
                    Box::new(flate::Decoder::new(Format::Gzip).single_member()),
                ),
            ];
            for (dname, d) in makers {
                let got = write_all(d, &s.packed, &[cut], flush);
                assert!(got.is_err(), "{dname}, two members, cut {cut}: {got:?}");
            }
        }
    }
}

/// Every member through one reader with `single_member()` and `next_stream` between
/// them (std and core `io`), the input cut at every byte: each read to the end gives
/// one member, in order, and the last leaves nothing.
#[test]
fn single_member_readers_give_each_member_with_next_stream() {
    for (name, list) in member_lists() {
        let parts: Vec<Vec<u8>> = list.iter().map(|(p, f)| member(p, *f)).collect();
        let packed = parts.concat();
        for cut in 0..=packed.len() {
            for flate2_backend in [false, true] {
                let make = || -> Box<dyn Decode> {
                    if flate2_backend {
                        Box::new(flate::Decoder::new(Format::Gzip).single_member())
                    } else {
                        Box::new(core_decoder().single_member())
                    }
                };
                let what = format!("{name}, cut at {cut}, flate2 {flate2_backend}");
                let src = Pieces::new(&packed, &[cut]);
                let mut r = bufpress_std::DecodeReader::new(
                    src.clone(),
                    make(),
                    STAGING.try_acquire().unwrap(),
                );
                for (i, (plain, _)) in list.iter().enumerate() {
                    let mut out = Vec::new();
                    let got = r.read_to_end(&mut out);
                    assert!(
                        got.is_ok() && out == *plain,
                        "std {what}, member {i}: {got:?}"
                    );
                    r.next_stream();
                }
                assert!(r.into_parts().0.rest().is_empty(), "std {what}");
                let mut r =
                    bufpress::io::DecodeReader::new(src, make(), STAGING.try_acquire().unwrap());
                for (i, (plain, _)) in list.iter().enumerate() {
                    let got = read_loop(
                        |b| embedded_io::Read::read(&mut r, b).map_err(|e| format!("{e:?}")),
                        64,
                    );
                    assert!(
                        got.as_ref() == Ok(plain),
                        "core io {what}, member {i}: {got:?}"
                    );
                    r.next_stream();
                }
                assert!(r.into_parts().0.rest().is_empty(), "core io {what}");
            }
        }
    }
}
