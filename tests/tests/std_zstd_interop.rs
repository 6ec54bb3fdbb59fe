//! Interop of `bufpress_std::zstd` with the `zstd` command-line tool, both ways: with
//! and without checksums and content sizes, one-shot and streaming, several frames in
//! a row, and skippable frames.

use std::io::{Read, Write};

use bufpress::pool::Pool;
use bufpress_std::zstd::{DecodeReader, DecodeWriter, Decoder, EncodeWriter, Encoder, Settings};
use bufpress_tests::corpus::{self, KINDS};
use bufpress_tests::tools;

type Bufs = Pool<4, { 600 * 1024 }>;
/// One pool per test (they run in parallel), each checked to be whole at the end.
static BUFS: Bufs = Pool::new();
static CLI_BUFS: Bufs = Pool::new();

const SIZES: [usize; 6] = [0, 1, 100, 4096, 70_000, 300_000];

fn read_all(frames: &[u8], dec: &mut Decoder) -> Vec<u8> {
    let mut out = Vec::new();
    DecodeReader::new(frames, dec)
        .read_to_end(&mut out)
        .expect("reader");
    out
}

fn write_decode(frames: &[u8], dec: &mut Decoder) -> Vec<u8> {
    let mut wd = DecodeWriter::new(Vec::new(), dec, CLI_BUFS.try_acquire().expect("buffer"));
    for piece in frames.chunks(777) {
        wd.write_all(piece).expect("write decoder");
    }
    wd.finish().expect("finish")
}

#[test]
fn cli_reads_ours() {
    if !tools::available("zstd") {
        return;
    }
    for (checksum, content_size) in [(false, false), (true, true), (true, false), (false, true)] {
        for level in [-3, 3, 12] {
            let params = Settings::new(level, 64 * 1024)
                .with_checksum(checksum)
                .with_content_size(content_size);
            let mut comp = Encoder::new(params).expect("compressor");
            let mut all_frames = Vec::new();
            let mut all_content = Vec::new();
            for (i, &n) in SIZES.iter().enumerate() {
                let data = corpus::make(KINDS[i % KINDS.len()], n, n as u64);
                // One-shot.
                let mut frame = BUFS.try_acquire().expect("buffer");
                comp.compress_into(&data, &mut frame).expect("compress");
                let got = tools::pipe("zstd", &["-d", "-c", "-q"], &frame);
                assert!(got == data, "level {level} checksum {checksum}: {n} bytes");
                all_frames.extend_from_slice(&frame);
                all_content.extend_from_slice(&data);
                // Streaming, no size pledged.
                let mut w =
                    EncodeWriter::new(Vec::new(), &mut comp, BUFS.try_acquire().expect("buf"));
                for piece in data.chunks(1000) {
                    w.write_all(piece).expect("write");
                }
                let streamed = w.finish().expect("finish");
                let got = tools::pipe("zstd", &["-d", "-c", "-q"], &streamed);
                assert!(got == data, "streamed, level {level}: {n} bytes");
            }
            // Several frames in a row.
            let got = tools::pipe("zstd", &["-d", "-c", "-q"], &all_frames);
            assert!(got == all_content, "multi-frame");
        }
    }
    assert_eq!(BUFS.stats().available, 4);
}

#[test]
fn we_read_the_cli() {
    if !tools::available("zstd") {
        return;
    }
    // The CLI reading stdin uses level 3's large window (2 MiB) unless told the size.
    let mut dec = Decoder::new(8 << 20);
    for args in [
        &["-3", "-c", "-q"][..],
        &["-3", "-c", "-q", "--no-check"],
        &["-19", "-c", "-q"],
        &["-1", "-c", "-q", "--no-check"],
        &["--fast=5", "-c", "-q"],
    ] {
        let mut all_frames = Vec::new();
        let mut all_content = Vec::new();
        let mut ends = Vec::new();
        for (i, &n) in SIZES.iter().enumerate() {
            let data = corpus::make(KINDS[(i + 1) % KINDS.len()], n, 3 + n as u64);
            let size = format!("--stream-size={n}");
            for with_size in [false, true] {
                let mut a = args.to_vec();
                if with_size {
                    a.push(&size);
                }
                let frame = tools::pipe("zstd", &a, &data);
                let mut out = CLI_BUFS.try_acquire().expect("buffer");
                let k = dec.decompress_into(&frame, &mut out).expect("one-shot");
                assert_eq!(k, n);
                assert!(out[..] == data[..], "{a:?}: {n} bytes");
                assert!(read_all(&frame, &mut dec) == data, "reader {a:?} {n}");
                assert!(
                    write_decode(&frame, &mut dec) == data,
                    "write decoder {a:?} {n}"
                );
                all_frames.extend_from_slice(&frame);
                all_content.extend_from_slice(&data);
                ends.push(all_frames.len());
            }
        }
        // A skippable frame in the middle.
        all_frames.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        let tail = tools::pipe("zstd", args, b"tail");
        all_frames.extend_from_slice(&tail);
        all_content.extend_from_slice(b"tail");
        assert!(
            read_all(&all_frames, &mut dec) == all_content,
            "reader, multi-frame {args:?}"
        );
        assert!(
            write_decode(&all_frames, &mut dec) == all_content,
            "write decoder, multi-frame"
        );
        let mut out = CLI_BUFS.try_acquire().expect("buffer");
        let mut big = Vec::new();
        // One-shot over the whole stream: more than one buffer holds, so in two parts.
        // Cut before the last 300,000-byte frame, so each part fits one 600 KiB buffer.
        let cut = ends[ends.len() - 2];
        for part in [&all_frames[..cut], &all_frames[cut..]] {
            out.clear();
            dec.decompress_into(part, &mut out)
                .expect("one-shot multi-frame");
            big.extend_from_slice(&out);
        }
        assert!(big == all_content, "one-shot multi-frame {args:?}");
    }
    assert_eq!(CLI_BUFS.stats().available, 4);
}

#[test]
fn flush_makes_what_was_written_decodable() {
    static FLUSH_BUFS: Pool<2, 4096> = Pool::new();
    let data = corpus::mixed(50_000, 8);
    let mut comp = Encoder::new(Settings::new(3, 64 * 1024)).expect("compressor");
    let mut dec = Decoder::new(64 * 1024);
    let mut w = EncodeWriter::new(
        Vec::new(),
        &mut comp,
        FLUSH_BUFS.try_acquire().expect("buf"),
    );
    w.flush().expect("flush before any write");
    assert!(w.get_ref().is_empty(), "nothing to flush yet");
    w.write_all(&data[..20_000]).expect("write");
    w.flush().expect("flush");
    let prefix = w.get_ref().clone();
    // What was flushed decodes to what was written, though the frame is not ended.
    let mut got = Vec::new();
    let mut r = DecodeReader::new(&prefix[..], &mut dec);
    let mut chunk = [0u8; 4096];
    while got.len() < 20_000 {
        let n = r.read(&mut chunk).expect("read");
        assert!(n > 0, "flushed data decodes");
        got.extend_from_slice(&chunk[..n]);
    }
    assert!(got == data[..20_000]);
    assert!(
        r.read(&mut chunk).is_err(),
        "the frame is not ended: truncated"
    );
    w.write_all(&data[20_000..]).expect("write");
    let all = w.finish().expect("finish");
    assert!(read_all(&all, &mut dec) == data);
    if tools::available("zstd") {
        assert!(tools::pipe("zstd", &["-d", "-c", "-q"], &all) == data);
    }
    assert_eq!(FLUSH_BUFS.stats().available, 2);
}

#[test]
fn stream_many_windows_long() {
    // A 4 KiB window streamed over 600 KiB: the encoder's input window wraps about 75
    // times, with writes of odd sizes, flushes that leave partial blocks, and a
    // staging buffer smaller than a block.
    static SMALL_BUFS: Pool<1, 1000> = Pool::new();
    let data = corpus::mixed(600 * 1024, 21);
    for (planned, checksum) in [(4096, true), (1024, false), (64 * 1024, true)] {
        let mut comp =
            Encoder::new(Settings::new(3, planned).with_checksum(checksum)).expect("compressor");
        let mut dec = Decoder::new(64 * 1024);
        let mut w = EncodeWriter::new(
            Vec::new(),
            &mut comp,
            SMALL_BUFS.try_acquire().expect("buf"),
        );
        let (mut at, mut step) = (0, 1usize);
        while at < data.len() {
            let n = step.min(data.len() - at);
            w.write_all(&data[at..at + n]).expect("write");
            at += n;
            step = (step * 7 + 13) % 9000 + 1;
            if step % 5 == 0 {
                w.flush().expect("flush");
            }
        }
        let frame = w.finish().expect("finish");
        assert!(read_all(&frame, &mut dec) == data, "window {planned}");
        if tools::available("zstd") {
            let got = tools::pipe("zstd", &["-d", "-c", "-q"], &frame);
            assert!(got == data, "zstd -d, window {planned}");
        }
    }
    assert_eq!(SMALL_BUFS.stats().available, 1);
}

/// `try_finish` ends with the inner writer flushed, as every other encoding writer of
/// bufpress does (`bufpress_std::EncodeWriter`, core's `io::EncodeWriter`): a file or a
/// socket behind a `BufWriter` has the whole frame once it returns.
#[test]
fn try_finish_flushes_the_inner_writer() {
    static FINISH_BUFS: Pool<1, 4096> = Pool::new();
    #[derive(Default)]
    struct Counting {
        out: Vec<u8>,
        flushed_at: Option<usize>,
    }
    impl Write for Counting {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.out.extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.flushed_at = Some(self.out.len());
            Ok(())
        }
    }
    let data = corpus::mixed(10_000, 9);
    let mut comp = Encoder::new(Settings::new(3, 64 * 1024)).expect("compressor");
    let mut w = EncodeWriter::new(
        Counting::default(),
        &mut comp,
        FINISH_BUFS.try_acquire().expect("buf"),
    );
    w.write_all(&data).expect("write");
    w.try_finish().expect("finish");
    let inner = w.get_ref();
    assert_eq!(
        inner.flushed_at,
        Some(inner.out.len()),
        "flushed after the frame"
    );
    let mut dec = Decoder::new(64 * 1024);
    assert!(read_all(&inner.out, &mut dec) == data);
}
