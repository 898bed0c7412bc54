//! Subcommand implementations: clap parses, these run and return the exit code.

pub mod bench;
pub mod bundled;
pub mod check;
pub mod diagram;
pub mod fuzz;
pub mod list;
pub mod output;
pub mod outputs;
pub mod progress;
pub mod run;
pub mod scenario_name;
pub mod step;
pub mod terminal;
