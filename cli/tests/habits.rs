//! The habits of `gzip`, `zstd` and `lz4`, as their users type them: the modes
//! `-z`/`-d`/`-t` beside the subcommands, outputs named next to each input, several
//! inputs with one failing, `-c`, `-k`/`--rm`, `-t` on good and bad data, refusing a
//! terminal, zstd levels (`-N`, `--ultra`, `--fast`), `--help` per command, and the
//! reference tools reading and writing the files bufpress names.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use bufpress_tests::corpus;
use bufpress_tests::tools;
use common::{Dir, bufpress, fails, ok};

/// Every format with the suffix bufpress gives its files.
const SUFFIXES: [(&str, &str); 5] = [
    ("lz4", "lz4"),
    ("gzip", "gz"),
    ("zlib", "zz"),
    ("deflate", "deflate"),
    ("zstd", "zst"),
];

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn modified(path: impl AsRef<Path>) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// Exit status and stderr of a run, whatever its status.
fn status(args: &[&str]) -> (i32, String) {
    let out = bufpress(args, &[]);
    let code = out.status.code().expect("exited, not killed by a signal");
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn modes_and_subcommands_write_the_same_bytes() {
    let data = corpus::mixed(200_000, 21);
    for (f, _) in SUFFIXES {
        let sub = ok(&["compress", "-f", f], &data);
        assert_eq!(ok(&["-z", "-f", f], &data), sub, "{f}");
        assert_eq!(ok(&["--compress", "--format", f, "-c"], &data), sub, "{f}");
        assert_eq!(ok(&["-d", "-f", f], &sub), data, "{f}");
        assert_eq!(ok(&["-dc", "-f", f, "-"], &sub), data, "{f}");
        // `-` is stdin, after `--` too (as for gzip); `--` ends the options.
        assert_eq!(ok(&["decompress", "-f", f, "--", "-"], &sub), data, "{f}");
    }
}

#[test]
fn outputs_are_named_next_to_each_input_and_inputs_stay() {
    let dir = Dir::new("names");
    let (a, b) = (corpus::mixed(300_000, 1), corpus::mixed(120_000, 2));
    std::fs::write(dir.path("a"), &a).expect("write");
    std::fs::write(dir.path("b"), &b).expect("write");
    let (ma, mb) = (modified(dir.path("a")), modified(dir.path("b")));
    for (f, suffix) in SUFFIXES {
        ok(&["-z", "-f", f, &dir.s("a"), &dir.s("b")], &[]);
        for (name, data) in [("a", &a), ("b", &b)] {
            let packed = read(dir.path(&format!("{name}.{suffix}")));
            assert_eq!(&ok(&["-d", "-f", f], &packed), data, "{f} {name}");
        }
        // An input that already has the suffix is not compressed again.
        let (code, err) = fails(&["-z", "-f", f, &dir.s(&format!("a.{suffix}"))], &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("suffix"), "{err}");
    }
    // The inputs were never touched (-k is the default).
    assert_eq!(
        (read(dir.path("a")), read(dir.path("b"))),
        (a.clone(), b.clone())
    );
    assert_eq!((modified(dir.path("a")), modified(dir.path("b"))), (ma, mb));

    // Decompressing strips the suffix; an existing output is kept without --force.
    let (code, err) = fails(&["-d", &dir.s("a.gz")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    std::fs::remove_file(dir.path("a")).expect("rm");
    std::fs::remove_file(dir.path("b")).expect("rm");
    for (f, suffix) in SUFFIXES {
        // The format from the magic bytes (raw deflate: from its suffix).
        ok(
            &[
                "-d",
                &dir.s(&format!("a.{suffix}")),
                &dir.s(&format!("b.{suffix}")),
            ],
            &[],
        );
        assert_eq!(read(dir.path("a")), a, "{f}");
        assert_eq!(read(dir.path("b")), b, "{f}");
        // --force replaces; -k changes nothing.
        ok(
            &["decompress", "-k", "-F", &dir.s(&format!("a.{suffix}"))],
            &[],
        );
        assert_eq!(read(dir.path("a")), a, "{f}");
        std::fs::remove_file(dir.path("a")).expect("rm");
        std::fs::remove_file(dir.path("b")).expect("rm");
    }
    // An unknown suffix needs -o (or -c).
    std::fs::copy(dir.path("a.gz"), dir.path("a.data")).expect("copy");
    let (code, err) = fails(&["-d", &dir.s("a.data")], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown suffix"), "{err}");
    ok(&["-d", &dir.s("a.data"), "-o", &dir.s("out")], &[]);
    assert_eq!(read(dir.path("out")), a);
    assert_eq!(ok(&["-dc", &dir.s("a.data")], &[]), a);
    // -o with a known suffix gives the format.
    ok(&["-z", &dir.s("out"), "-o", &dir.s("o.zst")], &[]);
    assert_eq!(ok(&["-dc", &dir.s("o.zst")], &[]), a);
    assert!(
        !dir.names().iter().any(|n| n.ends_with(".tmp")),
        "{:?}",
        dir.names()
    );
}

#[test]
fn several_inputs_one_failing_the_others_still_done_exit_nonzero() {
    let dir = Dir::new("several");
    let data = corpus::mixed(250_000, 3);
    let packed = ok(&["-z", "-f", "gzip"], &data);
    let mut bad = packed.clone();
    let n = bad.len();
    bad[n - 6] ^= 1; // the CRC-32
    std::fs::write(dir.path("one.gz"), &packed).expect("write");
    std::fs::write(dir.path("bad.gz"), &bad).expect("write");
    std::fs::write(dir.path("two.zst"), ok(&["-z", "-f", "zstd"], &data)).expect("write");
    let (code, err) = status(&[
        "-d",
        &dir.s("one.gz"),
        &dir.s("bad.gz"),
        &dir.s("missing.lz4"),
        &dir.s("two.zst"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 2, "a line per failing input: {err}");
    assert!(err.contains("bad.gz: checksum mismatch"), "{err}");
    assert!(err.contains("missing.lz4"), "{err}");
    assert_eq!(read(dir.path("one")), data);
    assert_eq!(read(dir.path("two")), data);
    // No output for the bad one, no temporary file.
    assert_eq!(dir.names(), ["bad.gz", "one", "one.gz", "two", "two.zst"]);

    // An input skipped with a warning (an existing output: status 2 alone) and an
    // error: the error's status, 1, as gzip.
    let (code, err) = status(&["-d", &dir.s("one.gz")]);
    assert_eq!(code, 2, "{err}");
    let (code, err) = status(&["-d", &dir.s("one.gz"), &dir.s("bad.gz")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");

    // -t over the same: 1, a line for the bad one only.
    let (code, err) = status(&["-t", &dir.s("one.gz"), &dir.s("bad.gz"), &dir.s("two.zst")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // No allocation after warm-up, for every input of a run.
    let (code, err) = status(&[
        "-z",
        "-f",
        "zstd",
        "--stats",
        "-F",
        &dir.s("one"),
        &dir.s("two"),
    ]);
    assert_eq!(code, 0, "{err}");
    let zeros = err
        .lines()
        .filter(|l| l.trim() == "heap allocations after warm-up: 0")
        .count();
    assert_eq!(zeros, 2, "{err}");
}

#[test]
fn stdout_concatenates_several_inputs() {
    let dir = Dir::new("stdout");
    let (a, b) = (corpus::mixed(90_000, 4), corpus::mixed(70_000, 5));
    std::fs::write(dir.path("a"), &a).expect("write");
    std::fs::write(dir.path("b"), &b).expect("write");
    let ab = [a.clone(), b.clone()].concat();
    for f in ["lz4", "gzip", "zstd"] {
        let two = ok(&["-z", "-f", f, "-c", &dir.s("a"), &dir.s("b")], &[]);
        assert_eq!(ok(&["-d"], &two), ab, "{f}");
    }
    ok(&["-z", "-f", "gzip", &dir.s("a"), &dir.s("b")], &[]);
    assert_eq!(ok(&["-dc", &dir.s("a.gz"), &dir.s("b.gz")], &[]), ab);
    assert_eq!(ok(&["decompress", "-o", "-", &dir.s("a.gz")], &[]), a);
    // Only the inputs and the two outputs asked for: -c wrote no file.
    assert_eq!(dir.names(), ["a", "a.gz", "b", "b.gz"]);
}

#[test]
fn rm_removes_the_input_only_after_a_good_output() {
    let dir = Dir::new("rm");
    let data = corpus::mixed(200_000, 6);
    std::fs::write(dir.path("a"), &data).expect("write");
    ok(&["-z", "-f", "zstd", "--rm", &dir.s("a")], &[]);
    assert_eq!(dir.names(), ["a.zst"]);
    ok(&["-d", "--rm", &dir.s("a.zst")], &[]);
    assert_eq!(dir.names(), ["a"]);
    assert_eq!(read(dir.path("a")), data);
    // A failed run keeps its input.
    let mut bad = ok(&["-z", "-f", "lz4"], &data);
    let n = bad.len();
    bad[n - 1] ^= 1;
    std::fs::write(dir.path("bad.lz4"), &bad).expect("write");
    let (code, _) = fails(&["-d", "--rm", &dir.s("bad.lz4")], &[]);
    assert_eq!(code, 1);
    assert_eq!(read(dir.path("bad.lz4")), bad);
    // Not with stdout, not with -t; -k after --rm keeps.
    for args in [&["-z", "-f", "lz4", "--rm", "-c"][..], &["-t", "--rm"]] {
        let mut args = args.to_vec();
        let a = dir.s("a");
        args.push(&a);
        let (code, _) = fails(&args, &[]);
        assert_eq!(code, 2, "{args:?}");
    }
    ok(&["-z", "-f", "lz4", "--rm", "-k", &dir.s("a")], &[]);
    assert_eq!(dir.names(), ["a", "a.lz4", "bad.lz4"]);
}

#[test]
fn test_mode_checks_integrity_and_writes_nothing() {
    let dir = Dir::new("test");
    let data = corpus::mixed(300_000, 7);
    for (f, suffix) in SUFFIXES {
        let packed = ok(&["-z", "-f", f], &data);
        let name = format!("x.{suffix}");
        std::fs::write(dir.path(&name), &packed).expect("write");
        // Good: status 0, nothing on stdout or stderr; -v says OK.
        let out = bufpress(&["-t", &dir.s(&name)], &[]);
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{f}");
        let out = bufpress(&["test", "-v", "-f", f, "-"], &packed);
        assert!(out.status.success(), "{f}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("OK"), "{f}");
        // Truncated: 1.
        let (code, _) = fails(&["-t", "-f", f], &packed[..packed.len() - 1]);
        assert_eq!(code, 1, "{f}");
        // Corrupt (raw deflate has no checksum: a flip may decode).
        if f != "deflate" {
            let mut bad = packed.clone();
            let n = bad.len();
            bad[n - 2] ^= 0x55;
            let (code, _) = fails(&["-t", "-f", f], &bad);
            assert_eq!(code, 1, "{f}");
        }
        std::fs::remove_file(dir.path(&name)).expect("rm");
        assert!(dir.names().is_empty(), "-t wrote {:?}", dir.names());
    }
}

/// Runs `bufpress ARGS` with stdout on a pseudo-terminal (`script`); `None` without
/// `script(1)`. Returns its exit status and what reached the terminal.
fn on_a_terminal(args: &str) -> Option<(i32, String)> {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_bufpress"));
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .ok()?;
    let code = out.status.code().expect("exited");
    Some((code, String::from_utf8_lossy(&out.stdout).into_owned()))
}

#[test]
fn compressed_data_is_not_written_to_a_terminal() {
    let dir = Dir::new("tty");
    std::fs::write(dir.path("a"), b"some text to compress\n".repeat(100)).expect("write");
    let a = dir.s("a");
    let Some((code, screen)) = on_a_terminal(&format!("-z -f zstd -c {a}")) else {
        assert!(!tools::under_ci(), "script(1) is missing (util-linux)");
        eprintln!("skipping: no script(1)");
        return;
    };
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("not written to a terminal"), "{screen}");
    // --force (or -F) writes it; decompressed data may go to a terminal.
    let (code, _) = on_a_terminal(&format!("-z -f zstd -c -F {a}")).expect("script");
    assert_eq!(code, 0);
    ok(&["-z", "-f", "gzip", &a], &[]);
    let (code, screen) = on_a_terminal(&format!("-dc {a}.gz")).expect("script");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("some text to compress"), "{screen}");
    // Nor is compressed data read from one (a forgotten FILE).
    let (code, screen) = on_a_terminal("-d").expect("script");
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("not read from a terminal"), "{screen}");
    // To a file, a terminal on stdout does not matter.
    let (code, screen) = on_a_terminal(&format!("-z -f lz4 {a}")).expect("script");
    assert_eq!(code, 0, "{screen}");
    assert_eq!(ok(&["-dc", &format!("{a}.lz4")], &[]), read(&a));
}

#[test]
fn zstd_levels_ultra_and_fast() {
    let data = corpus::mixed(400_000, 8);
    let mut sizes = Vec::new();
    for level in 1..=19 {
        let packed = ok(&["-z", "-f", "zstd", &format!("-{level}")], &data);
        assert_eq!(ok(&["-d"], &packed), data, "-{level}");
        assert_eq!(
            packed,
            ok(&["-z", "-f", "zstd", "-l", &level.to_string()], &data)
        );
        sizes.push(packed.len());
    }
    assert!(sizes[18] < sizes[0], "-19 smaller than -1: {sizes:?}");
    for (args, says) in [
        (&["-z", "-f", "zstd", "-20"][..], "--ultra"),
        (&["-z", "-f", "zstd", "--ultra", "-23"], "levels are"),
        (&["-z", "-f", "zstd", "-0"], "levels are"),
        (&["-z", "-f", "gzip", "--fast=2"], "levels are"),
        (&["-z", "-f", "zstd", "--fast=0"], "--fast"),
        (&["-z", "-f", "zstd", "--fast", "-3"], "one level"),
    ] {
        let (code, err) = fails(args, &data);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let fast = ok(&["-z", "-f", "zstd", "--fast=5"], &data);
    assert_eq!(ok(&["-d"], &fast), data);
    assert!(fast.len() > sizes[0], "--fast=5 larger than -1");
    for level in ["-20", "-21", "-22"] {
        let packed = ok(&["-z", "-f", "zstd", "--ultra", level], &data);
        assert_eq!(ok(&["-d", "--ultra"], &packed), data, "{level}");
    }
}

/// log2 of the window in a zstd frame header (not single-segment).
fn zstd_window_log(frame: &[u8]) -> u32 {
    assert_eq!(frame[..4], [0x28, 0xb5, 0x2f, 0xfd]);
    assert_eq!(
        frame[4] & 0x20,
        0,
        "single-segment frames have no window descriptor"
    );
    u32::from(frame[5] >> 3) + 10
}

#[test]
fn ultra_windows_are_bounded_at_128_mib() {
    let data = corpus::mixed(100_000, 9);
    // From stdin (size unknown): the level's own window, at most 2^27.
    for (level, log) in [("-19", 23), ("-20", 25), ("-21", 26), ("-22", 27)] {
        let packed = ok(&["-z", "-f", "zstd", "--ultra", level], &data);
        assert_eq!(zstd_window_log(&packed), log, "{level}");
    }
    // Without --ultra, decoding refuses windows beyond 8 MiB and says why.
    let packed = ok(&["-z", "-f", "zstd", "--ultra", "-22"], &data);
    let (code, err) = fails(&["-d"], &packed);
    assert_eq!(code, 1);
    assert!(err.contains("window") && err.contains("--ultra"), "{err}");
    assert_eq!(ok(&["-d", "--ultra"], &packed), data);
    if tools::available("zstd") {
        // zstd decodes windows up to 2^27 without --memory: these frames are portable.
        assert_eq!(tools::pipe("zstd", &["-d", "-q", "-c"], &packed), data);
    }
    // A file's window is no larger than the file.
    let dir = Dir::new("ultra");
    std::fs::write(dir.path("a"), &data).expect("write");
    ok(&["-z", "-f", "zstd", "--ultra", "-22", &dir.s("a")], &[]);
    let from_file = read(dir.path("a.zst"));
    assert_eq!(
        ok(&["-d"], &from_file),
        data,
        "a small file needs no --ultra to decode"
    );
    // -v says the window and the memory.
    let out = bufpress(
        &[
            "-z",
            "-f",
            "zstd",
            "--ultra",
            "-22",
            "-v",
            "-c",
            "-F",
            &dir.s("a"),
        ],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("window") && err.contains("KiB of memory"),
        "{err}"
    );
}

#[test]
fn help_for_every_command_and_the_version() {
    for (args, says) in [
        (&["--help"][..], "usage:"),
        (&["-h"], "usage:"),
        (&["help"], "usage:"),
        (&["compress", "--help"], "bufpress compress"),
        (&["help", "compress"], "bufpress compress"),
        (&["-z", "--help"], "bufpress compress"),
        (&["decompress", "--help"], "bufpress decompress"),
        (&["-d", "-h"], "bufpress decompress"),
        (&["test", "--help"], "bufpress test"),
        (&["bench", "--help"], "bufpress bench"),
    ] {
        let text = String::from_utf8(ok(args, &[])).expect("utf-8");
        assert!(text.contains(says), "{args:?}: {text}");
    }
    let version = format!("bufpress {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["-V", "--version"] {
        assert_eq!(String::from_utf8(ok(&[flag], &[])).expect("utf-8"), version);
    }
    // Usage errors: status 2, one line naming the problem.
    for args in [
        &["-z", "-d"][..],
        &["--frobnicate"],
        &["help", "nothing"],
        &["-t", "-o", "x"],
    ] {
        let (code, _) = fails(args, &[]);
        assert_eq!(code, 2, "{args:?}");
    }
}

#[test]
fn the_reference_tools_read_and_write_the_named_files() {
    let dir = Dir::new("interop");
    let data = corpus::mixed(500_000, 10);
    std::fs::write(dir.path("a"), &data).expect("write");
    let a = dir.s("a");
    let run = |tool: &str, args: &[&str]| {
        let st = Command::new(tool).args(args).status().expect("tool");
        assert!(st.success(), "{tool} {args:?}");
    };
    for (tool, f, suffix, decode) in [
        ("gzip", "gzip", "gz", &["-d", "-k", "-f"][..]),
        ("zstd", "zstd", "zst", &["-d", "-q", "-f"]),
        ("lz4", "lz4", "lz4", &["-d", "-q", "-f"]),
    ] {
        if !tools::available(tool) {
            continue;
        }
        let packed = format!("{a}.{suffix}");
        // bufpress writes a.SUFFIX; the tool reads it back to a.
        ok(&["-z", "-f", f, "-F", &a], &[]);
        std::fs::remove_file(&a).expect("rm");
        let mut args = decode.to_vec();
        args.push(&packed);
        if tool == "lz4" {
            args.push(&a); // lz4 takes the output name as its second file
        }
        run(tool, &args);
        assert_eq!(read(&a), data, "{tool} -d");
        // The tool writes a.SUFFIX; bufpress -d reads it back to a.
        std::fs::remove_file(&packed).expect("rm");
        match tool {
            "gzip" => run("gzip", &["-k", &a]),
            "zstd" => run("zstd", &["-q", &a]),
            _ => run("lz4", &["-q", &a, &packed]),
        }
        std::fs::remove_file(&a).expect("rm");
        ok(&["-d", &packed], &[]);
        assert_eq!(read(&a), data, "bufpress -d of {tool}'s file");
        ok(&["-t", &packed], &[]);
        std::fs::remove_file(&packed).expect("rm");
    }
}

#[test]
fn an_interrupt_during_a_later_input_removes_its_temporary_file() {
    // Two inputs: a file, then a FIFO that stays open. The second input's temporary
    // file must be removed on SIGINT too (one temporary file armed at a time).
    let dir = Dir::new("signal2");
    let fifo = dir.path("f");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(!tools::under_ci(), "mkfifo is missing");
        eprintln!("skipping: no mkfifo");
        return;
    }
    std::fs::write(dir.path("a"), corpus::mixed(100_000, 11)).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
        .args(["-z", "-f", "gzip", &dir.s("a"), &dir.s("f")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bufpress");
    // Hold the FIFO open for writing, with some data: bufpress waits for more.
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    std::io::Write::write_all(&mut writer, &corpus::mixed(10_000, 12)).expect("write");
    let start = std::time::Instant::now();
    while !dir
        .names()
        .iter()
        .any(|n| n.starts_with(".f.gz") && n.ends_with(".tmp"))
    {
        assert!(
            start.elapsed().as_secs() < 20,
            "no temporary file: {:?}",
            dir.names()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status();
    assert!(killed.expect("sh").success());
    let status = child.wait().expect("wait");
    drop(writer);
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(dir.names(), ["a", "a.gz", "f"]);
}

/// As gzip and zstd do, an output is no more readable than its input: a private
/// (0600) file must not become a world-readable (0644) archive, nor the other way.
#[test]
fn outputs_are_no_more_readable_than_their_input() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    let dir = Dir::new("modes");
    let data = corpus::mixed(50_000, 3);
    std::fs::write(dir.path("secret"), &data).expect("write");
    std::fs::set_permissions(dir.path("secret"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    for (f, suffix) in SUFFIXES {
        ok(&["-z", "-f", f, &dir.s("secret")], &[]);
        let packed = dir.path(&format!("secret.{suffix}"));
        assert_eq!(
            mode(&packed),
            0o600,
            "{f}: compressed output of a 0600 file"
        );
        std::fs::rename(&packed, dir.path(&format!("s2.{suffix}"))).expect("mv");
        ok(&["-d", "-f", f, &dir.s(&format!("s2.{suffix}"))], &[]);
        assert_eq!(mode(&dir.path("s2")), 0o600, "{f}: decompressed output");
        std::fs::remove_file(dir.path("s2")).expect("rm");
    }
}

/// A reader that goes away (`bufpress -dc big.gz | head -c 10`): bufpress ends quietly
/// with status 141 (128 + SIGPIPE, what the shell shows for gzip and zstd), not an
/// error message, in every mode that writes stdout.
#[test]
fn a_closed_stdout_pipe_ends_quietly_with_status_141() {
    use std::io::Read;
    let dir = Dir::new("epipe");
    // Far more than a pipe holds (64 KiB on Linux), whatever the ratio.
    let data = corpus::mixed(4_000_000, 13);
    std::fs::write(dir.path("big"), &data).expect("write");
    std::fs::write(dir.path("big.gz"), ok(&["-z", "-f", "gzip"], &data)).expect("write");
    for args in [
        &["-dc", "big.gz"][..],
        &["-z", "-f", "lz4", "-c", "big"],
        &["decompress", "-o", "-", "big.gz", "-F"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
            .args(args)
            .current_dir(&dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bufpress");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).expect("the first bytes");
        drop(stdout); // `head -c 10` exits
        let mut err = String::new();
        let mut stderr = child.stderr.take().expect("stderr");
        stderr.read_to_string(&mut err).expect("stderr");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(141), "{args:?}: {status:?} {err}");
        assert_eq!(err, "", "{args:?}: no message");
        // Nothing written next to the inputs, no temporary file.
        assert_eq!(dir.names(), ["big", "big.gz"], "{args:?}");
    }
}

/// As gzip: a symbolic link given as input is skipped with a warning unless forced
/// (`-F`) or written to stdout (`-c`, `-t`); a directory is skipped with a warning
/// always. The other inputs are still done; warnings alone give status 2, an error
/// (status 1) wins over them.
#[test]
fn symbolic_links_and_directories_are_skipped_with_a_warning() {
    let dir = Dir::new("links");
    let data = corpus::mixed(100_000, 14);
    std::fs::write(dir.path("a"), &data).expect("write");
    std::os::unix::fs::symlink("a", dir.path("link")).expect("symlink");
    std::fs::create_dir(dir.path("sub")).expect("mkdir");
    let (code, err) = status(&[
        "-z",
        "-f",
        "gzip",
        &dir.s("link"),
        &dir.s("sub"),
        &dir.s("a"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 2, "a line per skipped input: {err}");
    assert!(err.contains("link: is a symbolic link"), "{err}");
    assert!(err.contains("sub: is a directory"), "{err}");
    assert_eq!(dir.names(), ["a", "a.gz", "link", "sub"]);
    assert_eq!(ok(&["-d"], &read(dir.path("a.gz"))), data);

    // Decompressing: the same, and a directory among good inputs still warns.
    std::os::unix::fs::symlink("a.gz", dir.path("link.gz")).expect("symlink");
    std::fs::remove_file(dir.path("a")).expect("rm");
    let (code, err) = status(&["-d", &dir.s("link.gz"), &dir.s("sub")]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert_eq!(dir.names(), ["a.gz", "link", "link.gz", "sub"]);

    // Written to stdout or tested, the link is followed (nothing is written next to it).
    assert_eq!(ok(&["-dc", &dir.s("link.gz")], &[]), data);
    assert!(ok(&["-t", &dir.s("link.gz")], &[]).is_empty());

    // -F follows it; the link and its target stay as they were.
    ok(&["-d", "-F", &dir.s("link.gz")], &[]);
    assert_eq!(read(dir.path("link")), data);
    let kind = std::fs::symlink_metadata(dir.path("link.gz")).expect("lstat");
    assert!(kind.file_type().is_symlink());
    assert_eq!(ok(&["-d"], &read(dir.path("a.gz"))), data);

    // An error and a warning: the error's status, 1 (gzip's rule).
    std::fs::write(dir.path("bad.gz"), b"not gzip at all").expect("write");
    let (code, err) = status(&["-d", &dir.s("sub"), &dir.s("bad.gz")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // -F does not make a directory an input.
    let (code, err) = status(&["-t", "-F", &dir.s("sub")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a directory"), "{err}");
}

/// zstd users type `-T0` and `--long`: threads are accepted and ignored (one thread,
/// the same bytes); `--long[=N]` raises the decoder's window limit to 2^N (27 by
/// default), and compressing with it is refused with a message saying so.
#[test]
fn zstd_threads_and_long_windows() {
    let data = corpus::mixed(300_000, 15);
    let plain = ok(&["-z", "-f", "zstd"], &data);
    for args in [
        &["-z", "-f", "zstd", "-T0"][..],
        &["-z", "-f", "zstd", "-T4"],
        &["-zT0", "-f", "zstd"],
        &["-z", "-f", "zstd", "--threads=2"],
        &["-z", "-f", "zstd", "--threads", "3"],
        &["-z", "-f", "zstd", "-T"],
    ] {
        assert_eq!(ok(args, &data), plain, "{args:?}");
    }
    assert_eq!(ok(&["-d", "-T0"], &plain), data);
    let (code, err) = fails(&["-z", "-f", "zstd", "-Tx"], &data);
    assert_eq!(code, 2, "{err}");
    // As in zstd, `-T`'s number is attached: in `-T 3` the 3 is an input.
    let (code, err) = fails(&["-z", "-c", "-f", "zstd", "-T", "3"], &data);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("3: No such file"), "{err}");

    // A 128 MiB window (windowLog 27): refused by default, read with --long.
    let packed = ok(&["-z", "-f", "zstd", "--ultra", "-22"], &data);
    assert_eq!(zstd_window_log(&packed), 27);
    let (code, err) = fails(&["-d"], &packed);
    assert_eq!(code, 1);
    assert!(err.contains("--long"), "the hint names --long: {err}");
    assert_eq!(ok(&["-d", "--long"], &packed), data);
    assert_eq!(ok(&["-d", "--long=27"], &packed), data);
    assert_eq!(ok(&["-t", "--long=28"], &packed), b"");
    let (code, err) = fails(&["-d", "--long=26"], &packed);
    assert_eq!(code, 1);
    assert!(err.contains("window"), "{err}");
    for args in [
        &["-d", "--long=31"][..],
        &["-d", "--long=9"],
        &["-d", "--long=x"],
    ] {
        let (code, err) = fails(args, &packed);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("--long"), "{args:?}: {err}");
    }
    // Compressing with long-distance matching is not supported: said, not ignored.
    let (code, err) = fails(&["-z", "-f", "zstd", "--long"], &data);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--long"), "{err}");
    let (code, err) = fails(&["-z", "-f", "gzip", "--long=27"], &data);
    assert_eq!(code, 2, "{err}");
}
