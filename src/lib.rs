//! parliament: a deterministic simulator and teaching tool for consensus and
//! commit protocols.
#![forbid(unsafe_code)]

pub mod ballot;
pub mod bench;
pub mod check;
pub mod cli;
pub mod error;
pub mod fact;
pub mod history;
pub mod ids;
pub mod op;
pub mod protocol;
pub mod rng;
pub mod scenario;
pub mod time;
pub mod value;
