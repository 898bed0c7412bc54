//! A sweep: many seeds, each generated, run and judged on its own, in
//! parallel, reported in seed order.
//!
//! Workers of a local rayon pool (`--jobs`) take the next seed from a shared
//! counter, so seeds start in order; each result goes back to the calling
//! thread, which reorders them and reports every finding as soon as all
//! earlier seeds are done. Output therefore does not depend on the number of
//! jobs or on thread timing. A worker writes a failing seed's scenario file
//! (and its shrunk file) the moment it finds it, so an interrupted sweep
//! leaves every failure found so far on disk. On Ctrl-C
//! ([`crate::interrupt`]) workers take no new seed and finish the ones they
//! hold, so the seeds that ran are exactly a prefix of the sweep's (or shard's)
//! seeds, every one reported, and the summary says where it stopped. A seed that panics (in the
//! protocol, the engine or a checker) is a finding too, not the end of the
//! sweep.

use super::artefact::{WriteStatus, reproduce_command, write_artefact};
use super::generate::{Target, generate};
use super::judge::run_and_judge;
use super::progress::Progress;
use super::report::{CheckLine, Finding, INVALID, ShrunkScenario, Summary};
use super::shard::Shard;
use super::shrink::shrink;
use crate::check::{CheckReport, CheckVerdict};
use crate::interrupt;
use crate::named::Named;
use crate::scenario::{Scenario, ScenarioSpec};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Seeds `start..end` (half-open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    pub start: u64,
    pub end: u64,
}

impl SeedRange {
    /// `A..B` (half-open) or `A..=B` (inclusive).
    pub fn parse(text: &str) -> Result<SeedRange, String> {
        let bad = || format!("--seeds {text:?}: expected A..B (B excluded) or A..=B");
        let (a, b, inclusive) = if let Some((a, b)) = text.split_once("..=") {
            (a, b, true)
        } else if let Some((a, b)) = text.split_once("..") {
            (a, b, false)
        } else {
            return Err(bad());
        };
        let start: u64 = a.trim().parse().map_err(|_| bad())?;
        let last: u64 = b.trim().parse().map_err(|_| bad())?;
        let end = if inclusive {
            last.checked_add(1).ok_or_else(bad)?
        } else {
            last
        };
        if end <= start {
            return Err(format!("--seeds {text:?} holds no seed"));
        }
        Ok(SeedRange { start, end })
    }

    pub fn len(self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

impl std::fmt::Display for SeedRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Everything a sweep needs.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    pub target: Target,
    pub seeds: SeedRange,
    pub shard: Option<Shard>,
    pub jobs: usize,
    /// Stop once this many seeds violated a check (in seed order).
    pub stop_after: Option<u64>,
    /// Where failing scenarios are written; `None` writes nothing (benchmarks).
    pub out_dir: Option<PathBuf>,
    /// Shrink each violation with at most this many runs.
    pub shrink_runs: Option<u64>,
}

impl SweepPlan {
    /// This shard's seeds, in order.
    pub fn shard_seeds(&self) -> Vec<u64> {
        let shard = self.shard.unwrap_or(Shard::WHOLE);
        (0..self.seeds.len())
            .filter(|&p| shard.contains(p))
            .map(|p| self.seeds.start + p)
            .collect()
    }

    fn empty_summary(&self) -> Summary {
        Summary {
            protocol: self.target.protocol.name().to_string(),
            variant: self.target.variant.to_string(),
            nodes: self.target.nodes,
            faults: self.target.faults.to_string(),
            seeds: self.seeds.to_string(),
            shard: self.shard.map(|s| s.to_string()),
            seeds_run: 0,
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
        }
    }

    /// Where seed `seed`'s scenario is written (or would be).
    pub fn file_of(&self, seed: u64) -> PathBuf {
        let name = format!("{}.json", self.target.scenario_name(seed));
        match &self.out_dir {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        }
    }
}

/// What one seed produced.
struct SeedResult {
    finding: Option<Finding>,
    /// Files this seed created (not ones it found already there).
    created: Vec<PathBuf>,
}

/// Runs the sweep; `report` receives each finding in seed order as soon as it
/// is known. Returns the summary.
pub fn sweep(
    plan: &SweepPlan,
    progress: &mut Progress,
    mut report: impl FnMut(&Finding),
) -> Summary {
    let seeds = plan.shard_seeds();
    let total = seeds.len();
    let jobs = plan.jobs.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("fuzz-{i}"))
        .build()
        .expect("a thread pool");
    let next = AtomicUsize::new(0);
    // Positions after this one are not reported (set by --stop-after).
    let last = AtomicUsize::new(usize::MAX);
    let mut summary = plan.empty_summary();
    let mut discarded: Vec<PathBuf> = Vec::new();
    let (tx, rx) = mpsc::channel::<(usize, SeedResult)>();
    pool.in_place_scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, last, seeds) = (&next, &last, &seeds);
            scope.spawn(move |_| {
                loop {
                    // Ctrl-C: take no new seed; the one in hand runs to its
                    // end, files and all.
                    if interrupt::requested() {
                        break;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= total || k > last.load(Ordering::Relaxed) {
                        break;
                    }
                    let seed = seeds[k];
                    let result = std::panic::catch_unwind(AssertUnwindSafe(|| examine(plan, seed)))
                        .unwrap_or_else(|panic| panicked(plan, seed, panic.as_ref()));
                    if tx.send((k, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<usize, SeedResult> = BTreeMap::new();
        let mut next_out = 0;
        let mut received = 0;
        let mut violating = 0;
        for (k, result) in rx.iter() {
            received += 1;
            violating += result
                .finding
                .as_ref()
                .is_some_and(|f| !f.violated.is_empty()) as u64;
            progress.update(received, violating);
            pending.insert(k, result);
            while let Some(result) = pending.remove(&next_out) {
                if next_out > last.load(Ordering::Relaxed) {
                    discarded.extend(result.created);
                } else {
                    summary.seeds_run += 1;
                    if let Some(f) = &result.finding {
                        summary.count(f);
                        report(f);
                    }
                    if plan
                        .stop_after
                        .is_some_and(|k| summary.violating_seeds >= k)
                        && last.load(Ordering::Relaxed) == usize::MAX
                    {
                        last.store(next_out, Ordering::Relaxed);
                        summary.stopped_early = next_out + 1 < total;
                    }
                }
                next_out += 1;
            }
        }
        // Results beyond a gap left by the stop.
        for (_, result) in pending {
            discarded.extend(result.created);
        }
        // Every seed a worker took ran to its end, so the seeds that ran are a
        // prefix of the shard's: all of them unless Ctrl-C stopped the workers.
        let wanted = match last.load(Ordering::Relaxed) {
            usize::MAX => total,
            stop => stop + 1,
        };
        if next_out < wanted {
            summary.interrupted = true;
            summary.ran_through = next_out.checked_sub(1).map(|k| seeds[k]);
        }
    });
    // Seeds past the stop ran only because workers were ahead; their files go,
    // so the files of a sweep do not depend on --jobs.
    for path in discarded {
        let _ = std::fs::remove_file(path);
    }
    progress.finish(summary.seeds_run, summary.violating_seeds);
    summary
}

/// The pseudo-check a panic is reported under.
pub const PANIC: &str = "no-panic";

/// A seed whose generation, run or judging panicked: a bug too, reported as a
/// violation of [`PANIC`] with the scenario written (`parliament run` panics
/// the same way).
fn panicked(plan: &SweepPlan, seed: u64, panic: &(dyn std::any::Any + Send)) -> SeedResult {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    let file = plan.file_of(seed);
    let mut finding = Finding {
        seed,
        protocol: plan.target.protocol.name().to_string(),
        variant: plan.target.variant.to_string(),
        violated: vec![CheckLine {
            check: PANIC.to_string(),
            reason: message.lines().next().unwrap_or_default().to_string(),
        }],
        unknown: Vec::new(),
        swarm: String::new(),
        file: file.display().to_string(),
        reproduce: reproduce_command(&file),
        shrunk: None,
        problems: Vec::new(),
    };
    let mut created = Vec::new();
    match std::panic::catch_unwind(|| generate(&plan.target, seed)) {
        Ok(generated) => {
            finding.swarm = generated.options.to_string();
            if let Some(written) = write(plan, &file, &generated.spec, &mut finding, &mut created) {
                finding.file = written.display().to_string();
                finding.reproduce = reproduce_command(&written);
            }
        }
        Err(_) => finding
            .problems
            .push("generating the scenario panicked: a fuzzer bug".into()),
    }
    SeedResult {
        finding: Some(finding),
        created,
    }
}

/// Generates, runs and judges one seed; writes its files if it fails.
fn examine(plan: &SweepPlan, seed: u64) -> SeedResult {
    // The generator leaves out what falls after the end, so the file is one
    // `parliament run` accepts.
    let generated = generate(&plan.target, seed);
    let file = plan.file_of(seed);
    let source = file.display().to_string();
    let mut finding = Finding {
        seed,
        protocol: plan.target.protocol.name().to_string(),
        variant: plan.target.variant.to_string(),
        violated: Vec::new(),
        unknown: Vec::new(),
        swarm: generated.options.to_string(),
        file: source.clone(),
        reproduce: reproduce_command(&file),
        shrunk: None,
        problems: Vec::new(),
    };
    let mut created = Vec::new();
    let scenario = match Scenario::from_spec(generated.spec.clone(), &source) {
        Ok(scenario) => scenario,
        Err(e) => {
            finding.problems.push(format!("{INVALID}: {e}"));
            if let Some(written) = write(plan, &file, &generated.spec, &mut finding, &mut created) {
                finding.file = written.display().to_string();
                finding.reproduce = reproduce_command(&written);
            }
            return SeedResult {
                finding: Some(finding),
                created,
            };
        }
    };
    let verdicts = run_and_judge(&scenario).checks;
    let line = |c: &CheckReport| CheckLine {
        check: c.check.name().to_string(),
        reason: c
            .evidence
            .first()
            .cloned()
            .unwrap_or_else(|| "(no evidence given)".into()),
    };
    finding.violated = verdicts
        .iter()
        .filter(|c| c.verdict == CheckVerdict::Violated)
        .map(line)
        .collect();
    finding.unknown = verdicts
        .iter()
        .filter(|c| c.verdict == CheckVerdict::Unknown)
        .map(line)
        .collect();
    if finding.violated.is_empty() && finding.unknown.is_empty() {
        return SeedResult {
            finding: None,
            created,
        };
    }
    let mut file = file;
    if let Some(written) = write(plan, &file, &generated.spec, &mut finding, &mut created) {
        file = written;
        finding.file = file.display().to_string();
        finding.reproduce = reproduce_command(&file);
        // The file as written must be this scenario: validated, it gives the
        // same spec, so the same run (runs are deterministic) and verdicts.
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let same = Scenario::parse(&text, &source).is_ok_and(|again| {
            serde_json::to_string(&again.spec).ok() == serde_json::to_string(&scenario.spec).ok()
        });
        if !same {
            finding
                .problems
                .push("the written scenario does not read back as the scenario that ran".into());
        }
    }
    if let (Some(budget), Some(first)) = (
        plan.shrink_runs,
        verdicts
            .iter()
            .find(|c| c.verdict == CheckVerdict::Violated),
    ) {
        match shrink(&generated.spec, &source, first.check, budget) {
            Ok(shrunk) => {
                let mut shrunk_file = shrunk_path(&file);
                let mut record = ShrunkScenario {
                    check: first.check.name().to_string(),
                    file: shrunk_file.display().to_string(),
                    before: shrunk.before,
                    after: shrunk.after,
                    runs: shrunk.runs,
                    budget_exhausted: shrunk.budget_exhausted,
                };
                if plan.out_dir.is_none() {
                    finding.shrunk = Some(record);
                } else if let Some(written) =
                    write(plan, &shrunk_file, &shrunk.spec, &mut finding, &mut created)
                {
                    shrunk_file = written;
                    record.file = shrunk_file.display().to_string();
                    finding.shrunk = Some(record);
                }
            }
            Err(e) => finding.problems.push(format!("shrinking failed: {e}")),
        }
    }
    SeedResult {
        finding: Some(finding),
        created,
    }
}

/// Writes a scenario file when the plan has a directory; where it went (the
/// wanted name, or a fresh one beside it when another file holds that name:
/// an existing file is never replaced).
fn write(
    plan: &SweepPlan,
    path: &Path,
    spec: &ScenarioSpec,
    finding: &mut Finding,
    created: &mut Vec<PathBuf>,
) -> Option<PathBuf> {
    plan.out_dir.as_ref()?;
    match write_artefact(path, &scenario_text(spec)) {
        Ok(written) => {
            if written.status == WriteStatus::Created {
                created.push(written.path.clone());
            }
            if let Some(kept) = &written.kept {
                eprintln!(
                    "note: {} holds other contents and was left as it is; wrote {}",
                    kept.display(),
                    written.path.display()
                );
            }
            Some(written.path)
        }
        Err(e) => {
            finding
                .problems
                .push(format!("cannot write {}: {e}", path.display()));
            None
        }
    }
}

/// A scenario as a standalone, pretty-printed file.
pub fn scenario_text(spec: &ScenarioSpec) -> String {
    let mut text = serde_json::to_string_pretty(spec).expect("specs serialise");
    text.push('\n');
    text
}

/// `x.json` → `x-shrunk.json`.
pub fn shrunk_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-shrunk.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse() {
        assert_eq!(
            SeedRange::parse("0..10"),
            Ok(SeedRange { start: 0, end: 10 })
        );
        assert_eq!(
            SeedRange::parse("5..=5"),
            Ok(SeedRange { start: 5, end: 6 })
        );
        for bad in ["5..2", "3..3", "x..4", "4", "1..=18446744073709551615"] {
            assert!(SeedRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shrunk_files_sit_next_to_the_original() {
        assert_eq!(
            shrunk_path(Path::new("out/a-seed-3.json")),
            PathBuf::from("out/a-seed-3-shrunk.json")
        );
    }

    #[test]
    fn a_panic_is_a_finding_with_its_scenario_written() {
        let dir = std::env::temp_dir().join(format!("parliament-panic-{}", std::process::id()));
        let plan = SweepPlan {
            target: Target::new(
                "basic-paxos",
                None,
                None,
                super::super::swarm::FaultSet::all(),
            )
            .unwrap(),
            seeds: SeedRange { start: 0, end: 10 },
            shard: None,
            jobs: 1,
            stop_after: None,
            out_dir: Some(dir.clone()),
            shrink_runs: None,
        };
        let result = panicked(&plan, 7, &"boom\nmore");
        let f = result.finding.unwrap();
        assert_eq!(f.violated[0].check, PANIC);
        assert_eq!(f.violated[0].reason, "boom");
        assert!(!f.swarm.is_empty());
        let written = std::fs::read_to_string(&f.file).unwrap();
        Scenario::parse(&written, &f.file).unwrap();
        assert_eq!(result.created, [PathBuf::from(&f.file)]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn shards_partition_the_seeds() {
        let plan = |shard| SweepPlan {
            target: Target::new(
                "basic-paxos",
                None,
                None,
                super::super::swarm::FaultSet::all(),
            )
            .unwrap(),
            seeds: SeedRange { start: 10, end: 20 },
            shard,
            jobs: 1,
            stop_after: None,
            out_dir: None,
            shrink_runs: None,
        };
        let mut all: Vec<u64> = (1..=3)
            .flat_map(|m| {
                plan(Some(Shard {
                    index: m - 1,
                    count: 3,
                }))
                .shard_seeds()
            })
            .collect();
        all.sort();
        assert_eq!(all, plan(None).shard_seeds());
        assert_eq!(
            plan(Some(Shard { index: 1, count: 3 })).shard_seeds(),
            [11, 14, 17]
        );
    }
}
