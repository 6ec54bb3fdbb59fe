//! The command line, parsed by hand: a handful of options need no parser crate (and
//! no proc macros, no extra build time).

use std::ffi::OsString;
use std::path::PathBuf;

use crate::format::Format;

/// What to do.
#[derive(Debug)]
pub(crate) enum Command {
    /// `compress` or `decompress`.
    Run(Job),
    /// `bench [FILES...] [--plot FILE]`.
    Bench {
        /// Files to use instead of the built-in corpus.
        files: Vec<PathBuf>,
        /// Where to write the SVG chart.
        plot: Option<PathBuf>,
        /// A short run (smaller corpora, 5 rounds of 4-10 ms windows), for tests.
        quick: bool,
    },
    /// `--help`.
    Help,
    /// `--version`.
    Version,
}

/// A `compress` or `decompress` run.
#[derive(Debug)]
pub(crate) struct Job {
    /// Compress (or decompress).
    pub(crate) compress: bool,
    /// The format; `None` for `decompress` means detect it.
    pub(crate) format: Option<Format>,
    /// The level (`compress` only).
    pub(crate) level: Option<i32>,
    /// The input file (stdin when none, or `-`).
    pub(crate) input: Option<PathBuf>,
    /// The output file (stdout when none, or `-`).
    pub(crate) output: Option<PathBuf>,
    /// Replace an existing output.
    pub(crate) force: bool,
    /// Print statistics on stderr.
    pub(crate) stats: bool,
    /// Never draw a progress bar.
    pub(crate) quiet: bool,
}

/// The usage text (`--help`).
pub(crate) const USAGE: &str = "\
bufpress: compress and decompress through a fixed buffer pool (no heap allocation after warm-up)

usage:
  bufpress compress -f FORMAT [-l LEVEL] [INPUT] [-o OUTPUT] [--force] [--stats] [-q]
  bufpress decompress [-f FORMAT|auto] [INPUT] [-o OUTPUT] [--force] [--stats] [-q]
  bufpress bench [FILES...] [--plot FILE.svg] [--quick]

FORMAT: lz4 (frame format), gzip, zlib, deflate (raw), zstd. `decompress` detects
lz4, gzip, zlib and zstd from the magic bytes when -f is missing or `auto`; raw
deflate needs `-f deflate`. Without INPUT (or with `-`) it reads stdin; without -o
(or with `-o -`) it writes stdout.

LEVEL: lz4 1 (the only level); gzip, zlib, deflate 0-9 (default 6); zstd 1-19
(default 3).

-o writes a temporary file next to OUTPUT and renames it on success: a failure never
leaves a partial OUTPUT. An existing OUTPUT is replaced only with --force.

--stats   bytes in and out, ratio, throughput, the pool's high-water mark, the heap
          allocations after warm-up and the peak RSS, on stderr
bench     bufpress's pooled path against the libraries' naive per-call APIs, like
          with like, in alternating rounds (about a minute): every format at 4 KiB,
          64 KiB and 1 MiB on one thread, lz4, zstd and gzip at 1-4 KiB on one and
          two threads per core; MB/s, latency percentiles, heap calls, page faults,
          resident memory, median ratios with their spread and a verdict per goal;
          on FILES or built-in corpora. --plot writes an SVG chart (throughput and
          latency); --quick is a short, noisy run.
-q        no progress bar (it is drawn only when stderr is a terminal and the work
          takes more than a second)

exit status: 0 success, 1 bad data or an I/O error (one line on stderr), 2 usage error
";

/// Parses the arguments after the program name.
///
/// # Errors
///
/// A usage error message.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(cmd) = args.next() else {
        return Err("no command given (compress, decompress, bench; --help)".into());
    };
    match cmd.to_str() {
        Some("compress" | "c") => parse_job(true, args).map(Command::Run),
        Some("decompress" | "d") => parse_job(false, args).map(Command::Run),
        Some("bench") => parse_bench(args),
        Some("-h" | "--help" | "help") => Ok(Command::Help),
        Some("-V" | "--version") => Ok(Command::Version),
        _ => Err(format!(
            "unknown command {:?} (compress, decompress, bench; --help)",
            cmd.to_string_lossy()
        )),
    }
}

/// Splits `--name=value` and `-xVALUE` forms; returns (option, inline value).
fn split(arg: &str) -> (&str, Option<&str>) {
    if let Some(long) = arg.strip_prefix("--") {
        return match long.split_once('=') {
            Some((name, value)) => (&arg[..name.len() + 2], Some(value)),
            None => (arg, None),
        };
    }
    match arg.get(..2) {
        Some(short @ ("-f" | "-l" | "-o")) if arg.len() > 2 => (short, arg.get(2..)),
        _ => (arg, None),
    }
}

fn value(
    name: &str,
    inline: Option<&str>,
    args: &mut impl Iterator<Item = OsString>,
) -> Result<OsString, String> {
    match inline {
        Some(v) => Ok(v.into()),
        None => args.next().ok_or_else(|| format!("{name} needs a value")),
    }
}

fn parse_job(compress: bool, mut args: impl Iterator<Item = OsString>) -> Result<Job, String> {
    let mut job = Job {
        compress,
        format: None,
        level: None,
        input: None,
        output: None,
        force: false,
        stats: false,
        quiet: false,
    };
    let mut only_paths = false;
    while let Some(arg) = args.next() {
        let text = arg.to_str().unwrap_or("");
        if only_paths || text == "-" || !text.starts_with('-') {
            if job.input.is_some() {
                return Err("more than one INPUT given".into());
            }
            job.input = (text != "-" || only_paths).then(|| PathBuf::from(&arg));
            continue;
        }
        let (name, inline) = split(text);
        match name {
            "--" => only_paths = true,
            "-f" | "--format" => {
                let v = value(name, inline, &mut args)?;
                let v = v.to_str().unwrap_or("");
                if v == "auto" && !compress {
                    job.format = None;
                } else {
                    job.format = Some(Format::parse(v).ok_or_else(|| {
                        format!("unknown format {v:?} (lz4, gzip, zlib, deflate, zstd)")
                    })?);
                }
            }
            "-l" | "--level" => {
                let v = value(name, inline, &mut args)?;
                let v = v.to_str().unwrap_or("");
                job.level = Some(v.parse().map_err(|_| format!("bad level {v:?}"))?);
            }
            "-o" | "--output" => {
                let v = value(name, inline, &mut args)?;
                job.output = (v != "-").then(|| PathBuf::from(v));
            }
            "--force" | "-F" => job.force = true,
            "--stats" => job.stats = true,
            "-q" | "--quiet" => job.quiet = true,
            _ => return Err(format!("unknown option {text:?}")),
        }
    }
    check_job(&job)?;
    Ok(job)
}

fn check_job(job: &Job) -> Result<(), String> {
    if job.compress {
        let Some(format) = job.format else {
            return Err("compress needs -f FORMAT (lz4, gzip, zlib, deflate, zstd)".into());
        };
        if let Some(level) = job.level {
            format.check_level(level)?;
        }
    } else if job.level.is_some() {
        return Err("-l is for compress only".into());
    }
    if let (Some(i), Some(o)) = (&job.input, &job.output) {
        if i == o {
            return Err("INPUT and OUTPUT are the same file".into());
        }
    }
    Ok(())
}

fn parse_bench(mut args: impl Iterator<Item = OsString>) -> Result<Command, String> {
    let mut files = Vec::new();
    let mut plot = None;
    let mut quick = false;
    while let Some(arg) = args.next() {
        let text = arg.to_str().unwrap_or("");
        let (name, inline) = split(text);
        match name {
            "--plot" => plot = Some(PathBuf::from(value(name, inline, &mut args)?)),
            "--quick" => quick = true,
            _ if text.starts_with('-') && text != "-" => {
                return Err(format!("unknown option {text:?}"));
            }
            _ => files.push(PathBuf::from(arg)),
        }
    }
    Ok(Command::Bench { files, plot, quick })
}
