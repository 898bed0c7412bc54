//! `parliament run` and `parliament replay`.

use crate::cli::output;
use crate::cli::outputs::{FileArg, check_outputs};
use crate::cli::progress::{RunDisplay, Shown};
use crate::cli::scenario_name;
use crate::cli::terminal;
use crate::input::is_std_stream;
use crate::judge::RunReport;
use crate::named::Named;
use crate::render::RecordSink;
use crate::render::diagram::Diagram;
use crate::run::{run, run_watched};
use crate::scenario::Scenario;
use crate::trace::{self, Comparer, EndReason, TraceOutput};
use clap::Args;
use std::cell::RefCell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub const RUN_EXAMPLES: &str = "\
Examples:
  parliament run scenarios/paxos/duelling-proposers.json
  parliament run scenarios/paxos/amnesia.json --trace amnesia.jsonl
  parliament run scenarios/paxos/lossy-duplicating-network.json --seed 7 --json
  parliament run scenarios/paxos/bribe-story.json --quiet
  parliament run scenarios/primary-backup/async-failover-loses-writes.json --history h.jsonl

Exit status: with an \"expect\" in the scenario, 0 when the outcome matches it and 1
when not (a scenario that teaches a violation exits 0 when the violation happens);
without one, 0 when every check holds and 1 when one is violated; 2 for bad input.";

#[derive(Args, Debug)]
#[command(after_help = RUN_EXAMPLES)]
pub struct RunArgs {
    /// The scenario: a JSON file, `-` for standard input, or a name as
    /// `parliament list` shows it (`happy-path`, `paxos/happy-path`), looked
    /// up under ./scenarios, then under the scenarios this parliament came with.
    pub scenario: PathBuf,
    /// Run with this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the trace (JSON Lines) to this file, streamed as the run goes
    /// (`-`: standard output, and the verdicts go to standard error).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Write what the clients saw (a workload's history, JSON Lines) to this
    /// file, for `parliament check` or other tools (`-`: standard output, and
    /// the verdicts go to standard error).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Print one machine-readable JSON summary instead of the event log.
    #[arg(long)]
    pub json: bool,
    /// Print only the verdicts, not the event log.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print at most this many events of the log.
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub log_limit: u64,
    /// Memory the run may use (e.g. 512M, 8G); past it the run stops cleanly
    /// with exit status 3, says what grew, and leaves the trace written so far.
    /// The linearizability check after the run is held to it too (past it
    /// the verdict is "unknown").
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = crate::cli::check::parse_size)]
    pub max_memory: usize,
    /// Draw the run as a message-sequence diagram instead of the event log
    /// (see `parliament diagram --help` for what it shows).
    #[arg(long)]
    pub diagram: bool,
    /// Step through the run one event at a time instead (as `parliament step`).
    #[arg(long)]
    pub step: bool,
    #[command(flatten)]
    pub view: crate::cli::diagram::DiagramView,
    #[command(flatten)]
    pub narration: crate::cli::diagram::NarrationArgs,
}

pub fn run_command(args: &RunArgs) -> i32 {
    if args.step {
        return crate::cli::step::step_command(&crate::cli::step::StepArgs {
            scenario: args.scenario.clone(),
            seed: args.seed,
            lang: args.narration.lang,
        });
    }
    match run_checked(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

fn run_checked(args: &RunArgs) -> Result<i32, String> {
    let resolved = scenario_name::resolve(&args.scenario).map_err(|e| e.to_string())?;
    let path = resolved.path();
    let to_stdout = |p: &Option<PathBuf>| p.as_deref().is_some_and(is_std_stream);
    let data_on_stdout = to_stdout(&args.trace) || to_stdout(&args.history);
    if args.json && data_on_stdout {
        return Err(
            "--json prints its summary on standard output, so --trace and \
                    --history cannot be `-` with it"
                .into(),
        );
    }
    let mut outputs = Vec::new();
    if let Some(p) = &args.trace {
        outputs.push(FileArg {
            option: "--trace",
            path: p,
        });
    }
    if let Some(p) = &args.history {
        outputs.push(FileArg {
            option: "--history",
            path: p,
        });
    }
    let inputs = [FileArg {
        option: "the scenario",
        path: &path,
    }];
    check_outputs(&inputs, &outputs)?;

    let mut scenario = resolved.load().map_err(|e| e.to_string())?;
    if let Some(seed) = args.seed {
        scenario = scenario.with_seed(seed);
    }
    if args.history.is_some() && scenario.workload.is_none() {
        return Err("--history: this scenario has no workload, so no client history".into());
    }
    // Every output is opened before the run starts.
    let mut out = TraceOutput::new();
    let trace_file = match &args.trace {
        Some(p) => Some(open_output(p, "the trace file")?),
        None => None,
    };
    let shows_run = !args.json && !args.quiet && !data_on_stdout;
    let drawing = if args.diagram && shows_run {
        let d =
            Diagram::new(&scenario, args.view.options()).map_err(|e| format!("--diagram: {e}"))?;
        Some(Rc::new(RefCell::new(
            match args.narration.narrator(&scenario) {
                Some(n) => d.narrated(n),
                None => d,
            },
        )))
    } else {
        None
    };
    let narrating = drawing.is_none() && shows_run && args.narration.narrate;
    let sink: Option<Box<dyn Write>> = if let Some(d) = &drawing {
        let d = d.clone();
        Some(Box::new(RecordSink::new(Box::new(move |rec| {
            d.borrow_mut().record(rec);
            Ok(())
        }))))
    } else if narrating {
        args.narration
            .narrator(&scenario)
            .map(|n| Box::new(crate::cli::diagram::narration_sink(n)) as Box<dyn Write>)
    } else {
        None
    };
    // A trace file alone takes lines in chunks; a diagram or narration shown
    // as the run goes takes each line as its event happens.
    match (trace_file, sink) {
        (Some(file), Some(sink)) => out = out.to_writer(Box::new(Tee(file, sink))),
        (None, Some(sink)) => out = out.to_writer(sink),
        (Some(file), None) => out = out.to_file(file),
        (None, None) => {}
    }
    let mut history_out = match &args.history {
        Some(p) => Some(open_output(p, "the history file")?),
        None => None,
    };
    if args.json {
        out = out.hashed();
    } else if !args.quiet && !data_on_stdout {
        crate::outln!(
            "{} — {}",
            path.display(),
            if scenario.spec.description.is_empty() {
                "(no description)"
            } else {
                &scenario.spec.description
            }
        );
        crate::outln!(
            "protocol {} ({}), seed {}, {} nodes\n",
            scenario.protocol.name(),
            scenario.variant,
            scenario.spec.seed,
            scenario.cluster.len()
        );
        if drawing.is_none() && !narrating {
            out = out.logged(Box::new(output::Stdout), args.log_limit);
        }
    }
    crate::interrupt::install();
    let progress = RunDisplay::new(Shown::for_stderr(args.quiet || args.json));
    let ran = run_watched(
        &scenario,
        out,
        Some(args.max_memory as u64),
        progress.hook(),
    );
    progress.finish();
    let report = match ran {
        Ok((report, _)) => report,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => output::fail(&e),
        Err(e) => return Err(format!("cannot write the trace: {e}")),
    };
    let stopped_early = stopped_early(&path, &scenario, &report);
    if let Some(d) = &drawing {
        let mut picture = Vec::new();
        d.borrow()
            .write(&mut picture)
            .map_err(|e| format!("cannot draw the diagram: {e}"))?;
        crate::out!("{}", String::from_utf8_lossy(&picture));
    }
    if let (Some(w), Some(history)) = (history_out.as_mut(), &report.record.history) {
        let written = w
            .write_all(crate::history::jsonl::write(history).as_bytes())
            .and_then(|()| w.flush());
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => output::fail(&e),
            Err(e) => return Err(format!("cannot write the history: {e}")),
        }
    }
    if args.json {
        let summary = serde_json::to_string(&report.summary()).expect("summary serialises");
        crate::outln!("{summary}");
    } else if data_on_stdout {
        eprint!("{}", verdicts(&report, terminal::stderr_colour()));
    } else {
        crate::out!("{}", verdicts(&report, terminal::stdout_colour()));
    }
    output::flush();
    if let Some(message) = stopped_early {
        eprintln!("{message}");
    }
    Ok(report.exit_code())
}

/// Writes everything to two writers (a trace file and a diagram or narration).
struct Tee(Box<dyn Write>, Box<dyn Write>);

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

/// Opens an output file, or standard output for `-`.
fn open_output(path: &Path, what: &str) -> Result<Box<dyn Write + Send>, String> {
    if is_std_stream(path) {
        return Ok(Box::new(io::BufWriter::with_capacity(
            1 << 16,
            output::Stdout,
        )));
    }
    match std::fs::File::create(path) {
        Ok(f) => Ok(Box::new(io::BufWriter::with_capacity(1 << 16, f))),
        Err(e) => Err(format!("{}: cannot create {what}: {e}", path.display())),
    }
}

/// What to say when a run stopped before its end (memory budget, Ctrl-C).
fn stopped_early(path: &Path, scenario: &Scenario, report: &RunReport) -> Option<String> {
    let r = &report.record;
    let how_far = format!(
        "it stopped after {} events at virtual time {} (limits: time {}, events {})",
        r.stats.events, r.end_time, scenario.time_limit, scenario.event_limit
    );
    match r.end_reason {
        EndReason::MemoryLimit => {
            let why = r.memory_overrun.as_ref().map_or_else(
                || "the run reached its memory budget".to_string(),
                |o| o.to_string(),
            );
            Some(format!(
                "error: {}: {why}; {how_far}. Nothing was judged; the trace written so far \
                 is complete up to its end line. Raise --max-memory, or lower limits.time \
                 or limits.events.",
                path.display()
            ))
        }
        EndReason::Interrupted => Some(format!(
            "interrupted: {}: {how_far}. Nothing was judged; the trace written so far is \
             complete up to its end line.",
            path.display()
        )),
        EndReason::Quiescent | EndReason::TimeLimit | EndReason::EventLimit => None,
    }
}

/// Prints the human-readable end of a run on standard output.
pub fn print_verdicts(report: &RunReport) {
    crate::out!("{}", verdicts(report, terminal::stdout_colour()));
}

/// The human-readable end of a run: counters, what was chosen, checks, expect
/// (verdict words in colour when `colour`).
pub fn verdicts(report: &RunReport, colour: bool) -> String {
    use crate::check::CheckVerdict;
    use std::fmt::Write;
    use terminal::{Colour, paint};
    let mut o = String::new();
    let s = &report.record.stats;
    let _ = writeln!(
        o,
        "\n{} events, {} messages sent, {} delivered, {} dropped, {} duplicated; \
         virtual time {} ({})",
        s.events,
        s.messages_sent,
        s.messages_delivered,
        s.messages_dropped,
        s.messages_duplicated,
        report.record.end_time,
        report.record.end_reason.as_str()
    );
    if let Some(chosen) = &report.chosen {
        let chosen: Vec<&str> = chosen.iter().map(|v| v.as_str()).collect();
        let _ = writeln!(
            o,
            "chosen: {}",
            if chosen.is_empty() {
                "nothing".to_string()
            } else {
                chosen.join(", ")
            }
        );
    }
    for c in &report.checks {
        let hue = match c.verdict {
            CheckVerdict::Holds => Colour::Green,
            CheckVerdict::Violated => Colour::Red,
            CheckVerdict::Unknown => Colour::Yellow,
        };
        let _ = writeln!(
            o,
            "check {:<16} {}",
            c.check.name(),
            paint(c.verdict.as_str(), hue, colour)
        );
        for line in &c.evidence {
            let _ = writeln!(o, "    {line}");
        }
    }
    if let Some(expect) = &report.expect {
        let what = serde_json::to_string(expect).unwrap_or_default();
        match report.expect_met {
            Some(true) => {
                let _ = writeln!(o, "expect {what}: {}", paint("met", Colour::Green, colour));
            }
            None => {
                let _ = writeln!(
                    o,
                    "expect {what}: not judged (the run stopped before its end)"
                );
            }
            Some(false) => {
                let _ = writeln!(
                    o,
                    "expect {what}: {}",
                    paint("NOT met", Colour::Red, colour)
                );
                for f in &report.expect_failures {
                    let _ = writeln!(o, "    {f}");
                }
            }
        }
    }
    o
}

pub const REPLAY_EXAMPLES: &str = "\
Examples:
  parliament replay traces/paxos/amnesia.jsonl
  parliament run scenarios/paxos/happy-path.json --trace t.jsonl && parliament replay t.jsonl

Re-runs the scenario recorded in the trace's header with its seed and checks
that every event comes out identical. Exit status: 0 identical, 1 diverged (the
first differing line of both is printed), 2 unreadable trace.";

#[derive(Args, Debug)]
#[command(after_help = REPLAY_EXAMPLES)]
pub struct ReplayArgs {
    /// The trace file (JSON Lines, as written by `run --trace`).
    pub trace: PathBuf,
    #[command(flatten)]
    pub narration: crate::cli::diagram::NarrationArgs,
}

pub fn replay_command(args: &ReplayArgs) -> i32 {
    let (header, lines) = match trace::open(&args.trace) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let scenario = match header.scenario(&args.trace.display().to_string()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    note_version(&header);
    let mut out = TraceOutput::new().compared_with(Comparer::new(Box::new(lines)));
    if let Some(n) = args.narration.narrator(&scenario) {
        out = out.to_writer(Box::new(crate::cli::diagram::narration_sink(n)));
    }
    let (report, out) = match run(&scenario, out) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match out.comparer.and_then(|c| c.divergence) {
        None => {
            crate::outln!(
                "replay of {}: identical ({} events, {} {} seed {})",
                args.trace.display(),
                report.record.stats.events,
                report.protocol,
                report.variant,
                report.seed
            );
            0
        }
        Some(d) => {
            crate::outln!(
                "replay of {}: DIVERGED at line {}",
                args.trace.display(),
                d.line
            );
            crate::outln!(
                "  recorded: {}",
                d.recorded.as_deref().unwrap_or("<end of trace>")
            );
            crate::outln!(
                "  produced: {}",
                d.produced.as_deref().unwrap_or("<end of run>")
            );
            1
        }
    }
}

/// Says so when a trace was written by another version of parliament.
fn note_version(header: &trace::Header) {
    if header.parliament != env!("CARGO_PKG_VERSION") {
        eprintln!(
            "note: the trace was written by parliament {}, this is {}",
            header.parliament,
            env!("CARGO_PKG_VERSION")
        );
    }
}

pub const JUDGE_EXAMPLES: &str = "\
Examples:
  parliament judge traces/primary-backup/ghost-three-reigns.jsonl
  parliament run scenarios/paxos/amnesia.json --trace a.jsonl && parliament judge a.jsonl --json

Judges a recorded trace without re-running it: the checks read the trace's
facts, client invocations and completions, exactly as they read a live run.
Exit status as for run: 0 when the scenario's expect is met (or, without one,
every check holds), 1 when not, 2 for an unreadable trace.";

#[derive(Args, Debug)]
#[command(after_help = JUDGE_EXAMPLES)]
pub struct JudgeArgs {
    /// The trace file (JSON Lines, as written by `run --trace`).
    pub trace: PathBuf,
    /// Print one machine-readable JSON summary (as `run --json`).
    #[arg(long)]
    pub json: bool,
}

pub fn judge_command(args: &JudgeArgs) -> i32 {
    let read = match crate::recorded::read_trace(&args.trace) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    note_version(&read.header);
    let report = crate::judge::judge(&read.scenario, read.record, Some(read.sha256));
    if args.json {
        let summary = serde_json::to_string(&report.summary()).expect("summary serialises");
        crate::outln!("{summary}");
    } else {
        crate::outln!(
            "{} — judged from the trace ({} {}, seed {})",
            args.trace.display(),
            report.protocol,
            report.variant,
            report.seed
        );
        print_verdicts(&report);
    }
    report.exit_code()
}
