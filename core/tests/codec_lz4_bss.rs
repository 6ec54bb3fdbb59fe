//! lz4 states and tables, new, are all zero: a static lands in `.bss`.
#![cfg(feature = "lz4")]

#[allow(dead_code, unused_imports)] // each test file uses part of it
mod lz4_support;
use lz4_support::*;

#[cfg(all(target_os = "linux", not(miri)))]
mod bss {
    //! The states and tables, new, are all zero: a static lands in `.bss`.
    use super::*;

    unsafe extern "C" {
        static __bss_start: u8;
        static _end: u8;
    }

    fn in_bss<T>(value: &'static T) -> bool {
        let addr = value as *const T as usize;
        let start = &raw const __bss_start as usize;
        let end = &raw const _end as usize;
        addr >= start && addr + size_of::<T>() <= end
    }

    #[test]
    fn static_states_are_in_bss() {
        let _serial = serial();
        assert!(in_bss(&TABLES));
        assert!(in_bss(&DECODERS));
        assert!(in_bss(&ENCODERS));
        assert!(in_bss(&BIG_DECODER));
        assert!(in_bss(&BIG_ENCODER));
    }
}
