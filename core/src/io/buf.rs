//! `embedded_io` for [`Buf`] (a bounded writer) and [`Cursor`] (a reader over a filled
//! buffer, a bounded writer over a slice).

use core::convert::Infallible;

use embedded_io::{BufRead, ErrorType, Read, ReadReady, Write, WriteReady};

use super::Cursor;
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
