//! The reference command-line tools (`lz4`, `gzip`, `zstd`, `python3`) for interop
//! tests.
//!
//! `.ci/run` installs them. Locally a missing tool skips the test with a message; under
//! CI (`CI=true` or `CI=1` in the environment, as `.ci/test` exports it) it fails the
//! test, so an interop test can never pass by not running.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `name` runs here.
///
/// # Panics
///
/// Under CI, when it does not.
pub fn available(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            !under_ci(),
            "{name} is not installed, and CI must run every interop test (.ci/run installs it)"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// Whether this runs under CI: `CI` is set to anything but empty, `0` or `false` (in
/// any case; `.ci/test` reads it the same way).
pub fn under_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

/// Runs `name args` with `input` on stdin; returns stdout.
///
/// # Panics
///
/// When the tool cannot run or exits with an error.
pub fn pipe(name: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(name)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for the tool");
    writer
        .join()
        .expect("writer thread")
        .expect("write to the tool");
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
