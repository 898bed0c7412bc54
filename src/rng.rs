//! Seeded randomness, one independent stream per concern.
//!
//! Every random draw in a run comes from a ChaCha8 stream keyed by the scenario
//! seed. Each concern (network fates, fault generation, the workload, each node's
//! own timers) reads its own stream, so adding a draw to one concern never shifts
//! the draws of another, which keeps failing seeds stable while code changes.
//!
//! Sampling is done here from raw 64-bit outputs rather than through `rand`'s
//! distributions: ChaCha's output is fixed by its specification, while a crate's
//! sampling algorithm may change between versions and silently change every trace.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Parts per million: how probabilities are stored once parsed, so the same file
/// means the same draws on every machine.
pub const PPM: u32 = 1_000_000;

/// Stream numbers. Nodes use `NODE_BASE + node index`.
pub mod stream {
    pub const NETWORK: u64 = 1;
    pub const FAULTS: u64 = 2;
    pub const WORKLOAD: u64 = 3;
    pub const DISK: u64 = 4;
    /// `parliament fuzz`: drawing a scenario from a seed. Its parts use
    /// `SWARM + k` for small k (see `fuzz::swarm::Part`), far from the others.
    pub const SWARM: u64 = 1 << 16;
    pub const NODE_BASE: u64 = 1 << 32;
}

#[derive(Clone, Debug)]
pub struct DetRng {
    inner: ChaCha8Rng,
}

impl DetRng {
    /// The stream `stream` of the run seeded with `seed`.
    pub fn new(seed: u64, stream: u64) -> DetRng {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        DetRng { inner }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in `0..n` (Lemire's multiply-and-reject, unbiased). `n == 0` gives 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = (self.next_u64() as u128) * (n as u128);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Uniform in the closed range `lo..=hi` (`lo` when `hi <= lo`).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.below(span),
            None => self.next_u64(),
        }
    }

    /// True with probability `ppm / 1_000_000`. Draws nothing when the answer is
    /// certain, so a zero-probability fault costs no randomness.
    pub fn chance(&mut self, ppm: u32) -> bool {
        if ppm == 0 {
            return false;
        }
        if ppm >= PPM {
            return true;
        }
        self.below(PPM as u64) < ppm as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_stream_give_same_draws() {
        let mut a = DetRng::new(42, stream::NETWORK);
        let mut b = DetRng::new(42, stream::NETWORK);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn streams_are_independent() {
        let mut a = DetRng::new(42, stream::NETWORK);
        let mut b = DetRng::new(42, stream::WORKLOAD);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_ne!(xs, ys);
    }

    #[test]
    fn chacha_output_is_pinned() {
        // If this changes, every golden trace changes: a dependency upgrade did it.
        let mut r = DetRng::new(1, stream::NETWORK);
        let first = r.next_u64();
        let mut again = DetRng::new(1, stream::NETWORK);
        assert_eq!(first, again.next_u64());
        assert_eq!(first, PINNED_FIRST_DRAW);
    }
    const PINNED_FIRST_DRAW: u64 = 15_715_005_604_373_573_095;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = DetRng::new(7, 9);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let x = r.below(7);
            seen[x as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800 && c < 1200), "{seen:?}");
        assert_eq!(r.between(5, 5), 5);
        assert_eq!(r.between(9, 3), 9);
        assert!((0..100).all(|_| (3..=6).contains(&r.between(3, 6))));
    }

    #[test]
    fn chance_extremes_draw_nothing() {
        let mut r = DetRng::new(3, 4);
        let mut s = r.clone();
        assert!(!r.chance(0));
        assert!(r.chance(PPM));
        assert_eq!(r.next_u64(), s.next_u64());
        let hits = (0..100_000).filter(|_| s.chance(250_000)).count();
        assert!((23_000..27_000).contains(&hits), "{hits}");
    }
}
