//! The streaming loops: input in fixed chunks from one pool buffer, output through
//! another, a core `Encoder`/`Decoder` in between. Memory is the two buffers and the
//! codec state, whatever the input's length; nothing here allocates on the success
//! path.

use bufpress::codec::{Decode, DecodeError, Encode, Status};
use bufpress::pool::Buf;

use crate::failure::Failure;
use crate::files::{Input, Output};
use crate::format::Format;
use crate::meter::{Meter, Totals};

/// The input, output and progress of one run.
pub(crate) struct Pipe<'a> {
    /// Where data comes from.
    pub(crate) input: &'a mut Input,
    /// Where data goes.
    pub(crate) output: &'a mut Output,
    /// The output buffer (from the pool).
    pub(crate) out: &'a mut Buf<'static>,
    /// The progress bar.
    pub(crate) meter: &'a mut Meter,
    /// Bytes so far.
    pub(crate) totals: Totals,
}

impl Pipe<'_> {
    /// Writes the output buffer out and empties it.
    fn flush(&mut self) -> Result<(), Failure> {
        if !self.out.is_empty() {
            // Emptied even when the write fails (part of it may have gone out): the
            // flush after an error must not write those bytes again.
            let written = self.output.write(self.out);
            let n = self.out.len() as u64;
            self.out.clear();
            written?;
            self.totals.written += n;
        }
        Ok(())
    }

    /// Consumes `n` input bytes.
    fn consume(&mut self, n: usize) {
        self.input.consume(n);
        self.totals.read += n as u64;
    }
}

/// Compresses the whole input as one stream.
///
/// # Errors
///
/// I/O failures, or an encoder error (a bug: the encoders fail only on bad settings).
pub(crate) fn compress(enc: &mut dyn Encode, pipe: &mut Pipe<'_>) -> Result<Totals, Failure> {
    let fail = |e| Failure::Data(format!("compressing: {e}"));
    loop {
        if pipe.input.pending().is_empty() {
            if pipe.input.at_eof() {
                break;
            }
            pipe.input.fill()?;
            continue;
        }
        let p = enc.encode(pipe.input.pending(), pipe.out).map_err(fail)?;
        pipe.consume(p.consumed);
        match p.status {
            Status::OutputFull => pipe.flush()?,
            _ if p.consumed == 0 && p.produced == 0 => {
                return Err(Failure::internal("the encoder made no progress"));
            }
            _ => {}
        }
        pipe.meter.tick(pipe.totals);
    }
    loop {
        let p = enc.finish(pipe.out).map_err(fail)?;
        match p.status {
            Status::OutputFull => pipe.flush()?,
            Status::Done | Status::NeedInput => break,
        }
    }
    pipe.flush()?;
    Ok(pipe.totals)
}

/// Decompresses the whole input: every frame (lz4, zstd) or member (gzip) in a row;
/// anything after the stream is an error.
///
/// # Errors
///
/// A data failure naming the problem and where it is, or an I/O failure.
pub(crate) fn decompress(
    dec: &mut dyn Decode,
    format: Format,
    pipe: &mut Pipe<'_>,
) -> Result<Totals, Failure> {
    let r = decode_all(dec, format, pipe);
    if r.is_err() {
        // As gzip and zstd: what was decoded before the error is written out, so `-c`
        // does not lose what the output buffer held (a temporary output file is
        // removed anyway). What the failing call decoded is not there: a decoder keeps
        // nothing of it (a bad checksum in a small input gives nothing). The first
        // error is the one reported.
        let _ = pipe.flush();
    }
    r
}

/// [`decompress`], leaving what the output buffer holds at an error.
fn decode_all(
    dec: &mut dyn Decode,
    format: Format,
    pipe: &mut Pipe<'_>,
) -> Result<Totals, Failure> {
    // The frame being decoded (from 1) and the input offset where it began.
    let mut frame = 1u64;
    let mut frame_start = 0u64;
    let mut ended = false;
    let mut stalled = 0u32;
    loop {
        if pipe.input.pending().is_empty() && !pipe.input.at_eof() {
            pipe.input.fill()?;
        }
        let pending = pipe.input.pending();
        if ended {
            if pending.is_empty() {
                break;
            }
            if format == Format::Gzip && pending.first() == Some(&0) {
                // As gzip: zero bytes after the last member (a tape's or tar's
                // padding) are ignored; anything after them is trailing data.
                skip_zeros(pipe)?;
                continue;
            }
            if !format.multi_frame() {
                return Err(Failure::Data(format!(
                    "{}: trailing data after the {format} stream, at byte {}",
                    pipe.input.name, pipe.totals.read
                )));
            }
            dec.reset();
            ended = false;
            frame += 1;
            frame_start = pipe.totals.read;
        }
        let pending = pipe.input.pending();
        // A call with no input says the input has ended (a gzip stream ends between
        // members only then).
        let no_input = pending.is_empty();
        let piece_end = pipe.totals.read + pending.len() as u64;
        let p = match dec.decode(pending, pipe.out) {
            Ok(p) => p,
            Err(e) => {
                let at = Place {
                    frame,
                    frame_start,
                    from: pipe.totals.read,
                    to: piece_end,
                };
                return Err(data_failure(&pipe.input.name, format, e, at));
            }
        };
        pipe.consume(p.consumed);
        // A decoder that takes nothing and gives nothing without ending would spin:
        // never with bufpress's decoders, but a loop here must not depend on it.
        stalled = if p.consumed == 0 && p.produced == 0 && p.status != Status::Done {
            stalled + 1
        } else {
            0
        };
        if stalled > 2 {
            return Err(Failure::internal("the decoder made no progress"));
        }
        match p.status {
            Status::OutputFull => pipe.flush()?,
            Status::Done => ended = true,
            // All the input taken: the next call, with none, tells the decoder so.
            Status::NeedInput
                if pipe.input.at_eof() && pipe.input.pending().is_empty() && !no_input => {}
            Status::NeedInput
                if pipe.input.at_eof()
                    && (pipe.input.pending().is_empty() || p.consumed + p.produced == 0) =>
            {
                return Err(Failure::Data(format!(
                    "{}: truncated: the input ends inside {} {frame} (which began at byte \
                     {frame_start}), after {} bytes",
                    pipe.input.name,
                    unit(format),
                    pipe.totals.read
                )));
            }
            // Input left over (a decoder that wants more before it takes these):
            // read more behind it.
            Status::NeedInput if !pipe.input.pending().is_empty() => pipe.input.fill()?,
            Status::NeedInput => {}
        }
        pipe.meter.tick(pipe.totals);
    }
    pipe.flush()?;
    Ok(pipe.totals)
}

/// Takes the zero bytes that follow a gzip stream, to the end of the input; a byte
/// that is not zero is trailing data.
fn skip_zeros(pipe: &mut Pipe<'_>) -> Result<(), Failure> {
    loop {
        let pending = pipe.input.pending();
        let zeros = pending.iter().take_while(|&&b| b == 0).count();
        if zeros < pending.len() {
            return Err(Failure::Data(format!(
                "{}: trailing data after the zero bytes that follow the gzip stream, at \
                 byte {}",
                pipe.input.name,
                pipe.totals.read + zeros as u64
            )));
        }
        pipe.consume(zeros);
        if pipe.input.at_eof() {
            return Ok(());
        }
        pipe.input.fill()?;
    }
}

/// Where a decoding error happened.
struct Place {
    frame: u64,
    frame_start: u64,
    /// The input bytes given to the failing call.
    from: u64,
    to: u64,
}

fn unit(format: Format) -> &'static str {
    match format {
        Format::Gzip => "member",
        Format::Zlib | Format::Deflate => "stream",
        Format::Lz4 | Format::Zstd => "frame",
    }
}

/// What lets the CLI decode a zstd window of `needed` bytes, refused at `limit`:
/// `--long=N` (as `zstd -d --long=N`), or `--ultra` up to 128 MiB.
fn window_hint(needed: Option<u64>, limit: u64) -> String {
    let ultra = crate::codecs::ZSTD_ULTRA_WINDOW_LIMIT as u64;
    let logs = crate::codecs::LONG_WINDOW_LOGS;
    match needed {
        // The smallest N with 2^N >= needed.
        Some(n) => {
            let log = (u64::BITS - n.saturating_sub(1).leading_zeros()).max(*logs.start());
            if n <= ultra && limit < ultra {
                format!(" (--long={log} or --ultra accepts it)")
            } else if logs.contains(&log) {
                format!(" (--long={log} accepts it)")
            } else {
                String::new()
            }
        }
        None => format!(
            " (--long=N accepts windows up to 2^N bytes, N up to {})",
            logs.end()
        ),
    }
}

/// One line naming the problem and where it is.
fn data_failure(name: &str, format: Format, e: DecodeError, at: Place) -> Failure {
    let Place {
        frame,
        frame_start,
        from,
        to,
    } = at;
    let unit = unit(format);
    let place = format!(
        "in {unit} {frame} (which began at byte {frame_start}), in input bytes {from}..{to}"
    );
    let msg = match e {
        DecodeError::BadMagic if frame > 1 => {
            format!(
                "trailing data after {unit} {} at byte {frame_start}",
                frame - 1
            )
        }
        DecodeError::BadMagic => format!("not {format} data (bad magic bytes at byte 0)"),
        DecodeError::Checksum {
            kind,
            expected,
            actual,
        } => {
            let what = kind;
            if expected == 0 && actual == 0 {
                format!("checksum mismatch ({what}) {place}")
            } else {
                format!(
                    "checksum mismatch ({what}, stored {expected:#010x}, computed \
                     {actual:#010x}) {place}"
                )
            }
        }
        DecodeError::LimitExceeded { limit, needed } if format == Format::Zstd => {
            let hint = window_hint(needed, limit);
            let needed = needed.map_or_else(|| "more".to_owned(), |n| format!("{n} bytes"));
            format!(
                "{unit} {frame} needs a window of {needed}, more than bufpress's limit of \
                 {limit} bytes (at byte {frame_start}){hint}"
            )
        }
        e => format!("{e} {place}"),
    };
    Failure::Data(format!("{name}: {msg}"))
}
