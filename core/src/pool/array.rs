//! [`Pool`]: N buffers of SIZE bytes held inline, built by a `const fn`.
// `unsafe` here: the arena's memory: slots carved out of an inline array. The crate root denies it everywhere else.
#![allow(unsafe_code)]

use core::cell::UnsafeCell;
use core::fmt;
use core::ptr::NonNull;

use super::freelist::MAX_SLOTS;
use super::handle::{Header, Shared};
use super::pool_ref::PoolRef;
use crate::sync::{AtomicU16, const_fn, zero_links};

mod sealed {
    pub trait Sealed {}
}

/// A buffer alignment for [`Pool`]: [`Align4`] to [`Align4096`].
///
/// Every buffer of the pool starts at a multiple of `BYTES` (for DMA engines and cache
/// lines), and buffers are `SIZE` rounded up to `BYTES` apart.
pub trait Alignment: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The alignment in bytes.
    const BYTES: usize;
}

macro_rules! alignments {
    ($($name:ident = $n:literal),* $(,)?) => {$(
        #[doc = concat!("Buffers aligned to ", stringify!($n), " bytes.")]
        #[derive(Debug, Clone, Copy, Default)]
        #[repr(align($n))]
        pub struct $name;
        impl sealed::Sealed for $name {}
        impl Alignment for $name {
            const BYTES: usize = $n;
        }
    )*};
}

alignments! {
    Align4 = 4, Align8 = 8, Align16 = 16, Align32 = 32, Align64 = 64, Align128 = 128,
    Align256 = 256, Align512 = 512, Align1024 = 1024, Align2048 = 2048, Align4096 = 4096,
}

/// One buffer: `SIZE` bytes starting at a multiple of `A::BYTES`.
#[derive(Clone, Copy)]
#[repr(C)]
struct Slot<const SIZE: usize, A: Alignment> {
    _align: [A; 0],
    bytes: [u8; SIZE],
}

impl<const SIZE: usize, A: Alignment> Slot<SIZE, A> {
    const ZERO: Self = Self {
        _align: [],
        bytes: [0; SIZE],
    };
}

/// A fixed arena of `N` buffers of `SIZE` bytes, aligned to `A` (8 bytes by default),
/// that zeroes each buffer's used bytes on release when `SCRUB` is `true`.
///
/// Built by a `const fn`, so it can be a `static` with no init call. Its initial image
/// is all zero, so a static pool lands in `.bss` and costs the firmware image nothing.
/// Beyond the buffers it needs 2 bytes per buffer (the intrusive links) and a
/// header: 20 bytes on thumbv7em (32 with the `async` feature), 24 on 64-bit targets
/// (48 with `async`), plus padding to the buffers' alignment.
///
/// ```
/// use bufpress::pool::{Align32, Pool};
///
/// // 4 buffers of 512 bytes for a DMA engine that wants 32-byte alignment, zeroed when
/// // they come back so the next holder never sees the previous holder's data.
/// static RX: Pool<4, 512, Align32, true> = Pool::new();
///
/// let mut buf = RX.try_acquire()?;
/// assert_eq!(buf.as_mut_ptr() as usize % 32, 0);
/// buf.extend_from_slice(b"secret")?;
/// drop(buf);
/// let mut buf = RX.try_acquire()?;
/// assert!(buf.try_spare_capacity_mut(6)?.iter().all(|&b| b == 0));
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// # Limits
///
/// `N <= 32_767` and `SIZE <= u32::MAX`, checked at compile time.
#[repr(C)]
pub struct Pool<const N: usize, const SIZE: usize, A: Alignment = Align8, const SCRUB: bool = false>
{
    header: Header,
    links: [AtomicU16; N],
    slots: UnsafeCell<[Slot<SIZE, A>; N]>,
}

// SAFETY: the header and links are atomics; slot bytes (inside the `UnsafeCell`) are
// reached only through the guard or raw handle that owns the slot, one at a time.
unsafe impl<const N: usize, const SIZE: usize, A: Alignment, const SCRUB: bool> Sync
    for Pool<N, SIZE, A, SCRUB>
{
}

impl<const N: usize, const SIZE: usize, A: Alignment, const SCRUB: bool> Pool<N, SIZE, A, SCRUB> {
    const LIMITS: () = {
        assert!(N <= MAX_SLOTS, "a pool has at most 32,767 buffers");
        assert!(
            SIZE <= u32::MAX as usize,
            "a buffer has at most u32::MAX bytes"
        );
    };

    /// How many buffers the pool has.
    pub const CAPACITY: usize = N;
    /// The size of each buffer in bytes.
    pub const BUF_SIZE: usize = SIZE;

    const_fn! {
        /// A pool with every buffer free. All zero: in a `static` it goes to `.bss`.
        pub const fn new() -> Self {
            let () = Self::LIMITS;
            Self {
                header: Header::new(),
                links: zero_links(),
                slots: UnsafeCell::new([Slot::ZERO; N]),
            }
        }
    }

    /// The non-generic handle every operation goes through (see [`PoolRef`]); `const`,
    /// so a `static` [`SizeClasses`](super::SizeClasses) can be built from it.
    #[inline]
    pub const fn pool_ref(&self) -> PoolRef<'_> {
        // `SIZE` fits in a u32: checked by `LIMITS` in `new`.
        // SAFETY: N `Slot`s of SIZE initialized bytes, `size_of::<Slot>()` apart, in one
        // `UnsafeCell` owned by `self`; the free list over `self.links` decides who owns
        // which slot, as `PoolRef` requires.
        unsafe {
            PoolRef::from_parts(
                Shared::new(&self.header, &self.links),
                NonNull::new_unchecked(self.slots.get().cast::<u8>()),
                size_of::<Slot<SIZE, A>>(),
                SIZE as u32,
                SCRUB,
            )
        }
    }

    super::pool_ref::forward_to_pool_ref!();
}

impl<const N: usize, const SIZE: usize, A: Alignment, const SCRUB: bool> Default
    for Pool<N, SIZE, A, SCRUB>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const SIZE: usize, A: Alignment, const SCRUB: bool> fmt::Debug
    for Pool<N, SIZE, A, SCRUB>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("buf_size", &SIZE)
            .field("align", &A::BYTES)
            .field("scrub", &SCRUB)
            .field("stats", &self.stats())
            .finish()
    }
}
