//! The route table of BACKEND_BRAIN.md: which routes it documents, and the edit that adds a row.
//!
//! A route table is any Markdown table whose header has `Method` and `Path` columns. Rows are
//! matched on method and path; a path may be wrapped in backticks. A table with a `Description`
//! (or `Summary`) column documents a route only when that cell says something other than a TODO,
//! the same rule as a doc comment's first line; a table without one documents every route it
//! lists.

use std::collections::HashSet;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use super::has_summary;
use crate::workspace::Config;

const OPENAPI_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `https://api.example.com/api/v1/` gives `/api/v1`; a relative `/api` stays.
fn server_base_path(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        without_scheme
            .find('/')
            .map_or("", |i| &without_scheme[i..])
    } else {
        without_scheme
    };
    path.trim_end_matches('/').to_string()
}

/// `/orders/{orderId}` gives `/orders/:orderId`.
fn openapi_to_express(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push(':');
                out.push_str(&rest[open + 1..open + close]);
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    if out.len() > 1 {
        out = out.trim_end_matches('/').to_string();
    }
    out
}

const HEADER: &str = "| Method | Path | Handler | Auth | Summary |";
const RULE: &str = "| --- | --- | --- | --- | --- |";

/// The routes (method, path) a route table documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocsTable {
    /// The routes the tables document.
    routes: HashSet<(String, String)>,
    rows: Vec<DocRow>,
}

/// One row of a route table, where it is written and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocRow {
    /// Upper case.
    pub method: String,
    pub path: String,
    /// 1-based line of the row, and 1-based column (in characters) of its first cell.
    pub line: u32,
    pub column: u32,
    /// 1-based column just past the row's last character.
    pub end_column: u32,
    /// Byte offsets of the row's line, its line ending left out.
    pub start: u32,
    pub end: u32,
    /// The `Description` (or `Summary`) cell, `None` when the table has no such column.
    pub description: Option<String>,
}

impl DocRow {
    /// Whether this row documents its route.
    pub fn documents(&self) -> bool {
        self.description
            .as_deref()
            .is_none_or(|d| has_summary(Some(d)))
    }
}

/// One Markdown table: the byte range of its lines and its columns, lower case.
struct Table {
    columns: Vec<String>,
    /// The byte offset just past the last row's line ending (or the end of the text).
    end: usize,
    /// Each row's byte range (line ending left out) and cells.
    rows: Vec<((usize, usize), Vec<String>)>,
}

impl DocsTable {
    /// The routes documented by the route table document (`table_text`) and by the OpenAPI file
    /// `[docs] openapi` names, read from `root`. An OpenAPI file that cannot be read or parsed
    /// documents nothing; the message says why.
    pub fn load(
        root: &Path,
        config: &Config,
        table_text: Option<&str>,
    ) -> (DocsTable, Option<String>) {
        let mut table = table_text.map(DocsTable::parse).unwrap_or_default();
        let Some(openapi) = &config.docs.openapi else {
            return (table, None);
        };
        let problem = match crate::workspace::read_inside(root, openapi) {
            Some(text) => table.add_openapi(&text).err(),
            None => Some("cannot be read inside the workspace".to_string()),
        };
        (table, problem.map(|p| format!("{openapi}: {p}")))
    }

    /// Counts every operation of an OpenAPI document (JSON or YAML) as documented: its path with
    /// the servers' base path before it and `{id}` written `:id`. Returns how many were added.
    pub fn add_openapi(&mut self, text: &str) -> Result<usize, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
        let doc = docs.first().ok_or("empty document")?;
        let base = doc["servers"][0]["url"]
            .as_str()
            .map(server_base_path)
            .unwrap_or_default();
        let Yaml::Hash(paths) = &doc["paths"] else {
            return Err("no `paths` object".to_string());
        };
        let mut added = 0;
        for (path, item) in paths {
            let (Some(path), Yaml::Hash(operations)) = (path.as_str(), item) else {
                continue;
            };
            let express_path = openapi_to_express(&format!("{base}{path}"));
            for method in operations.keys().filter_map(Yaml::as_str) {
                if OPENAPI_METHODS.contains(&method) {
                    self.routes
                        .insert((method.to_ascii_uppercase(), express_path.clone()));
                    added += 1;
                }
            }
        }
        Ok(added)
    }

    pub fn parse(text: &str) -> DocsTable {
        let mut routes = HashSet::new();
        let mut rows = Vec::new();
        for table in route_tables(text) {
            let (Some(m), Some(p)) = (column(&table, "method"), column(&table, "path")) else {
                continue;
            };
            let d = column(&table, "description").or_else(|| column(&table, "summary"));
            for ((start, end), cells) in &table.rows {
                let (Some(method), Some(path)) = (cells.get(m), cells.get(p)) else {
                    continue;
                };
                let before = &text[..*start];
                let line_text = &text[*start..*end];
                let indent = line_text.len() - line_text.trim_start().len();
                let row = DocRow {
                    method: method.to_ascii_uppercase(),
                    path: unquote(path),
                    line: before.matches('\n').count() as u32 + 1,
                    column: line_text[..indent].chars().count() as u32 + 1,
                    end_column: line_text.chars().count() as u32 + 1,
                    start: *start as u32,
                    end: *end as u32,
                    description: d.map(|d| {
                        cells
                            .get(d)
                            .map(|c| c.replace("\\|", "|"))
                            .unwrap_or_default()
                    }),
                };
                if row.documents() {
                    routes.insert((row.method.clone(), row.path.clone()));
                }
                rows.push(row);
            }
        }
        DocsTable { routes, rows }
    }

    /// Whether a row documents the route (see the module's documentation).
    pub fn contains(&self, method: &str, path: &str) -> bool {
        self.routes
            .contains(&(method.to_ascii_uppercase(), path.to_string()))
    }

    /// Whether some row names the route, documenting it or not.
    pub fn lists(&self, method: &str, path: &str) -> bool {
        let method = method.to_ascii_uppercase();
        self.rows
            .iter()
            .any(|r| r.method == method && r.path == path)
    }

    /// Every row of every route table, in document order.
    pub fn rows(&self) -> &[DocRow] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// What a new row says about a route.
pub struct Row<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub handler: &'a str,
    pub auth: &'a str,
}

/// The edit that adds `rows` to the document `text` (`None` when the file does not exist yet):
/// `(offset, inserted text)`. Rows already present are skipped; `None` when nothing is left.
pub fn add_rows(text: Option<&str>, rows: &[Row<'_>]) -> Option<(usize, String)> {
    let present = text.map(DocsTable::parse).unwrap_or_default();
    let mut seen = HashSet::new();
    let rows: Vec<&Row<'_>> = rows
        .iter()
        .filter(|r| !present.lists(r.method, r.path))
        .filter(|r| seen.insert((r.method, r.path)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let newline = match text {
        Some(t) if t.contains("\r\n") => "\r\n",
        _ => "\n",
    };
    let Some(text) = text else {
        let mut out = format!("# Backend{newline}{newline}## Routes{newline}{newline}");
        out.push_str(&default_table(&rows, newline));
        return Some((0, out));
    };
    // The widest route table, the last of equals: in a generated document, the inventory table
    // rather than the narrower table of rows whose route is gone.
    let existing = route_tables(text)
        .into_iter()
        .max_by_key(|t| t.columns.len());
    match existing {
        Some(table) => {
            let mut out = String::new();
            // The last row may end the file without a line ending.
            if !text[..table.end].ends_with('\n') {
                out.push_str(newline);
            }
            for row in rows {
                out.push_str(&render_row(&table.columns, row));
                out.push_str(newline);
            }
            Some((table.end, out))
        }
        None => {
            let mut out = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(newline);
            }
            if !text.is_empty() {
                out.push_str(newline);
            }
            out.push_str(&format!("## Routes{newline}{newline}"));
            out.push_str(&default_table(&rows, newline));
            Some((text.len(), out))
        }
    }
}

fn default_table(rows: &[&Row<'_>], newline: &str) -> String {
    let columns: Vec<String> = ["method", "path", "handler", "auth", "summary"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut out = format!("{HEADER}{newline}{RULE}{newline}");
    for row in rows {
        out.push_str(&render_row(&columns, row));
        out.push_str(newline);
    }
    out
}

fn render_row(columns: &[String], row: &Row<'_>) -> String {
    let cells: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "method" => row.method.to_string(),
            "path" => format!("`{}`", row.path.replace('|', "\\|")),
            "handler" => row.handler.to_string(),
            "auth" => row.auth.to_string(),
            "summary" | "description" => "TODO".to_string(),
            _ => String::new(),
        })
        .collect();
    format!("| {} |", cells.join(" | "))
}

fn column(table: &Table, name: &str) -> Option<usize> {
    table.columns.iter().position(|c| c == name)
}

fn unquote(cell: &str) -> String {
    cell.trim()
        .trim_matches('`')
        .replace("\\|", "|")
        .trim()
        .to_string()
}

/// Splits a table line into trimmed cells, honouring `\|` escapes.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                if let Some(last) = out.last_mut() {
                    last.push_str("\\|");
                }
            }
            '|' => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Every table of the document whose header has a `Method` and a `Path` column.
fn route_tables(text: &str) -> Vec<Table> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        lines.push((offset, line));
        offset += line.len();
    }
    let mut tables = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        let (_, header) = lines[i];
        let (_, rule) = lines[i + 1];
        if !(header.trim_start().starts_with('|') && is_rule(rule)) {
            i += 1;
            continue;
        }
        let columns: Vec<String> = cells(header)
            .into_iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let (rule_start, rule_line) = lines[i + 1];
        let mut end = rule_start + rule_line.len();
        let mut rows = Vec::new();
        let mut j = i + 2;
        while j < lines.len() && lines[j].1.trim_start().starts_with('|') {
            let (start, line) = lines[j];
            let content = line.trim_end_matches(['\n', '\r']);
            rows.push(((start, start + content.len()), cells(line)));
            end = lines[j].0 + lines[j].1.len();
            j += 1;
        }
        if columns.iter().any(|c| c == "method") && columns.iter().any(|c| c == "path") {
            tables.push(Table { columns, end, rows });
        }
        i = j;
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(method: &'a str, path: &'a str) -> Row<'a> {
        Row {
            method,
            path,
            handler: "h",
            auth: "",
        }
    }

    fn apply(text: Option<&str>, rows: &[Row<'_>]) -> String {
        let (at, insert) = add_rows(text, rows).expect("an edit");
        let mut out = text.unwrap_or("").to_string();
        out.insert_str(at, &insert);
        out
    }

    #[test]
    fn parses_rows_of_route_tables_only() {
        let t = DocsTable::parse(
            "# API\n\n| Name | Path |\n|--|--|\n| x | /not-a-route |\n\n| Method | Path | Summary |\n|:---|---|---|\n| get | `/a/:id` | Reads |\n| POST | /b | Writes |\n",
        );
        assert!(t.contains("GET", "/a/:id"));
        assert!(t.contains("POST", "/b"));
        assert!(!t.contains("GET", "/not-a-route"));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_description_column_documents_only_rows_that_say_something() {
        let t = DocsTable::parse(
            "| Method | Path | Description |\n|---|---|---|\n| GET | `/a` | Reads a. |\n| GET | `/b` | TODO |\n  | GET | `/c` |  |\n| GET | `/d` | a \\| b |\n",
        );
        assert!(t.contains("GET", "/a"));
        assert!(!t.contains("GET", "/b") && t.lists("GET", "/b"));
        assert!(!t.contains("GET", "/c") && t.lists("GET", "/c"));
        let rows: Vec<(u32, u32, Option<&str>)> = t
            .rows()
            .iter()
            .map(|r| (r.line, r.column, r.description.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                (3, 1, Some("Reads a.")),
                (4, 1, Some("TODO")),
                (5, 3, Some("")),
                (6, 1, Some("a | b"))
            ]
        );
    }

    #[test]
    fn rows_go_to_the_widest_table() {
        let text = "| Method | Path | Handler | Description |\n|---|---|---|---|\n| GET | `/a` | h | x |\n\n| Method | Path | Description |\n|---|---|---|\n| GET | `/gone` | y |\n";
        let out = apply(Some(text), &[row("POST", "/b")]);
        assert!(
            out.contains("| GET | `/a` | h | x |\n| POST | `/b` | h | TODO |\n"),
            "{out}"
        );
    }

    #[test]
    fn creates_the_file_and_table() {
        assert_eq!(
            apply(None, &[row("GET", "/a")]),
            "# Backend\n\n## Routes\n\n| Method | Path | Handler | Auth | Summary |\n| --- | --- | --- | --- | --- |\n| GET | `/a` | h |  | TODO |\n"
        );
    }

    #[test]
    fn appends_to_an_existing_table_with_its_columns() {
        let text = "Intro\n\n| Path | Method |\n|---|---|\n| /a | GET |\n\nMore text.\n";
        assert_eq!(
            apply(Some(text), &[row("POST", "/b")]),
            "Intro\n\n| Path | Method |\n|---|---|\n| /a | GET |\n| `/b` | POST |\n\nMore text.\n"
        );
    }

    #[test]
    fn adds_a_table_to_a_file_without_one() {
        assert_eq!(
            apply(Some("# Notes"), &[row("GET", "/a")]),
            "# Notes\n\n## Routes\n\n| Method | Path | Handler | Auth | Summary |\n| --- | --- | --- | --- | --- |\n| GET | `/a` | h |  | TODO |\n"
        );
    }

    #[test]
    fn is_idempotent_and_keeps_crlf() {
        let text = "| Method | Path |\r\n|---|---|\r\n| GET | /a |";
        assert_eq!(add_rows(Some(text), &[row("GET", "/a")]), None);
        assert_eq!(
            apply(Some(text), &[row("GET", "/b"), row("GET", "/b")]),
            "| Method | Path |\r\n|---|---|\r\n| GET | /a |\r\n| GET | `/b` |\r\n"
        );
    }

    #[test]
    fn openapi_operations_document_routes_under_the_server_base_path() {
        let mut table = DocsTable::default();
        let yaml = "openapi: 3.0.3\nservers:\n  - url: https://api.example.com/api/v1/\npaths:\n  /orders/{orderId}:\n    get:\n      summary: One order\n    parameters: []\n  /orders:\n    post: {}\n";
        assert_eq!(table.add_openapi(yaml), Ok(2));
        assert!(table.contains("GET", "/api/v1/orders/:orderId"));
        assert!(table.contains("POST", "/api/v1/orders"));
        assert!(!table.contains("DELETE", "/api/v1/orders"));

        let mut table = DocsTable::default();
        let json = r#"{"openapi": "3.1.0", "paths": {"/health": {"get": {"responses": {}}}}}"#;
        assert_eq!(table.add_openapi(json), Ok(1));
        assert!(table.contains("GET", "/health"));
    }

    #[test]
    fn a_document_without_paths_is_an_error_not_a_crash() {
        let mut table = DocsTable::default();
        assert!(table.add_openapi("openapi: 3.1.0\n").is_err());
        assert!(table.add_openapi("{ not yaml: [").is_err());
    }
}
