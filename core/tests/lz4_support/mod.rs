//! What the lz4 tests share: pools and states, test data of several kinds, frame
//! settings, and one-shot and streaming drivers. Sizes shrink under Miri.

pub(crate) use bufpress::codec::lz4::{
    self, BlockMode, BlockSize, Decoder, Encoder, FrameSettings, Table,
};
pub(crate) use bufpress::codec::{
    self, Checksum, Decode, DecodeError, Encode, EncodeError, Progress, Status,
};
pub(crate) use bufpress::pool::{Buf, Pool, ValuePool};

pub(crate) const MIRI: bool = cfg!(miri);
pub(crate) const BIG: usize = if MIRI { 66_000 } else { 1 << 20 };
pub(crate) const OUT: usize = BIG + BIG / 64 + 4096;
pub(crate) const SIZES: [usize; 7] = [0, 1, 63, 65_535, 65_536, 65_537, BIG];
pub(crate) const MIRI_SIZES: [usize; 4] = [0, 1, 63, 3000];

pub(crate) fn sizes() -> &'static [usize] {
    if MIRI { &MIRI_SIZES } else { &SIZES }
}

pub(crate) const DEC64: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
pub(crate) const ENC64: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
pub(crate) const DEC4M: usize = lz4::decoder_memory(BlockSize::Max4MiB, BlockMode::Linked);
pub(crate) const ENC4M: usize = lz4::encoder_memory(BlockSize::Max4MiB, BlockMode::Linked);

pub(crate) static TABLES: ValuePool<Table, 4> = ValuePool::new([const { Table::new() }; 4]);
pub(crate) static DECODERS: ValuePool<Decoder<DEC64>, 2> =
    ValuePool::new([const { Decoder::new() }; 2]);
pub(crate) static ENCODERS: ValuePool<Encoder<ENC64>, 2> =
    ValuePool::new([const { Encoder::new() }; 2]);
pub(crate) static BIG_DECODER: ValuePool<Decoder<DEC4M>, 1> =
    ValuePool::new([const { Decoder::new() }]);
pub(crate) static BIG_ENCODER: ValuePool<Encoder<ENC4M>, 1> =
    ValuePool::new([const { Encoder::new() }]);

/// The tests share pools and states and check that every one is back after each
/// error, so they run one at a time.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---- data ---------------------------------------------------------------------------

pub(crate) use bufpress_support::rng::Rng;

#[path = "../common/data.rs"]
mod common_data;
pub(crate) use common_data::{KINDS, Kind, data};

/// Every setting combination (64), or a sample of them.
pub(crate) fn all_settings() -> Vec<FrameSettings> {
    let mut v = Vec::new();
    for size in [
        BlockSize::Max64KiB,
        BlockSize::Max256KiB,
        BlockSize::Max1MiB,
        BlockSize::Max4MiB,
    ] {
        for mode in [BlockMode::Independent, BlockMode::Linked] {
            for bits in 0..8 {
                v.push(
                    FrameSettings::new()
                        .with_block_size(size)
                        .with_block_mode(mode)
                        .with_block_checksum(bits & 1 != 0)
                        .with_content_checksum(bits & 2 != 0)
                        .with_content_size((bits & 4 != 0).then_some(0)),
                );
            }
        }
    }
    v
}

pub(crate) fn for_len(settings: FrameSettings, len: usize) -> FrameSettings {
    let size = settings.content_size.map(|_| len as u64);
    settings.with_content_size(size)
}

// ---- helpers ------------------------------------------------------------------------

pub(crate) static ONE_SHOT: Pool<4, OUT> = Pool::new();

pub(crate) fn frame(input: &[u8], settings: &FrameSettings) -> Vec<u8> {
    let mut out = ONE_SHOT.acquire_blocking();
    let n = lz4::compress_frame_into(input, &mut out, settings, &mut TABLES.acquire_blocking())
        .unwrap();
    assert_eq!(n, out.len());
    assert!(n <= lz4::max_frame_len(input.len(), settings));
    out.to_vec()
}

pub(crate) fn unframe(frame: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = ONE_SHOT.acquire_blocking();
    let r = lz4::decompress_frame_into(frame, &mut out);
    match r {
        Ok(n) => {
            assert_eq!(n, out.len());
            Ok(out.to_vec())
        }
        Err(e) => {
            assert!(out.is_empty(), "output committed on error {e:?}");
            Err(e)
        }
    }
}

/// Streams `input` through `encoder` in random pieces into buffers of `pool`.
pub(crate) fn stream_encode<E: Encode + ?Sized>(
    encoder: &mut E,
    input: &[u8],
    pool: &Pool<2, 100>,
    rng: &mut Rng,
    max_piece: usize,
) -> Vec<u8> {
    let mut frame = Vec::new();
    let mut out = pool.try_acquire().unwrap();
    let mut rest = input;
    while !rest.is_empty() {
        let piece = (1 + rng.below(max_piece)).min(rest.len());
        let p = encoder.encode(&rest[..piece], &mut out).unwrap();
        assert!(p.consumed <= piece);
        assert_eq!(p.produced, out.len().min(p.produced));
        rest = &rest[p.consumed..];
        if p.status == Status::OutputFull || out.remaining() == 0 {
            frame.extend_from_slice(&out);
            out.clear();
        }
    }
    loop {
        let p = encoder.finish(&mut out).unwrap();
        frame.extend_from_slice(&out);
        out.clear();
        if p.status == Status::Done {
            break;
        }
        assert_eq!(p.status, Status::OutputFull);
    }
    frame
}

/// Streams `frame` through `decoder` in random pieces into `out` (handed on when
/// full); returns the output and the bytes consumed when the frame ended.
pub(crate) fn stream_decode<D: Decode + ?Sized>(
    decoder: &mut D,
    frame: &[u8],
    out: &mut Buf<'_>,
    rng: &mut Rng,
    max_piece: usize,
) -> Result<(Vec<u8>, usize), DecodeError> {
    let mut data = Vec::new();
    let mut at = 0;
    loop {
        let piece = (1 + rng.below(max_piece)).min(frame.len() - at);
        let p = decoder.decode(&frame[at..at + piece], out)?;
        at += p.consumed;
        match p.status {
            Status::Done => {
                data.extend_from_slice(out);
                out.clear();
                return Ok((data, at));
            }
            Status::OutputFull => {
                assert_eq!(out.remaining(), 0);
                data.extend_from_slice(out);
                out.clear();
            }
            Status::NeedInput => {
                assert_eq!(p.consumed, piece);
                if at == frame.len() {
                    return Err(DecodeError::Truncated);
                }
            }
        }
    }
}
