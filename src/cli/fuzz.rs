//! `parliament fuzz`, `parliament shrink` and `parliament fuzz-merge`.

use crate::check::{CheckKind, CheckVerdict};
use crate::fuzz::artefact::write_artefact;
use crate::fuzz::generate::Target;
use crate::fuzz::judge::run_and_judge;
use crate::fuzz::progress::Progress;
use crate::fuzz::report::{self, Finding, Record, Summary};
use crate::fuzz::shard::{Shard, ShardSource};
use crate::fuzz::shrink::{DEFAULT_MAX_RUNS, ShrinkError, shrink};
use crate::fuzz::swarm::FaultSet;
use crate::fuzz::sweep::{SeedRange, SweepPlan, scenario_text, shrunk_path, sweep};
use crate::named::Named;
use crate::scenario::Scenario;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

const FUZZ_EXAMPLES: &str = "\
Examples:
  parliament fuzz --protocol basic-paxos --variant forget-promise --count 2000
  parliament fuzz --protocol primary-backup --variant async --nodes 5 --seeds 0..500 --shrink
  parliament fuzz --protocol basic-paxos --faults crash,partition --jobs 2 --stop-after 1
  parliament fuzz --protocol basic-paxos --seeds 0..100000 --shard 3/100 --json > shard-3.jsonl
  parliament fuzz-merge shard-*.jsonl

Each seed draws its swarm options (node count, role layout, which fault kinds
are on and how hard), then a whole scenario: nodes, network, faults, filters and
the load (proposals or a data workload). For every seed on which a check is
violated (or unknown), the scenario is written to DIR as an ordinary scenario
file, at once, and `parliament run FILE` reproduces it.

Fault kinds (--faults, comma-separated, or all / none):
  loss, duplicate, delay, reorder, partition, partial-partition, cut, crash,
  crash-several, pause, disk, rolling, chase
(chase: the node that leads, found by running the schedule drawn so far, is
cut off and crashed, then the next leader soon after its election; the
scenario written is an ordinary fixed schedule.)
Each seed also draws the protocol's timing parameters (`params`) from the
ranges the protocol lists, or leaves them at their defaults.

Shards: --shard M/N runs the seeds at positions ≡ M-1 (mod N). Without it,
JOB_COMPLETION_INDEX (Kubernetes Indexed Job, 0-based; give --shards N) or
SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT)
picks the shard. See docs/scaling-out.md.

Output on stdout is the same whatever --jobs is; progress goes to stderr.

Ctrl-C stops cleanly: no new seed starts, the seeds already running finish
(their files written), and the summary says which seeds ran — every one up to
the last seed it names, none after. A second Ctrl-C exits at once.

Exit status: 0 no violation, 1 violations found, 2 bad input or usage, 130
interrupted by Ctrl-C (whatever was found; the report says what).";

#[derive(Args, Debug)]
#[command(after_help = FUZZ_EXAMPLES)]
pub struct FuzzArgs {
    /// The protocol (see `parliament protocols`).
    #[arg(long)]
    pub protocol: String,
    /// Its variant; default: the protocol's default.
    #[arg(long)]
    pub variant: Option<String>,
    /// Nodes per scenario; default: drawn per seed (2 to 7).
    #[arg(long, value_name = "N")]
    pub nodes: Option<usize>,
    /// Seeds A..B (B excluded) or A..=B.
    #[arg(long, value_name = "A..B", conflicts_with = "count")]
    pub seeds: Option<String>,
    /// Seeds 0..K.
    #[arg(long, value_name = "K")]
    pub count: Option<u64>,
    /// Worker threads; default: the machine's parallelism.
    #[arg(long, value_name = "J")]
    pub jobs: Option<usize>,
    /// Run shard M of N (1-based): seeds at positions ≡ M-1 (mod N).
    #[arg(long, value_name = "M/N")]
    pub shard: Option<String>,
    /// Number of shards, with JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "N")]
    pub shards: Option<u64>,
    /// Stop after K seeds (in seed order) violated a check.
    #[arg(long, value_name = "K")]
    pub stop_after: Option<u64>,
    /// Directory for the failing scenarios.
    #[arg(long, value_name = "DIR", default_value = "fuzz-out")]
    pub out: PathBuf,
    /// Shrink every violation; the shrunk file sits next to it (…-shrunk.json).
    #[arg(long)]
    pub shrink: bool,
    /// Runs each shrink may spend.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RUNS)]
    pub max_runs: u64,
    /// Fault kinds seeds may switch on (comma-separated), all, or none.
    #[arg(long, value_name = "KINDS", default_value = "all")]
    pub faults: String,
    /// JSON Lines: one object per failing seed, then one summary.
    #[arg(long)]
    pub json: bool,
    /// The protocol's params in every scenario, as a JSON object
    /// ('{"prevote": true}'); default: the protocol's defaults.
    #[arg(long, value_name = "JSON")]
    pub params: Option<String>,
}

/// Default sweep size when neither --seeds nor --count is given.
pub const DEFAULT_COUNT: u64 = 1000;

pub fn fuzz_command(args: &FuzzArgs) -> i32 {
    let plan = match plan(args, &|name| std::env::var(name).ok()) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Err(e) = check_out_dir(&args.out) {
        eprintln!("error: {e}");
        return 2;
    }
    let seeds = plan.shard_seeds().len() as u64;
    let mut progress = Progress::for_stderr(seeds);
    let json = args.json;
    crate::interrupt::install();
    // A failed write to stdout (a reader gone, a full disk) stops the sweep as
    // Ctrl-C does — the seeds in hand finish their files — and then ends the
    // program as every other command does.
    let mut stdout_failed: Option<std::io::Error> = None;
    let summary = sweep(&plan, &mut progress, |f| {
        if stdout_failed.is_none()
            && let Err(e) = print_finding(f, json)
        {
            crate::interrupt::request();
            stdout_failed = Some(e);
        }
    });
    if let Some(e) = stdout_failed {
        crate::cli::output::fail(&e);
    }
    if let Err(e) = print_summary(&summary, json) {
        crate::cli::output::fail(&e);
    }
    summary.exit_code()
}

/// The sweep's directory must be one (or not exist yet): checked before any
/// seed runs.
fn check_out_dir(dir: &std::path::Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(format!(
            "--out {}: exists and is not a directory (the failing scenarios go into a \
             directory)",
            dir.display()
        )),
        _ => Ok(()),
    }
}

/// The sweep the arguments describe; `env` reads the environment (shards).
pub fn plan(args: &FuzzArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<SweepPlan, String> {
    let faults = FaultSet::parse(&args.faults).map_err(|e| format!("--faults: {e}"))?;
    let mut target = Target::new(&args.protocol, args.variant.as_deref(), args.nodes, faults)?;
    if let Some(text) = &args.params {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => target.params = map,
            Ok(_) => {
                return Err("--params: expected a JSON object, like '{\"prevote\": true}'".into());
            }
            Err(e) => return Err(format!("--params: not JSON: {e}")),
        }
        // The params must be ones the protocol accepts: check on a bare spec.
        let probe = crate::fuzz::generate::generate(&target, 0).spec;
        crate::scenario::Scenario::from_spec(probe, "--params")
            .map_err(|e| format!("--params: {e}"))?;
    }
    let seeds = match (&args.seeds, args.count) {
        (Some(text), _) => SeedRange::parse(text)?,
        (None, Some(0)) => return Err("--count 0: nothing to run".into()),
        (None, Some(k)) => SeedRange { start: 0, end: k },
        (None, None) => SeedRange {
            start: 0,
            end: DEFAULT_COUNT,
        },
    };
    let shard = match Shard::resolve(args.shard.as_deref(), args.shards, env)? {
        None => None,
        Some((shard, source)) => {
            if source != ShardSource::Flag {
                eprintln!("fuzz: shard {shard} (from {})", source.describe());
            }
            Some(shard)
        }
    };
    let jobs = match args.jobs {
        Some(0) => return Err("--jobs 0: at least one worker".into()),
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if args.stop_after == Some(0) {
        return Err("--stop-after 0 would stop before the first seed".into());
    }
    if args.max_runs == 0 {
        return Err("--max-runs 0 leaves no run to shrink with".into());
    }
    Ok(SweepPlan {
        target,
        seeds,
        shard,
        jobs,
        stop_after: args.stop_after,
        out_dir: Some(args.out.clone()),
        shrink_runs: args.shrink.then_some(args.max_runs),
    })
}

fn print_finding(f: &Finding, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let text = if json {
        report::json_line(&Record::Finding(f.clone())) + "\n"
    } else {
        report::finding_text(f)
    };
    out.write_all(text.as_bytes())?;
    out.flush()
}

fn print_summary(s: &Summary, json: bool) -> std::io::Result<()> {
    let text = if json {
        report::json_line(&Record::Summary(s.clone())) + "\n"
    } else {
        report::summary_text(s)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

// ---------------------------------------------------------------------------

const SHRINK_EXAMPLES: &str = "\
Examples:
  parliament shrink fuzz-out/basic-paxos-forget-promise-seed-17.json --check agreement
  parliament shrink scenarios/paxos/amnesia.json --max-runs 200 --out amnesia-small.json

Greedy passes drop faults, filters, requests, clients, operations, nodes and
roles, shorten the time limit, lower loss and duplication and simplify delays,
keeping each change while the check is still violated, until nothing more can
go or --max-runs runs are spent. Deterministic.

Exit status: 0 a smaller (or equally small) failing scenario was written; 1 the
scenario does not violate the check; 2 bad input.";

#[derive(Args, Debug)]
#[command(after_help = SHRINK_EXAMPLES)]
pub struct ShrinkArgs {
    /// The failing scenario file.
    pub scenario: PathBuf,
    /// The check that must stay violated; default: the first violated one.
    #[arg(long, value_name = "CHECK")]
    pub check: Option<String>,
    /// Runs the shrinker may spend.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RUNS)]
    pub max_runs: u64,
    /// Where to write the result (a new file: an existing one is refused); default: next to
    /// the scenario, …-shrunk.json (or …-shrunk-2.json when that holds something else).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn shrink_command(args: &ShrinkArgs) -> i32 {
    // Before any work: an explicit --out never names the scenario or any
    // existing file (the default name is never taken either: see below).
    if let Some(out) = &args.out
        && let Err(e) = check_shrink_out(&args.scenario, out)
    {
        eprintln!("error: {e}");
        return 2;
    }
    let scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let check = match &args.check {
        Some(name) => match CheckKind::from_name(name) {
            Some(c) => c,
            None => {
                eprintln!(
                    "error: --check {name:?}: expected one of: {}",
                    CheckKind::expected()
                );
                return 2;
            }
        },
        None => {
            let judged = run_and_judge(&scenario);
            match judged
                .checks
                .iter()
                .find(|c| c.verdict == CheckVerdict::Violated)
            {
                Some(c) => c.check,
                None => {
                    eprintln!(
                        "{}: no check is violated: nothing to shrink",
                        args.scenario.display()
                    );
                    return 1;
                }
            }
        }
    };
    let source = args.scenario.display().to_string();
    let shrunk = match shrink(&scenario.spec, &source, check, args.max_runs.max(1)) {
        Ok(s) => s,
        Err(ShrinkError::Holds(_)) => {
            eprintln!(
                "{source}: {} is not violated: nothing to shrink",
                check.name()
            );
            return 1;
        }
        Err(e) => {
            eprintln!("error: {source}: {e}");
            return 2;
        }
    };
    let text = scenario_text(&shrunk.spec);
    let out = match &args.out {
        Some(out) => {
            // Created here, failing if the file appeared while we worked.
            let written = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(out)
                .and_then(|mut f| f.write_all(text.as_bytes()));
            if let Err(e) = written {
                eprintln!("error: {}: cannot write: {e}", out.display());
                return 2;
            }
            out.clone()
        }
        // Next to the scenario, under a fresh name when `…-shrunk.json` holds
        // other contents (an earlier shrink's result is kept).
        None => match write_artefact(&shrunk_path(&args.scenario), &text) {
            Ok(written) => {
                if let Some(kept) = &written.kept {
                    eprintln!(
                        "note: {} holds other contents and was left as it is",
                        kept.display()
                    );
                }
                written.path
            }
            Err(e) => {
                eprintln!(
                    "error: {}: cannot write: {e}",
                    shrunk_path(&args.scenario).display()
                );
                return 2;
            }
        },
    };
    println!(
        "{}: {} still violated after {} runs{}",
        out.display(),
        check.name(),
        shrunk.runs,
        if shrunk.budget_exhausted {
            " (budget exhausted; --max-runs for more)"
        } else {
            " (fixpoint)"
        }
    );
    println!("  {}", shrunk.before.change_to(&shrunk.after));
    println!(
        "reproduce: {}",
        crate::fuzz::artefact::reproduce_command(&out)
    );
    0
}

/// An explicit `shrink --out` may name neither the scenario being shrunk nor
/// any file that exists: the result never replaces a file.
fn check_shrink_out(scenario: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    if crate::input::is_std_stream(out) {
        return Err(format!(
            "--out {}: the shrunk scenario goes to a file; name one",
            out.display()
        ));
    }
    crate::cli::outputs::check_outputs(
        &[crate::cli::outputs::FileArg {
            option: "SCENARIO",
            path: scenario,
        }],
        &[crate::cli::outputs::FileArg {
            option: "--out",
            path: out,
        }],
    )?;
    if std::fs::symlink_metadata(out).is_ok() {
        return Err(format!(
            "--out {}: the file exists; shrink never replaces a file (remove it, or name \
             another)",
            out.display()
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------

const MERGE_EXAMPLES: &str = "\
Examples:
  parliament fuzz-merge results/shard-*.jsonl
  parliament fuzz-merge --json results/*.jsonl > merged.jsonl

Reads the --json output of a sweep's shards and prints one report: the failing
seeds in seed order, then the totals — what the unsharded sweep would print.
Shards missing from the set are named. Exit status as for fuzz: 0 no
violation, 1 violations, 2 bad input (unreadable files, shards of different
sweeps).";

#[derive(Args, Debug)]
#[command(after_help = MERGE_EXAMPLES)]
pub struct MergeArgs {
    /// The shards' JSON Lines files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print JSON Lines instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn merge_command(args: &MergeArgs) -> i32 {
    let mut reports = Vec::new();
    for path in &args.files {
        let source = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {source}: cannot read: {e}");
                return 2;
            }
        };
        match report::parse_jsonl(&text, &source) {
            Ok(records) => reports.push(records),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let (findings, summary) = match report::merge(reports) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    for f in &findings {
        if let Err(e) = print_finding(f, args.json) {
            crate::cli::output::fail(&e);
        }
    }
    if let Err(e) = print_summary(&summary, args.json) {
        crate::cli::output::fail(&e);
    }
    if !summary.missing_shards.is_empty() {
        eprintln!(
            "warning: missing shards {}",
            summary.missing_shards.join(", ")
        );
    }
    summary.exit_code()
}
