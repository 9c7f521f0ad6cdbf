//! Text renderings of the inventory: the aligned table people read, and the compact expectation
//! format the fixture tests compare against (see fixtures/README.md).

use super::{Handler, Inventory};
use crate::schema::postgres::Drift;
use crate::schema::Table;

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

/// The fixture expectation format: one line per route and event, fields separated by two spaces.
pub fn render_expected(inv: &Inventory) -> String {
    let mut out = String::from("# routes\n");
    for r in &inv.routes {
        let mut fields = vec![
            format!("{} {}", r.method, r.path),
            format!("handler={}", handler_text(r.handler.as_ref())),
        ];
        if !r.middleware.is_empty() {
            fields.push(format!("mw=[{}]", r.middleware.join(", ")));
        }
        if let Some(a) = &r.auth {
            fields.push(format!("auth={a}"));
        }
        if let Some(l) = &r.rate_limit {
            fields.push(format!("rate={l}"));
        }
        if r.dynamic {
            fields.push("dynamic".into());
        }
        fields.push(format!("at={}:{}", r.file, r.line));
        out.push_str(&fields.join("  "));
        out.push('\n');
    }
    out.push_str("\n# socket_events\n");
    for e in &inv.socket_events {
        let mut fields = vec![
            format!("{} {}", e.kind, e.name.as_deref().unwrap_or("?")),
            format!("ns={}", e.namespace),
        ];
        if e.kind == "on" {
            fields.push(format!("handler={}", handler_text(e.handler.as_ref())));
        }
        if let Some(p) = &e.payload {
            fields.push(format!("payload=[{}]", p.join(", ")));
        }
        if e.side == "client" {
            fields.push("client".into());
        }
        if e.dynamic {
            fields.push("dynamic".into());
        }
        if let Some(x) = &e.expression {
            fields.push(format!("expr={x}"));
        }
        if !e.candidates.is_empty() {
            fields.push(format!("candidates=[{}]", e.candidates.join(", ")));
        }
        fields.push(format!("at={}:{}", e.file, e.line));
        out.push_str(&fields.join("  "));
        out.push('\n');
    }
    out
}

/// The human table: aligned columns, one row per route, then one per event.
pub fn render_table(inv: &Inventory) -> String {
    let mut out = String::new();
    let rows: Vec<[String; 5]> = inv
        .routes
        .iter()
        .map(|r| {
            [
                r.method.clone(),
                format!("{}{}", r.path, if r.dynamic { " (dynamic)" } else { "" }),
                handler_text(r.handler.as_ref()),
                r.auth.clone().unwrap_or_else(|| "-".into()),
                format!("{}:{}", r.file, r.line),
            ]
        })
        .collect();
    out.push_str(&table(
        &["METHOD", "PATH", "HANDLER", "AUTH", "REGISTERED AT"],
        &rows,
    ));
    out.push('\n');
    let rows: Vec<[String; 5]> = inv
        .socket_events
        .iter()
        .map(|e| {
            [
                e.kind.clone(),
                e.name
                    .clone()
                    .unwrap_or_else(|| format!("? {}", e.expression.as_deref().unwrap_or(""))),
                e.namespace.clone(),
                if e.kind == "on" {
                    handler_text(e.handler.as_ref())
                } else {
                    e.payload
                        .as_ref()
                        .map(|p| format!("{{{}}}", p.join(", ")))
                        .unwrap_or_default()
                },
                format!("{}:{}", e.file, e.line),
            ]
        })
        .collect();
    out.push_str(&table(
        &["KIND", "EVENT", "NAMESPACE", "HANDLER / PAYLOAD", "AT"],
        &rows,
    ));
    if !inv.tables.is_empty() {
        out.push('\n');
        out.push_str(&tables_table(&inv.tables));
    }
    if let Some(drift) = &inv.drift {
        out.push('\n');
        out.push_str(&drift_text(drift));
    }
    out.push_str(&format!(
        "\n{} routes, {} socket events",
        inv.routes.len(),
        inv.socket_events.len()
    ));
    if !inv.tables.is_empty() {
        out.push_str(&format!(", {} tables", inv.tables.len()));
    }
    out.push('\n');
    out
}

fn tables_table(tables: &[Table]) -> String {
    let rows: Vec<[String; 4]> = tables
        .iter()
        .map(|t| {
            [
                t.qualified_name(),
                t.columns.len().to_string(),
                t.source.clone(),
                format!("{}:{}", t.file, t.line),
            ]
        })
        .collect();
    table(&["TABLE", "COLUMNS", "SOURCE", "DEFINED AT"], &rows)
}

/// The drift section of the human table: what only one side has, then column differences.
pub fn drift_text(d: &Drift) -> String {
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

/// The schema fixture format (fixtures/schema/README.md): a table line, then one indented line
/// per column and per index.
pub fn render_tables(tables: &[Table]) -> String {
    let mut out = String::from("# tables\n");
    for t in tables {
        let mut fields = vec![t.qualified_name(), format!("source={}", t.source)];
        fields.push(format!("at={}:{}", t.file, t.line));
        out.push_str(&fields.join("  "));
        out.push('\n');
        for c in &t.columns {
            let mut fields = vec![c.name.clone(), c.ty.clone()];
            if c.primary_key {
                fields.push("pk".into());
            }
            if !c.nullable {
                fields.push("not null".into());
            }
            if let Some(d) = &c.default {
                fields.push(format!("default={d}"));
            }
            if let Some(fk) = &c.foreign_key {
                fields.push(format!("fk={}.{}", fk.table, fk.column));
            }
            out.push_str(&format!("  {}\n", fields.join("  ")));
        }
        for i in &t.indexes {
            out.push_str(&format!(
                "  {} {} ({})\n",
                if i.unique { "unique" } else { "index" },
                i.name.as_deref().unwrap_or("-"),
                i.columns.join(", ")
            ));
        }
    }
    out
}

fn table<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(|c| c.as_str()).collect()));
    }
    out
}
