//! Checker benchmarks (cases of `parliament bench`), median of several runs:
//!
//! - on the Porcupine test histories: in-process check time, parsing excluded,
//!   with every verdict compared to `expected.json` and the Go reference
//!   timings from `porcupine-baseline-timings.json` quoted for comparison;
//! - on long single-key register histories generated here, linearizable by
//!   construction (see [`generated`]): check time, generation excluded, and
//!   peak memory, each decided under a 1 GiB memory limit.

use super::linearizability::{CheckOptions, CheckResult, Verdict, check_history, format_bytes};
use crate::bench::BenchResult;
use crate::error::InputError;
use crate::history::{Format, History, ModelKind, read_history_file};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Environment variable that overrides where the Porcupine histories are.
pub const DATA_ENV: &str = "PARLIAMENT_PORCUPINE_DATA";

/// The folder of Porcupine histories: `$PARLIAMENT_PORCUPINE_DATA`, or
/// `../shared/data/porcupine-histories` beside this crate.
pub fn porcupine_data_dir() -> PathBuf {
    match std::env::var_os(DATA_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared/data/porcupine-histories"),
    }
}

/// One data file with its expected verdict.
pub struct DataFile {
    /// Path relative to the data folder, as in expected.json (`jepsen/etcd_000.log`).
    pub name: String,
    pub history: History,
    pub expected: Verdict,
}

/// Every history that expected.json gives a verdict for, in name order.
pub fn load_expected(data_dir: &Path) -> Result<Vec<DataFile>, InputError> {
    let path = data_dir.join("expected.json");
    let source = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| InputError::new(&source, format!("cannot read: {e}")))?;
    let expected: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| {
        InputError::new(&source, e.to_string()).at_line_column(e.line(), e.column())
    })?;
    let mut files = Vec::new();
    for (name, verdict) in expected {
        let expected = match verdict.as_str() {
            "linearizable" => Verdict::Linearizable,
            "not linearizable" => Verdict::NotLinearizable,
            other => {
                return Err(
                    InputError::new(&source, format!("unknown verdict {other:?}")).at(name),
                );
            }
        };
        let format = if name.starts_with("jepsen/") {
            Format::PorcupineEtcd
        } else {
            Format::PorcupineKv
        };
        let (_, history) = read_history_file(&data_dir.join(&name), Some(format))?;
        files.push(DataFile {
            name,
            history,
            expected,
        });
    }
    Ok(files)
}

/// The stored Go reference timings: medians in ms by (file, model), and
/// where and when they were measured.
struct Baseline {
    ms: BTreeMap<(String, String), f64>,
    /// The file's own date (its modification time), `YYYY-MM-DD`.
    date: String,
    /// The machine and toolchain, as the file's `_about` (or `machine`) says.
    machine: String,
}

/// Reads the stored Go reference timings (empty when there are none).
fn baseline(data_dir: &Path) -> Baseline {
    let path = data_dir.join("porcupine-baseline-timings.json");
    let mut out = Baseline {
        ms: BTreeMap::new(),
        date: std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(|| "unknown date".into(), |d| civil_date(d.as_secs())),
        machine: "machine not recorded".into(),
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return out;
    };
    let Ok(json) = serde_json::from_str::<Value>(&text) else {
        return out;
    };
    if let Some(m) = json["date"].as_str() {
        out.date = m.to_string();
    }
    if let Some(m) = json["machine"].as_str() {
        out.machine = m.to_string();
    } else if let Some(about) = json["_about"].as_str() {
        // "...; Go 1.19.8, linux/amd64, 2 CPU cores (...), upstream commit ...".
        if let Some(part) = about.split("; ").find(|p| p.starts_with("Go ")) {
            out.machine = part.split(" (").next().unwrap_or(part).to_string();
        }
    }
    let mut ms = BTreeMap::new();
    for row in json["rows"].as_array().into_iter().flatten() {
        if let (Some(f), Some(m), Some(median)) = (
            row["file"].as_str(),
            row["model"].as_str(),
            row["median_ms"].as_f64(),
        ) {
            ms.insert((f.to_string(), m.to_string()), median);
        }
    }
    out.ms = ms;
    out
}

/// `YYYY-MM-DD` of a Unix time (UTC), by the civil-from-days algorithm.
fn civil_date(secs: u64) -> String {
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn baseline_sum(
    base: &BTreeMap<(String, String), f64>,
    names: &[&str],
    model: &str,
) -> Option<f64> {
    names
        .iter()
        .map(|n| base.get(&(n.to_string(), model.to_string())).copied())
        .sum()
}

struct Case<'a> {
    name: String,
    files: Vec<&'a DataFile>,
    partitioned: bool,
    baseline_model: &'static str,
}

fn run_case(case: &Case<'_>, runs: usize, base: &Baseline) -> BenchResult {
    // Like Porcupine's CheckEvents: stop at the first bad key.
    let options = CheckOptions {
        stop_at_first_violation: true,
        ..CheckOptions::default()
    };
    let events: u64 = case
        .files
        .iter()
        .map(|f| f.history.event_count() as u64)
        .sum();
    let mut samples = Vec::with_capacity(runs);
    let mut verdicts: Vec<Verdict> = Vec::new();
    let mut per_file_seconds = vec![0.0f64; case.files.len()];
    for _ in 0..runs.max(1) {
        verdicts.clear();
        let start = Instant::now();
        for (i, file) in case.files.iter().enumerate() {
            let t = Instant::now();
            let result = check_one(&file.history, case.partitioned, &options);
            per_file_seconds[i] = t.elapsed().as_secs_f64();
            verdicts.push(result.verdict);
        }
        samples.push(start.elapsed().as_secs_f64());
    }
    let mut result = BenchResult::from_samples(case.name.clone(), events, samples);
    let mismatches: Vec<String> = case
        .files
        .iter()
        .zip(&verdicts)
        .filter(|(f, v)| f.expected != **v)
        .map(|(f, v)| format!("{}: got {v}, expected {}", f.name, f.expected))
        .collect();
    let linearizable = verdicts
        .iter()
        .filter(|v| **v == Verdict::Linearizable)
        .count();
    if mismatches.is_empty() {
        result.notes.push(format!(
            "verdicts: all {} match expected.json ({linearizable} linearizable, {} not)",
            verdicts.len(),
            verdicts.len() - linearizable
        ));
    } else {
        result.notes.push(format!(
            "VERDICT MISMATCH in {} of {}: {}",
            mismatches.len(),
            verdicts.len(),
            mismatches.join("; ")
        ));
    }
    let names: Vec<&str> = case.files.iter().map(|f| f.name.as_str()).collect();
    if let Some(go_ms) = baseline_sum(&base.ms, &names, case.baseline_model) {
        // Measured on another day, maybe another machine: quoted as what it
        // is, with no ratio (a ratio is claimed only within one run).
        result.notes.push(format!(
            "stored Go Porcupine baseline ({}): {go_ms:.1} ms, measured {} ({}), \
             not in this run, so no speed ratio is claimed; this run {:.1} ms",
            case.baseline_model,
            base.date,
            base.machine,
            result.seconds * 1e3,
        ));
    }
    if case.files.len() > 1 {
        let mut slowest: Vec<(f64, &str)> = per_file_seconds
            .iter()
            .zip(&names)
            .map(|(s, n)| (*s, *n))
            .collect();
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let top: Vec<String> = slowest
            .iter()
            .take(3)
            .map(|(s, n)| format!("{n} {:.1} ms", s * 1e3))
            .collect();
        result
            .notes
            .push(format!("slowest (last run): {}", top.join(", ")));
    }
    result
}

fn check_one(history: &History, partitioned: bool, options: &CheckOptions) -> CheckResult {
    match check_history(history, history.kind, partitioned, options) {
        Ok(r) => r,
        // The kind is the history's own, so the model always fits.
        Err(e) => unreachable!("{e}"),
    }
}

/// The checker benchmark cases on the Porcupine histories (`files`, from
/// `load_expected(data_dir)`): (a) all etcd histories, (b) the six kv
/// histories per key, (c) kv c01 and c10 without partitioning, separately and
/// together.
pub fn checker_cases(data_dir: &Path, files: &[DataFile], runs: usize) -> Vec<BenchResult> {
    let base = baseline(data_dir);
    let pick = |pred: &dyn Fn(&str) -> bool| -> Vec<&DataFile> {
        files.iter().filter(|f| pred(&f.name)).collect()
    };
    let cases = [
        Case {
            name: "check: etcd, all 102 histories (register)".to_string(),
            files: pick(&|n| n.starts_with("jepsen/")),
            partitioned: true,
            baseline_model: "etcdModel",
        },
        Case {
            name: "check: kv, 6 histories, per key".to_string(),
            files: pick(&|n| n.starts_with("kv/")),
            partitioned: true,
            baseline_model: "kvModel(partitioned)",
        },
        Case {
            name: "check: kv c01 (2 histories), no partition".to_string(),
            files: pick(&|n| n.starts_with("kv/c01")),
            partitioned: false,
            baseline_model: "kvNoPartitionModel",
        },
        Case {
            name: "check: kv c10 (2 histories), no partition".to_string(),
            files: pick(&|n| n.starts_with("kv/c10")),
            partitioned: false,
            baseline_model: "kvNoPartitionModel",
        },
        Case {
            name: "check: kv c01+c10 (4 histories), no partition".to_string(),
            files: pick(&|n| n.starts_with("kv/c01") || n.starts_with("kv/c10")),
            partitioned: false,
            baseline_model: "kvNoPartitionModel",
        },
    ];
    cases.iter().map(|c| run_case(c, runs, &base)).collect()
}

/// A checker benchmark on a generated register history (20 clients, seed 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneratedCase {
    /// Short name to run the case alone (`register-1e4-info`).
    pub id: &'static str,
    pub operations: usize,
    /// Timed-out (`info`) operations, in parts per million.
    pub info_ppm: u32,
}

/// The generated cases, smallest first: 10^4, 3·10^4 and 10^5 operations,
/// without and with 2% `info`.
pub const GENERATED_CASES: [GeneratedCase; 6] = [
    GeneratedCase {
        id: "register-1e4",
        operations: 10_000,
        info_ppm: 0,
    },
    GeneratedCase {
        id: "register-1e4-info",
        operations: 10_000,
        info_ppm: 20_000,
    },
    GeneratedCase {
        id: "register-3e4",
        operations: 30_000,
        info_ppm: 0,
    },
    GeneratedCase {
        id: "register-3e4-info",
        operations: 30_000,
        info_ppm: 20_000,
    },
    GeneratedCase {
        id: "register-1e5",
        operations: 100_000,
        info_ppm: 0,
    },
    GeneratedCase {
        id: "register-1e5-info",
        operations: 100_000,
        info_ppm: 20_000,
    },
];

/// Clients and seed of the generated histories.
pub const GENERATED_CLIENTS: u32 = 20;
pub const GENERATED_SEED: u64 = 1;
/// The memory limit generated cases are checked under: a verdict other than
/// "unknown" shows the history was decided within it.
pub const GENERATED_MEMORY_LIMIT: usize = 1 << 30;
/// Time budget per check of a generated case.
pub const GENERATED_BUDGET: Duration = Duration::from_secs(120);

impl GeneratedCase {
    pub fn find(id: &str) -> Option<GeneratedCase> {
        GENERATED_CASES.into_iter().find(|c| c.id == id)
    }

    pub fn name(&self) -> String {
        let info = match self.info_ppm {
            0 => String::new(),
            ppm => format!(", {}% info", ppm as f64 / 10_000.0),
        };
        format!("check: generated register, {} ops{info}", self.operations)
    }

    pub fn workload(&self) -> generated::RegisterWorkload {
        generated::RegisterWorkload {
            seed: GENERATED_SEED,
            clients: GENERATED_CLIENTS,
            operations: self.operations,
            info_ppm: self.info_ppm,
        }
    }
}

/// Run one generated case `runs` times in this process. The notes give the
/// verdict (it must be linearizable), the checker's own high-water mark of
/// search-table bytes, and this process's peak resident memory (VmHWM: run
/// the case in a process of its own for a figure that is the case's alone).
pub fn generated_case(case: GeneratedCase, runs: usize) -> BenchResult {
    let history = generated::register_history(case.workload());
    let options = CheckOptions {
        budget: Some(GENERATED_BUDGET),
        memory_limit: GENERATED_MEMORY_LIMIT,
        ..CheckOptions::default()
    };
    let mut samples = Vec::with_capacity(runs);
    let mut peak_table_bytes = 0;
    let mut outcomes: Vec<String> = Vec::new();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let result = check_one(&history, true, &options);
        samples.push(start.elapsed().as_secs_f64());
        peak_table_bytes = peak_table_bytes.max(result.peak_table_bytes);
        let why = result
            .partitions
            .iter()
            .find_map(|p| p.unknown_reason.as_deref())
            .map_or(String::new(), |w| format!(" ({w})"));
        let outcome = format!("{}{why}", result.verdict);
        if !outcomes.contains(&outcome) {
            outcomes.push(outcome);
        }
    }
    let mut bench = BenchResult::from_samples(case.name(), history.event_count() as u64, samples);
    bench.peak_table_bytes = Some(peak_table_bytes as u64);
    bench.vm_hwm_bytes = process_peak_rss();
    let expected = Verdict::Linearizable.name();
    let verdicts = outcomes.join(", ");
    if outcomes.len() == 1 && outcomes[0] == expected {
        bench.notes.push(format!(
            "verdict: {verdicts} (as constructed), memory limit {}",
            format_bytes(GENERATED_MEMORY_LIMIT)
        ));
    } else {
        bench.notes.push(format!(
            "VERDICT MISMATCH: got {verdicts}, expected {expected} (memory limit {})",
            format_bytes(GENERATED_MEMORY_LIMIT)
        ));
    }
    let process = bench
        .vm_hwm_bytes
        .map_or("unknown".to_string(), |b| format_bytes(b as usize));
    bench.notes.push(format!(
        "peak memory: search tables {} (checker's high-water mark), process VmHWM {process}",
        format_bytes(peak_table_bytes)
    ));
    bench
}

/// This process's peak resident set size (VmHWM in /proc/self/status), in
/// bytes; `None` where there is no such file.
pub fn process_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Stretch case: decide every key of kv/c50-bad.txt separately (Porcupine stops
/// at the first bad key, and runs out of memory when asked to explain them all),
/// within `budget` in total. Runs once; each key's verdict and time go in the
/// notes.
pub fn c50_bad_every_key(data_dir: &Path, budget: Duration) -> Result<BenchResult, InputError> {
    let path = data_dir.join("kv/c50-bad.txt");
    let (_, history) = read_history_file(&path, Some(Format::PorcupineKv))?;
    let options = CheckOptions {
        budget: Some(budget),
        stop_at_first_violation: false,
        ..CheckOptions::default()
    };
    let start = Instant::now();
    let result = check_history(&history, ModelKind::Kv, true, &options)
        .map_err(|e| InputError::new(path.display().to_string(), e.to_string()))?;
    let seconds = start.elapsed().as_secs_f64();
    let mut bench = BenchResult::from_samples(
        "check: kv c50-bad, every key decided (budget)",
        history.event_count() as u64,
        vec![seconds],
    );
    bench.notes.push(format!(
        "overall: {} ({} keys, budget {} s)",
        result.verdict,
        result.partitions.len(),
        budget.as_secs()
    ));
    for p in &result.partitions {
        let key = p
            .key
            .as_ref()
            .map_or("(all)".to_string(), |k| k.0.to_string());
        bench.notes.push(format!(
            "key {key:?}: {} ({} ops, {} steps, {:.3} s)",
            p.verdict,
            p.operations,
            p.steps,
            p.elapsed.as_secs_f64()
        ));
    }
    Ok(bench)
}

/// Single-key register histories that are linearizable by construction, for
/// measuring the checker on long histories (the Porcupine files are short).
///
/// A seeded simulation: `clients` clients, each with one operation at a time,
/// issue reads (50%), writes (30%) and compare-and-sets (20%) of values 0–9 on
/// one register. Every `ok` operation takes effect at a random instant strictly
/// between its invocation and its completion, and its result is what the
/// register held at that instant, so the effect order is a linearization. A
/// fraction of operations time out (`info`): the client gives up after a
/// timeout and moves on, and the operation takes effect at a random instant
/// after its invocation (possibly after the client gave up) or, half the time,
/// never.
pub mod generated {
    use crate::history::{
        Action, History, HistoryBuilder, Input, ModelKind, Outcome, Output, RegisterOp,
    };
    use crate::ids::{ClientId, RequestId};
    use crate::rng::DetRng;
    use crate::time::Time;

    /// What to generate.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RegisterWorkload {
        pub seed: u64,
        pub clients: u32,
        pub operations: usize,
        /// Timed-out operations, in parts per million.
        pub info_ppm: u32,
    }

    /// One generated operation before its result is known.
    struct Planned {
        client: u32,
        op: RegisterOp,
        invoked: u64,
        /// When the client stops waiting: the answer, or the timeout.
        completed: u64,
        /// When the operation takes effect, if it ever does.
        effect: Option<u64>,
        timed_out: bool,
    }

    /// Longest an answered operation takes, in ticks (effect and answer each
    /// take 1..=LATENCY).
    const LATENCY: u64 = 20;
    /// A client gives up this long after invoking.
    const TIMEOUT: u64 = 3 * LATENCY;

    pub fn register_history(w: RegisterWorkload) -> History {
        let mut rng = DetRng::new(w.seed, crate::rng::stream::WORKLOAD);
        let mut free_at: Vec<u64> = (0..w.clients).map(|_| rng.below(LATENCY)).collect();
        let mut planned: Vec<Planned> = Vec::with_capacity(w.operations);
        while planned.len() < w.operations {
            // The client free soonest invokes next (lowest id on ties), so
            // operations come out in invocation order.
            let (client, &invoked) = free_at
                .iter()
                .enumerate()
                .min_by_key(|&(c, &t)| (t, c))
                .expect("at least one client");
            let value = rng.below(10) as i64;
            let op = match rng.below(10) {
                0..=4 => RegisterOp::Read,
                5..=7 => RegisterOp::Write(value),
                _ => RegisterOp::Cas {
                    from: value,
                    to: rng.below(10) as i64,
                },
            };
            let timed_out = rng.chance(w.info_ppm);
            let (completed, effect) = if timed_out {
                let effect = rng
                    .chance(500_000)
                    .then(|| invoked + rng.between(1, 2 * TIMEOUT));
                (invoked + TIMEOUT, effect)
            } else {
                let effect = invoked + rng.between(1, LATENCY);
                (effect + rng.between(1, LATENCY), Some(effect))
            };
            free_at[client] = completed + rng.below(LATENCY / 2);
            planned.push(Planned {
                client: client as u32,
                op,
                invoked,
                completed,
                effect,
                timed_out,
            });
        }
        // Apply the effects in time order to one register: the results.
        let mut by_effect: Vec<(u64, usize)> = planned
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.effect.map(|t| (t, i)))
            .collect();
        by_effect.sort_unstable();
        let mut register: Option<i64> = None;
        let mut outputs: Vec<Option<Output>> = vec![None; planned.len()];
        for (_, i) in by_effect {
            let output = match planned[i].op {
                RegisterOp::Read => Output::Register(register),
                RegisterOp::Write(v) => {
                    register = Some(v);
                    Output::Done
                }
                RegisterOp::Cas { from, to } => {
                    let applied = register == Some(from);
                    if applied {
                        register = Some(to);
                    }
                    Output::Cas { applied }
                }
            };
            outputs[i] = Some(output);
        }
        // Record the events in time order; at equal times completions first,
        // so a client may invoke at the instant its previous answer came.
        let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(2 * planned.len());
        for (i, p) in planned.iter().enumerate() {
            events.push((p.invoked, true, i));
            events.push((p.completed, false, i));
        }
        events.sort_unstable();
        let mut builder = HistoryBuilder::new(ModelKind::Register);
        let mut handles = vec![None; planned.len()];
        for (time, is_invoke, i) in events {
            let p = &planned[i];
            let recorded = if is_invoke {
                let input = Input::new("x", Action::Register(p.op.clone()));
                builder
                    .invoke(RequestId(i as u64), ClientId(p.client), Time(time), input)
                    .map(|h| handles[i] = Some(h))
            } else {
                let outcome = if p.timed_out {
                    Outcome::Info
                } else {
                    Outcome::Ok(outputs[i].clone().expect("answered operations took effect"))
                };
                let handle = handles[i].expect("invoked before completed");
                builder.complete(handle, Time(time), outcome)
            };
            recorded.expect("the generator keeps one operation per client");
        }
        builder.finish()
    }
}
