#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use parliament::cli;
use std::process::ExitCode;

const ABOUT: &str =
    "A deterministic simulator and teaching tool for consensus and commit protocols";

const EXAMPLES: &str = "\
Examples:
  parliament run scenarios/paxos/duelling-proposers.json
  parliament run scenarios/paxos/amnesia.json --trace amnesia.jsonl
  parliament replay amnesia.jsonl
  parliament diagram amnesia.jsonl
  parliament judge amnesia.jsonl
  parliament list
  parliament protocols
  parliament bench
  parliament fuzz --protocol basic-paxos --variant forget-promise --shrink
  parliament shrink fuzz-out/basic-paxos-forget-promise-seed-17.json --check agreement";

#[derive(Parser, Debug)]
#[command(name = "parliament", version, about = ABOUT, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario file: print the event log and the verdicts.
    Run(cli::run::RunArgs),
    /// Step through a scenario one event at a time, back and forth, and intervene.
    Step(cli::step::StepArgs),
    /// Draw a recorded trace as a message-sequence diagram.
    Diagram(cli::diagram::DiagramArgs),
    /// Re-run a recorded trace and verify every event is identical.
    Replay(cli::run::ReplayArgs),
    /// Judge a recorded trace without re-running it.
    Judge(cli::run::JudgeArgs),
    /// List the scenarios under scenarios/ with their descriptions.
    List(cli::list::ListArgs),
    /// List the protocols and their variants.
    Protocols(cli::list::ProtocolsArgs),
    /// Check history files for linearizability (and ghosts).
    Check(cli::check::CheckArgs),
    /// Measure engine and checker speed.
    Bench(cli::bench::BenchArgs),
    /// Generate scenarios from seeds, run them in parallel, keep every failure.
    Fuzz(cli::fuzz::FuzzArgs),
    /// Make a failing scenario smaller while the same check still fails.
    Shrink(cli::fuzz::ShrinkArgs),
    /// Merge the --json reports of a fuzz sweep's shards into one report.
    FuzzMerge(cli::fuzz::MergeArgs),
}

impl Command {
    /// The files the command reads, which its standard output must not be.
    fn inputs(&self) -> Vec<&std::path::Path> {
        match self {
            Command::Run(args) => vec![&args.scenario],
            Command::Step(args) => vec![&args.scenario],
            Command::Diagram(args) => vec![&args.trace],
            Command::Replay(args) => vec![&args.trace],
            Command::Judge(args) => vec![&args.trace],
            Command::Check(args) => args.files.iter().map(|f| f.as_path()).collect(),
            Command::Shrink(args) => vec![&args.scenario],
            Command::FuzzMerge(args) => args.files.iter().map(|f| f.as_path()).collect(),
            Command::List(_) | Command::Protocols(_) | Command::Bench(_) | Command::Fuzz(_) => {
                Vec::new()
            }
        }
    }
}

fn main() -> ExitCode {
    cli::output::install_panic_backstop();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors exit 2 (clap's own convention too); --help and --version 0.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if let Err(e) = cli::outputs::check_stdout_is_no_input(&cli.command.inputs()) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let code = match &cli.command {
        Command::Run(args) => cli::run::run_command(args),
        Command::Step(args) => cli::step::step_command(args),
        Command::Diagram(args) => cli::diagram::diagram_command(args),
        Command::Replay(args) => cli::run::replay_command(args),
        Command::Judge(args) => cli::run::judge_command(args),
        Command::List(args) => cli::list::list_command(args),
        Command::Protocols(args) => cli::list::protocols_command(args),
        Command::Check(args) => cli::check::run(args),
        Command::Bench(args) => cli::bench::bench_command(args),
        Command::Fuzz(args) => cli::fuzz::fuzz_command(args),
        Command::Shrink(args) => cli::fuzz::shrink_command(args),
        Command::FuzzMerge(args) => cli::fuzz::merge_command(args),
    };
    cli::output::flush();
    ExitCode::from(code.clamp(0, 255) as u8)
}
