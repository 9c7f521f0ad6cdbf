//! Code actions on undocumented routes: a JSDoc stub above the registration, a row in the route
//! table, and a source action that documents every undocumented route of a file at once.

use std::collections::BTreeMap;

use crate::inventory::Route;
use crate::workspace::FileId;

use super::docs_table::{self, Row};
use super::{route_label, Analysis, UNDOCUMENTED_ROUTE};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    Source,
}

/// Text edits to one file, by byte offsets into its current text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    /// Root-relative path.
    pub path: String,
    /// The file does not exist yet and is created by this edit.
    pub create: bool,
    /// `(start, end, new text)`, not overlapping.
    pub edits: Vec<(u32, u32, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The diagnostic code the action fixes, if it is a quick fix.
    pub fixes: Option<&'static str>,
    pub edits: Vec<FileEdit>,
}

impl Analysis<'_> {
    /// Actions for the byte range `start..=end` of `file` (whose text is `text`). `table_text` is
    /// the route table document's text, `None` when it does not exist.
    pub fn code_actions(
        &self,
        file: FileId,
        text: &str,
        start: u32,
        end: u32,
        table_text: Option<&str>,
    ) -> Vec<Action> {
        let path = self.path(file).to_string();
        let undocumented: Vec<&Route> = self
            .undocumented()
            .filter(|r| r.location.file == file)
            .collect();
        let mut out = Vec::new();
        let touched = undocumented
            .iter()
            .filter(|r| r.location.name.start <= end && start <= r.location.name.end);
        for route in touched {
            let label = route_label(route);
            if let Some(edit) = stub_edits(text, &[route]).pop() {
                out.push(Action {
                    title: format!("Add a JSDoc stub for {label}"),
                    kind: ActionKind::QuickFix,
                    fixes: Some(UNDOCUMENTED_ROUTE),
                    edits: vec![FileEdit {
                        path: path.clone(),
                        create: false,
                        edits: vec![edit],
                    }],
                });
            }
            if let Some(edit) = self.table_edit(&[route], table_text) {
                out.push(Action {
                    title: format!("Add {label} to {}", self.config.docs.table),
                    kind: ActionKind::QuickFix,
                    fixes: Some(UNDOCUMENTED_ROUTE),
                    edits: vec![edit],
                });
            }
        }
        let all = stub_edits(text, &undocumented);
        if !all.is_empty() {
            out.push(Action {
                title: "Add JSDoc stubs for every undocumented route of this file".to_string(),
                kind: ActionKind::Source,
                fixes: None,
                edits: vec![FileEdit {
                    path,
                    create: false,
                    edits: all,
                }],
            });
        }
        out
    }

    fn table_edit(&self, routes: &[&Route], table_text: Option<&str>) -> Option<FileEdit> {
        let rows: Vec<Row<'_>> = routes
            .iter()
            .map(|r| Row {
                method: &r.method,
                path: &r.path,
                handler: r.handler.as_ref().map(|h| h.name.as_str()).unwrap_or(""),
                auth: r.auth.as_deref().unwrap_or(""),
            })
            .collect();
        let (at, insert) = docs_table::add_rows(table_text, &rows)?;
        Some(FileEdit {
            path: self.config.docs.table.clone(),
            create: table_text.is_none(),
            edits: vec![(at as u32, at as u32, insert)],
        })
    }
}

/// One insertion per statement line that registers `routes`, skipping lines that already have a
/// doc block right above them, so applying the edits twice changes nothing.
fn stub_edits(text: &str, routes: &[&Route]) -> Vec<(u32, u32, String)> {
    let mut by_line: BTreeMap<usize, Vec<&Route>> = BTreeMap::new();
    for route in routes {
        let at = (route.location.call.start as usize).min(text.len());
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        by_line.entry(line_start).or_default().push(route);
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = Vec::new();
    for (line_start, routes) in by_line {
        if has_doc_block_above(&text[..line_start]) {
            continue;
        }
        let indent: String = text[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        let mut stub =
            format!("{indent}/**{newline}{indent} * TODO: summary.{newline}{indent} *{newline}");
        let mut seen = Vec::new();
        for route in routes {
            let label = route_label(route);
            if seen.contains(&label) {
                continue;
            }
            let auth = route.auth.as_deref().unwrap_or("none");
            stub.push_str(&format!(
                "{indent} * {label}{newline}{indent} * Auth: {auth}{newline}"
            ));
            seen.push(label);
        }
        stub.push_str(&format!("{indent} */{newline}"));
        out.push((line_start as u32, line_start as u32, stub));
    }
    out
}

/// Whether the text before a line ends with a `/** ... */` block (blank space aside).
fn has_doc_block_above(before: &str) -> bool {
    let trimmed = before.trim_end();
    trimmed.ends_with("*/")
        && trimmed
            .rfind("/*")
            .is_some_and(|i| trimmed[i..].starts_with("/**"))
}
