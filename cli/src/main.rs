//! `bufpress`: compress and decompress lz4, gzip, zlib, raw deflate and zstd through a
//! fixed buffer pool. Peak memory does not grow with the input, and after warm-up
//! (argument parsing, opening files, building the codec state, the first read) the
//! streaming loop makes no heap allocation; `--stats` shows both, counted by the
//! allocator installed below.
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
mod stream;
mod svg;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use bufpress::pool::Pool;
use bufpress_support::counting::{self, CountingAlloc};

use crate::args::{Command, Job};
use crate::failure::Failure;
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
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("bufpress: {msg} (bufpress --help shows the usage)");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{}", args::USAGE);
            Ok(())
        }
        Command::Version => {
            println!("bufpress {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Bench { files, plot, quick } => bench::run(&files, plot.as_deref(), quick),
        Command::Run(job) => run(&job),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("bufpress: {failure}");
            ExitCode::from(failure.code())
        }
    }
}

/// One `compress` or `decompress` run.
fn run(job: &Job) -> Result<(), Failure> {
    let take = || IO.try_acquire().map_err(Failure::internal);
    let mut input = Input::open(job.input.as_deref(), take()?)?;
    let mut output = match &job.output {
        Some(path) => Output::create(path, job.force, &input)?,
        None if job.compress && std::io::stdout().is_terminal() && !job.force => {
            return Err(Failure::Usage(
                "compressed data not written to a terminal (use -o FILE, a pipe, or --force)"
                    .into(),
            ));
        }
        None => Output::stdout()?,
    };
    let mut out = take()?;
    input.fill()?;

    let format = match job.format {
        Some(f) => f,
        None => Format::detect(input.pending()).ok_or_else(|| {
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
    if job.compress {
        encoder = Some(codecs::encoder(format, level, input.size)?);
    } else {
        decoder = Some(codecs::decoder(format)?);
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
    output.commit()?;

    if job.stats {
        let stats = IO.stats();
        let verb = if job.compress {
            "compress"
        } else {
            "decompress"
        };
        Report {
            what: &format!("{verb} {format}"),
            totals,
            elapsed,
            compressing: job.compress,
            pool: (stats.high_water, stats.capacity, CHUNK),
            allocations,
        }
        .print();
    }
    Ok(())
}
