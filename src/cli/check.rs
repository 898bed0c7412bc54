//! `parliament check`: judge history files that did not come from the simulator
//! (or did: the JSON Lines histories a run writes).
//!
//! Exit code: 2 if any file is bad input (including a history with no
//! operations), else 1 if any file is not linearizable (or has a ghost, with
//! `--ghost`), else 3 if any verdict is unknown (the time budget or the memory
//! limit ran out), else 0.

use crate::check::ghost::{Ghost, find_possible_ghosts};
use crate::check::linearizability::{CheckOptions, CheckResult, Verdict, check_history};
use crate::error::InputError;
use crate::history::{Completion, Format, History, ModelKind, Operation, read_history_file};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const EXAMPLES: &str = "\
Format inference (without --format): from the first non-blank line — a JSON
object is jsonl, an EDN map `{:process ...}` is porcupine-kv, a line starting
`INFO` is porcupine-etcd; otherwise (say, an empty file) the extension decides:
.jsonl, .log for etcd, .edn/.txt for kv.

Exit codes: 0 all linearizable (and no ghost), 1 some history not linearizable
or a ghost found, 2 bad input (an empty history too), 3 unknown (the time budget
or the memory limit ran out). With several files the worst wins, in the order
2, 1, 3, 0.

Memory: the search remembers the configurations it has explored; --max-memory
caps those tables for each file (all keys together). Sizes take a K, M, G or T
suffix (powers of 1024; `KiB`, `MB` and the like are read the same way).

Examples:
  parliament check history.jsonl
  parliament check ../shared/data/porcupine-histories/jepsen/etcd_0*.log
  parliament check --format porcupine-kv --no-partition --budget 10 c10-ok.txt
  parliament check --json --all-keys kv/c50-bad.txt
  parliament check --max-memory 512M --budget 30 long-history.jsonl
  parliament check --ghost run-history.jsonl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    Register,
    Kv,
    Append,
    Set,
}

impl ModelArg {
    fn kind(self) -> ModelKind {
        match self {
            ModelArg::Register => ModelKind::Register,
            ModelArg::Kv => ModelKind::Kv,
            ModelArg::Append => ModelKind::Append,
            ModelArg::Set => ModelKind::Set,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Jsonl,
    PorcupineEtcd,
    PorcupineKv,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::PorcupineEtcd => Format::PorcupineEtcd,
            FormatArg::PorcupineKv => Format::PorcupineKv,
        }
    }
}

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct CheckArgs {
    /// History files to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Model to check against; must fit the file's operations (default: the
    /// model the file's operations belong to).
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// File format (default: inferred, see below).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Check all keys as one state instead of key by key (measures the search).
    #[arg(long)]
    pub no_partition: bool,
    /// Wall-clock budget per file in seconds; when it runs out the verdict is
    /// "unknown".
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub budget: f64,
    /// Memory the search may use per file (e.g. 512M, 2G); past it the
    /// verdict is "unknown".
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_size)]
    pub max_memory: usize,
    /// Decide every key even after one is found not linearizable (default:
    /// stop at the first violation, as Porcupine does).
    #[arg(long)]
    pub all_keys: bool,
    /// Also look for ghost reappearances (append and set histories; without
    /// epoch facts only the timing-only form applies).
    #[arg(long)]
    pub ghost: bool,
    /// One JSON object per file on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What became of one file.
enum FileOutcome {
    Bad(InputError),
    Checked(Box<Checked>),
}

struct Checked {
    format: Format,
    history: History,
    result: CheckResult,
    seconds: f64,
    ghosts: Option<Vec<Ghost>>,
}

pub fn run(args: &CheckArgs) -> i32 {
    if !(args.budget.is_finite() && args.budget >= 0.0) {
        eprintln!(
            "error: --budget must be a non-negative number of seconds, got {}",
            args.budget
        );
        return 2;
    }
    let options = CheckOptions {
        // A budget too large for a Duration is no limit at all.
        budget: Duration::try_from_secs_f64(args.budget).ok(),
        stop_at_first_violation: !args.all_keys,
        memory_limit: args.max_memory,
    };
    let mut code = 0;
    // A bar (files, rate, ETA) on a terminal when there are several files.
    let bar = if args.files.len() > 1 {
        crate::cli::terminal::progress_bar(args.files.len() as u64, "files")
    } else {
        indicatif::ProgressBar::hidden()
    };
    for path in &args.files {
        bar.set_message(path.display().to_string());
        let outcome = check_file(path, args, &options);
        code = worse(code, exit_code(&outcome));
        bar.suspend(|| {
            if args.json {
                crate::outln!("{}", json_line(path, &outcome));
            } else {
                match &outcome {
                    FileOutcome::Bad(e) => eprintln!("error: {e}"),
                    FileOutcome::Checked(c) => crate::out!("{}", human(path, c)),
                }
            }
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    code
}

fn check_file(path: &Path, args: &CheckArgs, options: &CheckOptions) -> FileOutcome {
    let source = path.display().to_string();
    let (format, history) = match read_history_file(path, args.format.map(FormatArg::format)) {
        Ok(x) => x,
        Err(e) => return FileOutcome::Bad(e),
    };
    if history.ops.is_empty() {
        return FileOutcome::Bad(InputError::new(
            &source,
            "the history is empty: it records no operation, so there is nothing to check",
        ));
    }
    let kind = args.model.map_or(history.kind, ModelArg::kind);
    let ghosts = if args.ghost {
        match find_possible_ghosts(&history) {
            Ok(g) => Some(g),
            Err(e) => return FileOutcome::Bad(InputError::new(&source, e.to_string())),
        }
    } else {
        None
    };
    let started = Instant::now();
    let result = match check_history(&history, kind, !args.no_partition, options) {
        Ok(r) => r,
        Err(e) => return FileOutcome::Bad(InputError::new(&source, e.to_string())),
    };
    let seconds = started.elapsed().as_secs_f64();
    FileOutcome::Checked(Box::new(Checked {
        format,
        history,
        result,
        seconds,
        ghosts,
    }))
}

fn exit_code(outcome: &FileOutcome) -> i32 {
    match outcome {
        FileOutcome::Bad(_) => 2,
        FileOutcome::Checked(c) => {
            let ghost = c.ghosts.as_ref().is_some_and(|g| !g.is_empty());
            match c.result.verdict {
                Verdict::NotLinearizable => 1,
                _ if ghost => 1,
                Verdict::Unknown => 3,
                Verdict::Linearizable => 0,
            }
        }
    }
}

/// Combine exit codes: bad input, then violations, then unknown, then success.
fn worse(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        2 => 3,
        1 => 2,
        3 => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn duration(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{seconds:.2} s")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human(path: &Path, c: &Checked) -> String {
    let r = &c.result;
    let mut out = format!(
        "{}: {} ({}, {} model, {}, {}, {})\n",
        path.display(),
        r.verdict,
        c.format,
        r.model,
        plural(r.operations, "operation", "operations"),
        plural(r.partitions.len() + r.unchecked, "key", "keys"),
        duration(c.seconds)
    );
    for p in &r.partitions {
        let key = p
            .key
            .as_ref()
            .map_or("all keys".to_string(), |k| format!("key {:?}", k.0));
        match p.verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown => out.push_str(&format!(
                "  {key}: unknown: {}\n",
                p.unknown_reason.as_deref().unwrap_or("not decided")
            )),
            Verdict::NotLinearizable => out.push_str(&crate::render::linearizability::explain(
                &key, p, &c.history,
            )),
        }
    }
    if r.unchecked > 0 {
        out.push_str(&format!(
            "  {} not checked after the first violation (--all-keys decides every key)\n",
            plural(r.unchecked, "key", "keys")
        ));
    }
    if let Some(ghosts) = &c.ghosts {
        if ghosts.is_empty() {
            out.push_str("  ghost check (timing only): none found\n");
        }
        for g in ghosts {
            for line in g.describe(&c.history).lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out
}

/// Parse a size such as `512M`, `2G`, `1.5GiB` or `1048576` (bytes). Suffixes
/// K, M, G, T are powers of 1024, with or without a trailing `B` or `iB`.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => {
            return Err(format!(
                "expected a size such as 512M or 2G (units K, M, G, T), found {text:?}"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 512M or 2G, found {text:?}"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes >= usize::MAX as f64 {
        return Err(format!("{text:?} is larger than this machine can address"));
    }
    Ok(bytes as usize)
}

/// A violation in words; each form says only what the search established.
#[derive(Serialize)]
struct JsonFile<'a> {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    operations: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keys_unchecked: Option<usize>,
    /// High-water mark of the search tables (all keys together), in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_table_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    partitions: Vec<JsonPartition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ghosts: Option<Vec<JsonGhost>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    exit_code: i32,
}

#[derive(Serialize)]
struct JsonPartition {
    key: Option<String>,
    verdict: &'static str,
    operations: usize,
    steps: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    violation: Option<JsonViolation>,
}

#[derive(Serialize)]
struct JsonViolation {
    /// Which form the explanation takes (see `ExplanationKind`):
    /// "longest_prefix", "unplaceable_read" or "impossible_result".
    explanation_kind: &'static str,
    /// Ids of the linearizable prefix, in order.
    prefix: Vec<u64>,
    /// Operations the search had to place (`fail` ones and unanswered reads
    /// are left out).
    to_place: usize,
    state: String,
    /// longest_prefix: the operations that could come next, none of which
    /// fits `state`; otherwise the one operation that cannot be placed.
    stuck: Vec<JsonOp>,
    overdue: Option<u64>,
    /// unplaceable_read: the read that saw a state `state` can no longer become.
    unreachable_read: Option<u64>,
    /// impossible_result: why no state gives that result.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize)]
struct JsonOp {
    id: u64,
    client: u32,
    op: String,
    invoked: u64,
    completed: Option<u64>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<String>,
}

#[derive(Serialize)]
struct JsonGhost {
    label: &'static str,
    write: JsonOp,
    missing_read: JsonOp,
    reappearing_read: JsonOp,
}

fn json_op(op: &Operation) -> JsonOp {
    JsonOp {
        id: op.id.0,
        client: op.client.0,
        op: op.input.to_string(),
        invoked: op.invoked.0,
        completed: op.completion.time().map(|t| t.0),
        outcome: op.completion.name(),
        result: match &op.completion {
            Completion::Ok { output, .. } => Some(output.to_string()),
            Completion::Fail { .. } | Completion::Info { .. } => None,
        },
    }
}

fn json_line(path: &Path, outcome: &FileOutcome) -> String {
    let file = path.display().to_string();
    let report = match outcome {
        FileOutcome::Bad(e) => JsonFile {
            file,
            format: None,
            model: None,
            verdict: "bad input",
            operations: None,
            events: None,
            seconds: None,
            keys_unchecked: None,
            peak_table_bytes: None,
            partitions: Vec::new(),
            ghosts: None,
            error: Some(e.to_string()),
            exit_code: 2,
        },
        FileOutcome::Checked(c) => {
            let h = &c.history;
            JsonFile {
                file,
                format: Some(c.format.name()),
                model: Some(&c.result.model),
                verdict: c.result.verdict.name(),
                operations: Some(c.result.operations),
                events: Some(h.event_count()),
                seconds: Some(c.seconds),
                keys_unchecked: Some(c.result.unchecked),
                peak_table_bytes: Some(c.result.peak_table_bytes),
                partitions: c
                    .result
                    .partitions
                    .iter()
                    .map(|p| JsonPartition {
                        key: p.key.as_ref().map(|k| k.0.to_string()),
                        verdict: p.verdict.name(),
                        operations: p.operations,
                        steps: p.steps,
                        unknown_reason: p.unknown_reason.clone(),
                        violation: p.violation.as_ref().map(|v| JsonViolation {
                            explanation_kind: v.kind.as_str(),
                            prefix: v.prefix.iter().map(|&i| h.ops[i].id.0).collect(),
                            to_place: v.to_place,
                            state: v.state.clone(),
                            stuck: v.stuck.iter().map(|&i| json_op(&h.ops[i])).collect(),
                            overdue: v.overdue.map(|i| h.ops[i].id.0),
                            unreachable_read: v.unreachable_read.map(|i| h.ops[i].id.0),
                            reason: v.reason.clone(),
                        }),
                    })
                    .collect(),
                ghosts: c.ghosts.as_ref().map(|gs| {
                    gs.iter()
                        .map(|g| JsonGhost {
                            label: g.label(),
                            write: json_op(&h.ops[g.write]),
                            missing_read: json_op(&h.ops[g.missing_read]),
                            reappearing_read: json_op(&h.ops[g.reappearing_read]),
                        })
                        .collect()
                }),
                error: None,
                exit_code: exit_code(outcome),
            }
        }
    };
    serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
