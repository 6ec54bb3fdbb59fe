//! One acquire+release round trip of a buffer, bufpress's `Pool` against its peers.
//!
//! Every benchmark id is `pool/{threads}/{work}/{size}/{design}`:
//!
//! - `threads`: `1t`, one thread (two threads on one pool are measured by
//!   `pool_threads.rs`, which times both threads; this bench's old `2t` case timed only
//!   one of them and disagreed with it by up to 10x);
//! - `work`: `bare` (acquire, then release) or `write` (also write 4 KiB into the
//!   buffer between the two);
//! - `size`: `4k` or `64k`, the size of each buffer;
//! - `design`:
//!   - `bufpress`: a `static` `bufpress::pool::Pool<64, SIZE>`, `try_acquire` + drop;
//!   - `heapless`: heapless 0.9 `object_pool!` of `[u8; SIZE]` with 64 blocks,
//!     `request` + drop;
//!   - `segqueue`: a crossbeam `SegQueue<Vec<u8>>` holding 64 Vecs of capacity SIZE,
//!     `pop` + `push`;
//!   - `atomic_pool`: atomic-pool 2 `pool!` of 64 `[u8; SIZE]`; its safe API takes a
//!     value to move in, so every acquire also writes SIZE zero bytes;
//!   - `atomic_pool_uninit`: the same bitmap pool of `[MaybeUninit<u8>; SIZE]`, whose
//!     initial value costs nothing: the free list alone;
//!   - `vec_with_capacity`: `Vec::<u8>::with_capacity(SIZE)` per operation, dropped;
//!   - `vec_zeroed`: `vec![0u8; SIZE]` per operation, dropped.
//!
//! Each criterion "iteration" is one round trip, so criterion's time per iteration is
//! nanoseconds per round trip. `.ci/bench-pool` runs this and prints the ratio table.

use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Duration;

use bufpress::pool::Pool;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use crossbeam_queue::SegQueue;
use heapless::pool::object::{ObjectBlock, ObjectPool};

/// Buffers per pool, for every design that has a pool.
const BUFS: usize = 64;
const KIB4: usize = 4 * 1024;
const KIB64: usize = 64 * 1024;
/// Bytes written into the buffer by the `write` cases.
const WRITE_LEN: usize = 4 * 1024;

static BUFPRESS_4K: Pool<BUFS, KIB4> = Pool::new();
static BUFPRESS_64K: Pool<BUFS, KIB64> = Pool::new();

/// The peers' pools, which their macros declare as singleton types.
mod peers {
    // The macros expand to undocumented `pub` items and to `(n + 31) / 32`.
    #![allow(missing_docs, unreachable_pub, clippy::manual_div_ceil)]

    use super::{BUFS, KIB4, KIB64, MaybeUninit};
    use heapless::object_pool;

    object_pool!(Heapless4k: [u8; KIB4]);
    object_pool!(Heapless64k: [u8; KIB64]);

    atomic_pool::pool!(pub Atomic4k: [[u8; KIB4]; BUFS]);
    atomic_pool::pool!(pub Atomic64k: [[u8; KIB64]; BUFS]);
    atomic_pool::pool!(pub AtomicUninit4k: [[MaybeUninit<u8>; KIB4]; BUFS]);
    atomic_pool::pool!(pub AtomicUninit64k: [[MaybeUninit<u8>; KIB64]; BUFS]);
}

use peers::{Atomic4k, Atomic64k, AtomicUninit4k, AtomicUninit64k, Heapless4k, Heapless64k};

/// Gives a heapless object pool its 64 blocks. heapless wants `&'static mut` blocks;
/// leaking boxes gives them without `static mut` (the memory lives as long as the
/// benchmark process anyway).
fn fill_heapless<P: ObjectPool<Data = [u8; SIZE]>, const SIZE: usize>() {
    for _ in 0..BUFS {
        let block: &'static mut ObjectBlock<[u8; SIZE]> =
            Box::leak(Box::new(ObjectBlock::new([0; SIZE])));
        P::manage(block);
    }
}

/// Runs `op` once per iteration on this thread.
fn bench(g: &mut BenchmarkGroup<'_, WallTime>, design: &str, op: impl Fn()) {
    g.bench_function(design, |b| b.iter(&op));
}

/// One group `pool/1t/{work}/{size}`: every design, on pools of SIZE bytes.
fn group<const SIZE: usize, const WRITE: bool, H, A, U>(
    c: &mut Criterion,
    size: &str,
    bufpress: &'static Pool<BUFS, SIZE>,
    queue: &SegQueue<Vec<u8>>,
    src: &[u8],
) where
    H: ObjectPool<Data = [u8; SIZE]>,
    A: atomic_pool::Pool<Item = [u8; SIZE]>,
    U: atomic_pool::Pool<Item = [MaybeUninit<u8>; SIZE]>,
{
    let work = if WRITE { "write" } else { "bare" };
    let mut g = c.benchmark_group(format!("pool/1t/{work}/{size}"));

    bench(&mut g, "bufpress", || {
        let mut buf = bufpress.try_acquire().expect("bufpress pool exhausted");
        if WRITE {
            buf.extend_from_slice(black_box(src))
                .expect("4 KiB fits in the buffer");
        }
        black_box(buf.as_ptr());
    });

    bench(&mut g, "heapless", || {
        let mut obj = H::request().expect("heapless pool exhausted");
        if WRITE {
            obj[..WRITE_LEN].copy_from_slice(black_box(src));
        }
        black_box(obj.as_ptr());
    });

    bench(&mut g, "segqueue", || {
        let mut v = queue.pop().expect("SegQueue pool exhausted");
        if WRITE {
            v.clear();
            v.extend_from_slice(black_box(src));
        }
        black_box(v.as_ptr());
        queue.push(v);
    });

    bench(&mut g, "atomic_pool", || {
        let mut b = atomic_pool::Box::<A>::new([0; SIZE]).expect("atomic-pool exhausted");
        if WRITE {
            b[..WRITE_LEN].copy_from_slice(black_box(src));
        }
        black_box(b.as_ptr());
    });

    bench(&mut g, "atomic_pool_uninit", || {
        let mut b = atomic_pool::Box::<U>::new([MaybeUninit::uninit(); SIZE])
            .expect("atomic-pool exhausted");
        if WRITE {
            let src = black_box(src);
            assert!(src.len() <= SIZE);
            // A byte loop over `MaybeUninit<u8>` does not become a memcpy (it measured
            // ~80 ns for 4 KiB against ~45 ns), and no stable safe API at the crate's
            // MSRV copies into `[MaybeUninit<u8>]`.
            // SAFETY: `b` owns its pool item, SIZE bytes, exclusively; `src` is at most
            // SIZE bytes (asserted) and is a different allocation, so they do not
            // overlap; writing initialized bytes into `MaybeUninit<u8>` is always valid.
            unsafe {
                core::ptr::copy_nonoverlapping(src.as_ptr(), b.as_mut_ptr().cast(), src.len());
            }
        }
        black_box(b.as_ptr());
    });

    bench(&mut g, "vec_with_capacity", || {
        let mut v = Vec::<u8>::with_capacity(SIZE);
        if WRITE {
            v.extend_from_slice(black_box(src));
        }
        black_box(v.as_ptr());
    });

    bench(&mut g, "vec_zeroed", || {
        let mut v = vec![0u8; SIZE];
        if WRITE {
            v[..WRITE_LEN].copy_from_slice(black_box(src));
        }
        black_box(v.as_ptr());
    });

    g.finish();
}

/// All groups for buffers of SIZE bytes.
fn size<const SIZE: usize, H, A, U>(
    c: &mut Criterion,
    label: &str,
    bufpress: &'static Pool<BUFS, SIZE>,
) where
    H: ObjectPool<Data = [u8; SIZE]>,
    A: atomic_pool::Pool<Item = [u8; SIZE]>,
    U: atomic_pool::Pool<Item = [MaybeUninit<u8>; SIZE]>,
{
    fill_heapless::<H, SIZE>();
    let queue = SegQueue::new();
    for _ in 0..BUFS {
        queue.push(Vec::with_capacity(SIZE));
    }
    // Not all one byte value, so no copy can turn into a fill.
    let src: Vec<u8> = (0..WRITE_LEN).map(|i| (i * 31 % 251) as u8).collect();
    group::<SIZE, false, H, A, U>(c, label, bufpress, &queue, &src);
    group::<SIZE, true, H, A, U>(c, label, bufpress, &queue, &src);
}

fn pools(c: &mut Criterion) {
    size::<KIB4, Heapless4k, Atomic4k, AtomicUninit4k>(c, "4k", &BUFPRESS_4K);
    size::<KIB64, Heapless64k, Atomic64k, AtomicUninit64k>(c, "64k", &BUFPRESS_64K);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40);
    targets = pools
}
criterion_main!(benches);
