//! Narration: one plain sentence per event, in English or Chinese, that a
//! student can follow — what a node received and what the message means, what
//! it promised, accepted, proposed or committed and why, and what the network
//! did (lost, held back by the scenario, cut by a partition).
//!
//! Message sentences come from each protocol ([`Message::meaning`]); facts and
//! the engine's own events are worded here. Every one exists in both
//! languages: the compiler sees to the facts and events (exhaustive matches),
//! a test to every message kind of every protocol. The Chinese uses the seeds'
//! own terms (提议者, 接受者, 承诺, 提案, 选定, 多数派, 幽灵复现).
//!
//! [`Message::meaning`]: crate::protocol::Message::meaning

use crate::fact::Fact;
use crate::ids::{MessageId, RequestId};
use crate::named::{NameRow, Named};
use crate::net::{DropReason, FilterAction};
use crate::payload::Payload;
use crate::protocol::Meaning;
use crate::scenario::Scenario;
use crate::time::Time;
use crate::trace::{CompletionWord, Record, RecordedEvent};
use std::collections::{BTreeMap, HashMap};

/// The languages narration speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Named for Lang {
    const TABLE: &'static [NameRow<Lang>] = &[
        NameRow {
            value: Lang::En,
            name: "en",
            about: "English",
        },
        NameRow {
            value: Lang::Zh,
            name: "zh",
            about: "中文 (Chinese, in the seeds' terms)",
        },
    ];
}

impl Lang {
    fn pick(self, m: Meaning) -> &'static str {
        match self {
            Lang::En => m.en,
            Lang::Zh => m.zh,
        }
    }
}

/// A message in flight, as narration remembers it from its `send` line.
struct InFlight {
    from: String,
    to: String,
    payload: Payload,
    sent: Time,
    /// When a scenario filter held it back: until when.
    held_until: Option<Time>,
}

/// Turns trace records into sentences.
pub struct Narrator {
    lang: Lang,
    meanings: BTreeMap<&'static str, Meaning>,
    kinds: Vec<&'static str>,
    filters: Vec<crate::net::Filter>,
    names: Vec<String>,
    in_flight: HashMap<MessageId, InFlight>,
    client_of: HashMap<RequestId, String>,
    /// Keep delivered messages in mind (step mode goes back and delivers
    /// them again).
    remember_delivered: bool,
}

impl Narrator {
    pub fn new(scenario: &Scenario, lang: Lang) -> Narrator {
        let info = scenario.protocol.info();
        Narrator {
            lang,
            meanings: info.message_meanings.iter().copied().collect(),
            kinds: info.message_kinds,
            filters: scenario.filters.clone(),
            names: scenario
                .cluster
                .nodes
                .iter()
                .map(|n| n.name.clone())
                .collect(),
            in_flight: HashMap::new(),
            client_of: HashMap::new(),
            remember_delivered: false,
        }
    }

    /// A narrator that remembers every message it saw sent, for a reader that
    /// goes back in time.
    pub fn remembering(mut self) -> Narrator {
        self.remember_delivered = true;
        self
    }

    fn take(&mut self, mid: &MessageId) -> Option<InFlight> {
        if self.remember_delivered {
            self.in_flight.get(mid).map(|m| InFlight {
                from: m.from.clone(),
                to: m.to.clone(),
                payload: m.payload.clone(),
                sent: m.sent,
                held_until: m.held_until,
            })
        } else {
            self.in_flight.remove(mid)
        }
    }

    fn say(&self, en: String, zh: String) -> String {
        match self.lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// When a scenario filter held a message sent now from `from` to `to` back.
    fn held(&self, t: Time, from: &str, to: &str, kind: Option<&str>) -> Option<Time> {
        let id = |n: &str| self.names.iter().position(|x| x == n);
        let (from, to) = (id(from)?, id(to)?);
        let kind = kind.and_then(|k| self.kinds.iter().position(|x| *x == k))?;
        let f = self.filters.iter().find(|f| {
            f.matches(
                t,
                crate::ids::NodeId(from as u32),
                crate::ids::NodeId(to as u32),
                kind,
            )
        })?;
        match f.action {
            FilterAction::Drop => None,
            FilterAction::Delay(d) => Some(t + d),
            FilterAction::HoldUntil(until) => Some(until),
        }
    }

    /// The sentence for one record (`None` for what needs no words).
    pub fn narrate(&mut self, rec: &Record) -> Option<String> {
        let t = rec.t;
        Some(match &rec.event {
            RecordedEvent::Send { mid, from, to, msg } => {
                let held_until = self.held(t, from, to, msg.kind());
                self.in_flight.insert(
                    *mid,
                    InFlight {
                        from: from.clone(),
                        to: to.clone(),
                        payload: msg.clone(),
                        sent: t,
                        held_until,
                    },
                );
                let label = msg.label();
                match held_until {
                    None => self.say(
                        format!("{from} sends {label} to {to}"),
                        format!("{from} 向 {to} 发送 {label}"),
                    ),
                    Some(until) => self.say(
                        format!(
                            "{from} sends {label} to {to}; the scenario holds it back until t={until}"
                        ),
                        format!("{from} 向 {to} 发送 {label}；场景把它扣住，直到 t={until}"),
                    ),
                }
            }
            RecordedEvent::Duplicate { mid, copy } => {
                let (from, to, label) = match self.in_flight.get(mid) {
                    Some(m) => (m.from.clone(), m.to.clone(), m.payload.label()),
                    None => return None,
                };
                let f = InFlight {
                    from: from.clone(),
                    to: to.clone(),
                    payload: self.in_flight[mid].payload.clone(),
                    sent: self.in_flight[mid].sent,
                    held_until: None,
                };
                self.in_flight.insert(*copy, f);
                self.say(
                    format!(
                        "the network duplicates {label} from {from} to {to}: {to} may get it twice"
                    ),
                    format!("网络复制了 {from} 发给 {to} 的 {label}：{to} 可能收到两次"),
                )
            }
            RecordedEvent::Deliver { mid, .. } => {
                let m = self.take(mid)?;
                let mut s = self.meaning_of(&m);
                if let Some(until) = m.held_until {
                    s.push_str(&self.say(
                        format!(
                            " (sent at t={}, held by the scenario until t={until})",
                            m.sent
                        ),
                        format!("（t={} 发出，被场景扣到 t={until}）", m.sent),
                    ));
                }
                s
            }
            RecordedEvent::Drop {
                mid,
                reason,
                from,
                to,
                ..
            } => {
                let label = self
                    .take(mid)
                    .map(|m| m.payload.label())
                    .unwrap_or_default();
                match reason {
                    DropReason::Loss => self.say(
                        format!("the network loses {label} from {from} to {to}"),
                        format!("网络丢失了 {from} 发给 {to} 的 {label}"),
                    ),
                    DropReason::Partition => self.say(
                        format!("{label} from {from} cannot reach {to}: the network is partitioned between them"),
                        format!("{from} 发给 {to} 的 {label} 无法送达：两者之间发生了网络分区"),
                    ),
                    DropReason::Filter => self.say(
                        format!("the scenario drops {label} from {from} to {to}"),
                        format!("场景丢弃了 {from} 发给 {to} 的 {label}"),
                    ),
                    DropReason::Crashed => self.say(
                        format!("{label} from {from} arrives at {to}, which is down: it is lost"),
                        format!("{from} 发给 {to} 的 {label} 到达时 {to} 已宕机：消息丢失"),
                    ),
                }
            }
            RecordedEvent::Request {
                node,
                client,
                request,
                op,
                node_down,
            } => {
                let what = crate::render::diagram::op_words(op);
                let who = match client {
                    Some(c) => {
                        self.client_of.insert(*request, c.clone());
                        c.clone()
                    }
                    None => self.say("a client".into(), "客户端".into()),
                };
                if *node_down {
                    self.say(
                        format!("{who} asks {node} to {what} ({request}), but {node} is down"),
                        format!("{who} 请求 {node} 执行 {what}（{request}），但 {node} 已宕机"),
                    )
                } else {
                    self.say(
                        format!("{who} asks {node} to {what} ({request})"),
                        format!("{who} 请求 {node} 执行 {what}（{request}）"),
                    )
                }
            }
            RecordedEvent::Invoke { .. } => return None,
            RecordedEvent::Complete {
                client,
                request,
                outcome,
                ..
            } => match outcome {
                CompletionWord::Info => self.say(
                    format!(
                        "{client} gives up on {request}: it cannot know whether it took effect"
                    ),
                    format!("{client} 放弃了 {request}：无法知道它是否已生效"),
                ),
                CompletionWord::Ok | CompletionWord::Fail => return None,
            },
            RecordedEvent::Reply {
                node,
                request,
                reply,
            } => {
                let what = crate::render::diagram::reply_words(reply);
                let to = self
                    .client_of
                    .get(request)
                    .cloned()
                    .unwrap_or_else(|| self.say("the client".into(), "客户端".into()));
                self.say(
                    format!("{node} answers {to}'s {request}: {what}"),
                    format!("{node} 回复 {to} 的 {request}：{what}"),
                )
            }
            RecordedEvent::Timer { node, timer } => {
                let label = timer.label();
                self.say(
                    format!("{node}'s {label} timer fires"),
                    format!("{node} 的 {label} 定时器到期"),
                )
            }
            RecordedEvent::Persist { node, .. } => self.say(
                format!("{node} writes to its disk first, so a crash cannot make it forget"),
                format!("{node} 先写入磁盘，这样宕机重启后也不会忘记"),
            ),
            RecordedEvent::Fact { node, fact } => self.fact(node, fact),
            RecordedEvent::Crash { node } => self.say(
                format!("{node} crashes: it loses everything not on its disk"),
                format!("{node} 宕机：磁盘之外的状态全部丢失"),
            ),
            RecordedEvent::Pause { node } => self.say(
                format!("{node} pauses: it handles nothing, but forgets nothing, until it resumes"),
                format!("{node} 暂停：在恢复之前不处理任何事件，但也不丢失任何状态"),
            ),
            RecordedEvent::Resume { node } => self.say(
                format!("{node} resumes and handles what arrived meanwhile, in arrival order, as if no time had passed"),
                format!("{node} 恢复运行，按到达顺序处理暂停期间到达的一切，仿佛时间没有流逝"),
            ),
            RecordedEvent::Restart { node } => self.say(
                format!("{node} restarts and rebuilds itself from its disk alone"),
                format!("{node} 重启，仅凭磁盘上的内容恢复自己"),
            ),
            RecordedEvent::Partition { groups } => {
                let g: Vec<String> = groups.iter().map(|g| g.join(", ")).collect();
                let g = format!("{{{}}}", g.join("} | {"));
                self.say(
                    format!("the network splits into {g}: messages between groups are dropped"),
                    format!("网络分区为 {g}：不同分组之间的消息都被丢弃"),
                )
            }
            RecordedEvent::Cut { from, to } => {
                let (from, to) = (from.join(", "), to.join(", "));
                self.say(
                    format!("the links from {from} to {to} are cut, in that direction only"),
                    format!("从 {from} 到 {to} 的链路被单向切断"),
                )
            }
            RecordedEvent::Heal => self.say(
                "the network heals: every link works again".into(),
                "网络恢复：所有链路重新连通".into(),
            ),
            RecordedEvent::End { reason, events } => {
                let (en, zh) = match reason {
                    crate::trace::EndReason::Quiescent => {
                        ("nothing is left to happen", "没有待发生的事件了")
                    }
                    crate::trace::EndReason::TimeLimit => {
                        ("the scenario's time limit is reached", "达到场景的时间上限")
                    }
                    crate::trace::EndReason::EventLimit => (
                        "the scenario's event limit is reached",
                        "达到场景的事件上限",
                    ),
                    crate::trace::EndReason::MemoryLimit => (
                        "the run reached its memory budget and stopped",
                        "运行达到内存预算，已停止",
                    ),
                    crate::trace::EndReason::Interrupted => {
                        ("the run was interrupted (Ctrl-C)", "运行被中断（Ctrl-C）")
                    }
                };
                self.say(
                    format!("the run ends after {events} events: {en}"),
                    format!("运行结束，共 {events} 个事件：{zh}"),
                )
            }
        })
    }

    /// What a delivered message means, from its protocol's sentence.
    fn meaning_of(&self, m: &InFlight) -> String {
        let label = m.payload.label();
        let kind = m.payload.kind().unwrap_or("");
        // Payload tags are snake_case where kind names use hyphens.
        let meaning = self
            .meanings
            .get(kind)
            .or_else(|| self.meanings.get(kind.replace('_', "-").as_str()));
        let Some(meaning) = meaning else {
            return self.say(
                format!("{} receives {label} from {}", m.to, m.from),
                format!("{} 收到 {} 的 {label}", m.to, m.from),
            );
        };
        let fields: Vec<(String, String)> = match &m.payload {
            Payload::Fields(f) if f.len() == 1 => match &f[0].1 {
                Payload::Fields(args) => args
                    .iter()
                    .map(|(k, v)| (k.clone(), self.words(v)))
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        fill(self.lang.pick(*meaning), &m.from, &m.to, &label, &fields)
    }

    fn words(&self, v: &Payload) -> String {
        match v {
            Payload::Null => self.say("none".into(), "无".into()),
            Payload::String(s) | Payload::Number(s) => s.clone(),
            other => other.label(),
        }
    }

    fn fact(&self, node: &str, fact: &Fact) -> String {
        match fact {
            Fact::Promised { ballot } => self.say(
                format!(
                    "{node} promises never again to answer a prepare numbered {ballot} or lower, \
                     nor to accept a proposal below {ballot}"
                ),
                format!("{node} 承诺：不再回应编号不超过 {ballot} 的准备请求，也不接受编号小于 {ballot} 的提案"),
            ),
            Fact::Accepted { ballot, value } => self.say(
                format!("{node} accepts proposal ({ballot}, {value}): it had promised nothing higher"),
                format!("{node} 接受提案 ({ballot}, {value})：它没有承诺过更高的编号"),
            ),
            Fact::Proposed {
                ballot,
                value,
                adopted: true,
            } => self.say(
                format!(
                    "{node} proposes ({ballot}, {value}), adopting the highest-numbered value a \
                     majority reported instead of its own: a value that may already be chosen \
                     must be kept"
                ),
                format!(
                    "{node} 提出提案 ({ballot}, {value})：它必须采用多数派报告中编号最大的已接受值，\
                     而不是自己的值——这个值可能已经被选定"
                ),
            ),
            Fact::Proposed { ballot, value, .. } => self.say(
                format!(
                    "{node} proposes ({ballot}, {value}), its own value: no acceptor in the \
                     majority that promised reported an accepted one"
                ),
                format!("{node} 提出提案 ({ballot}, {value})，用自己的值：承诺它的多数派都没有报告已接受的值"),
            ),
            Fact::Learned { value } => self.say(
                format!("{node} learns that {value} is chosen: a majority accepted it in one ballot"),
                format!("{node} 学习到 {value} 已被选定：多数派在同一编号下接受了它"),
            ),
            Fact::Leading { epoch } => self.say(
                format!("{node} becomes the leader of epoch {epoch}"),
                format!("{node} 成为第 {epoch} 轮（epoch）的领导者"),
            ),
            Fact::Stored { request, epoch } => self.say(
                format!("{node} stores {request}'s write in epoch {epoch}"),
                format!("{node} 在第 {epoch} 轮存下了 {request} 的写入"),
            ),
            Fact::Served { request, epoch } => self.say(
                format!("{node} serves the read {request} in epoch {epoch}"),
                format!("{node} 在第 {epoch} 轮处理读请求 {request}"),
            ),
            Fact::Committed {
                index,
                epoch,
                command,
            } => self.say(
                format!("{node} learns that log entry #{index} ({command}, epoch {epoch}) is committed: it can never be undone"),
                format!("{node} 得知日志条目 #{index}（{command}，第 {epoch} 轮）已提交：它再也不会被撤销"),
            ),
            Fact::Applied {
                index,
                epoch,
                command,
                ..
            } => self.say(
                format!("{node} applies log entry #{index} ({command}, epoch {epoch}) to its store"),
                format!("{node} 把日志条目 #{index}（{command}，第 {epoch} 轮）应用到状态机"),
            ),
            Fact::Appended {
                index,
                prev_epoch,
                epochs,
            } => {
                let terms = crate::render::log::epoch_list(epochs);
                self.say(
                    format!(
                        "{node}'s log now holds, from #{index} on, entries of terms {terms}, \
                         right after an entry of term {prev_epoch}; anything it held from #{index} \
                         on before is gone"
                    ),
                    format!(
                        "{node} 的日志从 #{index} 起现为任期 {terms} 的条目，\
                         紧接在任期 {prev_epoch} 的条目之后；它原先在 #{index} 及之后的条目都已删除"
                    ),
                )
            }
            Fact::SnapshotInstalled { index, epoch } => self.say(
                format!(
                    "{node} installs the leader's snapshot: its log up to #{index} (term {epoch}) \
                     is replaced by the snapshot's state"
                ),
                format!("{node} 安装领导者的快照：它到 #{index}（任期 {epoch}）为止的日志由快照状态取代"),
            ),
            Fact::Opened { account, balance } => self.say(
                format!("{node} opens account {account} with a balance of {balance}"),
                format!("{node} 开立账户 {account}，余额 {balance}"),
            ),
            Fact::TxBegun { tx, participants } => self.say(
                format!("{node} begins transaction {tx} across {} participants", participants.len()),
                format!("{node} 开始事务 {tx}，涉及 {} 个参与者", participants.len()),
            ),
            Fact::Voted {
                tx,
                yes: true,
                delta,
                ..
            } => self.say(
                format!(
                    "{node} votes Yes on {tx}: its redo/undo record is on disk and its accounts \
                     are locked (change {delta:+}); it can no longer decide alone"
                ),
                format!("{node} 对事务 {tx} 投同意票：redo/undo 日志已落盘，账户已锁定（变化 {delta:+}）；它不能再自行决定"),
            ),
            Fact::Voted { tx, reason, .. } => {
                let why = reason.clone().unwrap_or_default();
                self.say(
                    format!("{node} votes No on {tx} ({why}): the transaction must abort"),
                    format!("{node} 对事务 {tx} 投反对票（{why}）：事务必须中止"),
                )
            }
            Fact::Decided { tx, commit: true } => self.say(
                format!("{node} decides to COMMIT {tx}, and logs the decision before sending it"),
                format!("{node} 决定提交事务 {tx}，并在发送前把决定写入日志"),
            ),
            Fact::Decided { tx, .. } => self.say(
                format!("{node} decides to ABORT {tx}, and logs the decision before sending it"),
                format!("{node} 决定中止事务 {tx}，并在发送前把决定写入日志"),
            ),
            Fact::TxCommitted { tx, delta } => self.say(
                format!("{node} commits {tx} (change {delta:+}) and releases its locks"),
                format!("{node} 提交事务 {tx}（变化 {delta:+}），释放锁"),
            ),
            Fact::TxAborted { tx } => self.say(
                format!("{node} rolls {tx} back with its undo record and releases its locks"),
                format!("{node} 用 undo 日志回滚事务 {tx}，释放锁"),
            ),
            Fact::Blocked { tx } => self.say(
                format!(
                    "{node} is blocked on {tx}: it voted Yes, does not know the outcome, and must \
                     keep its locks until it learns it (同步阻塞)"
                ),
                format!("{node} 在事务 {tx} 上阻塞：它已投同意票却不知道结果，在得知之前必须一直持有锁（同步阻塞）"),
            ),
            Fact::Answered { tx, commit } => {
                let (en, zh) = if *commit { ("committed", "已提交") } else { ("aborted", "已中止") };
                self.say(
                    format!("{node} tells the client that {tx} {en}"),
                    format!("{node} 告诉客户端事务 {tx} {zh}"),
                )
            }
        }
    }
}

/// Fills a sentence's placeholders.
fn fill(template: &str, from: &str, to: &str, label: &str, fields: &[(String, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        let value = match name {
            "sender" => Some(from),
            "receiver" => Some(to),
            "msg" => Some(label),
            _ => fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
        };
        match value {
            Some(v) => out.push_str(v),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The placeholders of a sentence.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::ProtocolKind;

    fn has_chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
    }

    /// Every message kind of every protocol has a sentence in both languages,
    /// and both use the same placeholders.
    #[test]
    fn every_message_kind_of_every_protocol_is_narrated_in_both_languages() {
        for row in ProtocolKind::TABLE {
            let info = row.value.info();
            assert_eq!(info.message_meanings.len(), info.message_kinds.len());
            for (kind, m) in &info.message_meanings {
                assert!(!m.en.trim().is_empty(), "{} {kind}: no English", row.name);
                assert!(has_chinese(m.zh), "{} {kind}: no Chinese", row.name);
                let mut en = placeholders(m.en);
                let mut zh = placeholders(m.zh);
                en.sort();
                en.dedup();
                zh.sort();
                zh.dedup();
                assert_eq!(
                    en, zh,
                    "{} {kind}: the two languages say different things",
                    row.name
                );
            }
        }
    }

    #[test]
    fn placeholders_are_filled_from_the_message() {
        let fields = vec![("ballot".to_string(), "2".to_string())];
        assert_eq!(
            fill(
                "{receiver} gets {msg} from {sender}, ballot {ballot}{x}",
                "P1",
                "A1",
                "Prepare(2)",
                &fields
            ),
            "A1 gets Prepare(2) from P1, ballot 2{x}"
        );
    }
}
