//! Diagnostics: undocumented and duplicate routes, and socket events nobody handles or emits.

use std::collections::{BTreeMap, HashMap, HashSet};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::inventory::{Route, SocketEvent};
use crate::workspace::config::Severity;
use crate::workspace::FileId;

use super::docs_table::DocRow;
use super::{
    event_label, name_target, route_label, Analysis, Target, DUPLICATE_ROUTE, UNDOCUMENTED_ROUTE,
    UNEMITTED_EVENT, UNHANDLED_EVENT,
};

/// One finding in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub target: Target,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// What the finding is about, short: `GET /api/v1/orders/:id`, an event name.
    pub subject: String,
    pub related: Vec<Related>,
}

/// Another place that explains a finding (the other registration of a duplicate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub target: Target,
    pub message: String,
}

impl Analysis<'_> {
    /// Every finding of the workspace, by file. Files without findings are absent.
    pub fn diagnostics(&self) -> BTreeMap<FileId, Vec<Finding>> {
        self.findings(&|_| true)
    }

    /// The findings of some files only (after an edit that can only have changed theirs),
    /// without judging every route of the workspace.
    pub fn diagnostics_in(&self, files: &HashSet<FileId>) -> BTreeMap<FileId, Vec<Finding>> {
        self.findings(&|file| files.contains(&file))
    }

    fn findings(&self, wanted: &dyn Fn(FileId) -> bool) -> BTreeMap<FileId, Vec<Finding>> {
        let ignored = self.ignored_files();
        let mut out: BTreeMap<FileId, Vec<Finding>> = BTreeMap::new();
        let mut push = |finding: Finding| {
            if finding.severity != Severity::Off
                && wanted(finding.target.file)
                && !ignored.contains(&finding.target.file)
            {
                out.entry(finding.target.file).or_default().push(finding);
            }
        };
        let settings = &self.config.diagnostics;
        for route in self.undocumented().filter(|r| wanted(r.location.file)) {
            push(Finding {
                target: name_target(&route.location),
                severity: settings.undocumented_route,
                code: UNDOCUMENTED_ROUTE,
                message: self.undocumented_message(route),
                subject: route_label(route),
                related: Vec::new(),
            });
        }
        for finding in self.duplicates(wanted) {
            push(finding);
        }
        for finding in self.unmatched_events(wanted) {
            push(finding);
        }
        for findings in out.values_mut() {
            findings.sort_by(|a, b| (a.target, a.code).cmp(&(b.target, b.code)));
            findings.dedup();
        }
        out
    }

    /// Rows of the route table document whose route the code no longer registers.
    pub fn stale_rows(&self) -> Vec<&DocRow> {
        let live: HashSet<(&str, &str)> = self
            .inventory
            .routes
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        self.table
            .rows()
            .iter()
            .filter(|r| !live.contains(&(r.method.as_str(), r.path.as_str())))
            .collect()
    }

    /// The message of a stale row's finding.
    pub fn stale_message(&self, row: &DocRow) -> String {
        format!(
            "{} {} is documented in {} but the code no longer registers it: delete the row or move its text to the route's new row",
            row.method, row.path, self.config.docs.table
        )
    }

    /// Routes without a summary, one per registration and full path.
    pub fn undocumented(&self) -> impl Iterator<Item = &Route> {
        self.inventory
            .routes
            .iter()
            .filter(|r| !self.is_documented(r))
    }

    fn undocumented_message(&self, route: &Route) -> String {
        let label = route_label(route);
        if route.doc.as_deref().is_some_and(|d| !d.trim().is_empty()) {
            format!(
                "{label} has a doc comment without a summary: replace its first line (a TODO) with what the route does"
            )
        } else {
            format!(
                "{label} is undocumented: add a doc comment with a summary, or a row in {}",
                self.config.docs.table
            )
        }
    }

    fn ignored_files(&self) -> HashSet<FileId> {
        let Some(globs) = build_globs(&self.config.diagnostics.ignore) else {
            return HashSet::new();
        };
        self.inventory
            .files
            .iter()
            .enumerate()
            .filter(|(_, path)| globs.is_match(path))
            .map(|(i, _)| i as FileId)
            .collect()
    }

    /// The same method and full path registered at more than one place, for the routes of the
    /// wanted files.
    fn duplicates(&self, wanted: &dyn Fn(FileId) -> bool) -> Vec<Finding> {
        let routes = || self.inventory.routes.iter().filter(|r| !r.dynamic);
        let keys: HashSet<(&str, &str)> = routes()
            .filter(|r| wanted(r.location.file))
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        let mut groups: HashMap<(&str, &str), Vec<&Route>> = HashMap::new();
        for route in routes().filter(|r| keys.contains(&(r.method.as_str(), r.path.as_str()))) {
            let group = groups.entry((&route.method, &route.path)).or_default();
            if !group.iter().any(|r| r.location == route.location) {
                group.push(route);
            }
        }
        let mut out = Vec::new();
        for group in groups.values().filter(|g| g.len() > 1) {
            for route in group {
                let related = group
                    .iter()
                    .filter(|other| other.location != route.location)
                    .map(|other| Related {
                        target: name_target(&other.location),
                        message: format!("also registered at {}:{}", other.file, other.line),
                    })
                    .collect();
                out.push(Finding {
                    target: name_target(&route.location),
                    severity: self.config.diagnostics.duplicate_route,
                    code: DUPLICATE_ROUTE,
                    message: format!(
                        "{} is registered {} times; only the first registration answers",
                        route_label(route),
                        group.len()
                    ),
                    subject: route_label(route),
                    related,
                });
            }
        }
        out
    }

    /// Events emitted that nothing handles, and handlers of events nothing emits. A side (server
    /// or client) is judged only when the other side is in the workspace, and not at all when the
    /// other side emits or handles names computed at run time that could be anything.
    fn unmatched_events(&self, wanted: &dyn Fn(FileId) -> bool) -> Vec<Finding> {
        let events = &self.inventory.socket_events;
        let other = |side: &str| if side == "server" { "client" } else { "server" };
        let present: HashSet<&str> = events.iter().map(|e| e.side.as_str()).collect();
        let names = |kind: &str, side: &str| -> Option<HashSet<&str>> {
            let mut names = HashSet::new();
            for e in events.iter().filter(|e| e.kind == kind && e.side == side) {
                match &e.name {
                    Some(n) => {
                        names.insert(n.as_str());
                    }
                    None if e.candidates.is_empty() => return None,
                    None => names.extend(e.candidates.iter().map(String::as_str)),
                }
            }
            Some(names)
        };
        // The names each side emits and handles, computed once per kind and side.
        let mut known: HashMap<(&str, &str), Option<HashSet<&str>>> = HashMap::new();
        let mut out = Vec::new();
        for e in events.iter().filter(|e| wanted(e.location.file)) {
            let Some(name) = &e.name else { continue };
            let far = other(&e.side);
            if !present.contains(far) {
                continue;
            }
            let (kind, code, severity, message) = if e.kind == "emit" {
                (
                    "on",
                    UNHANDLED_EVENT,
                    self.config.diagnostics.unhandled_event,
                    format!("no {far} code handles `{name}`"),
                )
            } else {
                (
                    "emit",
                    UNEMITTED_EVENT,
                    self.config.diagnostics.unemitted_event,
                    format!("no {far} code emits `{name}`"),
                )
            };
            let names = known.entry((kind, far)).or_insert_with(|| names(kind, far));
            if names.as_ref().is_some_and(|n| !n.contains(name.as_str())) {
                out.push(event_finding(e, code, severity, message));
            }
        }
        out
    }
}

fn event_finding(
    e: &SocketEvent,
    code: &'static str,
    severity: Severity,
    message: String,
) -> Finding {
    Finding {
        target: name_target(&e.location),
        severity,
        code,
        message: format!("{message} (event {})", event_label(e)),
        subject: event_label(e),
        related: Vec::new(),
    }
}

fn build_globs(patterns: &[String]) -> Option<GlobSet> {
    if patterns.is_empty() {
        return None;
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        // A malformed glob ignores nothing rather than everything.
        if let Ok(glob) = Glob::new(p) {
            builder.add(glob);
        }
    }
    builder.build().ok()
}
