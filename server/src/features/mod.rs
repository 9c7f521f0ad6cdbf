//! Editor features over an inventory snapshot: hover, navigation, diagnostics, code actions,
//! lenses and symbols. Everything here works in file ids and byte offsets and knows nothing of
//! the Language Server Protocol; the `lsp` module converts at the edge.

mod actions;
pub mod docs_table;
pub mod explain;
mod findings;
mod hover;
mod navigation;
pub mod route_match;
mod symbols;
mod tables;
#[cfg(test)]
mod tests;

pub use actions::{Action, ActionKind, FileEdit};
pub use docs_table::{DocRow, DocsTable};
pub use findings::{Finding, Related};
pub use symbols::{Lens, Symbol, SymbolIndex, SymbolKind};
pub use tables::{LinePlace, TableSymbol};

use crate::inventory::{Inventory, Location, Route, SocketEvent, TableAccess};
use crate::workspace::{Config, FileId};

/// Diagnostic codes, stable: configs and editors refer to them.
pub const UNDOCUMENTED_ROUTE: &str = "undocumented-route";
pub const DUPLICATE_ROUTE: &str = "duplicate-route";
pub const UNHANDLED_EVENT: &str = "unhandled-event";
pub const UNEMITTED_EVENT: &str = "unemitted-event";
pub const STALE_DOC: &str = "stale-doc";
/// Every code, for configs and command-line flags that name them.
pub const CODES: [&str; 5] = [
    UNDOCUMENTED_ROUTE,
    STALE_DOC,
    DUPLICATE_ROUTE,
    UNHANDLED_EVENT,
    UNEMITTED_EVENT,
];

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

/// The hover card for what is under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverCard {
    /// The registration the card is about (the receiver through the first argument).
    pub range: (u32, u32),
    pub markdown: String,
}

/// One snapshot's analysis: the inventory, the routes documented elsewhere, and the settings.
pub struct Analysis<'a> {
    pub inventory: &'a Inventory,
    pub table: &'a DocsTable,
    pub config: &'a Config,
}

/// What the cursor is on.
enum Hit<'a> {
    /// Every route registered by the call under the cursor (one call mounted twice gives two).
    Routes(Vec<&'a Route>),
    Event(&'a SocketEvent),
    /// Every table access of the query call under the cursor.
    Tables(Vec<&'a TableAccess>),
}

impl<'a> Analysis<'a> {
    pub fn new(inventory: &'a Inventory, table: &'a DocsTable, config: &'a Config) -> Self {
        Analysis {
            inventory,
            table,
            config,
        }
    }

    /// The file id of a root-relative path.
    pub fn file_id(&self, path: &str) -> Option<FileId> {
        self.inventory
            .files
            .iter()
            .position(|p| p == path)
            .map(|i| i as FileId)
    }

    pub fn path(&self, file: FileId) -> &str {
        self.inventory
            .files
            .get(file as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether a route has a real summary in its doc comment or a row in the route table.
    pub fn is_documented(&self, route: &Route) -> bool {
        has_summary(route.doc.as_deref()) || self.table.contains(&route.method, &route.path)
    }

    /// The registration under `offset`: the innermost call whose head (receiver, method name and
    /// first argument) contains it. Handler bodies written in place are not part of the head, so
    /// hovering inside them shows nothing.
    fn hit(&self, file: FileId, text: &str, offset: u32) -> Option<Hit<'a>> {
        let inv = self.inventory;
        let mut best: Option<(u32, Hit<'a>)> = None;
        let mut consider = |loc: &Location, hit: Hit<'a>| {
            if loc.file != file {
                return;
            }
            let (start, end) = head(text, loc);
            if !(start <= offset && offset <= end) {
                return;
            }
            let width = end - start;
            if best.as_ref().is_none_or(|(w, _)| width < *w) {
                best = Some((width, hit));
            }
        };
        for route in &inv.routes {
            consider(&route.location, Hit::Routes(vec![route]));
        }
        for event in &inv.socket_events {
            consider(&event.location, Hit::Event(event));
        }
        for access in &inv.table_accesses {
            consider(&access.location, Hit::Tables(vec![access]));
        }
        match best? {
            (_, Hit::Routes(first)) => {
                let location = first[0].location;
                Some(Hit::Routes(
                    inv.routes
                        .iter()
                        .filter(|r| r.location == location)
                        .collect(),
                ))
            }
            (_, Hit::Tables(first)) => {
                let location = first[0].location;
                Some(Hit::Tables(
                    inv.table_accesses
                        .iter()
                        .filter(|a| a.location == location)
                        .collect(),
                ))
            }
            (_, hit) => Some(hit),
        }
    }
}

/// A doc comment has a summary when its first line says something other than a TODO.
pub fn has_summary(doc: Option<&str>) -> bool {
    let Some(first) = doc.and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty())) else {
        return false;
    };
    let upper = first.to_ascii_uppercase();
    !(first.starts_with('@') || upper.starts_with("TODO") || upper.starts_with("FIXME"))
}

/// The head of a registration: from the start of the call through its first argument, so that
/// the receiver, the method name and the path string (or event name) all count.
pub fn head(text: &str, loc: &Location) -> (u32, u32) {
    let bytes = text.as_bytes();
    let start = loc.call.start.min(loc.name.start);
    let limit = (loc.call.end as usize).min(bytes.len());
    let mut i = loc.name.end as usize;
    // Skip type arguments and spaces up to the opening parenthesis.
    while i < limit && bytes[i] != b'(' {
        i += 1;
    }
    if i >= limit {
        return (start, loc.name.end.max(start));
    }
    i += 1;
    while i < limit && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    let end = match bytes.get(i) {
        Some(&q @ (b'\'' | b'"' | b'`')) => {
            let mut j = i + 1;
            while j < limit && bytes[j] != q {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        }
        _ => {
            // Not a literal: up to the first comma or closing bracket at depth zero.
            let mut depth = 0i32;
            let mut j = i;
            while j < limit {
                match bytes[j] {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' if depth == 0 => break,
                    b')' | b']' | b'}' => depth -= 1,
                    b',' if depth == 0 => break,
                    _ => {}
                }
                j += 1;
            }
            j
        }
    };
    (start, (end.min(limit) as u32).max(loc.name.end))
}

/// `GET /orders/:id`.
pub fn route_label(route: &Route) -> String {
    format!("{} {}", route.method, route.path)
}

pub(crate) fn event_label(event: &SocketEvent) -> String {
    event.name.clone().unwrap_or_else(|| {
        format!(
            "? ({})",
            event.expression.as_deref().unwrap_or("computed name")
        )
    })
}

fn name_target(loc: &Location) -> Target {
    Target {
        file: loc.file,
        start: loc.name.start,
        end: loc.name.end,
    }
}
