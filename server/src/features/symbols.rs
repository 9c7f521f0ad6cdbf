//! Symbols and lenses: routes, socket events, environment variables, queues and scheduled jobs
//! as named places, listed per file, searched across the workspace, and summarized above each
//! registration.

use crate::architecture::jobs::{Queue, Schedule};
use crate::architecture::ConfigVar;
use crate::inventory::{Location, Route, Service, SocketEvent};
use crate::workspace::FileId;

use super::{event_label, name_target, route_label, Analysis, Target};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Route,
    Event,
    Service,
    /// An environment variable, at its first read (a schema key when one validates it).
    EnvVar,
    /// A job queue, where its name is first written.
    Queue,
    /// Scheduled work (cron, interval).
    Job,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// `GET /orders/:id`, `emit bid:new`.
    pub name: String,
    pub kind: SymbolKind,
    /// The handler's name, when there is one.
    pub detail: Option<String>,
    /// The whole registering call.
    pub range: Target,
    /// The method-name token.
    pub selection: Target,
}

/// A summary line above a route, which opens the handler when clicked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lens {
    pub at: Target,
    pub title: String,
    pub handler: Option<Target>,
}

/// The workspace's symbols with their lower-cased names and details, built once per inventory so
/// that a query only scores them.
#[derive(Clone, Debug, Default)]
pub struct SymbolIndex {
    entries: Vec<(Symbol, String, Option<String>)>,
}

impl SymbolIndex {
    /// See [`Analysis::workspace_symbols`].
    pub fn search(&self, query: &str) -> Vec<Symbol> {
        let query = query.to_lowercase();
        let mut scored: Vec<(i64, &Symbol)> = self
            .entries
            .iter()
            .filter_map(|(s, name, detail)| {
                let on_name = fuzzy_score(&query, name);
                let on_detail = detail
                    .as_deref()
                    .and_then(|d| fuzzy_score(&query, d))
                    .map(|score| score - 1);
                Some((on_name.max(on_detail)?, s))
            })
            .collect();
        let order = |(a, sa): &(i64, &Symbol), (b, sb): &(i64, &Symbol)| {
            b.cmp(a).then_with(|| sa.name.cmp(&sb.name))
        };
        // Only the best are sorted: a short query matches most of a large workspace.
        if scored.len() > MAX_SYMBOLS {
            scored.select_nth_unstable_by(MAX_SYMBOLS, order);
            scored.truncate(MAX_SYMBOLS);
        }
        scored.sort_by(order);
        scored.into_iter().map(|(_, s)| s.clone()).collect()
    }
}

/// Workspace symbol search returns at most this many symbols; editors show few more anyway.
const MAX_SYMBOLS: usize = 256;

impl Analysis<'_> {
    pub fn document_symbols(&self, file: FileId) -> Vec<Symbol> {
        let mut out: Vec<Symbol> = self
            .all_symbols()
            .filter(|s| s.range.file == file)
            .collect();
        out.sort_by_key(|s| (s.range.start, s.name.clone()));
        out
    }

    /// Symbols whose name or handler fuzzily matches `query` (its characters in order), best
    /// matches first: a URL fragment typed as is lands on its route.
    pub fn workspace_symbols(&self, query: &str) -> Vec<Symbol> {
        self.symbol_index().search(query)
    }

    /// Every workspace symbol, ready to be searched many times.
    pub fn symbol_index(&self) -> SymbolIndex {
        SymbolIndex {
            entries: self
                .all_symbols()
                .map(|s| {
                    let name = s.name.to_lowercase();
                    let detail = s.detail.as_deref().map(str::to_lowercase);
                    (s, name, detail)
                })
                .collect(),
        }
    }

    pub fn code_lenses(&self, file: FileId) -> Vec<Lens> {
        let mut out: Vec<Lens> =
            self.inventory
                .routes
                .iter()
                .filter(|r| r.location.file == file)
                .map(|r| {
                    let auth = r.auth.as_deref().unwrap_or("no auth");
                    let docs = if self.is_documented(r) {
                        "documented"
                    } else {
                        "undocumented"
                    };
                    Lens {
                        at: name_target(&r.location),
                        title: format!("{} · {auth} · {docs}", route_label(r)),
                        handler: r.handler.as_ref().and_then(|h| h.definition).map(
                            |(file, span)| Target {
                                file,
                                start: span.start,
                                end: span.end,
                            },
                        ),
                    }
                })
                .collect();
        out.sort_by_key(|l| (l.at, l.title.clone()));
        out.dedup();
        out
    }

    fn all_symbols(&self) -> impl Iterator<Item = Symbol> + '_ {
        let routes = self.inventory.routes.iter().map(route_symbol);
        let events = self.inventory.socket_events.iter().map(event_symbol);
        let services = self.inventory.services.iter().map(service_symbol);
        let vars = self.inventory.config.iter().filter_map(env_symbol);
        let queues = self.inventory.jobs.queues.iter().filter_map(queue_symbol);
        let jobs = self.inventory.jobs.schedules.iter().map(schedule_symbol);
        routes
            .chain(events)
            .chain(services)
            .chain(vars)
            .chain(queues)
            .chain(jobs)
    }
}

fn route_symbol(r: &Route) -> Symbol {
    Symbol {
        name: route_label(r),
        kind: SymbolKind::Route,
        detail: r.handler.as_ref().map(|h| h.name.clone()),
        range: Target {
            file: r.location.file,
            start: r.location.call.start,
            end: r.location.call.end,
        },
        selection: name_target(&r.location),
    }
}

fn event_symbol(e: &SocketEvent) -> Symbol {
    Symbol {
        name: format!("{} {}", e.kind, event_label(e)),
        kind: SymbolKind::Event,
        detail: e.handler.as_ref().map(|h| h.name.clone()),
        range: Target {
            file: e.location.file,
            start: e.location.call.start,
            end: e.location.call.end,
        },
        selection: name_target(&e.location),
    }
}

fn service_symbol(s: &Service) -> Symbol {
    let (file, span) = s.definition;
    let target = Target {
        file,
        start: span.start,
        end: span.end,
    };
    Symbol {
        name: s.name.clone(),
        kind: SymbolKind::Service,
        detail: Some(format!("service ({})", s.kind)),
        range: target,
        selection: target,
    }
}

/// A symbol whose whole range is its name's token.
fn name_symbol(name: String, kind: SymbolKind, detail: Option<String>, at: &Location) -> Symbol {
    Symbol {
        name,
        kind,
        detail,
        range: Target {
            file: at.file,
            start: at.call.start,
            end: at.call.end,
        },
        selection: name_target(at),
    }
}

fn env_symbol(var: &ConfigVar) -> Option<Symbol> {
    let first = var
        .reads
        .iter()
        .find(|r| r.via == "schema")
        .or_else(|| var.reads.first())?;
    let mut detail = Vec::new();
    if var.secret {
        detail.push("secret".to_string());
    }
    detail.push(if var.validated {
        format!("validated by {}", var.validators.join(", "))
    } else {
        "not validated".to_string()
    });
    Some(name_symbol(
        format!("env {}", var.name),
        SymbolKind::EnvVar,
        Some(detail.join(", ")),
        &first.location,
    ))
}

fn queue_symbol(queue: &Queue) -> Option<Symbol> {
    Some(name_symbol(
        format!("queue {}", queue.name),
        SymbolKind::Queue,
        Some(queue.library.clone()),
        queue.locations.first()?,
    ))
}

fn schedule_symbol(schedule: &Schedule) -> Symbol {
    let runs = schedule
        .handler
        .as_ref()
        .map(|h| h.name.clone())
        .or_else(|| schedule.job.clone());
    name_symbol(
        format!("job {}", schedule.schedule),
        SymbolKind::Job,
        runs,
        &schedule.location,
    )
}

/// `None` when `query`'s characters do not all appear in `candidate` in order; otherwise higher
/// for matches that are contiguous, early, and in shorter names.
pub(super) fn fuzzy_score(query: &str, candidate: &str) -> Option<i64> {
    if query.is_empty() {
        return Some(0);
    }
    if let Some(at) = candidate.find(query) {
        return Some(1000 - at as i64 - candidate.len() as i64);
    }
    let mut score = 0i64;
    let mut chars = candidate.char_indices();
    let mut last: Option<usize> = None;
    for q in query.chars() {
        let (i, _) = chars.by_ref().find(|(_, c)| *c == q)?;
        score += match last {
            Some(l) if i == l + 1 => 10,
            _ => 1,
        };
        last = Some(i + q.len_utf8() - 1);
    }
    Some(score - candidate.len() as i64)
}
