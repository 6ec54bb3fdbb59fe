//! The std-like traits of [`Buf`]: `fmt::Write`, `Extend`, and comparisons with byte
//! slices and arrays, as heapless's `Vec<u8, N>` has them. Safe code over `Buf`'s
//! public methods.

use core::fmt;

use super::buf::Buf;

/// Formats into the buffer: `write!(buf, "t={}", t)`. Each string piece is appended
/// all or nothing; a piece that does not fit is a [`fmt::Error`] (the pieces before
/// it stay), as for heapless's `Vec<u8, N>`.
impl fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.extend_from_slice(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Appends every byte of the iterator.
///
/// # Panics
///
/// When the buffer fills before the iterator ends, as heapless's `Vec::extend` does
/// (the bytes that fit stay appended). [`Buf::extend_from_slice`] is the fallible,
/// all-or-nothing way to append.
impl Extend<u8> for Buf<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        for byte in iter {
            if let Err(e) = self.push(byte) {
                panic!("Buf::extend: {e}");
            }
        }
    }
}

/// As `Extend<u8>`.
///
/// # Panics
///
/// When the buffer fills before the iterator ends (see `Extend<u8>`).
impl<'a> Extend<&'a u8> for Buf<'_> {
    fn extend<I: IntoIterator<Item = &'a u8>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

/// Compares the filled parts.
impl PartialEq<Buf<'_>> for Buf<'_> {
    fn eq(&self, other: &Buf<'_>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Buf<'_> {}

macro_rules! eq_bytes {
    ($([$($gen:tt)*] $rhs:ty),* $(,)?) => {$(
        /// Compares the filled part with the bytes.
        impl<$($gen)*> PartialEq<$rhs> for Buf<'_> {
            fn eq(&self, other: &$rhs) -> bool {
                self.as_slice() == &other[..]
            }
        }

        /// Compares the bytes with the buffer's filled part.
        impl<$($gen)*> PartialEq<Buf<'_>> for $rhs {
            fn eq(&self, other: &Buf<'_>) -> bool {
                &self[..] == other.as_slice()
            }
        }
    )*};
}

eq_bytes! {
    [] [u8],
    ['a] &'a [u8],
    ['a] &'a mut [u8],
    [const N: usize] [u8; N],
    ['a, const N: usize] &'a [u8; N],
}
