//! zstd match offsets against the frame's window (RFC 8878, Window_Descriptor and
//! Sequence Execution): a frame whose match reaches further back than its window
//! (here a 1 KiB or 4 KiB one) is corrupt, whatever the decoder's buffer still holds.
//! Frames built by hand (raw blocks, then a compressed block of 15 literals and one
//! match) with the offset at window + 1 and window + 15 (bytes the buffer holds: these
//! decoded before the fix), twice the window and everything decoded so far are
//! refused with [`DecodeError::Corrupt`], one-shot and streaming, in states for 1 KiB,
//! 4 KiB, 64 KiB and 1 MiB windows and an allocated decoder; the same frames with
//! offsets 1, 16, window - 1 and exactly the window decode, to what the `zstd` CLI
//! gives; a `zstd --zstd=wlog=10` frame of data that repeats every 1 KiB decodes too.
//!
//! The `zstd` CLI is not an oracle for the refusal: libzstd checks an offset against
//! the history its buffers hold, not against the window (its window check is an
//! assertion of fuzzing builds), so `zstd -d` 1.5.4 decodes these frames while that
//! history lasts. Only the valid frames are compared with it.

use bufpress::codec::zstd::{Decoder, DecoderTables, decoder_memory};
use bufpress::codec::{Decode as _, DecodeError, Status};
use bufpress::pool::{Buf, Pool};
use bufpress_tests::corpus::{self, Kind};
use bufpress_tests::tools;

static WHOLE: Pool<2, { 64 * 1024 }> = Pool::new();
static PIECES: Pool<2, 300> = Pool::new();

/// The window limits of the decoder states every frame goes through.
const STATES: [usize; 4] = [1 << 10, 1 << 12, 1 << 16, 1 << 20];

/// Literals of the compressed block, and so how far past the window its match can
/// reach while staying inside what the decoder's buffer holds.
const LITERALS: usize = 15;

/// A frame with a `1 << log`-byte window (no content size, so not single-segment):
/// `blocks` raw blocks of one block maximum each, then a last, compressed block of
/// [`LITERALS`] raw literals and one match of 32 bytes at `offset`. Returns the frame
/// and what it decodes to when `offset` is valid.
fn frame(log: u32, blocks: usize, offset: usize) -> (Vec<u8>, Vec<u8>) {
    let block = (1usize << log).min(128 * 1024);
    let data = corpus::make(Kind::Random, block * blocks + LITERALS, u64::from(log));
    let (raw, literals) = data.split_at(block * blocks);
    let mut f = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, ((log - 10) << 3) as u8];
    for raw in raw.chunks(block) {
        // Raw block (type 0), not last.
        f.extend_from_slice(&((raw.len() as u32) << 3).to_le_bytes()[..3]);
        f.extend_from_slice(raw);
    }
    // Raw literals, their size in the 5 high bits of a 1-byte header.
    let mut body = vec![(LITERALS as u8) << 3];
    body.extend_from_slice(literals);
    // Offset_Value = offset + 3 (a new offset), coded as offset code n = its log2 and
    // its n low bits: the bit stream is those bits, then the end-of-stream marker bit
    // (the value's own top bit).
    let value = offset as u64 + 3;
    let n = 63 - value.leading_zeros();
    body.extend_from_slice(&[
        1,              // one sequence
        0x54,           // literal length, offset and match length codes all RLE
        LITERALS as u8, // literal length code = the length (up to 15)
        n as u8,
        29, // match length code 29: 32 bytes
    ]);
    body.extend_from_slice(&value.to_le_bytes()[..(n as usize + 1).div_ceil(8)]);
    // Compressed block (type 2), last.
    let header = ((body.len() as u32) << 3) | (2 << 1) | 1;
    f.extend_from_slice(&header.to_le_bytes()[..3]);
    f.extend_from_slice(&body);

    let mut out = data;
    if offset <= out.len() {
        for _ in 0..32 {
            out.push(out[out.len() - offset]);
        }
    }
    (f, out)
}

/// Decoders on caller memory for every window limit in [`STATES`] that holds a
/// `window`-byte window, and an allocated one (leaked: they live as long as the test).
fn decoders(window: usize) -> Vec<(String, Decoder<'static>)> {
    let mut all: Vec<_> = STATES
        .iter()
        .filter(|&&w| w >= window)
        .map(|&w| {
            let tables: &'static mut DecoderTables = Box::leak(Box::default());
            let buf = vec![0; decoder_memory(w)].leak();
            (format!("state for {w}"), Decoder::from_parts(tables, buf))
        })
        .collect();
    all.push(("allocated, 1 MiB".into(), Decoder::new(1 << 20)));
    all
}

/// Streams `frame` through `decoder` in 100-byte pieces into 300-byte buffers; returns
/// the output.
fn stream(
    decoder: &mut Decoder<'_>,
    frame: &[u8],
    buf: &mut Buf<'_>,
) -> Result<Vec<u8>, DecodeError> {
    decoder.reset();
    let (mut at, mut out) = (0, Vec::new());
    loop {
        let end = (at + 100).min(frame.len());
        let p = decoder.decode(&frame[at..end], buf)?;
        at += p.consumed;
        out.extend_from_slice(buf);
        buf.clear();
        match p.status {
            Status::Done => return Ok(out),
            Status::NeedInput if at == frame.len() => return Err(DecodeError::Truncated),
            _ => {}
        }
    }
}

/// One-shot and streaming results of `frame` in `decoder`.
fn decode(decoder: &mut Decoder<'_>, frame: &[u8]) -> [Result<Vec<u8>, DecodeError>; 2] {
    let mut out = WHOLE.try_acquire().unwrap();
    let one_shot = decoder
        .decompress_into(frame, &mut out)
        .map(|n| out[..n].to_vec());
    let mut buf = PIECES.try_acquire().unwrap();
    [one_shot, stream(decoder, frame, &mut buf)]
}

#[test]
fn offsets_beyond_the_window_are_corrupt_in_every_state() {
    for (log, blocks) in [(10, 8), (12, 4)] {
        let window = 1usize << log;
        let decoded = window * blocks + LITERALS;
        for offset in [window + 1, window + LITERALS, 2 * window, decoded] {
            let (f, _) = frame(log, blocks, offset);
            for (name, decoder) in &mut decoders(window) {
                for result in decode(decoder, &f) {
                    assert_eq!(
                        result.map(|o| o.len()),
                        Err(DecodeError::Corrupt),
                        "{name}: offset {offset} in a {window}-byte window"
                    );
                }
            }
        }
    }
}

#[test]
fn offsets_up_to_the_window_decode_in_every_state() {
    let cli = tools::available("zstd");
    for (log, blocks) in [(10, 8), (12, 4)] {
        let window = 1usize << log;
        for offset in [1, LITERALS + 1, window - 1, window] {
            let (f, data) = frame(log, blocks, offset);
            if cli {
                let reference = tools::pipe("zstd", &["-q", "-d", "-c"], &f);
                assert!(reference == data, "zstd -d: offset {offset}");
            }
            for (name, decoder) in &mut decoders(window) {
                for result in decode(decoder, &f) {
                    let what = format!("{name}: offset {offset} in a {window}-byte window");
                    assert!(result.expect(&what) == data, "{what}: output differs");
                }
            }
        }
    }
}

#[test]
fn a_cli_frame_with_matches_one_window_back_decodes() {
    if !tools::available("zstd") {
        return;
    }
    // Random bytes repeating every 1 KiB: the matches are exactly one window back.
    let period = corpus::make(Kind::Random, 1024, 7);
    let data: Vec<u8> = period.iter().copied().cycle().take(40 * 1024).collect();
    let f = tools::pipe("zstd", &["-q", "-c", "-19", "--zstd=wlog=10"], &data);
    assert_eq!(f[5], 0, "a 1 KiB window descriptor");
    assert!(f.len() < data.len() / 10, "matches were used");
    for (name, decoder) in &mut decoders(1024) {
        for result in decode(decoder, &f) {
            assert!(result.expect(name) == data, "{name}: output differs");
        }
    }
}
