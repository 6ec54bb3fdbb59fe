//! `pool::RawQueue`: FIFO order, full and empty, all zero when new, and two threads
//! handing raw handles through it (a producer filling buffers with a pattern, a
//! consumer checking it: the queue's `Release`/`Acquire` publishes the bytes; Miri
//! checks for data races). Also `raw_parts`.

use bufpress::error::RawError;
use bufpress::pool::{Pool, RawBuf, RawQueue};

const ROUNDS: usize = if cfg!(miri) { 200 } else { 200_000 };

#[test]
fn fifo_full_and_empty() {
    let q: RawQueue<4> = RawQueue::new();
    assert!(q.is_empty());
    assert_eq!(q.try_pop(), None);
    for i in 0..4 {
        q.try_push(RawBuf::from_bits(i)).unwrap();
    }
    assert_eq!(q.len(), 4);
    assert_eq!(q.try_push(RawBuf::from_bits(9)), Err(RawBuf::from_bits(9)));
    // Around the ring many times: order kept, every value whole (all 64 bits).
    for i in 4..100u64 {
        assert_eq!(q.try_pop(), Some(RawBuf::from_bits(i - 4)));
        let bits = i | (i << 40) | (1 << 63);
        q.try_push(RawBuf::from_bits(if i >= 96 { bits } else { i }))
            .unwrap();
    }
    for i in 96..100u64 {
        assert_eq!(
            q.try_pop(),
            Some(RawBuf::from_bits(i | (i << 40) | (1 << 63)))
        );
    }
    assert_eq!(q.try_pop(), None);
    assert_eq!(q.capacity(), 4);
    let two: RawQueue<2> = RawQueue::default();
    for i in 0..2 {
        two.try_push(RawBuf::from_bits(i)).unwrap();
    }
    assert!(two.try_push(RawBuf::from_bits(2)).is_err());
    assert_eq!(two.try_pop(), Some(RawBuf::from_bits(0)));
}

#[test]
fn new_queue_is_all_zero() {
    static Q: RawQueue<8> = RawQueue::new();
    let q = RawQueue::<8>::new();
    // SAFETY: `RawQueue` is atomics only, no padding (u32 words); reading its bytes
    // while nothing writes to it is reading initialized memory.
    let bytes = unsafe {
        core::slice::from_raw_parts((&raw const q).cast::<u8>(), size_of::<RawQueue<8>>())
    };
    assert!(bytes.iter().all(|&b| b == 0));
    assert!(Q.is_empty());
}

#[test]
fn two_threads_hand_over_filled_buffers() {
    static POOL: Pool<4, 64> = Pool::new();
    static Q: RawQueue<2> = RawQueue::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut sent = 0usize;
            while sent < ROUNDS {
                let Ok(mut buf) = POOL.try_acquire() else {
                    std::thread::yield_now();
                    continue;
                };
                let b = sent as u8;
                buf.extend_from_slice(&[b; 64][..1 + sent % 64]).unwrap();
                let mut raw = buf.into_raw();
                loop {
                    match Q.try_push(raw) {
                        Ok(()) => break,
                        Err(back) => {
                            raw = back;
                            std::thread::yield_now();
                        }
                    }
                }
                sent += 1;
            }
        });
        s.spawn(|| {
            let mut got = 0usize;
            while got < ROUNDS {
                let Some(raw) = Q.try_pop() else {
                    std::thread::yield_now();
                    continue;
                };
                let buf = POOL.try_from_raw(raw).unwrap();
                assert_eq!(buf.len(), 1 + got % 64);
                assert!(buf.iter().all(|&x| x == got as u8), "round {got}");
                got += 1;
            }
        });
    });
    assert!(Q.is_empty());
    assert_eq!(POOL.stats().in_use, 0);
}

#[test]
fn raw_parts_give_the_buffer_while_the_handle_is_held() {
    static POOL: Pool<2, 32> = Pool::new();
    static OTHER: Pool<2, 32> = Pool::new();
    let mut buf = POOL.try_acquire().unwrap();
    let expected = buf.as_mut_ptr();
    let raw = buf.into_raw();
    let (ptr, capacity) = POOL.raw_parts(raw).unwrap();
    assert_eq!((ptr.as_ptr(), capacity), (expected, 32));
    // A "DMA transfer" writes through the pointer while the handle is held.
    // SAFETY: the raw handle holds the buffer, whose 32 bytes `ptr` addresses.
    unsafe { ptr.as_ptr().write_bytes(0xAB, 10) };
    assert!(matches!(OTHER.raw_parts(raw), Err(RawError::NotRaw { .. })));
    assert!(matches!(
        POOL.raw_parts(raw.with_len(33)),
        Err(RawError::Length {
            len: 33,
            capacity: 32
        })
    ));
    let buf = POOL.try_from_raw(raw.with_len(10)).unwrap();
    assert_eq!(buf, [0xAB; 10]);
    // Turned back: the handle is stale now.
    assert!(POOL.raw_parts(raw).is_err());
}
