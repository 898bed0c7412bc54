//! The bank-transfer workload of the atomic commit protocols (seed 000 §2: A has
//! 100, B has 100, A transfers 50 to B; the sum stays 200).
//!
//! Three parts, shared by `2pc`, `3pc` and `paxos-commit`:
//!
//! - [`Transfer`]: what a client asks the coordinator — move `amount` from one
//!   account to one or more others, as one transaction with a name (`t1`).
//! - [`Bank`]: the accounts (each lives on one participant, with an opening
//!   balance), every scripted transaction planned as the changes each
//!   participant must make, and the scripted or random No votes.
//! - [`Ledger`]: a participant's local resource manager. It votes (No when the
//!   debit would overdraw, when an account is locked by another transaction,
//!   when the scenario scripts a No, or at random), and on Yes writes the
//!   transaction's redo/undo record to disk and locks its accounts; it applies or
//!   rolls back on the decision and releases the locks. Every step is stated as
//!   a fact (`voted`, `tx_committed`, `tx_aborted`) for the checks.

use crate::error::InputError;
use crate::fact::Fact;
use crate::ids::NodeId;
use crate::op::Op;
use crate::protocol::{Ctx, DurableState, Protocol, Setup};
use crate::rng::PPM;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A transaction's name as the scenario writes it ("t1").
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TxName(pub String);

impl fmt::Display for TxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A transaction by its position in the scenario's requests: small and `Copy`,
/// for timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TxId(pub u32);

/// An account's name ("A").
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Account(pub String);

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client's transaction: take `amount` from `from` for each account in `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub tx: TxName,
    pub from: Account,
    pub to: Vec<Account>,
    pub amount: u64,
}

impl Transfer {
    /// The change to each account, in account order (a debit is negative).
    pub fn changes(&self) -> BTreeMap<Account, i64> {
        let mut changes = BTreeMap::new();
        let amount = self.amount as i64;
        for to in &self.to {
            *changes.entry(self.from.clone()).or_insert(0) -= amount;
            *changes.entry(to.clone()).or_insert(0) += amount;
        }
        changes
    }
}

impl fmt::Display for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let to: Vec<&str> = self.to.iter().map(|a| a.0.as_str()).collect();
        write!(
            f,
            "transfer {}: {} from {} to {}",
            self.tx,
            self.amount,
            self.from,
            to.join(", ")
        )
    }
}

/// The largest amount a transfer may move (keeps every sum inside an i64).
pub const MAX_AMOUNT: u64 = 1 << 40;

/// `params.accounts[i]`: an account, the participant it lives on, its opening
/// balance (default 100, as in seed 000 §2).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    pub name: String,
    pub on: String,
    #[serde(default = "hundred")]
    pub balance: i64,
}

fn hundred() -> i64 {
    100
}

/// The workload parts of a commit protocol's `params`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankParams {
    /// Absent: each participant holds one account named after it, with 100.
    #[serde(default)]
    pub accounts: Vec<AccountSpec>,
    /// Scripted No votes: transaction name -> participants that vote No on it.
    #[serde(default)]
    pub vote_no: BTreeMap<String, Vec<String>>,
    /// Probability that a participant votes No on any transaction.
    #[serde(default)]
    pub no_probability: f64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub name: Account,
    pub on: NodeId,
    pub balance: i64,
}

/// One transaction as the protocols run it: who takes part and what each does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxPlan {
    pub name: TxName,
    /// The node the client sends the transfer to.
    pub coordinator: NodeId,
    /// In node order.
    pub participants: Vec<NodeId>,
    /// Parallel to `participants`: the changes each makes.
    pub parts: Vec<Vec<(Account, i64)>>,
}

impl TxPlan {
    pub fn part(&self, node: NodeId) -> &[(Account, i64)] {
        match self.participants.iter().position(|&p| p == node) {
            Some(i) => &self.parts[i],
            None => &[],
        }
    }

    pub fn others(&self, me: NodeId) -> Vec<NodeId> {
        self.participants
            .iter()
            .copied()
            .filter(|&p| p != me)
            .collect()
    }
}

/// The bank as every node knows it: accounts, planned transactions, No votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bank {
    pub accounts: Vec<AccountRow>,
    pub txs: Vec<TxPlan>,
    by_name: BTreeMap<TxName, TxId>,
    vote_no: BTreeSet<(TxId, NodeId)>,
    pub no_ppm: u32,
}

impl Bank {
    /// Validates the bank parts of `params` and plans every scripted transfer.
    /// `coordinators` may take transfers; `participants` may hold accounts.
    pub fn configure<P: Protocol>(
        setup: &Setup<'_, P>,
        params: &BankParams,
        coordinators: &[NodeId],
        participants: &[NodeId],
    ) -> Result<Bank, InputError> {
        let cluster = setup.cluster;
        if coordinators.is_empty() {
            return Err(setup.error("nodes", "needs a coordinator"));
        }
        if participants.is_empty() {
            return Err(setup.error("nodes", "needs at least one participant"));
        }
        let participant = |name: &str, path: String| -> Result<NodeId, InputError> {
            cluster
                .id(name)
                .filter(|id| participants.contains(id))
                .ok_or_else(|| {
                    setup.error(
                        path,
                        format!(
                            "{name:?} is not a participant; participants are {}",
                            participants
                                .iter()
                                .map(|&p| cluster.name(p))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })
        };
        let mut accounts = Vec::new();
        if params.accounts.is_empty() {
            for &p in participants {
                accounts.push(AccountRow {
                    name: Account(cluster.name(p).to_string()),
                    on: p,
                    balance: 100,
                });
            }
        }
        for (i, a) in params.accounts.iter().enumerate() {
            let path = format!("params.accounts[{i}]");
            if a.name.is_empty() || a.name.chars().any(|c| c.is_control()) {
                return Err(setup.error(
                    format!("{path}.name"),
                    "an account name is a non-empty printable word",
                ));
            }
            if accounts.iter().any(|r: &AccountRow| r.name.0 == a.name) {
                return Err(setup.error(
                    format!("{path}.name"),
                    format!("account {:?} is declared twice", a.name),
                ));
            }
            if !(0..=MAX_AMOUNT as i64).contains(&a.balance) {
                return Err(setup.error(
                    format!("{path}.balance"),
                    format!("a balance is between 0 and {MAX_AMOUNT}"),
                ));
            }
            accounts.push(AccountRow {
                name: Account(a.name.clone()),
                on: participant(&a.on, format!("{path}.on"))?,
                balance: a.balance,
            });
        }
        if !(0.0..=1.0).contains(&params.no_probability) {
            return Err(setup.error(
                "params.no_probability",
                format!(
                    "a probability is between 0 and 1, found {}",
                    params.no_probability
                ),
            ));
        }
        let mut txs = Vec::new();
        let mut by_name = BTreeMap::new();
        for r in setup.requests {
            let path = format!("requests[{}]", r.index);
            let Op::Transfer(t) = &r.op else {
                return Err(setup.error(path, "expected a \"transfer\""));
            };
            if !coordinators.contains(&r.node) {
                return Err(setup.error(
                    format!("{path}.node"),
                    format!(
                        "{:?} is not a coordinator; a client sends its transfer to one",
                        cluster.name(r.node)
                    ),
                ));
            }
            let mut parts: BTreeMap<NodeId, Vec<(Account, i64)>> = BTreeMap::new();
            for (account, change) in t.changes() {
                let Some(row) = accounts.iter().find(|a| a.name == account) else {
                    return Err(setup.error(
                        format!("{path}.transfer"),
                        format!(
                            "no account {:?}; accounts are {}",
                            account.0,
                            accounts
                                .iter()
                                .map(|a| a.name.0.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                parts.entry(row.on).or_default().push((account, change));
            }
            if parts.len() < 2 {
                return Err(setup.error(
                    format!("{path}.transfer"),
                    "a transaction moves money between accounts on two or more participants",
                ));
            }
            let id = TxId(txs.len() as u32);
            by_name.insert(t.tx.clone(), id);
            txs.push(TxPlan {
                name: t.tx.clone(),
                coordinator: r.node,
                participants: parts.keys().copied().collect(),
                parts: parts.into_values().collect(),
            });
        }
        let mut vote_no = BTreeSet::new();
        for (tx, nodes) in &params.vote_no {
            let path = format!("params.vote_no.{tx}");
            let Some(&id) = by_name.get(&TxName(tx.clone())) else {
                return Err(setup.error(path, format!("no transaction {tx:?} in the requests")));
            };
            for (k, name) in nodes.iter().enumerate() {
                let node = participant(name, format!("{path}[{k}]"))?;
                vote_no.insert((id, node));
            }
        }
        Ok(Bank {
            accounts,
            txs,
            by_name,
            vote_no,
            no_ppm: (params.no_probability * PPM as f64).round() as u32,
        })
    }

    pub fn id(&self, tx: &TxName) -> Option<TxId> {
        self.by_name.get(tx).copied()
    }

    pub fn plan(&self, id: TxId) -> &TxPlan {
        &self.txs[id.0 as usize]
    }

    pub fn plan_of(&self, tx: &TxName) -> Option<&TxPlan> {
        self.id(tx).map(|id| self.plan(id))
    }

    pub fn scripted_no(&self, id: TxId, node: NodeId) -> bool {
        self.vote_no.contains(&(id, node))
    }

    pub fn accounts_on(&self, node: NodeId) -> impl Iterator<Item = &AccountRow> {
        self.accounts.iter().filter(move |a| a.on == node)
    }
}

// ---------------------------------------------------------------------------
// A participant's ledger.

/// What a participant's log says about one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxRecord {
    /// Voted Yes: the redo (balances after) and undo (balances before) images
    /// of its accounts, which stay locked until the outcome is known.
    Prepared {
        redo: Vec<(Account, i64)>,
        undo: Vec<(Account, i64)>,
    },
    Committed,
    Aborted,
}

/// A participant's disk: balances and the transaction log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LedgerDisk {
    pub opened: bool,
    pub balances: BTreeMap<Account, i64>,
    pub log: BTreeMap<TxName, TxRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerWrite {
    /// First boot: the accounts with their opening balances.
    Open(Vec<(Account, i64)>),
    Prepare {
        tx: TxName,
        redo: Vec<(Account, i64)>,
        undo: Vec<(Account, i64)>,
    },
    /// Apply the redo image.
    Commit(TxName),
    /// Keep the balances (the undo image is what they still are).
    Abort(TxName),
}

impl LedgerDisk {
    pub fn apply(&mut self, write: &LedgerWrite) {
        match write {
            LedgerWrite::Open(accounts) => {
                self.opened = true;
                self.balances = accounts.iter().cloned().collect();
            }
            LedgerWrite::Prepare { tx, redo, undo } => {
                self.log.insert(
                    tx.clone(),
                    TxRecord::Prepared {
                        redo: redo.clone(),
                        undo: undo.clone(),
                    },
                );
            }
            LedgerWrite::Commit(tx) => {
                if let Some(TxRecord::Prepared { redo, .. }) = self.log.get(tx) {
                    for (account, balance) in redo {
                        self.balances.insert(account.clone(), *balance);
                    }
                }
                self.log.insert(tx.clone(), TxRecord::Committed);
            }
            LedgerWrite::Abort(tx) => {
                self.log.insert(tx.clone(), TxRecord::Aborted);
            }
        }
    }
}

/// A protocol whose participants keep a [`Ledger`]: how a ledger write goes
/// into its durable state.
pub trait LedgerHost: Protocol {
    fn ledger_write(write: LedgerWrite) -> <Self::Durable as DurableState>::Write;
}

/// Where a participant stands on a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Has not voted (or has forgotten a No it never wrote down).
    Unknown,
    /// Voted Yes and holds the locks: uncertain until told.
    Prepared,
    Committed,
    Aborted,
}

impl Standing {
    pub fn name(self) -> &'static str {
        match self {
            Standing::Unknown => "unknown",
            Standing::Prepared => "prepared",
            Standing::Committed => "committed",
            Standing::Aborted => "aborted",
        }
    }
}

/// Why a participant votes No.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoReason {
    Overdraw,
    Locked,
    Scripted,
    Random,
    /// It already aborted the transaction on its own (cooperative termination).
    AlreadyAborted,
}

impl NoReason {
    pub fn name(self) -> &'static str {
        match self {
            NoReason::Overdraw => "overdraw",
            NoReason::Locked => "locked",
            NoReason::Scripted => "scripted",
            NoReason::Random => "random",
            NoReason::AlreadyAborted => "already-aborted",
        }
    }
}

/// A participant's volatile view of its ledger, rebuilt from disk on recovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    balances: BTreeMap<Account, i64>,
    log: BTreeMap<TxName, TxRecord>,
    /// Account -> the prepared transaction holding it.
    locks: BTreeMap<Account, TxName>,
}

impl Ledger {
    /// Rebuilds the ledger from disk; on first boot opens the accounts this
    /// node holds (and states their balances as facts).
    pub fn recover<P: LedgerHost>(
        bank: &Bank,
        me: NodeId,
        disk: &LedgerDisk,
        ctx: &mut Ctx<P>,
    ) -> Ledger {
        let mut ledger = Ledger {
            balances: disk.balances.clone(),
            log: disk.log.clone(),
            locks: BTreeMap::new(),
        };
        if !disk.opened {
            let accounts: Vec<(Account, i64)> = bank
                .accounts_on(me)
                .map(|a| (a.name.clone(), a.balance))
                .collect();
            for (account, balance) in &accounts {
                ctx.note(Fact::Opened {
                    account: account.clone(),
                    balance: *balance,
                });
            }
            ledger.balances = accounts.iter().cloned().collect();
            ctx.persist(P::ledger_write(LedgerWrite::Open(accounts)));
        }
        // The locks of every transaction still prepared: held across the crash.
        for (tx, record) in &ledger.log {
            if let TxRecord::Prepared { redo, .. } = record {
                for (account, _) in redo {
                    ledger.locks.insert(account.clone(), tx.clone());
                }
            }
        }
        ledger
    }

    pub fn standing(&self, tx: &TxName) -> Standing {
        match self.log.get(tx) {
            None => Standing::Unknown,
            Some(TxRecord::Prepared { .. }) => Standing::Prepared,
            Some(TxRecord::Committed) => Standing::Committed,
            Some(TxRecord::Aborted) => Standing::Aborted,
        }
    }

    /// Transactions this node voted Yes on and has no outcome for.
    pub fn in_doubt(&self) -> Vec<TxName> {
        self.log
            .iter()
            .filter(|(_, r)| matches!(r, TxRecord::Prepared { .. }))
            .map(|(tx, _)| tx.clone())
            .collect()
    }

    /// Phase 1 at a participant: whether it can vote Yes on its `part` of `tx`.
    pub fn vote_on<P: Protocol>(
        &self,
        bank: &Bank,
        ctx: &mut Ctx<P>,
        tx: &TxName,
        part: &[(Account, i64)],
    ) -> Result<(), NoReason> {
        if self.standing(tx) == Standing::Aborted {
            return Err(NoReason::AlreadyAborted);
        }
        if let Some(id) = bank.id(tx)
            && bank.scripted_no(id, ctx.me())
        {
            return Err(NoReason::Scripted);
        }
        // Drawn only when random No votes are on, so scripted runs keep their streams.
        if bank.no_ppm > 0 && ctx.rng().chance(bank.no_ppm) {
            return Err(NoReason::Random);
        }
        for (account, change) in part {
            if self.locks.get(account).is_some_and(|holder| holder != tx) {
                return Err(NoReason::Locked);
            }
            if self.balance(account) + change < 0 {
                return Err(NoReason::Overdraw);
            }
        }
        Ok(())
    }

    pub fn balance(&self, account: &Account) -> i64 {
        self.balances.get(account).copied().unwrap_or(0)
    }

    /// Votes Yes: writes the redo/undo record, locks the accounts, and makes
    /// what follows (the vote message) wait for the write to be on disk.
    pub fn prepare<P: LedgerHost>(
        &mut self,
        ctx: &mut Ctx<P>,
        tx: &TxName,
        part: &[(Account, i64)],
    ) {
        let undo: Vec<(Account, i64)> = part
            .iter()
            .map(|(a, _)| (a.clone(), self.balance(a)))
            .collect();
        let redo: Vec<(Account, i64)> = part
            .iter()
            .map(|(a, change)| (a.clone(), self.balance(a) + change))
            .collect();
        for (account, _) in part {
            self.locks.insert(account.clone(), tx.clone());
        }
        let write = LedgerWrite::Prepare {
            tx: tx.clone(),
            redo: redo.clone(),
            undo: undo.clone(),
        };
        self.log
            .insert(tx.clone(), TxRecord::Prepared { redo, undo });
        ctx.persist(P::ledger_write(write));
        ctx.flush();
        ctx.note(Fact::Voted {
            tx: tx.clone(),
            yes: true,
            delta: part.iter().map(|(_, c)| c).sum(),
            reason: None,
        });
    }

    /// Votes No, which aborts the transaction here at once.
    pub fn refuse<P: LedgerHost>(&mut self, ctx: &mut Ctx<P>, tx: &TxName, why: NoReason) {
        ctx.note(Fact::Voted {
            tx: tx.clone(),
            yes: false,
            delta: 0,
            reason: Some(why.name().to_string()),
        });
        if self.standing(tx) != Standing::Aborted {
            self.abort(ctx, tx);
        }
    }

    /// Applies the outcome `commit` (or rolls back). Returns false when there is
    /// nothing to do: already finished, or a commit of what was never prepared.
    pub fn finish<P: LedgerHost>(&mut self, ctx: &mut Ctx<P>, tx: &TxName, commit: bool) -> bool {
        match (self.standing(tx), commit) {
            (Standing::Prepared, true) => {
                let Some(TxRecord::Prepared { redo, undo }) = self.log.get(tx) else {
                    return false;
                };
                let delta: i64 = redo
                    .iter()
                    .zip(undo)
                    .map(|((_, after), (_, before))| after - before)
                    .sum();
                for (account, balance) in redo.clone() {
                    self.balances.insert(account, balance);
                }
                self.release(tx);
                self.log.insert(tx.clone(), TxRecord::Committed);
                ctx.persist(P::ledger_write(LedgerWrite::Commit(tx.clone())));
                ctx.note(Fact::TxCommitted {
                    tx: tx.clone(),
                    delta,
                });
                true
            }
            (Standing::Prepared | Standing::Unknown, false) => {
                self.abort(ctx, tx);
                true
            }
            (Standing::Unknown, true) | (Standing::Committed | Standing::Aborted, _) => false,
        }
    }

    fn abort<P: LedgerHost>(&mut self, ctx: &mut Ctx<P>, tx: &TxName) {
        self.release(tx);
        self.log.insert(tx.clone(), TxRecord::Aborted);
        ctx.persist(P::ledger_write(LedgerWrite::Abort(tx.clone())));
        ctx.note(Fact::TxAborted { tx: tx.clone() });
    }

    fn release(&mut self, tx: &TxName) {
        self.locks.retain(|_, holder| holder != tx);
    }

    /// For `describe`: "A=50 B=150".
    pub fn balances_text(&self) -> String {
        self.balances
            .iter()
            .map(|(a, b)| format!("{a}={b}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// For `describe`: "t1:prepared t2:committed".
    pub fn log_text(&self) -> String {
        self.log
            .keys()
            .map(|tx| format!("{tx}:{}", self.standing(tx).name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn locks_text(&self) -> String {
        self.locks
            .iter()
            .map(|(a, tx)| format!("{a}:{tx}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_to_two_accounts_debits_twice() {
        let t = Transfer {
            tx: TxName("t1".into()),
            from: Account("A".into()),
            to: vec![Account("B".into()), Account("C".into())],
            amount: 30,
        };
        let changes = t.changes();
        assert_eq!(changes[&Account("A".into())], -60);
        assert_eq!(changes[&Account("B".into())], 30);
        assert_eq!(changes.values().sum::<i64>(), 0);
    }

    #[test]
    fn commit_applies_the_redo_image_and_abort_keeps_the_balances() {
        let mut disk = LedgerDisk::default();
        disk.apply(&LedgerWrite::Open(vec![(Account("A".into()), 100)]));
        let tx = TxName("t1".into());
        disk.apply(&LedgerWrite::Prepare {
            tx: tx.clone(),
            redo: vec![(Account("A".into()), 50)],
            undo: vec![(Account("A".into()), 100)],
        });
        assert_eq!(disk.balances[&Account("A".into())], 100);
        let mut aborted = disk.clone();
        aborted.apply(&LedgerWrite::Abort(tx.clone()));
        assert_eq!(aborted.balances[&Account("A".into())], 100);
        disk.apply(&LedgerWrite::Commit(tx));
        assert_eq!(disk.balances[&Account("A".into())], 50);
    }
}
