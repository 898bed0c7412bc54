//! `parliament check`: judge history files that did not come from the simulator.
//! (Being built on the `checker` branch.)

use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// History files to check.
    pub files: Vec<std::path::PathBuf>,
}

pub fn run(_args: &CheckArgs) -> i32 {
    eprintln!("parliament check: not built yet");
    2
}
