//! [`RegionPool`]: N buffers laid over memory the caller hands in.
// `unsafe` here: slots carved out of memory the caller hands in. The crate root denies it everywhere else.
#![allow(unsafe_code)]

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::freelist::MAX_SLOTS;
use super::handle::{Header, Shared};
use super::pool_ref::PoolRef;
use crate::error::RegionError;
use crate::sync::{AtomicU16, zero_links};

/// A pool of `N` buffers over a memory region the caller hands in: a DMA-capable
/// linker section, external RAM, a slice of a larger arena.
///
/// The buffers start at the first aligned address of the region and are `buf_size`
/// rounded up to `align` apart. The free list and stats live in the `RegionPool`
/// itself (2 bytes per buffer and a header of 20 to 48 bytes, see `Pool`), never in the region.
///
/// ```
/// use bufpress::pool::RegionPool;
///
/// // In firmware this would be `#[link_section = ".dma_ram"] static mut`.
/// let mut region = [0u8; 4 * 256 + 64];
/// let pool: RegionPool<'_, 4> = RegionPool::new(&mut region, 256, 64)?;
/// let mut buf = pool.try_acquire()?;
/// assert_eq!(buf.as_mut_ptr() as usize % 64, 0);
/// assert_eq!(buf.capacity(), 256);
/// # Ok::<(), bufpress::Error>(())
/// ```
// Invariants: `base` is aligned to the chosen alignment and `base .. base + N * stride`
// lies in the region, which is borrowed mutably for `'a`; `size <= stride` and `size`
// fits a u32.
pub struct RegionPool<'a, const N: usize> {
    header: Header,
    links: [AtomicU16; N],
    base: NonNull<u8>,
    stride: usize,
    size: u32,
    scrub: bool,
    _region: PhantomData<&'a mut [u8]>,
}

// SAFETY: the pool owns the region exclusively for 'a (it holds its `&mut`), the
// header and links are atomics, and each buffer is reached only by its owner.
unsafe impl<const N: usize> Send for RegionPool<'_, N> {}
// SAFETY: as for `Send`.
unsafe impl<const N: usize> Sync for RegionPool<'_, N> {}

impl<'a, const N: usize> RegionPool<'a, N> {
    const LIMITS: () = assert!(N <= MAX_SLOTS, "a pool has at most 32,767 buffers");

    /// Lays `N` buffers of `buf_size` bytes, aligned to `align`, over `region`.
    ///
    /// The region's bytes are kept as they are (a fresh holder may see them through
    /// the spare capacity) unless [`with_scrub_on_release`](Self::with_scrub_on_release) is set,
    /// which zeroes them first.
    ///
    /// # Errors
    ///
    /// [`RegionError`] when `align` is not a power of two from 4 to 4096, `buf_size`
    /// is 0 or over `u32::MAX`, or the region cannot hold `N` aligned buffers.
    pub fn new(region: &'a mut [u8], buf_size: usize, align: usize) -> Result<Self, RegionError> {
        let () = Self::LIMITS;
        if !align.is_power_of_two() || !(4..=4096).contains(&align) {
            return Err(RegionError::Alignment { align });
        }
        let size = u32::try_from(buf_size)
            .ok()
            .filter(|&s| s > 0)
            .ok_or(RegionError::BufferSize { size: buf_size })?;
        let available = region.len();
        let too_small = RegionError::TooSmall {
            needed: usize::MAX,
            available,
        };
        let stride = buf_size.checked_next_multiple_of(align).ok_or(too_small)?;
        let skip = region.as_ptr().align_offset(align);
        let needed = stride
            .checked_mul(N)
            .and_then(|b| b.checked_add(skip))
            .ok_or(too_small)?;
        if needed > available {
            return Err(RegionError::TooSmall { needed, available });
        }
        let base = NonNull::from(&mut region[skip..]).cast::<u8>();
        Ok(Self {
            header: Header::new(),
            links: zero_links(),
            base,
            stride,
            size,
            scrub: false,
            _region: PhantomData,
        })
    }

    /// Zeroes the used bytes of each buffer when it comes back (and every free buffer
    /// now, so no holder of a buffer acquired afterwards sees what the region held
    /// before).
    ///
    /// A buffer held through a raw handle (which does not borrow the pool, so it can be
    /// out here) is left alone: it is its holder's, a DMA transfer may be writing it,
    /// and it is zeroed whole when it comes back.
    #[must_use]
    pub fn with_scrub_on_release(mut self, on: bool) -> Self {
        if on {
            let (base, stride, size) = (self.base, self.stride, self.size as usize);
            Shared::new(&self.header, &self.links)
                .free()
                .for_each_free(|i| {
                    // SAFETY: slot `i` is on the free list of this pool, which is owned
                    // here (`self` by value), so nobody holds it or can take it
                    // meanwhile; it lies in the region by the type's invariant.
                    unsafe {
                        base.as_ptr()
                            .add(usize::from(i) * stride)
                            .write_bytes(0, size);
                    }
                });
        }
        self.scrub = on;
        self
    }

    /// The non-generic handle every operation goes through (see [`PoolRef`]).
    #[inline]
    pub fn pool_ref(&self) -> PoolRef<'_> {
        // SAFETY: by the type's invariant the N slots lie in the region, which this
        // pool borrows mutably for 'a (outliving the returned handle), `stride` apart,
        // initialized (it was a `&mut [u8]`); the free list decides who owns each.
        unsafe {
            PoolRef::from_parts(
                Shared::new(&self.header, &self.links),
                self.base,
                self.stride,
                self.size,
                self.scrub,
            )
        }
    }

    super::pool_ref::forward_to_pool_ref!();
}

impl<const N: usize> fmt::Debug for RegionPool<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionPool")
            .field("buf_size", &self.size)
            .field("stride", &self.stride)
            .field("scrub", &self.scrub)
            .field("stats", &self.stats())
            .finish()
    }
}
