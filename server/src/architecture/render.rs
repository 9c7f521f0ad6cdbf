//! The compact expectation format of the architecture sections (fixtures' `architecture.txt`,
//! described in fixtures/README.md): one line per entry, fields separated by two spaces.

use std::fmt::Write;

use crate::inventory::render::handler_text;
use crate::inventory::Inventory;
use crate::resolve::format_window;

use super::Place;

/// Every architecture section of the inventory, in the expectation format.
pub fn render_architecture(inv: &Inventory) -> String {
    let mut out = String::from("# stack\n");
    for p in &inv.stack.packages {
        let mut fields = vec![format!("package {}", p.file)];
        push_opt(&mut fields, "name", p.name.as_deref());
        push_opt(&mut fields, "version", p.version.as_deref());
        push_opt(&mut fields, "node", p.node.as_deref());
        if !p.workspaces.is_empty() {
            fields.push(format!("workspaces=[{}]", p.workspaces.join(", ")));
        }
        push_opt(&mut fields, "lockfile", p.lockfile.as_deref());
        line(&mut out, fields);
    }
    for d in &inv.stack.dependencies {
        let mut fields = vec![format!("dep {}", d.name)];
        push_opt(&mut fields, "layer", d.layer.as_deref());
        fields.push(format!("declared={}", d.declared));
        push_opt(&mut fields, "version", d.version.as_deref());
        if d.dev {
            fields.push("dev".into());
        }
        fields.push(format!("in={}", d.package));
        line(&mut out, fields);
    }
    for l in &inv.stack.lockfiles {
        let mut fields = vec![
            format!("lockfile {}", l.file),
            format!("format={}", l.format),
            format!("entries={}", l.entries),
        ];
        push_opt(&mut fields, "error", l.error.as_deref());
        line(&mut out, fields);
    }

    out.push_str("\n# middleware_stack\n");
    for m in &inv.middleware_stack {
        let mut fields = vec![
            format!("{} {}", m.order, m.name),
            format!("app={}", place(&m.app)),
            format!("kind={}", m.kind),
        ];
        push_opt(&mut fields, "path", m.path.as_deref());
        push_opt(&mut fields, "package", m.package.as_deref());
        if !m.options.is_empty() {
            fields.push(format!(
                "options={}",
                serde_json::Value::Object(m.options.clone())
            ));
        }
        push_opt(&mut fields, "rate", m.rate_limit.as_deref());
        if let (Some(file), Some(line)) = (&m.file, m.line) {
            fields.push(format!("at={file}:{line}"));
        }
        line(&mut out, fields);
    }

    out.push_str("\n# config\n");
    for v in &inv.config {
        let mut fields = vec![v.name.clone()];
        if v.secret {
            fields.push("secret".into());
        }
        if v.validated {
            fields.push(format!("validated=[{}]", v.validators.join(", ")));
        }
        if let Some(default) = &v.default {
            fields.push(format!("default={}", shown(default)));
        }
        let reads: Vec<String> = v
            .reads
            .iter()
            .map(|r| match r.via.as_str() {
                "process.env" => format!("{}:{}", r.file, r.line),
                via => format!("{}:{} {via}", r.file, r.line),
            })
            .collect();
        fields.push(format!("reads=[{}]", reads.join(", ")));
        line(&mut out, fields);
    }

    out.push_str("\n# jobs\n");
    for q in &inv.jobs.queues {
        let mut fields = vec![
            format!("queue {}", q.name),
            format!("library={}", q.library),
        ];
        if q.dynamic {
            fields.push("dynamic".into());
        }
        if !q.declared.is_empty() {
            let places: Vec<String> = q.declared.iter().map(place).collect();
            fields.push(format!("declared=[{}]", places.join(", ")));
        }
        if !q.job_types.is_empty() {
            fields.push(format!("jobs=[{}]", q.job_types.join(", ")));
        }
        line(&mut out, fields);
        for p in &q.producers {
            let mut fields = vec![format!(
                "  producer {} {}",
                p.call,
                place_of(&p.file, p.line)
            )];
            push_opt(&mut fields, "job", p.job.as_deref());
            push_opt(&mut fields, "in", p.function.as_deref());
            push_list(&mut fields, "routes", &p.routes);
            line(&mut out, fields);
        }
        for c in &q.consumers {
            let mut fields = vec![format!(
                "  consumer {} {}",
                c.kind,
                place_of(&c.file, c.line)
            )];
            push_opt(&mut fields, "job", c.job.as_deref());
            fields.push(format!("handler={}", handler_text(c.handler.as_ref())));
            if !c.handles.is_empty() {
                fields.push(format!("handles=[{}]", c.handles.join(", ")));
            }
            line(&mut out, fields);
        }
    }
    for s in &inv.jobs.schedules {
        let mut fields = vec![
            format!("schedule {}", s.schedule),
            format!("library={}", s.library),
        ];
        push_opt(&mut fields, "job", s.job.as_deref());
        if s.handler.is_some() {
            fields.push(format!("handler={}", handler_text(s.handler.as_ref())));
        }
        fields.push(format!("at={}:{}", s.file, s.line));
        line(&mut out, fields);
    }

    out.push_str("\n# caches\n");
    for c in &inv.caches {
        let mut fields = vec![
            format!("cache {} {}", c.kind, c.library),
            format!("at={}:{}", c.file, c.line),
        ];
        if let Some(max) = c.max_entries {
            fields.push(format!("max={max}"));
        }
        if let Some(ttl) = c.ttl_ms {
            fields.push(format!("ttl={}", format_window(ttl as f64)));
        }
        if !c.used_by.is_empty() {
            fields.push(format!("used_by=[{}]", c.used_by.join(", ")));
        }
        line(&mut out, fields);
        for k in &c.keys {
            let mut fields = vec![
                format!("  key {}", k.pattern),
                format!("commands=[{}]", k.commands.join(", ")),
            ];
            if let Some(ttl) = k.ttl_ms {
                fields.push(format!("ttl={}", format_window(ttl as f64)));
            }
            let places: Vec<String> = k.places.iter().map(place).collect();
            fields.push(format!("at=[{}]", places.join(", ")));
            push_list(&mut fields, "routes", &k.routes);
            line(&mut out, fields);
        }
    }

    out.push_str("\n# health\n");
    for r in inv.routes.iter().filter(|r| r.health.is_some()) {
        let fields = vec![
            format!("{} {}", r.method, r.path),
            r.health.clone().unwrap_or_default(),
            format!("at={}:{}", r.file, r.line),
        ];
        line(&mut out, fields);
    }
    out
}

fn line(out: &mut String, fields: Vec<String>) {
    let _ = writeln!(out, "{}", fields.join("  "));
}

fn push_opt(fields: &mut Vec<String>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        fields.push(format!("{key}={v}"));
    }
}

fn push_list(fields: &mut Vec<String>, key: &str, items: &[String]) {
    if !items.is_empty() {
        fields.push(format!("{key}=[{}]", items.join(", ")));
    }
}

/// A value as written, an empty one as `''`.
fn shown(value: &str) -> String {
    if value.is_empty() {
        "''".to_string()
    } else {
        value.to_string()
    }
}

fn place(p: &Place) -> String {
    place_of(&p.file, p.line)
}

fn place_of(file: &str, line: u32) -> String {
    format!("{file}:{line}")
}
