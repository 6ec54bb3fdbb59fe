//! A tokio server on 127.0.0.1 that compresses each response through pooled encoders
//! (`bufpress_std::tokio::EncodeWriter`), and clients that decompress the responses
//! through pooled decoders (`DecodeReader` over a `PoolBufReader`) and check every
//! byte.
//!
//! 400 client connections at once against a server whose codec memory is fixed: 4
//! lz4, 4 gzip and 4 zstd encoder states and 12 staging buffers, whatever the number
//! of connections. A connection asks for a response (a format, a length, a seed);
//! the server takes a state and a staging buffer with `acquire().await` (waiting when
//! all are out: backpressure, not more memory), generates the response in pieces
//! (into a stack buffer) and writes it through the encoder into the socket. The
//! client regenerates the same bytes and compares. Bounded and self-stopping: a fixed
//! number of connections, a 60 s deadline, then it prints the pools' statistics and
//! exits (status 1 on any mismatch).
//!
//! Run: `cargo run --release -p bufpress-examples --example tokio_server`

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bufpress::codec::deflate::Format;
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::pool::{Pool, ValuePool};
use bufpress_std::tokio::{DecodeReader, EncodeWriter, PoolBufReader};
use bufpress_std::{flate, zstd};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CONNECTIONS: u64 = 400;
/// Responses of up to 192 KiB.
const MAX_RESPONSE: u32 = 192 * 1024;

const ENC: usize = lz4::encoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);

// The server's pools: its whole codec memory, whatever the number of connections.
static SERVER_BUFS: Pool<12, 8192> = Pool::new();
static LZ4_ENCODERS: ValuePool<lz4::Encoder<ENC>, 4> =
    ValuePool::new([const { lz4::Encoder::new() }; 4]);
static GZIP_ENCODERS: LazyLock<ValuePool<flate::Encoder, 4>> = LazyLock::new(|| {
    ValuePool::new(std::array::from_fn(|_| {
        flate::Encoder::new(Format::Gzip, 6).unwrap()
    }))
});
static ZSTD_ENCODERS: LazyLock<ValuePool<zstd::Encoder, 4>> = LazyLock::new(|| {
    let settings = zstd::Settings::new(3, MAX_RESPONSE as usize);
    ValuePool::new(std::array::from_fn(|_| {
        zstd::Encoder::new(settings).unwrap()
    }))
});

// The clients' pools (a real client is another process; here they share this one),
// larger than the server's, so that the server's pools are what bounds the work.
static CLIENT_BUFS: Pool<48, 8192> = Pool::new();
static LZ4_DECODERS: ValuePool<lz4::Decoder<DEC>, 2> =
    ValuePool::new([const { lz4::Decoder::new() }; 2]);
static GZIP_DECODERS: LazyLock<ValuePool<flate::Decoder, 8>> = LazyLock::new(|| {
    ValuePool::new(std::array::from_fn(|_| {
        flate::Decoder::new(Format::Gzip).with_max_output(MAX_RESPONSE.into())
    }))
});
static ZSTD_DECODERS: LazyLock<ValuePool<zstd::Decoder, 8>> = LazyLock::new(|| {
    ValuePool::new(std::array::from_fn(|_| {
        zstd::Decoder::new((MAX_RESPONSE as usize).next_power_of_two())
    }))
});

static BYTES_SENT: AtomicU64 = AtomicU64::new(0);

/// The response for `seed`, piece by piece: text from a small vocabulary, the same
/// bytes however it is cut into pieces (no allocation: it writes into the caller's
/// buffer).
struct Response {
    state: u64,
    /// The current word and how much of it was given out.
    word: &'static [u8],
    at: usize,
    left: usize,
}

impl Response {
    fn new(seed: u64, len: u32) -> Self {
        Self {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            word: b"",
            at: 0,
            left: len as usize,
        }
    }

    /// Fills the front of `buf` with the next bytes; returns how many (0 at the end).
    fn next_piece(&mut self, buf: &mut [u8]) -> usize {
        const WORDS: [&[u8]; 8] = [
            b"pool ", b"buffer ", b"tokio ", b"frame ", b"zero ", b"copy ", b"socket ", b"\n",
        ];
        let mut n = 0;
        while n < buf.len() && self.left > 0 {
            if self.at == self.word.len() {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                self.word = WORDS[(self.state % 8) as usize];
                self.at = 0;
            }
            let k = (self.word.len() - self.at)
                .min(buf.len() - n)
                .min(self.left);
            buf[n..n + k].copy_from_slice(&self.word[self.at..self.at + k]);
            self.at += k;
            n += k;
            self.left -= k;
        }
        n
    }
}

/// Writes the response for `seed` through `w` and ends the stream.
async fn send(w: &mut (impl AsyncWrite + Unpin), seed: u64, len: u32) -> std::io::Result<()> {
    let mut response = Response::new(seed, len);
    let mut piece = [0u8; 4096];
    loop {
        let n = response.next_piece(&mut piece);
        if n == 0 {
            break;
        }
        w.write_all(&piece[..n]).await?;
    }
    w.shutdown().await
}

/// One connection of the server: reads the request, answers it compressed.
async fn serve(mut sock: TcpStream) -> std::io::Result<()> {
    let mut request = [0u8; 13];
    sock.read_exact(&mut request).await?;
    let format = request[0];
    let len = u32::from_le_bytes(request[1..5].try_into().unwrap()).min(MAX_RESPONSE);
    let seed = u64::from_le_bytes(request[5..13].try_into().unwrap());
    // The state first, then the buffer: one order in every task.
    match format {
        b'l' => {
            let state = LZ4_ENCODERS.acquire().await;
            let mut w = EncodeWriter::new(&mut sock, state, SERVER_BUFS.acquire().await);
            send(&mut w, seed, len).await?;
        }
        b'g' => {
            let state = GZIP_ENCODERS.acquire().await;
            let mut w = EncodeWriter::new(&mut sock, state, SERVER_BUFS.acquire().await);
            send(&mut w, seed, len).await?;
        }
        _ => {
            let state = ZSTD_ENCODERS.acquire().await;
            let mut w = EncodeWriter::new(&mut sock, state, SERVER_BUFS.acquire().await);
            send(&mut w, seed, len).await?;
        }
    }
    BYTES_SENT.fetch_add(u64::from(len), Ordering::Relaxed);
    Ok(())
}

/// Reads the whole response through `r` and compares it with the expected bytes.
async fn check(
    r: &mut (impl tokio::io::AsyncRead + Unpin),
    seed: u64,
    len: u32,
) -> std::io::Result<bool> {
    let mut expected = Response::new(seed, len);
    let (mut got, mut want) = ([0u8; 4096], [0u8; 4096]);
    let mut total = 0usize;
    loop {
        let n = r.read(&mut got).await?;
        if n == 0 {
            return Ok(total == len as usize && expected.next_piece(&mut want[..1]) == 0);
        }
        let k = expected.next_piece(&mut want[..n]);
        if k != n || got[..n] != want[..n] {
            return Ok(false);
        }
        total += n;
    }
}

/// One client: asks for a response and checks every byte of it.
async fn client(addr: std::net::SocketAddr, i: u64) -> std::io::Result<bool> {
    let format = [b'l', b'g', b'z'][(i % 3) as usize];
    let len = ((i * 7919) % u64::from(MAX_RESPONSE)) as u32;
    let seed = i + 1;
    let mut sock = TcpStream::connect(addr).await?;
    let mut request = [0u8; 13];
    request[0] = format;
    request[1..5].copy_from_slice(&len.to_le_bytes());
    request[5..13].copy_from_slice(&seed.to_le_bytes());
    sock.write_all(&request).await?;
    // The state first, then the buffers (at most 24 states out, each with 2 of the 48
    // buffers: a task never waits for a buffer held by one that waits for a state).
    // The decoder reads the input where a pool buffer holds it (no `BufReader` box).
    match format {
        b'l' => {
            let state = LZ4_DECODERS.acquire().await;
            let input = PoolBufReader::new(sock, CLIENT_BUFS.acquire().await);
            let mut r = DecodeReader::new(input, state, CLIENT_BUFS.acquire().await)
                .with_max_output(MAX_RESPONSE.into());
            check(&mut r, seed, len).await
        }
        b'g' => {
            let state = GZIP_DECODERS.acquire().await;
            let input = PoolBufReader::new(sock, CLIENT_BUFS.acquire().await);
            let mut r = DecodeReader::new(input, state, CLIENT_BUFS.acquire().await);
            check(&mut r, seed, len).await
        }
        _ => {
            let state = ZSTD_DECODERS.acquire().await;
            let input = PoolBufReader::new(sock, CLIENT_BUFS.acquire().await);
            let mut r = DecodeReader::new(input, state, CLIENT_BUFS.acquire().await)
                .with_max_output(MAX_RESPONSE.into());
            check(&mut r, seed, len).await
        }
    }
}

async fn run() -> std::io::Result<u64> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let mut handlers = Vec::new();
        for _ in 0..CONNECTIONS {
            let (sock, _) = listener.accept().await?;
            handlers.push(tokio::spawn(serve(sock)));
        }
        for h in handlers {
            h.await??;
        }
        std::io::Result::Ok(())
    });
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|i| tokio::spawn(client(addr, i)))
        .collect();
    let mut good = 0;
    for c in clients {
        good += u64::from(c.await??);
    }
    server.await??;
    Ok(good)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let good = rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(60), run()).await })
        .expect("finished within the deadline")
        .expect("no I/O error");
    let elapsed = start.elapsed();
    println!(
        "{good} of {CONNECTIONS} responses checked byte for byte ({:.1} MB uncompressed) in {:.2} s",
        BYTES_SENT.load(Ordering::Relaxed) as f64 / 1e6,
        elapsed.as_secs_f64()
    );
    for (name, stats) in [
        ("server staging buffers", SERVER_BUFS.stats()),
        ("lz4 encoders", LZ4_ENCODERS.stats()),
        ("gzip encoders", GZIP_ENCODERS.stats()),
        ("zstd encoders", ZSTD_ENCODERS.stats()),
        ("client buffers", CLIENT_BUFS.stats()),
    ] {
        println!("{name}: {stats:?}");
        assert_eq!(stats.available, stats.capacity, "{name}: every one back");
        assert!(stats.high_water <= stats.capacity);
    }
    if good != CONNECTIONS {
        eprintln!("{} responses did not match", CONNECTIONS - good);
        std::process::exit(1);
    }
}
