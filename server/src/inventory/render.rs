//! The compact expectation format the fixture tests compare against (see fixtures/README.md).
//! The tables people read are the command line's (`cli/output.rs`).

use super::{Handler, Inventory, TableUse};
use crate::schema::Table;

pub(crate) fn handler_text(h: Option<&Handler>) -> String {
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

fn table_uses(uses: &[TableUse]) -> String {
    let items: Vec<String> = uses
        .iter()
        .map(|u| format!("{}:{}", u.table, u.access))
        .collect();
    items.join(", ")
}

/// The chain fixture format (`chain.txt`): what each route and event handler reaches (services,
/// tables with access), then the services, then every table access.
pub fn render_chain(inv: &Inventory) -> String {
    let mut out = String::from("# chain\n");
    let handlers = inv
        .routes
        .iter()
        .map(|r| (format!("{} {}", r.method, r.path), &r.services, &r.tables))
        .chain(
            inv.socket_events
                .iter()
                .filter(|e| e.kind == "on")
                .map(|e| {
                    (
                        format!("on {}", e.name.as_deref().unwrap_or("?")),
                        &e.services,
                        &e.tables,
                    )
                }),
        );
    for (name, services, tables) in handlers {
        let mut fields = vec![name];
        if !services.is_empty() {
            fields.push(format!("services=[{}]", services.join(", ")));
        }
        if !tables.is_empty() {
            fields.push(format!("tables=[{}]", table_uses(tables)));
        }
        out.push_str(&fields.join("  "));
        out.push('\n');
    }
    out.push_str("\n# services\n");
    for s in &inv.services {
        let methods: Vec<&str> = s.methods.iter().map(|m| m.name.as_str()).collect();
        let mut fields = vec![
            s.name.clone(),
            format!("kind={}", s.kind),
            format!("methods=[{}]", methods.join(", ")),
        ];
        if !s.tables.is_empty() {
            fields.push(format!("tables=[{}]", table_uses(&s.tables)));
        }
        if !s.calls.is_empty() {
            fields.push(format!("calls=[{}]", s.calls.join(", ")));
        }
        fields.push(format!("at={}:{}", s.file, s.line));
        out.push_str(&fields.join("  "));
        out.push('\n');
    }
    out.push_str("\n# table_accesses\n");
    for a in &inv.table_accesses {
        let mut fields = vec![
            format!("{} {}", a.table, a.access),
            format!("via={}", a.via),
        ];
        if let Some(f) = &a.function {
            fields.push(format!("in={f}"));
        }
        fields.push(format!("at={}:{}", a.file, a.line));
        out.push_str(&fields.join("  "));
        out.push('\n');
    }
    out
}

/// The schema fixture format (fixtures/schema/README.md): a table line, then one indented line
/// per column and per index.
pub fn render_tables(tables: &[Table]) -> String {
    let mut out = String::from("# tables\n");
    for t in tables {
        let mut fields = vec![t.qualified_name(), format!("source={}", t.source)];
        if let Some(m) = &t.model {
            fields.push(format!("model={m}"));
        }
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
