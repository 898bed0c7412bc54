//! A participant's side of atomic commit, shared by the three protocols: the
//! phase-1 answer (the part of seed 000 §6.1's 请求阶段 that every one of them
//! has), recovery of the transactions still in doubt, and the view fields.
//!
//! What happens *after* the vote — how an uncertain participant learns the
//! outcome — is each protocol's own rule and stays in its file.

use crate::bank::{Account, Bank, Ledger, LedgerDisk, LedgerHost, Standing, TxId, TxName};
use crate::ids::NodeId;
use crate::protocol::{Ctx, FieldValue, NodeView};

/// What phase 1 (2PC's `prepare`, 3PC's CanCommit) made of a participant's
/// part of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase1 {
    /// Voted Yes just now: the redo/undo record is on disk (the vote waits for
    /// it) and the accounts are locked. From here on the participant may not
    /// decide alone: it is uncertain until told, so the caller arms its timer.
    Prepared,
    /// Voted No just now (overdraft, a lock held by another transaction, a
    /// scripted or random No), which aborted the transaction here at once.
    Refused,
    /// Asked again (a duplicate or a resend): the vote it already gave.
    Again { yes: bool },
    /// Already committed: a late duplicate, nothing to say.
    Finished,
}

impl Phase1 {
    /// The vote to send back, if any.
    pub fn vote(self) -> Option<bool> {
        match self {
            Phase1::Prepared => Some(true),
            Phase1::Refused => Some(false),
            Phase1::Again { yes } => Some(yes),
            Phase1::Finished => None,
        }
    }
}

/// Phase 1 at a participant: a transaction it has not seen is prepared (record
/// written and flushed, locks taken) or refused; one it has seen gets the same
/// vote again.
pub fn phase1<P: LedgerHost>(
    ledger: &mut Ledger,
    bank: &Bank,
    ctx: &mut Ctx<P>,
    tx: &TxName,
    part: &[(Account, i64)],
) -> Phase1 {
    match ledger.standing(tx) {
        Standing::Unknown => match ledger.vote_on(bank, ctx, tx, part) {
            Ok(()) => {
                ledger.prepare(ctx, tx, part);
                Phase1::Prepared
            }
            Err(why) => {
                ledger.refuse(ctx, tx, why);
                Phase1::Refused
            }
        },
        // The same vote again, once the record behind it is on the disk
        // (a duplicate prepare can arrive while the first one's write is on
        // its way: a Yes sent then, and a crash, would lose the vote).
        Standing::Prepared => {
            ctx.flush();
            Phase1::Again { yes: true }
        }
        Standing::Aborted => {
            ctx.flush();
            Phase1::Again { yes: false }
        }
        Standing::Committed => Phase1::Finished,
    }
}

/// Rebuilds a participant's ledger from its disk and re-arms `timer` for
/// every transaction it is still prepared on: uncertain across the crash,
/// holding its locks, it will ask (or recover) after `timeout`.
pub fn recover<P: LedgerHost>(
    bank: &Bank,
    me: NodeId,
    disk: &LedgerDisk,
    ctx: &mut Ctx<P>,
    timer: impl Fn(TxId) -> P::Timer,
    timeout: u64,
) -> Ledger {
    let ledger = Ledger::recover(bank, me, disk, ctx);
    for tx in ledger.in_doubt() {
        if let Some(id) = bank.id(&tx) {
            ctx.set_timer(timer(id), timeout);
        }
    }
    ledger
}

/// A participant's `balances`, `log` and `locks` fields.
pub fn fields(view: &mut NodeView, ledger: &Ledger) {
    view.field("balances", FieldValue::Text(ledger.balances_text()));
    view.field("log", FieldValue::Text(ledger.log_text()));
    view.field("locks", FieldValue::Text(ledger.locks_text()));
}

/// A transaction part as messages print it: `A-50 B+50`.
pub fn part_text(part: &[(Account, i64)]) -> String {
    part.iter()
        .map(|(a, c)| format!("{a}{c:+}"))
        .collect::<Vec<_>>()
        .join(" ")
}
