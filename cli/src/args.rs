//! The command line, parsed with `lexopt` (no dependencies, no proc macros: quick to
//! build). It runs before warm-up, so its allocations never reach the streaming loop.
//!
//! Two spellings of the same jobs: the subcommands (`bufpress compress -f zstd FILE`)
//! and the modes of `gzip`, `zstd` and `lz4` (`bufpress -z -f zstd FILE`,
//! `bufpress -d FILE.zst`, `bufpress -t FILE.gz`). The usage texts are below.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use lexopt::prelude::*;

use crate::codecs::{LONG_DEFAULT_WINDOW_LOG, LONG_WINDOW_LOGS};
use crate::format::Format;

/// What to do.
#[derive(Debug)]
pub(crate) enum Command {
    /// `compress`, `decompress` or `test` over one or more inputs.
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
    /// `--help`: the usage text to print.
    Help(&'static str),
    /// `--version`.
    Version,
}

/// What a run does with each input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `compress`, `-z`.
    Compress,
    /// `decompress`, `-d`.
    Decompress,
    /// `test`, `-t`: decompress and discard; only the exit status counts.
    Test,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Compress => "compress",
            Self::Decompress => "decompress",
            Self::Test => "test",
        }
    }
}

/// Where the output goes when `-o` or `-c` says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dest {
    /// `-c`, `--stdout`, `-o -`.
    Stdout,
    /// `-o FILE`.
    File(PathBuf),
}

/// A `compress`, `decompress` or `test` run.
#[derive(Debug)]
pub(crate) struct Job {
    /// What to do with each input.
    pub(crate) mode: Mode,
    /// The format; `None` when decompressing means detect it.
    pub(crate) format: Option<Format>,
    /// The level (compress only).
    pub(crate) level: Option<i32>,
    /// `--ultra`: zstd levels 20-22 (compress), windows up to 128 MiB (decompress).
    pub(crate) ultra: bool,
    /// `--long[=N]` (decompress): accept zstd windows up to 2^N bytes (the default
    /// limit when larger).
    pub(crate) long: Option<u32>,
    /// The inputs, in order; `None` is stdin. Never empty.
    pub(crate) inputs: Vec<Option<PathBuf>>,
    /// `-o` or `-c`; `None`: next to each input file (stdout for stdin).
    pub(crate) dest: Option<Dest>,
    /// `--rm`: remove each input file once its output is written and synced.
    pub(crate) remove: bool,
    /// Replace existing outputs, write compressed data to a terminal.
    pub(crate) force: bool,
    /// Print statistics on stderr.
    pub(crate) stats: bool,
    /// `-q`: no progress bar.
    pub(crate) quiet: bool,
    /// `-v`: one line per input on stderr.
    pub(crate) verbose: bool,
}

/// The usage text (`--help`).
pub(crate) const USAGE: &str = "\
bufpress: compress and decompress through a fixed buffer pool (no heap allocation after warm-up)

usage:
  bufpress compress   -f FORMAT [OPTIONS] [FILE...]     also: bufpress -z -f FORMAT [FILE...]
  bufpress decompress [-f FORMAT] [OPTIONS] [FILE...]   also: bufpress -d [FILE...]
  bufpress test       [-f FORMAT] [FILE...]             also: bufpress -t [FILE...]
  bufpress bench      [FILES...] [--plot FILE.svg] [--quick]
  bufpress help [COMMAND]     bufpress COMMAND --help     bufpress -V

FORMAT: lz4 (frame format), gzip (gz), zlib, deflate (raw), zstd (zst). Decompressing
detects lz4, gzip, zlib and zstd from the magic bytes; raw deflate needs -f deflate
(or a .deflate suffix).

Each FILE gets its output next to it: FILE.lz4, FILE.gz, FILE.zz (zlib), FILE.deflate,
FILE.zst when compressing; the suffix removed when decompressing (an unknown suffix
needs -o). Without FILE, or with `-`, stdin to stdout. The input is never modified or
removed (-k is the default; --rm removes it after its output is written and synced).

options:
  -z, --compress        compress (the mode of `compress`)
  -d, --decompress      decompress (the mode of `decompress`; also --uncompress)
  -t, --test            decompress and discard: the exit status tells
  -f, --format FORMAT   the format (`auto` to detect when decompressing)
  -l, --level N         the level; also -1 .. -19:
                          lz4 1; gzip, zlib, deflate 0-9 (6); zstd 1-19 (3)
      --ultra           zstd levels 20-22 (windows up to 128 MiB: up to 960 MiB of
                          memory, -v says how much); decompressing: accept windows
                          up to 128 MiB instead of 8 MiB
      --fast[=N]        zstd level -N (default 1): faster, larger
      --long[=N]        decompressing: accept zstd windows up to 2^N bytes (N 10-30,
                          default 27); it only raises the limit (`zstd -d --long=N`
                          also lowers it), so N below 23 keeps 8 MiB; compressing
                          with long-distance matching is not supported (refused)
  -T#, --threads=#      accepted for zstd's habit and ignored: one thread
  -o, --output FILE     write FILE (`-`: stdout); one input only
  -c, --stdout          write stdout (several inputs: their outputs one after another)
  -k, --keep            keep the input (the default)
      --rm              remove each input file once its output is written and synced
                          (regular files only: a FIFO or a device is skipped)
  -F, --force           replace existing outputs; write compressed data to a terminal
  -q, --quiet           no progress bar
  -v, --verbose         one line per input on stderr (sizes, ratio; -t: OK)
      --stats           bytes, ratio, throughput, pool high-water mark, heap allocations
                          after warm-up and peak RSS, on stderr
  -h, --help            this text;  -V, --version  the version

Outputs are written to a temporary file next to them, synced and renamed on success:
a failure, an interrupt (SIGINT, SIGTERM, SIGHUP), a CPU limit (SIGXCPU), an abort
(a failed allocation) or a file size limit (`ulimit -f`: an error) never leaves a
partial file. An
existing output is replaced only with --force. Compressed data is not written to a
terminal without --force. As gzip, a directory given as FILE is skipped with a
warning, and so is a symbolic link unless -F, -c or -t (then it is followed; the
link and its target are never modified).

exit status (gzip's): 0 success; 1 bad data or an I/O error (one line on stderr per
failing input); 2 usage error, or a warning: an input refused or skipped (an existing
output without --force, a directory, a symbolic link, with --rm an input that is
not a regular file or, without -F, has other hard links); 141 (128 + SIGPIPE, no
message) when the reader of stdout goes away (`| head`). With several inputs every
input is processed, and the status is 1 if any failed, else 2 if any was skipped
";

/// `bufpress compress --help`.
pub(crate) const COMPRESS_USAGE: &str = "\
usage: bufpress compress -f FORMAT [OPTIONS] [FILE...]     (or bufpress -z ...)

Compresses each FILE to FILE.lz4, FILE.gz, FILE.zz (zlib), FILE.deflate or FILE.zst,
next to it (stdin to stdout without FILE). -f can be left out when -o names a file
with one of these suffixes.

  -f, --format FORMAT   lz4, gzip, zlib, deflate, zstd
  -l, --level N, -N     lz4 1; gzip, zlib, deflate 0-9 (default 6); zstd 1-19 (3)
      --ultra           zstd 20-22: window up to 128 MiB (32, 64, 128 MiB; no larger
                          than the file): up to 230, 450, 960 MiB of memory to
                          compress (level 19: 100 MiB), the window to decompress;
                          -v says how much
      --fast[=N]        zstd level -N
  -T#, --threads=#      ignored (one thread)
  -o FILE, -c           one output file; stdout
  --rm, -k, -F, -q, -v, --stats   as in bufpress --help
";

/// `bufpress decompress --help`.
pub(crate) const DECOMPRESS_USAGE: &str = "\
usage: bufpress decompress [-f FORMAT] [OPTIONS] [FILE...]     (or bufpress -d ...)

Decompresses each FILE.lz4, FILE.gz, FILE.zz, FILE.deflate, FILE.zst to FILE next to
it (another suffix needs -o; stdin to stdout without FILE). The format comes from the
magic bytes (every frame or member in a row; zero bytes after gzip members are
ignored, as gzip does); raw deflate needs -f deflate or the .deflate suffix.

  -f, --format FORMAT   lz4, gzip, zlib, deflate, zstd, auto (the default)
      --ultra           accept zstd windows up to 128 MiB (8 MiB without it)
      --long[=N]        accept zstd windows up to 2^N bytes (N 10-30, default 27;
                          raises the 8 MiB limit, never lowers it)
  -o FILE, -c           one output file; stdout
  --rm, -k, -F, -q, -v, --stats   as in bufpress --help
";

/// `bufpress test --help`.
pub(crate) const TEST_USAGE: &str = "\
usage: bufpress test [-f FORMAT] [FILE...]     (or bufpress -t ...)

Decompresses each FILE (stdin without FILE) and discards the output: exit status 0
when every input is whole, 1 otherwise (one line on stderr per bad input), 2 when
inputs were only skipped (a directory). -v prints `FILE: OK` for each good one.
--ultra and --long[=N] accept larger zstd windows, as for decompress.
";

/// `bufpress bench --help`.
pub(crate) const BENCH_USAGE: &str = "\
usage: bufpress bench [FILES...] [--plot FILE.svg] [--quick]

bufpress's pooled path against the libraries' naive per-call APIs, like with like, in
alternating rounds (about a minute): every format at 4 KiB, 64 KiB and 1 MiB on one
thread, lz4, zstd and gzip at 1-4 KiB on one and two threads per core; MB/s, latency
percentiles, heap calls, page faults, resident memory, median ratios with their
spread and a verdict per goal; on FILES or built-in corpora.

  --plot FILE.svg   an SVG chart (throughput and latency)
  --quick           a short, noisy run
";

/// Parses the arguments after the program name.
///
/// # Errors
///
/// A usage error message.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = args.into_iter().peekable();
    let mode = match args.peek().and_then(|a| a.to_str()) {
        None => return Err("no command given (compress, decompress, test, bench; --help)".into()),
        Some("compress" | "c") => Some(Mode::Compress),
        Some("decompress" | "d") => Some(Mode::Decompress),
        Some("test") => Some(Mode::Test),
        Some("bench") => {
            args.next();
            return parse_bench(lexopt::Parser::from_args(args)).map_err(|e| e.to_string());
        }
        Some("help") => {
            args.next();
            let topic = args.next();
            return match topic.as_ref().and_then(|t| t.to_str()) {
                None => Ok(Command::Help(USAGE)),
                Some(t) => topic_usage(t)
                    .map(Command::Help)
                    .ok_or_else(|| format!("no help on {t:?} (compress, decompress, test, bench)")),
            };
        }
        Some(_) => None,
    };
    if mode.is_some() {
        args.next();
    }
    parse_job(mode, lexopt::Parser::from_args(args))
}

fn topic_usage(topic: &str) -> Option<&'static str> {
    Some(match topic {
        "compress" | "c" => COMPRESS_USAGE,
        "decompress" | "d" => DECOMPRESS_USAGE,
        "test" => TEST_USAGE,
        "bench" => BENCH_USAGE,
        _ => return None,
    })
}

/// The usage error for a command word that is neither a subcommand nor a file.
fn unknown_command(word: &Path) -> String {
    format!(
        "unknown command {:?} (compress, decompress, test, bench, or a mode: -z, -d, -t; --help)",
        word.to_string_lossy()
    )
}

/// The job's options, after the subcommand (`subcommand`: its mode) or at the top level.
#[allow(clippy::too_many_lines)] // one flat match over the options reads best
fn parse_job(subcommand: Option<Mode>, mut p: lexopt::Parser) -> Result<Command, String> {
    let mut mode = subcommand;
    let mut job = Job {
        mode: Mode::Compress,
        format: None,
        level: None,
        ultra: false,
        long: None,
        inputs: Vec::new(),
        dest: None,
        remove: false,
        force: false,
        stats: false,
        quiet: false,
        verbose: false,
    };
    let mut auto = false;
    let mut fast = None;
    let err = |e: lexopt::Error| e.to_string();
    while let Some(arg) = p.next().map_err(err)? {
        match arg {
            Short('z') | Long("compress") => set_mode(&mut mode, Mode::Compress)?,
            Short('d') | Long("decompress" | "uncompress") => {
                set_mode(&mut mode, Mode::Decompress)?;
            }
            Short('t') | Long("test") => set_mode(&mut mode, Mode::Test)?,
            Short('f') | Long("format") => {
                let v = p.value().map_err(err)?;
                let v = v.to_string_lossy();
                if v.eq_ignore_ascii_case("auto") {
                    auto = true;
                    job.format = None;
                } else {
                    job.format = Some(Format::parse(&v).ok_or_else(|| {
                        format!(
                            "unknown format {v:?} (lz4, gzip, zlib, deflate, zstd; -f is the \
                             format here, -F or --force forces)"
                        )
                    })?);
                }
            }
            Short('l') | Long("level") => {
                let v = p.value().map_err(err)?;
                job.level = Some(parse_level(&v.to_string_lossy())?);
            }
            Short(c @ '0'..='9') => {
                // `-19`: lexopt hands over '1', the rest of the cluster is "9".
                let rest = p.optional_value().unwrap_or_default();
                let digits = format!("{c}{}", rest.to_string_lossy());
                job.level = Some(parse_level(&digits)?);
            }
            Long("ultra") => job.ultra = true,
            Long("long") => job.long = Some(parse_long(p.optional_value())?),
            Short('T') | Long("threads") => {
                // zstd's -T#: bufpress compresses on one thread; the number is checked
                // and ignored. As in zstd, `-T`'s number is attached (`-T4`): `-T` alone
                // is `-T0`, and in `-T 4` the 4 is an input; `--threads` takes `=4` or
                // the next argument (`--threads 4`).
                let short = arg == Short('T');
                let flag = if short { "-T" } else { "--threads=" };
                let v = if short {
                    p.optional_value()
                        .map_or_else(|| "0".to_owned(), |v| v.to_string_lossy().into_owned())
                } else {
                    p.value().map_err(err)?.to_string_lossy().into_owned()
                };
                if v.parse::<u32>().is_err() {
                    return Err(format!(
                        "{flag}{v}: a number of threads (ignored: bufpress runs on one thread)"
                    ));
                }
            }
            Long("fast") => {
                let n = match p.optional_value() {
                    None => 1,
                    Some(v) => {
                        let v = v.to_string_lossy().into_owned();
                        match v.parse::<i32>() {
                            Ok(n) if n >= 1 => n,
                            _ => return Err(format!("--fast={v}: a whole number from 1")),
                        }
                    }
                };
                fast = Some(n);
            }
            Short('o') | Long("output") => {
                let v = p.value().map_err(err)?;
                job.dest = Some(if v == "-" {
                    Dest::Stdout
                } else {
                    Dest::File(PathBuf::from(v))
                });
            }
            Short('c') | Long("stdout" | "to-stdout") => job.dest = Some(Dest::Stdout),
            Short('k') | Long("keep") => job.remove = false,
            Long("rm") => job.remove = true,
            Short('F') | Long("force") => job.force = true,
            Short('q') | Long("quiet") => job.quiet = true,
            Short('v') | Long("verbose") => job.verbose = true,
            Long("stats") => job.stats = true,
            Short('h') | Long("help") => {
                let topic = match mode {
                    Some(Mode::Compress) => COMPRESS_USAGE,
                    Some(Mode::Decompress) => DECOMPRESS_USAGE,
                    Some(Mode::Test) => TEST_USAGE,
                    None => USAGE,
                };
                return Ok(Command::Help(topic));
            }
            Short('V') | Long("version") => return Ok(Command::Version),
            Value(v) => {
                // The first word at the top level, without a mode yet, that is not a
                // file: a mistyped command rather than a missing file.
                if mode.is_none() && job.inputs.is_empty() && !Path::new(&v).exists() {
                    return Err(unknown_command(Path::new(&v)));
                }
                job.inputs.push((v != "-").then(|| PathBuf::from(v)));
                // After `--`, lexopt returns every argument as a value.
            }
            _ => return Err(arg.unexpected().to_string()),
        }
    }
    let Some(mode) = mode else {
        return Err(
            "no mode given: compress (-z -f FORMAT), decompress (-d), test (-t) or bench; --help"
                .into(),
        );
    };
    job.mode = mode;
    if let Some(n) = fast {
        if job.level.is_some() {
            return Err("--fast and a level given: one level at a time".into());
        }
        job.level = Some(-n);
    }
    if job.inputs.is_empty() {
        job.inputs.push(None);
    }
    check_job(&mut job, auto)?;
    Ok(Command::Run(job))
}

/// Sets the mode; a second, different one is an error.
fn set_mode(mode: &mut Option<Mode>, new: Mode) -> Result<(), String> {
    match *mode {
        Some(old) if old != new => Err(format!(
            "{} and {} given: one mode at a time",
            old.name(),
            new.name()
        )),
        _ => {
            *mode = Some(new);
            Ok(())
        }
    }
}

/// The window log of `--long[=N]`: 27 without a value, as zstd.
fn parse_long(v: Option<OsString>) -> Result<u32, String> {
    let Some(v) = v else {
        return Ok(LONG_DEFAULT_WINDOW_LOG);
    };
    let v = v.to_string_lossy();
    match v.parse::<u32>() {
        Ok(n) if LONG_WINDOW_LOGS.contains(&n) => Ok(n),
        _ => Err(format!(
            "--long={v}: a window log from {} to {} (windows of 2^N bytes, 1 KiB to 1 GiB)",
            LONG_WINDOW_LOGS.start(),
            LONG_WINDOW_LOGS.end()
        )),
    }
}

/// A level from `-l N` or `-N`.
fn parse_level(v: &str) -> Result<i32, String> {
    v.parse().map_err(|_| format!("bad level {v:?}"))
}

fn check_job(job: &mut Job, auto: bool) -> Result<(), String> {
    match job.mode {
        Mode::Compress => {
            if auto {
                return Err("-f auto is for decompressing".into());
            }
            if job.format.is_none() {
                // `-o data.zst`: the format from the output's suffix.
                if let Some(Dest::File(path)) = &job.dest {
                    job.format = Format::from_suffix(path).map(|(f, _)| f);
                }
            }
            let Some(format) = job.format else {
                return Err("compress needs -f FORMAT (lz4, gzip, zlib, deflate, zstd)".into());
            };
            if let Some(level) = job.level {
                format.check_level(level, job.ultra)?;
            }
            if job.long.is_some() {
                return Err(
                    "--long (zstd's long-distance matching) is not supported when compressing; \
                     decompressing, --long=N accepts windows up to 2^N bytes"
                        .into(),
                );
            }
        }
        Mode::Decompress | Mode::Test => {
            if job.level.is_some() {
                return Err("a level (-l, -N, --fast) is for compressing only".into());
            }
        }
    }
    if job.mode == Mode::Test {
        if job.dest.is_some() {
            return Err("test writes no output: -o and -c do not go with it".into());
        }
        if job.remove {
            return Err("test never removes its input: --rm does not go with it".into());
        }
    }
    let stdins = job.inputs.iter().filter(|i| i.is_none()).count();
    if stdins > 1 {
        return Err("stdin (`-`) given more than once".into());
    }
    if let Some(Dest::File(out)) = &job.dest {
        if job.inputs.len() > 1 {
            return Err(
                "-o takes one input; several inputs get their outputs next to them \
                        (or -c for stdout)"
                    .into(),
            );
        }
        if job
            .inputs
            .first()
            .is_some_and(|i| i.as_deref() == Some(out.as_path()))
        {
            return Err("INPUT and OUTPUT are the same file".into());
        }
    }
    if job.remove && job.dest == Some(Dest::Stdout) {
        return Err("--rm does not go with stdout (-c, -o -): the input stays".into());
    }
    Ok(())
}

fn parse_bench(mut p: lexopt::Parser) -> Result<Command, lexopt::Error> {
    let mut files = Vec::new();
    let mut plot = None;
    let mut quick = false;
    while let Some(arg) = p.next()? {
        match arg {
            Long("plot") => plot = Some(PathBuf::from(p.value()?)),
            Long("quick") => quick = true,
            Short('h') | Long("help") => return Ok(Command::Help(BENCH_USAGE)),
            Value(v) => files.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Command::Bench { files, plot, quick })
}

#[cfg(test)]
mod tests {
    use super::{Command, Dest, Job, Mode, parse};

    fn job(args: &[&str]) -> Job {
        match parse(args.iter().map(Into::into)) {
            Ok(Command::Run(job)) => job,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn error(args: &[&str]) -> String {
        match parse(args.iter().map(Into::into)) {
            Err(e) => e,
            other => panic!("{args:?} parsed: {other:?}"),
        }
    }

    #[test]
    fn modes_levels_and_outputs() {
        let j = job(&["-z", "-f", "zstd", "-19", "a", "b"]);
        assert_eq!(
            (j.mode, j.level, j.inputs.len()),
            (Mode::Compress, Some(19), 2)
        );
        let j = job(&["-dc", "-"]);
        assert_eq!((j.mode, j.dest), (Mode::Decompress, Some(Dest::Stdout)));
        assert_eq!(j.inputs, [None]);
        let j = job(&["compress", "-fzstd", "--fast=5"]);
        assert_eq!(j.level, Some(-5));
        let j = job(&["-z", "-f", "zstd", "--ultra", "-22"]);
        assert_eq!((j.level, j.ultra), (Some(22), true));
        let j = job(&["-z", "-o", "x.zst"]);
        assert_eq!(j.format, Some(crate::format::Format::Zstd));
        assert_eq!(job(&["-d", "--long"]).long, Some(27));
        assert_eq!(job(&["-t", "--long=30", "-T0"]).long, Some(30));
        assert_eq!(job(&["-zT0", "-f", "zstd"]).inputs, [None]);
        assert_eq!(job(&["-d", "-T", "4"]).inputs, [Some("4".into())]);
        assert_eq!(job(&["-d", "--threads=2", "-T"]).inputs, [None]);
        // zstd takes `--threads`'s number from the next argument too (1.5.4).
        assert_eq!(job(&["-d", "--threads", "2"]).inputs, [None]);
        assert_eq!(
            job(&["-d", "--threads", "2", "x"]).inputs,
            [Some("x".into())]
        );
        let j = job(&["-t", "--", "-z"]);
        assert_eq!(j.inputs, [Some("-z".into())]);
        assert!(j.dest.is_none());
    }

    #[test]
    fn usage_errors() {
        for (args, says) in [
            (&["-z", "-f", "zstd", "-22"][..], "--ultra"),
            (&["-z", "-d"], "one mode"),
            (&["compress", "-t"], "one mode"),
            (&["-z", "-f", "gzip", "-o", "x", "a", "b"], "one input"),
            (&["-t", "-c"], "no output"),
            (&["-d", "-f", "x.gz"], "--force"),
            (&["-z", "-f", "zstd", "--fast=0"], "--fast"),
            (&["-d", "-3"], "compressing only"),
            (&["-d", "-", "-"], "more than once"),
            (&["frobnicate"], "unknown command"),
            (&["-q"], "no mode"),
            (
                &["-z", "-f", "zstd", "--long"],
                "not supported when compressing",
            ),
            (&["-d", "--long=31"], "window log"),
            (&["-z", "-f", "zstd", "-Tx"], "threads"),
            (&["-d", "--threads", "x"], "threads"),
            (&["-d", "--threads"], "threads"),
        ] {
            let e = error(args);
            assert!(e.contains(says), "{args:?}: {e}");
        }
    }
}
