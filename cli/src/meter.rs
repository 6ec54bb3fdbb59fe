//! The progress bar (stderr, only when it is a terminal and the work takes more than
//! a second) and the `--stats` report. Neither allocates: lines are formatted into a
//! stack buffer and written with one call.

use std::fs::File;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// Bytes in and out so far.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Totals {
    /// Input bytes consumed.
    pub(crate) read: u64,
    /// Output bytes written.
    pub(crate) written: u64,
}

/// Draws a progress bar on stderr once the work has run for a second.
pub(crate) struct Meter {
    enabled: bool,
    start: Instant,
    last: Option<Instant>,
    total: Option<u64>,
}

const FIRST_DRAW: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(200);
const BAR: usize = 24;

impl Meter {
    /// A meter for an input of `total` bytes (when known); draws nothing unless
    /// `enabled`.
    pub(crate) fn new(enabled: bool, total: Option<u64>) -> Self {
        Self {
            enabled,
            start: Instant::now(),
            last: None,
            total,
        }
    }

    /// Redraws the bar if it is time to.
    pub(crate) fn tick(&mut self, t: Totals) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let due = match self.last {
            None => now.duration_since(self.start) >= FIRST_DRAW,
            Some(last) => now.duration_since(last) >= REDRAW,
        };
        if due {
            self.last = Some(now);
            self.draw(t, now);
        }
    }

    fn draw(&self, t: Totals, now: Instant) {
        let mut line = [0u8; 160];
        let mut w = &mut line[..];
        let secs = now.duration_since(self.start).as_secs_f64().max(1e-9);
        let _ = write!(w, "\rbufpress: ");
        if let Some(total) = self.total.filter(|&n| n > 0) {
            let frac = (t.read as f64 / total as f64).min(1.0);
            let full = (frac * BAR as f64) as usize;
            let _ = write!(w, "{:3.0}% [", frac * 100.0);
            for i in 0..BAR {
                let _ = w.write_all(if i < full { b"#" } else { b" " });
            }
            let _ = write!(w, "] ");
        }
        let _ = write!(
            w,
            "{:.1} MB in, {:.1} MB out, {:.0} MB/s \x1b[K",
            t.read as f64 / 1e6,
            t.written as f64 / 1e6,
            t.read as f64 / 1e6 / secs
        );
        let left = w.len();
        let used = line.len() - left;
        let _ = io::stderr().write_all(&line[..used]);
    }

    /// Clears the bar, if one was drawn.
    pub(crate) fn finish(&mut self) {
        if self.last.is_some() {
            let _ = io::stderr().write_all(b"\r\x1b[K");
            self.last = None;
        }
    }
}

/// The process's peak resident set size in kB (`VmHWM` in `/proc/self/status`).
pub(crate) fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

/// The process's resident set size now, in kB (`VmRSS` in `/proc/self/status`).
pub(crate) fn current_rss_kb() -> Option<u64> {
    status_kb("VmRSS:")
}

/// A kB field of `/proc/self/status`, read into a stack buffer (no allocation).
fn status_kb(key: &str) -> Option<u64> {
    let mut buf = [0u8; 8192];
    let mut file = File::open("/proc/self/status").ok()?;
    let mut len = 0;
    loop {
        match file.read(buf.get_mut(len..)?) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(_) => return None,
        }
        if len == buf.len() {
            break;
        }
    }
    let text = std::str::from_utf8(buf.get(..len)?).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What `--stats` prints.
pub(crate) struct Report<'a> {
    /// "compress lz4", "decompress gzip".
    pub(crate) what: &'a str,
    /// Bytes in and out.
    pub(crate) totals: Totals,
    /// Time in the streaming loop.
    pub(crate) elapsed: Duration,
    /// Whether the input is the uncompressed side.
    pub(crate) compressing: bool,
    /// The I/O pool: high-water mark, capacity, buffer size.
    pub(crate) pool: (usize, usize, usize),
    /// Heap allocations during the streaming loop.
    pub(crate) allocations: u64,
}

impl Report<'_> {
    /// Prints the report on stderr.
    pub(crate) fn print(&self) {
        let t = self.totals;
        let (plain, packed) = if self.compressing {
            (t.read, t.written)
        } else {
            (t.written, t.read)
        };
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let ratio = if packed > 0 {
            plain as f64 / packed as f64
        } else {
            0.0
        };
        let (high, cap, size) = self.pool;
        let rss = peak_rss_kb().map_or_else(|| "unknown".to_owned(), |kb| format!("{kb} kB"));
        crate::failure::say(format_args!(
            "bufpress stats ({}):\n  \
             bytes in: {}\n  \
             bytes out: {}\n  \
             ratio: {ratio:.3} (compressed is {:.1}% of the original)\n  \
             time: {:.3} s\n  \
             throughput: {:.1} MB/s of uncompressed data ({:.1} MB/s in)\n  \
             pool high-water: {high} of {cap} buffers of {} KiB\n  \
             heap allocations after warm-up: {}\n  \
             peak RSS (VmHWM): {rss}",
            self.what,
            t.read,
            t.written,
            if plain > 0 {
                packed as f64 * 100.0 / plain as f64
            } else {
                0.0
            },
            secs,
            plain as f64 / 1e6 / secs,
            t.read as f64 / 1e6 / secs,
            size / 1024,
            self.allocations,
        ));
    }
}
