//! A latency histogram with fixed memory: exact below 64 ns, then 32 buckets per
//! power of two (at most 3% wide), up to about 9 minutes. Recording neither
//! allocates nor touches new pages.

/// Buckets: 64 exact ones, then 32 per octave for octaves 6 to 38.
const BUCKETS: usize = 64 + 33 * 32;

/// Counts of nanosecond values.
#[derive(Clone)]
pub(crate) struct Hist {
    counts: [u64; BUCKETS],
    total: u64,
}

fn index(ns: u64) -> usize {
    if ns < 64 {
        return ns as usize;
    }
    let octave = 63 - ns.leading_zeros() as usize; // 6 ..= 63
    if octave > 38 {
        return BUCKETS - 1;
    }
    let top = (ns >> (octave - 5)) as usize; // 32 ..= 63
    64 + (octave - 6) * 32 + (top - 32)
}

/// The middle of bucket `i`, in ns.
fn middle(i: usize) -> f64 {
    if i < 64 {
        return i as f64;
    }
    let octave = (i - 64) / 32 + 6;
    let top = (i - 64) % 32 + 32;
    let width = 1u64 << (octave - 5);
    (top as u64 * width) as f64 + width as f64 / 2.0
}

impl Hist {
    /// An empty histogram.
    pub(crate) fn new() -> Self {
        Self {
            counts: [0; BUCKETS],
            total: 0,
        }
    }

    /// Counts one value.
    #[inline]
    pub(crate) fn record(&mut self, ns: u64) {
        self.counts[index(ns)] += 1;
        self.total += 1;
    }

    /// Adds `other`'s counts.
    pub(crate) fn add(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
    }

    /// The `q` quantile (0 to 1) in µs; NaN when empty.
    pub(crate) fn quantile_us(&self, q: f64) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return middle(i) / 1000.0;
            }
        }
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_narrow() {
        let mut last = 0;
        for ns in [0u64, 1, 63, 64, 65, 100, 1000, 4095, 4096, 1 << 20, 1 << 35] {
            let i = index(ns);
            assert!(i >= last, "{ns}");
            last = i;
            let m = middle(i);
            assert!(
                (m - ns as f64).abs() <= ns as f64 * 0.031 + 0.5,
                "{ns} -> {m}"
            );
        }
    }

    #[test]
    fn quantiles() {
        let mut h = Hist::new();
        for ns in 1..=1000u64 {
            h.record(ns * 1000);
        }
        let p50 = h.quantile_us(0.5);
        let p99 = h.quantile_us(0.99);
        assert!((p50 - 500.0).abs() < 16.0, "{p50}");
        assert!((p99 - 990.0).abs() < 31.0, "{p99}");
    }
}
