//! `parliament step`: a run one event at a time.

use crate::named::Named;
use crate::render::narrate::Lang;
use crate::step::{StepOptions, StepWord, session};
use clap::Args;
use std::io;
use std::path::PathBuf;

pub const STEP_EXAMPLES: &str = "\
Examples:
  parliament step scenarios/paxos/bribe-story.json
  parliament step scenarios/paxos/bribe-story.json --lang zh
  printf '\\n\\nb\\np\\nx m3\\ns mine.json\\nq\\n' | parliament step scenarios/paxos/happy-path.json

Each screen is one step: what happened, narrated, and every node's state.
Commands, one per line (a terminal or a pipe):
  Enter next · b back · n NODE · t TIME · g K · p pending · d mID deliver first
  x mID drop · c NODE crash · r NODE restart · s FILE save · view · h help · q quit
Interventions become faults and filters of the scenario, so `s FILE` saves a
scenario that `parliament run` replays to exactly the same events.";

#[derive(Args, Debug)]
#[command(after_help = STEP_EXAMPLES)]
pub struct StepArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// Run with this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The narration's language: en or zh.
    #[arg(long, default_value = "en", value_name = "LANG", value_parser = parse_lang)]
    pub lang: Lang,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::from_name(s).ok_or_else(|| format!("expected {}", Lang::expected()))
}

pub fn step_command(args: &StepArgs) -> i32 {
    let resolved = match crate::cli::scenario_name::resolve(&args.scenario) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut scenario = match resolved.load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Some(seed) = args.seed {
        scenario = scenario.with_seed(seed);
    }
    let path = resolved.path();
    let options = StepOptions {
        lang: args.lang,
        input: Some(path.clone()),
    };
    println!(
        "{} — step mode ({} {}, seed {}); h for help",
        path.display(),
        scenario.protocol.name(),
        scenario.variant,
        scenario.spec.seed
    );
    let _ = StepWord::TABLE;
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match session(scenario, &mut input, &mut out, &options) {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
