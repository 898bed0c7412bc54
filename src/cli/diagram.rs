//! `parliament diagram TRACE` and the diagram options `run --diagram` shares.

use crate::named::Named;
use crate::render::diagram::{self, Diagram, DiagramOptions};
use crate::render::narrate::{Lang, Narrator};
use crate::time::Time;
use clap::Args;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

pub const DIAGRAM_EXAMPLES: &str = "\
Examples:
  parliament run scenarios/paxos/bribe-story.json --trace bribe.jsonl --quiet
  parliament diagram bribe.jsonl
  parliament diagram bribe.jsonl --width 80 --nodes P1,A1,A2,A3 --kinds prepare,promise
  parliament run scenarios/paxos/duelling-proposers.json --diagram --from 0 --to 200
  parliament diagram bribe.jsonl --narrate --lang zh

One column per node and client, time going down; one arrow per delivered
message (✗ where one was dropped, with why: lost, partition, filter, down),
facts marked ★ on their node's row, ◆ CHOSEN the instant a quorum accepts a
value, crashes (!!) and restarts (↻), partitions and heals across the whole
row. Rounds repeated four or more times collapse into one ⋮ row that says how
many were left out (--no-collapse to see them all). Colour only on a terminal,
never with NO_COLOR set. Exit status: 0, or 2 for an unreadable trace.";

/// How to draw: shared by `diagram` and `run --diagram`.
#[derive(Args, Debug, Clone, Default)]
pub struct DiagramView {
    /// Width in columns (default: the terminal's, or 100).
    #[arg(long, value_name = "COLUMNS")]
    pub width: Option<usize>,
    /// Only these nodes and clients, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub nodes: Option<Vec<String>>,
    /// Only events at or after this virtual time.
    #[arg(long, value_name = "TIME")]
    pub from: Option<u64>,
    /// Only events at or before this virtual time.
    #[arg(long, value_name = "TIME")]
    pub to: Option<u64>,
    /// Only messages of these kinds (the protocol's message kinds), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Option<Vec<String>>,
    /// Draw every row, without collapsing repeated rounds.
    #[arg(long)]
    pub no_collapse: bool,
}

impl DiagramView {
    /// The options, with the terminal's width and colour where not given.
    pub fn options(&self) -> DiagramOptions {
        let terminal = io::stdout().is_terminal();
        let width = self.width.unwrap_or_else(|| {
            if terminal {
                console::Term::stdout()
                    .size_checked()
                    .map(|(_, w)| w as usize)
                    .unwrap_or(100)
            } else {
                100
            }
        });
        DiagramOptions {
            width: width.max(20),
            columns: self.nodes.clone(),
            from: self.from.map(Time),
            to: self.to.map(Time),
            kinds: self.kinds.clone(),
            colour: terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            collapse: !self.no_collapse,
        }
    }
}

/// Narration options: shared by `run`, `replay` and `diagram`.
#[derive(Args, Debug, Clone, Default)]
pub struct NarrationArgs {
    /// Narrate: one plain sentence per step saying what happened and why.
    #[arg(long)]
    pub narrate: bool,
    /// The narration's language: en or zh.
    #[arg(long, default_value = "en", value_name = "LANG", value_parser = parse_lang)]
    pub lang: Lang,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::from_name(s).ok_or_else(|| format!("expected {}", Lang::expected()))
}

impl NarrationArgs {
    /// A narrator for `scenario`, when narration was asked for.
    pub fn narrator(&self, scenario: &crate::scenario::Scenario) -> Option<Narrator> {
        self.narrate.then(|| Narrator::new(scenario, self.lang))
    }
}

/// Prints one narrated line per event that has a sentence, as events come.
pub fn narration_sink(mut narrator: Narrator) -> crate::render::RecordSink {
    crate::render::RecordSink::new(Box::new(move |rec| {
        if let Some(sentence) = narrator.narrate(rec) {
            let mut out = io::stdout().lock();
            writeln!(out, "{:>8}  {sentence}", rec.t.to_string())?;
        }
        Ok(())
    }))
}

#[derive(Args, Debug)]
#[command(after_help = DIAGRAM_EXAMPLES)]
pub struct DiagramArgs {
    /// The trace file (JSON Lines, as written by `run --trace`; `-` for stdin).
    pub trace: PathBuf,
    #[command(flatten)]
    pub view: DiagramView,
    #[command(flatten)]
    pub narration: NarrationArgs,
}

pub fn diagram_command(args: &DiagramArgs) -> i32 {
    let source = args.trace.display().to_string();
    let (header, mut lines) = match crate::trace::open(&args.trace) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let scenario = match header.scenario(&source) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut drawing = match Diagram::new(&scenario, args.view.options()) {
        Ok(d) => match args.narration.narrator(&scenario) {
            Some(n) => d.narrated(n),
            None => d,
        },
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if let Err(e) = diagram::read_into(&mut drawing, &mut lines, &source) {
        eprintln!("error: {e}");
        return 2;
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    match drawing.write(&mut out).and_then(|_| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: cannot write the diagram: {e}");
            2
        }
    }
}
