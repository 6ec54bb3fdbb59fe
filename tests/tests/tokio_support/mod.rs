//! Shared by the tokio adapter tests (`tokio_io.rs`, `tokio_zero_alloc.rs`): an inner
//! writer and reader that take a few bytes at a time and say `Pending` now and then
//! (waking themselves, as a socket's readiness would), and drivers that write and
//! read a stream in pieces of varied sizes through every way the traits offer.
#![allow(dead_code, unreachable_pub)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bufpress::codec::{Decode, Encode};
use bufpress_std::tokio::{DecodeReader, EncodeWriter};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf,
};

/// Piece sizes: cycles through small and large.
pub const PIECES: [usize; 9] = [1, 7, 64, 333, 1000, 4096, 2, 513, 2048];

/// How an inner stream behaves.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// At most this many bytes per call.
    pub max_piece: usize,
    /// Every this many calls (0: never), return `Pending` (after waking the task).
    pub pending_every: usize,
}

impl Behaviour {
    /// Takes everything at once, never waits.
    pub const EAGER: Self = Self {
        max_piece: usize::MAX,
        pending_every: 0,
    };

    /// A varied behaviour for turn `turn`.
    pub fn varied(turn: usize) -> Self {
        Self {
            max_piece: [usize::MAX, 1, 100, 4096, 7, 65536][turn % 6],
            pending_every: [0, 2, 3, 0, 5][turn % 5],
        }
    }

    /// Whether call number `calls` (from 1) waits.
    fn waits(&self, calls: usize, cx: &Context<'_>) -> bool {
        if self.pending_every != 0 && calls.is_multiple_of(self.pending_every) {
            cx.waker().wake_by_ref();
            return true;
        }
        false
    }
}

/// An [`AsyncWrite`] into a `Vec` (which the zero-allocation test sizes beforehand, so
/// it never grows), optionally failing or panicking at a given call.
#[derive(Debug, Default)]
pub struct Sink {
    pub out: Vec<u8>,
    pub behaviour: Option<Behaviour>,
    calls: usize,
    /// Call numbers (from 1) that fail with `BrokenPipe` / panic.
    pub fail_at: Option<usize>,
    pub panic_at: Option<usize>,
    pub shut_down: bool,
}

impl Sink {
    pub fn new(out: Vec<u8>, behaviour: Behaviour) -> Self {
        Self {
            out,
            behaviour: Some(behaviour),
            ..Self::default()
        }
    }

    fn call(&mut self, cx: &Context<'_>) -> Poll<io::Result<()>> {
        self.calls += 1;
        if self.panic_at == Some(self.calls) {
            panic!("the inner writer panics");
        }
        if self.fail_at == Some(self.calls) {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        if self
            .behaviour
            .unwrap_or(Behaviour::EAGER)
            .waits(self.calls, cx)
        {
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.call(cx))?;
        let n = data
            .len()
            .min(this.behaviour.unwrap_or(Behaviour::EAGER).max_piece);
        this.out.extend_from_slice(&data[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().call(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.call(cx))?;
        this.shut_down = true;
        Poll::Ready(Ok(()))
    }
}

/// An [`AsyncRead`] and [`AsyncBufRead`] over a slice, a few bytes at a time.
#[derive(Debug)]
pub struct Source<'a> {
    data: &'a [u8],
    pos: usize,
    behaviour: Behaviour,
    calls: usize,
}

impl<'a> Source<'a> {
    pub fn new(data: &'a [u8], behaviour: Behaviour) -> Self {
        Self {
            data,
            pos: 0,
            behaviour,
            calls: 0,
        }
    }

    /// Bytes not consumed yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }
}

impl AsyncBufRead for Source<'_> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        this.calls += 1;
        if this.behaviour.waits(this.calls, cx) {
            return Poll::Pending;
        }
        let rest = &this.data[this.pos..];
        Poll::Ready(Ok(&rest[..rest.len().min(this.behaviour.max_piece)]))
    }

    fn consume(self: Pin<&mut Self>, n: usize) {
        self.get_mut().pos += n;
    }
}

impl AsyncRead for Source<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let data = std::task::ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = data.len().min(out.remaining());
        out.put_slice(&data[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

/// Writes `msg` through `w` in pieces (partial `write`s, `write_all`, `flush`), then
/// ends the stream (`shutdown` or `try_finish`, by turn).
pub async fn write_stream<E: Encode + Unpin, W: AsyncWrite + Unpin>(
    w: &mut EncodeWriter<'_, E, W>,
    msg: &[u8],
    turn: usize,
) -> io::Result<()> {
    let mut rest = msg;
    let mut i = turn;
    while !rest.is_empty() {
        let n = PIECES[i % PIECES.len()].min(rest.len());
        match i % 4 {
            0 => {
                let k = w.write(&rest[..n]).await?;
                assert!(k > 0);
                rest = &rest[k..];
                i += 1;
                continue;
            }
            1 => w.flush().await?,
            _ => {}
        }
        w.write_all(&rest[..n]).await?;
        rest = &rest[n..];
        i += 1;
    }
    if turn.is_multiple_of(2) {
        w.shutdown().await
    } else {
        w.try_finish().await
    }
}

/// Reads the whole stream from `r` into `out` in pieces (`read` into a slice,
/// `read_buf`, `fill_buf` + `consume`).
pub async fn read_stream<D: Decode + Unpin, R: AsyncBufRead + Unpin>(
    r: &mut DecodeReader<'_, D, R>,
    out: &mut Vec<u8>,
    turn: usize,
) -> io::Result<()> {
    let mut piece = [0u8; 4096];
    let mut i = turn;
    loop {
        let want = PIECES[i % PIECES.len()];
        let k = match i % 3 {
            0 => {
                let k = r.read(&mut piece[..want]).await?;
                out.extend_from_slice(&piece[..k]);
                k
            }
            1 => {
                let data = r.fill_buf().await?;
                let k = data.len().min(want);
                out.extend_from_slice(&data[..k]);
                r.consume(k);
                k
            }
            _ => {
                let mut rb = ReadBuf::new(&mut piece[..want]);
                std::future::poll_fn(|cx| Pin::new(&mut *r).poll_read(cx, &mut rb)).await?;
                out.extend_from_slice(rb.filled());
                rb.filled().len()
            }
        };
        if k == 0 {
            return Ok(());
        }
        i += 1;
    }
}
