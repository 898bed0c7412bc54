//! The atomic commit toolkit: small parts `2pc`, `3pc` and `paxos-commit`
//! compose. There is no base protocol and no trait to implement; each protocol
//! file keeps its own rules, in protocol order, and calls these for the
//! mechanics the three share (as [`crate::replication`] serves the replicating
//! protocols):
//!
//! - [`setup`]: who coordinates and who takes part (nodes without roles are
//!   participants; the first node coordinates when none is named), timeouts
//!   that may not be zero, and the answer to a request that is not a transfer.
//! - [`participant`]: phase 1 at a participant — write the redo/undo record and
//!   lock before voting Yes, vote No on an overdraft, a lock, a scripted or a
//!   random No, repeat the same vote when asked again — on top of the
//!   [`Ledger`](crate::bank::Ledger); recovery that re-arms the timer of every
//!   transaction still in doubt; the ledger's fields in a node's view.
//! - [`coordinator`]: the coordinator's side of one transaction — send each
//!   participant its part, tally the [`Votes`](coordinator::Votes), count the
//!   [`Acks`](coordinator::Acks) of a decision (and who still misses it), and
//!   the [`Client`](coordinator::Client) waiting for its commit or abort.
//!
//! The workload itself (accounts, planned transfers, the ledger) is
//! [`crate::bank`]; the checks over the facts these parts state are
//! [`crate::check::commit`].

pub mod coordinator;
pub mod participant;
pub mod setup;

pub use coordinator::{Acks, Client, Tally, Votes};
pub use participant::Phase1;
