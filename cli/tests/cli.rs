//! The `bufpress` binary, run as a user runs it: round trips, interop with the
//! reference tools both ways, format detection, stdin/stdout, exit codes, safe
//! output files, zero allocations after warm-up and flat peak memory.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Dir, bufpress, fails, ok};

use bufpress_tests::corpus::{self, Kind};
use bufpress_tests::tools;

/// Whether `bufpress compress -f zstd` is in this build (the libzstd backend).
const ZSTD_COMPRESS: bool = true;

/// Formats bufpress compresses in this build.
fn formats() -> Vec<&'static str> {
    let mut f = vec!["lz4", "gzip", "zlib", "deflate"];
    if ZSTD_COMPRESS {
        f.push("zstd");
    }
    f
}

/// Real data of several kinds: the corpus kinds and a binary from this machine.
fn samples() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = corpus::KINDS
        .iter()
        .map(|&k| (format!("{k:?}"), corpus::make(k, 300_000, 7)))
        .collect();
    v.push(("empty".into(), Vec::new()));
    v.push(("one byte".into(), vec![42]));
    v.push(("mixed 1 MB".into(), corpus::mixed(1_000_000, 3)));
    let exe = std::fs::read(env!("CARGO_BIN_EXE_bufpress")).expect("read the binary");
    v.push((
        "the bufpress binary".into(),
        exe[..exe.len().min(3_000_000)].to_vec(),
    ));
    v
}

#[test]
fn round_trip_every_format_and_level_through_stdin_and_stdout() {
    for (name, data) in samples() {
        for f in formats() {
            let packed = ok(&["compress", "-f", f], &data);
            let back = ok(&["decompress", "-f", f], &packed);
            assert!(back == data, "{f} round trip of {name}");
        }
    }
    let data = corpus::mixed(200_000, 1);
    for (f, levels) in [
        ("gzip", 0..=9),
        ("zlib", 0..=9),
        ("deflate", 0..=9),
        ("lz4", 1..=1),
    ] {
        for l in levels {
            let packed = ok(&["compress", "-f", f, "-l", &l.to_string()], &data);
            assert_eq!(ok(&["decompress", "-f", f], &packed), data, "{f} -l {l}");
        }
    }
}

#[test]
fn files_in_and_out() {
    let dir = Dir::new("files");
    let data = corpus::mixed(700_000, 2);
    std::fs::write(dir.path("in"), &data).expect("write");
    for f in formats() {
        let packed = dir.s(&format!("in.{f}"));
        ok(&["compress", "-f", f, &dir.s("in"), "-o", &packed], &[]);
        let back = dir.s(&format!("back.{f}"));
        ok(&["decompress", &packed, "-o", &back, "-f", f], &[]);
        assert_eq!(std::fs::read(&back).expect("read"), data);
        // `-` is stdin / stdout.
        let bytes = std::fs::read(&packed).expect("read");
        assert_eq!(ok(&["decompress", "-f", f, "-", "-o", "-"], &bytes), data);
    }
    assert!(
        !dir.names().iter().any(|n| n.ends_with(".tmp")),
        "{:?}",
        dir.names()
    );
}

#[test]
fn detects_the_format_from_magic_bytes() {
    let data = corpus::make(Kind::Json, 100_000, 5);
    for f in ["lz4", "gzip", "zlib"] {
        let packed = ok(&["compress", "-f", f], &data);
        assert_eq!(ok(&["decompress"], &packed), data, "{f}");
        assert_eq!(ok(&["decompress", "-f", "auto"], &packed), data, "{f}");
    }
    if tools::available("zstd") {
        let packed = tools::pipe("zstd", &["-3", "-q", "-c"], &data);
        assert_eq!(ok(&["decompress"], &packed), data);
    }
    // Raw deflate has no magic bytes.
    let raw = ok(&["compress", "-f", "deflate"], &data);
    let (code, err) = fails(&["decompress"], &raw);
    assert_eq!(code, 1);
    assert!(err.contains("-f deflate"), "{err}");
    let (code, err) = fails(&["decompress"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("empty input"), "{err}");
}

#[test]
fn reads_what_the_reference_tools_write() {
    for (name, data) in samples() {
        if tools::available("lz4") {
            for args in [
                &["-1", "-c"][..],
                &["-9", "-c"],
                &["-B4", "-BD", "-c"],
                &["-BX", "--no-frame-crc", "-c"],
            ] {
                let packed = tools::pipe("lz4", args, &data);
                assert!(
                    ok(&["decompress", "-f", "lz4"], &packed) == data,
                    "lz4 {args:?} {name}"
                );
            }
        }
        if tools::available("gzip") {
            let packed = tools::pipe("gzip", &["-6", "-c"], &data);
            assert!(ok(&["decompress"], &packed) == data, "gzip {name}");
        }
        if tools::available("zstd") {
            for level in ["-1", "-3", "-19"] {
                let packed = tools::pipe("zstd", &[level, "-q", "-c"], &data);
                assert!(
                    ok(&["decompress", "-f", "zstd"], &packed) == data,
                    "zstd {level} {name}"
                );
            }
        }
        if tools::available("python3") {
            let script = "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 6))";
            let packed = tools::pipe("python3", &["-c", script], &data);
            assert!(
                ok(&["decompress", "-f", "zlib"], &packed) == data,
                "python zlib {name}"
            );
            let script = "import sys, zlib; c = zlib.compressobj(6, zlib.DEFLATED, -15); sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())";
            let packed = tools::pipe("python3", &["-c", script], &data);
            assert!(
                ok(&["decompress", "-f", "deflate"], &packed) == data,
                "python raw {name}"
            );
        }
    }
}

#[test]
fn the_reference_tools_read_what_bufpress_writes() {
    for (name, data) in samples() {
        if tools::available("lz4") {
            let packed = ok(&["compress", "-f", "lz4"], &data);
            assert!(
                tools::pipe("lz4", &["-d", "-c"], &packed) == data,
                "lz4 -d {name}"
            );
        }
        if tools::available("gzip") {
            let packed = ok(&["compress", "-f", "gzip"], &data);
            assert!(
                tools::pipe("gzip", &["-d", "-c"], &packed) == data,
                "gzip -d {name}"
            );
        }
        if ZSTD_COMPRESS && tools::available("zstd") {
            let packed = ok(&["compress", "-f", "zstd"], &data);
            assert!(
                tools::pipe("zstd", &["-d", "-q", "-c"], &packed) == data,
                "zstd -d {name}"
            );
        }
        if tools::available("python3") {
            let script = "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))";
            let packed = ok(&["compress", "-f", "zlib"], &data);
            assert!(
                tools::pipe("python3", &["-c", script], &packed) == data,
                "python zlib {name}"
            );
            let script = "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read(), -15))";
            let packed = ok(&["compress", "-f", "deflate"], &data);
            assert!(
                tools::pipe("python3", &["-c", script], &packed) == data,
                "python raw {name}"
            );
            let script = "import sys, gzip; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))";
            let packed = ok(&["compress", "-f", "gzip"], &data);
            assert!(
                tools::pipe("python3", &["-c", script], &packed) == data,
                "python gzip {name}"
            );
        }
    }
}

#[test]
fn decodes_every_frame_and_member_in_a_row() {
    let a = corpus::make(Kind::Text, 150_000, 1);
    let b = corpus::make(Kind::Binary, 90_000, 2);
    let ab = [a.clone(), b.clone()].concat();
    for f in ["lz4", "gzip"] {
        let two = [
            ok(&["compress", "-f", f], &a),
            ok(&["compress", "-f", f], &b),
        ]
        .concat();
        assert_eq!(ok(&["decompress", "-f", f], &two), ab, "{f}");
        assert_eq!(ok(&["decompress"], &two), ab, "{f}");
    }
    if tools::available("zstd") {
        let two = [
            tools::pipe("zstd", &["-q", "-c"], &a),
            tools::pipe("zstd", &["-q", "-c"], &b),
        ]
        .concat();
        assert_eq!(ok(&["decompress"], &two), ab);
    }
    if tools::available("gzip") {
        let two = [
            tools::pipe("gzip", &["-c"], &a),
            tools::pipe("gzip", &["-c"], &b),
        ]
        .concat();
        assert_eq!(ok(&["decompress"], &two), ab);
    }
    // Only one stream in zlib and raw deflate: more is trailing data.
    let z = ok(&["compress", "-f", "zlib"], &a);
    let (code, err) = fails(&["decompress", "-f", "zlib"], &[z.clone(), z].concat());
    assert_eq!(code, 1);
    assert!(err.contains("trailing data"), "{err}");
    let g = ok(&["compress", "-f", "gzip"], &a);
    let (code, err) = fails(&["decompress"], &[&g[..], b"garbage"].concat());
    assert_eq!(code, 1);
    assert!(err.contains("trailing data after member 1"), "{err}");
    // As gzip: zero bytes after the last member (tar's padding) are ignored, more
    // than a read buffer of them too; anything after them is trailing data.
    for zeros in [1, 511, 300_000] {
        let padded = [&g[..], &g[..], &vec![0; zeros][..]].concat();
        assert!(
            ok(&["decompress"], &padded) == [&a[..], &a[..]].concat(),
            "{zeros}"
        );
        ok(&["test"], &padded);
        let (code, err) = fails(&["decompress"], &[&padded[..], b"x"].concat());
        assert_eq!(code, 1, "{zeros}");
        let at = format!("at byte {}", padded.len());
        assert!(err.contains("trailing data") && err.contains(&at), "{err}");
    }
}

#[test]
fn bad_data_exits_1_with_one_line_naming_the_problem() {
    let data = corpus::mixed(300_000, 9);
    for f in formats() {
        let packed = ok(&["compress", "-f", f], &data);
        // Truncated anywhere.
        for cut in [1, packed.len() / 3, packed.len() - 1] {
            let (code, err) = fails(&["decompress", "-f", f], &packed[..cut]);
            assert_eq!(code, 1, "{f} cut at {cut}: {err}");
        }
        let (_, err) = fails(&["decompress", "-f", f], &packed[..packed.len() - 1]);
        assert!(
            err.contains("truncated") || err.contains("checksum"),
            "{f}: {err}"
        );
        // Flipped bits anywhere (raw deflate has no checksum: a flip may decode).
        if f == "deflate" {
            continue;
        }
        for at in [packed.len() / 2, packed.len() - 2] {
            let mut bad = packed.clone();
            bad[at] ^= 0x55;
            let (code, _) = fails(&["decompress", "-f", f], &bad);
            assert_eq!(code, 1, "{f} flip at {at}");
        }
    }
    // A content checksum: named, with both values and where.
    let mut lz4 = ok(&["compress", "-f", "lz4"], &data);
    let n = lz4.len();
    lz4[n - 1] ^= 1;
    let (_, err) = fails(&["decompress", "-f", "lz4"], &lz4);
    assert!(
        err.contains("checksum mismatch (content checksum, stored 0x"),
        "{err}"
    );
    assert!(
        err.contains("computed 0x") && err.contains("frame 1"),
        "{err}"
    );
    let mut gz = ok(&["compress", "-f", "gzip"], &data);
    let n = gz.len();
    gz[n - 6] ^= 1; // the CRC-32
    let (_, err) = fails(&["decompress", "-f", "gzip"], &gz);
    assert!(err.contains("checksum mismatch (content checksum"), "{err}");
    // Garbage of every kind, for every format: exit 1, never a panic.
    for f in ["lz4", "gzip", "zlib", "deflate", "zstd"] {
        for kind in corpus::KINDS {
            let junk = corpus::make(kind, 5000, 11);
            let out = bufpress(&["decompress", "-f", f], &junk);
            let code = out.status.code();
            assert!(code == Some(1) || code == Some(0), "{f} {kind:?}: {code:?}");
        }
    }
}

#[test]
fn a_zstd_window_beyond_the_limit_is_a_clean_error() {
    if !tools::available("zstd") {
        return;
    }
    let data = corpus::mixed(20_000_000, 4);
    let packed = tools::pipe("zstd", &["-1", "-q", "-c", "--long=25"], &data);
    let (code, err) = fails(&["decompress"], &packed);
    assert_eq!(code, 1);
    assert!(err.contains("window"), "{err}");
    // `zstd -d --long=25` reads it; so does bufpress.
    assert_eq!(ok(&["decompress", "--long=25"], &packed), data);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["compress"],
        &["compress", "-f", "brotli"],
        &["compress", "-f", "gzip", "-l", "10"],
        &["compress", "-f", "lz4", "-l", "9"],
        &["compress", "-f", "gzip", "--bogus"],
        &["compress", "-f", "gzip", "-o", "x", "a", "b"],
        &["decompress", "-l", "3"],
        &["decompress", "-o"],
        &["bench", "--nope"],
    ] {
        let out = bufpress(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    assert!(ok(&["--help"], &[]).starts_with(b"bufpress"));
}

#[test]
fn failures_leave_no_output_and_never_touch_the_input() {
    let dir = Dir::new("safety");
    let data = corpus::mixed(400_000, 6);
    let packed = ok(&["compress", "-f", "gzip"], &data);
    let mut bad = packed.clone();
    let n = bad.len();
    bad[n - 6] ^= 1;
    std::fs::write(dir.path("bad.gz"), &bad).expect("write");
    let before = std::fs::metadata(dir.path("bad.gz")).expect("meta");

    // A failed run leaves no OUTPUT and no temporary file.
    let (code, _) = fails(&["decompress", &dir.s("bad.gz"), "-o", &dir.s("out")], &[]);
    assert_eq!(code, 1);
    assert_eq!(dir.names(), ["bad.gz"]);

    // An existing OUTPUT is kept without --force, and kept when the run fails.
    std::fs::write(dir.path("out"), b"precious").expect("write");
    let (code, err) = fails(&["decompress", &dir.s("bad.gz"), "-o", &dir.s("out")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
    let (code, _) = fails(
        &[
            "decompress",
            &dir.s("bad.gz"),
            "-o",
            &dir.s("out"),
            "--force",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(std::fs::read(dir.path("out")).expect("read"), b"precious");
    assert_eq!(dir.names(), ["bad.gz", "out"]);

    // Replaced only with --force, on success.
    std::fs::write(dir.path("good.gz"), &packed).expect("write");
    ok(
        &[
            "decompress",
            &dir.s("good.gz"),
            "-o",
            &dir.s("out"),
            "--force",
        ],
        &[],
    );
    assert_eq!(std::fs::read(dir.path("out")).expect("read"), data);

    // INPUT and OUTPUT the same file: refused, even with --force.
    for extra in [&[][..], &["--force"]] {
        let mut args = vec!["decompress", "-f", "gzip"];
        let good = dir.s("good.gz");
        args.extend([good.as_str(), "-o", good.as_str()]);
        args.extend(extra);
        let (code, _) = fails(&args, &[]);
        assert_eq!(code, 2);
        let via_dot = format!("{}/./good.gz", dir.0.display());
        let (code, err) = fails(
            &["compress", "-f", "lz4", &good, "-o", &via_dot, "--force"],
            &[],
        );
        assert_eq!(code, 2, "{err}");
    }
    assert_eq!(std::fs::read(dir.path("good.gz")).expect("read"), packed);

    // The input was never modified.
    let after = std::fs::metadata(dir.path("bad.gz")).expect("meta");
    assert_eq!(std::fs::read(dir.path("bad.gz")).expect("read"), bad);
    assert_eq!(before.modified().ok(), after.modified().ok());
    assert!(!dir.names().iter().any(|n| n.ends_with(".tmp")));
}

#[test]
fn an_output_that_is_not_a_regular_file_is_written_in_place() {
    // A FIFO stands for `/dev/null` and other devices: it must stay what it is (a
    // rename over it would replace it with a regular file).
    let dir = Dir::new("fifo");
    let fifo = dir.path("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipping: no mkfifo");
        return;
    }
    let data = corpus::mixed(300_000, 8);
    std::fs::write(dir.path("in"), &data).expect("write");
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read the fifo"))
    };
    ok(
        &["compress", "-f", "gzip", &dir.s("in"), "-o", &dir.s("fifo")],
        &[],
    );
    let packed = reader.join().expect("reader");
    assert_eq!(ok(&["decompress"], &packed), data);
    let meta = std::fs::symlink_metadata(&fifo).expect("still there");
    assert!(!meta.is_file(), "the FIFO was replaced by a regular file");
    assert_eq!(dir.names(), ["fifo", "in"]);
}

#[test]
fn a_progress_bar_on_a_terminal_after_a_second() {
    // `script` runs bufpress on a pseudo-terminal; this debug build compresses a few
    // MB at level 9 in well over a second.
    let dir = Dir::new("progress");
    let input = write_input(&dir, "in", 6 << 20);
    let cmd = format!(
        "{} compress -f gzip -l 9 {input} -o {}",
        env!("CARGO_BIN_EXE_bufpress"),
        dir.s("out")
    );
    let Ok(out) = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
    else {
        eprintln!("skipping: no script(1)");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("MB in") && screen.contains("%"),
        "{screen:?}"
    );
    // Without a terminal (every other test), nothing but errors reach stderr.
    let data = corpus::mixed(100_000, 1);
    assert!(
        bufpress(&["compress", "-f", "gzip"], &data)
            .stderr
            .is_empty()
    );
}

#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let dir = Dir::new("signal");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
        .args(["compress", "-f", "gzip", "-o", &dir.s("out")])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bufpress");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&corpus::mixed(100_000, 1)).expect("write");
    // bufpress waits for more input, its temporary file open.
    let start = std::time::Instant::now();
    while !dir.names().iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            start.elapsed().as_secs() < 20,
            "no temporary file: {:?}",
            dir.names()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    // The shell's built-in `kill`: no procps needed.
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .expect("sh");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    drop(stdin);
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

/// `--stats` values: (allocations after warm-up, peak RSS in kB).
fn stats(args: &[&str]) -> (u64, u64) {
    let mut all = args.to_vec();
    all.push("--stats");
    let out = bufpress(&all, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let value = |key: &str| -> u64 {
        let line = err
            .lines()
            .find(|l| l.contains(key))
            .unwrap_or_else(|| panic!("{key}: {err}"));
        let v = line.rsplit(':').next().expect("value").trim();
        v.trim_end_matches(" kB")
            .parse()
            .unwrap_or_else(|_| panic!("{line}"))
    };
    (value("heap allocations after warm-up"), value("peak RSS"))
}

fn write_input(dir: &Dir, name: &str, len: usize) -> String {
    let mut f = std::fs::File::create(dir.path(name)).expect("create");
    let mut left = len;
    let mut seed = 0;
    while left > 0 {
        let piece = corpus::mixed(left.min(1 << 20), seed);
        f.write_all(&piece).expect("write");
        left -= piece.len();
        seed += 1;
    }
    dir.s(name)
}

#[test]
fn no_allocation_after_warm_up_and_flat_peak_memory() {
    let dir = Dir::new("memory");
    let small = write_input(&dir, "small", 1 << 20);
    let large = write_input(&dir, "large", 32 << 20);
    let out = dir.s("out");
    let back = dir.s("back");
    let mut rss = Vec::new();
    for input in [&small, &large] {
        let (allocs, kb) = stats(&["compress", "-f", "lz4", input, "-o", &out, "--force"]);
        assert_eq!(allocs, 0, "lz4 compress {input}");
        let (allocs, kb2) = stats(&["decompress", &out, "-o", &back, "--force"]);
        assert_eq!(allocs, 0, "lz4 decompress {input}");
        rss.push((kb, kb2));
    }
    let (small_rss, large_rss) = (rss[0], rss[1]);
    // Within 1 MiB: the same pool and states; the input is never held.
    assert!(large_rss.0 <= small_rss.0 + 1024, "compress: {rss:?}");
    assert!(large_rss.1 <= small_rss.1 + 1024, "decompress: {rss:?}");

    // Every format, both ways: 0 allocations on a 4 MB input.
    let mid = write_input(&dir, "mid", 4 << 20);
    for f in formats() {
        let (allocs, _) = stats(&["compress", "-f", f, "-l", "1", &mid, "-o", &out, "--force"]);
        assert_eq!(allocs, 0, "{f} compress");
        let (allocs, _) = stats(&["decompress", "-f", f, &out, "-o", &back, "--force"]);
        assert_eq!(allocs, 0, "{f} decompress");
    }
    if tools::available("zstd") {
        let packed = dir.path("mid.zst");
        let status = Command::new("zstd")
            .args(["-3", "-q", "-f", &mid, "-o"])
            .arg(&packed)
            .status()
            .expect("zstd");
        assert!(status.success());
        let (allocs, _) = stats(&[
            "decompress",
            &packed.display().to_string(),
            "-o",
            &back,
            "--force",
        ]);
        assert_eq!(allocs, 0, "zstd decompress");
    }
}

#[test]
fn bench_runs_on_the_built_in_corpus_and_plots() {
    // Only that it runs, compares like with like and writes both outputs (a short,
    // noisy run); the numbers come from `bufpress bench` in a release build (README).
    let dir = Dir::new("bench");
    let svg = dir.s("chart.svg");
    let table = String::from_utf8(ok(&["bench", "--quick", "--plot", &svg], &[])).expect("utf-8");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| format"))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    // 5 formats x 3 sizes x (compress, decompress) on one thread; lz4, zstd, gzip x
    // 2 thread counts x 2 under threads.
    assert_eq!(rows.len(), 5 * 3 * 2 + 3 * 2 * 2, "{table}");
    for f in ["lz4", "zstd", "gzip", "zlib", "deflate"] {
        assert!(rows.iter().any(|c| c[1] == f), "{table}");
    }
    let chart = std::fs::read_to_string(Path::new(&svg)).expect("chart");
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    assert!(chart.contains("latency"), "the chart has the latency panel");
    for cells in &rows {
        // Like with like: the same compressed size on both sides (lz4: bufpress's
        // block compressor is not lz4_flex's, so within 2%).
        if cells[2] == "c" {
            let (p, n) = cells[5].split_once(" / ").expect("ratio pooled / naive");
            let (p, n): (f64, f64) = (p.parse().expect("ratio"), n.parse().expect("ratio"));
            let within = if cells[1] == "lz4" { 0.02 } else { 0.005 };
            assert!(
                (p / n - 1.0).abs() <= within,
                "compression ratio differs: {cells:?}"
            );
        }
        // The pooled path allocates nothing per message (C mallocs included); the
        // naive one does.
        let (pooled, naive) = cells[12].split_once(" / ").expect("allocs");
        assert_eq!(pooled, "0.0", "{cells:?}");
        assert_ne!(naive, "0.0", "{cells:?}");
        // A verdict per goal.
        assert!(
            ["met", "missed", "undecided"]
                .iter()
                .any(|v| cells[16].ends_with(v)),
            "{cells:?}"
        );
    }
    for goal in [
        "every row:",
        "under threads:",
        "RSS flat:",
        "after warm-up:",
    ] {
        assert!(table.contains(goal), "{table}");
    }
}

/// `bufpress bench | head`: a reader of the table that went away ends the run with
/// status 141 and no panic, and the chart is still written. On a small file, so the
/// run is short; stdout is closed before the table is written.
#[test]
fn bench_with_a_closed_stdout_ends_with_141_and_writes_the_chart() {
    let dir = Dir::new("bench-epipe");
    std::fs::write(dir.path("small"), corpus::mixed(9_000, 16)).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
        .args(["bench", "--quick", "--plot", "chart.svg", "small"])
        .current_dir(&dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bufpress");
    drop(child.stdout.take()); // the reader is gone before anything is printed
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{:?}: {err}", out.status);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    let chart = std::fs::read_to_string(dir.path("chart.svg")).expect("chart");
    assert!(chart.starts_with("<svg"));
}

/// An error in a later gzip member is reported in that member, where it began (the
/// CLI decodes one member per stream and counts them, as it counts frames).
#[test]
fn an_error_in_a_later_gzip_member_names_that_member() {
    let parts: Vec<Vec<u8>> = (0..3)
        .map(|i| ok(&["compress", "-f", "gzip"], &corpus::mixed(20_000, i)))
        .collect();
    let third = parts[0].len() + parts[1].len();
    let mut bad = parts.concat();
    let n = bad.len();
    bad[n - 8] ^= 1; // member 3's CRC-32
    let (code, err) = fails(&["decompress"], &bad);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("member 3 (which began at byte {third})")),
        "{err}"
    );
}

/// 3000 gzip members (empty ones among them) decode to their concatenation and pass
/// `-t`, with no allocation after warm-up (the decoder is reset per member); a
/// truncated member 2, or a lone 0x1f after the last member, is truncation in that
/// member, named with where it began; no output file is left for them.
#[test]
fn many_gzip_members_decode_without_allocating_and_name_a_truncated_member() {
    let dir = Dir::new("members");
    let plains: Vec<Vec<u8>> = (0..3).map(|i| corpus::mixed(700 * i as usize, i)).collect();
    let packed: Vec<Vec<u8>> = plains
        .iter()
        .map(|p| ok(&["compress", "-f", "gzip"], p))
        .collect();
    let (mut data, mut plain) = (Vec::new(), Vec::new());
    for i in 0..3000 {
        data.extend_from_slice(&packed[i % 3]);
        plain.extend_from_slice(&plains[i % 3]);
    }
    std::fs::write(dir.path("many.gz"), &data).expect("write");
    let (allocs, _) = stats(&["decompress", &dir.s("many.gz"), "-o", &dir.s("many")]);
    assert_eq!(allocs, 0, "3000 members");
    assert!(std::fs::read(dir.path("many")).expect("read") == plain);
    let (allocs, _) = stats(&["test", &dir.s("many.gz")]);
    assert_eq!(allocs, 0, "-t, 3000 members");

    let second = packed[0].len();
    let cut = [&packed[0][..], &packed[1][..], &packed[2][..]].concat();
    let cut = &cut[..second + packed[1].len() / 2];
    std::fs::write(dir.path("cut.gz"), cut).expect("write");
    let (code, err) = fails(&["decompress", &dir.s("cut.gz")], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "truncated: the input ends inside member 2 (which began at byte {second})"
        )),
        "{err}"
    );
    let lone = [&data[..], &[0x1f][..]].concat();
    std::fs::write(dir.path("lone.gz"), &lone).expect("write");
    let (code, err) = fails(&["test", &dir.s("lone.gz")], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "inside member 3001 (which began at byte {})",
            data.len()
        )),
        "{err}"
    );
    assert_eq!(dir.names(), ["cut.gz", "lone.gz", "many", "many.gz"]);
}
