//! Proposal numbers (ballots).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A proposal number. Ballot 0 means "none yet" (nothing promised or accepted).
///
/// Numbers are unique per proposer by construction (seed 000 §7.6, *Paxos Made
/// Simple*): with `n` proposers, proposer `j` (1-based) uses `round·n + j` for
/// rounds 0, 1, 2, … So with two proposers the first round gives 1 and 2, exactly
/// the $1 and $2 bribes of seed 004 and the Prepare(1)/Prepare(2) of seed 002.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Ballot(pub u64);

impl Ballot {
    pub const NONE: Ballot = Ballot(0);

    /// The ballot of `proposer` (1-based index among `proposers`) in `round`.
    pub fn of(round: u64, proposer: u64, proposers: u64) -> Ballot {
        Ballot(round.saturating_mul(proposers).saturating_add(proposer))
    }

    /// The smallest ballot of `proposer` that is greater than `than`.
    pub fn next_above(than: Ballot, proposer: u64, proposers: u64) -> Ballot {
        let proposers = proposers.max(1);
        // round·n + j > than  ⇔  round > (than - j) / n
        let round = if than.0 < proposer {
            0
        } else {
            (than.0 - proposer) / proposers + 1
        };
        Ballot::of(round, proposer, proposers)
    }

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_proposers_number_like_the_seeds() {
        assert_eq!(Ballot::of(0, 1, 2), Ballot(1));
        assert_eq!(Ballot::of(0, 2, 2), Ballot(2));
        assert_eq!(Ballot::of(1, 1, 2), Ballot(3));
        assert_eq!(Ballot::next_above(Ballot(2), 1, 2), Ballot(3));
        assert_eq!(Ballot::next_above(Ballot(3), 2, 2), Ballot(4));
        assert_eq!(Ballot::next_above(Ballot(0), 2, 2), Ballot(2));
        assert_eq!(Ballot::next_above(Ballot(1), 1, 2), Ballot(3));
    }

    #[test]
    fn next_above_is_the_smallest_own_ballot_above() {
        for n in 1..6u64 {
            for j in 1..=n {
                for than in 0..40u64 {
                    let b = Ballot::next_above(Ballot(than), j, n);
                    assert!(b.0 > than);
                    assert_eq!(b.0 % n, j % n, "ballot belongs to proposer {j}");
                    assert!(b.0 - than <= n, "no own ballot skipped");
                }
            }
        }
    }
}
