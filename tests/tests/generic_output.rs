//! Every format through every kind of output, with one generic function: a pool
//! `Buf`, a slice at an odd offset (`io::Cursor`), a `heapless::Vec` and a `Vec`'s
//! spare capacity (`codec::VecOutput`).
//!
//! For each message, codec and output kind, [`exercise`] (generic over `Encode`,
//! `Decode` and `Output`; [`one_shots`] does the same for the one-shot calls) checks
//! that:
//!
//! - compressing into an output with exactly `Encode::max_output_len` bytes spare
//!   succeeds, and decompressing into exactly the message's length gives it back;
//! - one byte less than needed is a typed error (`OutputTooSmall`), never a panic,
//!   with the output's length unchanged and nothing written past the bound (a
//!   sentinel after the slice; a `Vec`'s capacity never changes);
//! - `Encode::flush` makes everything given so far decodable mid-stream;
//! - and all of it, over many varied calls after a warm-up, makes 0 allocations and
//!   0 reallocations (counting allocator).

use bufpress::codec::deflate::{self, DecoderState, EncoderState, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize, FrameSettings};
use bufpress::codec::{self, Decode, DecodeError, Encode, EncodeError, Output, Status, VecOutput};
use bufpress::io::Cursor;
use bufpress::pool::{Buf, Pool};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, measure};
use bufpress_tests::rng::Rng;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The largest message.
const MAX: usize = 40_000;
/// Every output's capacity: the largest bound plus room for the bytes put in front.
const CAP: usize = 64 * 1024;
/// Bytes of the sentinel after a slice output.
const GUARD: usize = 64;
const SENTINEL: u8 = 0x5A;
/// What an output is filled with before a call (its existing contents).
const PREFIX: u8 = 0xA5;

static POOL: Pool<2, CAP> = Pool::new();
/// The writer test's staging buffer (the tests run in parallel).
static STAGING: Pool<1, 512> = Pool::new();

const LZ4_MEM: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const LZ4_DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);

/// One format's streaming encoder and decoder (any implementation).
struct Codec {
    name: &'static str,
    encoder: Box<dyn Encode>,
    decoder: Box<dyn Decode>,
    /// Whether the decoder hands out a flushed block before the stream goes on (core's
    /// zstd decoder, on ruzstd, keeps the last window's bytes until the frame ends).
    flush_visible: bool,
}

fn codecs() -> Vec<Codec> {
    let mut v = Vec::new();
    for (i, settings) in [
        FrameSettings::new(),
        FrameSettings::new()
            .with_block_mode(BlockMode::Linked)
            .with_block_checksum(true),
    ]
    .into_iter()
    .enumerate()
    {
        let mut encoder = Box::new(lz4::Encoder::<LZ4_MEM>::new());
        encoder.set_settings(settings).unwrap();
        v.push(Codec {
            name: ["lz4", "lz4 linked"][i],
            encoder,
            decoder: Box::new(lz4::Decoder::<LZ4_DEC>::new()),
            flush_visible: true,
        });
    }
    for (format, name) in [
        (Format::Raw, "deflate"),
        (Format::Zlib, "zlib"),
        (Format::Gzip, "gzip"),
    ] {
        let state = Box::new(<EncoderState>::new());
        v.push(Codec {
            name,
            encoder: Box::new(deflate::Encoder::new(format, 6, state).unwrap()),
            decoder: Box::new(deflate::Decoder::new(format, Box::new(DecoderState::new()))),
            flush_visible: true,
        });
        v.push(Codec {
            name: match format {
                Format::Raw => "flate2 deflate",
                Format::Zlib => "flate2 zlib",
                _ => "flate2 gzip",
            },
            encoder: Box::new(bufpress_std::flate::Encoder::new(format, 6).unwrap()),
            decoder: Box::new(bufpress_std::flate::Decoder::new(format)),
            flush_visible: true,
        });
    }
    let zstd = || {
        let settings = bufpress_std::zstd::Settings::new(3, MAX).with_checksum(true);
        Box::new(bufpress_std::zstd::Encoder::new(settings).unwrap())
    };
    v.push(Codec {
        name: "zstd (core decoder)",
        encoder: zstd(),
        decoder: Box::new(codec::zstd::Decoder::new(1 << 17)),
        flush_visible: false,
    });
    v.push(Codec {
        name: "zstd (libzstd)",
        encoder: zstd(),
        decoder: Box::new(bufpress_std::zstd::Decoder::new(1 << 17)),
        flush_visible: true,
    });
    v
}

/// Outputs of one kind with a chosen amount of spare capacity, and a check that
/// nothing went past the bound.
trait Kind {
    type Out<'a>: Output
    where
        Self: 'a;
    /// An output with contents in front and exactly `spare` bytes of spare capacity.
    fn output(&mut self, spare: usize) -> Self::Out<'_>;
    /// Panics if anything was written past the bound of the last output.
    fn check_bound(&self);
}

/// A pool buffer, partly filled so that `spare` bytes are left.
struct BufKind;

impl Kind for BufKind {
    type Out<'a> = Buf<'static>;
    fn output(&mut self, spare: usize) -> Buf<'static> {
        let mut buf = POOL.try_acquire().unwrap();
        let filled = CAP - spare;
        buf.spare_capacity_mut()[..filled].fill(PREFIX);
        buf.commit(filled).unwrap();
        buf
    }
    fn check_bound(&self) {}
}

/// A slice of a larger array, starting at an odd offset, with a sentinel after it.
struct SliceKind {
    backing: Vec<u8>,
    end: usize,
}

impl Kind for SliceKind {
    type Out<'a> = Cursor<&'a mut [u8]>;
    fn output(&mut self, spare: usize) -> Cursor<&mut [u8]> {
        let len = 3 + spare; // three bytes of contents, at offset 1
        self.end = 1 + len;
        self.backing[self.end..self.end + GUARD].fill(SENTINEL);
        self.backing[0] = SENTINEL;
        let mut cursor = Cursor::new(&mut self.backing[1..1 + len]);
        cursor.extend_from_slice(&[PREFIX; 3]).unwrap();
        cursor
    }
    fn check_bound(&self) {
        assert_eq!(self.backing[0], SENTINEL, "written before the slice");
        assert!(
            self.backing[self.end..self.end + GUARD]
                .iter()
                .all(|&b| b == SENTINEL),
            "written past the slice"
        );
    }
}

/// A `heapless::Vec`, partly filled so that `spare` bytes are left.
struct HeaplessKind(Box<heapless::Vec<u8, CAP>>);

impl Kind for HeaplessKind {
    type Out<'a> = VecOutput<'a, heapless::Vec<u8, CAP>>;
    fn output(&mut self, spare: usize) -> Self::Out<'_> {
        self.0.clear();
        self.0.resize(CAP - spare, PREFIX).unwrap();
        VecOutput::new(&mut *self.0)
    }
    fn check_bound(&self) {
        assert_eq!(self.0.capacity(), CAP);
    }
}

/// A `Vec` with capacity, partly filled so that `spare` bytes of its spare capacity
/// are left; it must never grow.
struct VecKind(Vec<u8>);

impl Kind for VecKind {
    type Out<'a> = VecOutput<'a, Vec<u8>>;
    fn output(&mut self, spare: usize) -> Self::Out<'_> {
        self.0.clear();
        self.0.resize(CAP - spare, PREFIX);
        VecOutput::new(&mut self.0)
    }
    fn check_bound(&self) {
        assert_eq!(self.0.capacity(), CAP, "the Vec grew");
    }
}

/// The generic function under test: compresses `input` into `out` with any encoder,
/// through the traits only. Returns the compressed bytes' range in `out`.
fn pack<E: Encode + ?Sized, O: Output + ?Sized>(
    encoder: &mut E,
    input: &[u8],
    out: &mut O,
) -> Result<core::ops::Range<usize>, EncodeError> {
    let start = out.len();
    let n = codec::encode_into(encoder, input, out)?;
    Ok(start..start + n)
}

/// `decode` of the last of a stream's input, then, if the decoder took it all and
/// wants more, the call with no input that says the input has ended (a gzip stream
/// ends there, after its last member): the status of the last call.
fn decode_last(decoder: &mut dyn Decode, input: &[u8], out: &mut dyn Output) -> Status {
    let p = decoder.decode(input, out).unwrap();
    if p.status != Status::NeedInput || p.consumed != input.len() {
        return p.status;
    }
    decoder.decode(&[], out).unwrap().status
}

/// Round trips, bounds and flush of one message through one codec and output kind.
fn exercise<K: Kind>(codec: &mut Codec, input: &[u8], packed: &mut K, plain: &mut K) {
    let name = codec.name;
    let bound = codec.encoder.max_output_len(input.len()).unwrap();

    // Exactly the bound: fits.
    let mut out = packed.output(bound);
    let range = pack(&mut *codec.encoder, input, &mut out)
        .unwrap_or_else(|e| panic!("{name}: {} B into its bound {bound}: {e}", input.len()));
    assert!(range.len() <= bound, "{name}: beyond the bound");
    assert!(out.as_slice()[..range.start].iter().all(|&b| b == PREFIX));
    let frame = &out.as_slice()[range.clone()];

    // Back into exactly the message's length.
    let mut back = plain.output(input.len());
    let start = back.len();
    let n = codec::decode_into(&mut *codec.decoder, frame, &mut back)
        .unwrap_or_else(|e| panic!("{name}: decode {} B: {e}", input.len()));
    assert_eq!(n, input.len(), "{name}");
    assert!(back.as_slice()[start..] == *input, "{name}: round trip");
    drop(back);
    plain.check_bound();

    // One byte short, decoding: a typed error, nothing kept, nothing past the bound.
    if !input.is_empty() {
        let mut back = plain.output(input.len() - 1);
        let before = back.len();
        let e = codec::decode_into(&mut *codec.decoder, frame, &mut back).unwrap_err();
        assert!(
            matches!(e, DecodeError::OutputTooSmall { .. }),
            "{name}: {e:?}"
        );
        assert_eq!(back.len(), before, "{name}: kept output of a failed call");
        drop(back);
        plain.check_bound();
    }
    let size = range.len();
    drop(out);
    packed.check_bound();

    // One byte short, encoding.
    let mut out = packed.output(size - 1);
    let before = out.len();
    let e = pack(&mut *codec.encoder, input, &mut out).unwrap_err();
    assert!(
        matches!(e, EncodeError::OutputTooSmall { .. }),
        "{name}: {e:?}"
    );
    assert_eq!(out.len(), before, "{name}");
    drop(out);
    packed.check_bound();

    // Flush mid-stream: everything given so far decodes before the stream ends.
    let half = input.len() / 2;
    let mut out = packed.output(bound + 64);
    let start = out.len();
    codec.encoder.reset();
    let p = codec.encoder.encode(&input[..half], &mut out).unwrap();
    assert_eq!((p.consumed, p.status), (half, Status::NeedInput), "{name}");
    let p = codec.encoder.flush(&mut out).unwrap();
    assert_eq!(p.status, Status::Done, "{name}: flush");
    let flushed = out.len();
    let p = codec.encoder.encode(&input[half..], &mut out).unwrap();
    assert_eq!(p.status, Status::NeedInput, "{name}");
    let p = codec.encoder.finish(&mut out).unwrap();
    assert_eq!(p.status, Status::Done, "{name}");
    let stream = &out.as_slice()[start..];
    // One byte of room beyond the message, so a decoder that has all of the first
    // half out sees room and asks for input.
    let mut back = plain.output(input.len() + 1);
    let first = back.len();
    codec.decoder.reset();
    let p = codec
        .decoder
        .decode(&stream[..flushed - start], &mut back)
        .unwrap();
    assert_eq!(p.status, Status::NeedInput, "{name}: flushed part");
    if codec.flush_visible {
        assert!(
            back.as_slice()[first..] == input[..half],
            "{name}: the flushed part decodes to the first half"
        );
    }
    let last = &stream[flushed - start..];
    let status = decode_last(&mut *codec.decoder, last, &mut back);
    assert_eq!(status, Status::Done, "{name}");
    assert!(back.as_slice()[first..] == *input, "{name}: flushed stream");
}

/// A one-shot decompression into an output of kind `K`.
type Unpack<'f, K> = dyn FnMut(&[u8], &mut <K as Kind>::Out<'_>) -> Result<usize, DecodeError> + 'f;

/// The one-shot calls' states.
struct OneShot {
    table: Box<lz4::Table>,
    deflate: Box<EncoderState>,
    inflate: Box<deflate::InflateState>,
    zstd: bufpress_std::zstd::Encoder,
    unzstd: codec::zstd::Decoder<'static>,
    libunzstd: bufpress_std::zstd::Decoder,
}

/// The one-shot calls (free functions and methods, not the traits) into any output
/// kind: each compresses into exactly its bound and decompresses into exactly the
/// message's length.
fn one_shots<K: Kind>(s: &mut OneShot, input: &[u8], packed: &mut K, plain: &mut K) {
    let len = input.len();
    let settings = FrameSettings::new().with_block_checksum(true);
    let mut unpack = |frame: &[u8], f: &mut Unpack<'_, K>| {
        let mut back = plain.output(len);
        let start = back.len();
        assert_eq!(f(frame, &mut back).unwrap(), len);
        assert!(back.as_slice()[start..] == *input);
        drop(back);
        plain.check_bound();
    };

    let mut out = packed.output(lz4::max_compressed_len(len));
    let start = out.len();
    let n = lz4::compress_into(input, &mut out, &mut s.table).unwrap();
    unpack(&out.as_slice()[start..start + n], &mut |f, o| {
        lz4::decompress_into(f, o)
    });
    drop(out);

    let mut out = packed.output(lz4::max_frame_len(len, &settings));
    let start = out.len();
    let n = lz4::compress_frame_into(input, &mut out, &settings, &mut s.table).unwrap();
    unpack(&out.as_slice()[start..start + n], &mut |f, o| {
        lz4::decompress_frame_into(f, o)
    });
    drop(out);

    let mut out = packed.output(deflate::max_compressed_len(len, Format::Gzip));
    let start = out.len();
    let n = deflate::compress_into(input, &mut out, Format::Gzip, 6, &mut s.deflate).unwrap();
    let inflate = &mut s.inflate;
    unpack(&out.as_slice()[start..start + n], &mut |f, o| {
        deflate::decompress_into(f, o, Format::Gzip, inflate)
    });
    drop(out);

    let mut out = packed.output(bufpress_std::zstd::max_compressed_len(len));
    let start = out.len();
    let n = s.zstd.compress_into(input, &mut out).unwrap();
    let frame = &out.as_slice()[start..start + n];
    let unzstd = &mut s.unzstd;
    unpack(frame, &mut |f, o| unzstd.decompress_into(f, o));
    let libunzstd = &mut s.libunzstd;
    unpack(frame, &mut |f, o| libunzstd.decompress_into(f, o));
    drop(out);
    packed.check_bound();
}

fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(14);
    let mut v: Vec<Vec<u8>> = [0, 1, 7, 300, 4096, MAX]
        .iter()
        .enumerate()
        .map(|(i, &len)| corpus::make(KINDS[i % KINDS.len()], len, i as u64))
        .collect();
    for i in 0..3 {
        let len = rng.below(MAX + 1);
        v.push(corpus::make(KINDS[rng.below(KINDS.len())], len, 100 + i));
    }
    v
}

fn run_all<K: Kind>(
    codecs: &mut [Codec],
    states: &mut OneShot,
    messages: &[Vec<u8>],
    packed: &mut K,
    plain: &mut K,
) {
    for codec in codecs.iter_mut() {
        for m in messages {
            exercise(codec, m, packed, plain);
        }
    }
    for m in messages {
        one_shots(states, m, packed, plain);
    }
}

#[test]
fn every_format_through_every_output_allocates_nothing() {
    let mut codecs = codecs();
    let mut states = OneShot {
        table: Box::new(lz4::Table::new()),
        deflate: Box::new(<EncoderState>::new()),
        inflate: Box::new(deflate::InflateState::new()),
        zstd: bufpress_std::zstd::Encoder::new(bufpress_std::zstd::Settings::new(3, MAX)).unwrap(),
        unzstd: codec::zstd::Decoder::new(1 << 17),
        libunzstd: bufpress_std::zstd::Decoder::new(1 << 17),
    };
    let messages = messages();
    let mut slices = (
        SliceKind {
            backing: vec![0; CAP + GUARD + 2],
            end: 0,
        },
        SliceKind {
            backing: vec![0; CAP + GUARD + 2],
            end: 0,
        },
    );
    let mut heaps = (
        HeaplessKind(Box::new(heapless::Vec::new())),
        HeaplessKind(Box::new(heapless::Vec::new())),
    );
    let mut vecs = (
        VecKind(Vec::with_capacity(CAP)),
        VecKind(Vec::with_capacity(CAP)),
    );
    // `with_capacity` may give more than asked: the test's bound is what it gave.
    assert_eq!(vecs.0.0.capacity(), CAP);

    let mut pass = || {
        let s = &mut states;
        run_all(&mut codecs, s, &messages, &mut BufKind, &mut BufKind);
        run_all(&mut codecs, s, &messages, &mut slices.0, &mut slices.1);
        run_all(&mut codecs, s, &messages, &mut heaps.0, &mut heaps.1);
        run_all(&mut codecs, s, &messages, &mut vecs.0, &mut vecs.1);
    };
    pass(); // warm-up
    let ((), counts) = measure(pass);
    assert!(counts.is_zero(), "{counts:?}");
    assert_eq!(POOL.stats().available, 2);
}

/// The `io::Write` adapters' `flush` flushes the encoder: what was written so far
/// decodes from what reached the inner writer, before the stream ends.
#[test]
fn writer_flush_makes_the_written_part_decodable() {
    use std::io::Write;
    let message = corpus::make(KINDS[0], 30_000, 5);
    let (first, second) = message.split_at(12_345);
    for mut codec in codecs().into_iter().filter(|c| c.flush_visible) {
        let name = codec.name;
        let staging = STAGING.try_acquire().unwrap();
        let mut w = bufpress_std::EncodeWriter::new(Vec::new(), &mut *codec.encoder, staging);
        w.write_all(first).unwrap();
        w.flush().unwrap();
        let flushed = w.get_ref().len();
        w.write_all(second).unwrap();
        w.try_finish().unwrap();
        let (stream, _, _) = w.into_parts();

        let mut out = Cursor::new(vec![0u8; message.len() + 1]);
        codec.decoder.reset();
        let p = codec.decoder.decode(&stream[..flushed], &mut out).unwrap();
        assert_eq!(p.status, Status::NeedInput, "{name}");
        assert!(out.as_slice() == first, "{name}: flushed part");
        let status = decode_last(&mut *codec.decoder, &stream[flushed..], &mut out);
        assert_eq!(status, Status::Done, "{name}");
        assert!(out.as_slice() == &message[..], "{name}");
    }
}
