//! Tables in the editor: a card with a table's columns and what touches it, on the code that
//! reads or writes it and on its definition; its definitions and the code touching it as
//! navigation targets; tables and services in symbol search.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::inventory::{Table, TableAccess};
use crate::workspace::FileId;

use super::{name_target, route_label, Analysis, Hit, Target};

/// A place named by file and 1-based line: where a table is defined, which may be a schema file
/// (`.sql`, `.prisma`) rather than a source file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinePlace {
    pub path: String,
    pub line: u32,
}

/// A table as a workspace symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSymbol {
    pub name: String,
    /// Where it comes from (`sql`, `prisma`, ...).
    pub detail: String,
    pub place: LinePlace,
}

/// How many routes a table card lists before summarizing the rest.
const CARD_ROUTES: usize = 10;

impl Analysis<'_> {
    /// The card for the tables a query under the cursor touches.
    pub(super) fn table_cards(&self, accesses: &[&TableAccess]) -> String {
        let names: BTreeSet<&str> = accesses.iter().map(|a| a.table.as_str()).collect();
        let cards: Vec<String> = names.into_iter().map(|n| self.table_card(n)).collect();
        cards.join("\n---\n\n")
    }

    /// A table's columns, definitions, and the services and routes that read or write it.
    pub fn table_card(&self, name: &str) -> String {
        let defs = self.definitions_of(name);
        let mut out = format!("**Table** `{name}`\n\n");
        if defs.is_empty() {
            out.push_str("- Defined: nowhere in the workspace's schema files or models\n");
        }
        for t in &defs {
            let _ = writeln!(out, "- Defined: {}:{} ({})", t.file, t.line, t.source);
        }
        if let Some(t) = defs.first() {
            let columns: Vec<String> = t
                .columns
                .iter()
                .map(|c| {
                    let mut text = format!("`{}` {}", c.name, c.ty);
                    if c.primary_key {
                        text.push_str(" pk");
                    }
                    if let Some(fk) = &c.foreign_key {
                        let _ = write!(text, " → {}.{}", fk.table, fk.column);
                    }
                    text
                })
                .collect();
            if !columns.is_empty() {
                let _ = writeln!(out, "- Columns: {}", columns.join(", "));
            }
        }
        let accesses: Vec<&TableAccess> = self.accesses_of(name).collect();
        for (access, title) in [("read", "Read by"), ("write", "Written by")] {
            let who: BTreeSet<String> = accesses
                .iter()
                .filter(|a| a.access == access)
                .map(|a| {
                    a.service
                        .clone()
                        .or_else(|| a.function.clone())
                        .unwrap_or_else(|| format!("{}:{}", a.file, a.line))
                })
                .collect();
            if !who.is_empty() {
                let list: Vec<String> = who.iter().map(|w| format!("`{w}`")).collect();
                let _ = writeln!(out, "- {title}: {}", list.join(", "));
            }
        }
        let routes: Vec<String> = self
            .inventory
            .routes
            .iter()
            .filter(|r| r.tables.iter().any(|t| t.table == name))
            .map(|r| format!("`{}`", route_label(r)))
            .collect();
        if !routes.is_empty() {
            let shown = routes.len().min(CARD_ROUTES);
            let _ = write!(out, "- Routes: {}", routes[..shown].join(", "));
            if routes.len() > shown {
                let _ = write!(out, " and {} more", routes.len() - shown);
            }
            out.push('\n');
        }
        out
    }

    /// The card for the table defined at `line` of `path`, for hovering a definition.
    pub fn table_card_at(&self, path: &str, line: u32) -> Option<String> {
        let table = self
            .inventory
            .tables
            .iter()
            .find(|t| t.file == path && t.line == line)?;
        Some(self.table_card(&table.qualified_name()))
    }

    /// From code touching a table to where the table is defined.
    pub fn table_definitions(&self, file: FileId, text: &str, offset: u32) -> Vec<LinePlace> {
        let Some(Hit::Tables(accesses)) = self.hit(file, text, offset) else {
            return Vec::new();
        };
        let names: BTreeSet<&str> = accesses.iter().map(|a| a.table.as_str()).collect();
        let mut out: Vec<LinePlace> = names
            .into_iter()
            .flat_map(|n| self.definitions_of(n))
            .map(|t| LinePlace {
                path: t.file.clone(),
                line: t.line,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every place touching the tables the query under the cursor touches.
    pub(super) fn table_references(&self, accesses: &[&TableAccess]) -> Vec<Target> {
        let names: BTreeSet<&str> = accesses.iter().map(|a| a.table.as_str()).collect();
        names
            .into_iter()
            .flat_map(|n| self.accesses_of(n))
            .map(|a| name_target(&a.location))
            .collect()
    }

    /// Tables whose name fuzzily matches `query`.
    pub fn table_symbols(&self, query: &str) -> Vec<TableSymbol> {
        let query = query.to_lowercase();
        self.inventory
            .tables
            .iter()
            .filter(|t| {
                super::symbols::fuzzy_score(&query, &t.qualified_name().to_lowercase()).is_some()
            })
            .map(|t| TableSymbol {
                name: t.qualified_name(),
                detail: format!("table ({})", t.source),
                place: LinePlace {
                    path: t.file.clone(),
                    line: t.line,
                },
            })
            .collect()
    }

    fn definitions_of(&self, name: &str) -> Vec<&Table> {
        self.inventory
            .tables
            .iter()
            .filter(|t| t.qualified_name() == name)
            .collect()
    }

    fn accesses_of<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s TableAccess> {
        self.inventory
            .table_accesses
            .iter()
            .filter(move |a| a.table == name)
    }
}
