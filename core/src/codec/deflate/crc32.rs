//! CRC-32 (IEEE 802.3, as gzip uses it), picked per target.
//!
//! - 64-bit targets: `crc32fast` (slicing-by-16 and SIMD where available; a 16 KiB
//!   table), for throughput.
//! - Other targets (microcontrollers): [`Compact`], one byte per step over a 1 KiB
//!   table built at compile time: about 40 bytes of code and 1 KiB of flash instead of
//!   about 1 KiB of code and 16 KiB of flash, at a fraction of the speed (gzip decoding
//!   on a microcontroller is dominated by inflate anyway).
//!
//! Both compute the same values; the unit tests check `Compact` against `crc32fast`
//! and the standard check value.

#[cfg(target_pointer_width = "64")]
pub(super) type Crc32 = crc32fast::Hasher;
#[cfg(not(target_pointer_width = "64"))]
pub(super) type Crc32 = Compact;

/// The table for the reflected polynomial 0xEDB88320.
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// A small CRC-32: the same interface as `crc32fast::Hasher` (the part bufpress uses).
#[derive(Debug, Clone)]
#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
pub(super) struct Compact {
    /// The running CRC, inverted.
    state: u32,
}

#[cfg_attr(target_pointer_width = "64", allow(dead_code))]
impl Compact {
    pub(super) const fn new() -> Self {
        Self { state: !0 }
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        let mut c = self.state;
        for &b in data {
            // `(c ^ b) & 0xff` is below 256.
            c = TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
        self.state = c;
    }

    pub(super) fn finalize(self) -> u32 {
        !self.state
    }

    pub(super) fn reset(&mut self) {
        self.state = !0;
    }
}

#[cfg(test)]
mod tests {
    use super::Compact;

    #[test]
    fn compact_matches_the_check_value_and_crc32fast() {
        let mut c = Compact::new();
        c.update(b"123456789");
        assert_eq!(c.finalize(), 0xCBF4_3926);
        let data: [u8; 1000] = core::array::from_fn(|i| (i * 131 + i / 7) as u8);
        for split in [0, 1, 17, 999, 1000] {
            let mut c = Compact::new();
            c.update(&data[..split]);
            c.update(&data[split..]);
            let c = c.clone();
            #[cfg(target_pointer_width = "64")]
            {
                let mut f = crc32fast::Hasher::new();
                f.update(&data);
                assert_eq!(c.finalize(), f.finalize());
            }
            #[cfg(not(target_pointer_width = "64"))]
            let _ = c.finalize();
        }
        let mut c = Compact::new();
        c.update(b"abc");
        c.reset();
        c.update(b"123456789");
        assert_eq!(c.finalize(), 0xCBF4_3926);
    }
}
