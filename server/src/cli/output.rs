//! What the command line prints: aligned tables, the `find` list, the `explain` tree, progress
//! and the summary. Text carries ANSI styles; the output stream strips them when stdout is not
//! a terminal, when NO_COLOR is set, or with `--color never`, so the plain text is the same
//! text without styles.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Mutex;

use anstyle::{AnsiColor, Style};
use serde_json::{json, Value};

use crate::features::explain::Explanation;
use crate::features::route_match::{Match, Near, Request};
use crate::inventory::{Handler, Inventory, Route};
use crate::schema::postgres::Drift;

const HEADER: Style = Style::new().bold().underline();
const PLACE: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();
const AUTH: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Magenta)));
const WARN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

fn method_style(method: &str) -> Style {
    let color = match method {
        "GET" | "HEAD" => AnsiColor::Green,
        "POST" => AnsiColor::Yellow,
        "PUT" | "PATCH" => AnsiColor::Blue,
        "DELETE" => AnsiColor::Red,
        _ => AnsiColor::Magenta,
    };
    Style::new()
        .bold()
        .fg_color(Some(anstyle::Color::Ansi(color)))
}

fn paint(style: Style, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// One table cell: its text and its style.
struct Cell(String, Style);

fn cell(text: impl Into<String>, style: Style) -> Cell {
    Cell(text.into(), style)
}

/// Aligned columns two spaces apart; widths count characters of the plain text.
fn table(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.0.chars().count());
        }
    }
    let line = |cells: Vec<(&str, Style)>| {
        // Trailing empty cells leave no trailing spaces.
        let last = cells.iter().rposition(|(t, _)| !t.is_empty()).unwrap_or(0);
        let mut s = String::new();
        for (i, (text, style)) in cells.iter().enumerate().take(last + 1) {
            s.push_str(&paint(*style, text));
            if i < last {
                s.push_str(&" ".repeat(widths[i] - text.chars().count() + 2));
            }
        }
        s + "\n"
    };
    let mut out = line(headers.iter().map(|h| (*h, HEADER)).collect());
    for row in rows {
        out.push_str(&line(row.iter().map(|c| (c.0.as_str(), c.1)).collect()));
    }
    out
}

fn handler_text(h: Option<&Handler>) -> String {
    match h {
        None => "-".to_string(),
        Some(Handler {
            name,
            file: Some(f),
            line: Some(l),
            ..
        }) => format!("{name}@{f}:{l}"),
        Some(h) => h.name.clone(),
    }
}

/// The inventory as two tables (routes, then socket events) and a count.
pub fn inventory(inv: &Inventory) -> String {
    let rows: Vec<Vec<Cell>> = inv
        .routes
        .iter()
        .map(|r| {
            vec![
                cell(&r.method, method_style(&r.method)),
                cell(
                    format!("{}{}", r.path, if r.dynamic { " (dynamic)" } else { "" }),
                    BOLD,
                ),
                cell(handler_text(r.handler.as_ref()), Style::new()),
                cell(r.auth.clone().unwrap_or_else(|| "-".into()), AUTH),
                cell(format!("{}:{}", r.file, r.line), PLACE),
            ]
        })
        .collect();
    let mut out = table(
        &["METHOD", "PATH", "HANDLER", "AUTH", "REGISTERED AT"],
        &rows,
    );
    out.push('\n');
    let rows: Vec<Vec<Cell>> = inv
        .socket_events
        .iter()
        .map(|e| {
            vec![
                cell(&e.kind, BOLD),
                cell(
                    e.name
                        .clone()
                        .unwrap_or_else(|| format!("? {}", e.expression.as_deref().unwrap_or(""))),
                    if e.name.is_some() { BOLD } else { WARN },
                ),
                cell(&e.namespace, Style::new()),
                cell(
                    if e.kind == "on" {
                        handler_text(e.handler.as_ref())
                    } else {
                        e.payload
                            .as_ref()
                            .map(|p| format!("{{{}}}", p.join(", ")))
                            .unwrap_or_default()
                    },
                    Style::new(),
                ),
                cell(format!("{}:{}", e.file, e.line), PLACE),
            ]
        })
        .collect();
    out.push_str(&table(
        &["KIND", "EVENT", "NAMESPACE", "HANDLER / PAYLOAD", "AT"],
        &rows,
    ));
    if !inv.tables.is_empty() {
        let rows: Vec<Vec<Cell>> = inv
            .tables
            .iter()
            .map(|t| {
                vec![
                    cell(t.qualified_name(), BOLD),
                    cell(t.columns.len().to_string(), Style::new()),
                    cell(&t.source, Style::new()),
                    cell(format!("{}:{}", t.file, t.line), PLACE),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table(&["TABLE", "COLUMNS", "SOURCE", "DEFINED AT"], &rows));
    }
    if let Some(drift) = &inv.drift {
        out.push('\n');
        out.push_str(&drift_text(drift));
    }
    let _ = write!(
        out,
        "\n{} routes, {} socket events",
        inv.routes.len(),
        inv.socket_events.len()
    );
    if !inv.tables.is_empty() {
        let _ = write!(out, ", {} tables", inv.tables.len());
    }
    out.push('\n');
    out
}

/// The drift section of the human table: what only one side has, then column differences.
fn drift_text(d: &Drift) -> String {
    let mut out = format!("DRIFT against {}\n", d.database);
    if d.is_empty() {
        out.push_str("none: the database matches the code\n");
        return out;
    }
    for t in &d.only_in_database {
        out.push_str(&format!(
            "only in database  {}.{} ({} columns)\n",
            t.schema.as_deref().unwrap_or("public"),
            t.name,
            t.columns.len()
        ));
    }
    for t in &d.only_in_code {
        out.push_str(&format!(
            "only in code      {}  {} at {}:{}\n",
            t.schema
                .as_ref()
                .map(|s| format!("{s}.{}", t.name))
                .unwrap_or_else(|| t.name.clone()),
            t.source,
            t.file,
            t.line
        ));
    }
    for c in &d.columns {
        let what = match c.kind.as_str() {
            "only_in_database" => format!(
                "column only in database ({})",
                c.database.as_deref().unwrap_or("?")
            ),
            "only_in_code" => format!("column only in code ({})", c.code.as_deref().unwrap_or("?")),
            kind => format!(
                "{kind}: code {} / database {}",
                c.code.as_deref().unwrap_or("-"),
                c.database.as_deref().unwrap_or("-")
            ),
        };
        out.push_str(&format!(
            "{}.{}  {what}  ({} at {}:{})\n",
            c.table, c.column, c.source, c.file, c.line
        ));
    }
    out
}

fn request_label(request: &Request) -> String {
    match &request.method {
        Some(m) => format!("{m} {}", request.path),
        None => request.path.clone(),
    }
}

fn route_line(route: &Route) -> String {
    format!(
        "{} {}{}",
        paint(method_style(&route.method), &route.method),
        paint(BOLD, &route.path),
        if route.dynamic {
            paint(WARN, " (dynamic)")
        } else {
            String::new()
        }
    )
}

/// The routes serving a request, best first: each with its params, then where it is registered
/// and where its handler is, as `file:line` on lines of their own.
pub fn find(request: &Request, matches: &[Match<'_>], near: &[Near<'_>]) -> String {
    let mut out = String::new();
    if matches.is_empty() {
        let _ = writeln!(out, "no route matches {}", request_label(request));
        if near.is_empty() {
            return out;
        }
        let _ = writeln!(out, "\nclosest routes:");
        let rows: Vec<Vec<Cell>> = near
            .iter()
            .map(|n| {
                vec![
                    cell(&n.route.method, method_style(&n.route.method)),
                    cell(&n.route.path, BOLD),
                    cell(format!("{}:{}", n.route.file, n.route.line), PLACE),
                    cell(
                        if n.other_method {
                            "the path matches; the method differs"
                        } else {
                            ""
                        },
                        DIM,
                    ),
                ]
            })
            .collect();
        for line in table(&["", "", "", ""], &rows).lines().skip(1) {
            let _ = writeln!(out, "  {line}");
        }
        return out;
    }
    for (i, m) in matches.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&route_line(m.route));
        if !m.params.is_empty() {
            let params: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = write!(out, "  {}", paint(DIM, &params.join(" ")));
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "  route    {}",
            paint(PLACE, &format!("{}:{}", m.route.file, m.route.line))
        );
        let _ = writeln!(
            out,
            "  handler  {}",
            handler_place(m.route.handler.as_ref())
        );
    }
    out
}

fn handler_place(h: Option<&Handler>) -> String {
    match h {
        None => paint(DIM, "none"),
        Some(Handler {
            name,
            file: Some(f),
            line: Some(l),
            ..
        }) => format!("{}  {name}", paint(PLACE, &format!("{f}:{l}"))),
        Some(h) => format!("{}  {}", h.name, paint(DIM, "(definition not found)")),
    }
}

pub fn find_json(request: &Request, matches: &[Match<'_>], near: &[Near<'_>]) -> Value {
    let route_json = |r: &Route| {
        json!({
            "method": r.method,
            "path": r.path,
            "file": r.file,
            "line": r.line,
            "handler": r.handler,
            "dynamic": r.dynamic,
        })
    };
    json!({
        "request": { "method": request.method, "path": request.path },
        "matches": matches.iter().map(|m| {
            let mut v = route_json(m.route);
            v["params"] = m.params.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>().into();
            v
        }).collect::<Vec<_>>(),
        "closest": near.iter().map(|n| {
            let mut v = route_json(n.route);
            v["other_method"] = json!(n.other_method);
            v
        }).collect::<Vec<_>>(),
    })
}

/// One route as a tree.
pub fn explanation(e: &Explanation) -> String {
    let mut out = format!(
        "{} {}{}\n",
        paint(method_style(&e.method), &e.method),
        paint(BOLD, &e.path),
        if e.dynamic {
            paint(WARN, " (dynamic: part of the path is computed at run time)")
        } else {
            String::new()
        }
    );
    let place = |file: &str, line: u32| paint(PLACE, &format!("{file}:{line}"));
    let mut branches: Vec<(String, String, Vec<String>)> = Vec::new();
    branches.push((
        "registered".into(),
        place(&e.registered.file, e.registered.line),
        Vec::new(),
    ));
    branches.push((
        "handler".into(),
        match &e.handler {
            None => paint(DIM, "none"),
            Some(h) => match (&h.file, h.line) {
                (Some(f), Some(l)) => format!("{}  {}", h.name, place(f, l)),
                _ => format!("{}  {}", h.name, paint(DIM, "(definition not found)")),
            },
        },
        Vec::new(),
    ));
    branches.push((
        "middleware".into(),
        if e.middleware.is_empty() {
            paint(DIM, "none")
        } else {
            paint(DIM, "in order")
        },
        e.middleware
            .iter()
            .map(|m| {
                if m.auth {
                    format!("{}  {}", m.name, paint(AUTH, "← auth"))
                } else {
                    m.name.clone()
                }
            })
            .collect(),
    ));
    branches.push((
        "auth".into(),
        match &e.auth {
            Some(a) => paint(AUTH, a),
            None => paint(WARN, "none"),
        },
        Vec::new(),
    ));
    branches.push((
        "rate limit".into(),
        match &e.rate_limit {
            Some(r) => r.clone(),
            None => paint(DIM, "none seen"),
        },
        Vec::new(),
    ));
    branches.push((
        "docs".into(),
        if e.docs == "undocumented" {
            paint(WARN, &e.docs)
        } else {
            e.docs.clone()
        },
        e.doc
            .as_deref()
            .map(|d| d.lines().map(|l| l.trim().to_string()).collect())
            .unwrap_or_default(),
    ));
    branches.push((
        "emits".into(),
        if e.emits.is_empty() {
            paint(DIM, "no socket events in the handler's body")
        } else {
            String::new()
        },
        e.emits
            .iter()
            .map(|ev| {
                let mut s = format!("{}  {}", paint(BOLD, &ev.name), place(&ev.file, ev.line));
                if ev.namespace != "/" {
                    let _ = write!(s, "  ns={}", ev.namespace);
                }
                if let Some(p) = &ev.payload {
                    let _ = write!(s, "  {{{}}}", p.join(", "));
                }
                s
            })
            .collect(),
    ));
    branches.push((
        "services".into(),
        if e.services.is_empty() {
            paint(DIM, "none reached")
        } else {
            String::new()
        },
        e.services.clone(),
    ));
    branches.push((
        "tables".into(),
        if e.tables.is_empty() {
            paint(DIM, "none reached")
        } else {
            String::new()
        },
        {
            let w = e.tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
            e.tables
                .iter()
                .map(|t| format!("{:<w$}  {}", t.table, t.access.replace('_', "/")))
                .collect()
        },
    ));
    let width = branches.iter().map(|b| b.0.len()).max().unwrap_or(0);
    let count = branches.len();
    for (i, (label, value, children)) in branches.iter().enumerate() {
        let last = i + 1 == count;
        let label = if value.is_empty() {
            paint(BOLD, label)
        } else {
            format!("{}  {value}", paint(BOLD, &format!("{label:<width$}")))
        };
        let _ = writeln!(
            out,
            "{} {label}",
            paint(DIM, if last { "└─" } else { "├─" })
        );
        let stem = if last { "   " } else { "│  " };
        for (j, child) in children.iter().enumerate() {
            let twig = if j + 1 == children.len() {
                "└─"
            } else {
                "├─"
            };
            let _ = writeln!(out, "{}{} {child}", paint(DIM, stem), paint(DIM, twig));
        }
    }
    out
}

/// `indexed 143 files: 88 routes, 34 socket events in 0.41s`.
pub fn summary(files: usize, inv: &Inventory, seconds: f64) -> String {
    format!(
        "indexed {files} files: {} routes, {} socket events in {seconds:.2}s",
        inv.routes.len(),
        inv.socket_events.len()
    )
}

/// A one-line progress indicator on stderr, drawn only when enabled (stderr is a terminal and
/// `--quiet` was not given).
pub struct Progress {
    enabled: bool,
    /// The last count drawn, to redraw at most every few files.
    drawn: Mutex<usize>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            drawn: Mutex::new(0),
        }
    }

    pub fn indexed(&self, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let step = (total / 100).max(1);
        // Threads finish out of order: draw under the lock, and only to move forward.
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        if done <= *drawn && done != 0 || (done != total && done < *drawn + step) {
            return;
        }
        *drawn = done;
        let width = 30;
        let filled = (done * width).checked_div(total).unwrap_or(width);
        self.draw(&format!(
            "indexing [{}{}] {done}/{total} files",
            "=".repeat(filled),
            " ".repeat(width - filled)
        ));
    }

    pub fn resolving(&self) {
        if self.enabled {
            self.draw("resolving routes and events…");
        }
    }

    pub fn clear(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    fn draw(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
    }
}
