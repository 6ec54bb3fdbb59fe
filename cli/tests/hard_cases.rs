//! Cases the habits tests left out, found by an outside audit: inputs that are not
//! regular files with `--rm`, a file size limit (`ulimit -f`, SIGXFSZ) and a CPU limit
//! (SIGXCPU) while an output file is written, and a reader of stderr that went away.
//! The standing rules: no half-written output is left behind, the input is removed
//! only when it is a regular file whose output is on disk, and no panic.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use bufpress_tests::corpus;
use bufpress_tests::tools;
use common::{Dir, ok};

/// Makes a FIFO at `path`; `false` (and a message) where `mkfifo` is missing.
fn mkfifo(path: &std::path::Path) -> bool {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        assert!(!tools::under_ci(), "mkfifo is missing");
        eprintln!("skipping: no mkfifo");
    }
    made
}

/// Waits until a temporary output file shows up in `dir`.
fn wait_for_temp(dir: &Dir) {
    let start = std::time::Instant::now();
    while !dir.names().iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            start.elapsed().as_secs() < 20,
            "no temporary file: {:?}",
            dir.names()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `--rm` removes an input only when it is a regular file: a FIFO (or a device node)
/// is no file that compressing can replace. gzip refuses such inputs; `zstd --rm`
/// keeps a FIFO and refuses a device. bufpress skips them with a warning (status 2),
/// without opening them (a FIFO would block), and removes nothing.
#[test]
fn rm_never_removes_a_fifo_or_a_device_node() {
    let dir = Dir::new("rm-special");
    let fifo = dir.path("pipe");
    if !mkfifo(&fifo) {
        return;
    }
    let data = corpus::mixed(20_000, 31);
    // A writer for the FIFO, in case bufpress opens it (before the fix it did, and
    // then removed it).
    let writer = {
        let fifo = fifo.clone();
        let data = data.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .expect("open fifo");
            let _ = f.write_all(&data);
        })
    };
    let out = Command::new(env!("CARGO_BIN_EXE_bufpress"))
        .args(["-z", "-f", "gzip", "--rm", &dir.s("pipe")])
        .stdin(Stdio::null())
        .output()
        .expect("run bufpress");
    let err = String::from_utf8_lossy(&out.stderr);
    let fifo_kept = std::fs::symlink_metadata(&fifo).is_ok();
    if !writer.is_finished() {
        // Unblock the writer: open the FIFO for reading once.
        let _ = std::fs::File::open(&fifo);
    }
    writer.join().expect("writer");
    assert!(fifo_kept, "--rm removed the FIFO: {err} {:?}", dir.names());
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert_eq!(dir.names(), ["pipe"], "nothing written");

    // A character device node (root only: mknod), the same as /dev/null would be.
    let made = Command::new("mknod")
        .args([&dir.s("null"), "c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let out = Command::new(env!("CARGO_BIN_EXE_bufpress"))
            .args(["-z", "-f", "zstd", "--rm", &dir.s("null")])
            .stdin(Stdio::null())
            .output()
            .expect("run bufpress");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            std::fs::symlink_metadata(dir.path("null")).is_ok(),
            "--rm removed the device node: {err}"
        );
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(dir.names(), ["null", "pipe"], "nothing written");
    }
    // Without --rm a FIFO is read, as zstd does (and as `<(cmd)` needs).
    let writer = {
        let fifo = fifo.clone();
        let data = data.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .expect("open fifo");
            f.write_all(&data).expect("write fifo");
        })
    };
    let packed = ok(&["-z", "-f", "gzip", "-c", &dir.s("pipe")], &[]);
    writer.join().expect("writer");
    assert_eq!(ok(&["-d"], &packed), data);
}

/// Runs `script` with `sh -c`, `$1` being the bufpress binary; returns its status and
/// stderr.
fn sh(script: &str, dir: &Dir) -> (Option<i32>, String) {
    let out = Command::new("sh")
        .args(["-c", script, "sh", env!("CARGO_BIN_EXE_bufpress")])
        .current_dir(&dir.0)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file size limit (`ulimit -f`) reached while the output is written: the kernel
/// sends SIGXFSZ, whose default action kills the process, and before the fix the
/// temporary file (`.big.gz.bufpress-*.tmp`, the size of the limit) was left behind;
/// gzip removes its output on SIGXFSZ. Now the write fails with "File too large":
/// status 1, one line, the temporary file removed, the input kept.
#[test]
fn a_file_size_limit_leaves_no_temporary_file() {
    let dir = Dir::new("xfsz");
    // Random data: the output is about as large as the input, far over the limit.
    let data = corpus::make(corpus::Kind::Random, 3_000_000, 32);
    std::fs::write(dir.path("big"), &data).expect("write");
    // `ulimit -f` counts 512-byte blocks in POSIX sh (1 KiB in bash): 1 MB at most.
    let (code, err) = sh(
        r#"ulimit -f 1000 && exec "$1" -z -f gzip -1 --rm big"#,
        &dir,
    );
    assert_eq!(dir.names(), ["big"], "leftovers: {err}");
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("big.gz"), "{err}");
    assert_eq!(std::fs::read(dir.path("big")).expect("read"), data);
}

/// SIGXCPU (a CPU time limit, `ulimit -t`) ends a run as SIGTERM does: the temporary
/// file is removed, status 128 + SIGXCPU. Before the fix the signal's default action
/// killed the process and left the file. The input is a FIFO held open, so the run
/// is in the middle of writing when the signal comes.
#[test]
fn a_cpu_time_limit_signal_removes_the_temporary_file() {
    let dir = Dir::new("xcpu");
    let fifo = dir.path("f");
    if !mkfifo(&fifo) {
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
        .args(["-z", "-f", "zstd", &dir.s("f")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bufpress");
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open fifo");
    writer
        .write_all(&corpus::mixed(10_000, 33))
        .expect("write fifo");
    wait_for_temp(&dir);
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -XCPU {}", child.id())])
        .status();
    assert!(killed.expect("sh").success());
    let status = child.wait().expect("wait");
    drop(writer);
    assert_eq!(dir.names(), ["f"], "{status:?}");
    assert_eq!(status.code(), Some(128 + sigxcpu()), "{status:?}");
}

/// SIGXCPU's number (30 on MIPS, 24 elsewhere).
fn sigxcpu() -> i32 {
    if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
        30
    } else {
        24
    }
}

/// A reader of stderr that went away (`bufpress -tv f 2>&1 | head -c 0`): the messages
/// are lost, the run is not. Before the fix `eprintln!` panicked on the broken pipe
/// (status 101). Now the status says what happened: 0 for good data, 1 for bad.
#[test]
fn a_closed_stderr_pipe_is_no_panic() {
    let data = corpus::mixed(50_000, 34);
    let good = ok(&["-z", "-f", "zstd"], &data);
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 2] ^= 1; // the checksum
    for (args, input, want) in [
        (&["-t", "-v", "-"][..], &good, 0),
        (&["-d", "-v", "--stats", "-"], &good, 0),
        (&["-t", "-"], &bad, 1),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bufpress");
        // The reader of stderr goes away before bufpress writes a word: it writes only
        // once its input (held back until now) has ended.
        drop(child.stderr.take());
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input).expect("write stdin");
        drop(stdin);
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(want), "{args:?}: {status:?}");
    }
}

/// `bufpress -c FILE >> FILE` (stdout appends to the input): the input never ends, and
/// the file grew without bound (333 MB in 5 s here; gzip 1.12 does the same, `cat`
/// refuses: "input file is output file"). Now refused at once, status 2, the file
/// untouched. The run is bounded by `ulimit -f` in case it loops.
#[test]
fn stdout_appending_to_the_input_is_refused() {
    let dir = Dir::new("self-append");
    let data = corpus::make(corpus::Kind::Random, 300_000, 35);
    std::fs::write(dir.path("self"), &data).expect("write");
    for mode in [
        r#"-z -f lz4 -c self"#,
        r#"-z -f zstd -o - self"#,
        r#"-dc -f deflate -F self"#,
    ] {
        let script = format!(r#"ulimit -f 4000 && exec "$1" {mode} >> self"#);
        let (code, err) = sh(&script, &dir);
        assert_eq!(code, Some(2), "{mode}: {err}");
        assert!(err.contains("output"), "{mode}: {err}");
        assert_eq!(
            std::fs::read(dir.path("self")).expect("read"),
            data,
            "{mode}"
        );
    }
    // Another file on stdout is fine.
    let (code, err) = sh(r#"exec "$1" -z -f lz4 -c self > other"#, &dir);
    assert_eq!(code, Some(0), "{err}");
}

/// A file name near the file system's limit (255 bytes): `gzip` writes `NAME.gz` when
/// it fits, but bufpress's temporary name (`.NAME.gz.bufpress-XXXX.tmp`, 25 bytes
/// more) did not: "File name too long", status 1, for names of about 230 bytes and
/// more. The temporary name is now shortened to fit; the output keeps its full name.
#[test]
fn a_long_file_name_compresses_and_decompresses() {
    let dir = Dir::new("long-name");
    let data = corpus::mixed(20_000, 36);
    // 240 bytes of ASCII, and 240 bytes of two-byte characters.
    for name in ["x".repeat(240), "é".repeat(120)] {
        std::fs::write(dir.path(&name), &data).expect("write");
        ok(&["-z", "-f", "gzip", "--rm", &dir.s(&name)], &[]);
        assert_eq!(dir.names(), [format!("{name}.gz")]);
        ok(&["-d", "--rm", &dir.s(&format!("{name}.gz"))], &[]);
        assert_eq!(dir.names(), std::slice::from_ref(&name));
        assert_eq!(std::fs::read(dir.path(&name)).expect("read"), data);
        std::fs::remove_file(dir.path(&name)).expect("rm");
    }
}

/// A bad thread count is named as it was typed: `--threads=x` was reported as `-Tx`.
#[test]
fn a_bad_thread_count_is_named_as_typed() {
    for (args, says) in [
        (&["-z", "-f", "zstd", "--threads=x"][..], "--threads=x"),
        (&["-z", "-f", "zstd", "-Tx"], "-Tx"),
        (&["-d", "-T-1"], "-T-1"),
    ] {
        let (code, err) = common::fails(args, &[]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// `-F --rm` on a symbolic link (held: a guard): the link is the input given, so it is
/// what `--rm` removes; its target stays, byte for byte. Without `-F` the link is
/// skipped and nothing is removed.
#[test]
fn rm_on_a_followed_link_removes_the_link_never_its_target() {
    let dir = Dir::new("rm-link");
    let data = corpus::mixed(30_000, 37);
    std::fs::write(dir.path("target"), &data).expect("write");
    std::os::unix::fs::symlink("target", dir.path("link")).expect("symlink");
    let (code, _) = common::fails(&["-z", "-f", "zstd", "--rm", &dir.s("link")], &[]);
    assert_eq!(code, 2);
    assert_eq!(dir.names(), ["link", "target"]);
    ok(&["-z", "-f", "zstd", "-F", "--rm", &dir.s("link")], &[]);
    assert_eq!(dir.names(), ["link.zst", "target"]);
    assert_eq!(std::fs::read(dir.path("target")).expect("read"), data);
    // Decompressing through a link to the compressed file.
    std::fs::rename(dir.path("link.zst"), dir.path("packed.zst")).expect("mv");
    std::os::unix::fs::symlink("packed.zst", dir.path("l.zst")).expect("symlink");
    ok(&["-d", "-F", "--rm", &dir.s("l.zst")], &[]);
    assert_eq!(dir.names(), ["l", "packed.zst", "target"]);
    assert_eq!(std::fs::read(dir.path("l")).expect("read"), data);
}

/// Under a memory limit (`ulimit -v`, a container), `-d --long=30` reserves its 1 GiB
/// window up front, whatever the frame needs (`zstd -d --long=30` allocates for the
/// frame and succeeds); the allocation fails and Rust aborts (SIGABRT, status 134)
/// after the temporary output file was created, and abort runs no destructor: the file
/// was left behind. SIGABRT now removes it as SIGTERM does. (The up-front reservation
/// itself is the CLI's design: bounded memory, allocated once.)
#[test]
fn an_allocation_failure_leaves_no_temporary_file() {
    if !tools::available("zstd") {
        return;
    }
    let dir = Dir::new("oom");
    let data = corpus::mixed(1000, 38);
    std::fs::write(
        dir.path("small.zst"),
        tools::pipe("zstd", &["-q", "-c"], &data),
    )
    .expect("write");
    let (code, err) = sh(
        r#"ulimit -v 600000 && exec "$1" -d --long=30 small.zst"#,
        &dir,
    );
    assert_eq!(dir.names(), ["small.zst"], "{code:?}: {err}");
    assert_eq!(code, Some(134), "{err}");
}

/// A file name that is not UTF-8 (Linux allows any bytes but `/` and NUL): `gzip -d`
/// strips `.gz` from it, bufpress said "unknown suffix" (its suffix test read the name
/// as UTF-8). Compressing it already worked; now both ways do, and a name with the
/// suffix is not compressed again.
#[test]
fn a_name_that_is_not_utf8_keeps_its_suffix_rules() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new("non-utf8");
    let data = corpus::mixed(10_000, 39);
    let name = dir.0.join(OsStr::from_bytes(b"a\xffb"));
    let packed = dir.0.join(OsStr::from_bytes(b"a\xffb.gz"));
    std::fs::write(&name, &data).expect("write");
    let run = |args: &[&OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_bufpress"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run bufpress")
    };
    let z = |s: &str| OsStr::new(s).to_owned();
    let out = run(&[&z("-z"), &z("-f"), &z("gzip"), &z("--rm"), name.as_os_str()]);
    assert!(out.status.success(), "{out:?}");
    // Already has the suffix: refused, as for any name.
    let out = run(&[&z("-z"), &z("-f"), &z("gzip"), packed.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = run(&[&z("-d"), &z("--rm"), packed.as_os_str()]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(std::fs::read(&name).expect("read"), data);
    assert!(!packed.exists());
}

/// `--rm` of a file with other hard links: gzip refuses it ("has 1 other link --
/// file ignored", status 2) unless forced, since removing one name leaves the content
/// under the others, uncompressed. bufpress the same: skipped with a warning, nothing
/// written or removed; with `-F` it compresses and removes this name only.
#[test]
fn rm_of_a_file_with_other_hard_links_needs_force() {
    let dir = Dir::new("rm-hardlink");
    let data = corpus::mixed(20_000, 32);
    std::fs::write(dir.path("a"), &data).unwrap();
    std::fs::hard_link(dir.path("a"), dir.path("b")).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_bufpress"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run bufpress")
    };
    let out = run(&["-z", "-f", "gzip", "--rm", &dir.s("a")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has 1 other link"), "{err}");
    assert_eq!(dir.names(), ["a", "b"], "nothing written or removed");
    // Without --rm the links do not matter.
    let out = run(&["-z", "-f", "gzip", &dir.s("a")]);
    assert!(out.status.success(), "{out:?}");
    std::fs::remove_file(dir.path("a.gz")).unwrap();
    // Forced: this name goes, the other keeps the content.
    let out = run(&["-z", "-f", "gzip", "--rm", "-F", &dir.s("a")]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(dir.names(), ["a.gz", "b"]);
    assert!(std::fs::read(dir.path("b")).unwrap() == data);
}

/// A closed stdout (`bufpress -zc a >&-`): Rust's runtime puts `/dev/null`, opened
/// read-write, where a standard descriptor was closed, so the output went nowhere and
/// the status was 0 (and a closed stdin was an empty input). gzip says "stdout: Bad file descriptor", status 1; so does bufpress
/// now, before it reads a byte. `/dev/null` given by the caller is still an output,
/// and `-t` writes no output at all.
#[test]
fn a_closed_stdout_is_an_error_not_lost_output() {
    let dir = Dir::new("closed-stdout");
    let data = corpus::mixed(20_000, 35);
    std::fs::write(dir.path("a"), &data).expect("write a");
    std::fs::write(dir.path("a.gz"), ok(&["-z", "-f", "gzip"], &data)).expect("write a.gz");
    for script in [
        r#""$1" -zc -f gzip a >&-"#,
        r#""$1" -z -f gzip <a >&-"#,
        r#""$1" -dc a.gz >&-"#,
        r#""$1" decompress - <a.gz >&-"#,
        // A closed stdin is no input, not an empty one (gzip: "stdin: Bad file
        // descriptor").
        r#""$1" -z -f gzip -o b.gz <&-"#,
        r#""$1" -t - <&-"#,
    ] {
        let (code, err) = sh(script, &dir);
        assert_eq!(code, Some(1), "{script}: {err}");
        assert!(
            (err.contains("stdout") || err.contains("stdin")) && err.lines().count() == 1,
            "{script}: {err}"
        );
    }
    assert!(!dir.path("b.gz").exists(), "no output for no input");
    // `/dev/null` opened read-write is an output too (Python's and Go's way of giving
    // a child no stdout): only a descriptor closed at start is refused.
    for script in [
        r#""$1" -zc -f gzip a >/dev/null"#,
        r#""$1" -zc -f gzip a 1<>/dev/null"#,
        r#""$1" -z -f gzip -o c.gz 0<>/dev/null"#,
        r#""$1" -t a.gz >&-"#,
    ] {
        let (code, err) = sh(script, &dir);
        assert_eq!(code, Some(0), "{script}: {err}");
    }
    assert_eq!(
        std::fs::read(dir.path("a")).expect("a"),
        data,
        "the input kept"
    );
}

/// Outside audit of the closed-stdout fix: `--help`, `--version` and `bench` print
/// their text through `print_out`, which did not look at a stdout closed at start, so
/// the text went into the `/dev/null` Rust's runtime puts there and the status was 0
/// (gzip: "Bad file descriptor", status 1). `bench` still writes its chart, as when
/// the reader of the table went away. `/dev/null` given by the caller is still fine.
#[test]
fn help_version_and_bench_into_a_closed_stdout_fail() {
    let dir = Dir::new("closed-stdout-text");
    std::fs::write(dir.path("small"), corpus::mixed(9_000, 16)).expect("write small");
    for script in [
        r#""$1" --help >&-"#,
        r#""$1" --version >&-"#,
        r#""$1" bench --quick --plot chart.svg small >&-"#,
    ] {
        let (code, err) = sh(script, &dir);
        assert_eq!(code, Some(1), "{script}: {err}");
        assert!(
            err.contains("stdout: Bad file descriptor") && !err.contains("panicked"),
            "{script}: {err}"
        );
    }
    let chart = std::fs::read_to_string(dir.path("chart.svg")).expect("chart");
    assert!(chart.starts_with("<svg"));
    for script in [
        r#""$1" --help >/dev/null"#,
        r#""$1" --version 1<>/dev/null"#,
    ] {
        let (code, err) = sh(script, &dir);
        assert_eq!(code, Some(0), "{script}: {err}");
    }
}

/// More closed standard descriptors (outside audit; these passed): several inputs into
/// a closed stdout fail one by one, each with its line; a closed stderr too (the status
/// still says it); a closed stdin that is not read is no error, nor a closed stdout
/// that is not written (`-t`, `-o`).
#[test]
fn closed_standard_descriptors_in_more_combinations() {
    let dir = Dir::new("closed-more");
    let data = corpus::mixed(30_000, 36);
    std::fs::write(dir.path("a"), &data).expect("write a");
    std::fs::write(dir.path("b"), &data[..1000]).expect("write b");
    std::fs::write(dir.path("a.zst"), ok(&["-z", "-f", "zstd"], &data)).expect("a.zst");
    for (script, code, lines) in [
        (r#""$1" -zc -f gzip a b >&-"#, 1, 2),
        (r#""$1" -zc -f lz4 b - <a >&-"#, 1, 2),
        (r#""$1" -dc a.zst a.zst >&-"#, 1, 2),
        (r#""$1" -zc -f gzip a >&- 2>&-"#, 1, 0),
        (r#""$1" -z -f gzip >&- <&-"#, 1, 1),
        (r#""$1" -t a.zst <&- >&-"#, 0, 0),
        (r#""$1" -d a.zst -o c <&- >&-"#, 0, 0),
        (r#""$1" -zc -f zstd a <&- | "$1" -dc -o d"#, 0, 0),
    ] {
        let (got, err) = sh(script, &dir);
        assert_eq!(got, Some(code), "{script}: {err}");
        assert_eq!(err.lines().count(), lines, "{script}: {err}");
        assert!(
            err.lines()
                .all(|l| l.contains("stdout: Bad file descriptor")
                    || l.contains("stdin: Bad file descriptor")),
            "{script}: {err}"
        );
    }
    assert!(std::fs::read(dir.path("a")).expect("a kept") == data);
    assert!(std::fs::read(dir.path("b")).expect("b kept") == data[..1000]);
    assert!(std::fs::read(dir.path("c")).expect("c") == data);
    assert!(std::fs::read(dir.path("d")).expect("d") == data);
}

/// `-dc` of a gzip file whose second member is corrupt: as gzip, the first member's
/// bytes are on stdout before the error (status 1). They were not when the whole output
/// fitted in the output buffer (256 KiB): what it held was dropped at the error, so
/// the result depended on the sizes.
#[test]
fn decoding_to_stdout_writes_what_came_before_an_error() {
    for len in [1_000, 100_000, 600_000] {
        let (a, b) = (corpus::mixed(len, 41), corpus::mixed(len, 42));
        let mut packed = ok(&["-z", "-f", "gzip"], &a);
        let second = ok(&["-z", "-f", "gzip"], &b);
        let at = packed.len() + second.len() - 6; // the second member's CRC-32
        packed.extend_from_slice(&second);
        packed[at] ^= 1;
        let out = common::bufpress(&["-dc", "-f", "gzip", "-"], &packed);
        assert_eq!(out.status.code(), Some(1), "{len}");
        assert!(
            out.stdout.len() >= a.len() && out.stdout[..a.len()] == a[..],
            "{len}: stdout has {} bytes, the first member {}",
            out.stdout.len(),
            a.len()
        );
        assert!(
            out.stdout[a.len()..] == b[..out.stdout.len() - a.len()],
            "{len}"
        );
    }
}

// An outside audit of `-dc` writing what came before an error (the test above): every
// format, several inputs, file outputs, `-t`, `--rm`, a closed pipe, a full device.

/// The formats, by their `-f` names.
const FORMATS: [&str; 5] = ["lz4", "gzip", "zlib", "deflate", "zstd"];

/// `data` packed as `format`, its last three bytes cut off (a checksum, an end mark or
/// the end of the last block: the stream is truncated in every format).
fn truncated(format: &str, data: &[u8]) -> Vec<u8> {
    let mut packed = ok(&["-z", "-f", format], data);
    packed.truncate(packed.len() - 3);
    packed
}

/// The stderr lines of a run, each checked to be a bufpress message (no panic).
fn lines(stderr: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stderr);
    assert!(!text.contains("panicked"), "{text}");
    text.lines().map(str::to_owned).collect()
}

/// Every format, truncated, to stdout (`-dc` and `decompress -c -`): status 1, one line
/// naming the truncation, and stdout a prefix of the data, most of it (all of it went
/// through the 256 KiB output buffer, which was dropped before the change).
#[test]
fn every_format_truncated_to_stdout_writes_a_prefix() {
    let data = corpus::mixed(100_000, 51);
    for format in FORMATS {
        let packed = truncated(format, &data);
        for args in [
            &["-dc", "-f", format, "-"][..],
            &["decompress", "-f", format, "-c", "-"][..],
        ] {
            let out = common::bufpress(args, &packed);
            let err = lines(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} {err:?}");
            assert_eq!(err.len(), 1, "{args:?} {err:?}");
            assert!(err[0].contains("truncated"), "{args:?} {err:?}");
            let n = out.stdout.len();
            assert!(
                n >= data.len() / 2 && n <= data.len() && out.stdout == data[..n],
                "{args:?}: stdout has {n} bytes, not a prefix of the {} bytes",
                data.len()
            );
        }
    }
}

/// A gzip member (and an lz4, zlib or zstd frame) whose checksum is wrong: gzip writes
/// the member's data, then says "crc error"; the first error, when it is in the last
/// member, gives all but the bytes decoded by the failing call, and `-dc` of a small
/// file gives nothing, so the output still depends on the sizes.
#[test]
#[ignore = "core `Decode::decode` keeps nothing of a failing call (its documented contract): \
            the bytes decoded in the call that finds a bad checksum are lost; needs a core \
            API change (an error that says what was appended)"]
fn a_bad_checksum_in_the_last_member_still_gives_its_data() {
    let data = corpus::mixed(10_000, 52);
    for format in ["lz4", "gzip", "zlib", "zstd"] {
        let mut packed = ok(&["-z", "-f", format], &data);
        let at = packed.len() - 2; // in the checksum (gzip: ISIZE, checked too)
        packed[at] ^= 1;
        let out = common::bufpress(&["-dc", "-f", format, "-"], &packed);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert_eq!(lines(&out.stderr).len(), 1, "{format}");
        assert!(
            out.stdout == data,
            "{format}: stdout has {} bytes, the data {}",
            out.stdout.len(),
            data.len()
        );
    }
}

/// Several inputs with `-dc`, two failing in the middle (a truncated one, a corrupt
/// second member): the output is each input's own `-dc` output in order, the good
/// inputs' whole data; status 1 (as gzip: an input failed), one line per failing input,
/// in order, naming it.
#[test]
fn several_inputs_to_stdout_one_failing_in_the_middle() {
    let dir = Dir::new("dc-several");
    let (a, b, c) = (
        corpus::mixed(300_000, 53),
        corpus::mixed(20_000, 54),
        corpus::mixed(70_000, 55),
    );
    std::fs::write(dir.path("1.zst"), ok(&["-z", "-f", "zstd"], &a)).expect("1");
    std::fs::write(dir.path("2.gz"), truncated("gzip", &b)).expect("2");
    let mut bad = ok(&["-z", "-f", "gzip"], &c);
    let mut second = ok(&["-z", "-f", "gzip"], &b);
    let at = second.len() / 2;
    second[at] ^= 0x55;
    bad.extend_from_slice(&second);
    std::fs::write(dir.path("3.gz"), &bad).expect("3");
    std::fs::write(dir.path("4.lz4"), ok(&["-z", "-f", "lz4"], &c)).expect("4");
    std::fs::write(dir.path("5.zz"), ok(&["-z", "-f", "zlib"], &a)).expect("5");
    let names = ["1.zst", "2.gz", "3.gz", "4.lz4", "5.zz"];
    let paths: Vec<String> = names.iter().map(|n| dir.s(n)).collect();
    let alone: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| common::bufpress(&["-dc", p], &[]).stdout)
        .collect();
    assert!(alone[0] == a && alone[3] == c && alone[4] == a);
    assert!(alone[2].len() >= c.len() && alone[2][..c.len()] == c[..]);
    let mut args = vec!["-dc"];
    args.extend(paths.iter().map(String::as_str));
    let out = common::bufpress(&args, &[]);
    let err = lines(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err:?}");
    assert_eq!(err.len(), 2, "{err:?}");
    assert!(
        err[0].contains("2.gz") && err[0].contains("truncated"),
        "{err:?}"
    );
    assert!(err[1].contains("3.gz"), "{err:?}");
    assert!(
        out.stdout == alone.concat(),
        "the output is not the inputs' in order"
    );
    // The same with `-t`: nothing written, the same lines.
    let mut args = vec!["-t"];
    args.extend(paths.iter().map(String::as_str));
    let out = common::bufpress(&args, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "-t wrote {} bytes", out.stdout.len());
    assert_eq!(lines(&out.stderr), err);
}

/// Decoding to a file that fails (next to the input, `-o FILE`, `--rm`): status 1, one
/// line, no output file, no temporary file, the input kept, as before the change.
#[test]
fn decoding_to_a_file_that_fails_leaves_nothing() {
    let data = corpus::mixed(400_000, 56);
    for format in FORMATS {
        let dir = Dir::new(&format!("dc-file-{format}"));
        let suffix = match format {
            "lz4" => "lz4",
            "gzip" => "gz",
            "zlib" => "zz",
            "deflate" => "deflate",
            _ => "zst",
        };
        let name = format!("x.{suffix}");
        let packed = truncated(format, &data);
        std::fs::write(dir.path(&name), &packed).expect("write");
        for extra in [
            &[][..],
            &["--rm"][..],
            &["-o", "out"][..],
            &["--rm", "-o", "out"],
        ] {
            let mut args = vec!["-d", "-f", format];
            args.extend_from_slice(extra);
            args.push(&name);
            let script = format!("\"$1\" {} 2>err; echo $? >status", args.join(" "));
            let (code, _) = sh(&script, &dir);
            assert_eq!(code, Some(0));
            let status = std::fs::read_to_string(dir.path("status")).expect("status");
            let err = lines(&std::fs::read(dir.path("err")).expect("err"));
            assert_eq!(status.trim(), "1", "{format} {extra:?} {err:?}");
            assert_eq!(err.len(), 1, "{format} {extra:?} {err:?}");
            assert!(err[0].contains("truncated"), "{format} {extra:?} {err:?}");
            assert_eq!(
                dir.names(),
                ["err", "status", name.as_str()],
                "{format} {extra:?}"
            );
            assert!(std::fs::read(dir.path(&name)).expect("kept") == packed);
        }
    }
}

/// A reader of stdout that went away (`| head -c 10`) while inputs fail: status 141
/// (quiet) or 1 (the data error, the flush's broken pipe not reported), one line at
/// most, no panic; also when the failing input is first and good ones follow.
#[test]
fn decoding_errors_into_a_closed_pipe() {
    let dir = Dir::new("dc-pipe");
    let small = corpus::mixed(50_000, 57);
    let big = corpus::mixed(900_000, 58);
    std::fs::write(dir.path("small.gz"), truncated("gzip", &small)).expect("small");
    std::fs::write(dir.path("big.zst"), truncated("zstd", &big)).expect("big");
    std::fs::write(dir.path("good.gz"), ok(&["-z", "-f", "gzip"], &big)).expect("good");
    for inputs in [
        "small.gz",
        "big.zst",
        "small.gz good.gz",
        "big.zst small.gz good.gz",
    ] {
        let script =
            format!("{{ \"$1\" -dc {inputs} 2>err; echo $? >status; }} | head -c 10 >/dev/null");
        let (code, _) = sh(&script, &dir);
        assert_eq!(code, Some(0));
        let status = std::fs::read_to_string(dir.path("status")).expect("status");
        let err = lines(&std::fs::read(dir.path("err")).expect("err"));
        assert!(
            ["1", "141"].contains(&status.trim()),
            "{inputs}: {status} {err:?}"
        );
        assert!(err.len() <= 1, "{inputs}: {err:?}");
        assert!(
            err.iter().all(|l| l.contains("truncated")),
            "{inputs}: {err:?}"
        );
    }
}

/// A full device as stdout (`> /dev/full`): the error reported is the first one. A
/// truncated input that fits in the output buffer fails on the truncation first (the
/// flush that follows fails too, unreported); a large one on the write first. One line.
#[test]
fn decoding_errors_into_a_full_device_report_the_first_error() {
    if !std::path::Path::new("/dev/full").exists() {
        assert!(!tools::under_ci(), "/dev/full is missing");
        eprintln!("skipping: no /dev/full");
        return;
    }
    let dir = Dir::new("dc-full");
    std::fs::write(
        dir.path("small.gz"),
        truncated("gzip", &corpus::mixed(50_000, 59)),
    )
    .expect("small");
    let big = corpus::mixed(900_000, 60);
    std::fs::write(dir.path("big.gz"), truncated("gzip", &big)).expect("big");
    for (input, first) in [("small.gz", "truncated"), ("big.gz", "No space left")] {
        let (code, err) = sh(&format!("\"$1\" -dc {input} >/dev/full"), &dir);
        let err = lines(err.as_bytes());
        assert_eq!(code, Some(1), "{input}: {err:?}");
        assert_eq!(err.len(), 1, "{input}: {err:?}");
        assert!(err[0].contains(first), "{input}: {err:?}");
    }
}
