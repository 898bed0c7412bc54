//! `parliament run` and `parliament replay`.

use crate::judge::RunReport;
use crate::named::Named;
use crate::render::RecordSink;
use crate::render::diagram::Diagram;
use crate::run::run;
use crate::scenario::Scenario;
use crate::trace::{self, Comparer, TraceOutput};
use clap::Args;
use std::cell::RefCell;
use std::io::{self, Write};
use std::path::PathBuf;
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
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// Run with this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the trace (JSON Lines) to this file, streamed as the run goes.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Write what the clients saw (a workload's history, JSON Lines) to this
    /// file, for `parliament check` or other tools.
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
    let mut scenario = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Some(seed) = args.seed {
        scenario = scenario.with_seed(seed);
    }
    let mut out = TraceOutput::new();
    let mut trace_file: Option<Box<dyn Write>> = None;
    if let Some(path) = &args.trace {
        match std::fs::File::create(path) {
            Ok(f) => trace_file = Some(Box::new(io::BufWriter::with_capacity(1 << 16, f))),
            Err(e) => {
                eprintln!(
                    "error: {}: cannot create the trace file: {e}",
                    path.display()
                );
                return 2;
            }
        }
    }
    let drawing = if args.diagram && !args.json {
        match Diagram::new(&scenario, args.view.options()) {
            Ok(d) => Some(Rc::new(RefCell::new(
                match args.narration.narrator(&scenario) {
                    Some(n) => d.narrated(n),
                    None => d,
                },
            ))),
            Err(e) => {
                eprintln!("error: --diagram: {e}");
                return 2;
            }
        }
    } else {
        None
    };
    let narrating = drawing.is_none() && !args.json && !args.quiet && args.narration.narrate;
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
    if let Some(sink) = sink {
        trace_file = Some(match trace_file {
            Some(file) => Box::new(Tee(file, sink)),
            None => sink,
        });
    }
    if let Some(w) = trace_file {
        out = out.to_writer(w);
    }
    if args.json {
        out = out.hashed();
    } else if !args.quiet {
        println!(
            "{} — {}",
            args.scenario.display(),
            if scenario.spec.description.is_empty() {
                "(no description)"
            } else {
                &scenario.spec.description
            }
        );
        println!(
            "protocol {} ({}), seed {}, {} nodes\n",
            scenario.protocol.name(),
            scenario.variant,
            scenario.spec.seed,
            scenario.cluster.len()
        );
        if drawing.is_none() && !narrating {
            out = out.logged(Box::new(io::stdout()), args.log_limit);
        }
    }
    let report = match run(&scenario, out) {
        Ok((report, _)) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Some(path) = &args.history {
        let Some(history) = &report.record.history else {
            eprintln!("error: --history: this scenario has no workload, so no client history");
            return 2;
        };
        if let Err(e) = std::fs::write(path, crate::history::jsonl::write(history)) {
            eprintln!("error: {}: cannot write the history: {e}", path.display());
            return 2;
        }
    }
    if let Some(d) = &drawing
        && !args.quiet
    {
        let mut o = io::stdout().lock();
        if let Err(e) = d.borrow().write(&mut o) {
            eprintln!("error: cannot write the diagram: {e}");
            return 2;
        }
    }
    if args.json {
        let summary = serde_json::to_string(&report.summary()).expect("summary serialises");
        println!("{summary}");
    } else {
        print_verdicts(&report);
    }
    report.exit_code()
}

/// Writes everything to two writers (a trace file and a diagram).
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

/// The human-readable end of a run: counters, what was chosen, checks, expect.
pub fn print_verdicts(report: &RunReport) {
    let mut o = io::stdout().lock();
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
        let _ = writeln!(o, "check {:<16} {}", c.check.name(), c.verdict.as_str());
        for line in &c.evidence {
            let _ = writeln!(o, "    {line}");
        }
    }
    if let Some(expect) = &report.expect {
        let what = serde_json::to_string(expect).unwrap_or_default();
        match report.expect_met {
            Some(true) => {
                let _ = writeln!(o, "expect {what}: met");
            }
            _ => {
                let _ = writeln!(o, "expect {what}: NOT met");
                for f in &report.expect_failures {
                    let _ = writeln!(o, "    {f}");
                }
            }
        }
    }
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
            println!(
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
            println!(
                "replay of {}: DIVERGED at line {}",
                args.trace.display(),
                d.line
            );
            println!(
                "  recorded: {}",
                d.recorded.as_deref().unwrap_or("<end of trace>")
            );
            println!(
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
        println!("{summary}");
    } else {
        println!(
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
