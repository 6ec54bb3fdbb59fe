//! The zero-allocation proof for `bufpress-std`'s flate2 backends and io adapters:
//! once the encoders and decoders exist, one-shot calls, `EncodeWriter` into a pooled
//! `Chain`, `DecodeReader` from a `ChainReader` and `DecodeWriter` into a `Chain`, over
//! messages of every kind and of sizes from 0 B to 256 KiB with 1 MiB outliers, make
//! exactly 0 allocations and 0 reallocations. flate2's own `Write` encoders over a
//! `Chain` work too; their cost is measured and shown.

use std::io::{Read, Write};

use bufpress::codec::Encode as _;
use bufpress::codec::deflate::Format;
use bufpress::pool::Pool;
use bufpress_std::flate::{Decoder, Encoder};
use bufpress_std::{Chain, ChainReader, DecodeReader, DecodeWriter, EncodeWriter};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::counting::{CountingAlloc, Counts, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];
const OUTLIER: usize = 1 << 20;
/// Room for the compressed or plain outlier.
const BIG_SIZE: usize = OUTLIER + OUTLIER / 8 + 1024;
const CHAIN_BUFS: usize = 300;

// Enough for every test running at once (two each, plus `messages`).
static BIG: Pool<8, BIG_SIZE> = Pool::new();
/// Chains of 4 KiB buffers: 300 of them hold the largest message.
static CHAINS: Pool<{ 2 * CHAIN_BUFS + 2 }, 4096> = Pool::new();

/// Sizes from 0 B to 256 KiB, every 40th message a 1 MiB outlier.
fn sizes() -> impl Iterator<Item = usize> {
    let small = [
        0,
        1,
        17,
        256,
        1000,
        4096,
        4097,
        32 * 1024 + 3,
        65_536,
        256 * 1024,
    ];
    (0..120).map(move |i| {
        if i % 40 == 39 {
            OUTLIER
        } else {
            small[i % small.len()]
        }
    })
}

struct Message {
    plain: Vec<u8>,
    packed: Vec<u8>,
}

fn messages(format: Format, level: i32) -> Vec<Message> {
    let mut encoder = Encoder::new(format, level).unwrap();
    let mut buf = BIG.try_acquire().unwrap();
    sizes()
        .enumerate()
        .map(|(i, len)| {
            let plain = corpus::make(KINDS[i % KINDS.len()], len, i as u64);
            buf.clear();
            encoder.compress_into(&plain, &mut buf).unwrap();
            Message {
                plain,
                packed: buf.to_vec(),
            }
        })
        .collect()
}

fn assert_zero(counts: Counts, what: &str) {
    assert!(counts.is_zero(), "{what}: {counts:?}");
}

#[test]
fn the_counter_counts() {
    let ((), counts) = measure(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(counts.allocs, 1);
}

#[test]
fn one_shot_compress_and_decompress_allocate_nothing() {
    for (f, format) in FORMATS.into_iter().enumerate() {
        for level in [0, 1, 6, 9] {
            let messages = messages(format, level);
            let mut encoder = Encoder::new(format, level).unwrap();
            let mut decoder = Decoder::new(format);
            let (mut packed, mut plain) = (BIG.try_acquire().unwrap(), BIG.try_acquire().unwrap());
            let (ok, counts) = measure(|| {
                messages.iter().all(|m| {
                    packed.clear();
                    plain.clear();
                    encoder.compress_into(&m.plain, &mut packed).is_ok()
                        && decoder.decompress_into(&packed, &mut plain).is_ok()
                        && plain[..] == m.plain[..]
                        // bufpress-std and flate2 agree byte for byte at a level.
                        && packed[..] == m.packed[..]
                })
            });
            assert!(ok, "{format:?} {level}");
            assert_zero(counts, &format!("{format:?} level {level} (#{f})"));
        }
    }
}

#[test]
fn streaming_through_writers_and_readers_allocates_nothing() {
    for format in FORMATS {
        let messages = messages(format, 6);
        let encoder = Encoder::new(format, 6).unwrap();
        let decoder = Decoder::new(format);
        let chain = Chain::<CHAIN_BUFS>::new(CHAINS.pool_ref());
        let mut writer = EncodeWriter::new(chain, encoder, CHAINS.try_acquire().unwrap());
        let back = Chain::<CHAIN_BUFS>::new(CHAINS.pool_ref());
        let mut unpack = DecodeWriter::new(back, decoder, CHAINS.try_acquire().unwrap());
        let mut reader_decoder = Some(Decoder::new(format));
        let mut piece = [0u8; 1000];
        let (ok, counts) = measure(|| {
            let mut ok = true;
            for (i, m) in messages.iter().enumerate() {
                // Compress through `Write`, in pieces of varied size.
                let mut rest = &m.plain[..];
                while !rest.is_empty() {
                    let n = rest.len().min(1 + (i * 977) % 70_000);
                    writer.write_all(&rest[..n]).unwrap();
                    rest = &rest[n..];
                }
                writer.try_finish().unwrap();
                let packed = writer.reset(Chain::new(CHAINS.pool_ref()));

                // Decompress through `Read` from the chain.
                let reader = ChainReader::new(packed.buffers());
                let decoder = reader_decoder.take().unwrap();
                let mut r = DecodeReader::new(reader, decoder, CHAINS.try_acquire().unwrap());
                let mut at = 0;
                loop {
                    let n = r.read(&mut piece).unwrap();
                    if n == 0 {
                        break;
                    }
                    ok &= m.plain.get(at..at + n) == Some(&piece[..n]);
                    at += n;
                }
                ok &= at == m.plain.len();
                let (_, decoder, staging) = r.into_parts();
                drop(staging);
                reader_decoder = Some(decoder);

                // Decompress through `Write` into another chain.
                for buf in packed.buffers() {
                    unpack.write_all(buf).unwrap();
                    // `flush` decodes with no input to pass on what the decoder holds.
                    unpack.flush().unwrap();
                }
                unpack.try_finish().unwrap();
                let plain = unpack.reset(Chain::new(CHAINS.pool_ref()));
                let mut reader = plain.reader();
                ok &= reader.remaining() == m.plain.len();
                let mut same = true;
                let mut at = 0;
                for buf in plain.buffers() {
                    same &= m.plain[at..at + buf.len()] == buf[..];
                    at += buf.len();
                }
                ok &= same && reader.read(&mut piece).is_ok();
            }
            ok
        });
        assert!(ok, "{format:?}");
        assert_zero(counts, &format!("{format:?} streaming"));
        drop((writer, unpack));
        assert_eq!(CHAINS.stats().available, CHAINS.pool_ref().capacity());
    }
}

#[test]
fn chains_allocate_nothing() {
    let data = corpus::mixed(300_000, 1);
    let mut chain = Chain::<CHAIN_BUFS>::new(CHAINS.pool_ref());
    let mut copy = [0u8; 777];
    let (ok, counts) = measure(|| {
        let mut ok = true;
        for i in 0..200 {
            let len = (i * 7919) % data.len();
            chain.clear();
            chain.write_all(&data[..len]).unwrap();
            let mut r = chain.reader();
            let mut at = 0;
            while let Ok(n @ 1..) = r.read(&mut copy) {
                ok &= data[at..at + n] == copy[..n];
                at += n;
            }
            ok &= at == len;
        }
        ok
    });
    assert!(ok);
    assert_zero(counts, "chain");
}

/// The pattern most code already has: flate2's `Write` encoders over a pooled chain.
/// `GzEncoder` cannot be reset, so it builds a compressor per message (counted and
/// printed); `ZlibEncoder::reset` onto a fresh chain keeps its compressor, and
/// allocates nothing.
#[test]
fn flate2_write_encoders_over_a_chain() {
    use flate2::Compression;
    use flate2::write::{GzEncoder, ZlibEncoder};
    let plain = corpus::mixed(4096, 3);
    let mut decoder = Decoder::new(Format::Gzip);
    let mut out = BIG.try_acquire().unwrap();

    let (packed, counts) = measure(|| {
        let mut gz = GzEncoder::new(Chain::<8>::new(CHAINS.pool_ref()), Compression::new(6));
        gz.write_all(&plain).unwrap();
        gz.finish().unwrap()
    });
    let mut bytes = Vec::new();
    packed.reader().read_to_end(&mut bytes).unwrap();
    decoder.decompress_into(&bytes, &mut out).unwrap();
    assert!(out[..] == plain[..]);
    eprintln!("GzEncoder::new over a Chain, per 4 KiB message: {counts:?}");
    assert!(
        counts.allocs > 0,
        "GzEncoder allocates per message: {counts:?}"
    );

    let mut zlib = ZlibEncoder::new(Chain::<8>::new(CHAINS.pool_ref()), Compression::new(6));
    zlib.write_all(&plain).unwrap();
    zlib.try_finish().unwrap();
    let mut decoder = Decoder::new(Format::Zlib);
    let (ok, counts) = measure(|| {
        (0..50).all(|_| {
            let packed = zlib.reset(Chain::new(CHAINS.pool_ref())).unwrap();
            let mut reader = packed.reader();
            let bytes = reader.fill_buf_all();
            out.clear();
            let first = decoder.decompress_into(bytes, &mut out).is_ok() && out[..] == plain[..];
            zlib.write_all(&plain).is_ok() && zlib.try_finish().is_ok() && first
        })
    });
    assert!(ok);
    assert_zero(counts, "ZlibEncoder::reset over a Chain");
}

/// Reads a whole chain that fits its first buffer (the test keeps messages small).
trait FillAll {
    fn fill_buf_all(&mut self) -> &[u8];
}

impl FillAll for ChainReader<'_, '_> {
    fn fill_buf_all(&mut self) -> &[u8] {
        use std::io::BufRead;
        let total = self.remaining();
        let data = self.fill_buf().unwrap();
        assert_eq!(data.len(), total, "one buffer");
        data
    }
}

#[test]
fn encoders_reset_midway_allocate_nothing() {
    let plain = corpus::mixed(100_000, 9);
    let mut encoder = Encoder::new(Format::Gzip, 6).unwrap();
    let mut out = BIG.try_acquire().unwrap();
    let (ok, counts) = measure(|| {
        (0..20).all(|i| {
            out.clear();
            // Abandon a stream halfway, then a whole one.
            let _ = encoder.encode(&plain[..i * 1000], &mut out);
            encoder.reset();
            out.clear();
            encoder.compress_into(&plain, &mut out).is_ok()
        })
    });
    assert!(ok);
    assert_zero(counts, "reset midway");
}

/// Multi-member gzip through the flate2 decoder (a raw inflate reset at each member):
/// one-shot, `DecodeReader` from a chain and `DecodeWriter` into one (written in pieces
/// that end at the members' ends, with flushes), 2 to 30 members of 0 B to 40 KiB:
/// 0 allocations.
#[test]
fn multi_member_gzip_allocates_nothing() {
    let mut encoder = Encoder::new(Format::Gzip, 6).unwrap();
    let sizes = [0, 1, 100, 4096, 40_000, 0, 333];
    // (plain, packed, the offsets where members end)
    let mut streams = Vec::new();
    let mut buf = BIG.try_acquire().unwrap();
    for (s, members) in [2usize, 3, 8, 30].into_iter().enumerate() {
        let (mut plain, mut packed, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for m in 0..members {
            let len = sizes[(s + m) % sizes.len()] / if members > 8 { 10 } else { 1 };
            let part = corpus::make(KINDS[(s + m) % KINDS.len()], len, (s * 100 + m) as u64);
            buf.clear();
            encoder.compress_into(&part, &mut buf).unwrap();
            packed.extend_from_slice(&buf);
            plain.extend_from_slice(&part);
            ends.push(packed.len());
        }
        streams.push((plain, packed, ends));
    }
    drop(buf);
    let mut decoder = Decoder::new(Format::Gzip);
    let mut out = BIG.try_acquire().unwrap();
    let mut reader_decoder = Some(Decoder::new(Format::Gzip));
    let back = Chain::<CHAIN_BUFS>::new(CHAINS.pool_ref());
    let mut unpack = DecodeWriter::new(
        back,
        Decoder::new(Format::Gzip),
        CHAINS.try_acquire().unwrap(),
    );
    let mut piece = [0u8; 1000];
    let (ok, counts) = measure(|| {
        let mut ok = true;
        for (plain, packed, ends) in &streams {
            out.clear();
            ok &= decoder.decompress_into(packed, &mut out).is_ok() && out[..] == plain[..];

            // `Read` from a chain of the stream.
            let mut chain = Chain::<CHAIN_BUFS>::new(CHAINS.pool_ref());
            chain.write_all(packed).unwrap();
            let decoder = reader_decoder.take().unwrap();
            let reader = ChainReader::new(chain.buffers());
            let mut r = DecodeReader::new(reader, decoder, CHAINS.try_acquire().unwrap());
            let mut at = 0;
            loop {
                let n = r.read(&mut piece).unwrap();
                if n == 0 {
                    break;
                }
                ok &= plain.get(at..at + n) == Some(&piece[..n]);
                at += n;
            }
            ok &= at == plain.len() && r.is_done();
            let (_, decoder, staging) = r.into_parts();
            drop((staging, chain));
            reader_decoder = Some(decoder);

            // `Write` in pieces ending at each member's end, flushed.
            let mut from = 0;
            for &end in ends {
                unpack.write_all(&packed[from..end]).unwrap();
                unpack.flush().unwrap();
                from = end;
            }
            unpack.try_finish().unwrap();
            let got = unpack.reset(Chain::new(CHAINS.pool_ref()));
            let mut at = 0;
            for buf in got.buffers() {
                ok &= plain.get(at..at + buf.len()) == Some(&buf[..]);
                at += buf.len();
            }
            ok &= at == plain.len();
        }
        ok
    });
    assert!(ok);
    assert_zero(counts, "multi-member gzip");
    drop((out, unpack));
}
