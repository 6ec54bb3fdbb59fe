//! bufpress-std's tokio adapters against async-compression (the crate tokio users
//! pick today), on the same streams, in one process.
//!
//! **Per stream** (lz4 frames, raw deflate, zlib, gzip, zstd; 4 KiB and 256 KiB of the
//! mixed corpus, written in 16 KiB pieces then shut down, read back in 16 KiB
//! pieces): each stream as a tokio server handles one, bufpress taking its state and
//! its 8 KiB staging buffer from pools (`acquire().await`), async-compression building
//! its encoder or decoder (`ZstdEncoder::with_quality(sink, level)`, ...). Both write
//! into the same reused `Vec` and read from the same slice, so the sink allocates for
//! neither. Levels alike: deflate/zlib/gzip 6 (both on flate2's zlib-rs backend), zstd
//! 3 (both libzstd); lz4 frames of 64 KiB blocks with a content checksum (bufpress's
//! safe-Rust lz4 against async-compression's C liblz4).
//!
//! - allocations per stream, bytes allocated per stream, and C `malloc`/`calloc`/
//!   `realloc` calls per stream (this binary defines those symbols and counts the calls
//!   of marked threads: libzstd's and liblz4's own mallocs count), over 20 streams
//!   after a warm-up;
//! - throughput (MB/s of uncompressed data): in each round, a batch of about 10 ms of
//!   one, then of the other (order alternating by round); the ratio bufpress /
//!   async-compression is taken within each round; medians with the 10th-90th
//!   percentile spread over the rounds; the target (ratio >= 1.0) is met when the
//!   whole spread is at or above it, missed when it is all below, else undecided.
//!
//! **Peak RSS of a loopback server** (`--server`): a child process per run: a tokio
//! server on 127.0.0.1 (2 worker threads) and N client connections in the same
//! process, all connecting at once; each asks for a 256 KiB response, which the server
//! compresses with gzip level 6 (flate2) in 16 pieces with a 1 ms pause between pieces (a
//! response produced piecewise, so connections overlap), and the client counts the
//! compressed bytes (one client decompresses and checks every byte). bufpress takes a
//! gzip state and a staging buffer from pools of P (tasks wait in `acquire().await`
//! beyond P); async-compression builds a `GzipEncoder` per connection. (gzip, not
//! zstd: a libzstd context per connection, ~3.6 MB at level 3, would ask this shared
//! machine for gigabytes at 1,000 connections.) The child reports its
//! peak RSS (`VmHWM`), and stops when every client is done (a deadline aborts it).
//!
//! It fails (instead of printing a table) if bufpress's side makes any allocation per
//! stream, Rust or C, or if its server's peak RSS grows by 32 KiB or more per
//! connection.
//!
//! Usage: `cargo bench -p bufpress-tests --bench tokio_peer -- [--rounds N]
//! [--batch-ms MS] [--quick] [--no-server] [--server-only]` (`.ci/bench-tokio` runs it;
//! `--quick`: 3 rounds of one size and a 50/200-connection server, seconds).

use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::pin;
use std::process::Command;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_compression::Level;
use async_compression::tokio::{bufread as ac_read, write as ac_write};
use bufpress::codec::deflate::Format;
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{Decode, Encode};
use bufpress::pool::{Pool, ValuePool};
use bufpress_std::tokio::{DecodeReader, EncodeWriter};
use bufpress_std::{flate, zstd};
use bufpress_tests::corpus;
use bufpress_tests::counting::CountingAlloc;
use tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[path = "../tests/c_malloc/mod.rs"]
mod c_malloc;
use c_malloc::measure_all;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// C-level malloc counting: `c_malloc::measure_all`.

// ---- the pools -----------------------------------------------------------------------

const STAGING: usize = 8 * 1024;
const PIECE: usize = 16 * 1024;
const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);

static BUFS: Pool<4, STAGING> = Pool::new();
static LZ4_ENC: ValuePool<lz4::Encoder<ENC>, 1> = ValuePool::new([const { lz4::Encoder::new() }]);
static LZ4_DEC: ValuePool<lz4::Decoder<DEC>, 1> = ValuePool::new([const { lz4::Decoder::new() }]);
static FLATE_ENC: LazyLock<[ValuePool<flate::Encoder, 1>; 3]> =
    LazyLock::new(|| FORMATS.map(|f| ValuePool::new([flate::Encoder::new(f, 6).unwrap()])));
static FLATE_DEC: LazyLock<[ValuePool<flate::Decoder, 1>; 3]> =
    LazyLock::new(|| FORMATS.map(|f| ValuePool::new([flate::Decoder::new(f)])));
static ZSTD_ENC: LazyLock<ValuePool<zstd::Encoder, 1>> = LazyLock::new(|| {
    ValuePool::new([zstd::Encoder::new(zstd::Settings::new(3, 256 * 1024)).unwrap()])
});
static ZSTD_DEC: LazyLock<ValuePool<zstd::Decoder, 1>> =
    LazyLock::new(|| ValuePool::new([zstd::Decoder::new(1 << 23)]));

const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Codec {
    Lz4,
    Deflate,
    Zlib,
    Gzip,
    Zstd,
}

const CODECS: [Codec; 5] = [
    Codec::Lz4,
    Codec::Deflate,
    Codec::Zlib,
    Codec::Gzip,
    Codec::Zstd,
];

impl Codec {
    fn name(self) -> &'static str {
        match self {
            Codec::Lz4 => "lz4",
            Codec::Deflate => "deflate",
            Codec::Zlib => "zlib",
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
        }
    }

    fn flate(self) -> usize {
        match self {
            Codec::Deflate => 0,
            Codec::Zlib => 1,
            _ => 2,
        }
    }
}

// ---- one stream each way -------------------------------------------------------------

async fn write_all_pieces(w: &mut (impl AsyncWrite + Unpin), msg: &[u8]) -> io::Result<()> {
    for piece in msg.chunks(PIECE) {
        w.write_all(piece).await?;
    }
    w.shutdown().await
}

async fn read_all_pieces(r: &mut (impl AsyncRead + Unpin)) -> io::Result<usize> {
    let mut piece = [0u8; PIECE];
    let mut total = 0;
    loop {
        let n = r.read(&mut piece).await?;
        if n == 0 {
            return Ok(total);
        }
        black_box(&piece[..n]);
        total += n;
    }
}

async fn ours_encode<E: Encode + Unpin>(sink: &mut Vec<u8>, state: E, msg: &[u8]) {
    let mut w = EncodeWriter::new(sink, state, BUFS.acquire().await);
    write_all_pieces(&mut w, msg).await.unwrap();
}

async fn ours_decode<D: Decode + Unpin>(packed: &[u8], state: D) -> usize {
    let mut r = DecodeReader::new(packed, state, BUFS.acquire().await);
    read_all_pieces(&mut r).await.unwrap()
}

/// bufpress: compresses `msg` into `sink` (cleared first).
async fn ours_compress(codec: Codec, sink: &mut Vec<u8>, msg: &[u8]) {
    sink.clear();
    match codec {
        Codec::Lz4 => ours_encode(sink, LZ4_ENC.acquire().await, msg).await,
        Codec::Zstd => ours_encode(sink, ZSTD_ENC.acquire().await, msg).await,
        _ => ours_encode(sink, FLATE_ENC[codec.flate()].acquire().await, msg).await,
    }
}

async fn ours_decompress(codec: Codec, packed: &[u8]) -> usize {
    match codec {
        Codec::Lz4 => ours_decode(packed, LZ4_DEC.acquire().await).await,
        Codec::Zstd => ours_decode(packed, ZSTD_DEC.acquire().await).await,
        _ => ours_decode(packed, FLATE_DEC[codec.flate()].acquire().await).await,
    }
}

/// async-compression: the same.
async fn peer_compress(codec: Codec, sink: &mut Vec<u8>, msg: &[u8]) {
    sink.clear();
    let r = match codec {
        Codec::Lz4 => write_all_pieces(&mut ac_write::Lz4Encoder::new(sink), msg).await,
        Codec::Deflate => {
            write_all_pieces(
                &mut ac_write::DeflateEncoder::with_quality(sink, Level::Precise(6)),
                msg,
            )
            .await
        }
        Codec::Zlib => {
            write_all_pieces(
                &mut ac_write::ZlibEncoder::with_quality(sink, Level::Precise(6)),
                msg,
            )
            .await
        }
        Codec::Gzip => {
            write_all_pieces(
                &mut ac_write::GzipEncoder::with_quality(sink, Level::Precise(6)),
                msg,
            )
            .await
        }
        Codec::Zstd => {
            write_all_pieces(
                &mut ac_write::ZstdEncoder::with_quality(sink, Level::Precise(3)),
                msg,
            )
            .await
        }
    };
    r.unwrap();
}

async fn peer_decompress(codec: Codec, packed: &[u8]) -> usize {
    async fn read<R: AsyncBufRead + Unpin>(
        mut r: impl AsyncRead + Unpin,
        _: std::marker::PhantomData<R>,
    ) -> usize {
        read_all_pieces(&mut r).await.unwrap()
    }
    let p = std::marker::PhantomData::<&[u8]>;
    match codec {
        Codec::Lz4 => read(ac_read::Lz4Decoder::new(packed), p).await,
        Codec::Deflate => read(ac_read::DeflateDecoder::new(packed), p).await,
        Codec::Zlib => read(ac_read::ZlibDecoder::new(packed), p).await,
        Codec::Gzip => read(ac_read::GzipDecoder::new(packed), p).await,
        Codec::Zstd => read(ac_read::ZstdDecoder::new(packed), p).await,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Ours,
    Peer,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dir {
    Compress,
    Decompress,
}

/// `n` streams of one case, on the runtime.
#[allow(clippy::too_many_arguments)]
fn run_batch(
    rt: &tokio::runtime::Runtime,
    side: Side,
    dir: Dir,
    codec: Codec,
    msg: &[u8],
    packed: &[u8],
    sink: &mut Vec<u8>,
    n: usize,
) {
    let fut = async {
        for _ in 0..n {
            match (side, dir) {
                (Side::Ours, Dir::Compress) => ours_compress(codec, sink, msg).await,
                (Side::Peer, Dir::Compress) => peer_compress(codec, sink, msg).await,
                (Side::Ours, Dir::Decompress) => {
                    assert_eq!(ours_decompress(codec, packed).await, msg.len());
                }
                (Side::Peer, Dir::Decompress) => {
                    assert_eq!(peer_decompress(codec, packed).await, msg.len());
                }
            }
        }
    };
    // Pinned here: in debug builds `block_on` boxes a large future.
    rt.block_on(pin!(fut));
}

// ---- statistics ------------------------------------------------------------------------

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Median and 10th-90th percentile spread.
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (
        percentile(&v, 0.5),
        percentile(&v, 0.1),
        percentile(&v, 0.9),
    )
}

fn fmt3(values: &[f64], digits: usize) -> String {
    let (m, lo, hi) = stats(values);
    format!("{m:.digits$} ({lo:.digits$}-{hi:.digits$})")
}

/// met / missed / undecided for "ratio >= target", from the ratio's spread.
fn verdict(ratios: &[f64], target: f64) -> &'static str {
    let (_, lo, hi) = stats(ratios);
    if lo >= target {
        "met"
    } else if hi < target {
        "**missed**"
    } else {
        "undecided (the spread crosses 1.0x)"
    }
}

// ---- the per-stream benchmark ---------------------------------------------------------

struct Args {
    rounds: usize,
    batch_ms: u64,
    quick: bool,
    server: bool,
    streams: bool,
}

fn args() -> Args {
    let mut a = Args {
        rounds: 15,
        batch_ms: 10,
        quick: false,
        server: true,
        streams: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => a.rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            "--quick" => a.quick = true,
            "--batch-ms" => {
                a.batch_ms = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--batch-ms MS")
            }
            "--no-server" => a.server = false,
            "--server-only" => a.streams = false,
            _ => {} // cargo bench passes --bench
        }
    }
    if a.quick {
        a.rounds = a.rounds.min(3);
        RESPONSE.store(32 * 1024, Ordering::Relaxed);
    }
    a
}

fn per_stream(a: &Args) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sizes: &[usize] = if a.quick {
        &[16 * 1024]
    } else {
        &[4 * 1024, 256 * 1024]
    };
    let batch = Duration::from_millis(if a.quick { 1 } else { a.batch_ms });
    let data = corpus::mixed(256 * 1024, 14);
    let mut sink = Vec::with_capacity(512 * 1024);
    let mut packed = Vec::new();

    println!("### Per stream\n");
    println!(
        "{} rounds; a batch of about {} ms per case and side per round. Allocations over \
         20 streams after one warm-up stream, divided by 20: Rust heap calls (allocations \
         and reallocations) / bytes asked for / the C libraries' own `malloc`, `calloc` \
         and `realloc` calls (libzstd's, liblz4's). MB/s of \
         uncompressed data, median (10th-90th percentile) over the rounds; the ratio is \
         bufpress / async-compression within each round.\n",
        a.rounds,
        batch.as_millis()
    );
    println!(
        "| format | size | direction | bufpress allocs / bytes / C mallocs per stream | async-compression allocs / bytes / C mallocs per stream | bufpress MB/s | async-compression MB/s | ratio | target >= 1.0x |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---|");
    for &len in sizes {
        let msg = &data[..len];
        for codec in CODECS {
            // Both sides' streams must agree: ours decodes theirs and they decode ours.
            rt.block_on(pin!(async {
                peer_compress(codec, &mut sink, msg).await;
                assert_eq!(ours_decompress(codec, &sink).await, len);
                ours_compress(codec, &mut sink, msg).await;
                assert_eq!(peer_decompress(codec, &sink).await, len);
            }));
            packed.clone_from(&sink);
            for dir in [Dir::Compress, Dir::Decompress] {
                let mut allocs = Vec::new();
                for side in [Side::Ours, Side::Peer] {
                    run_batch(&rt, side, dir, codec, msg, &packed, &mut sink, 1);
                    let ((), counts, c) = measure_all(|| {
                        run_batch(&rt, side, dir, codec, msg, &packed, &mut sink, 20)
                    });
                    // Rust's heap calls reach `malloc` too (through `System`): the C
                    // library's own are the rest.
                    let rust = counts.allocs + counts.reallocs;
                    if side == Side::Ours {
                        // The claim this benchmark stands on: fail rather than print.
                        assert!(
                            counts.is_zero() && c == 0,
                            "bufpress {} {dir:?} allocated: {counts:?}, C {c}",
                            codec.name()
                        );
                    }
                    allocs.push(format!(
                        "{} / {} / {}",
                        rust as f64 / 20.0,
                        (counts.bytes as f64 / 20.0).round(),
                        c.saturating_sub(rust) as f64 / 20.0
                    ));
                }
                // Calibrate the batch size on the slower side.
                let mut n = 1;
                for side in [Side::Ours, Side::Peer] {
                    let t = Instant::now();
                    run_batch(&rt, side, dir, codec, msg, &packed, &mut sink, 3);
                    let per = t.elapsed().as_secs_f64() / 3.0;
                    n = n.max((batch.as_secs_f64() / per).ceil() as usize);
                }
                let (mut ours, mut peer, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
                for round in 0..a.rounds {
                    let order = if round % 2 == 0 {
                        [Side::Ours, Side::Peer]
                    } else {
                        [Side::Peer, Side::Ours]
                    };
                    let mut mbs = [0.0; 2];
                    for side in order {
                        let t = Instant::now();
                        run_batch(&rt, side, dir, codec, msg, &packed, &mut sink, n);
                        let v = (n * len) as f64 / t.elapsed().as_secs_f64() / 1e6;
                        mbs[(side == Side::Peer) as usize] = v;
                    }
                    ours.push(mbs[0]);
                    peer.push(mbs[1]);
                    ratio.push(mbs[0] / mbs[1]);
                }
                println!(
                    "| {} | {} KiB | {} | {} | {} | {} | {} | {}x | {} |",
                    codec.name(),
                    len / 1024,
                    if dir == Dir::Compress {
                        "compress"
                    } else {
                        "decompress"
                    },
                    allocs[0],
                    allocs[1],
                    fmt3(&ours, 0),
                    fmt3(&peer, 0),
                    fmt3(&ratio, 2),
                    verdict(&ratio, 1.0)
                );
            }
        }
    }
    println!();
}

// ---- the loopback server ----------------------------------------------------------------

/// The response size of the server runs: 256 KiB (`--quick`: 32 KiB).
static RESPONSE: AtomicUsize = AtomicUsize::new(256 * 1024);
const RESPONSE_PIECES: usize = 16;

fn response_len() -> usize {
    RESPONSE.load(Ordering::Relaxed)
}

/// The child: a server and `conns` clients in this process; prints its peak RSS.
fn server_child(side: &str, conns: usize, pool: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let done = rt.block_on(async move {
        tokio::time::timeout(
            Duration::from_secs(120),
            serve(side == "bufpress", conns, pool),
        )
        .await
    });
    let served = done.expect("the run ended before its deadline");
    assert_eq!(served, conns, "every client got its whole response");
    let rss = status_kb("VmHWM:");
    println!("peak_rss_kb={rss}");
}

async fn serve(ours: bool, conns: usize, pool: usize) -> usize {
    match pool {
        1 => serve_with::<1>(ours, conns).await,
        8 => serve_with::<8>(ours, conns).await,
        32 => serve_with::<32>(ours, conns).await,
        _ => panic!("pool sizes: 1, 8 or 32"),
    }
}

/// The server with pools of `N` gzip states and `N` staging buffers, and its clients.
async fn serve_with<const N: usize>(ours: bool, conns: usize) -> usize {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let response: &'static [u8] = corpus::mixed(response_len(), 99).leak();
    // Built only for bufpress's runs (async-compression's build their own).
    let pools: Option<(
        &'static ValuePool<flate::Encoder, N>,
        &'static Pool<N, STAGING>,
    )> = ours.then(|| {
        let states = std::array::from_fn(|_| flate::Encoder::new(Format::Gzip, 6).unwrap());
        (
            &*Box::leak(Box::new(ValuePool::new(states))),
            &*Box::leak(Box::new(Pool::new())),
        )
    });
    let server = tokio::spawn(async move {
        for _ in 0..conns {
            let (mut sock, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut req = [0u8; 1];
                sock.read_exact(&mut req).await.unwrap();
                if let Some((states, bufs)) = pools {
                    // The state first, then the buffer: one order for every task.
                    let state = states.acquire().await;
                    let mut w = EncodeWriter::new(&mut sock, state, bufs.acquire().await);
                    send_slowly(&mut w, response).await;
                } else {
                    let mut w = ac_write::GzipEncoder::with_quality(&mut sock, Level::Precise(6));
                    send_slowly(&mut w, response).await;
                }
            });
        }
    });
    let mut clients = Vec::with_capacity(conns);
    for i in 0..conns {
        clients.push(tokio::spawn(async move {
            let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
            sock.write_all(b"?").await.unwrap();
            if i == 0 {
                // One client decompresses and checks every byte; the others count
                // the compressed bytes (a decoder per client would weigh the same on
                // both sides and hide the server's memory).
                let mut r =
                    ac_read::GzipDecoder::new(tokio::io::BufReader::with_capacity(1024, sock));
                let mut back = Vec::new();
                r.read_to_end(&mut back).await.unwrap();
                return back == response;
            }
            let mut piece = [0u8; 1024];
            let mut total = 0;
            loop {
                let n = sock.read(&mut piece).await.unwrap();
                if n == 0 {
                    break;
                }
                total += n;
            }
            total > 20
        }));
    }
    let mut ok = 0;
    for c in clients {
        ok += usize::from(c.await.unwrap());
    }
    server.await.unwrap();
    ok
}

async fn send_slowly(w: &mut (impl AsyncWrite + Unpin), response: &[u8]) {
    for piece in response.chunks(response_len().div_ceil(RESPONSE_PIECES)) {
        w.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    w.shutdown().await.unwrap();
}

fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap()
}

fn run_child(side: &str, conns: usize, pool: usize) -> (u64, Duration) {
    let t = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--server-child",
            side,
            &conns.to_string(),
            &pool.to_string(),
            &response_len().to_string(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "server child failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kb = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kb="))
        .and_then(|v| v.parse().ok())
        .expect("the child prints its peak RSS");
    (kb, t.elapsed())
}

fn server(a: &Args) {
    let conns: &[usize] = if a.quick {
        &[50, 200]
    } else {
        &[250, 500, 1000]
    };
    let pools: &[usize] = if a.quick { &[8] } else { &[8, 32] };
    println!("### Peak RSS of a loopback server\n");
    println!(
        "One child process per run: server and clients on 127.0.0.1, 2 worker threads, \
         each connection a {} KiB response compressed with gzip level 6 in {RESPONSE_PIECES} \
         pieces, 1 ms apart. Peak RSS (`VmHWM`) in MB; the slope is the growth per \
         connection between the fewest and the most connections.\n",
        response_len() / 1024
    );
    let last = *conns.last().unwrap();
    let first = conns[0];
    print!("| server | pool |");
    for c in conns {
        print!(" {c} conns MB |");
    }
    println!(" KiB per connection ({first} to {last}) | wall time at {last} |");
    print!("|---|---:|");
    for _ in conns {
        print!("---:|");
    }
    println!("---:|---:|");
    let mut rows: Vec<(&str, usize)> = pools.iter().map(|&p| ("bufpress", p)).collect();
    rows.push(("async-compression", 0));
    for (side, pool) in rows {
        let runs: Vec<(u64, Duration)> = conns
            .iter()
            .map(|&c| run_child(side, c, pool.max(1)))
            .collect();
        print!(
            "| {side} | {} |",
            if pool == 0 {
                "–".to_string()
            } else {
                pool.to_string()
            }
        );
        for (kb, _) in &runs {
            print!(" {:.1} |", *kb as f64 / 1024.0);
        }
        let slope = (runs.last().unwrap().0 as f64 - runs[0].0 as f64) / (last - first) as f64;
        if side == "bufpress" {
            // Flat beyond the pool: what grows is a task and a socket per connection
            // (about 2.5 KiB measured), never a codec state (~300 KiB for gzip).
            assert!(
                slope < 32.0,
                "bufpress's server grew {slope:.1} KiB per connection"
            );
        }
        println!(
            " {slope:.1} | {:.2} s |",
            runs.last().unwrap().1.as_secs_f64()
        );
    }
    println!();
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if let Some(i) = argv.iter().position(|a| a == "--server-child") {
        let side = &argv[i + 1];
        let conns = argv[i + 2].parse().unwrap();
        let pool = argv[i + 3].parse().unwrap();
        RESPONSE.store(argv[i + 4].parse().unwrap(), Ordering::Relaxed);
        server_child(side, conns, pool);
        return;
    }
    let a = args();
    if a.streams {
        per_stream(&a);
    }
    if a.server {
        server(&a);
    }
}

// A future that is `Send` is what a tokio server spawns: the adapters' futures are.
#[allow(dead_code)]
fn assert_send() {
    fn is_send<F: Future + Send>(_: F) {}
    let mut sink = Vec::new();
    is_send(ours_compress(Codec::Zstd, &mut sink, b""));
    is_send(ours_decompress(Codec::Zstd, b""));
}
