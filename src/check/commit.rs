//! The atomic commit checks, over the facts the commit protocols state.
//!
//! - `atomicity`: no participant commits a transaction another aborts; a
//!   transaction commits only if every participant voted Yes; no two decisions
//!   for one transaction differ.
//! - `conservation`: after every completed transaction (each participant
//!   committed or aborted it) the sum of all balances is what it was; and in the
//!   final state, the balances plus the money still locked in prepared
//!   participants of committed transactions add up to the opening sum.
//! - `blocking`: reported, never a violation — how long each participant was
//!   prepared and uncertain while holding its locks, per transaction.
//!
//! Also what the clients saw per transaction (commit, abort, or unknown when
//! no answer came), and how each transaction ended, for `expect`.

use crate::bank::TxName;
use crate::check::{CheckKind, CheckReport, CheckVerdict};
use crate::fact::{Fact, FactKind, FactKinds, FactRecord};
use crate::ids::NodeId;
use crate::named::{NameRow, Named};
use crate::time::Time;
use std::collections::{BTreeMap, BTreeSet};

/// How a transaction ended, over all its participants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxDecision {
    Commit,
    Abort,
    Diverged,
    Undecided,
}

impl Named for TxDecision {
    const TABLE: &'static [NameRow<TxDecision>] = &[
        NameRow {
            value: TxDecision::Commit,
            name: "commit",
            about: "decided commit; no participant aborted it",
        },
        NameRow {
            value: TxDecision::Abort,
            name: "abort",
            about: "decided abort; no participant committed it",
        },
        NameRow {
            value: TxDecision::Diverged,
            name: "diverged",
            about: "some participant committed and another aborted (atomicity violated)",
        },
        NameRow {
            value: TxDecision::Undecided,
            name: "undecided",
            about: "nobody decided or finished it by the end of the run",
        },
    ];
}

/// What the facts say about one transaction.
#[derive(Clone, Debug, Default)]
struct TxFacts {
    begun: Option<Time>,
    participants: Vec<NodeId>,
    votes: BTreeMap<NodeId, (Time, bool, i64)>,
    decisions: Vec<(Time, NodeId, bool)>,
    committed: BTreeMap<NodeId, (Time, i64)>,
    aborted: BTreeMap<NodeId, Time>,
    blocked: BTreeSet<NodeId>,
    answered: Option<(Time, bool)>,
}

impl TxFacts {
    fn finished(&self, node: NodeId) -> Option<Time> {
        let c = self.committed.get(&node).map(|(t, _)| *t);
        let a = self.aborted.get(&node).copied();
        match (c, a) {
            (Some(c), Some(a)) => Some(c.min(a)),
            (x, y) => x.or(y),
        }
    }

    fn completed(&self) -> bool {
        !self.participants.is_empty()
            && self
                .participants
                .iter()
                .all(|&p| self.finished(p).is_some())
    }
}

/// The facts the commit checks and outcomes read: the transactions' story
/// (what [`collect`] gathers) and the accounts opened.
pub fn facts_read() -> FactKinds {
    use FactKind as F;
    FactKinds::of(&[
        F::Opened,
        F::TxBegun,
        F::Voted,
        F::Decided,
        F::TxCommitted,
        F::TxAborted,
        F::Blocked,
        F::Answered,
    ])
}

fn collect(facts: &[FactRecord]) -> BTreeMap<TxName, TxFacts> {
    let mut txs: BTreeMap<TxName, TxFacts> = BTreeMap::new();
    for r in facts {
        match &r.fact {
            Fact::TxBegun { tx, participants } => {
                let t = txs.entry(tx.clone()).or_default();
                t.begun.get_or_insert(r.t);
                t.participants = participants.clone();
            }
            Fact::Voted { tx, yes, delta, .. } => {
                // A participant's first vote is what counts (a repeat is the same).
                txs.entry(tx.clone())
                    .or_default()
                    .votes
                    .entry(r.node)
                    .or_insert((r.t, *yes, *delta));
            }
            Fact::Decided { tx, commit } => {
                txs.entry(tx.clone())
                    .or_default()
                    .decisions
                    .push((r.t, r.node, *commit));
            }
            Fact::TxCommitted { tx, delta } => {
                txs.entry(tx.clone())
                    .or_default()
                    .committed
                    .entry(r.node)
                    .or_insert((r.t, *delta));
            }
            Fact::TxAborted { tx } => {
                txs.entry(tx.clone())
                    .or_default()
                    .aborted
                    .entry(r.node)
                    .or_insert(r.t);
            }
            Fact::Blocked { tx } => {
                txs.entry(tx.clone()).or_default().blocked.insert(r.node);
            }
            Fact::Answered { tx, commit } => {
                txs.entry(tx.clone())
                    .or_default()
                    .answered
                    .get_or_insert((r.t, *commit));
            }
            _ => {}
        }
    }
    txs
}

/// How each transaction the facts mention ended.
pub fn decisions(facts: &[FactRecord]) -> BTreeMap<TxName, TxDecision> {
    collect(facts)
        .into_iter()
        .map(|(tx, t)| {
            let commit = !t.committed.is_empty() || t.decisions.iter().any(|d| d.2);
            let abort = !t.aborted.is_empty() || t.decisions.iter().any(|d| !d.2);
            let d = match (commit, abort) {
                (true, true) => TxDecision::Diverged,
                (true, false) => TxDecision::Commit,
                (false, true) => TxDecision::Abort,
                (false, false) => TxDecision::Undecided,
            };
            (tx, d)
        })
        .collect()
}

/// Whether any prepared participant was blocked (timed out uncertain).
pub fn any_blocked(facts: &[FactRecord]) -> bool {
    facts.iter().any(|r| matches!(r.fact, Fact::Blocked { .. }))
}

pub fn atomicity(facts: &[FactRecord], name: &dyn Fn(NodeId) -> String) -> CheckReport {
    let mut evidence = Vec::new();
    for (tx, t) in collect(facts) {
        if let (Some((c, (tc, _))), Some((a, ta))) =
            (t.committed.iter().next(), t.aborted.iter().next())
        {
            evidence.push(format!(
                "{tx}: {} committed at t={} but {} aborted at t={}",
                name(*c),
                tc.0,
                name(*a),
                ta.0
            ));
        }
        if let Some((c, (tc, _))) = t.committed.iter().next() {
            for &p in &t.participants {
                match t.votes.get(&p) {
                    Some((_, true, _)) => {}
                    Some((tv, false, _)) => evidence.push(format!(
                        "{tx}: {} committed at t={} although {} voted No at t={}",
                        name(*c),
                        tc.0,
                        name(p),
                        tv.0
                    )),
                    None => evidence.push(format!(
                        "{tx}: {} committed at t={} although {} never voted Yes",
                        name(*c),
                        tc.0,
                        name(p)
                    )),
                }
            }
        }
        let commits: Vec<_> = t.decisions.iter().filter(|d| d.2).collect();
        let aborts: Vec<_> = t.decisions.iter().filter(|d| !d.2).collect();
        if let (Some(c), Some(a)) = (commits.first(), aborts.first()) {
            evidence.push(format!(
                "{tx}: decided commit by {} at t={} and abort by {} at t={}",
                name(c.1),
                c.0.0,
                name(a.1),
                a.0.0
            ));
        }
    }
    CheckReport::from_evidence(CheckKind::Atomicity, evidence)
}

pub fn conservation(facts: &[FactRecord], name: &dyn Fn(NodeId) -> String) -> CheckReport {
    let mut evidence = Vec::new();
    let mut opened: BTreeMap<&crate::bank::Account, i64> = BTreeMap::new();
    for r in facts {
        if let Fact::Opened { account, balance } = &r.fact {
            opened.entry(account).or_insert(*balance);
        }
    }
    let opening: i64 = opened.values().sum();
    let mut applied = 0i64;
    let mut in_flight = 0i64;
    for (tx, t) in collect(facts) {
        let sum: i64 = t.committed.values().map(|(_, d)| d).sum();
        applied += sum;
        if t.completed() {
            if sum != 0 {
                let parts: Vec<String> = t
                    .participants
                    .iter()
                    .map(|&p| match t.committed.get(&p) {
                        Some((_, d)) => format!("{} committed {d:+}", name(p)),
                        None => format!("{} aborted", name(p)),
                    })
                    .collect();
                evidence.push(format!(
                    "{tx} completed with the balances changed by {sum:+} in sum ({})",
                    parts.join(", ")
                ));
            }
        } else if !t.committed.is_empty() {
            // Prepared participants of a committed transaction: their change is
            // locked in, waiting to be applied.
            in_flight += t
                .votes
                .iter()
                .filter(|(p, (_, yes, _))| {
                    *yes && !t.committed.contains_key(p) && !t.aborted.contains_key(p)
                })
                .map(|(_, (_, _, d))| d)
                .sum::<i64>();
        }
    }
    if applied + in_flight != 0 {
        evidence.push(format!(
            "final state: the accounts opened with {opening} in all and hold {} ({} still \
             locked in prepared participants): {:+}",
            opening + applied,
            in_flight,
            applied + in_flight
        ));
    }
    CheckReport::from_evidence(CheckKind::Conservation, evidence)
}

/// One participant's uncertainty on one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uncertainty {
    pub tx: TxName,
    pub node: NodeId,
    pub prepared: Time,
    /// When it learned the outcome; `None`: still uncertain at the end.
    pub resolved: Option<Time>,
    pub ticks: u64,
    /// It timed out and had to ask.
    pub blocked: bool,
}

/// Every (participant, transaction) that voted Yes, with how long it stayed
/// prepared and uncertain, holding its locks.
pub fn uncertainties(facts: &[FactRecord], end: Time) -> Vec<Uncertainty> {
    let mut out = Vec::new();
    for (tx, t) in collect(facts) {
        for (&node, &(at, yes, _)) in &t.votes {
            if !yes {
                continue;
            }
            let resolved = t.finished(node);
            out.push(Uncertainty {
                tx: tx.clone(),
                node,
                prepared: at,
                resolved,
                ticks: resolved.unwrap_or(end).0.saturating_sub(at.0),
                blocked: t.blocked.contains(&node),
            });
        }
    }
    out
}

/// The blocking report: a table, not a verdict (it always "holds").
pub fn blocking(facts: &[FactRecord], end: Time, name: &dyn Fn(NodeId) -> String) -> CheckReport {
    let all = uncertainties(facts, end);
    let mut evidence: Vec<String> = all
        .iter()
        .filter(|u| u.blocked || u.resolved.is_none())
        .map(|u| {
            format!(
                "{} on {}: prepared at t={}, uncertain holding locks for {} ticks{}",
                name(u.node),
                u.tx,
                u.prepared.0,
                u.ticks,
                match u.resolved {
                    Some(t) => format!(" (until t={})", t.0),
                    None => " (still blocked at the end)".to_string(),
                }
            )
        })
        .collect();
    if let Some(longest) = all.iter().max_by_key(|u| u.ticks) {
        evidence.push(format!(
            "longest: {} on {}, {} ticks; {} of {} prepared participants blocked",
            name(longest.node),
            longest.tx,
            longest.ticks,
            all.iter().filter(|u| u.blocked).count(),
            all.len()
        ));
    }
    for line in history(facts) {
        evidence.push(line);
    }
    CheckReport {
        check: CheckKind::Blocking,
        verdict: CheckVerdict::Holds,
        evidence,
    }
}

/// What each transaction's client saw: commit, abort, or unknown (no answer).
pub fn history(facts: &[FactRecord]) -> Vec<String> {
    collect(facts)
        .into_iter()
        .filter_map(|(tx, t)| {
            let begun = t.begun?;
            Some(match t.answered {
                Some((at, commit)) => format!(
                    "client: {tx} invoked t={}, {} at t={}",
                    begun.0,
                    if commit { "commit" } else { "abort" },
                    at.0
                ),
                None => format!("client: {tx} invoked t={}, unknown (no answer)", begun.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Account;

    fn at(t: u64, node: u32, fact: Fact) -> FactRecord {
        FactRecord {
            t: Time(t),
            node: NodeId(node),
            fact,
        }
    }

    fn tx() -> TxName {
        TxName("t1".into())
    }

    fn name(n: NodeId) -> String {
        format!("P{}", n.0)
    }

    /// A transfer of 50 from P1's A to P2's B, voted Yes by both.
    fn prepared() -> Vec<FactRecord> {
        vec![
            at(
                0,
                1,
                Fact::Opened {
                    account: Account("A".into()),
                    balance: 100,
                },
            ),
            at(
                0,
                2,
                Fact::Opened {
                    account: Account("B".into()),
                    balance: 100,
                },
            ),
            at(
                1,
                0,
                Fact::TxBegun {
                    tx: tx(),
                    participants: vec![NodeId(1), NodeId(2)],
                },
            ),
            at(
                5,
                1,
                Fact::Voted {
                    tx: tx(),
                    yes: true,
                    delta: -50,
                    reason: None,
                },
            ),
            at(
                5,
                2,
                Fact::Voted {
                    tx: tx(),
                    yes: true,
                    delta: 50,
                    reason: None,
                },
            ),
        ]
    }

    #[test]
    fn both_commit_is_atomic_and_conserves() {
        let mut f = prepared();
        f.push(at(
            10,
            1,
            Fact::TxCommitted {
                tx: tx(),
                delta: -50,
            },
        ));
        f.push(at(
            12,
            2,
            Fact::TxCommitted {
                tx: tx(),
                delta: 50,
            },
        ));
        assert_eq!(atomicity(&f, &name).verdict, CheckVerdict::Holds);
        assert_eq!(conservation(&f, &name).verdict, CheckVerdict::Holds);
        assert_eq!(decisions(&f)[&tx()], TxDecision::Commit);
    }

    #[test]
    fn one_commits_and_one_aborts_loses_money() {
        let mut f = prepared();
        f.push(at(
            10,
            1,
            Fact::TxCommitted {
                tx: tx(),
                delta: -50,
            },
        ));
        f.push(at(12, 2, Fact::TxAborted { tx: tx() }));
        assert_eq!(atomicity(&f, &name).verdict, CheckVerdict::Violated);
        let c = conservation(&f, &name);
        assert_eq!(c.verdict, CheckVerdict::Violated);
        assert!(c.evidence[0].contains("-50"), "{:?}", c.evidence);
        assert_eq!(decisions(&f)[&tx()], TxDecision::Diverged);
    }

    #[test]
    fn a_commit_with_a_participant_still_prepared_is_money_in_flight() {
        let mut f = prepared();
        f.push(at(
            10,
            1,
            Fact::TxCommitted {
                tx: tx(),
                delta: -50,
            },
        ));
        assert_eq!(conservation(&f, &name).verdict, CheckVerdict::Holds);
        assert_eq!(atomicity(&f, &name).verdict, CheckVerdict::Holds);
        let u = uncertainties(&f, Time(100));
        let p2 = u.iter().find(|u| u.node == NodeId(2)).unwrap();
        assert_eq!((p2.resolved, p2.ticks), (None, 95));
    }

    #[test]
    fn a_commit_over_a_no_vote_is_not_atomic() {
        let mut f = prepared();
        f[4] = at(
            5,
            2,
            Fact::Voted {
                tx: tx(),
                yes: false,
                delta: 0,
                reason: None,
            },
        );
        f.push(at(
            10,
            1,
            Fact::TxCommitted {
                tx: tx(),
                delta: -50,
            },
        ));
        let a = atomicity(&f, &name);
        assert_eq!(a.verdict, CheckVerdict::Violated);
        assert!(a.evidence[0].contains("voted No"), "{:?}", a.evidence);
    }

    #[test]
    fn two_decisions_for_one_transaction_are_not_atomic() {
        let mut f = prepared();
        f.push(at(
            10,
            0,
            Fact::Decided {
                tx: tx(),
                commit: true,
            },
        ));
        f.push(at(
            11,
            3,
            Fact::Decided {
                tx: tx(),
                commit: false,
            },
        ));
        assert_eq!(atomicity(&f, &name).verdict, CheckVerdict::Violated);
    }

    #[test]
    fn the_blocking_report_names_the_longest_wait_and_always_holds() {
        let mut f = prepared();
        f.push(at(40, 2, Fact::Blocked { tx: tx() }));
        f.push(at(10, 1, Fact::TxAborted { tx: tx() }));
        f.push(at(300, 2, Fact::TxAborted { tx: tx() }));
        let r = blocking(&f, Time(500), &name);
        assert_eq!(r.verdict, CheckVerdict::Holds);
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("longest: P2 on t1, 295 ticks")),
            "{:?}",
            r.evidence
        );
        assert!(any_blocked(&f));
    }
}
