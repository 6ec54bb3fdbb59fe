//! A vector with a fixed capacity, stored inline: the decoding tables, whose sizes the
//! format bounds (FSE tables at most 2^9 cells, Huffman tables at most 2^11), use it
//! instead of `Vec`, so they need no allocator and can live in a `static`.

use core::ops::{Deref, DerefMut};

/// The capacity of a [`FixedVec`] was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityError;

/// Up to `N` values of `T`, stored inline.
#[derive(Clone)]
pub struct FixedVec<T: Copy, const N: usize> {
    data: [T; N],
    len: usize,
}

impl<T: Copy, const N: usize> FixedVec<T, N> {
    /// An empty vector; `fill` is the value of the unused slots.
    pub const fn new(fill: T) -> Self {
        FixedVec {
            data: [fill; N],
            len: 0,
        }
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }

    pub fn try_push(&mut self, value: T) -> Result<(), CapacityError> {
        let slot = self.data.get_mut(self.len).ok_or(CapacityError)?;
        *slot = value;
        self.len += 1;
        Ok(())
    }

    /// Grows or shrinks to `len` values, new ones being `value`.
    pub fn try_resize(&mut self, len: usize, value: T) -> Result<(), CapacityError> {
        if len > N {
            return Err(CapacityError);
        }
        if len > self.len {
            self.data[self.len..len].fill(value);
        }
        self.len = len;
        Ok(())
    }

    pub fn try_extend_from_slice(&mut self, values: &[T]) -> Result<(), CapacityError> {
        let end = self.len + values.len();
        self.data
            .get_mut(self.len..end)
            .ok_or(CapacityError)?
            .copy_from_slice(values);
        self.len = end;
        Ok(())
    }
}

impl<T: Copy, const N: usize> Deref for FixedVec<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.data[..self.len]
    }
}

impl<T: Copy, const N: usize> DerefMut for FixedVec<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.data[..self.len]
    }
}

impl<T: Copy + core::fmt::Debug, const N: usize> core::fmt::Debug for FixedVec<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{CapacityError, FixedVec};

    #[test]
    fn bounded() {
        let mut v = FixedVec::<u8, 3>::new(0);
        v.try_push(1).unwrap();
        v.try_extend_from_slice(&[2, 3]).unwrap();
        assert_eq!(&*v, &[1, 2, 3]);
        assert_eq!(v.try_push(4), Err(CapacityError));
        assert_eq!(v.try_extend_from_slice(&[4]), Err(CapacityError));
        v.try_resize(1, 9).unwrap();
        v.try_resize(3, 9).unwrap();
        assert_eq!(&*v, &[1, 9, 9]);
        assert_eq!(v.try_resize(4, 0), Err(CapacityError));
        v.clear();
        assert!(v.is_empty());
    }
}
