//! [`Cursor`]: a position over bytes, to read them (`embedded_io::Read`, `BufRead`) or to
//! write into them (as a codec [`Output`](crate::codec::Output)).

/// A position over bytes: reads them from the start (`embedded_io`'s `Read`, `BufRead`,
/// blocking and, with `embedded-io-async`, async, never failing; feature
/// `embedded-io`), or writes into them as a codec [`Output`](crate::codec::Output),
/// as `std::io::Cursor` does: the bytes before the position are the filled part.
///
/// `T` is anything that is bytes: a [`Buf`](crate::pool::Buf) (owned: the buffer goes back to its pool
/// when the cursor is dropped, or take it back with
/// [`into_inner`](Self::into_inner)), a `&Buf`, a `&[u8]`; to write, a `&mut [u8]`
/// (at any offset), a `[u8; N]`.
///
/// ```
/// # #[cfg(feature = "embedded-io")] {
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
/// # }
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cursor<T> {
    inner: T,
    pub(super) pos: usize,
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
