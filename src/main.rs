#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use parliament::cli;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "parliament",
    version,
    about = "A deterministic simulator and teaching tool for consensus and commit protocols"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check history files for linearizability (and ghosts).
    Check(cli::check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Check(args) => cli::check::run(args),
    };
    ExitCode::from(code as u8)
}
