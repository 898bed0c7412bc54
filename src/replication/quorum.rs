//! Majority quorums over a list of voters.
//!
//! Two questions every replicating protocol asks of a majority:
//! - *Did the vote pass?* ([`Quorum::vote_result`]) — an election, a Paxos
//!   phase 1, a phase 2 for one slot. The answer is known as soon as a
//!   majority said yes (`Won`) or enough said no that a majority is out of
//!   reach (`Lost`); until then it is `Pending`.
//! - *How far does a majority hold the log?* ([`Quorum::committed_index`]) —
//!   the median rule: sort the voters' acknowledged indices from high to low;
//!   the one in majority position is held by a majority, and no larger index
//!   is. This is what etcd-io/raft's `quorum/majority.go` computes.
//!
//! Votes and acknowledgements from nodes that are not voters are ignored; a
//! voter that has not answered counts as missing (votes) or as holding nothing
//! (`LogIndex::ZERO`).

use crate::ids::NodeId;
use crate::replication::log::LogIndex;
use std::collections::BTreeMap;

/// The outcome of a vote so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteResult {
    /// A majority voted yes.
    Won,
    /// So many voted no that a majority of yes is out of reach.
    Lost,
    /// Neither yet: the missing votes decide.
    Pending,
}

/// A majority quorum: any more than half of `voters`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Quorum {
    /// Sorted, without duplicates, never empty.
    voters: Vec<NodeId>,
}

impl Quorum {
    /// A quorum over `voters` (duplicates count once).
    ///
    /// # Panics
    /// If `voters` is empty: a cluster without voters can decide nothing, and
    /// scenario validation never builds one.
    pub fn new(voters: impl IntoIterator<Item = NodeId>) -> Quorum {
        let mut voters: Vec<NodeId> = voters.into_iter().collect();
        voters.sort_unstable();
        voters.dedup();
        assert!(!voters.is_empty(), "a quorum needs at least one voter");
        Quorum { voters }
    }

    /// The quorum of a cluster whose nodes `0..n` all vote.
    pub fn of_cluster(n: u32) -> Quorum {
        Quorum::new((0..n).map(NodeId))
    }

    pub fn voters(&self) -> &[NodeId] {
        &self.voters
    }

    pub fn is_voter(&self, node: NodeId) -> bool {
        self.voters.binary_search(&node).is_ok()
    }

    /// How many voters make a majority: ⌊n/2⌋ + 1.
    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// The result of a vote from the votes received so far (`true` = yes).
    pub fn vote_result(&self, votes: &BTreeMap<NodeId, bool>) -> VoteResult {
        let (mut yes, mut missing) = (0, 0);
        for voter in &self.voters {
            match votes.get(voter) {
                Some(true) => yes += 1,
                Some(false) => {}
                None => missing += 1,
            }
        }
        if yes >= self.majority() {
            VoteResult::Won
        } else if yes + missing >= self.majority() {
            VoteResult::Pending
        } else {
            VoteResult::Lost
        }
    }

    /// The median rule: the largest index that a majority of voters hold,
    /// given each voter's acknowledged (matched) index.
    ///
    /// A Raft leader may commit this index only if its own entry there is of
    /// its current term (§5.4.2, Figure 8); that check is the protocol's.
    pub fn committed_index(&self, acked: impl Fn(NodeId) -> LogIndex) -> LogIndex {
        let mut indices: Vec<LogIndex> = self.voters.iter().map(|&voter| acked(voter)).collect();
        // Ordered from high to low, the index at position majority − 1 has a
        // majority at or above it, and any larger index has fewer holders.
        let position = self.majority() - 1;
        let (_, median, _) = indices.select_nth_unstable_by(position, |a, b| b.cmp(a));
        *median
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DetRng;

    /// For every candidate index, count the voters that hold it; the largest
    /// candidate a majority holds.
    fn naive_committed(quorum: &Quorum, acked: &BTreeMap<NodeId, LogIndex>) -> LogIndex {
        let held = |v: &NodeId| acked.get(v).copied().unwrap_or_default();
        let candidates = quorum.voters().iter().map(held).chain([LogIndex::ZERO]);
        candidates
            .filter(|&c| {
                quorum.voters().iter().filter(|v| held(v) >= c).count() >= quorum.majority()
            })
            .max()
            .expect("ZERO is always held by everyone")
    }

    fn naive_vote(quorum: &Quorum, votes: &BTreeMap<NodeId, bool>) -> VoteResult {
        let n = quorum.voters().len();
        let count = |want: bool| {
            quorum
                .voters()
                .iter()
                .filter(|v| votes.get(v) == Some(&want))
                .count()
        };
        let (yes, no) = (count(true), count(false));
        if 2 * yes > n {
            VoteResult::Won
        } else if 2 * no >= n {
            // No strict majority of yes is possible any more.
            VoteResult::Lost
        } else {
            VoteResult::Pending
        }
    }

    fn acked_of(quorum: &Quorum, indices: &[u64]) -> BTreeMap<NodeId, LogIndex> {
        quorum
            .voters()
            .iter()
            .zip(indices)
            .map(|(&v, &i)| (v, LogIndex(i)))
            .collect()
    }

    #[test]
    fn majority_sizes() {
        let sizes: Vec<usize> = (1..=7).map(|n| Quorum::of_cluster(n).majority()).collect();
        assert_eq!(sizes, vec![1, 2, 2, 3, 3, 4, 4]);
        let q = Quorum::new([NodeId(4), NodeId(1), NodeId(4)]);
        assert_eq!(q.voters(), &[NodeId(1), NodeId(4)]);
        assert!(q.is_voter(NodeId(4)) && !q.is_voter(NodeId(0)));
    }

    #[test]
    fn committed_index_is_the_median_of_five() {
        let q = Quorum::of_cluster(5);
        let acked = acked_of(&q, &[9, 3, 7, 5, 1]);
        // Three of five hold #5 (9, 7, 5); only two hold #7.
        let committed = q.committed_index(|v| acked.get(&v).copied().unwrap_or_default());
        assert_eq!(committed, LogIndex(5));
    }

    #[test]
    fn silent_voters_hold_nothing_and_non_voters_do_not_count() {
        let q = Quorum::new([NodeId(0), NodeId(1), NodeId(2)]);
        let mut acked = BTreeMap::new();
        acked.insert(NodeId(0), LogIndex(4));
        acked.insert(NodeId(9), LogIndex(4));
        let at = |acked: &BTreeMap<NodeId, LogIndex>| {
            q.committed_index(|v| acked.get(&v).copied().unwrap_or_default())
        };
        assert_eq!(at(&acked), LogIndex::ZERO);
        acked.insert(NodeId(2), LogIndex(3));
        assert_eq!(at(&acked), LogIndex(3));
    }

    #[test]
    fn committed_index_agrees_with_counting_exhaustively_up_to_five() {
        for n in 1..=5u32 {
            let q = Quorum::of_cluster(n);
            let combinations = 5u64.pow(n);
            for code in 0..combinations {
                let indices: Vec<u64> = (0..n).map(|k| code / 5u64.pow(k) % 5).collect();
                let acked = acked_of(&q, &indices);
                let fast = q.committed_index(|v| acked[&v]);
                assert_eq!(fast, naive_committed(&q, &acked), "acked {indices:?}");
            }
        }
    }

    #[test]
    fn committed_index_agrees_with_counting_on_random_clusters() {
        let mut rng = DetRng::new(2024, 1);
        for _ in 0..3000 {
            // Voters are a random subset of nodes 0..12; acks come from anyone.
            let voters: Vec<NodeId> = (0..12)
                .filter(|_| rng.chance(500_000))
                .map(NodeId)
                .collect();
            if voters.is_empty() {
                continue;
            }
            let q = Quorum::new(voters);
            let mut acked = BTreeMap::new();
            for n in 0..12 {
                if rng.chance(800_000) {
                    acked.insert(NodeId(n), LogIndex(rng.below(1000)));
                }
            }
            let fast = q.committed_index(|v| acked.get(&v).copied().unwrap_or_default());
            assert_eq!(fast, naive_committed(&q, &acked), "{q:?} {acked:?}");
        }
    }

    #[test]
    fn vote_result_agrees_with_counting_exhaustively_up_to_seven() {
        for n in 1..=7u32 {
            let q = Quorum::of_cluster(n);
            for code in 0..3u64.pow(n) {
                // Each voter: 0 = no answer yet, 1 = yes, 2 = no. Node 99 is not
                // a voter and always says yes.
                let mut votes: BTreeMap<NodeId, bool> = (0..n)
                    .filter_map(|k| match code / 3u64.pow(k) % 3 {
                        0 => None,
                        answer => Some((NodeId(k), answer == 1)),
                    })
                    .collect();
                votes.insert(NodeId(99), true);
                assert_eq!(q.vote_result(&votes), naive_vote(&q, &votes), "{votes:?}");
            }
        }
    }

    #[test]
    fn a_tie_of_two_against_two_in_four_is_lost() {
        let q = Quorum::of_cluster(4);
        let votes: BTreeMap<NodeId, bool> = [(0, true), (1, true), (2, false)]
            .map(|(n, v)| (NodeId(n), v))
            .into();
        assert_eq!(q.vote_result(&votes), VoteResult::Pending);
        let mut votes = votes;
        votes.insert(NodeId(3), false);
        assert_eq!(q.vote_result(&votes), VoteResult::Lost);
    }
}
