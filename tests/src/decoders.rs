//! Decoders for testing the adapters around a `Decode`: [`Strict`] checks the trait's
//! rule that a failed decoder is reset before it is used again, and [`Holds`] hands
//! out its last bytes in the ways a truncated end allows; and the reference decoder of
//! deflate, zlib and gzip ([`flate2_decode`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use bufpress::codec::deflate::Format;
use bufpress::codec::{Decode, DecodeError, Output, Progress, Status};

/// Forwards to `D`; panics if `decode` is called after it returned an error without a
/// `reset` in between; counts the calls in `calls` and keeps a copy of every byte its
/// successful calls gave since the last reset in `gave` (what an adapter must hand on,
/// each byte once).
pub struct Strict<D> {
    /// The decoder that does the work.
    pub inner: D,
    failed: Option<DecodeError>,
    /// Calls of `decode`, shared with the test.
    pub calls: Rc<Cell<usize>>,
    /// The bytes given since the last reset, shared with the test.
    pub gave: Rc<RefCell<Vec<u8>>>,
}

impl<D> Strict<D> {
    /// Wraps `inner`.
    pub fn new(inner: D) -> Self {
        Self {
            inner,
            failed: None,
            calls: Rc::default(),
            gave: Rc::default(),
        }
    }
}

impl<D: Decode> Decode for Strict<D> {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        if let Some(e) = self.failed {
            panic!("decode called again after it returned {e:?}, without a reset");
        }
        self.calls.set(self.calls.get() + 1);
        let r = self.inner.decode(input, out);
        match r {
            Err(e) => self.failed = Some(e),
            Ok(p) => {
                let end = out.len();
                let gave = &out.filled_and_spare_mut()[end - p.produced..end];
                self.gave.borrow_mut().extend_from_slice(gave);
            }
        }
        r
    }

    fn reset(&mut self) {
        self.failed = None;
        self.gave.borrow_mut().clear();
        self.inner.reset();
    }
}

/// Takes all its input, holds it, and gives out as much as fits. `lazy`: says
/// `OutputFull` whenever the buffer is full, even with nothing left (the next call,
/// with no input, then gives nothing and `NeedInput`); otherwise the last piece comes
/// with `NeedInput`. Its stream never ends: any input is truncated.
#[derive(Default)]
pub struct Holds {
    held: VecDeque<u8>,
    lazy: bool,
}

impl Holds {
    /// Holding nothing yet; `lazy` as above.
    pub fn new(lazy: bool) -> Self {
        Self {
            held: VecDeque::new(),
            lazy,
        }
    }
}

impl Decode for Holds {
    fn decode(&mut self, input: &[u8], out: &mut dyn Output) -> Result<Progress, DecodeError> {
        self.held.extend(input);
        let n = self.held.len().min(out.remaining());
        let at = out.len();
        for (dst, src) in out.filled_and_spare_mut()[at..at + n]
            .iter_mut()
            .zip(self.held.drain(..n))
        {
            *dst = src;
        }
        out.commit(n).expect("n bytes fit");
        let full = out.remaining() == 0;
        let status = if !self.held.is_empty() || (self.lazy && full) {
            Status::OutputFull
        } else {
            Status::NeedInput
        };
        Ok(Progress {
            consumed: input.len(),
            produced: n,
            status,
        })
    }

    fn reset(&mut self) {
        self.held.clear();
    }
}

/// What flate2 (zlib-rs) reads from `packed` as `format` (every gzip member).
///
/// # Panics
///
/// If flate2 finds `packed` bad.
pub fn flate2_decode(format: Format, packed: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    match format {
        Format::Raw => flate2::read::DeflateDecoder::new(packed).read_to_end(&mut out),
        Format::Zlib => flate2::read::ZlibDecoder::new(packed).read_to_end(&mut out),
        Format::Gzip => flate2::read::MultiGzDecoder::new(packed).read_to_end(&mut out),
    }
    .unwrap_or_else(|e| panic!("flate2 {format:?}: {e}"));
    out
}
