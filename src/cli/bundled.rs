//! The scenarios shipped under `scenarios/`, built into the program, so that
//! `parliament list` and `parliament run NAME` work from any directory. A test
//! checks this list against the folder, file by file.

/// Each shipped scenario: its name as `parliament list` shows it (the path
/// under `scenarios/` without `.json`), and its text.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "2pc/commit-reaches-one",
        include_str!("../../scenarios/2pc/commit-reaches-one.json"),
    ),
    (
        "2pc/coordinator-crash-after-prepare",
        include_str!("../../scenarios/2pc/coordinator-crash-after-prepare.json"),
    ),
    (
        "2pc/happy-path",
        include_str!("../../scenarios/2pc/happy-path.json"),
    ),
    (
        "2pc/partial-commit-abort-on-timeout",
        include_str!("../../scenarios/2pc/partial-commit-abort-on-timeout.json"),
    ),
    (
        "2pc/partial-commit",
        include_str!("../../scenarios/2pc/partial-commit.json"),
    ),
    (
        "2pc/participant-crash-before-vote",
        include_str!("../../scenarios/2pc/participant-crash-before-vote.json"),
    ),
    (
        "2pc/vote-no",
        include_str!("../../scenarios/2pc/vote-no.json"),
    ),
    (
        "3pc/crash-after-precommit",
        include_str!("../../scenarios/3pc/crash-after-precommit.json"),
    ),
    (
        "3pc/crash-before-precommit",
        include_str!("../../scenarios/3pc/crash-before-precommit.json"),
    ),
    (
        "3pc/decide-first-crash",
        include_str!("../../scenarios/3pc/decide-first-crash.json"),
    ),
    (
        "3pc/forward-first-saves",
        include_str!("../../scenarios/3pc/forward-first-saves.json"),
    ),
    (
        "3pc/happy-path",
        include_str!("../../scenarios/3pc/happy-path.json"),
    ),
    (
        "3pc/partition-after-precommit",
        include_str!("../../scenarios/3pc/partition-after-precommit.json"),
    ),
    (
        "multi-paxos/duelling-leaders",
        include_str!("../../scenarios/multi-paxos/duelling-leaders.json"),
    ),
    (
        "multi-paxos/ghost-reappearance-start-working",
        include_str!("../../scenarios/multi-paxos/ghost-reappearance-start-working.json"),
    ),
    (
        "multi-paxos/ghost-reappearance",
        include_str!("../../scenarios/multi-paxos/ghost-reappearance.json"),
    ),
    (
        "multi-paxos/leader-crash-under-load",
        include_str!("../../scenarios/multi-paxos/leader-crash-under-load.json"),
    ),
    (
        "multi-paxos/log-hole",
        include_str!("../../scenarios/multi-paxos/log-hole.json"),
    ),
    (
        "multi-paxos/minority-partition-heals",
        include_str!("../../scenarios/multi-paxos/minority-partition-heals.json"),
    ),
    (
        "multi-paxos/small-quorum",
        include_str!("../../scenarios/multi-paxos/small-quorum.json"),
    ),
    (
        "paxos-commit/commit-reaches-one",
        include_str!("../../scenarios/paxos-commit/commit-reaches-one.json"),
    ),
    (
        "paxos-commit/coordinator-crash",
        include_str!("../../scenarios/paxos-commit/coordinator-crash.json"),
    ),
    (
        "paxos-commit/happy-path",
        include_str!("../../scenarios/paxos-commit/happy-path.json"),
    ),
    (
        "paxos-commit/partition-after-decision",
        include_str!("../../scenarios/paxos-commit/partition-after-decision.json"),
    ),
    (
        "paxos/acceptor-restart",
        include_str!("../../scenarios/paxos/acceptor-restart.json"),
    ),
    (
        "paxos/amnesia",
        include_str!("../../scenarios/paxos/amnesia.json"),
    ),
    (
        "paxos/bribe-story",
        include_str!("../../scenarios/paxos/bribe-story.json"),
    ),
    (
        "paxos/chosen-value-survives",
        include_str!("../../scenarios/paxos/chosen-value-survives.json"),
    ),
    (
        "paxos/duelling-proposers-backoff",
        include_str!("../../scenarios/paxos/duelling-proposers-backoff.json"),
    ),
    (
        "paxos/duelling-proposers",
        include_str!("../../scenarios/paxos/duelling-proposers.json"),
    ),
    (
        "paxos/happy-path",
        include_str!("../../scenarios/paxos/happy-path.json"),
    ),
    (
        "paxos/ignores-reported-value",
        include_str!("../../scenarios/paxos/ignores-reported-value.json"),
    ),
    (
        "paxos/lossy-duplicating-network",
        include_str!("../../scenarios/paxos/lossy-duplicating-network.json"),
    ),
    (
        "paxos/minority-partition",
        include_str!("../../scenarios/paxos/minority-partition.json"),
    ),
    (
        "paxos/unchosen-value-replaced",
        include_str!("../../scenarios/paxos/unchosen-value-replaced.json"),
    ),
    (
        "primary-backup/ack-before-persist",
        include_str!("../../scenarios/primary-backup/ack-before-persist.json"),
    ),
    (
        "primary-backup/async-failover-loses-writes",
        include_str!("../../scenarios/primary-backup/async-failover-loses-writes.json"),
    ),
    (
        "primary-backup/ghost-three-reigns",
        include_str!("../../scenarios/primary-backup/ghost-three-reigns.json"),
    ),
    (
        "primary-backup/min-acks-loses-writes",
        include_str!("../../scenarios/primary-backup/min-acks-loses-writes.json"),
    ),
    (
        "primary-backup/persist-before-ack",
        include_str!("../../scenarios/primary-backup/persist-before-ack.json"),
    ),
    (
        "primary-backup/split-brain-sync",
        include_str!("../../scenarios/primary-backup/split-brain-sync.json"),
    ),
    (
        "primary-backup/split-brain",
        include_str!("../../scenarios/primary-backup/split-brain.json"),
    ),
    (
        "primary-backup/sync-failover-keeps-writes",
        include_str!("../../scenarios/primary-backup/sync-failover-keeps-writes.json"),
    ),
    (
        "raft/ack-before-persist",
        include_str!("../../scenarios/raft/ack-before-persist.json"),
    ),
    (
        "raft/disruptive-rejoin",
        include_str!("../../scenarios/raft/disruptive-rejoin.json"),
    ),
    (
        "raft/figure-7",
        include_str!("../../scenarios/raft/figure-7.json"),
    ),
    (
        "raft/figure-8-d2",
        include_str!("../../scenarios/raft/figure-8-d2.json"),
    ),
    (
        "raft/figure-8",
        include_str!("../../scenarios/raft/figure-8.json"),
    ),
    (
        "raft/ghost-schedule",
        include_str!("../../scenarios/raft/ghost-schedule.json"),
    ),
    (
        "raft/lost-vote",
        include_str!("../../scenarios/raft/lost-vote.json"),
    ),
    (
        "raft/partial-partition",
        include_str!("../../scenarios/raft/partial-partition.json"),
    ),
    (
        "raft/partitioned-old-leader",
        include_str!("../../scenarios/raft/partitioned-old-leader.json"),
    ),
    (
        "raft/snapshot-catch-up",
        include_str!("../../scenarios/raft/snapshot-catch-up.json"),
    ),
    (
        "raft/split-vote",
        include_str!("../../scenarios/raft/split-vote.json"),
    ),
    (
        "raft/stale-read",
        include_str!("../../scenarios/raft/stale-read.json"),
    ),
];

#[cfg(test)]
mod tests {
    use super::BUNDLED;
    use std::path::Path;

    #[test]
    fn every_shipped_scenario_is_bundled_as_it_is() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut files = Vec::new();
        crate::cli::list::collect_json(&dir, &mut files).unwrap();
        let mut on_disk: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                let name = f.strip_prefix(&dir).unwrap().with_extension("");
                let name = name.to_string_lossy().replace('\\', "/");
                (name, std::fs::read_to_string(f).unwrap())
            })
            .collect();
        on_disk.sort();
        let mut bundled: Vec<(String, String)> = BUNDLED
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        bundled.sort();
        assert_eq!(
            bundled.iter().map(|b| &b.0).collect::<Vec<_>>(),
            on_disk.iter().map(|b| &b.0).collect::<Vec<_>>(),
            "src/cli/bundled.rs lists every file under scenarios/"
        );
        assert_eq!(bundled, on_disk);
    }
}
