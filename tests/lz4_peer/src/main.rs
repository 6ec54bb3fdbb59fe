//! bufpress's lz4 block and frame codecs against lz4_flex 0.14.2 (safe and unsafe
//! mode) and C liblz4 1.10.0 (lz4-sys), on the same corpus in the same process:
//! `bufpress_support::corpus::mixed(4 MiB, 0x0B0FF3E5)` cut into 64 KiB blocks.
//!
//! ```text
//! lz4-peer sizes                  compressed sizes of each compressor
//! lz4-peer wall ROUNDS            interleaved MB/s: every round times every codec once,
//!                                 in a rotating order; median and spread per codec
//! lz4-peer dump [DIR]             write DIR/lz4-peer-corpus.bin and .bin.lz4 (bufpress's frame)
//! lz4-peer call CODEC OP REPS     REPS passes of one codec for callgrind
//!                                 (--toggle-collect='*measured*')
//! ```
//!
//! CODEC: bufpress, flex_safe, flex_unsafe, c. OP: compress, decompress, frame
//! (frame decompress, 64 KiB independent blocks + content checksum; bufpress, flex_safe
//! (`FrameDecoder`) and c), msg64k and msg1m (the corpus as 64 KiB or 1 MiB messages,
//! a frame each, as in the main job's `lz4 d` rows: bufpress one-shot against
//! lz4_flex's `FrameDecoder` into a new `Vec`; bufpress and flex_safe), cmsg64k and
//! cmsg1m (the same messages compressed: bufpress one-shot against lz4_flex's
//! `FrameEncoder`, the main job's `lz4 c` rows).
//! Every decompressor reads the same bytes: C's blocks, bufpress's frame.
use std::hint::black_box;
use std::time::Instant;

use bufpress::codec::lz4;
use bufpress::pool::Pool;

const LEN: usize = 4 << 20;
const BLOCK: usize = 64 << 10;
const SEED: u64 = 0x0B0F_F3E5;

static POOL: Pool<2, { 1 << 17 }> = Pool::new();
static BIG: Pool<1, { 5 << 20 }> = Pool::new();

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Codec {
    Bufpress,
    FlexSafe,
    FlexUnsafe,
    C,
}

const CODECS: [Codec; 4] = [
    Codec::Bufpress,
    Codec::FlexSafe,
    Codec::FlexUnsafe,
    Codec::C,
];

impl Codec {
    fn name(self) -> &'static str {
        match self {
            Codec::Bufpress => "bufpress",
            Codec::FlexSafe => "flex_safe",
            Codec::FlexUnsafe => "flex_unsafe",
            Codec::C => "c",
        }
    }
    fn parse(s: &str) -> Self {
        *CODECS
            .iter()
            .find(|c| c.name() == s)
            .expect("codec: bufpress|flex_safe|flex_unsafe|c")
    }
}

struct State {
    data: Vec<u8>,
    /// C's compressed blocks (what every decompressor reads).
    blocks: Vec<Vec<u8>>,
    frame: Vec<u8>,
    /// The corpus as 64 KiB and 1 MiB messages, each one frame (the main job's
    /// `lz4 d` rows: 64 KiB independent blocks, content checksum).
    frames_64k: Vec<Vec<u8>>,
    frames_1m: Vec<Vec<u8>>,
    table: lz4::Table,
    flex_table: lz4_flex::block::CompressTable,
    flex_unsafe_table: lz4_flex_unsafe::block::CompressTable,
    out: Vec<u8>,
    dctx: lz4_sys::LZ4FDecompressionContext,
}

fn c_compress(src: &[u8], dst: &mut [u8]) -> usize {
    // SAFETY: both pointers and lengths come from live slices.
    let n = unsafe {
        lz4_sys::LZ4_compress_default(
            src.as_ptr().cast(),
            dst.as_mut_ptr().cast(),
            src.len() as i32,
            dst.len() as i32,
        )
    };
    assert!(n > 0);
    n as usize
}

fn c_decompress(src: &[u8], dst: &mut [u8]) -> usize {
    // SAFETY: both pointers and lengths come from live slices.
    let n = unsafe {
        lz4_sys::LZ4_decompress_safe(
            src.as_ptr().cast(),
            dst.as_mut_ptr().cast(),
            src.len() as i32,
            dst.len() as i32,
        )
    };
    assert!(n >= 0);
    n as usize
}

fn c_frame_decompress(
    ctx: &lz4_sys::LZ4FDecompressionContext,
    src: &[u8],
    dst: &mut [u8],
) -> usize {
    let (mut done_in, mut done_out) = (0, 0);
    loop {
        let mut dst_size = dst.len() - done_out;
        let mut src_size = src.len() - done_in;
        // SAFETY: pointers and sizes come from live slices; the context is valid.
        let r = unsafe {
            lz4_sys::LZ4F_decompress(
                lz4_sys::LZ4FDecompressionContext(ctx.0),
                dst.as_mut_ptr().add(done_out),
                &mut dst_size,
                src.as_ptr().add(done_in),
                &mut src_size,
                core::ptr::null(),
            )
        };
        // SAFETY: a plain function on a code.
        assert_eq!(unsafe { lz4_sys::LZ4F_isError(r) }, 0, "LZ4F_decompress");
        done_in += src_size;
        done_out += dst_size;
        if r == 0 {
            return done_out;
        }
    }
}

impl State {
    fn new() -> Self {
        let data = bufpress_support::corpus::mixed(LEN, SEED);
        let mut blocks = Vec::new();
        let mut buf = vec![0; lz4::max_compressed_len(BLOCK)];
        for chunk in data.chunks(BLOCK) {
            let n = c_compress(chunk, &mut buf);
            blocks.push(buf[..n].to_vec());
        }
        let mut table = lz4::Table::new();
        let mut big = BIG.try_acquire().expect("big");
        let settings = lz4::FrameSettings::new();
        lz4::compress_frame_into(&data, &mut big, &settings, &mut table).expect("frame");
        let frame = big.to_vec();
        drop(big);
        let frames_of = |size: usize, table: &mut lz4::Table| -> Vec<Vec<u8>> {
            data.chunks(size)
                .map(|m| {
                    let mut big = BIG.try_acquire().expect("big");
                    lz4::compress_frame_into(m, &mut big, &settings, table).expect("frame");
                    big.to_vec()
                })
                .collect()
        };
        let frames_64k = frames_of(64 << 10, &mut table);
        let frames_1m = frames_of(1 << 20, &mut table);
        let mut dctx = lz4_sys::LZ4FDecompressionContext(core::ptr::null_mut());
        // SAFETY: an out-pointer to a local.
        let r =
            unsafe { lz4_sys::LZ4F_createDecompressionContext(&mut dctx, lz4_sys::LZ4F_VERSION) };
        assert_eq!(r, 0);
        Self {
            data,
            blocks,
            frame,
            frames_64k,
            frames_1m,
            table,
            flex_table: lz4_flex::block::CompressTable::large(),
            flex_unsafe_table: lz4_flex_unsafe::block::CompressTable::large(),
            out: vec![0; LEN + 1024],
            dctx,
        }
    }

    /// Compresses every block; returns the total compressed size.
    fn compress(&mut self, codec: Codec) -> usize {
        let mut total = 0;
        let mut buf = POOL.try_acquire().expect("buf");
        for chunk in self.data.chunks(BLOCK) {
            let chunk = black_box(chunk);
            total += match codec {
                Codec::Bufpress => {
                    buf.clear();
                    lz4::compress_into(chunk, &mut buf, &mut self.table).expect("fits")
                }
                Codec::FlexSafe => lz4_flex::block::compress_into_with_table(
                    chunk,
                    &mut self.out[..],
                    &mut self.flex_table,
                )
                .expect("fits"),
                Codec::FlexUnsafe => lz4_flex_unsafe::block::compress_into_with_table(
                    chunk,
                    &mut self.out[..],
                    &mut self.flex_unsafe_table,
                )
                .expect("fits"),
                Codec::C => c_compress(chunk, &mut self.out[..lz4::max_compressed_len(BLOCK)]),
            };
        }
        total
    }

    /// Decompresses C's blocks; returns the total decompressed size.
    fn decompress(&mut self, codec: Codec) -> usize {
        let mut total = 0;
        let mut buf = POOL.try_acquire().expect("buf");
        for block in &self.blocks {
            let block = black_box(&block[..]);
            let out = &mut self.out[..BLOCK];
            total += match codec {
                Codec::Bufpress => {
                    buf.clear();
                    lz4::decompress_into(block, &mut buf).expect("valid")
                }
                Codec::FlexSafe => lz4_flex::block::decompress_into(block, out).expect("valid"),
                Codec::FlexUnsafe => {
                    lz4_flex_unsafe::block::decompress_into(block, out).expect("valid")
                }
                Codec::C => c_decompress(block, out),
            };
        }
        total
    }

    fn frame(&mut self, codec: Codec) -> usize {
        match codec {
            Codec::Bufpress => {
                let mut big = BIG.try_acquire().expect("big");
                lz4::decompress_frame_into(black_box(&self.frame), &mut big).expect("valid")
            }
            Codec::C => c_frame_decompress(&self.dctx, black_box(&self.frame), &mut self.out),
            Codec::FlexSafe => {
                // The main job's naive path: lz4_flex's `FrameDecoder` into a new `Vec`.
                use std::io::Read;
                let mut v = Vec::new();
                lz4_flex::frame::FrameDecoder::new(black_box(&self.frame[..]))
                    .read_to_end(&mut v)
                    .expect("valid")
            }
            Codec::FlexUnsafe => 0,
        }
    }

    /// The main job's `lz4 d` rows: every message frame decoded, bufpress one-shot
    /// into a pool buffer, lz4_flex's `FrameDecoder` into a new `Vec` of the
    /// message's length (the naive side).
    fn messages(&mut self, codec: Codec, size: usize) -> usize {
        let frames = if size == 1 << 20 {
            &self.frames_1m
        } else {
            &self.frames_64k
        };
        let mut total = 0;
        for f in frames {
            let f = black_box(&f[..]);
            total += match codec {
                Codec::Bufpress => {
                    let mut big = BIG.try_acquire().expect("big");
                    lz4::decompress_frame_into(f, &mut big).expect("valid")
                }
                Codec::FlexSafe => {
                    use std::io::Read;
                    let mut v = Vec::with_capacity(size);
                    lz4_flex::frame::FrameDecoder::new(f)
                        .read_to_end(&mut v)
                        .expect("valid")
                }
                _ => 0,
            };
        }
        total
    }

    /// The main job's `lz4 c` rows: the corpus as messages of `size`, each
    /// compressed to a frame (64 KiB independent blocks, content checksum): bufpress
    /// one-shot into a pool buffer with a reused table, lz4_flex's `FrameEncoder`
    /// into a new `Vec` of the frame bound (the naive side).
    fn compress_messages(&mut self, codec: Codec, size: usize) -> usize {
        let settings = lz4::FrameSettings::new();
        let mut total = 0;
        for m in self.data.chunks(size) {
            let m = black_box(m);
            total += match codec {
                Codec::Bufpress => {
                    let mut big = BIG.try_acquire().expect("big");
                    lz4::compress_frame_into(m, &mut big, &settings, &mut self.table).expect("fits")
                }
                Codec::FlexSafe => {
                    use std::io::Write;
                    let info = lz4_flex::frame::FrameInfo::new()
                        .block_size(lz4_flex::frame::BlockSize::Max64KB)
                        .block_mode(lz4_flex::frame::BlockMode::Independent)
                        .content_checksum(true);
                    let out = Vec::with_capacity(lz4::max_frame_len(m.len(), &settings));
                    let mut e = lz4_flex::frame::FrameEncoder::with_frame_info(info, out);
                    e.write_all(m).expect("write");
                    e.finish().expect("finish").len()
                }
                _ => 0,
            };
        }
        total
    }

    fn run(&mut self, codec: Codec, op: &str) -> usize {
        match op {
            "cmsg64k" => self.compress_messages(codec, 64 << 10),
            "cmsg1m" => self.compress_messages(codec, 1 << 20),
            "msg64k" => self.messages(codec, 64 << 10),
            "msg1m" => self.messages(codec, 1 << 20),
            "compress" => self.compress(codec),
            "decompress" => self.decompress(codec),
            "frame" => self.frame(codec),
            _ => panic!("op: compress|decompress|frame|msg64k|msg1m|cmsg64k|cmsg1m"),
        }
    }

    /// One 64 KiB block (or, for `frame`, the whole frame).
    fn run_unit(&mut self, codec: Codec, op: &str, u: usize) -> usize {
        if op == "frame" {
            return self.frame(codec);
        }
        if op.contains("msg") {
            return self.run(codec, op);
        }
        let mut buf = POOL.try_acquire().expect("buf");
        buf.clear();
        let out = &mut self.out[..];
        if op == "compress" {
            let chunk = black_box(&self.data[u * BLOCK..(u + 1) * BLOCK]);
            match codec {
                Codec::Bufpress => {
                    lz4::compress_into(chunk, &mut buf, &mut self.table).expect("fits")
                }
                Codec::FlexSafe => {
                    lz4_flex::block::compress_into_with_table(chunk, out, &mut self.flex_table)
                        .expect("fits")
                }
                Codec::FlexUnsafe => lz4_flex_unsafe::block::compress_into_with_table(
                    chunk,
                    out,
                    &mut self.flex_unsafe_table,
                )
                .expect("fits"),
                Codec::C => c_compress(chunk, &mut out[..lz4::max_compressed_len(BLOCK)]),
            }
        } else {
            let block = black_box(&self.blocks[u][..]);
            let out = &mut out[..BLOCK];
            match codec {
                Codec::Bufpress => lz4::decompress_into(block, &mut buf).expect("valid"),
                Codec::FlexSafe => lz4_flex::block::decompress_into(block, out).expect("valid"),
                Codec::FlexUnsafe => {
                    lz4_flex_unsafe::block::decompress_into(block, out).expect("valid")
                }
                Codec::C => c_decompress(block, out),
            }
        }
    }

    /// Every codec must give back the corpus.
    fn check(&mut self) {
        let mut buf = POOL.try_acquire().expect("buf");
        for (i, chunk) in self.data.chunks(BLOCK).enumerate() {
            buf.clear();
            lz4::compress_into(chunk, &mut buf, &mut self.table).expect("fits");
            let mine = buf.to_vec();
            for block in [&mine[..], &self.blocks[i][..]] {
                for codec in CODECS {
                    self.out[..BLOCK].fill(0);
                    let n = match codec {
                        Codec::Bufpress => {
                            buf.clear();
                            let n = lz4::decompress_into(block, &mut buf).expect("valid");
                            self.out[..n].copy_from_slice(&buf);
                            n
                        }
                        Codec::FlexSafe => {
                            lz4_flex::block::decompress_into(block, &mut self.out).unwrap()
                        }
                        Codec::FlexUnsafe => {
                            lz4_flex_unsafe::block::decompress_into(block, &mut self.out).unwrap()
                        }
                        Codec::C => c_decompress(block, &mut self.out[..BLOCK]),
                    };
                    assert_eq!(&self.out[..n], chunk, "{codec:?} block {i}");
                }
            }
        }
        assert_eq!(self.frame(Codec::C), LEN);
        assert_eq!(&self.out[..LEN], &self.data[..]);
        let mut big = BIG.try_acquire().expect("big");
        assert_eq!(lz4::decompress_frame_into(&self.frame, &mut big), Ok(LEN));
        assert_eq!(&big[..], &self.data[..]);
    }
}

#[inline(never)]
fn measured(state: &mut State, codec: Codec, op: &str, reps: usize) -> usize {
    let mut total = 0;
    for _ in 0..reps {
        total += state.run(codec, op);
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut state = State::new();
    match args.first().map(String::as_str) {
        Some("sizes") => {
            state.check();
            println!("corpus: {LEN} bytes, {BLOCK}-byte blocks");
            for codec in CODECS {
                let n = state.compress(codec);
                println!(
                    "{:12} {n:>9} bytes ({:.3}%)",
                    codec.name(),
                    n as f64 * 100.0 / LEN as f64
                );
            }
            println!(
                "frame (bufpress, 64 KiB independent blocks, content checksum): {} bytes",
                state.frame.len()
            );
        }
        Some("wall") => {
            // Interleaved per block: in every round, each 64 KiB block is run by every
            // codec back to back (rotating order), so a codec's time on a block is
            // never more than ~0.1 ms from its peers'. Per codec and block the median
            // over rounds is kept (preemption by other processes lands in a few rounds
            // only); MB/s = corpus bytes / sum of those medians. The spread is the
            // quartiles of the per-round MB/s (whole corpus per round).
            let rounds: usize = args.get(1).map_or(15, |s| s.parse().expect("ROUNDS"));
            for op in [
                "compress",
                "decompress",
                "frame",
                "msg64k",
                "msg1m",
                "cmsg64k",
                "cmsg1m",
            ] {
                let codecs: &[Codec] = if op.contains("msg") {
                    &[Codec::Bufpress, Codec::FlexSafe]
                } else if op == "frame" {
                    &[Codec::Bufpress, Codec::FlexSafe, Codec::C]
                } else {
                    &CODECS
                };
                let units = if op == "frame" || op.contains("msg") {
                    1
                } else {
                    LEN / BLOCK
                };
                // t[codec][unit][round]
                let mut t = vec![vec![vec![0f64; rounds]; units]; codecs.len()];
                for &c in codecs {
                    black_box(state.run(c, op));
                }
                for r in 0..rounds {
                    for u in 0..units {
                        for k in 0..codecs.len() {
                            let i = (r + u + k) % codecs.len();
                            let start = Instant::now();
                            black_box(state.run_unit(codecs[i], op, u));
                            t[i][u][r] = start.elapsed().as_secs_f64();
                        }
                    }
                }
                let mbps_of = |i: usize| -> (f64, Vec<f64>) {
                    let sum: f64 = t[i]
                        .iter()
                        .map(|v| {
                            let mut v = v.clone();
                            v.sort_by(f64::total_cmp);
                            v[rounds / 2]
                        })
                        .sum();
                    let mut per_round: Vec<f64> = (0..rounds)
                        .map(|r| LEN as f64 / t[i].iter().map(|v| v[r]).sum::<f64>() / 1e6)
                        .collect();
                    per_round.sort_by(f64::total_cmp);
                    (LEN as f64 / sum / 1e6, per_round)
                };
                let (c_mbps, _) = mbps_of(codecs.len() - 1);
                for (i, &codec) in codecs.iter().enumerate() {
                    let (m, pr) = mbps_of(i);
                    println!(
                        "{op:10} {:12} {m:7.0} MB/s (per-round quartiles {:5.0}..{:5.0})  / c {:.3}x",
                        codec.name(),
                        pr[rounds / 4],
                        pr[rounds * 3 / 4],
                        m / c_mbps
                    );
                }
            }
        }
        Some("dump") => {
            // The corpus and bufpress's frame of it, for the `lz4` tool.
            let dir = args.get(1).map_or("/tmp", String::as_str);
            std::fs::write(format!("{dir}/lz4-peer-corpus.bin"), &state.data).expect("write");
            std::fs::write(format!("{dir}/lz4-peer-corpus.bin.lz4"), &state.frame).expect("write");
        }
        Some("call") => {
            let codec = Codec::parse(&args[1]);
            let op = args[2].as_str();
            let reps: usize = args[3].parse().expect("REPS");
            state.run(codec, op);
            let n = measured(&mut state, codec, op, reps);
            println!("{} {op} x{reps}: {n} bytes", codec.name());
        }
        _ => eprintln!("usage: lz4-peer sizes | wall ROUNDS | dump [DIR] | call CODEC OP REPS"),
    }
}
