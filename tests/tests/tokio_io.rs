//! The tokio adapters of `bufpress_std::tokio` (feature `tokio`): round trips of every
//! codec both ways against async-compression (the crate tokio users have today),
//! cancelled and resumed polls, an inner writer that fails and is retried, one that
//! panics (no pool buffer lost, the pooled state usable again), hostile input (every
//! truncation, bit flips, garbage, a bomb against `max_output`: typed errors, never a
//! panic), and 64 tasks on 4 worker threads sharing 2 states and 4 buffers through
//! the pools' `acquire().await` (backpressure). The zero-allocation proof is
//! `tokio_zero_alloc.rs`.

mod tokio_support;

use std::future::Future;
use std::io::{self, ErrorKind};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use async_compression::Level;
use async_compression::tokio::{bufread as ac_read, write as ac_write};
use bufpress::codec::deflate::{self, Format};
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{Decode, DecodeError, Encode};
use bufpress::pool::{Pool, ValuePool};
use bufpress_std::tokio::{DecodeReader, EncodeWriter, PoolBufReader};
use bufpress_std::{flate, zstd};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::rng::Rng;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_support::{Behaviour, Sink, Source, read_stream, write_stream};

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);

static STAGING: Pool<16, 4096> = Pool::new();
/// The tests that use `STAGING` run one at a time (each checks every buffer came back).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Test messages: every corpus kind, 0 B to 300 KiB.
fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng::new(5);
    let mut v = vec![Vec::new(), b"x".to_vec()];
    for (i, kind) in KINDS.into_iter().enumerate() {
        for len in [10, 1000, 70_000, rng.below(300 * 1024)] {
            v.push(corpus::make(kind, len, i as u64 * 100 + len as u64));
        }
    }
    v
}

/// Compresses with our writer into a `Vec`, through a sink of varied behaviour.
async fn ours_compress<E: Encode + Unpin>(encoder: E, msg: &[u8], turn: usize) -> Vec<u8> {
    let mut w = EncodeWriter::new(
        Sink::new(Vec::new(), Behaviour::varied(turn)),
        encoder,
        STAGING.acquire().await,
    );
    write_stream(&mut w, msg, turn).await.unwrap();
    let (sink, _, _) = w.into_parts();
    sink.out
}

/// Decompresses with our reader, through a source of varied behaviour.
async fn ours_decompress<D: Decode + Unpin>(
    decoder: D,
    packed: &[u8],
    turn: usize,
) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let source = Source::new(packed, Behaviour::varied(turn));
    let mut r = DecodeReader::new(source, decoder, STAGING.acquire().await);
    read_stream(&mut r, &mut out, turn).await?;
    Ok(out)
}

async fn peer_compress<W: AsyncWrite + Unpin>(mut w: W, msg: &[u8]) -> W {
    w.write_all(msg).await.unwrap();
    w.shutdown().await.unwrap();
    w
}

async fn peer_decompress(mut r: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut out = Vec::new();
    r.read_to_end(&mut out).await.unwrap();
    out
}

#[test]
fn interop_with_async_compression_every_codec() {
    let _serial = serial();
    let rt = rt();
    let msgs = messages();
    rt.block_on(async {
        let mut lz4_enc = Box::new(lz4::Encoder::<ENC>::new());
        let mut lz4_dec = Box::new(lz4::Decoder::<DEC>::new());
        let mut zstd_enc =
            zstd::Encoder::new(zstd::Settings::new(3, 64 * 1024).with_checksum(true)).unwrap();
        let mut zstd_dec = zstd::Decoder::new(1 << 23);
        let mut ruzstd_dec = bufpress::codec::zstd::Decoder::new(1 << 23);
        let mut core_deflate =
            deflate::Encoder::new(Format::Raw, 6, Box::new(<deflate::EncoderState>::new()))
                .unwrap();
        let mut core_inflate =
            deflate::Decoder::new(Format::Raw, Box::new(deflate::DecoderState::new()));
        let mut gz_dec =
            deflate::Decoder::new(Format::Gzip, Box::new(deflate::DecoderState::new()));
        for (turn, msg) in msgs.iter().enumerate() {
            // lz4 frames.
            let ours = ours_compress(&mut *lz4_enc, msg, turn).await;
            assert_eq!(
                &peer_decompress(ac_read::Lz4Decoder::new(&ours[..])).await,
                msg
            );
            let theirs = peer_compress(ac_write::Lz4Encoder::new(Vec::new()), msg)
                .await
                .into_inner();
            assert_eq!(
                &ours_decompress(&mut *lz4_dec, &theirs, turn).await.unwrap(),
                msg
            );
            // Raw deflate (core's codec).
            let ours = ours_compress(&mut core_deflate, msg, turn).await;
            assert_eq!(
                &peer_decompress(ac_read::DeflateDecoder::new(&ours[..])).await,
                msg
            );
            let theirs = peer_compress(ac_write::DeflateEncoder::new(Vec::new()), msg)
                .await
                .into_inner();
            assert_eq!(
                &ours_decompress(&mut core_inflate, &theirs, turn)
                    .await
                    .unwrap(),
                msg
            );
            // zlib and gzip (flate2 backend; gzip read back by core's decoder too).
            let ours =
                ours_compress(flate::Encoder::new(Format::Zlib, 6).unwrap(), msg, turn).await;
            assert_eq!(
                &peer_decompress(ac_read::ZlibDecoder::new(&ours[..])).await,
                msg
            );
            let theirs = peer_compress(ac_write::ZlibEncoder::new(Vec::new()), msg)
                .await
                .into_inner();
            assert_eq!(
                &ours_decompress(flate::Decoder::new(Format::Zlib), &theirs, turn)
                    .await
                    .unwrap(),
                msg
            );
            let ours =
                ours_compress(flate::Encoder::new(Format::Gzip, 1).unwrap(), msg, turn).await;
            assert_eq!(
                &peer_decompress(ac_read::GzipDecoder::new(&ours[..])).await,
                msg
            );
            let theirs = peer_compress(
                ac_write::GzipEncoder::with_quality(Vec::new(), Level::Precise(9)),
                msg,
            )
            .await
            .into_inner();
            assert_eq!(
                &ours_decompress(&mut gz_dec, &theirs, turn).await.unwrap(),
                msg
            );
            assert_eq!(
                &ours_decompress(flate::Decoder::new(Format::Gzip), &theirs, turn)
                    .await
                    .unwrap(),
                msg
            );
            // zstd (libzstd encoder; libzstd and ruzstd decoders).
            let ours = ours_compress(&mut zstd_enc, msg, turn).await;
            assert_eq!(
                &peer_decompress(ac_read::ZstdDecoder::new(&ours[..])).await,
                msg
            );
            assert_eq!(
                &ours_decompress(&mut ruzstd_dec, &ours, turn).await.unwrap(),
                msg
            );
            let theirs = peer_compress(ac_write::ZstdEncoder::new(Vec::new()), msg)
                .await
                .into_inner();
            assert_eq!(
                &ours_decompress(&mut zstd_dec, &theirs, turn).await.unwrap(),
                msg
            );
            assert_eq!(
                &ours_decompress(&mut ruzstd_dec, &theirs, turn)
                    .await
                    .unwrap(),
                msg
            );
        }
    });
    assert_eq!(STAGING.stats().available, 16);
}

/// Polls `f` once with a waker that does nothing.
fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

/// `poll_write`, `poll_flush`, `poll_shutdown` and `poll_read` abandoned whenever they
/// say `Pending` (as a `select!` or a timeout drops a future), then called again
/// later, maybe with other data first: the stream still decodes to exactly what was
/// reported written.
#[test]
fn cancelled_polls_lose_nothing() {
    let _serial = serial();
    let mut rng = Rng::new(9);
    let mut pendings = 0;
    for (turn, msg) in messages().iter().enumerate() {
        let encoder = Box::new(lz4::Encoder::<ENC>::new());
        let sink = Sink::new(
            Vec::new(),
            Behaviour {
                max_piece: 1 + rng.below(3000),
                pending_every: 2,
            },
        );
        let mut w = EncodeWriter::new(sink, encoder, STAGING.try_acquire().unwrap());
        let mut written = 0;
        while written < msg.len() {
            let n = (1 + rng.below(5000)).min(msg.len() - written);
            let cx = &mut Context::from_waker(Waker::noop());
            match Pin::new(&mut w).poll_write(cx, &msg[written..written + n]) {
                Poll::Ready(k) => written += k.unwrap(),
                Poll::Pending => {
                    pendings += 1;
                    if rng.below(2) == 0 {
                        let _ = Pin::new(&mut w).poll_flush(cx); // abandoned too, maybe
                    }
                }
            }
        }
        loop {
            let fut = pin!(w.try_finish());
            match poll_once(fut) {
                Poll::Ready(r) => break r.unwrap(),
                Poll::Pending => pendings += 1, // dropped mid-way
            }
        }
        let packed = w.into_parts().0.out;

        let decoder = Box::new(lz4::Decoder::<DEC>::new());
        let source = Source::new(
            &packed,
            Behaviour {
                max_piece: 1 + rng.below(5000),
                pending_every: 3,
            },
        );
        let mut r = DecodeReader::new(source, decoder, STAGING.try_acquire().unwrap());
        let mut back = Vec::new();
        let mut piece = vec![0; 1 + rng.below(9000)];
        loop {
            let fut = pin!(r.read(&mut piece));
            match poll_once(fut) {
                Poll::Ready(Ok(0)) => break,
                Poll::Ready(k) => {
                    let k = k.unwrap();
                    back.extend_from_slice(&piece[..k]);
                }
                Poll::Pending => pendings += 1,
            }
        }
        assert_eq!(&back, msg, "turn {turn}");
    }
    assert!(
        pendings > 100,
        "{pendings} polls said Pending and were dropped"
    );
    assert_eq!(STAGING.stats().available, 16);
}

/// An inner writer that fails (`BrokenPipe`) at some call: the error comes back as it
/// is, and writing on (the same data again) makes the same stream as with no failure.
#[test]
fn inner_error_is_returned_and_retry_resumes() {
    let _serial = serial();
    let rt = rt();
    rt.block_on(async {
        let msg = corpus::make(corpus::Kind::Text, 200_000, 3);
        for fail_at in [1, 2, 3, 5, 8, 13, 21] {
            let mut sink = Sink::new(
                Vec::new(),
                Behaviour {
                    max_piece: 1000,
                    pending_every: 0,
                },
            );
            sink.fail_at = Some(fail_at);
            let encoder = zstd::Encoder::new(zstd::Settings::new(3, 64 * 1024)).unwrap();
            let mut w = EncodeWriter::new(sink, encoder, STAGING.acquire().await);
            let mut failures = 0;
            let mut rest = &msg[..];
            while !rest.is_empty() {
                match w.write(&rest[..rest.len().min(10_000)]).await {
                    Ok(k) => rest = &rest[k..],
                    Err(e) => {
                        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
                        failures += 1;
                    }
                }
            }
            loop {
                match w.shutdown().await {
                    Ok(()) => break,
                    Err(e) => {
                        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
                        failures += 1;
                    }
                }
            }
            assert_eq!(failures, 1, "fail_at {fail_at}");
            let (sink, decoder_back, _) = w.into_parts();
            drop(decoder_back);
            assert!(sink.shut_down);
            let back = ours_decompress(zstd::Decoder::new(1 << 17), &sink.out, 0)
                .await
                .unwrap();
            assert!(back == msg, "fail_at {fail_at}");
        }
    });
    assert_eq!(STAGING.stats().available, 16);
}

/// A panic in the inner writer unwinds through the adapter: the staging buffer and the
/// pooled state go back to their pools, and the state, taken again, makes a good
/// stream (`new` resets it).
#[test]
fn panic_in_inner_writer_loses_no_buffer() {
    let _serial = serial();
    static BUFS: Pool<2, 1024> = Pool::new();
    let states = ValuePool::new([flate::Encoder::new(Format::Gzip, 6).unwrap()]);
    let msg = corpus::make(corpus::Kind::Json, 100_000, 8);
    for panic_at in [1, 2, 4, 9] {
        let rt = rt();
        let r = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut sink = Sink::new(Vec::new(), Behaviour::EAGER);
                sink.panic_at = Some(panic_at);
                let mut w = EncodeWriter::new(sink, states.acquire().await, BUFS.acquire().await);
                w.write_all(&msg).await.unwrap();
                w.shutdown().await.unwrap();
            })
        }));
        assert!(r.is_err(), "the sink panicked at call {panic_at}");
        assert_eq!(BUFS.stats().available, 2, "the staging buffer is back");
        assert_eq!(states.stats().available, 1, "the state is back");
        let packed = rt.block_on(async {
            let mut w = EncodeWriter::new(
                Sink::default(),
                states.acquire().await,
                BUFS.acquire().await,
            );
            w.write_all(&msg).await.unwrap();
            w.finish().await.unwrap().out
        });
        let back = rt
            .block_on(ours_decompress(
                flate::Decoder::new(Format::Gzip),
                &packed,
                1,
            ))
            .unwrap();
        assert!(back == msg);
    }
}

/// Reads `packed` to the end through a `DecodeReader` over `decoder`; panics never.
fn read_all<D: Decode + Unpin>(
    rt: &tokio::runtime::Runtime,
    decoder: D,
    packed: &[u8],
    max_output: u64,
) -> io::Result<Vec<u8>> {
    rt.block_on(async {
        let source = Source::new(
            packed,
            Behaviour {
                max_piece: 777,
                pending_every: 0,
            },
        );
        let input = PoolBufReader::new(source, STAGING.acquire().await);
        let mut r =
            DecodeReader::new(input, decoder, STAGING.acquire().await).with_max_output(max_output);
        let mut out = Vec::new();
        let result = r.read_to_end(&mut out).await;
        if let Err(e) = &result {
            // Sticky: the same error again, until `reset`.
            let again = r.read(&mut [0; 16]).await.unwrap_err();
            assert_eq!(again.kind(), e.kind());
            assert!(out.len() as u64 <= max_output);
        }
        result.map(|_| out)
    })
}

/// Every decoder, on truncations, bit flips and garbage: an `io::Error` of a data kind
/// with the `DecodeError` as its source, or (a flip the format cannot see) data;
/// never a panic, every buffer back.
#[test]
fn hostile_input_gives_typed_errors() {
    let _serial = serial();
    let rt = rt();
    let msg = corpus::mixed(20_000, 77);
    let frames: Vec<(&str, Vec<u8>)> = rt.block_on(async {
        vec![
            (
                "lz4",
                ours_compress(Box::new(lz4::Encoder::<ENC>::new()), &msg, 0).await,
            ),
            (
                "deflate",
                ours_compress(
                    deflate::Encoder::new(Format::Raw, 6, Box::new(<deflate::EncoderState>::new()))
                        .unwrap(),
                    &msg,
                    0,
                )
                .await,
            ),
            (
                "zlib",
                ours_compress(flate::Encoder::new(Format::Zlib, 6).unwrap(), &msg, 0).await,
            ),
            (
                "gzip",
                ours_compress(flate::Encoder::new(Format::Gzip, 6).unwrap(), &msg, 0).await,
            ),
            (
                "zstd",
                ours_compress(
                    zstd::Encoder::new(zstd::Settings::new(3, 1 << 16).with_checksum(true))
                        .unwrap(),
                    &msg,
                    0,
                )
                .await,
            ),
        ]
    });
    let mut lz4_dec = Box::new(lz4::Decoder::<DEC>::new());
    let mut inflate = deflate::Decoder::new(Format::Raw, Box::new(deflate::DecoderState::new()));
    let mut zlib_core = deflate::Decoder::new(Format::Zlib, Box::new(deflate::DecoderState::new()));
    let mut gzip_core = deflate::Decoder::new(Format::Gzip, Box::new(deflate::DecoderState::new()));
    let mut zstd_dec = zstd::Decoder::new(1 << 17);
    let mut ruzstd = bufpress::codec::zstd::Decoder::new(1 << 17);
    let mut rng = Rng::new(31);
    let mut errors = 0;
    let mut check = |what: &str, r: io::Result<Vec<u8>>| match r {
        Ok(out) => assert!(out.len() <= 1 << 20, "{what}"),
        Err(e) => {
            errors += 1;
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::InvalidData | ErrorKind::UnexpectedEof | ErrorKind::Unsupported
                ),
                "{what}: {e:?}"
            );
            assert!(
                e.get_ref().is_some_and(|s| s.is::<bufpress::Error>()),
                "{what}: typed: {e:?}"
            );
        }
    };
    for (name, frame) in &frames {
        let mut inputs: Vec<Vec<u8>> = (0..frame.len())
            .step_by(7)
            .map(|n| frame[..n].to_vec())
            .collect();
        for _ in 0..150 {
            let mut bad = frame.clone();
            let i = rng.below(bad.len());
            bad[i] ^= 1 << rng.below(8);
            inputs.push(bad);
        }
        inputs.push((0..5000).map(|_| rng.below(256) as u8).collect());
        for (i, input) in inputs.iter().enumerate() {
            let what = format!("{name} input {i}");
            match *name {
                "lz4" => check(&what, read_all(&rt, &mut *lz4_dec, input, 1 << 20)),
                "deflate" => check(&what, read_all(&rt, &mut inflate, input, 1 << 20)),
                "zlib" => {
                    check(&what, read_all(&rt, &mut zlib_core, input, 1 << 20));
                    check(
                        &what,
                        read_all(&rt, flate::Decoder::new(Format::Zlib), input, 1 << 20),
                    );
                }
                "gzip" => {
                    check(&what, read_all(&rt, &mut gzip_core, input, 1 << 20));
                    check(
                        &what,
                        read_all(&rt, flate::Decoder::new(Format::Gzip), input, 1 << 20),
                    );
                }
                _ => {
                    check(&what, read_all(&rt, &mut zstd_dec, input, 1 << 20));
                    check(&what, read_all(&rt, &mut ruzstd, input, 1 << 20));
                }
            }
        }
        // The whole frame still decodes (the decoders are reset by `new`).
        assert!(read_all(&rt, &mut *lz4_dec, &frames[0].1, u64::MAX).unwrap() == msg);
    }
    assert!(errors > 1000, "{errors} errors");
    assert_eq!(STAGING.stats().available, 16);
}

/// A bomb (64 MiB of zeros) against `max_output` of 1 MiB, in every format: fails with
/// `LimitExceeded` having handed out at most 1 MiB.
#[test]
fn bomb_stops_at_max_output() {
    let _serial = serial();
    let rt = rt();
    let zeros = vec![0u8; 64 << 20];
    let limit = 1 << 20;
    let bombs: Vec<(&str, Vec<u8>)> = rt.block_on(async {
        vec![
            (
                "lz4",
                peer_compress(ac_write::Lz4Encoder::new(Vec::new()), &zeros)
                    .await
                    .into_inner(),
            ),
            (
                "gzip",
                peer_compress(ac_write::GzipEncoder::new(Vec::new()), &zeros)
                    .await
                    .into_inner(),
            ),
            (
                "zstd",
                peer_compress(ac_write::ZstdEncoder::new(Vec::new()), &zeros)
                    .await
                    .into_inner(),
            ),
        ]
    });
    for (name, bomb) in &bombs {
        let e = match *name {
            "lz4" => read_all(&rt, Box::new(lz4::Decoder::<DEC>::new()), bomb, limit),
            "gzip" => read_all(&rt, flate::Decoder::new(Format::Gzip), bomb, limit),
            _ => read_all(&rt, zstd::Decoder::new(1 << 23), bomb, limit),
        }
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData, "{name}");
        let inner = e
            .get_ref()
            .and_then(|s| s.downcast_ref::<bufpress::Error>());
        assert!(
            matches!(inner, Some(bufpress::Error::Decode(DecodeError::LimitExceeded { limit: l, .. })) if *l == limit),
            "{name}: {e:?}"
        );
    }
    assert_eq!(STAGING.stats().available, 16);
}

/// Backpressure: 64 tasks on 4 worker threads share 2 encoder states, 2 decoder states
/// and 6 staging buffers, each waiting in `acquire().await` while all are out; every
/// round trip checked, every state and buffer back.
#[test]
fn tasks_wait_for_pooled_states_and_buffers() {
    let _serial = serial();
    static BUFS: Pool<6, 2048> = Pool::new();
    static ENCODERS: LazyLock<ValuePool<zstd::Encoder, 2>> = LazyLock::new(|| {
        let s = zstd::Settings::new(3, 64 * 1024);
        ValuePool::new([
            zstd::Encoder::new(s).unwrap(),
            zstd::Encoder::new(s).unwrap(),
        ])
    });
    static DECODERS: ValuePool<lz4::Decoder<DEC>, 2> =
        ValuePool::new([const { lz4::Decoder::new() }; 2]);
    static LZ4: ValuePool<lz4::Encoder<ENC>, 2> =
        ValuePool::new([const { lz4::Encoder::new() }; 2]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let data = Arc::new(corpus::mixed(1 << 20, 4));
    rt.block_on(async {
        let mut tasks = Vec::new();
        for t in 0..64usize {
            let data = Arc::clone(&data);
            tasks.push(tokio::spawn(async move {
                let mut rng = Rng::new(t as u64);
                for round in 0..20 {
                    let len = rng.below(40_000);
                    let start = rng.below(data.len() - len);
                    let msg = &data[start..start + len];
                    // zstd out, with a pooled libzstd state...
                    let mut w = EncodeWriter::new(
                        Sink::default(),
                        ENCODERS.acquire().await,
                        BUFS.acquire().await,
                    );
                    write_stream(&mut w, msg, round).await.unwrap();
                    let packed = w.into_parts().0.out;
                    tokio::task::yield_now().await;
                    let back = ours_decompress(zstd::Decoder::new(1 << 17), &packed, round)
                        .await
                        .unwrap();
                    assert!(back == msg);
                    // ...and lz4 both ways with pooled states.
                    let mut w = EncodeWriter::new(
                        Sink::default(),
                        LZ4.acquire().await,
                        BUFS.acquire().await,
                    );
                    write_stream(&mut w, msg, round + 1).await.unwrap();
                    let packed = w.into_parts().0.out;
                    let decoder = DECODERS.acquire().await;
                    let mut r = DecodeReader::new(&packed[..], decoder, BUFS.acquire().await);
                    let mut back = Vec::new();
                    r.read_to_end(&mut back).await.unwrap();
                    assert!(back == msg);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(BUFS.stats().available, 6);
    assert_eq!(ENCODERS.stats().available, 2);
    assert_eq!(LZ4.stats().available, 2);
    assert_eq!(DECODERS.stats().available, 2);
}

/// What a decoder yields from the bytes it has before the stream ends (it fails at the
/// end of them, or waits for more): the decodable prefix.
async fn decodable_prefix(mut r: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut out = Vec::new();
    let mut piece = [0u8; 4096];
    while let Ok(n @ 1..) = r.read(&mut piece).await {
        out.extend_from_slice(&piece[..n]);
    }
    out
}

/// `flush` flushes the encoder: after it, everything written so far decodes from what
/// `inner` holds (lz4 ends its block, deflate writes a sync flush, libzstd a flush
/// block), for every codec, with more written after it and the stream still whole.
/// Without the encoder's flush the encoders hold back their input (it failed so).
#[test]
fn flush_makes_what_was_written_decodable() {
    let _serial = serial();
    rt().block_on(async {
        let msg = corpus::make(KINDS[0], 20_000, 7);
        let (head, tail) = msg.split_at(7_000);
        async fn check<E: Encode + Unpin>(
            name: &str,
            encoder: E,
            head: &[u8],
            tail: &[u8],
            prefix: impl AsyncFn(&[u8]) -> Vec<u8>,
        ) -> Vec<u8> {
            let mut w = EncodeWriter::new(Vec::new(), encoder, STAGING.acquire().await);
            w.write_all(head).await.unwrap();
            w.flush().await.unwrap();
            assert_eq!(prefix(w.get_ref()).await, head, "{name}: after flush");
            w.write_all(tail).await.unwrap();
            w.try_finish().await.unwrap();
            let (out, _, _) = w.into_parts();
            out
        }
        let mut lz4_enc = Box::new(lz4::Encoder::<ENC>::new());
        let whole = check("lz4", &mut *lz4_enc, head, tail, async |b| {
            decodable_prefix(ac_read::Lz4Decoder::new(b)).await
        })
        .await;
        assert_eq!(
            peer_decompress(ac_read::Lz4Decoder::new(&whole[..])).await,
            msg
        );
        let gz = flate::Encoder::new(Format::Gzip, 6).unwrap();
        let whole = check("gzip", gz, head, tail, async |b| {
            decodable_prefix(ac_read::GzipDecoder::new(b)).await
        })
        .await;
        assert_eq!(
            peer_decompress(ac_read::GzipDecoder::new(&whole[..])).await,
            msg
        );
        let raw = deflate::Encoder::new(Format::Raw, 6, Box::new(<deflate::EncoderState>::new()))
            .unwrap();
        let whole = check("deflate", raw, head, tail, async |b| {
            decodable_prefix(ac_read::DeflateDecoder::new(b)).await
        })
        .await;
        assert_eq!(
            peer_decompress(ac_read::DeflateDecoder::new(&whole[..])).await,
            msg
        );
        let zstd = zstd::Encoder::new(zstd::Settings::new(3, 64 * 1024)).unwrap();
        let whole = check("zstd", zstd, head, tail, async |b| {
            decodable_prefix(ac_read::ZstdDecoder::new(b)).await
        })
        .await;
        assert_eq!(
            peer_decompress(ac_read::ZstdDecoder::new(&whole[..])).await,
            msg
        );
    });
}

/// A gzip stream of two members (pigz, `cat a.gz b.gz`) through the tokio
/// `DecodeReader`, with core's deflate decoder and bufpress-std's flate2 one, from an
/// inner reader whose first buffer ends exactly at the first member's end (or just
/// before or after it): both members, as the reference decoder reads them. Only the
/// reader's call with no input (the inner reader at its end) ends a gzip stream.
#[test]
fn gzip_members_read_whole_wherever_the_inner_buffer_ends() {
    let _serial = serial();
    let rt = rt();
    let gz = |m: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, m).unwrap();
        e.finish().unwrap()
    };
    let (a, b) = (corpus::mixed(3000, 1), corpus::mixed(2000, 2));
    let first = gz(&a);
    let packed = [first.clone(), gz(&b)].concat();
    let whole = [a, b].concat();
    let mut reference = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::MultiGzDecoder::new(&packed[..]),
        &mut reference,
    )
    .unwrap();
    assert!(reference == whole);
    for cut in [first.len() - 1, first.len(), first.len() + 1] {
        let (x, y) = packed.split_at(cut);
        let core = deflate::Decoder::new(Format::Gzip, Box::new(deflate::DecoderState::new()));
        let flate2 = flate::Decoder::new(Format::Gzip);
        let got = rt.block_on(async {
            let mut outs = Vec::new();
            let mut r = DecodeReader::new(x.chain(y), core, STAGING.acquire().await);
            let mut out = Vec::new();
            outs.push(r.read_to_end(&mut out).await.map(|_| out));
            let mut r = DecodeReader::new(x.chain(y), flate2, STAGING.acquire().await);
            let mut out = Vec::new();
            outs.push(r.read_to_end(&mut out).await.map(|_| out));
            outs
        });
        for (name, r) in ["core", "flate2"].into_iter().zip(got) {
            let r = r.map_err(|e| e.to_string());
            assert!(
                r.as_ref().is_ok_and(|o| *o == whole),
                "{name}, cut at {cut}: {:?}",
                r.map(|o| o.len())
            );
        }
    }
    assert_eq!(STAGING.stats().in_use, 0);
}
