//! The pop on ARMv7-M and ARMv8-M mainline (thumbv7m, thumbv7em, thumbv8m.main):
//! LDREX the head, read the top's link, STREX the successor; retry when the STREX fails.
//!
//! ABA cannot happen: the STREX succeeds only if nothing stored to the head since the
//! LDREX. A store by another core clears this core's reservation in the global
//! monitor; a store by an interrupt handler on this core comes with an exception entry
//! and return, and "the local monitor is changed to Open Access automatically as part
//! of an exception entry or exit sequence" (ARMv7-M Architecture Reference Manual,
//! DDI 0403E, A3.4.4 "Context switch support"; ARMv8-M, DDI 0553, keeps the rule).
//! Every store to the head is a
//! STREX (pushes and the `waiting` bit are `core` atomics, which are
//! LDREX/STREX loops here) or this pop's. So a successful STREX means the head is the
//! one the LDREX read, the top is still on the list, and its link (written only by the
//! slot's owner) is the one read. No tag is needed for this; the word keeps one for
//! raw-handle keys.
//!
//! A failed STREX (a store or an interrupt in between, or a spurious failure) retries:
//! `try_acquire` fails only when it sees the list empty. On multicore parts the head
//! must be in memory the global monitor covers, as for any `core` atomic there.
//!
//! This is the only place the pool uses inline assembly; it is this module's whole
//! `unsafe`.
#![allow(unsafe_code)]

use core::arch::asm;
use core::sync::atomic::{Ordering, fence};

use super::{Snap, Step};
use crate::sync::{AtomicU32, spin_hint};

pub(super) type Raw = u32;
pub(super) type Word = AtomicU32;

#[inline]
pub(super) fn pop(word: &Word, mut step: impl FnMut(Snap) -> Step) -> Option<Snap> {
    let addr = word.as_ptr();
    loop {
        let cur: u32;
        // `addr` is a live, 4-byte aligned `AtomicU32` while `word` is borrowed; LDREX
        // is a single-copy atomic 32-bit load, like the atomic's own, writing only `cur`
        // (and the monitors' reservation). SAFETY: so it races with no access.
        unsafe {
            asm!("ldrex {cur}, [{addr}]", addr = in(reg) addr, cur = out(reg) cur,
                options(nostack, preserves_flags));
        }
        // The LDREX's acquire: the link read below, and after a successful STREX the
        // taker's accesses to the buffer, see what the slot's last pusher wrote before
        // its `Release` CAS.
        fence(Ordering::Acquire);
        let cur = Snap(cur);
        match step(cur) {
            Step::Take(next) => {
                let failed: u32;
                // STREX stores (single-copy atomic, 32 bits) only if the LDREX's
                // reservation holds, i.e. nobody stored to the word since (module docs).
                // SAFETY: that, and `addr` is a live, aligned `AtomicU32`.
                unsafe {
                    asm!("strex {failed}, {new}, [{addr}]", addr = in(reg) addr,
                        new = in(reg) cur.popped(next).0, failed = out(reg) failed,
                        options(nostack, preserves_flags));
                }
                if failed == 0 {
                    return Some(cur);
                }
            }
            Step::Stop => {
                // SAFETY: CLREX only drops this core's reservation; no memory access.
                unsafe { asm!("clrex", options(nomem, nostack, preserves_flags)) };
                return None;
            }
            Step::Again => spin_hint(),
        }
    }
}
