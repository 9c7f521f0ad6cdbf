//! Text renderings of the inventory: the aligned table people read, and the compact expectation
//! format the fixture tests compare against (see fixtures/README.md).

use super::{Handler, Inventory};

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
    out.push_str(&format!(
        "\n{} routes, {} socket events\n",
        inv.routes.len(),
        inv.socket_events.len()
    ));
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
