//! Election safety (Raft, Figure 3): at most one leader is elected in a given
//! term — judged from the `leading` facts, where a node says it began leading
//! an epoch (term, view, ballot).
//!
//! The evidence for a violation names both nodes and when each began leading.

use super::{CheckKind, CheckReport};
use crate::fact::{Fact, FactRecord};
use crate::ids::NodeId;
use std::collections::BTreeMap;

/// At most this many doubly-led epochs are described one by one.
const SHOWN: usize = 10;

/// Checks that no epoch was led by two different nodes.
pub fn election_safety(facts: &[FactRecord], name: &dyn Fn(NodeId) -> String) -> CheckReport {
    // Per epoch, the first fact of each node that led it, in trace order.
    let mut leaders: BTreeMap<u64, Vec<&FactRecord>> = BTreeMap::new();
    for f in facts {
        if let Fact::Leading { epoch } = f.fact {
            let seen = leaders.entry(epoch).or_default();
            if !seen.iter().any(|g| g.node == f.node) {
                seen.push(f);
            }
        }
    }
    let doubled: Vec<(&u64, &Vec<&FactRecord>)> =
        leaders.iter().filter(|(_, who)| who.len() > 1).collect();
    let mut evidence = Vec::new();
    for (epoch, who) in doubled.iter().take(SHOWN) {
        let each: Vec<String> = who
            .iter()
            .map(|f| format!("{} at t={}", name(f.node), f.t))
            .collect();
        evidence.push(format!(
            "term {epoch} has {} leaders: {}",
            who.len(),
            each.join(", ")
        ));
    }
    if doubled.len() > SHOWN {
        evidence.push(format!("... and {} more terms", doubled.len() - SHOWN));
    }
    CheckReport::from_evidence(CheckKind::ElectionSafety, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckVerdict;
    use crate::time::Time;

    fn leading(t: u64, node: u32, epoch: u64) -> FactRecord {
        FactRecord {
            t: Time(t),
            node: NodeId(node),
            fact: Fact::Leading { epoch },
        }
    }

    fn name(n: NodeId) -> String {
        format!("S{}", n.0 + 1)
    }

    #[test]
    fn one_leader_per_term_holds_even_if_it_leads_again() {
        let facts = vec![leading(1, 0, 1), leading(5, 1, 2), leading(9, 1, 2)];
        let report = election_safety(&facts, &name);
        assert_eq!(report.verdict, CheckVerdict::Holds);
    }

    #[test]
    fn two_leaders_in_one_term_are_named_with_their_times() {
        let facts = vec![leading(1, 0, 1), leading(5, 1, 3), leading(7, 2, 3)];
        let report = election_safety(&facts, &name);
        assert_eq!(report.verdict, CheckVerdict::Violated);
        assert_eq!(
            report.evidence,
            vec!["term 3 has 2 leaders: S2 at t=5, S3 at t=7".to_string()]
        );
    }
}
