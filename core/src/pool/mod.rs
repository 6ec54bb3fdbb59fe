//! The arena: fixed buffers on a lock-free intrusive free list.
//!
//! | type | what it is |
//! |---|---|
//! | [`Pool<N, SIZE, A, SCRUB>`](Pool) | N buffers of SIZE bytes held inline; `const fn new`, a `static` in `.bss` |
//! | [`RegionPool<'a, N>`](RegionPool) | N buffers over memory the caller hands in (a DMA section) |
//! | [`PoolRef`] | the non-generic handle to either, which all operations go through |
//! | [`Buf`] | the guard: owns one buffer, a bounded byte vector, returns the buffer on drop |
//! | [`RawBuf`] | an 8-byte `Copy` handle for DMA descriptors and interrupt queues, checked when turned back |
//! | [`RawQueue`] | a fixed, lock-free (interrupt-safe) queue of raw handles, all zero when new: interrupt-to-task hand-off |
//! | [`SizeClasses`] | several pools; `try_acquire(len)` picks the smallest class that fits |
//! | [`ValuePool<T, N>`](ValuePool) / [`Value`] | the same free list over values: codec states |
//! | [`Stats`] | capacity, available, in use, high-water mark, failed acquires: O(1), no lock |
//! | `Acquire` (feature `async`) | the future of `acquire`: waits for a buffer on an intrusive FIFO queue, no allocation |
//!
//! # Design note: the free list
//!
//! Free slots form a Treiber stack of slot *indices*. The head is one atomic word,
//! `index | waiting | tag`, with the in-use count in a second atomic. Release writes
//! the slot's link and swaps the slot in with one CAS; a push whose CAS succeeds is
//! right whatever happened in between, since its link points at the head it replaced.
//! Acquire (the pop) reads the head, then the top's link, then installs the successor:
//! if the top was taken and given back between its read and its write while the list
//! under it changed, a blind write would install a successor that is held (the ABA
//! problem). How each target rules that out:
//!
//! | targets | pop | lock-free or interrupt-masking | ABA argument | checked by |
//! |---|---|---|---|---|
//! | thumbv7m, thumbv7em, thumbv8m.main (ARMv7-M, ARMv8-M mainline) | LDREX head, read link, STREX (`head/llsc.rs`) | lock-free | none possible: the STREX fails after any store to the head by another core (global monitor) or by an interrupt handler (exception entry and return clear the local monitor, ARMv7-M ARM A3.4.4) | `loom_aba`, `loom_freelist`, the core's tests and Miri with `--cfg bufpress_head32` (LL/SC with an emulated monitor, any tag width); the thumbv7em disassembly |
//! | other targets without 64-bit atomics: thumbv6m, riscv32, 32-bit MIPS/PowerPC (feature `critical-section` required) | load, read link, CAS in one `critical_section::with` (`head/cs.rs`) | masks interrupts for a few instructions (on multicore: the critical-section lock); still callable from an interrupt handler | pops exclude each other, and the head's index returns to a slot only by popping it | `loom_aba`, `loom_freelist` and the core's tests with `--cfg bufpress_head32_cs` |
//! | targets with 64-bit atomics (x86_64, aarch64, ...) | load, read link, CAS with a 48-bit tag (`head/cas.rs`) | lock-free | the tag counts pops: a stale CAS succeeds only after 2^48 pops by others while one thread sits between two adjacent instructions (at one pop per ns, 78 hours) | `loom_aba` with `--cfg bufpress_tag_bits="1"` (then the model must find the double owner: it shows the bound is what holds) |
//!
//! Why this design (the measurements it rests on are in `tests/benches/RESULTS.md`):
//!
//! - **Interrupt-safe.** It is lock-free (on the critical-section targets of the
//!   table, the pop masks interrupts for a few instructions instead): a thread (or the
//!   code an interrupt handler interrupted) that is stopped between its load and its
//!   write never keeps anyone else from finishing. A spin lock would deadlock an interrupt handler that
//!   interrupted the lock holder, and its `try_lock` fails spuriously under
//!   contention; `try_acquire` here fails only when the stack is seen empty.
//! - **O(1), intrusive, no allocation.** The links are an array of 2-byte atomics,
//!   one per slot, held in the pool. They sit apart from the buffers: packing them
//!   next to each payload measured slower, and would put a non-zero link in every
//!   slot.
//! - **All zero when new.** Link `i` stores `next - (i + 1)` (15 bits), so zero means "the next
//!   slot"; the head word zero means "slot 0 on top, nothing in use". A new pool is a
//!   full free list and all zero bytes: a `static` pool lands in `.bss`.
//! - **Written once.** All operations run on a [`PoolRef`] (a few pointers and
//!   sizes), so the code is not duplicated for every `N` and `SIZE`.
//!
//! Memory orderings: the pop reads the head with `Acquire` (the new holder sees the
//! previous holder's writes, which that holder's `Release` push published); links are
//! read and written `Relaxed` atomics, ordered by the head's updates; a stale link read
//! is harmless because the pop's write then fails (the STREX, the tag, or the
//! critical section's CAS).
//!
//! # Waiting tasks (feature `async`)
//!
//! `acquire` lets a task wait for a buffer; waiters queue in FIFO order on an
//! intrusive list whose nodes live in their futures, and a release hands its buffer
//! straight to the oldest. Bit 15 of the head word (next to the 15-bit index) says
//! whether anyone waits, so a release with nobody waiting pays one bit test.
//! Dropping a waiting future leaves the queue (cancel-safe); a waker that panics
//! leaves the pool consistent. With the default spin waiter lock, an interrupt
//! handler may call `try_acquire` and release buffers, but must neither poll nor drop
//! a waiting `Acquire` (both take the lock, which the interrupted code may hold);
//! with the `critical-section` feature it may. The full design note (fairness, the
//! deferred releases of interrupt handlers, where user code runs) is in the source of
//! `pool/wait.rs`; the invariants and their tests are in `docs/safety.md`.
//!
//! # Cores with no CAS (thumbv6m)
//!
//! thumbv6m has atomic loads and stores but no compare-and-swap. There the crate
//! takes its atomics from `portable-atomic`; with the `critical-section` feature each
//! CAS runs inside `critical_section::with`, which on a single-core part masks
//! interrupts for a few instructions, and so does each pop (the table above). The
//! application links a `critical-section` implementation (e.g. `cortex-m`'s
//! `critical-section-single-core`). Without the feature the build fails with a
//! message saying so (on thumbv6m, riscv32 and every other target the table's second
//! row covers), rather than silently being unsound. CI builds this configuration.
//!
//! # Limits
//!
//! At most 32,767 buffers per pool; buffers of at most `u32::MAX` bytes. The free
//! list's ABA guarantee per target is the table in the design note.

#[cfg(feature = "async")]
mod acquire;
mod array;
mod buf;
mod buf_traits;
mod classes;
mod freelist;
mod handle;
// The pop is picked per target by `build.rs`; `--cfg bufpress_head32` and
// `--cfg bufpress_head32_cs` select the 32-bit targets' pops on the host, so the
// host's tests, Miri and loom check them (see `.ci/test`).
mod head;
mod pool_ref;
mod raw_queue;
mod region;
mod value;
#[cfg(feature = "async")]
mod wait;

#[cfg(feature = "async")]
pub use acquire::Acquire;
pub use array::{
    Align4, Align8, Align16, Align32, Align64, Align128, Align256, Align512, Align1024, Align2048,
    Align4096, Alignment, Pool,
};
pub use buf::{Buf, RawBuf};
pub use classes::SizeClasses;
pub use freelist::Stats;
pub use handle::PoolHandle;
pub use pool_ref::PoolRef;
pub use raw_queue::RawQueue;
pub use region::RegionPool;
pub use value::{Value, ValuePool, ValueRef};
