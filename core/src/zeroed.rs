//! miniz_oxide's `DecompressorOxide` laid out as all zero bytes: a `const`
//! constructor (so a state holding it lands in `.bss`) with no copy through the stack.
//!
//! miniz_oxide has no `const fn` constructor, and building one with `new()` passes its
//! 10.5 KB through the stack, even optimized (the first use of a deflate
//! `InflateState` needed about 11 KB of stack on thumbv7em, 21 KB at opt-level "s").
//! All zero bytes *are* the value `new()` returns, so this wrapper starts from
//! `MaybeUninit::zeroed()` and hands out references to it: nothing is built, moved or
//! copied. The only `unsafe` outside the pool (see `docs/safety.md`, invariant 10).
#![allow(unsafe_code)]

use core::mem::MaybeUninit;

use miniz_oxide::inflate::core::DecompressorOxide;

/// A `DecompressorOxide`, all zero bytes when new: the value of
/// `DecompressorOxide::new()`.
///
/// Invariant: the inner value is always initialized. It starts as all zero bytes, and
/// in miniz_oxide 0.9 every field of `DecompressorOxide` is an integer, an array of
/// integers (the Huffman tables, code sizes, the bit buffer), or `State`, a fieldless
/// enum whose `Start` is 0; its `Default` (which `new()` calls) sets every field to 0
/// and the state to `Start`. So all zero bytes are a valid value and equal to `new()`.
/// The unit tests below check it; under Miri (which validates every field a typed
/// copy reads) a field that zero would not make valid is reported.
pub(crate) struct ZeroedOxide(MaybeUninit<DecompressorOxide>);

impl ZeroedOxide {
    /// A decompressor as `DecompressorOxide::new()` makes it, from all zero bytes.
    pub(crate) const fn new() -> Self {
        Self(MaybeUninit::zeroed())
    }

    /// The decompressor.
    pub(crate) fn get(&self) -> &DecompressorOxide {
        // SAFETY: initialized (the type's invariant: all zero bytes are a valid
        // `DecompressorOxide`, and every later write went through a `&mut` to it).
        unsafe { self.0.assume_init_ref() }
    }

    /// The decompressor, to run or reset (`init`).
    pub(crate) fn get_mut(&mut self) -> &mut DecompressorOxide {
        // SAFETY: as in `get`.
        unsafe { self.0.assume_init_mut() }
    }
}

impl Clone for ZeroedOxide {
    fn clone(&self) -> Self {
        Self(MaybeUninit::new(self.get().clone()))
    }
}

#[cfg(test)]
mod tests {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

    use super::ZeroedOxide;

    /// zlib of "hello, hello, hello, zeroed" (Python's `zlib.compress`).
    const ZLIB: [u8; 23] = [
        0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0xc8, 0x40, 0xa1, 0xaa, 0x52, 0x8b,
        0xf2, 0x53, 0x53, 0x00, 0x86, 0x28, 0x09, 0xaa,
    ];

    fn run(oxide: &mut DecompressorOxide, input: &[u8]) -> (TINFLStatus, usize, usize) {
        let mut out = [0u8; 64];
        let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
            | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
            | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32;
        let (status, read, written) = decompress(oxide, input, &mut out, 0, flags);
        (status, read, written)
    }

    /// A zeroed decompressor is a valid value (Miri validates every field the typed
    /// clone reads) and behaves as `new()` does, on good and bad input, before and
    /// after `init`.
    #[test]
    fn zeroed_is_new() {
        let zlib = ZLIB;
        let mut zeroed = ZeroedOxide::new();
        let copy = zeroed.clone();
        let mut copy_of_copy = copy.get().clone();
        let mut new = DecompressorOxide::new();
        assert_eq!(zeroed.get().adler32(), new.adler32());
        let a = run(zeroed.get_mut(), &zlib);
        let b = run(&mut new, &zlib);
        assert_eq!(a, b);
        assert_eq!(run(&mut copy_of_copy, &zlib), b);
        assert_eq!(zeroed.get().adler32(), new.adler32());
        assert_eq!((b.0, b.2), (TINFLStatus::Done, 27));
        // Bad input: the same failure from both.
        let mut z2 = ZeroedOxide::new();
        let mut n2 = DecompressorOxide::new();
        assert_eq!(
            run(z2.get_mut(), &[0x78, 0x00]),
            run(&mut n2, &[0x78, 0x00])
        );
        z2.get_mut().init();
        n2.init();
        assert_eq!(run(z2.get_mut(), &zlib), run(&mut n2, &zlib));
    }
}
