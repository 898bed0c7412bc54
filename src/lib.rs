//! parliament: a deterministic simulator and teaching tool for consensus and
//! commit protocols.
//!
//! A scenario ([`scenario`]) configures a world ([`engine`]) of sans-IO protocol
//! nodes ([`protocol`], [`protocols`]) over a faulty virtual network ([`net`]).
//! The run streams a trace ([`trace`]); checkers ([`check`]) judge what it recorded.
#![forbid(unsafe_code)]

pub mod ballot;
pub mod bank;
pub mod bench;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod commit;
pub mod engine;
pub mod error;
pub mod fact;
pub mod fault;
pub mod filters;
pub mod fuzz;
pub mod history;
pub mod ids;
pub mod input;
pub mod interaction;
pub mod interrupt;
pub mod judge;
pub mod memory;
pub mod named;
pub mod net;
pub mod node_view;
pub mod op;
pub mod payload;
pub mod protocol;
pub mod protocols;
pub mod recorded;
pub mod render;
pub mod replication;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod step;
pub mod store;
pub mod time;
pub mod trace;
pub mod value;
pub mod workload;
