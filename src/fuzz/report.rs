//! What a sweep reports: one [`Finding`] per seed on which a check was
//! violated or could not decide, then one [`Summary`]. Both print as text or as
//! JSON Lines (`--json`); `fuzz-merge` reads the JSON Lines of several shards
//! back and prints the one report the unsharded sweep would have printed.

use super::shrink::Size;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One line of `--json` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Finding(Finding),
    Summary(Summary),
}

/// A seed on which some check was violated or unknown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub seed: u64,
    pub protocol: String,
    pub variant: String,
    /// Violated checks, each with the first line of its evidence.
    pub violated: Vec<CheckLine>,
    /// Checks that could not decide.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<CheckLine>,
    /// The swarm options the seed drew.
    pub swarm: String,
    /// The generated scenario, a standalone scenario file.
    pub file: String,
    /// The command that runs it again.
    pub reproduce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<ShrunkScenario>,
    /// Anything that went wrong around the finding (a file that could not be
    /// written, a scenario that did not validate or reproduce).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub check: String,
    pub reason: String,
}

/// The shrunk scenario of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShrunkScenario {
    /// The check it still violates.
    pub check: String,
    pub file: String,
    pub before: Size,
    pub after: Size,
    /// Runs the shrinker spent.
    pub runs: u64,
    /// Whether it stopped at its run budget rather than at a fixpoint.
    pub budget_exhausted: bool,
}

/// Totals of a sweep (or of one shard of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub protocol: String,
    pub variant: String,
    /// `--nodes`, or `None` when each seed draws its node count.
    pub nodes: Option<usize>,
    /// The fault kinds seeds could switch on (`--faults`).
    pub faults: String,
    /// The seeds of the whole sweep, `A..B`.
    pub seeds: String,
    /// `M/N` for one shard of a sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub seeds_run: u64,
    pub violating_seeds: u64,
    pub unknown_seeds: u64,
    /// Seeds whose generated scenario was refused (a fuzzer bug).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub invalid_seeds: u64,
    /// Per check, the seeds that violated it or left it unknown.
    pub checks: BTreeMap<String, CheckTally>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_violating_seed: Option<u64>,
    /// The reproduce command of the first violating seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
    /// `--stop-after` ended the sweep before its last seed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stopped_early: bool,
    /// Shards a merge expected but did not get.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<String>,
    /// Ctrl-C stopped the sweep (or, merged, one of its shards): only the
    /// first `seeds_run` seeds (of the shard) ran, every one of them to the end.
    #[serde(default, skip_serializing_if = "is_false")]
    pub interrupted: bool,
    /// The last seed that ran when interrupted: every seed of the sweep (or
    /// shard) up to it ran, none after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran_through: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckTally {
    pub violated: u64,
    pub unknown: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_violated_seed: Option<u64>,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

fn is_false(x: &bool) -> bool {
    !*x
}

impl Summary {
    /// Counts one finding (findings must arrive in seed order).
    pub fn count(&mut self, f: &Finding) {
        if !f.violated.is_empty() {
            self.violating_seeds += 1;
            if self.first_violating_seed.is_none() {
                self.first_violating_seed = Some(f.seed);
                self.reproduce = Some(f.reproduce.clone());
            }
        }
        if !f.unknown.is_empty() {
            self.unknown_seeds += 1;
        }
        if f.problems.iter().any(|p| p.starts_with(INVALID)) {
            self.invalid_seeds += 1;
        }
        for c in &f.violated {
            let t = self.checks.entry(c.check.clone()).or_default();
            t.violated += 1;
            t.first_violated_seed.get_or_insert(f.seed);
        }
        for c in &f.unknown {
            self.checks.entry(c.check.clone()).or_default().unknown += 1;
        }
    }

    /// The exit status the sweep promises: 0 no violation, 1 violations, 2
    /// when the fuzzer generated a scenario the simulator refused, 130 (as for
    /// any program stopped by Ctrl-C) when interrupted, whatever it found: the
    /// sweep did not finish.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            INTERRUPTED_EXIT
        } else if self.invalid_seeds > 0 {
            2
        } else if self.violating_seeds > 0 {
            1
        } else {
            0
        }
    }
}

/// The exit status of an interrupted sweep (128 + SIGINT, as shells report).
pub const INTERRUPTED_EXIT: i32 = 130;

/// How a problem about an invalid generated scenario starts.
pub const INVALID: &str = "the generated scenario is invalid";

/// A finding as text, several lines ending in a newline.
pub fn finding_text(f: &Finding) -> String {
    let mut s = String::new();
    match f.violated.split_first() {
        Some((first, rest)) => {
            let _ = writeln!(
                s,
                "seed {}: {} violated — {}",
                f.seed, first.check, first.reason
            );
            for c in rest {
                let _ = writeln!(s, "  also violated: {} — {}", c.check, c.reason);
            }
        }
        None if f.unknown.is_empty() => {
            let _ = writeln!(s, "seed {}: problem", f.seed);
        }
        None => {
            let _ = writeln!(
                s,
                "seed {}: no violation, but a check could not decide",
                f.seed
            );
        }
    }
    for c in &f.unknown {
        let _ = writeln!(s, "  unknown: {} — {}", c.check, c.reason);
    }
    let _ = writeln!(s, "  swarm: {}", f.swarm);
    let _ = writeln!(s, "  scenario: {}", f.file);
    if let Some(sh) = &f.shrunk {
        let _ = writeln!(
            s,
            "  shrunk ({} still violated): {} — {} ({} runs{})",
            sh.check,
            sh.file,
            sh.before.change_to(&sh.after),
            sh.runs,
            if sh.budget_exhausted {
                ", budget exhausted"
            } else {
                ""
            }
        );
    }
    for p in &f.problems {
        let _ = writeln!(s, "  problem: {p}");
    }
    let _ = writeln!(s, "  reproduce: {}", f.reproduce);
    s
}

/// The summary as text, several lines ending in a newline.
pub fn summary_text(r: &Summary) -> String {
    let mut s = String::new();
    let nodes = match r.nodes {
        Some(n) => format!("{n} nodes"),
        None => "nodes drawn per seed".to_string(),
    };
    let shard = r
        .shard
        .as_ref()
        .map_or(String::new(), |m| format!(", shard {m}"));
    let _ = writeln!(
        s,
        "fuzz {} {}: seeds {}{shard}, {nodes}, faults {}",
        r.protocol, r.variant, r.seeds, r.faults
    );
    let _ = writeln!(
        s,
        "{} seeds run{}: {} violate a check, {} with an unknown verdict",
        r.seeds_run,
        if r.stopped_early {
            " (stopped early)"
        } else {
            ""
        },
        r.violating_seeds,
        r.unknown_seeds
    );
    if r.interrupted {
        let _ = match r.ran_through {
            Some(last) => writeln!(
                s,
                "interrupted (Ctrl-C): every seed{} up to {last} ran, none after it",
                r.shard
                    .as_ref()
                    .map_or(String::new(), |m| format!(" of shard {m}"))
            ),
            None if r.seeds_run == 0 => writeln!(s, "interrupted (Ctrl-C) before any seed ran"),
            None => writeln!(
                s,
                "interrupted (Ctrl-C): some shards did not run all their seeds"
            ),
        };
    }
    for (check, t) in &r.checks {
        let mut parts = Vec::new();
        if t.violated > 0 {
            parts.push(format!(
                "violated on {} seeds, first seed {}",
                t.violated,
                t.first_violated_seed.unwrap_or_default()
            ));
        }
        if t.unknown > 0 {
            parts.push(format!("unknown on {} seeds", t.unknown));
        }
        let _ = writeln!(s, "  {check}: {}", parts.join("; "));
    }
    if r.invalid_seeds > 0 {
        let _ = writeln!(
            s,
            "  {} generated scenarios were refused by validation (a fuzzer bug)",
            r.invalid_seeds
        );
    }
    if !r.missing_shards.is_empty() {
        let _ = writeln!(s, "  missing shards: {}", r.missing_shards.join(", "));
    }
    if let Some(cmd) = &r.reproduce {
        let _ = writeln!(s, "reproduce the first: {cmd}");
    }
    s
}

/// One record as a JSON line (without the newline).
pub fn json_line(r: &Record) -> String {
    serde_json::to_string(r).expect("records serialise")
}

/// Merges the reports of a sweep's shards into the report of the whole
/// sweep: findings in seed order, then one summary. The shards must be of one
/// sweep (same protocol, variant, nodes, faults and seeds); shards missing
/// from a complete set are named in the summary.
pub fn merge(reports: Vec<Vec<Record>>) -> Result<(Vec<Finding>, Summary), String> {
    let mut findings = Vec::new();
    let mut summaries: Vec<Summary> = Vec::new();
    for (i, records) in reports.into_iter().enumerate() {
        let mut summary = None;
        for r in records {
            match r {
                Record::Finding(f) => findings.push(f),
                Record::Summary(s) if summary.is_none() => summary = Some(s),
                Record::Summary(_) => return Err(format!("input {}: two summaries", i + 1)),
            }
        }
        summaries.push(summary.ok_or_else(|| {
            format!(
                "input {}: no summary line (was the sweep interrupted?)",
                i + 1
            )
        })?);
    }
    let Some(first) = summaries.first() else {
        return Err("nothing to merge".into());
    };
    let sweep = |s: &Summary| {
        (
            s.protocol.clone(),
            s.variant.clone(),
            s.nodes,
            s.faults.clone(),
            s.seeds.clone(),
        )
    };
    for s in &summaries {
        if sweep(s) != sweep(first) {
            return Err(format!(
                "the inputs are of different sweeps: {} {} seeds {} faults {} and {} {} seeds {} faults {}",
                first.protocol,
                first.variant,
                first.seeds,
                first.faults,
                s.protocol,
                s.variant,
                s.seeds,
                s.faults
            ));
        }
    }
    // Which shards of how many.
    let mut count = None;
    let mut seen = Vec::new();
    for s in &summaries {
        let shard = match &s.shard {
            None => super::shard::Shard::WHOLE,
            Some(text) => super::shard::Shard::parse(text)?,
        };
        if *count.get_or_insert(shard.count) != shard.count {
            return Err("the inputs are shards of different shard counts".into());
        }
        if seen.contains(&shard.index) {
            return Err(format!("shard {shard} is given twice"));
        }
        seen.push(shard.index);
    }
    let count = count.unwrap_or(1);
    let missing_shards = (0..count)
        .filter(|i| !seen.contains(i))
        .map(|index| super::shard::Shard { index, count }.to_string())
        .collect();

    findings.sort_by_key(|f| f.seed);
    let mut merged = Summary {
        shard: None,
        seeds_run: summaries.iter().map(|s| s.seeds_run).sum(),
        violating_seeds: 0,
        unknown_seeds: 0,
        invalid_seeds: 0,
        checks: BTreeMap::new(),
        first_violating_seed: None,
        reproduce: None,
        stopped_early: summaries.iter().any(|s| s.stopped_early),
        missing_shards,
        interrupted: summaries.iter().any(|s| s.interrupted),
        // One shard's prefix says nothing about the seeds of the others.
        ran_through: match summaries.as_slice() {
            [only] => only.ran_through,
            _ => None,
        },
        ..first.clone()
    };
    for f in &findings {
        merged.count(f);
    }
    Ok((findings, merged))
}

/// Reads a `--json` report back.
pub fn parse_jsonl(text: &str, source: &str) -> Result<Vec<Record>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| format!("{source}:{}: {e}", i + 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(seed: u64, check: &str) -> Finding {
        Finding {
            seed,
            protocol: "basic-paxos".into(),
            variant: "own-value".into(),
            violated: vec![CheckLine {
                check: check.into(),
                reason: "two values chosen".into(),
            }],
            unknown: Vec::new(),
            swarm: "nodes 3".into(),
            file: format!("out/x-seed-{seed}.json"),
            reproduce: format!("parliament run out/x-seed-{seed}.json"),
            shrunk: None,
            problems: Vec::new(),
        }
    }

    fn summary(shard: Option<&str>, findings: &[Finding], run: u64) -> Summary {
        let mut s = Summary {
            protocol: "basic-paxos".into(),
            variant: "own-value".into(),
            nodes: None,
            faults: "all".into(),
            seeds: "0..10".into(),
            shard: shard.map(str::to_string),
            seeds_run: run,
            violating_seeds: 0,
            unknown_seeds: 0,
            invalid_seeds: 0,
            checks: BTreeMap::new(),
            first_violating_seed: None,
            reproduce: None,
            stopped_early: false,
            missing_shards: Vec::new(),
            interrupted: false,
            ran_through: None,
        };
        for f in findings {
            s.count(f);
        }
        s
    }

    #[test]
    fn merged_shards_equal_the_whole() {
        let all = [
            finding(1, "agreement"),
            finding(4, "agreement"),
            finding(8, "validity"),
        ];
        let whole = summary(None, &all, 10);
        let a = vec![
            Record::Finding(all[1].clone()),
            Record::Summary(summary(Some("1/2"), &all[1..2], 5)),
        ];
        let b = vec![
            Record::Finding(all[0].clone()),
            Record::Finding(all[2].clone()),
            Record::Summary(summary(Some("2/2"), &[all[0].clone(), all[2].clone()], 5)),
        ];
        let (findings, merged) = merge(vec![b, a]).unwrap();
        assert_eq!(findings, all.to_vec());
        assert_eq!(merged, whole);
        assert_eq!(merged.first_violating_seed, Some(1));
        assert_eq!(merged.checks["agreement"].violated, 2);
    }

    #[test]
    fn merge_names_missing_shards_and_refuses_mixed_sweeps() {
        let one = vec![Record::Summary(summary(Some("1/3"), &[], 4))];
        let (_, merged) = merge(vec![one.clone()]).unwrap();
        assert_eq!(merged.missing_shards, ["2/3", "3/3"]);
        assert!(
            merge(vec![one.clone(), one.clone()])
                .unwrap_err()
                .contains("twice")
        );
        let mut other = summary(Some("2/3"), &[], 3);
        other.variant = "default".into();
        assert!(
            merge(vec![one, vec![Record::Summary(other)]])
                .unwrap_err()
                .contains("different sweeps")
        );
        assert!(merge(vec![vec![Record::Finding(finding(1, "agreement"))]]).is_err());
    }

    #[test]
    fn an_interrupted_shard_marks_the_merge_and_the_exit_status() {
        let mut cut = summary(Some("1/2"), &[], 3);
        cut.interrupted = true;
        cut.ran_through = Some(4);
        assert_eq!(cut.exit_code(), INTERRUPTED_EXIT);
        assert!(summary_text(&cut).contains("every seed of shard 1/2 up to 4 ran"));
        let whole = vec![Record::Summary(summary(Some("2/2"), &[], 5))];
        let (_, merged) = merge(vec![vec![Record::Summary(cut)], whole]).unwrap();
        assert!(merged.interrupted && merged.ran_through.is_none());
        assert_eq!(merged.seeds_run, 8);
        assert_eq!(merged.exit_code(), INTERRUPTED_EXIT);
    }

    #[test]
    fn records_round_trip_through_json_lines() {
        let f = finding(3, "agreement");
        let s = summary(None, std::slice::from_ref(&f), 10);
        let text = [Record::Finding(f), Record::Summary(s)]
            .iter()
            .map(json_line)
            .collect::<Vec<_>>()
            .join("\n");
        let back = parse_jsonl(&text, "t").unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(
            back.iter().map(json_line).collect::<Vec<_>>().join("\n"),
            text
        );
        assert!(parse_jsonl("{\"type\": \"nonsense\"}", "t").is_err());
    }
}
