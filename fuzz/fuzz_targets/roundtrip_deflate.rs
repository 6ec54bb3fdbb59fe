//! deflate/zlib/gzip round trips at every level, through bufpress's encoder (at 1, 4
//! and 32 KiB windows, one-shot and streamed in pieces through 1- to 64-byte output
//! buffers) and bufpress-std's flate2 encoder, decoded by both decoders.
//!
//! The streaming encoder makes sync flushes (`Encode::flush`) where the fuzzer says
//! (the input's fifth byte, [`Flushes`]): after every n-th piece, before any input,
//! after the last piece, twice in a row, and a flush cut short by a full output left
//! for the next `encode` or `finish` to end. After every flush that returned `Done`,
//! everything streamed so far inflates (streaming decoder) to exactly the input taken
//! so far, the stream not ended; at the end the whole stream inflates to the input.
//! With no flush the streamed bytes are the one-shot bytes.
#![no_main]

use std::sync::Mutex;

use bufpress::codec::Status;
use bufpress::codec::deflate::{self, DecoderState, EncoderState, Format, InflateState};
use bufpress::codec::{Decode as _, Encode as _};
use bufpress::pool::{Buf, Pool, Value, ValuePool};
use bufpress_fuzz::{Pieces, one_shot, split};
use bufpress_std::flate::{Decoder, Encoder};
use libfuzzer_sys::fuzz_target;

static PACKED: Pool<1, { 1 << 18 }> = Pool::new();
static PLAIN: Pool<1, { 1 << 18 }> = Pool::new();
static FLUSHED: Pool<1, { 1 << 18 }> = Pool::new();
static INFLATE: ValuePool<InflateState, 1> = ValuePool::new([const { InflateState::new() }]);
static STREAM_INFLATE: ValuePool<DecoderState, 1> = ValuePool::new([const { DecoderState::new() }]);
static STATE: Mutex<EncoderState> = Mutex::new(EncoderState::new());
static SMALL: ValuePool<EncoderState<1024, 256>, 1> =
    ValuePool::new([const { EncoderState::new() }]);
static MEDIUM: ValuePool<EncoderState<4096, 4096>, 1> =
    ValuePool::new([const { EncoderState::new() }]);
static TINY: Pool<1, 64> = Pool::new();

/// Where the streaming encoder flushes, from one byte of the input.
#[derive(Debug, Clone, Copy)]
struct Flushes(u8);

impl Flushes {
    /// After every n-th piece of input (bits 0-3; 0: never).
    fn after_piece(self, n: usize) -> bool {
        let every = usize::from(self.0 & 0x0f);
        every != 0 && n.is_multiple_of(every)
    }

    /// Before any input (bit 4).
    fn at_start(self) -> bool {
        self.0 & 0x10 != 0
    }

    /// After the last piece, before `finish` (bit 5).
    fn at_end(self) -> bool {
        self.0 & 0x20 != 0
    }

    /// How many flushes in a row at each point (bit 6: two).
    fn times(self) -> usize {
        1 + usize::from(self.0 & 0x40 != 0)
    }

    /// A flush cut short by a full output is left for the next `encode` or `finish`
    /// to end (bit 7), instead of being called again until `Done`.
    fn abandon(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// A streaming decoder fed everything the encoder streamed, as it is streamed.
struct Follower {
    decoder: deflate::Decoder<Value<'static, DecoderState>>,
    out: Buf<'static>,
    fed: usize,
}

impl Follower {
    fn new(format: Format) -> Self {
        let mut decoder = deflate::Decoder::new(format, STREAM_INFLATE.try_acquire().unwrap());
        decoder.reset();
        Self {
            decoder,
            out: FLUSHED.try_acquire().unwrap(),
            fed: 0,
        }
    }

    /// Inflates `streamed[self.fed..]`: all of it is taken, and the stream ends
    /// (`Status::Done`) exactly when `ended` (for gzip, at the call with no input that
    /// says the input ended: another member could follow until then).
    fn feed(&mut self, streamed: &[u8], ended: bool) {
        let p = self.decoder.decode(&streamed[self.fed..], &mut self.out);
        let mut p = p.expect("what the encoder streamed inflates");
        assert_eq!(p.consumed, streamed.len() - self.fed, "all of it taken");
        if ended && self.decoder.format() == Format::Gzip {
            assert_eq!(p.status, Status::NeedInput, "no Done before the input ends");
            p = self.decoder.decode(&[], &mut self.out).expect("the end");
            assert_eq!((p.consumed, p.produced), (0, 0));
        }
        let status = if ended {
            Status::Done
        } else {
            Status::NeedInput
        };
        assert_eq!(p.status, status);
        self.fed = streamed.len();
    }
}

/// One-shot into `packed`, then the streaming encoder over the same state in pieces
/// through `room`-byte outputs, flushing where `flushes` says: the same bytes when it
/// did not flush, and in any case a stream that inflates to the input after each
/// flush and at its end.
#[allow(clippy::too_many_arguments)]
fn ours<const W: usize, const H: usize>(
    state: &mut EncoderState<W, H>,
    input: &[u8],
    packed: &mut Buf<'_>,
    format: Format,
    level: i32,
    ctl: u64,
    flushes: Flushes,
) {
    one_shot(packed, 0, |out| {
        deflate::compress_into(input, out, format, level, state)
    })
    .unwrap();
    let room = 1 + (ctl >> 8) as usize % 64;
    let mut pieces = Pieces::new(ctl);
    let mut tiny = TINY.try_acquire().unwrap();
    let mut encoder = deflate::Encoder::new(format, level, state).unwrap();
    let mut follower = Follower::new(format);
    let mut streamed = Vec::new();
    let (mut at, mut finishing, mut given, mut flushed) = (0, false, 0usize, false);
    let mut flushing = if flushes.at_start() {
        flushes.times()
    } else {
        0
    };
    loop {
        tiny.clear();
        tiny.commit(64 - room).unwrap();
        let p = if flushing > 0 {
            flushed = true;
            encoder.flush(&mut tiny).unwrap()
        } else if finishing {
            encoder.finish(&mut tiny).unwrap()
        } else {
            let end = (at + pieces.next_len()).min(input.len());
            encoder.encode(&input[at..end], &mut tiny).unwrap()
        };
        streamed.extend_from_slice(&tiny[64 - room..]);
        at += p.consumed;
        if flushing > 0 {
            assert_eq!(p.consumed, 0, "a flush takes no input");
            match p.status {
                Status::Done => {
                    flushing -= 1;
                    follower.feed(&streamed, false);
                    assert!(
                        follower.out[..] == input[..at],
                        "a flush gives all input so far"
                    );
                }
                Status::OutputFull => {
                    assert_eq!(tiny.remaining(), 0);
                    if flushes.abandon() {
                        flushing = 0;
                    }
                }
                Status::NeedInput => panic!("a flush ends Done or OutputFull"),
            }
            continue;
        }
        match p.status {
            Status::Done => break,
            Status::OutputFull => assert_eq!(tiny.remaining(), 0),
            Status::NeedInput if !finishing => {
                given += 1;
                finishing = at == input.len();
                if (flushes.after_piece(given) && !finishing) || (finishing && flushes.at_end()) {
                    flushing = flushes.times();
                }
            }
            Status::NeedInput => panic!("finish ends Done or OutputFull"),
        }
    }
    follower.feed(&streamed, true);
    assert!(
        follower.out[..] == *input,
        "the stream inflates to the input"
    );
    if !flushed {
        assert!(streamed[..] == packed[..], "streamed bytes differ");
    }
}

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = split(data);
    let (flushes, input) = match input {
        [f, rest @ ..] => (Flushes(*f), rest),
        [] => (Flushes(0), input),
    };
    let format = [Format::Raw, Format::Zlib, Format::Gzip][(ctl % 3) as usize];
    let level = (ctl / 3 % 11) as i32;
    let mut inflate = INFLATE.try_acquire().unwrap();
    let (mut packed, mut plain) = (PACKED.try_acquire().unwrap(), PLAIN.try_acquire().unwrap());

    match ctl / 33 % 3 {
        0 => ours(
            &mut SMALL.try_acquire().unwrap(),
            input,
            &mut packed,
            format,
            level,
            ctl,
            flushes,
        ),
        1 => ours(
            &mut MEDIUM.try_acquire().unwrap(),
            input,
            &mut packed,
            format,
            level,
            ctl,
            flushes,
        ),
        _ => ours(
            &mut STATE.lock().unwrap(),
            input,
            &mut packed,
            format,
            level,
            ctl,
            flushes,
        ),
    }
    let m = one_shot(&mut plain, 0, |out| {
        deflate::decompress_into(&packed, out, format, &mut inflate)
    })
    .unwrap();
    assert!(plain[..m] == *input);
    let mut flate2_decoder = Decoder::new(format);
    let m = one_shot(&mut plain, 0, |out| {
        flate2_decoder.decompress_into(&packed, out)
    })
    .unwrap();
    assert!(plain[..m] == *input);

    let mut encoder = Encoder::new(format, level.min(9)).unwrap();
    one_shot(&mut packed, 0, |out| encoder.compress_into(input, out)).unwrap();
    let m = one_shot(&mut plain, 0, |out| {
        deflate::decompress_into(&packed, out, format, &mut inflate)
    })
    .unwrap();
    assert!(plain[..m] == *input);

    drop((inflate, packed, plain));
    assert_eq!(PACKED.stats().available, 1);
    assert_eq!(PLAIN.stats().available, 1);
});
