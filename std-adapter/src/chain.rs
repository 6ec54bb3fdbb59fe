//! A chain of pool buffers behind [`io::Write`], and a reader over buffers.

use std::io::{self, BufRead, Read, Write};

use bufpress::pool::{Buf, PoolRef};

use crate::wait::AcquirePolicy;

/// An [`io::Write`] that fills buffers from a pool, taking the next one when one is
/// full, up to `N` buffers: bounded memory for data of unknown size, no allocation.
///
/// When the pool has no free buffer, [`AcquirePolicy`] decides: fail at once
/// (`ErrorKind::OutOfMemory`, the default) or wait for one with a timeout
/// (`ErrorKind::TimedOut`). When all `N` buffers are full, a write fails with
/// `ErrorKind::StorageFull`. A failed write wrote nothing more than what it reports:
/// the chain holds exactly the bytes of the successful writes.
///
/// Read it back with [`reader`](Self::reader), or hand the buffers on with
/// [`into_buffers`](Self::into_buffers); dropping the chain (or
/// [`clear`](Self::clear)) returns every buffer to the pool.
///
/// ```
/// use bufpress::pool::Pool;
/// use bufpress_std::Chain;
/// use std::io::{ErrorKind, Read, Write};
///
/// static POOL: Pool<4, 8> = Pool::new();
///
/// let mut chain = Chain::<3>::new(POOL.pool_ref());
/// chain.write_all(b"twenty bytes of data")?;
/// assert_eq!((chain.len(), chain.buffers().len()), (20, 3));
///
/// let mut back = String::new();
/// chain.reader().read_to_string(&mut back)?;
/// assert_eq!(back, "twenty bytes of data");
///
/// // Three buffers of 8 bytes are the limit.
/// let err = chain.write_all(b"more than four").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::StorageFull);
/// assert_eq!(chain.len(), 24);
///
/// drop(chain);
/// assert_eq!(POOL.stats().available, 4);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Chain<'p, const N: usize> {
    pool: PoolRef<'p>,
    acquire: AcquirePolicy,
    bufs: heapless::Vec<Buf<'p>, N>,
}

impl<'p, const N: usize> Chain<'p, N> {
    /// An empty chain over `pool` that fails at once when the pool is empty.
    pub const fn new(pool: PoolRef<'p>) -> Self {
        Self {
            pool,
            acquire: AcquirePolicy::Now,
            bufs: heapless::Vec::new(),
        }
    }

    /// Sets how the chain gets a buffer when the pool has none free.
    #[must_use]
    pub const fn with_acquire_policy(mut self, acquire: AcquirePolicy) -> Self {
        self.acquire = acquire;
        self
    }

    /// The pool the chain takes its buffers from.
    pub fn pool(&self) -> PoolRef<'p> {
        self.pool
    }

    /// The bytes written so far.
    pub fn len(&self) -> usize {
        self.bufs.iter().map(Buf::len).sum()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.bufs.iter().all(Buf::is_empty)
    }

    /// The most bytes the chain can hold.
    pub fn capacity(&self) -> usize {
        N * self.pool.buf_size()
    }

    /// The buffers in order (only the last one can be partly filled).
    pub fn buffers(&self) -> &[Buf<'p>] {
        &self.bufs
    }

    /// A reader over the bytes written so far.
    pub fn reader(&self) -> ChainReader<'_, 'p> {
        ChainReader::new(&self.bufs)
    }

    /// Returns every buffer to the pool; the chain can be written again.
    pub fn clear(&mut self) {
        self.bufs.clear();
    }

    /// The buffers, to hand on (each returns to the pool when dropped).
    pub fn into_buffers(self) -> heapless::Vec<Buf<'p>, N> {
        self.bufs
    }

    /// The last buffer if it has room, else a new one.
    fn spare(&mut self) -> io::Result<&mut Buf<'p>> {
        let full = self.bufs.last().is_none_or(|b| b.remaining() == 0);
        if full {
            if self.bufs.is_full() || self.pool.buf_size() == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "chain: every buffer it may hold is full",
                ));
            }
            let buf = self.acquire.acquire(self.pool)?;
            // Cannot fail: checked `is_full` above.
            let _ = self.bufs.push(buf);
        }
        self.bufs
            .last_mut()
            .ok_or_else(|| io::Error::other("chain: no buffer"))
    }
}

impl<const N: usize> Write for Chain<'_, N> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let buf = self.spare()?;
        let n = data.len().min(buf.remaining());
        let _ = buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<const N: usize> core::fmt::Debug for Chain<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chain")
            .field("buffers", &self.bufs.len())
            .field("len", &self.len())
            .field("limit", &N)
            .finish()
    }
}

/// [`Read`] and [`BufRead`] over a sequence of buffers, in order, without copying
/// them (e.g. a [`Chain`]'s, or those a decoder filled).
#[derive(Debug, Clone)]
pub struct ChainReader<'a, 'p> {
    bufs: &'a [Buf<'p>],
    /// Bytes of `bufs[0]` already read.
    offset: usize,
}

impl<'a, 'p> ChainReader<'a, 'p> {
    /// A reader at the start of `bufs`.
    pub fn new(bufs: &'a [Buf<'p>]) -> Self {
        Self { bufs, offset: 0 }
    }

    /// The bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bufs.iter().map(Buf::len).sum::<usize>() - self.offset
    }
}

impl Read for ChainReader<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let data = self.fill_buf()?;
        let n = data.len().min(out.len());
        out[..n].copy_from_slice(&data[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChainReader<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while let [first, rest @ ..] = self.bufs {
            if self.offset < first.len() {
                break;
            }
            self.bufs = rest;
            self.offset = 0;
        }
        Ok(self
            .bufs
            .first()
            .and_then(|b| b.get(self.offset..))
            .unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        let len = self.bufs.first().map_or(0, |b| b.len());
        self.offset = (self.offset + n).min(len);
    }
}
