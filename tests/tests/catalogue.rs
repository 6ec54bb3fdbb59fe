//! The bad-input catalogue: for every format bufpress decodes, each class of hostile
//! input, counted. Every input gets a typed error or, when it is accepted, the output
//! the reference decoder (the `lz4`, `gzip`, `zstd` tools, Python's `zlib`) gives for
//! the same bytes; never a panic; every buffer back; nothing written past the limit.
//!
//! `cargo test -p bufpress-tests --test catalogue -- --nocapture` prints the table that
//! docs/testing.md shows ("The bad-input catalogue").

use std::collections::BTreeMap;

use bufpress::codec::deflate::{self, DecoderState, Format, InflateState};
use bufpress::codec::lz4::{self, BlockMode, BlockSize};
use bufpress::codec::{Decode, DecodeError, Status, zstd};
use bufpress::pool::{Buf, Pool, PoolRef};
use bufpress_std::flate;
use bufpress_tests::corpus;
use bufpress_tests::tools;

const LIMIT: usize = 64 * 1024;
const DEC: usize = lz4::decoder_memory(BlockSize::Max64KiB, BlockMode::Linked);
static OUT: Pool<1, { 1 << 20 }> = Pool::new();
static PIECES: Pool<1, 4096> = Pool::new();
static LIMITED: Pool<1, LIMIT> = Pool::new();

/// One decoder under test: a one-shot call and a streaming decoder with a limit of
/// [`LIMIT`] bytes.
struct Subject {
    name: &'static str,
    one_shot: OneShot,
    streaming: Box<dyn Decode>,
    /// The reference decoder (`None`: it refuses the input).
    reference: Option<Reference>,
    /// A frame of `plain`, with every checksum the format has.
    frame: Vec<u8>,
    /// A frame of 1 MiB of zeros (a bomb against [`LIMIT`]).
    bomb: Vec<u8>,
    /// Where the format has magic bytes.
    magic: bool,
    /// A frame that declares a content size or window beyond [`LIMIT`], where the
    /// format declares them.
    oversized: Vec<u8>,
    /// A skippable frame, where the format has them.
    skippable: Option<Vec<u8>>,
    /// Byte offsets and bits that are reserved.
    reserved: Vec<(usize, u8)>,
    /// Byte offsets inside checksums (header, block, content).
    checksums: Vec<usize>,
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    errors: usize,
    accepted_same_as_reference: usize,
}

/// A one-shot decoding call.
type OneShot = Box<dyn FnMut(&[u8], &mut Buf<'_>) -> Result<usize, DecodeError>>;

/// A reference decoder over a batch of inputs (`None`: it refuses that input).
type Reference = Box<dyn Fn(&[Vec<u8>]) -> Vec<Option<Vec<u8>>>>;

type Report = BTreeMap<(&'static str, &'static str), Tally>;

fn plain() -> Vec<u8> {
    corpus::mixed(700, 11)
}

fn python_reference(mode: &'static str) -> Reference {
    // One whole stream, nothing after it (multi-member for gzip), as bufpress's
    // one-shot calls require. Inputs and outputs are length-prefixed records, so one
    // process checks a whole batch.
    let decode = match mode {
        "raw" => {
            "d=zlib.decompressobj(-15);o=d.decompress(x)+d.flush();assert d.eof and not d.unused_data"
        }
        "zlib" => {
            "d=zlib.decompressobj();o=d.decompress(x)+d.flush();assert d.eof and not d.unused_data"
        }
        _ => "o=gzip.decompress(x)",
    };
    let script = format!(
        "import sys,zlib,gzip,struct\n\
         i=sys.stdin.buffer.read();p=0;w=sys.stdout.buffer\n\
         while p<len(i):\n\
         \x20n=struct.unpack('<I',i[p:p+4])[0];x=i[p+4:p+4+n];p+=4+n\n\
         \x20try:\n\
         \x20\x20{decode}\n\
         \x20\x20w.write(b'1'+struct.pack('<I',len(o))+o)\n\
         \x20except Exception:\n\
         \x20\x20w.write(b'0')\n"
    );
    Box::new(move |inputs: &[Vec<u8>]| {
        let mut batch = Vec::new();
        for input in inputs {
            batch.extend_from_slice(&(input.len() as u32).to_le_bytes());
            batch.extend_from_slice(input);
        }
        let out = tools::pipe("python3", &["-c", &script], &batch);
        let mut results = Vec::new();
        let mut at = 0;
        while at < out.len() {
            if out[at] == b'1' {
                let n = u32::from_le_bytes(out[at + 1..at + 5].try_into().unwrap()) as usize;
                results.push(Some(out[at + 5..at + 5 + n].to_vec()));
                at += 5 + n;
            } else {
                results.push(None);
                at += 1;
            }
        }
        results
    })
}

fn cli_reference(tool: &'static str) -> Reference {
    Box::new(move |inputs: &[Vec<u8>]| {
        inputs
            .iter()
            .map(|input| {
                let out = std::process::Command::new(tool)
                    .args(["-dc", "-q"])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .and_then(|mut child| {
                        use std::io::Write;
                        child.stdin.take().unwrap().write_all(input)?;
                        child.wait_with_output()
                    })
                    .unwrap();
                out.status.success().then_some(out.stdout)
            })
            .collect()
    })
}

fn subjects() -> Vec<Subject> {
    let plain = plain();
    let zeros = vec![0u8; 1 << 20];
    let mut out = Vec::new();

    let lz4_skippable = {
        let mut s = vec![0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0];
        s.extend_from_slice(b"skip!");
        s
    };
    out.push(Subject {
        name: "lz4 frame",
        one_shot: Box::new(|i, o| lz4::decompress_frame_into(i, o)),
        streaming: Box::new(lz4::Decoder::<DEC>::new().with_max_output(LIMIT as u64)),
        reference: Some(cli_reference("lz4")),
        frame: tools::pipe(
            "lz4",
            &["-c", "-BD", "-BX", "-B4", "--content-size"],
            &plain,
        ),
        bomb: tools::pipe("lz4", &["-c", "-B4"], &zeros),
        oversized: lz4_with_content_size(&zeros),
        magic: true,
        skippable: Some(lz4_skippable),
        // FLG: reserved bit 1; BD: bits 7 and 0..3.
        reserved: vec![(4, 0x02), (5, 0x80), (5, 0x01)],
        // Header checksum, block checksum, content checksum (the last 4 bytes).
        checksums: vec![14, usize::MAX - 3],
    });

    out.push(Subject {
        name: "lz4 block (no checks: no reference)",
        one_shot: Box::new(|i, o| lz4::decompress_into(i, o)),
        streaming: Box::new(lz4::Decoder::<DEC>::new().with_max_output(LIMIT as u64)),
        reference: None,
        frame: {
            let mut table = lz4::Table::new();
            let mut b = OUT.try_acquire().unwrap();
            lz4::compress_into(&plain, &mut b, &mut table).unwrap();
            b.to_vec()
        },
        bomb: Vec::new(),
        oversized: Vec::new(),
        magic: false,
        skippable: None,
        reserved: vec![],
        checksums: vec![],
    });

    for (name, format, mode, magic, reserved, checksums) in [
        ("deflate", Format::Raw, "raw", false, vec![], vec![]),
        (
            "zlib",
            Format::Zlib,
            "zlib",
            true,
            vec![(0, 0x80)],
            vec![usize::MAX - 3],
        ),
        (
            "gzip",
            Format::Gzip,
            "gzip",
            true,
            vec![(3, 0x20), (3, 0x40), (3, 0x80)],
            vec![usize::MAX - 7, usize::MAX - 3],
        ),
    ] {
        let frame = match format {
            Format::Gzip => tools::pipe("gzip", &["-c", "-9", "-N"], &plain),
            _ => python_reference_compress(mode, &plain),
        };
        let bomb = match format {
            Format::Gzip => tools::pipe("gzip", &["-c"], &zeros),
            _ => python_reference_compress(mode, &zeros),
        };
        let mut inflate = Box::new(InflateState::new());
        out.push(Subject {
            name,
            one_shot: Box::new(move |i, o| deflate::decompress_into(i, o, format, &mut inflate)),
            streaming: Box::new(
                deflate::Decoder::new(format, Box::new(DecoderState::new()))
                    .with_max_output(LIMIT as u64),
            ),
            reference: Some(python_reference(mode)),
            frame: frame.clone(),
            bomb: bomb.clone(),
            oversized: Vec::new(),
            magic,
            skippable: None,
            reserved: reserved.clone(),
            checksums: checksums.clone(),
        });
        let mut flate2 = flate::Decoder::new(format);
        out.push(Subject {
            name: match format {
                Format::Raw => "deflate (flate2)",
                Format::Zlib => "zlib (flate2)",
                Format::Gzip => "gzip (flate2)",
            },
            one_shot: Box::new(move |i, o| flate2.decompress_into(i, o)),
            streaming: Box::new(flate::Decoder::new(format).with_max_output(LIMIT as u64)),
            reference: Some(python_reference(mode)),
            frame,
            bomb,
            oversized: Vec::new(),
            magic,
            skippable: None,
            reserved,
            checksums,
        });
    }

    let zstd_skippable = {
        let mut s = vec![0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0];
        s.extend_from_slice(b"skip!");
        s
    };
    // On caller memory, as a firmware with no allocator has it (leaked here: it lives
    // as long as the test).
    let on_caller_memory = |max_window: usize| {
        let buf = vec![0; zstd::decoder_memory(max_window)].leak();
        zstd::Decoder::from_parts(Box::leak(Box::default()), buf)
    };
    let mut one = on_caller_memory(1 << 20);
    out.push(Subject {
        name: "zstd (ruzstd)",
        one_shot: Box::new(move |i, o| one.decompress_into(i, o)),
        streaming: Box::new(on_caller_memory(LIMIT).with_max_content(LIMIT as u64)),
        reference: Some(cli_reference("zstd")),
        // With its size declared, as libzstd's one-shot calls write it: the window is
        // the content size (a pipe's frame declares level 3's 2 MiB window instead,
        // beyond this decoder's 1 MiB limit: a `LimitExceeded`, tested in
        // core/tests/codec_zstd.rs).
        frame: tools::pipe(
            "zstd",
            &[
                "-c",
                "-q",
                "-3",
                "--check",
                &format!("--stream-size={}", plain.len()),
            ],
            &plain,
        ),
        bomb: tools::pipe("zstd", &["-c", "-q", "-1", "--no-check"], &zeros),
        // From a pipe: level 3's 2 MiB window, beyond the streaming decoder's 64 KiB.
        oversized: tools::pipe("zstd", &["-c", "-q", "-3"], &plain),
        magic: true,
        skippable: Some(zstd_skippable),
        // Frame header descriptor: reserved bit 3.
        reserved: vec![(4, 0x08)],
        checksums: vec![usize::MAX - 3],
    });
    let libzstd_frame = out.last().map(|s| s.frame.clone()).unwrap_or_default();
    let libzstd_bomb = out.last().map(|s| s.bomb.clone()).unwrap_or_default();
    let libzstd_oversized = out.last().map(|s| s.oversized.clone()).unwrap_or_default();
    let mut one = bufpress_std::zstd::Decoder::new(1 << 20);
    out.push(Subject {
        name: "zstd (libzstd)",
        one_shot: Box::new(move |i, o| one.decompress_into(i, o)),
        streaming: Box::new(bufpress_std::zstd::Decoder::new(LIMIT)),
        reference: Some(cli_reference("zstd")),
        frame: libzstd_frame,
        bomb: libzstd_bomb,
        oversized: libzstd_oversized,
        magic: true,
        skippable: out.last().and_then(|s| s.skippable.clone()),
        reserved: vec![(4, 0x08)],
        checksums: vec![usize::MAX - 3],
    });
    out
}

/// An lz4 frame that declares its content size (which `lz4` writes only for a file).
fn lz4_with_content_size(data: &[u8]) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("bufpress-catalogue-{}", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let out = std::process::Command::new("lz4")
        .args(["-c", "-q", "-B4", "--content-size"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(out.status.success());
    out.stdout
}

fn python_reference_compress(mode: &str, plain: &[u8]) -> Vec<u8> {
    let script = match mode {
        "raw" => {
            "import sys,zlib;c=zlib.compressobj(9,zlib.DEFLATED,-15);sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())"
        }
        _ => "import sys,zlib;sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(),9))",
    };
    tools::pipe("python3", &["-c", script], plain)
}

/// Decodes `input` one-shot; checks the buffer invariants; returns the output.
fn one_shot(s: &mut Subject, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = OUT.try_acquire().unwrap();
    out.extend_from_slice(b"earlier").unwrap();
    let r = (s.one_shot)(input, &mut out);
    assert!(
        out.starts_with(b"earlier"),
        "{}: earlier bytes kept",
        s.name
    );
    match r {
        Ok(n) => {
            assert_eq!(out.len(), 7 + n, "{}", s.name);
            Ok(out[7..].to_vec())
        }
        Err(e) => {
            assert_eq!(out.len(), 7, "{}: an error appends nothing", s.name);
            Err(e)
        }
    }
}

/// Decodes every stream in `input` (resetting after each) in 4 KiB buffers, with the
/// streaming decoder and its limit, then says that the input ended (a call with none).
fn streaming(s: &mut Subject, input: &[u8], pool: PoolRef<'_>) -> Result<Vec<u8>, DecodeError> {
    let d = &mut s.streaming;
    d.reset();
    let mut all = Vec::new();
    let mut at = 0;
    let mut buf = pool.try_acquire().unwrap();
    loop {
        buf.clear();
        // Once all is taken, a call with none says the input has ended.
        let given = input.len() - at;
        let p = d.decode(&input[at..], &mut buf)?;
        at += p.consumed;
        all.extend_from_slice(&buf);
        assert!(
            all.len() <= 2 * LIMIT,
            "{}: output within the limit",
            s.name
        );
        match p.status {
            Status::OutputFull => {}
            Status::NeedInput if given > 0 => {}
            Status::NeedInput => return Err(DecodeError::Truncated),
            Status::Done if at == input.len() => return Ok(all),
            Status::Done => d.reset(),
        }
    }
}

fn check_all_back() {
    for s in [OUT.stats(), PIECES.stats(), LIMITED.stats()] {
        assert_eq!(s.available, s.capacity, "every buffer back: {s:?}");
    }
}

/// Counts one input of a class; an accepted one (with its output) is kept to be
/// checked against the reference.
fn record(
    report: &mut Report,
    accepted: &mut Accepted,
    (name, class): (&'static str, &'static str),
    input: &[u8],
    r: &Result<Vec<u8>, DecodeError>,
) {
    let t = report.entry((name, class)).or_default();
    t.inputs += 1;
    match r {
        Err(_) => t.errors += 1,
        Ok(out) => accepted.push((class, input.to_vec(), out.clone())),
    }
}

/// Inputs a decoder accepted: class, input, output.
type Accepted = Vec<(&'static str, Vec<u8>, Vec<u8>)>;

/// Every accepted input must give what the reference gives for it (formats with no
/// reference: lz4 blocks, which have no checks, so any output within the buffer is
/// theirs).
fn check_accepted(s: &Subject, report: &mut Report, accepted: Accepted) {
    let inputs: Vec<Vec<u8>> = accepted.iter().map(|(_, i, _)| i.clone()).collect();
    let expected = match &s.reference {
        Some(reference) => reference(&inputs),
        None => accepted.iter().map(|(_, _, o)| Some(o.clone())).collect(),
    };
    assert_eq!(expected.len(), accepted.len());
    for ((class, input, out), want) in accepted.into_iter().zip(expected) {
        assert!(
            want.as_deref() == Some(&out[..]),
            "{}/{class}: accepted {input:02x?} as {out:02x?}; the reference gives {want:02x?}",
            s.name
        );
        report
            .entry((s.name, class))
            .or_default()
            .accepted_same_as_reference += 1;
    }
}

#[test]
fn every_format_against_every_class() {
    for tool in ["lz4", "gzip", "zstd", "python3"] {
        if !tools::available(tool) {
            return;
        }
    }
    let plain = plain();
    let mut report = Report::new();
    for mut s in subjects() {
        let mut accepted = Accepted::new();
        let started = std::time::Instant::now();
        let name = s.name;
        let frame = s.frame.clone();
        assert_eq!(
            one_shot(&mut s, &frame).as_deref(),
            Ok(&plain[..]),
            "{name}"
        );

        // Truncation at every offset.
        for cut in 0..frame.len() {
            let r = one_shot(&mut s, &frame[..cut]);
            record(
                &mut report,
                &mut accepted,
                (name, "truncated at every offset"),
                &frame[..cut],
                &r,
            );
            if s.reference.is_some() {
                assert!(r.is_err(), "{name}: a cut frame at {cut} is refused");
            }
        }
        // Every single-bit flip.
        for bit in 0..frame.len() * 8 {
            let mut bad = frame.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            let r = one_shot(&mut s, &bad);
            record(
                &mut report,
                &mut accepted,
                (name, "every single-bit flip"),
                &bad,
                &r,
            );
        }
        // Wrong magic.
        if s.magic {
            for byte in [0x00, 0xff, frame[0] ^ 0x01, frame[0].wrapping_add(1)] {
                let mut bad = frame.clone();
                bad[0] = byte;
                let r = one_shot(&mut s, &bad);
                assert!(r.is_err(), "{name}: magic {byte:#x}");
                record(&mut report, &mut accepted, (name, "wrong magic"), &bad, &r);
            }
        }
        // Reserved bits.
        for (at, bit) in s.reserved.clone() {
            let mut bad = frame.clone();
            bad[at] ^= bit;
            let r = one_shot(&mut s, &bad);
            assert!(r.is_err(), "{name}: reserved {at}/{bit:#x}");
            record(
                &mut report,
                &mut accepted,
                (name, "reserved bits set"),
                &bad,
                &r,
            );
        }
        // Checksums: every byte of each one, each way.
        for at in s.checksums.clone() {
            let at = if at > usize::MAX / 2 {
                frame.len() - (usize::MAX - at) - 1
            } else {
                at
            };
            for delta in [1u8, 0x80, 0xff] {
                let mut bad = frame.clone();
                bad[at] ^= delta;
                let r = one_shot(&mut s, &bad);
                assert!(
                    matches!(r, Err(DecodeError::Checksum { .. } | DecodeError::Corrupt)),
                    "{name}: checksum byte {at}: {r:?}"
                );
                record(
                    &mut report,
                    &mut accepted,
                    (name, "bad checksums"),
                    &bad,
                    &r,
                );
            }
        }
        // Empty input, trailing garbage.
        let r = one_shot(&mut s, &[]);
        assert!(r.is_err(), "{name}: empty");
        record(&mut report, &mut accepted, (name, "empty input"), &[], &r);
        for garbage in [&b"\0"[..], b"garbage", &[0xff; 100]] {
            let mut bad = frame.clone();
            bad.extend_from_slice(garbage);
            let r = one_shot(&mut s, &bad);
            assert!(r.is_err(), "{name}: trailing {garbage:?}");
            record(
                &mut report,
                &mut accepted,
                (name, "trailing garbage"),
                &bad,
                &r,
            );
        }
        // Concatenated frames, and skippable frames, through the streaming decoder.
        if !s.name.starts_with("lz4 block") && !s.name.starts_with("deflate") {
            // Streaming: a skippable frame before and between the frames.
            let skip = s.skippable.clone().unwrap_or_default();
            let mut two = skip.clone();
            two.extend_from_slice(&frame);
            two.extend_from_slice(&skip);
            two.extend_from_slice(&frame);
            let r = streaming(&mut s, &two, PIECES.pool_ref());
            assert_eq!(r.as_ref().map(Vec::len), Ok(2 * plain.len()), "{name}");
            let t = report
                .entry((name, "concatenated and skippable frames"))
                .or_default();
            // Checked above: the frames' contents, in order (zlib and raw deflate
            // have no multi-stream form for a reference tool to compare with).
            t.inputs += 1;
            t.accepted_same_as_reference += 1;
            // One-shot (every frame in a row, skippable frames anywhere), where the
            // format has several frames per input.
            if s.skippable.is_some() {
                two.extend_from_slice(&skip);
                let r = one_shot(&mut s, &two);
                assert_eq!(r.as_ref().map(Vec::len), Ok(2 * plain.len()), "{name}");
                let t = report
                    .entry((name, "concatenated and skippable frames"))
                    .or_default();
                // Checked above: the frames' contents, in order (zlib and raw deflate
                // have no multi-stream form for a reference tool to compare with).
                t.inputs += 1;
                t.accepted_same_as_reference += 1;
            }
        }
        // Declared sizes and windows beyond the limit: refused at the header, before
        // anything is written.
        if !s.oversized.is_empty() {
            let big = s.oversized.clone();
            let mut out = PIECES.try_acquire().unwrap();
            s.streaming.reset();
            let r = s.streaming.decode(&big, &mut out);
            assert!(
                matches!(r, Err(DecodeError::LimitExceeded { needed: Some(n), .. }) if n > LIMIT as u64),
                "{name}: {r:?}"
            );
            assert!(out.is_empty(), "{name}: nothing written");
            drop(out);
            let r = Err(DecodeError::Corrupt);
            let class = "declared size or window beyond the limit";
            record(&mut report, &mut accepted, (name, class), &big, &r);
        }
        // Bombs: 1 MiB of zeros against a 64 KiB limit, streaming and one-shot.
        if !s.bomb.is_empty() {
            let bomb = s.bomb.clone();
            assert!(bomb.len() < 64 * 1024, "{name}: {}", bomb.len());
            let r = streaming(&mut s, &bomb, PIECES.pool_ref());
            assert!(
                matches!(r, Err(DecodeError::LimitExceeded { .. })),
                "{name}: bomb {:?}",
                r.as_ref().map(Vec::len)
            );
            record(
                &mut report,
                &mut accepted,
                (name, "decompression bomb (1 MiB in, 64 KiB limit)"),
                &bomb,
                &r,
            );
            let mut out = LIMITED.try_acquire().unwrap();
            let r = (s.one_shot)(&bomb, &mut out);
            assert!(
                matches!(
                    r,
                    Err(DecodeError::OutputTooSmall { .. } | DecodeError::LimitExceeded { .. })
                ),
                "{name}: one-shot bomb {r:?}"
            );
            assert!(out.is_empty());
            record(
                &mut report,
                &mut accepted,
                (name, "decompression bomb (1 MiB in, 64 KiB limit)"),
                &bomb,
                &r.map(|_| Vec::new()),
            );
        }
        check_all_back();
        let n = accepted.len();
        check_accepted(&s, &mut report, accepted);
        eprintln!("{name}: {:?} ({n} accepted)", started.elapsed());
    }

    println!(
        "\n| format | class | inputs | typed errors | accepted, same output as the reference |"
    );
    println!("|---|---|---:|---:|---:|");
    let mut total = 0;
    for ((name, class), t) in &report {
        total += t.inputs;
        println!(
            "| {name} | {class} | {} | {} | {} |",
            t.inputs, t.errors, t.accepted_same_as_reference
        );
    }
    println!("\n{total} inputs: 0 panics, every buffer back.");
}
