//! [`Output`]: where a codec writes, a bounded byte sink that never grows.

use crate::error::CapacityError;

/// A bounded output a codec writes into: a pool [`Buf`](crate::pool::Buf), a slice
/// through a [`Cursor`](crate::io::Cursor), or the spare capacity of a `Vec<u8>` or a
/// `heapless::Vec<u8, N>` through a [`VecOutput`].
///
/// An output is a filled part (`..len()`) followed by spare capacity
/// (`len()..capacity()`), like a `Vec` that never reallocates: [`capacity`](Self::capacity)
/// is the bound, and writing past it is a [`CapacityError`], never a panic, a
/// reallocation or a write past the caller's memory. A codec writes into
/// [`spare_capacity_mut`](Self::spare_capacity_mut) (whose bytes are initialized) and
/// then [`commit`](Self::commit)s what it wrote; a codec that reads back what it wrote
/// earlier (a decoder using its output as its window) takes the filled part and the
/// spare capacity as one slice with [`filled_and_spare_mut`](Self::filled_and_spare_mut).
///
/// An implementation keeps these rules: [`spare_capacity_mut`](Self::spare_capacity_mut)
/// is `capacity() - len()` bytes, [`commit`](Self::commit)`(n)` adds exactly `n` to the
/// length when it returns `Ok`, and the length changes only through `commit` and
/// [`truncate`](Self::truncate). The codecs touch only the slices an output hands out
/// (lz4's unchecked hot loops included) and never panic on an output that breaks
/// them (a test drives every codec with one that answers at random), but they may
/// return an error or wrong bytes then.
///
/// The trait is object safe: [`Encode`](super::Encode) and [`Decode`](super::Decode)
/// take `&mut dyn Output`, so `&mut buf` of any output type can be passed to them.
///
/// ```
/// use bufpress::codec::Output;
/// use bufpress::io::Cursor;
///
/// let mut bytes = [0u8; 9];
/// let mut out = Cursor::new(&mut bytes[1..]); // any slice, at any offset
/// out.extend_from_slice(b"abc")?;
/// out.spare_capacity_mut()[..2].copy_from_slice(b"de");
/// out.commit(2)?;
/// assert_eq!(out.as_slice(), b"abcde");
/// assert!(out.extend_from_slice(b"xyz12").is_err()); // 10 > 8: nothing written
/// assert_eq!(&bytes, b"\0abcde\0\0\0");
/// # Ok::<(), bufpress::Error>(())
/// ```
pub trait Output {
    /// How many bytes are filled.
    fn len(&self) -> usize;

    /// The bound: the filled part and the spare capacity together.
    fn capacity(&self) -> usize;

    /// The filled part.
    fn as_slice(&self) -> &[u8];

    /// The filled part followed by the spare capacity, as one slice of
    /// [`capacity`](Self::capacity) bytes, all initialized; `[..len()]` is what was
    /// written. For a codec that reads back its earlier output.
    fn filled_and_spare_mut(&mut self) -> &mut [u8];

    /// Adds `n` bytes written into the spare capacity to the filled part.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when fewer than `n` bytes are spare; the length is unchanged.
    fn commit(&mut self, n: usize) -> Result<(), CapacityError>;

    /// Shortens the filled part to `len`; does nothing if it is already shorter.
    fn truncate(&mut self, len: usize);

    /// Whether nothing is filled.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many more bytes fit.
    fn remaining(&self) -> usize {
        self.capacity().saturating_sub(self.len())
    }

    /// The spare capacity, to write into before [`commit`](Self::commit). Its bytes
    /// are initialized (zeros, or whatever was there before).
    fn spare_capacity_mut(&mut self) -> &mut [u8] {
        let len = self.len();
        self.filled_and_spare_mut()
            .get_mut(len..)
            .unwrap_or_default()
    }

    /// The first `n` bytes of the spare capacity.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when fewer than `n` bytes are spare.
    fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        let (len, capacity) = (self.len(), self.capacity());
        let too_small = CapacityError::new(len.saturating_add(n), capacity);
        self.spare_capacity_mut().get_mut(..n).ok_or(too_small)
    }

    /// Appends `data`, all or nothing.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when `data` does not fit; nothing is written then.
    fn extend_from_slice(&mut self, data: &[u8]) -> Result<(), CapacityError> {
        let (len, capacity) = (self.len(), self.capacity());
        // `get_mut`: an implementation that breaks the rules may hand out more or
        // fewer than `data.len()` bytes; an error then, never a panic.
        self.try_spare_capacity_mut(data.len())?
            .get_mut(..data.len())
            .ok_or(CapacityError::new(len.saturating_add(data.len()), capacity))?
            .copy_from_slice(data);
        self.commit(data.len())
    }
}

impl<O: Output + ?Sized> Output for &mut O {
    #[inline]
    fn len(&self) -> usize {
        (**self).len()
    }
    #[inline]
    fn capacity(&self) -> usize {
        (**self).capacity()
    }
    #[inline]
    fn as_slice(&self) -> &[u8] {
        (**self).as_slice()
    }
    #[inline]
    fn filled_and_spare_mut(&mut self) -> &mut [u8] {
        (**self).filled_and_spare_mut()
    }
    #[inline]
    fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        (**self).commit(n)
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        (**self).truncate(len);
    }
    #[inline]
    fn remaining(&self) -> usize {
        (**self).remaining()
    }
    #[inline]
    fn spare_capacity_mut(&mut self) -> &mut [u8] {
        (**self).spare_capacity_mut()
    }
    #[inline]
    fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        (**self).try_spare_capacity_mut(n)
    }
    #[inline]
    fn extend_from_slice(&mut self, data: &[u8]) -> Result<(), CapacityError> {
        (**self).extend_from_slice(data)
    }
}

/// A slice behind a cursor is an output: the bytes before the cursor's
/// [`position`](crate::io::Cursor::position) are the filled part, the rest of the slice
/// the spare capacity (as `std::io::Cursor<&mut [u8]>` writes). A cursor over a
/// `[u8; N]`, a `&mut [u8]` or a `&mut [u8; N]` works; the slice never grows.
impl<T: AsRef<[u8]> + AsMut<[u8]>> Output for crate::io::Cursor<T> {
    #[inline]
    fn len(&self) -> usize {
        self.position().min(self.get_ref().as_ref().len())
    }
    #[inline]
    fn capacity(&self) -> usize {
        self.get_ref().as_ref().len()
    }
    #[inline]
    fn as_slice(&self) -> &[u8] {
        let len = Output::len(self);
        self.get_ref().as_ref().get(..len).unwrap_or_default()
    }
    #[inline]
    fn filled_and_spare_mut(&mut self) -> &mut [u8] {
        self.get_mut().as_mut()
    }
    #[inline]
    fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        let (len, capacity) = (Output::len(self), Output::capacity(self));
        match len.checked_add(n) {
            Some(end) if end <= capacity => {
                self.set_position(end);
                Ok(())
            }
            _ => Err(CapacityError::new(len.saturating_add(n), capacity)),
        }
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        if len < self.position() {
            self.set_position(len);
        }
    }
}

/// The vectors a [`VecOutput`] writes into: `Vec<u8>` (feature `alloc`) and
/// `heapless::Vec<u8, N>` (feature `heapless`). Sealed.
pub trait Vector: sealed::Sealed {}

mod sealed {
    /// What [`VecOutput`](super::VecOutput) needs of a vector; none of it reallocates.
    pub trait Sealed {
        fn len(&self) -> usize;
        fn capacity(&self) -> usize;
        /// Zero-fills from the length to `end` (at most the capacity) and makes that
        /// the length, if it is shorter.
        fn zero_fill_to(&mut self, end: usize);
        fn truncate(&mut self, len: usize);
        fn bytes(&self) -> &[u8];
        fn bytes_mut(&mut self) -> &mut [u8];
    }
}

#[cfg(feature = "alloc")]
impl Vector for alloc::vec::Vec<u8> {}

#[cfg(feature = "alloc")]
impl sealed::Sealed for alloc::vec::Vec<u8> {
    fn len(&self) -> usize {
        self.len()
    }
    fn capacity(&self) -> usize {
        self.capacity()
    }
    fn zero_fill_to(&mut self, end: usize) {
        // Within the capacity: never reallocates.
        let end = end.min(self.capacity());
        if self.len() < end {
            self.resize(end, 0);
        }
    }
    fn truncate(&mut self, len: usize) {
        self.truncate(len);
    }
    fn bytes(&self) -> &[u8] {
        self
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

#[cfg(feature = "heapless")]
impl<const N: usize> Vector for heapless::Vec<u8, N> {}

#[cfg(feature = "heapless")]
impl<const N: usize> sealed::Sealed for heapless::Vec<u8, N> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn capacity(&self) -> usize {
        N
    }
    fn zero_fill_to(&mut self, end: usize) {
        let end = end.min(N);
        if self.as_slice().len() < end {
            // At most `N`, the capacity: this cannot fail.
            let _ = self.resize(end, 0);
        }
    }
    fn truncate(&mut self, len: usize) {
        self.truncate(len);
    }
    fn bytes(&self) -> &[u8] {
        self
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

/// The spare capacity of a vector as an [`Output`]: `Vec<u8>` (feature `alloc`) or
/// `heapless::Vec<u8, N>` (feature `heapless`). What is written goes after the
/// vector's contents; the vector's capacity is the bound and it never grows (nor
/// reallocates).
///
/// A vector's spare capacity is uninitialized memory, which safe code may not hand out
/// as `&mut [u8]`: `VecOutput` zero-fills the part a codec asks for, each byte once
/// (the vector's length covers it meanwhile; `try_spare_capacity_mut(n)` fills only
/// `n` bytes, `spare_capacity_mut` all of it). When the `VecOutput` is dropped, the
/// vector's length is set to what was written. Keep one `VecOutput` for a whole stream
/// rather than one per call, so nothing is zero-filled twice.
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use bufpress::codec::{Output, VecOutput};
///
/// let mut vec = Vec::with_capacity(8);
/// vec.extend_from_slice(b"ab");
/// let mut out = VecOutput::new(&mut vec);
/// out.extend_from_slice(b"cde")?;
/// assert!(out.extend_from_slice(b"fghi").is_err()); // 9 > 8: nothing written
/// drop(out);
/// assert_eq!(vec, b"abcde");
/// assert_eq!(vec.capacity(), 8);
/// # }
/// # Ok::<(), bufpress::Error>(())
/// ```
#[derive(Debug)]
pub struct VecOutput<'v, V: Vector> {
    vec: &'v mut V,
    /// The filled length; the vector's own length is at least this (more once
    /// zero-filled).
    len: usize,
}

impl<'v, V: Vector> VecOutput<'v, V> {
    /// An output appending to `vec`'s contents, up to its capacity.
    pub fn new(vec: &'v mut V) -> Self {
        let len = sealed::Sealed::len(vec);
        Self { vec, len }
    }
}

impl<V: Vector> Drop for VecOutput<'_, V> {
    fn drop(&mut self) {
        sealed::Sealed::truncate(self.vec, self.len);
    }
}

impl<V: Vector> Output for VecOutput<'_, V> {
    #[inline]
    fn len(&self) -> usize {
        self.len
    }
    #[inline]
    fn capacity(&self) -> usize {
        sealed::Sealed::capacity(self.vec)
    }
    #[inline]
    fn as_slice(&self) -> &[u8] {
        self.vec.bytes().get(..self.len).unwrap_or_default()
    }
    #[inline]
    fn filled_and_spare_mut(&mut self) -> &mut [u8] {
        self.vec.zero_fill_to(usize::MAX);
        self.vec.bytes_mut()
    }
    #[inline]
    fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        let capacity = sealed::Sealed::capacity(self.vec);
        match self.len.checked_add(n) {
            Some(end) if end <= capacity => {
                // Bytes never handed out are committed as zeros.
                self.vec.zero_fill_to(end);
                self.len = end;
                Ok(())
            }
            _ => Err(CapacityError::new(self.len.saturating_add(n), capacity)),
        }
    }
    /// Zero-fills only up to the `n` bytes asked for (not the whole spare capacity).
    #[inline]
    fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        let capacity = sealed::Sealed::capacity(self.vec);
        let start = self.len;
        match start.checked_add(n) {
            Some(end) if end <= capacity => {
                self.vec.zero_fill_to(end);
                Ok(self.vec.bytes_mut().get_mut(start..end).unwrap_or_default())
            }
            _ => Err(CapacityError::new(start.saturating_add(n), capacity)),
        }
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}
