//! What the deflate, zlib and gzip tests share: test data, checksums and hand-built
//! stored streams, and the rig (pools and states owned by one test, checked when it
//! ends). Streams are built by bufpress's encoder at several levels (it needs no
//! allocator), or by hand from stored blocks. Sizes shrink under Miri.

pub(crate) use bufpress::codec::deflate::{
    self, Decoder, DecoderState, Format, GzipHeader, InflateState, decompress_gzip_into,
    decompress_into,
};
pub(crate) use bufpress::codec::{self, Checksum, Decode as _, DecodeError, Progress, Status};
pub(crate) use bufpress::pool::{Buf, RegionPool, ValuePool};

pub(crate) const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];
/// Miri runs miniz_oxide at a few KB/s: there every test runs on a few hundred
/// bytes and samples its cases, keeping the file under two minutes.
pub(crate) const MIRI: bool = cfg!(miri);
pub(crate) const BIG: usize = if MIRI { 33_000 } else { 1 << 20 };
/// Small under Miri: Stacked Borrows retags a whole slice on every reborrow, so time
/// there grows with the size of the buffers miniz_oxide writes into.
pub(crate) const OUT_SIZE: usize = if MIRI { 4096 } else { BIG + BIG / 8 + 4096 };
pub(crate) const SMALL: usize = 100;

// ---- data, checksums and hand-built streams ----------------------------------------

pub(crate) use bufpress_support::rng::Rng;

#[path = "../common/data.rs"]
mod common_data;

/// Text-like, random, zeros or binary data, by `kind % 4`.
pub(crate) fn data(kind: usize, len: usize, seed: u64) -> Vec<u8> {
    common_data::data(common_data::KINDS[kind % 4], len, seed)
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Raw deflate of `data` in stored blocks (no compression), built by hand.
pub(crate) fn stored_deflate(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Wraps raw deflate `body` of `content` as `format` (a plain 10-byte gzip header).
pub(crate) fn wrap(format: Format, body: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        Format::Raw => out.extend_from_slice(body),
        Format::Zlib => {
            out.extend_from_slice(&[0x78, 0x9c]);
            out.extend_from_slice(body);
            out.extend_from_slice(&adler32(content).to_be_bytes());
        }
        Format::Gzip => {
            out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
            out.extend_from_slice(body);
            out.extend_from_slice(&crc32(content).to_le_bytes());
            out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        }
    }
    out
}

/// `data` compressed as `format` by bufpress at `level` (32 KiB window).
pub(crate) fn compress(format: Format, level: i32, data: &[u8]) -> Vec<u8> {
    let size = deflate::max_compressed_len(data.len(), format);
    let mut mem = vec![0u8; size + 256];
    let pool = RegionPool::<1>::new(&mut mem, size, 4).unwrap();
    let mut out = pool.try_acquire().unwrap();
    thread_local! {
        // One per test thread, const-initialized (no 260 KB on the stack).
        static STATE: std::cell::RefCell<deflate::EncoderState> =
            const { std::cell::RefCell::new(deflate::EncoderState::new()) };
    }
    STATE
        .with_borrow_mut(|state| deflate::compress_into(data, &mut out, format, level, state))
        .unwrap();
    out.to_vec()
}

// ---- the rig: pools and states owned by one test, checked when it ends -------------

pub(crate) struct Rig<'a> {
    pub(crate) out: RegionPool<'a, 2>,
    pub(crate) small: RegionPool<'a, 4>,
    pub(crate) inflate: &'a ValuePool<InflateState, 1>,
    pub(crate) decoders: &'a ValuePool<DecoderState, 1>,
}

/// Runs `f` with fresh pools and states, then checks that all of them are back.
pub(crate) fn with_rig(f: impl FnOnce(&Rig<'_>)) {
    let mut big = vec![0u8; 2 * OUT_SIZE + 4096];
    let mut small = vec![0u8; 4 * SMALL + 4096];
    let inflate = Box::new(ValuePool::new([InflateState::new()]));
    let decoders = Box::new(ValuePool::new([DecoderState::new()]));
    let rig = Rig {
        out: RegionPool::new(&mut big, OUT_SIZE, 4).unwrap(),
        small: RegionPool::new(&mut small, SMALL, 4).unwrap(),
        inflate: &inflate,
        decoders: &decoders,
    };
    f(&rig);
    assert_eq!(
        rig.out.stats().in_use,
        0,
        "an output buffer was not returned"
    );
    assert_eq!(
        rig.small.stats().in_use,
        0,
        "a small buffer was not returned"
    );
    assert_eq!(
        rig.inflate.stats().in_use,
        0,
        "an inflate state was not returned"
    );
    assert_eq!(
        rig.decoders.stats().in_use,
        0,
        "a decoder state was not returned"
    );
}

impl Rig<'_> {
    /// One-shot decode into a fresh buffer of `cap` bytes (at most OUT_SIZE).
    pub(crate) fn oneshot_cap(
        &self,
        format: Format,
        input: &[u8],
        cap: usize,
    ) -> Result<Vec<u8>, DecodeError> {
        let mut out = self.out.try_acquire().unwrap();
        let mut state = self.inflate.try_acquire().unwrap();
        // Fill the buffer up to `OUT_SIZE - cap` so only `cap` bytes remain.
        let pad = OUT_SIZE - cap;
        out.try_spare_capacity_mut(pad).unwrap().fill(0xAA);
        out.commit(pad).unwrap();
        let result = decompress_into(input, &mut out, format, &mut state);
        match result {
            Ok(n) => {
                assert_eq!(out.len(), pad + n);
                Ok(out[pad..].to_vec())
            }
            Err(e) => {
                assert_eq!(out.len(), pad, "partial output kept after {e:?}");
                Err(e)
            }
        }
    }

    pub(crate) fn oneshot(&self, format: Format, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        self.oneshot_cap(format, input, OUT_SIZE)
    }

    /// Streaming decode of the whole input through 100-byte buffers with `decode_to`.
    /// Returns the output and the input consumed.
    pub(crate) fn streamed(
        &self,
        format: Format,
        input: &[u8],
    ) -> Result<(Vec<u8>, usize), DecodeError> {
        let state = self.decoders.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, state);
        let mut got = Vec::new();
        let used = codec::decode_to(&mut decoder, input, self.small.pool_ref(), |buf| {
            assert!(!buf.is_empty());
            got.extend_from_slice(&buf);
            Ok::<(), ()>(())
        })
        .map_err(|e| match e {
            codec::StreamError::Codec(e) => e,
            other => panic!("{other:?}"),
        })?;
        Ok((got, used))
    }

    /// Streaming decode with input in random pieces of at most `max_piece` bytes and
    /// output buffers of `SMALL` bytes, across gzip members; stops at the end of the
    /// stream. Returns the output and the input consumed.
    pub(crate) fn pieces(
        &self,
        format: Format,
        input: &[u8],
        max_piece: usize,
        seed: u64,
        limit: u64,
    ) -> Result<(Vec<u8>, usize), DecodeError> {
        let state = self.decoders.try_acquire().unwrap();
        let mut decoder = Decoder::new(format, state).with_max_output(limit);
        run_pieces(&mut decoder, &self.small, input, max_piece, seed)
    }
}

pub(crate) fn run_pieces(
    decoder: &mut impl codec::Decode,
    pool: &RegionPool<'_, 4>,
    input: &[u8],
    max_piece: usize,
    seed: u64,
) -> Result<(Vec<u8>, usize), DecodeError> {
    let mut rng = Rng::new(seed);
    let mut got = Vec::new();
    let mut out: Buf<'_> = pool.try_acquire().unwrap();
    let mut at = 0;
    loop {
        let piece = &input[at..(at + 1 + rng.below(max_piece)).min(input.len())];
        let p: Progress = decoder.decode(piece, &mut out)?;
        assert!(p.consumed <= piece.len() && p.produced <= SMALL);
        at += p.consumed;
        match p.status {
            Status::OutputFull => {
                assert_eq!(out.remaining(), 0);
                got.extend_from_slice(&out);
                out.clear();
            }
            Status::NeedInput => {
                assert_eq!(p.consumed, piece.len(), "NeedInput left input");
                // At the end of the input the next piece is empty: the end-of-input
                // call (a gzip stream may end between members); wanting more after it
                // is truncation.
                if piece.is_empty() {
                    return Err(DecodeError::Truncated);
                }
            }
            Status::Done => {
                if at == input.len() || (p.consumed == 0 && p.produced == 0) {
                    got.extend_from_slice(&out);
                    return Ok((got, at));
                }
            }
        }
    }
}

/// `decode(input)`, then, when that took all of `input` and wants more, the call with
/// no input that says the input has ended (where a gzip stream ends after its last
/// member); the `Progress` of both together.
pub(crate) fn decode_to_end(
    decoder: &mut impl codec::Decode,
    input: &[u8],
    out: &mut Buf<'_>,
) -> Result<Progress, DecodeError> {
    let p = decoder.decode(input, out)?;
    if p.status != Status::NeedInput || p.consumed != input.len() {
        return Ok(p);
    }
    let end = decoder.decode(&[], out)?;
    Ok(Progress {
        consumed: p.consumed + end.consumed,
        produced: p.produced + end.produced,
        status: end.status,
    })
}

pub(crate) fn levels() -> &'static [i32] {
    if MIRI { &[6] } else { &[0, 1, 2, 6, 9, 10] }
}

/// `native`, or `miri` under Miri.
pub(crate) fn scaled<T>(native: T, miri: T) -> T {
    if MIRI { miri } else { native }
}
