//! A `static` pool's initial image is all zero, so the linker puts it in `.bss`: the
//! firmware image carries no bytes for it. Checked here on the host's ELF with the
//! linker-defined section bounds, next to a control static that must land in `.data`.
//! (`.ci/footprint` checks the same on a thumbv7em image.)
#![cfg(all(target_os = "linux", not(miri)))]

use std::sync::atomic::{AtomicU32, Ordering};

use bufpress::pool::{Align64, Pool, ValuePool};

static POOL: Pool<64, 4096> = Pool::new();
static SCRUBBING: Pool<8, 1000, Align64, true> = Pool::new();
static STATES: ValuePool<[u8; 512], 4> = ValuePool::new([[0; 512]; 4]);
/// With the `async` feature the header also holds the waiter queue (its lock word and
/// list head): still all zero, so still `.bss`.
#[cfg(feature = "async")]
static WAITED: Pool<2, 64> = Pool::new();
/// Not all zero: must be in `.data`, or the check below proves nothing.
static CONTROL: AtomicU32 = AtomicU32::new(0xB0F5);

unsafe extern "C" {
    // Defined by the GNU ld and lld default linker scripts on Linux.
    static __bss_start: u8;
    static _edata: u8;
    static _end: u8;
}

fn section_of(addr: usize, size: usize) -> &'static str {
    let bss = &raw const __bss_start as usize;
    let edata = &raw const _edata as usize;
    let end = &raw const _end as usize;
    if addr >= bss && addr + size <= end {
        ".bss"
    } else if addr < edata {
        ".data or earlier"
    } else {
        "elsewhere"
    }
}

fn place<T>(value: &'static T) -> &'static str {
    section_of(value as *const T as usize, size_of::<T>())
}

#[test]
fn static_pools_are_in_bss_and_the_control_is_not() {
    assert_eq!(place(&POOL), ".bss");
    assert_eq!(place(&SCRUBBING), ".bss");
    assert_eq!(place(&STATES), ".bss");
    assert_eq!(place(&CONTROL), ".data or earlier");
    #[cfg(feature = "async")]
    {
        assert_eq!(place(&WAITED), ".bss");
        let fut = core::pin::pin!(WAITED.acquire());
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        assert!(core::future::Future::poll(fut, &mut cx).is_ready());
    }
    // Use them, so none is optimized out or its placement questioned.
    let buf = POOL.try_acquire().unwrap();
    drop(SCRUBBING.try_acquire().unwrap());
    drop(STATES.try_acquire().unwrap());
    assert_eq!(buf.capacity(), 4096);
    assert_eq!(CONTROL.load(Ordering::Relaxed), 0xB0F5);
}
