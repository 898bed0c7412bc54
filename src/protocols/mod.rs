//! The registry: every protocol parliament can run.
//!
//! Adding a protocol is its file, one arm in [`ProtocolKind`] with its table
//! row, and one arm in [`ProtocolConfig`]; the compiler then names the three
//! `match`es below that dispatch to it. Everything else (scenario validation,
//! `parliament protocols`, running, judging) is generic over [`Protocol`].

pub mod basic_paxos;
pub mod multi_paxos;
pub mod paxos_commit;
pub mod primary_backup;
pub mod raft;
pub mod three_pc;
pub mod two_pc;

use crate::check::CheckKind;
use crate::cluster::Cluster;
use crate::error::InputError;
use crate::named::{NameRow, Named};
use crate::op::ScriptedRequest;
use crate::protocol::{Meaning, Message, OutcomeWord, Protocol, Serves, Setup};
use basic_paxos::BasicPaxos;
use multi_paxos::MultiPaxos;
use paxos_commit::PaxosCommit;
use primary_backup::PrimaryBackup;
use raft::Raft;
use three_pc::ThreePc;
use two_pc::TwoPc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProtocolKind {
    BasicPaxos,
    PrimaryBackup,
    MultiPaxos,
    Raft,
    TwoPc,
    ThreePc,
    PaxosCommit,
}

impl Named for ProtocolKind {
    const TABLE: &'static [NameRow<ProtocolKind>] = &[
        NameRow {
            value: ProtocolKind::BasicPaxos,
            name: "basic-paxos",
            about: "single-decree Paxos: proposers, acceptors, learners choose one value",
        },
        NameRow {
            value: ProtocolKind::PrimaryBackup,
            name: "primary-backup",
            about: "one primary replicates a log to backups; failover on a heartbeat timeout",
        },
        NameRow {
            value: ProtocolKind::MultiPaxos,
            name: "multi-paxos",
            about: "a log of Paxos instances: election by one prepare, holes, re-confirmation, \
                    StartWorking (seed 002)",
        },
        NameRow {
            value: ProtocolKind::Raft,
            name: "raft",
            about: "Raft: elected leaders, a continuous log, commit by current-term majority",
        },
        NameRow {
            value: ProtocolKind::TwoPc,
            name: "2pc",
            about: "two-phase commit: a coordinator runs bank transfers across participants",
        },
        NameRow {
            value: ProtocolKind::ThreePc,
            name: "3pc",
            about: "three-phase commit: CanCommit, PreCommit, DoCommit; participants decide on a \
                    timeout",
        },
        NameRow {
            value: ProtocolKind::PaxosCommit,
            name: "paxos-commit",
            about: "2PC whose decision a Paxos group of acceptors chooses: survives the \
                    coordinator's crash",
        },
    ];
}

/// Something to do with a protocol type, chosen at run time by its kind.
pub trait ProtocolVisitor {
    type Output;
    fn visit<P: Protocol>(self) -> Self::Output;
}

/// Something to do with a configured protocol.
pub trait ConfigVisitor {
    type Output;
    fn visit<P: Protocol>(self, config: &P::Config) -> Self::Output;
}

impl ProtocolKind {
    pub fn visit<V: ProtocolVisitor>(self, v: V) -> V::Output {
        match self {
            ProtocolKind::BasicPaxos => v.visit::<BasicPaxos>(),
            ProtocolKind::PrimaryBackup => v.visit::<PrimaryBackup>(),
            ProtocolKind::MultiPaxos => v.visit::<MultiPaxos>(),
            ProtocolKind::Raft => v.visit::<Raft>(),
            ProtocolKind::TwoPc => v.visit::<TwoPc>(),
            ProtocolKind::ThreePc => v.visit::<ThreePc>(),
            ProtocolKind::PaxosCommit => v.visit::<PaxosCommit>(),
        }
    }

    /// The protocol's static description: variants, roles, checks, kinds.
    pub fn info(self) -> ProtocolInfo {
        struct Info;
        impl ProtocolVisitor for Info {
            type Output = ProtocolInfo;
            fn visit<P: Protocol>(self) -> ProtocolInfo {
                ProtocolInfo::of::<P>()
            }
        }
        self.visit(Info)
    }

    /// Validates the protocol-specific parts of a scenario and builds the
    /// configuration every node of a run shares.
    pub fn configure(self, input: &ConfigureInput<'_>) -> Result<Configured, InputError> {
        Ok(match self {
            ProtocolKind::BasicPaxos => {
                let (config, variant) = configure::<BasicPaxos>(input)?;
                Configured {
                    config: ProtocolConfig::BasicPaxos(config),
                    variant,
                }
            }
            ProtocolKind::PrimaryBackup => {
                let (config, variant) = configure::<PrimaryBackup>(input)?;
                Configured {
                    config: ProtocolConfig::PrimaryBackup(config),
                    variant,
                }
            }
            ProtocolKind::MultiPaxos => {
                let (config, variant) = configure::<MultiPaxos>(input)?;
                Configured {
                    config: ProtocolConfig::MultiPaxos(config),
                    variant,
                }
            }
            ProtocolKind::Raft => {
                let (config, variant) = configure::<Raft>(input)?;
                Configured {
                    config: ProtocolConfig::Raft(config),
                    variant,
                }
            }
            ProtocolKind::TwoPc => {
                let (config, variant) = configure::<TwoPc>(input)?;
                Configured {
                    config: ProtocolConfig::TwoPc(config),
                    variant,
                }
            }
            ProtocolKind::ThreePc => {
                let (config, variant) = configure::<ThreePc>(input)?;
                Configured {
                    config: ProtocolConfig::ThreePc(config),
                    variant,
                }
            }
            ProtocolKind::PaxosCommit => {
                let (config, variant) = configure::<PaxosCommit>(input)?;
                Configured {
                    config: ProtocolConfig::PaxosCommit(config),
                    variant,
                }
            }
        })
    }
}

/// A protocol's configuration, built once when a scenario is validated.
#[derive(Clone, Debug)]
pub enum ProtocolConfig {
    BasicPaxos(<BasicPaxos as Protocol>::Config),
    PrimaryBackup(<PrimaryBackup as Protocol>::Config),
    MultiPaxos(<MultiPaxos as Protocol>::Config),
    Raft(<Raft as Protocol>::Config),
    TwoPc(<TwoPc as Protocol>::Config),
    ThreePc(<ThreePc as Protocol>::Config),
    PaxosCommit(<PaxosCommit as Protocol>::Config),
}

impl ProtocolConfig {
    pub fn visit<V: ConfigVisitor>(&self, v: V) -> V::Output {
        match self {
            ProtocolConfig::BasicPaxos(c) => v.visit::<BasicPaxos>(c),
            ProtocolConfig::PrimaryBackup(c) => v.visit::<PrimaryBackup>(c),
            ProtocolConfig::MultiPaxos(c) => v.visit::<MultiPaxos>(c),
            ProtocolConfig::Raft(c) => v.visit::<Raft>(c),
            ProtocolConfig::TwoPc(c) => v.visit::<TwoPc>(c),
            ProtocolConfig::ThreePc(c) => v.visit::<ThreePc>(c),
            ProtocolConfig::PaxosCommit(c) => v.visit::<PaxosCommit>(c),
        }
    }

    /// Checks a preloaded durable state (a scenario's `durable` entry):
    /// `Err((path below the entry, message))` when the protocol refuses it.
    pub fn preload(&self, value: &serde_json::Value) -> Result<(), (String, String)> {
        struct Preload<'a>(&'a serde_json::Value);
        impl ConfigVisitor for Preload<'_> {
            type Output = Result<(), (String, String)>;
            fn visit<P: Protocol>(self, config: &P::Config) -> Self::Output {
                P::preload(config, self.0).map(|_| ())
            }
        }
        self.visit(Preload(value))
    }

    /// How many acceptances make a value chosen (consensus protocols).
    pub fn chosen_quorum(&self) -> Option<usize> {
        struct Quorum;
        impl ConfigVisitor for Quorum {
            type Output = Option<usize>;
            fn visit<P: Protocol>(self, config: &P::Config) -> Option<usize> {
                P::chosen_quorum(config)
            }
        }
        self.visit(Quorum)
    }
}

/// A configuration and the name of the variant it runs.
#[derive(Clone, Debug)]
pub struct Configured {
    pub config: ProtocolConfig,
    pub variant: &'static str,
}

/// What `configure` reads from a scenario.
pub struct ConfigureInput<'a> {
    pub source: &'a str,
    /// The protocol's name, for errors.
    pub protocol: &'a str,
    /// The variant as written; `None` means the protocol's default.
    pub variant: Option<&'a str>,
    pub params: &'a serde_json::Map<String, serde_json::Value>,
    pub cluster: &'a Cluster,
    pub requests: &'a [ScriptedRequest],
}

/// Configures protocol `P` from a scenario's parts: the variant by name, the
/// params parsed into `P::Params`, then `P::configure`. Returns the
/// configuration and the variant's name.
pub fn configure<P: Protocol>(
    input: &ConfigureInput<'_>,
) -> Result<(P::Config, &'static str), InputError> {
    let variant = match input.variant {
        None => P::Variant::first(),
        Some(name) => P::Variant::from_name(name).ok_or_else(|| {
            InputError::new(
                input.source,
                format!(
                    "unknown variant {name:?} of {}; expected one of: {}",
                    input.protocol,
                    P::Variant::expected()
                ),
            )
            .at("variant")
        })?,
    };
    let params: P::Params = parse_params(input.params, input.source)?;
    let setup = Setup::<P> {
        source: input.source,
        variant,
        params,
        cluster: input.cluster,
        requests: input.requests,
    };
    Ok((P::configure(&setup)?, variant.name()))
}

/// Parses `params` into the protocol's type, with paths like `params.timeout`.
fn parse_params<T: serde::de::DeserializeOwned>(
    params: &serde_json::Map<String, serde_json::Value>,
    source: &str,
) -> Result<T, InputError> {
    let value = serde_json::Value::Object(params.clone());
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        InputError::new(source, e.into_inner().to_string()).at(if path == "." {
            "params".to_string()
        } else {
            format!("params.{path}")
        })
    })
}

/// A protocol as data: what `parliament protocols` prints and what scenario
/// validation checks before the protocol itself is configured.
#[derive(Clone, Debug)]
pub struct ProtocolInfo {
    /// (name, one-line description); the first is the default.
    pub variants: Vec<(&'static str, &'static str)>,
    /// (name, plural, name prefix) per role.
    pub roles: Vec<(&'static str, &'static str, &'static str)>,
    /// Rows of the role table a node without `roles` plays.
    pub default_roles: Vec<usize>,
    pub checks: &'static [CheckKind],
    pub outcomes: &'static [OutcomeWord],
    pub serves: Serves,
    /// Message kinds in table order.
    pub message_kinds: Vec<&'static str>,
    /// What each message kind means, for narration, in table order.
    pub message_meanings: Vec<(&'static str, Meaning)>,
    /// `params` a fuzz sweep may vary.
    pub param_ranges: &'static [crate::protocol::ParamRange],
    /// `params` options, as `parliament protocols` lists them.
    pub options: &'static [crate::protocol::OptionRow],
}

impl ProtocolInfo {
    fn of<P: Protocol>() -> ProtocolInfo {
        ProtocolInfo {
            variants: P::Variant::TABLE
                .iter()
                .map(|r| (r.name, r.about))
                .collect(),
            roles: P::ROLES
                .iter()
                .map(|r| (r.name, r.plural, r.prefix))
                .collect(),
            default_roles: P::DEFAULT_ROLES
                .iter()
                .filter_map(|d| P::ROLES.iter().position(|r| r.role == *d))
                .collect(),
            checks: P::CHECKS,
            outcomes: P::OUTCOMES,
            serves: P::SERVES,
            message_kinds: <<P::Msg as Message>::Kind as Named>::names(),
            message_meanings: <<P::Msg as Message>::Kind as Named>::TABLE
                .iter()
                .map(|r| (r.name, P::Msg::meaning(r.value)))
                .collect(),
            param_ranges: P::PARAM_RANGES,
            options: P::OPTIONS,
        }
    }

    pub fn role_names(&self) -> Vec<&'static str> {
        self.roles.iter().map(|r| r.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every protocol's tables are sound: names unique, defaults present, at
    /// most 64 message kinds (filters keep them in a 64-bit mask) and 32 roles.
    #[test]
    fn every_protocol_table_is_sound() {
        struct Sound;
        impl ProtocolVisitor for Sound {
            type Output = ();
            fn visit<P: Protocol>(self) {
                crate::named::assert_table_sound::<P::Variant>();
                crate::named::assert_table_sound::<<P::Msg as Message>::Kind>();
                assert!(<<P::Msg as Message>::Kind as Named>::TABLE.len() <= 64);
                assert!(!P::ROLES.is_empty() && P::ROLES.len() <= 32);
                for d in P::DEFAULT_ROLES {
                    assert!(P::ROLES.iter().any(|r| r.role == *d));
                }
                assert!(!P::CHECKS.is_empty());
            }
        }
        crate::named::assert_table_sound::<ProtocolKind>();
        for row in ProtocolKind::TABLE {
            row.value.visit(Sound);
        }
    }
}
