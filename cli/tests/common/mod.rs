//! What the CLI's test files share: running the built `bufpress`, and a scratch
//! directory.
#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub(crate) fn bufpress(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bufpress"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bufpress");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // bufpress may exit before reading everything (a usage error): ignore EPIPE.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for bufpress");
    writer.join().expect("writer");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "bufpress panicked: {stderr}");
    out
}

pub(crate) fn ok(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let out = bufpress(args, stdin);
    assert!(
        out.status.success(),
        "bufpress {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Exit code and stderr of a run expected to fail.
pub(crate) fn fails(args: &[&str], stdin: &[u8]) -> (i32, String) {
    let out = bufpress(args, stdin);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().expect("exited, not killed by a signal");
    assert_ne!(code, 0, "bufpress {args:?} succeeded");
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    (code, err)
}

/// A fresh directory, removed on drop.
pub(crate) struct Dir(pub(crate) PathBuf);

impl Dir {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("bufpress-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub(crate) fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Names in the directory.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
