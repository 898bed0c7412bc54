//! Safety of single-decree consensus, judged from the facts of a run.
//!
//! - A value is *chosen* once a majority of acceptors accepted it in the same
//!   proposal number (ballot). Acceptances are counted forever: an acceptor that
//!   later accepts something else does not un-choose a value.
//! - `agreement`: at most one value is ever chosen, and every value a node learned
//!   had been chosen by then.
//! - `validity`: every chosen value was proposed by a client.

use super::{CheckKind, CheckReport};
use crate::ballot::Ballot;
use crate::fact::{Fact, FactRecord};
use crate::ids::NodeId;
use crate::time::Time;
use crate::value::Value;
use std::collections::BTreeMap;

/// One ballot whose value reached a majority of acceptors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub ballot: Ballot,
    pub value: Value,
    /// When the majority was reached.
    pub at: Time,
    /// The acceptances that made the majority, in time order.
    pub acceptances: Vec<(Time, NodeId)>,
}

/// Every ballot that got a majority, in the order the majorities formed.
pub fn chosen(facts: &[FactRecord], majority: usize) -> Vec<Chosen> {
    let mut by_ballot: BTreeMap<Ballot, (Value, Vec<(Time, NodeId)>)> = BTreeMap::new();
    let mut result = Vec::new();
    for rec in facts {
        let Fact::Accepted { ballot, value } = &rec.fact else {
            continue;
        };
        let entry = by_ballot
            .entry(*ballot)
            .or_insert_with(|| (value.clone(), Vec::new()));
        if entry.1.iter().any(|(_, n)| *n == rec.node) {
            continue;
        }
        entry.1.push((rec.t, rec.node));
        if entry.1.len() == majority {
            result.push(Chosen {
                ballot: *ballot,
                value: entry.0.clone(),
                at: rec.t,
                acceptances: entry.1.clone(),
            });
        }
    }
    result
}

/// The distinct chosen values, in the order they were first chosen.
pub fn chosen_values(chosen: &[Chosen]) -> Vec<Value> {
    let mut values: Vec<Value> = Vec::new();
    for c in chosen {
        if !values.contains(&c.value) {
            values.push(c.value.clone());
        }
    }
    values
}

fn describe_chosen(c: &Chosen, name: &dyn Fn(NodeId) -> String) -> String {
    let who: Vec<String> = c
        .acceptances
        .iter()
        .map(|(t, n)| format!("{} at t={}", name(*n), t))
        .collect();
    format!(
        "{} chosen in ballot {} at t={}: accepted by {}",
        c.value,
        c.ballot,
        c.at,
        who.join(", ")
    )
}

/// At most one value is chosen; every learned value was chosen before it was learned.
pub fn agreement(
    facts: &[FactRecord],
    majority: usize,
    name: &dyn Fn(NodeId) -> String,
) -> CheckReport {
    let chosen = chosen(facts, majority);
    let mut evidence = Vec::new();
    if let Some(first) = chosen.first()
        && let Some(other) = chosen.iter().find(|c| c.value != first.value)
    {
        evidence.push(format!(
            "two different values chosen: {} and {}",
            first.value, other.value
        ));
        evidence.push(describe_chosen(first, name));
        evidence.push(describe_chosen(other, name));
    }
    for rec in facts {
        let Fact::Learned { value } = &rec.fact else {
            continue;
        };
        let known = chosen.iter().any(|c| c.value == *value && c.at <= rec.t);
        if !known {
            evidence.push(format!(
                "{} learned {} at t={}, but {} had not been chosen by then",
                name(rec.node),
                value,
                rec.t,
                value
            ));
        }
    }
    CheckReport::from_evidence(CheckKind::Agreement, evidence)
}

/// Every chosen value was proposed by a client.
pub fn validity(
    facts: &[FactRecord],
    majority: usize,
    proposed: &[Value],
    name: &dyn Fn(NodeId) -> String,
) -> CheckReport {
    let evidence: Vec<String> = chosen(facts, majority)
        .iter()
        .filter(|c| !proposed.contains(&c.value))
        .map(|c| format!("{}; but no client proposed it", describe_chosen(c, name)))
        .collect();
    CheckReport::from_evidence(CheckKind::Validity, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckVerdict;

    fn accepted(t: u64, node: u32, ballot: u64, value: &str) -> FactRecord {
        FactRecord {
            t: Time(t),
            node: NodeId(node),
            fact: Fact::Accepted {
                ballot: Ballot(ballot),
                value: Value::new(value),
            },
        }
    }

    fn learned(t: u64, node: u32, value: &str) -> FactRecord {
        FactRecord {
            t: Time(t),
            node: NodeId(node),
            fact: Fact::Learned {
                value: Value::new(value),
            },
        }
    }

    fn name(n: NodeId) -> String {
        format!("A{}", n.0 + 1)
    }

    #[test]
    fn majority_in_one_ballot_chooses() {
        let facts = vec![accepted(1, 0, 1, "X"), accepted(2, 1, 1, "X")];
        let c = chosen(&facts, 2);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].value, Value::new("X"));
        assert_eq!(c[0].at, Time(2));
        assert_eq!(agreement(&facts, 2, &name).verdict, CheckVerdict::Holds);
    }

    #[test]
    fn majority_split_across_ballots_does_not_choose() {
        let facts = vec![accepted(1, 0, 1, "X"), accepted(2, 1, 3, "X")];
        assert!(chosen(&facts, 2).is_empty());
    }

    #[test]
    fn a_repeated_acceptance_counts_once() {
        let facts = vec![accepted(1, 0, 1, "X"), accepted(2, 0, 1, "X")];
        assert!(chosen(&facts, 2).is_empty());
    }

    #[test]
    fn two_chosen_values_violate_agreement_with_evidence() {
        let facts = vec![
            accepted(1, 0, 1, "X"),
            accepted(2, 1, 1, "X"),
            accepted(3, 1, 2, "Y"),
            accepted(4, 2, 2, "Y"),
        ];
        let r = agreement(&facts, 2, &name);
        assert_eq!(r.verdict, CheckVerdict::Violated);
        assert!(r.evidence[0].contains("X and Y"), "{:?}", r.evidence);
        assert!(r.evidence[2].contains("A2 at t=3"), "{:?}", r.evidence);
    }

    #[test]
    fn the_same_value_chosen_twice_is_agreement() {
        let facts = vec![
            accepted(1, 0, 1, "X"),
            accepted(2, 1, 1, "X"),
            accepted(3, 1, 2, "X"),
            accepted(4, 2, 2, "X"),
        ];
        assert_eq!(agreement(&facts, 2, &name).verdict, CheckVerdict::Holds);
    }

    #[test]
    fn learning_an_unchosen_value_violates_agreement() {
        let facts = vec![accepted(1, 0, 1, "X"), learned(2, 3, "X")];
        assert_eq!(agreement(&facts, 2, &name).verdict, CheckVerdict::Violated);
        let early = vec![
            accepted(1, 0, 1, "X"),
            learned(2, 3, "X"),
            accepted(3, 1, 1, "X"),
        ];
        assert_eq!(agreement(&early, 2, &name).verdict, CheckVerdict::Violated);
    }

    #[test]
    fn validity_needs_a_proposal() {
        let facts = vec![accepted(1, 0, 1, "Z"), accepted(2, 1, 1, "Z")];
        let r = validity(&facts, 2, &[Value::new("X")], &name);
        assert_eq!(r.verdict, CheckVerdict::Violated);
        let r = validity(&facts, 2, &[Value::new("Z")], &name);
        assert_eq!(r.verdict, CheckVerdict::Holds);
    }
}
