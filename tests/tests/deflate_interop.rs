//! Interop with the reference implementations: what `gzip` (levels 1, 6, 9, with a file
//! name in the header) and Python's `zlib` (zlib, raw deflate, gzip) write, bufpress
//! reads; and `gzip -d`, `gzip -t`, Python's `zlib` and flate2 read what bufpress
//! writes, in all three formats, at every level and at windows from 1 to 32 KiB.
//! Several data kinds and sizes up to a few MiB.

use std::path::PathBuf;
use std::process::Command;

use bufpress::codec::deflate::{
    self, Decoder, DecoderState, EncoderState, Format, GzipHeader, InflateState,
};
use bufpress::codec::{self, Encode as _};
use bufpress::pool::RegionPool;
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::decoders::flate2_decode;
use bufpress_tests::tools::{available, pipe};

const SIZES: [usize; 4] = [0, 1, 5000, 200_000];
const LARGE: usize = 3 << 20;
const FORMATS: [Format; 3] = [Format::Raw, Format::Zlib, Format::Gzip];

/// The test inputs: every kind at every size, and a few MiB of mixed data.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, &len) in SIZES.iter().enumerate() {
        for kind in KINDS {
            out.push((format!("{kind:?} {len}"), corpus::make(kind, len, i as u64)));
        }
    }
    out.push((format!("mixed {LARGE}"), corpus::mixed(LARGE, 9)));
    out
}

/// Decodes `input` with the one-shot call and with the streaming decoder through
/// 4 KiB buffers; both must agree. Returns the content.
fn bufpress_decode(format: Format, input: &[u8], max_out: usize) -> Vec<u8> {
    let size = max_out + 1024;
    let mut mem = vec![0u8; size + 4096];
    let pool = RegionPool::<1>::new(&mut mem, size, 4).unwrap();
    let mut out = pool.try_acquire().unwrap();
    let mut state = Box::new(InflateState::new());
    deflate::decompress_into(input, &mut out, format, &mut state)
        .unwrap_or_else(|e| panic!("{format:?}: {e}"));
    let one_shot = out.to_vec();

    let mut small = vec![0u8; 4 * 4096 + 4096];
    let small = RegionPool::<4>::new(&mut small, 4096, 4).unwrap();
    let mut decoder = Decoder::new(format, Box::new(DecoderState::new()));
    let mut streamed = Vec::new();
    let used = codec::decode_to(&mut decoder, input, small.pool_ref(), |buf| {
        streamed.extend_from_slice(&buf);
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(used, input.len());
    assert!(
        streamed == one_shot,
        "streaming and one-shot decoding differ"
    );
    one_shot
}

/// Encodes with the one-shot call; checks the streaming encoder decodes the same.
fn bufpress_encode<const W: usize, const H: usize>(
    format: Format,
    level: i32,
    input: &[u8],
    state: &mut EncoderState<W, H>,
) -> Vec<u8> {
    let size = deflate::max_compressed_len(input.len(), format);
    let mut mem = vec![0u8; size + 4096];
    let pool = RegionPool::<1>::new(&mut mem, size, 4).unwrap();
    let mut out = pool.try_acquire().unwrap();
    deflate::compress_into(input, &mut out, format, level, state).unwrap();
    out.to_vec()
}

fn bufpress_encode_streaming<const W: usize, const H: usize>(
    format: Format,
    level: i32,
    input: &[u8],
    state: &mut EncoderState<W, H>,
) -> Vec<u8> {
    let mut small = vec![0u8; 4 * 1000 + 4096];
    let small = RegionPool::<4>::new(&mut small, 1000, 4).unwrap();
    let mut encoder = deflate::Encoder::new(format, level, state).unwrap();
    let mut packed = Vec::new();
    codec::encode_to(&mut encoder, input, small.pool_ref(), |buf| {
        packed.extend_from_slice(&buf);
        Ok::<(), ()>(())
    })
    .unwrap();
    encoder.reset();
    packed
}

/// Python's wbits for a format.
fn wbits(format: Format) -> i8 {
    match format {
        Format::Raw => -15,
        Format::Zlib => 15,
        Format::Gzip => 31,
    }
}

/// Runs one Python process over a batch of jobs: each job is `(format, level, data)`
/// sent as `len u32 | wbits i8 | level u8 | data`; each answer comes back as
/// `len u32 | data`. One process for the whole batch keeps the test fast.
fn python_batch(script_body: &str, jobs: &[(Format, i32, &[u8])]) -> Vec<Vec<u8>> {
    let mut input = Vec::new();
    for (format, level, data) in jobs {
        input.extend_from_slice(&(data.len() as u32).to_le_bytes());
        input.push(wbits(*format) as u8);
        input.push(*level as u8);
        input.extend_from_slice(data);
    }
    let script = format!(
        "import sys, struct, zlib\n\
         src = sys.stdin.buffer.read(); at = 0; out = sys.stdout.buffer\n\
         while at < len(src):\n\
         \x20   n, wbits, level = struct.unpack_from('<IbB', src, at); at += 6\n\
         \x20   data = src[at:at + n]; at += n\n\
         {script_body}\n\
         \x20   out.write(struct.pack('<I', len(res)) + res)\n"
    );
    let answer = pipe("python3", &["-c", &script], &input);
    let mut results = Vec::new();
    let mut rest = &answer[..];
    while !rest.is_empty() {
        let n = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        results.push(rest[4..4 + n].to_vec());
        rest = &rest[4 + n..];
    }
    assert_eq!(results.len(), jobs.len());
    results
}

fn python_compress(jobs: &[(Format, i32, &[u8])]) -> Vec<Vec<u8>> {
    python_batch(
        "    c = zlib.compressobj(level, zlib.DEFLATED, wbits); res = c.compress(data) + c.flush()",
        jobs,
    )
}

/// Decompresses each job's data; fails unless it is exactly one stream.
fn python_decompress(jobs: &[(Format, i32, &[u8])]) -> Vec<Vec<u8>> {
    python_batch(
        "    d = zlib.decompressobj(wbits); res = d.decompress(data)\n\
         \x20   assert d.eof and not d.unused_data, 'not exactly one stream'",
        jobs,
    )
}

/// A temporary file that removes itself.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, data: &[u8]) -> Self {
        let path =
            std::env::temp_dir().join(format!("bufpress-deflate-{}-{tag}.txt", std::process::id()));
        std::fs::write(&path, data).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn bufpress_reads_what_gzip_writes() {
    if !available("gzip") {
        return;
    }
    for (i, (what, input)) in inputs().into_iter().enumerate() {
        for level in ["-1", "-6", "-9"] {
            let gz = pipe("gzip", &[level, "-c"], &input);
            assert_eq!(
                bufpress_decode(Format::Gzip, &gz, input.len()),
                input,
                "{what} {level}"
            );
            // From a file: the header carries its name (FNAME) and time.
            let file = TempFile::new(&format!("{i}{level}"), &input);
            let path = file.0.to_str().unwrap();
            let out = Command::new("gzip")
                .args([level, "-N", "-c", path])
                .output()
                .unwrap();
            assert!(out.status.success());
            let named = out.stdout;
            assert_ne!(named[3] & 0x08, 0, "FNAME is set");
            assert_eq!(
                bufpress_decode(Format::Gzip, &named, input.len()),
                input,
                "{what} {level} named"
            );
        }
    }
}

#[test]
fn the_name_and_time_gzip_stores_are_exposed() {
    if !available("gzip") || !available("touch") {
        return;
    }
    let input = corpus::make(KINDS[0], 20_000, 5);
    let file = TempFile::new("named", &input);
    let path = file.0.to_str().unwrap();
    // 2023-11-14 22:13:20 UTC.
    let touched = Command::new("touch")
        .args(["-d", "@1700000000", path])
        .status()
        .unwrap();
    assert!(touched.success());
    let out = Command::new("gzip")
        .args(["-N", "-c", path])
        .output()
        .unwrap();
    assert!(out.status.success());
    let gz = out.stdout;
    let name = file.0.file_name().unwrap().to_str().unwrap().as_bytes();

    // One-shot.
    let mut mem = vec![0u8; 2 * 32 * 1024];
    let pool = RegionPool::<1>::new(&mut mem, 32 * 1024, 4).unwrap();
    let mut room = [0u8; 256];
    let mut header = GzipHeader::new(&mut room);
    let mut out = pool.try_acquire().unwrap();
    let mut state = Box::new(InflateState::new());
    deflate::decompress_gzip_into(&gz, &mut out, &mut state, &mut header).unwrap();
    assert!(out[..] == input[..]);
    assert!(header.is_complete());
    assert_eq!(header.name(), Some(name));
    assert_eq!(header.mtime(), 1_700_000_000);
    assert_eq!(header.os(), 3, "Unix");
    drop(out);

    // Streaming, 5 bytes at a time (the name arrives in pieces).
    let mut room = [0u8; 256];
    let mut header = GzipHeader::new(&mut room);
    let mut decoder = Decoder::new(Format::Gzip, Box::new(DecoderState::new()));
    let mut out = pool.try_acquire().unwrap();
    let mut back = Vec::new();
    for piece in gz.chunks(5) {
        let mut rest = piece;
        while !rest.is_empty() {
            let p = decoder
                .decode_with_header(rest, &mut out, &mut header)
                .unwrap();
            rest = &rest[p.consumed..];
            back.extend_from_slice(&out);
            out.clear();
        }
    }
    assert!(back == input);
    assert_eq!(header.name(), Some(name));
    assert_eq!((header.mtime(), header.os()), (1_700_000_000, 3));
}

#[test]
fn bufpress_reads_what_python_zlib_writes() {
    if !available("python3") {
        return;
    }
    let inputs = inputs();
    let mut jobs = Vec::new();
    for (_, input) in &inputs {
        for format in FORMATS {
            for level in [1, 6, 9] {
                jobs.push((format, level, &input[..]));
            }
        }
    }
    for (packed, (format, level, input)) in python_compress(&jobs).iter().zip(&jobs) {
        let got = bufpress_decode(*format, packed, input.len());
        assert!(
            got == *input,
            "{} bytes {format:?} level {level}",
            input.len()
        );
    }
}

#[test]
fn gzip_and_python_read_what_bufpress_writes() {
    if !available("gzip") || !available("python3") {
        return;
    }
    let mut state: EncoderState = EncoderState::new();
    let inputs = inputs();
    let mut packed_jobs = Vec::new();
    for (i, (what, input)) in inputs.iter().enumerate() {
        for format in FORMATS {
            // Levels vary with the input so every level is covered without running
            // the slow ones on every message.
            let levels = [0, 1, 6, 9, 10];
            let pair = [levels[i % 5], levels[(i + 2) % 5]];
            // The few MiB once per format, at the default level.
            let chosen = if input.len() >= LARGE {
                &[6][..]
            } else {
                &pair[..]
            };
            for &level in chosen {
                let packed = bufpress_encode(format, level, input, &mut state);
                if format == Format::Gzip {
                    let what = format!("{what} {format:?} level {level}");
                    assert!(
                        pipe("gzip", &["-d", "-c"], &packed) == *input,
                        "gzip -d: {what}"
                    );
                }
                packed_jobs.push((format, level, packed, input));
                if input.len() < LARGE {
                    let streamed = bufpress_encode_streaming(format, level, input, &mut state);
                    packed_jobs.push((format, level, streamed, input));
                }
            }
        }
    }
    let jobs: Vec<_> = packed_jobs
        .iter()
        .map(|(f, l, p, _)| (*f, *l, &p[..]))
        .collect();
    for (got, (format, level, _, input)) in python_decompress(&jobs).iter().zip(&packed_jobs) {
        assert!(
            got == *input,
            "python: {} bytes {format:?} level {level}",
            input.len()
        );
    }
}

#[test]
fn multi_member_files_both_ways() {
    if !available("gzip") {
        return;
    }
    let parts = [corpus::mixed(70_000, 1), Vec::new(), corpus::mixed(3000, 2)];
    let whole: Vec<u8> = parts.concat();
    // gzip's members, concatenated as `cat a.gz b.gz` makes them.
    let theirs: Vec<u8> = parts
        .iter()
        .flat_map(|p| pipe("gzip", &["-c"], p))
        .collect();
    assert!(bufpress_decode(Format::Gzip, &theirs, whole.len()) == whole);
    // bufpress's members, read by gzip -d.
    let mut state: EncoderState = EncoderState::new();
    let ours: Vec<u8> = parts
        .iter()
        .flat_map(|p| bufpress_encode(Format::Gzip, 6, p, &mut state))
        .collect();
    assert!(pipe("gzip", &["-d", "-c"], &ours) == whole);
}

/// Every level and format at one window size: `gzip -t` accepts and `gzip -d`, flate2
/// and Python's zlib read back each stream (one-shot and streamed through 1000-byte
/// buffers, which must be the same bytes).
fn window_interop<const W: usize, const H: usize>(state: &mut EncoderState<W, H>) {
    let inputs = [
        corpus::compressible(150_000, 3),
        corpus::make(corpus::Kind::Random, 40_000, 4),
        corpus::make(corpus::Kind::Zeros, 100_000, 5),
        corpus::make(corpus::Kind::Text, 777, 6),
        b"a".to_vec(),
        Vec::new(),
    ];
    let mut jobs = Vec::new();
    for input in &inputs {
        for level in 0..=10 {
            for format in FORMATS {
                let what = format!(
                    "window {W} hash {H} {format:?} level {level} {} bytes",
                    input.len()
                );
                let packed = bufpress_encode(format, level, input, state);
                let streamed = bufpress_encode_streaming(format, level, input, state);
                assert!(streamed == packed, "streamed bytes differ: {what}");
                assert!(flate2_decode(format, &packed) == *input, "flate2: {what}");
                if format == Format::Gzip && (level % 3 == 0 || input.len() < 1000) {
                    assert!(
                        pipe("gzip", &["-d", "-c"], &packed) == *input,
                        "gzip -d: {what}"
                    );
                    // `gzip -t` exits non-zero (and `pipe` panics) on a bad member.
                    pipe("gzip", &["-t"], &packed);
                }
                if format == Format::Zlib {
                    // The header states the window: at most `W`.
                    let cinfo = packed[0] >> 4;
                    assert_eq!(1usize << (cinfo + 8), W, "{what}");
                }
                jobs.push((format, level, packed, input));
            }
        }
    }
    let refs: Vec<_> = jobs.iter().map(|(f, l, p, _)| (*f, *l, &p[..])).collect();
    for (got, (format, level, _, input)) in python_decompress(&refs).iter().zip(&jobs) {
        assert!(got == *input, "python: window {W} {format:?} level {level}");
    }
}

#[test]
fn every_window_and_level_is_read_by_gzip_flate2_and_python() {
    if !available("gzip") || !available("python3") {
        return;
    }
    window_interop(&mut *Box::new(EncoderState::<1024, 256>::new()));
    window_interop(&mut *Box::new(EncoderState::<4096, 4096>::new()));
    window_interop(&mut *Box::new(EncoderState::<8192, 2048>::new()));
    window_interop(&mut *Box::new(EncoderState::<32768, 65536>::new()));
}
