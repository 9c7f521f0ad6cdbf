//! The compact expectation formats the fixture tests compare against (see fixtures/README.md).
//! The tables people read are the command line's (`cli/output.rs`).

use super::{Handler, Inventory, NotificationUse, TableUse, Trigger};
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

/// The chain fixture format (`chain.txt`, see fixtures/README.md): one line per route and per
/// handled socket event with what its chain reaches, then the services, every table access,
/// notification and integration, and the personal-data columns.
pub fn render_chain(inv: &Inventory) -> String {
    let mut out = String::from("# chain\n");
    let lines = inv
        .routes
        .iter()
        .map(|r| {
            (
                format!("{} {}", r.method, r.path),
                &r.services,
                &r.tables,
                &r.reach,
                &r.file,
                r.line,
            )
        })
        .chain(
            inv.socket_events
                .iter()
                .filter(|e| e.kind == "on")
                .map(|e| {
                    (
                        format!("on {}", e.name.as_deref().unwrap_or("?")),
                        &e.services,
                        &e.tables,
                        &e.reach,
                        &e.file,
                        e.line,
                    )
                }),
        );
    for (head, services, tables, reach, file, line) in lines {
        let mut fields = vec![head];
        let mut list = |name: &str, items: Vec<String>| {
            if !items.is_empty() {
                fields.push(format!("{name}=[{}]", items.join(", ")));
            }
        };
        list("services", services.clone());
        list(
            "tables",
            tables
                .iter()
                .map(|t| format!("{}:{}", t.table, t.access))
                .collect(),
        );
        list(
            "notifications",
            reach.notifications.iter().map(notification_text).collect(),
        );
        list(
            "integrations",
            reach
                .integrations
                .iter()
                .map(|i| {
                    if i.operations.is_empty() {
                        i.name.clone()
                    } else {
                        format!("{}({})", i.name, i.operations.join(", "))
                    }
                })
                .collect(),
        );
        list(
            "pii",
            reach
                .pii
                .iter()
                .map(|p| format!("{}.{}:{}:{}", p.table, p.column, p.kind, p.level.as_str()))
                .collect(),
        );
        fields.push(format!("at={file}:{line}"));
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
    out.push_str("\n# notifications\n");
    for n in &inv.notifications {
        let mut fields = vec![
            notification_text(&NotificationUse {
                channel: n.channel.clone(),
                provider: n.provider.clone(),
                template: n.template.clone(),
                template_file: n.template_file.clone(),
            }),
            format!("at={}:{}", n.file, n.line),
        ];
        if let Some(f) = &n.function {
            fields.push(format!("fn={f}"));
        }
        if !n.triggers.is_empty() {
            fields.push(format!("triggers=[{}]", triggers_text(&n.triggers)));
        }
        out.push_str(&fields.join("  "));
        out.push('\n');
    }
    out.push_str("\n# integrations\n");
    for i in &inv.integrations {
        let mut fields = vec![
            i.name.clone(),
            format!("packages=[{}]", i.packages.join(", ")),
        ];
        if !i.triggers.is_empty() {
            fields.push(format!("triggers=[{}]", triggers_text(&i.triggers)));
        }
        out.push_str(&fields.join("  "));
        out.push('\n');
        for (kind, places) in [("client", &i.clients), ("call", &i.calls)] {
            for p in places {
                let mut fields = vec![
                    format!("  {kind} {}", p.operation),
                    format!("at={}:{}", p.file, p.line),
                ];
                if let Some(f) = &p.function {
                    fields.push(format!("fn={f}"));
                }
                out.push_str(&fields.join("  "));
                out.push('\n');
            }
        }
    }
    out.push_str("\n# pii\n");
    // A table defined twice (a model and its migration) lists its columns once.
    let mut seen = std::collections::BTreeSet::new();
    for t in &inv.tables {
        for c in &t.columns {
            if let Some(p) = &c.pii {
                let line = format!(
                    "{}.{}  {}  {}\n",
                    t.qualified_name(),
                    c.name,
                    p.kind,
                    p.level.as_str()
                );
                if seen.insert(line.clone()) {
                    out.push_str(&line);
                }
            }
        }
    }
    out
}

/// `email/sendgrid/d-welcome`, `push/fcm/-`, `email/own/welcome@src/emails/welcome.hbs`.
fn notification_text(n: &NotificationUse) -> String {
    let mut text = format!(
        "{}/{}/{}",
        n.channel,
        n.provider,
        n.template.as_deref().unwrap_or("-")
    );
    if let Some(file) = &n.template_file {
        text.push('@');
        text.push_str(file);
    }
    text
}

fn triggers_text(triggers: &[Trigger]) -> String {
    triggers
        .iter()
        .map(|t| format!("{} {}", t.kind, t.name))
        .collect::<Vec<_>>()
        .join(", ")
}
