//! Driving a streaming codec by hand, in pieces, as the tests do in several places.

use bufpress::codec::{Encode, EncodeError, Status};
use bufpress::pool::Buf;

/// Encodes `data` fed in pieces of at most `max_piece` bytes (at least 1), through
/// `out` (emptied after every call), then finishes; returns every byte produced.
///
/// # Errors
///
/// The encoder's error.
pub fn encode_in_pieces<E: Encode + ?Sized>(
    encoder: &mut E,
    data: &[u8],
    max_piece: usize,
    out: &mut Buf<'_>,
) -> Result<Vec<u8>, EncodeError> {
    let mut produced = Vec::new();
    for piece in data.chunks(max_piece.max(1)) {
        let mut rest = piece;
        while !rest.is_empty() {
            let p = encoder.encode(rest, out)?;
            rest = &rest[p.consumed..];
            produced.extend_from_slice(out);
            out.clear();
        }
    }
    loop {
        let p = encoder.finish(out)?;
        produced.extend_from_slice(out);
        out.clear();
        if p.status == Status::Done {
            return Ok(produced);
        }
    }
}
