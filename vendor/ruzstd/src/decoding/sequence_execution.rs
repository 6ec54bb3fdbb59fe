use super::decode_buffer::DecodeBuffer;
use crate::blocks::sequence_section::Sequence;
use crate::decoding::errors::ExecuteSequencesError;

/// Executes sequences as they are decoded (no buffer of sequences): copies literals
/// and matches into the decode buffer, never more than `max_block_decoded_len` bytes
/// in one block (checked before each copy, so a block never writes past that bound).
pub struct SequenceExecutor<'s, 'a> {
    buffer: &'s mut DecodeBuffer<'a>,
    literals: &'s [u8],
    offset_hist: &'s mut [u32; 3],
    literals_copy_counter: usize,
    seq_sum: usize,
    max_block_decoded_len: usize,
}

impl<'s, 'a> SequenceExecutor<'s, 'a> {
    pub fn new(
        buffer: &'s mut DecodeBuffer<'a>,
        literals: &'s [u8],
        offset_hist: &'s mut [u32; 3],
        max_block_decoded_len: usize,
    ) -> Self {
        SequenceExecutor {
            buffer,
            literals,
            offset_hist,
            literals_copy_counter: 0,
            seq_sum: 0,
            max_block_decoded_len,
        }
    }

    /// Executes one sequence.
    #[inline(always)]
    pub fn execute(&mut self, seq: Sequence) -> Result<(), ExecuteSequencesError> {
        let sum = self.seq_sum + seq.ll as usize + seq.ml as usize;
        if sum > self.max_block_decoded_len {
            return Err(ExecuteSequencesError::TooManyBytesGenerated {
                max: self.max_block_decoded_len,
                decoded: sum,
            });
        }
        self.seq_sum = sum;

        if seq.ll > 0 {
            let high = self.literals_copy_counter + seq.ll as usize;
            if high > self.literals.len() {
                return Err(ExecuteSequencesError::NotEnoughBytesForSequence {
                    wanted: high,
                    have: self.literals.len(),
                });
            }
            let literals = &self.literals[self.literals_copy_counter..high];
            self.literals_copy_counter = high;

            self.buffer.push(literals);
        }

        let actual_offset = do_offset_history(seq.of, seq.ll, self.offset_hist);
        if actual_offset == 0 {
            return Err(ExecuteSequencesError::ZeroOffset);
        }
        if seq.ml > 0 {
            self.buffer
                .repeat(actual_offset as usize, seq.ml as usize)?;
        }
        Ok(())
    }

    /// Copies the literals that follow the last sequence.
    pub fn finish(self) -> Result<(), ExecuteSequencesError> {
        let rest_literals = &self.literals[self.literals_copy_counter..];
        let sum = self.seq_sum + rest_literals.len();
        if sum > self.max_block_decoded_len {
            return Err(ExecuteSequencesError::TooManyBytesGenerated {
                max: self.max_block_decoded_len,
                decoded: sum,
            });
        }
        self.buffer.push(rest_literals);
        Ok(())
    }
}

/// Update the most recently used offsets to reflect the provided offset value, and return the
/// "actual" offset needed because offsets are not stored in a raw way, some transformations are needed
/// before you get a functional number.
fn do_offset_history(offset_value: u32, lit_len: u32, scratch: &mut [u32; 3]) -> u32 {
    let actual_offset = if lit_len > 0 {
        match offset_value {
            1..=3 => scratch[offset_value as usize - 1],
            _ => {
                //new offset
                offset_value - 3
            }
        }
    } else {
        match offset_value {
            1..=2 => scratch[offset_value as usize],
            // A malformed dictionary can seed scratch[0] with 0; saturate so this
            // resolves to 0 (rejected upstream as ZeroOffset) instead of
            // underflowing. See #115.
            3 => scratch[0].saturating_sub(1),
            _ => {
                //new offset
                offset_value - 3
            }
        }
    };

    //update history
    if lit_len > 0 {
        match offset_value {
            1 => {
                //nothing
            }
            2 => {
                scratch[1] = scratch[0];
                scratch[0] = actual_offset;
            }
            _ => {
                scratch[2] = scratch[1];
                scratch[1] = scratch[0];
                scratch[0] = actual_offset;
            }
        }
    } else {
        match offset_value {
            1 => {
                scratch[1] = scratch[0];
                scratch[0] = actual_offset;
            }
            2 => {
                scratch[2] = scratch[1];
                scratch[1] = scratch[0];
                scratch[0] = actual_offset;
            }
            _ => {
                scratch[2] = scratch[1];
                scratch[1] = scratch[0];
                scratch[0] = actual_offset;
            }
        }
    }

    actual_offset
}

#[cfg(test)]
mod tests {
    use super::do_offset_history;

    #[test]
    fn repeat_offset_minus_one_with_zero_history_does_not_underflow() {
        // A malformed dictionary can seed offset history slot 0 with 0. With
        // literal length 0 and offset code 3 ("repeat the most recent offset,
        // minus one"), `scratch[0] - 1` must not underflow; it should resolve to
        // 0, which the caller rejects as ExecuteSequencesError::ZeroOffset rather
        // than panicking (debug) or wrapping to u32::MAX (release). See #115.
        let mut scratch = [0u32, 4, 8];
        assert_eq!(do_offset_history(3, 0, &mut scratch), 0);
    }
}
