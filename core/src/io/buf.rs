//! `embedded_io` for [`Buf`] (a bounded writer) and [`Cursor`] (a reader over a filled
//! buffer).

use core::convert::Infallible;

use embedded_io::{BufRead, ErrorType, Read, ReadReady, Write, WriteReady};

use crate::error::CapacityError;
use crate::pool::Buf;

/// A [`Buf`] fails with a [`CapacityError`] (kind `WriteZero`) when full.
impl ErrorType for Buf<'_> {
    type Error = CapacityError;
}

/// Appends to the buffer, which never grows: `write` takes what fits (and fails with
/// [`CapacityError`], kind `WriteZero`, only when nothing fits), `write_all` is all or
/// nothing ([`Buf::extend_from_slice`]).
impl Write for Buf<'_> {
    fn write(&mut self, data: &[u8]) -> Result<usize, CapacityError> {
        if data.is_empty() {
            return Ok(0);
        }
        let n = data.len().min(self.remaining());
        if n == 0 {
            return Err(CapacityError::new(
                self.len().saturating_add(data.len()),
                self.capacity(),
            ));
        }
        self.extend_from_slice(data.get(..n).unwrap_or_default())?;
        Ok(n)
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), CapacityError> {
        self.extend_from_slice(data)
    }

    fn flush(&mut self) -> Result<(), CapacityError> {
        Ok(())
    }
}

/// Ready while any capacity is left.
impl WriteReady for Buf<'_> {
    fn write_ready(&mut self) -> Result<bool, CapacityError> {
        Ok(self.remaining() > 0)
    }
}

#[cfg(feature = "embedded-io-async")]
impl embedded_io_async::Write for Buf<'_> {
    async fn write(&mut self, data: &[u8]) -> Result<usize, CapacityError> {
        Write::write(self, data)
    }

    async fn write_all(&mut self, data: &[u8]) -> Result<(), CapacityError> {
        self.extend_from_slice(data)
    }

    async fn flush(&mut self) -> Result<(), CapacityError> {
        Ok(())
    }
}

/// Reads the filled part of a buffer from the start: `Read`, `BufRead` (blocking and,
/// with `embedded-io-async`, async), never failing.
///
/// `T` is anything that is bytes: a [`Buf`] (owned: the buffer goes back to its pool
/// when the cursor is dropped, or take it back with
/// [`into_inner`](Self::into_inner)), a `&Buf`, a `&[u8]`.
///
/// ```
/// use bufpress::io::Cursor;
/// use bufpress::pool::Pool;
/// use embedded_io::{BufRead, Read};
///
/// static POOL: Pool<1, 32> = Pool::new();
///
/// let mut buf = POOL.try_acquire()?;
/// buf.extend_from_slice(b"header:body")?;
/// let mut cursor = Cursor::new(buf);
/// let mut head = [0; 7];
/// cursor.read_exact(&mut head)?;
/// assert_eq!(&head, b"header:");
/// assert_eq!(cursor.fill_buf()?, b"body");
/// let buf = cursor.into_inner(); // still filled; the cursor only read it
/// assert_eq!(buf.len(), 11);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cursor<T> {
    inner: T,
    pos: usize,
}

impl<T: AsRef<[u8]>> Cursor<T> {
    /// A cursor at the start of `inner`.
    pub const fn new(inner: T) -> Self {
        Self { inner, pos: 0 }
    }

    /// How many bytes were read (or skipped).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves the cursor (past the end: nothing left to read).
    pub fn set_position(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// The bytes not read yet.
    pub fn remaining_slice(&self) -> &[u8] {
        self.inner.as_ref().get(self.pos..).unwrap_or_default()
    }

    /// The bytes being read.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The bytes being read, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The bytes, giving up the cursor.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> ErrorType for Cursor<T> {
    type Error = Infallible;
}

impl<T: AsRef<[u8]>> Read for Cursor<T> {
    fn read(&mut self, out: &mut [u8]) -> Result<usize, Infallible> {
        let data = self.remaining_slice();
        let n = data.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

impl<T: AsRef<[u8]>> BufRead for Cursor<T> {
    fn fill_buf(&mut self) -> Result<&[u8], Infallible> {
        Ok(self.remaining_slice())
    }

    fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n.min(self.remaining_slice().len()));
    }
}

/// Always ready: the bytes are all there.
impl<T: AsRef<[u8]>> ReadReady for Cursor<T> {
    fn read_ready(&mut self) -> Result<bool, Infallible> {
        Ok(true)
    }
}

#[cfg(feature = "embedded-io-async")]
impl<T: AsRef<[u8]>> embedded_io_async::Read for Cursor<T> {
    async fn read(&mut self, out: &mut [u8]) -> Result<usize, Infallible> {
        Read::read(self, out)
    }
}

#[cfg(feature = "embedded-io-async")]
impl<T: AsRef<[u8]>> embedded_io_async::BufRead for Cursor<T> {
    async fn fill_buf(&mut self) -> Result<&[u8], Infallible> {
        Ok(self.remaining_slice())
    }

    fn consume(&mut self, n: usize) {
        BufRead::consume(self, n);
    }
}
