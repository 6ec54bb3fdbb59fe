//! Hole 3 of issue 11, the regression model: ABA on the free list's pop, with the tag
//! narrowed to 1 bit so that loom can wrap it (2 pops: the tag counts pops):
//!
//! ```sh
//! # The 64-bit head's CAS pop (a tag, no LL/SC): loom must find the double owner.
//! RUSTFLAGS='--cfg loom --cfg bufpress_tag_bits="1"' CARGO_TARGET_DIR=target/loom-aba \
//!     cargo test -p bufpress --test loom_aba --release
//! # The LL/SC pop (exclusive monitor emulated) and the critical-section pop: no ABA.
//! RUSTFLAGS='--cfg loom --cfg bufpress_tag_bits="1" --cfg bufpress_head32' ...
//! RUSTFLAGS='--cfg loom --cfg bufpress_tag_bits="1" --cfg bufpress_head32_cs' ...
//! ```
//!
//! With the CAS pop the test expects the model to fail ("held by two owners"): the
//! test shows the model reaches the bug the tag only makes unlikely. The LL/SC and
//! critical-section pops must pass it. With a full-width tag nothing wraps and every
//! design passes.
//!
//! The schedule loom finds: main holds slot 0; thread A reads the head (slot 1, next
//! 2) and is preempted before its CAS; thread B takes 1 and 2, gives back 0 and 1 (2
//! pops: the head is slot 1 with the same 1-bit tag, but 1's successor is now 0). A's CAS
//! succeeds and installs slot 2, which B still holds, as the top: A's next acquire
//! takes it too.
#![cfg(loom)]

use bufpress::pool::Pool;
use loom::thread;

type Three = Pool<3, 4>;

/// A narrow tag on the CAS pop: the old design, which must fail here.
const CAS_POP_WITH_NARROW_TAG: bool =
    cfg!(bufpress_narrow_tag) && !cfg!(any(bufpress_head32, bufpress_head32_cs));

#[test]
#[cfg_attr(
    all(bufpress_narrow_tag, not(any(bufpress_head32, bufpress_head32_cs))),
    should_panic(expected = "held by two owners")
)]
fn a_pop_preempted_across_a_tag_wrap() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        // Leaked so that guards can move between threads (one small pool per run).
        let pool: &'static Three = Box::leak(Box::new(Three::new()));
        let zero = pool.try_acquire().unwrap();
        let a = thread::spawn(move || {
            // Two at once: after a stale pop the second takes the installed slot.
            let mut first = pool.try_acquire().ok();
            let mut second = pool.try_acquire().ok();
            for (buf, id) in [(&mut first, 11), (&mut second, 12)] {
                if let Some(buf) = buf {
                    buf.extend_from_slice(&[id; 4]).unwrap();
                }
            }
            thread::yield_now();
            for (buf, id) in [(&first, 11), (&second, 12)] {
                if let Some(buf) = buf {
                    assert_eq!(&buf[..], &[id; 4], "a buffer held by two owners");
                }
            }
        });
        let b = thread::spawn(move || {
            let one = pool.try_acquire().ok();
            let mut two = pool.try_acquire().ok();
            drop(zero);
            drop(one);
            if let Some(two) = &mut two {
                two.extend_from_slice(&[7; 4]).unwrap();
            }
            two
        });
        let two = b.join().unwrap();
        thread::yield_now();
        if let Some(two) = &two {
            assert_eq!(&two[..], &[7; 4], "a buffer held by two owners");
        }
        a.join().unwrap();
        if let Some(two) = &two {
            assert_eq!(&two[..], &[7; 4], "a buffer held by two owners");
        }
        drop(two);
        let s = pool.stats();
        assert_eq!((s.available, s.in_use), (3, 0), "a buffer was lost: {s:?}");
    });
    assert!(
        !CAS_POP_WITH_NARROW_TAG,
        "unreachable with a narrow tag on the CAS pop"
    );
}
