//! `bufpress`: compress and decompress lz4, gzip, zlib, raw deflate and zstd through a
//! fixed buffer pool. Peak memory does not grow with the input, and after warm-up
//! (argument parsing, opening files, building the codec state, the first read) the
//! streaming loop makes no heap allocation; `--stats` shows both, counted by the
//! allocator installed below. Several inputs run one after another, each with its own
//! warm-up.
//!
//! Run `bufpress --help` for the usage; `bufpress bench` compares bufpress's pooled
//! path with the libraries' naive calls on a built-in corpus.

mod args;
mod bench;
mod codecs;
mod failure;
mod files;
mod format;
mod meter;
mod signals;
mod stdio;
mod stream;
mod svg;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use bufpress::pool::Pool;
use bufpress_support::counting::{self, CountingAlloc};

use std::path::{Path, PathBuf};

use crate::args::{Command, Job, Mode};
use crate::failure::{BROKEN_PIPE_STATUS, Failure};
use crate::files::{Input, Output};
use crate::format::Format;
use crate::meter::{Meter, Report, Totals};
use crate::stream::Pipe;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The size of the input chunk and of the output buffer.
const CHUNK: usize = 256 * 1024;
/// The I/O pool: one input chunk, one output buffer. In `.bss`.
static IO: Pool<2, CHUNK> = Pool::new();

fn main() -> ExitCode {
    signals::ignore_file_size_signal();
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(msg) => {
            failure::say(format_args!(
                "bufpress: {msg} (bufpress --help shows the usage)"
            ));
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help(text) => print_out(text),
        Command::Version => print_out(&format!("bufpress {}\n", env!("CARGO_PKG_VERSION"))),
        Command::Bench { files, plot, quick } => bench::run(&files, plot.as_deref(), quick),
        Command::Run(job) => return ExitCode::from(run_all(&job)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BrokenPipe) => ExitCode::from(BROKEN_PIPE_STATUS),
        Err(failure) => {
            failure::say(format_args!("bufpress: {failure}"));
            ExitCode::from(failure.code())
        }
    }
}

/// Text on stdout; a reader that went away ends the run quietly. A stdout closed at
/// start is an error (the `/dev/null` there now is no reader), as for `-c`.
fn print_out(text: &str) -> Result<(), Failure> {
    if stdio::was_closed(1) {
        return Err(Failure::io("stdout", &std::io::Error::from_raw_os_error(9)));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::write("stdout", &e))
}

/// Every input of a job, in order: a failing one is reported (one line) and the
/// others still run, as `gzip` and `zstd` do. Returns gzip's exit status: 1 if an
/// input failed, otherwise 2 if one was refused or skipped with a warning. A reader
/// of stdout that went away ends the job at once, quietly, with status 141 (what the
/// shell shows for `gzip` and `zstd`, killed by SIGPIPE), once the input's
/// temporary file, if any, is removed (`run` has returned: its output is dropped).
fn run_all(job: &Job) -> u8 {
    let mut status = 0;
    for input in &job.inputs {
        match run(job, input.as_deref()) {
            Ok(()) => {}
            Err(Failure::BrokenPipe) => return BROKEN_PIPE_STATUS,
            Err(failure) => {
                failure::say(format_args!("bufpress: {failure}"));
                status = failure::worst(status, failure.code());
            }
        }
    }
    status
}

/// Where the output of `input` goes.
fn destination(job: &Job, input: Option<&Path>, format: Option<Format>) -> Result<Target, Failure> {
    if job.mode == Mode::Test {
        return Ok(Target::Discard);
    }
    let Some(input) = input else {
        return Ok(match &job.dest {
            Some(args::Dest::File(path)) => Target::File(path.clone()),
            _ => Target::Stdout,
        });
    };
    match &job.dest {
        Some(args::Dest::Stdout) => Ok(Target::Stdout),
        Some(args::Dest::File(path)) => Ok(Target::File(path.clone())),
        None if job.mode == Mode::Compress => {
            // Checked by args: compressing has a format.
            let format = format.ok_or_else(|| Failure::internal("no format"))?;
            let mut name = input.as_os_str().to_owned();
            name.push(format.suffix());
            Ok(Target::File(name.into()))
        }
        None => match Format::from_suffix(input) {
            Some((_, stem)) => Ok(Target::File(stem)),
            None => Err(Failure::Usage(format!(
                "{}: unknown suffix (not .lz4, .gz, .zz, .deflate, .zst): give -o FILE or -c",
                input.display()
            ))),
        },
    }
}

/// Where one input's output goes.
enum Target {
    Stdout,
    File(PathBuf),
    /// `test`: nowhere.
    Discard,
}

/// One input: compressed, decompressed or tested.
fn run(job: &Job, path: Option<&Path>) -> Result<(), Failure> {
    let compress = job.mode == Mode::Compress;
    if let Some(p) = path {
        // As gzip: a link is followed only with -F or when nothing is written next
        // to it (-c, -t).
        let follow = job.force || job.mode == Mode::Test || job.dest == Some(args::Dest::Stdout);
        files::check_input(p, follow, job.remove, job.force)?;
    }
    if let Some(p) = path.filter(|_| compress) {
        if job.dest.is_none() && Format::from_suffix(p).is_some_and(|(f, _)| Some(f) == job.format)
        {
            return Err(Failure::Usage(format!(
                "{}: already has the {} suffix; not compressed again (use -o or -c to force it)",
                p.display(),
                Format::from_suffix(p).map_or("", |(f, _)| f.suffix())
            )));
        }
    }
    if path.is_none() && !compress && !job.force && std::io::stdin().is_terminal() {
        // What `gzip -d` and `zstd -d` refuse too: a user who forgot the FILE.
        return Err(Failure::Usage(
            "compressed data not read from a terminal (give FILE, a pipe, or --force)".into(),
        ));
    }
    let target = destination(job, path, job.format)?;
    let take = || IO.try_acquire().map_err(Failure::internal);
    let mut input = Input::open(path, take()?)?;
    if job.remove && path.is_some() && input.size.is_none() {
        // Replaced by a FIFO or a device since `check_input`: never removed.
        return Err(files::not_regular(&input.name));
    }
    let mut output = match &target {
        Target::File(out) => Output::create(out, job.force, &input)?,
        Target::Stdout if compress && std::io::stdout().is_terminal() && !job.force => {
            return Err(Failure::Usage(
                "compressed data not written to a terminal (use -o FILE, a pipe, or --force)"
                    .into(),
            ));
        }
        Target::Stdout => Output::stdout(&input)?,
        Target::Discard => Output::discard(),
    };
    let mut out = take()?;
    input.fill()?;

    let format = match job.format {
        Some(f) => f,
        None => Format::detect(input.pending())
            .or_else(|| {
                // Raw deflate has no magic bytes: its suffix says it.
                path.and_then(Format::from_suffix)
                    .map(|(f, _)| f)
                    .filter(|&f| f == Format::Deflate)
            })
            .ok_or_else(|| {
                let what = if input.pending().is_empty() {
                    "empty input"
                } else {
                    "unknown format"
                };
                Failure::Data(format!(
                    "{}: {what}: not lz4, gzip, zlib or zstd (raw deflate needs -f deflate)",
                    input.name
                ))
            })?,
    };
    let level = job.level.unwrap_or(format.default_level());
    let mut encoder = None;
    let mut decoder = None;
    if compress {
        encoder = Some(codecs::encoder(format, level, job.ultra, input.size)?);
    } else {
        decoder = Some(codecs::decoder(format, job.ultra, job.long)?);
    }
    let bar = !job.quiet && std::io::stderr().is_terminal();
    let mut meter = Meter::new(bar, input.size);

    // Warm-up is over: from here to the end of the stream, count allocations.
    let allocs_before = counting::process_allocations();
    let start = Instant::now();
    let mut pipe = Pipe {
        input: &mut input,
        output: &mut output,
        out: &mut out,
        meter: &mut meter,
        totals: Totals::default(),
    };
    let totals = match (&mut encoder, &mut decoder) {
        (Some(enc), _) => stream::compress(enc.as_mut(), &mut pipe),
        (_, Some(dec)) => stream::decompress(dec.as_mut(), format, &mut pipe),
        _ => Err(Failure::internal("no codec")),
    };
    let elapsed = start.elapsed();
    let allocations = counting::process_allocations() - allocs_before;
    meter.finish();
    let totals = totals?;
    let out_name = output.name.clone();
    let durable = output.commit()?;

    if job.remove {
        if let Some(p) = path {
            if durable {
                std::fs::remove_file(p).map_err(|e| Failure::io(&input.name, &e))?;
            } else {
                return Err(Failure::Data(format!(
                    "{}: kept: its output {out_name} is not a file known to be on disk",
                    input.name
                )));
            }
        }
    }
    if job.verbose {
        verbose_line(
            job,
            (format, level),
            (&input.name, input.size),
            &out_name,
            totals,
        );
    }
    if job.stats {
        let stats = IO.stats();
        let verb = match job.mode {
            Mode::Compress => "compress",
            Mode::Decompress => "decompress",
            Mode::Test => "test",
        };
        Report {
            what: &format!("{verb} {format}"),
            totals,
            elapsed,
            compressing: compress,
            pool: (stats.high_water, stats.capacity, CHUNK),
            allocations,
        }
        .print();
    }
    Ok(())
}

/// `-v`: one line on stderr, as `zstd -v` and `gzip -v` print.
fn verbose_line(
    job: &Job,
    (format, level): (Format, i32),
    (name, size): (&str, Option<u64>),
    out: &str,
    t: Totals,
) {
    let (read, written) = (t.read, t.written);
    match job.mode {
        Mode::Test => failure::say(format_args!("{name}: OK ({format}, {written} bytes)")),
        Mode::Decompress => failure::say(format_args!(
            "{name}: {read} -> {written} bytes ({format}) -> {out}"
        )),
        Mode::Compress => {
            #[allow(clippy::cast_precision_loss)] // a percentage for people
            let pct = if read == 0 {
                0.0
            } else {
                written as f64 * 100.0 / read as f64
            };
            let mut extra = String::new();
            if format == Format::Zstd {
                let (window, memory) = codecs::zstd_memory(level, job.ultra, size);
                extra = format!(
                    ", level {level}, window {} KiB, {} KiB of memory",
                    window >> 10,
                    memory >> 10
                );
            }
            failure::say(format_args!(
                "{name}: {read} -> {written} bytes ({pct:.2}%, {format}{extra}) -> {out}"
            ));
        }
    }
}
