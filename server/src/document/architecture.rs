//! The architecture sections of BACKEND_BRAIN.md: technology stack, global middleware,
//! configuration, background jobs, caches, and health and operations endpoints. Each appears
//! only when the inventory has data for it.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::architecture::stack::StackDependency;
use crate::architecture::Place;
use crate::resolve::format_window;

use super::{cell, code, Ctx, Section};

/// Layers in the order a reader meets them, top to bottom of a backend.
const LAYER_ORDER: [&str; 18] = [
    "framework",
    "realtime",
    "http",
    "security",
    "auth",
    "validation",
    "config",
    "orm",
    "database",
    "cache",
    "queue",
    "scheduler",
    "logging",
    "apm",
    "ops",
    "api-docs",
    "testing",
    "",
];

pub(super) fn stack_section(ctx: &Ctx<'_>) -> Option<Section> {
    let stack = &ctx.analysis.inventory.stack;
    let known: Vec<&StackDependency> = stack
        .dependencies
        .iter()
        .filter(|d| d.layer.is_some())
        .collect();
    let runtimes: Vec<_> = stack.packages.iter().filter(|p| p.node.is_some()).collect();
    let problems: Vec<_> = stack
        .lockfiles
        .iter()
        .filter(|l| l.error.is_some())
        .collect();
    if known.is_empty() && runtimes.is_empty() && problems.is_empty() {
        return None;
    }
    let several = stack.packages.len() > 1;
    let mut body = String::from(
        "The well-known packages the backend depends on, by layer, with the version the lockfile \
         resolves.\n\n",
    );
    body.push_str(if several {
        "| Layer | Package | Version | Declared | Package.json |\n| --- | --- | --- | --- | --- |\n"
    } else {
        "| Layer | Package | Version | Declared |\n| --- | --- | --- | --- |\n"
    });
    let mut rows: Vec<(usize, &str, String, &str, &str, &str)> = runtimes
        .iter()
        .map(|p| {
            (
                0,
                "runtime",
                "Node.js".to_string(),
                "—",
                p.node.as_deref().unwrap_or(""),
                p.file.as_str(),
            )
        })
        .collect();
    for d in known {
        let layer = d.layer.as_deref().unwrap_or("");
        let rank = LAYER_ORDER
            .iter()
            .position(|l| *l == layer)
            .unwrap_or(LAYER_ORDER.len() - 1)
            + 1;
        let name = if d.dev {
            format!("{} (dev)", code(&d.name))
        } else {
            code(&d.name)
        };
        rows.push((
            rank,
            layer,
            name,
            d.version.as_deref().unwrap_or("—"),
            d.declared.as_str(),
            d.package.as_str(),
        ));
    }
    rows.sort_by(|a, b| (a.0, a.1, &a.5, &a.2).cmp(&(b.0, b.1, &b.5, &b.2)));
    for (_, layer, name, version, declared, package) in rows {
        let _ = write!(
            body,
            "| {layer} | {name} | {version} | {} |",
            code(declared)
        );
        if several {
            let _ = write!(body, " {} |", code(package));
        }
        body.push('\n');
    }
    for l in problems {
        let _ = writeln!(
            body,
            "\n`{}` could not be read: {}",
            cell(&l.file),
            cell(l.error.as_deref().unwrap_or(""))
        );
    }
    Some(Section {
        heading: "## Technology stack".into(),
        body,
    })
}

pub(super) fn middleware_stack_section(ctx: &Ctx<'_>) -> Option<Section> {
    let stack = &ctx.analysis.inventory.middleware_stack;
    if stack.is_empty() {
        return None;
    }
    let mut by_app: BTreeMap<&Place, Vec<_>> = BTreeMap::new();
    for m in stack {
        by_app.entry(&m.app).or_default().push(m);
    }
    let mut body = String::from(
        "What each application runs before its routes, in execution order, with the options \
         written in the code.\n",
    );
    for (app, entries) in by_app {
        let _ = write!(
            body,
            "\n### {} application at {}\n\n\
             | # | Middleware | Kind | Path | Options | Where |\n| ---: | --- | --- | --- | --- | --- |\n",
            entries[0].framework,
            ctx.place(&app.file, app.line)
        );
        for m in entries {
            let mut options: Vec<String> = m
                .options
                .iter()
                // Nested objects (a limiter's response body) say little in a table cell.
                .filter(|(_, v)| !v.is_null() && !v.is_object())
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            if let Some(rate) = &m.rate_limit {
                options.insert(0, format!("rate {rate}"));
            }
            let options = if options.is_empty() {
                "—".to_string()
            } else {
                code(&options.join(", "))
            };
            let place = match (&m.file, m.line) {
                (Some(file), Some(line)) => ctx.place(file, line),
                _ => "—".to_string(),
            };
            let _ = writeln!(
                body,
                "| {} | {} | {} | {} | {options} | {place} |",
                m.order,
                code(&m.name),
                m.kind,
                m.path.as_deref().map(code).unwrap_or_else(|| "all".into()),
            );
        }
    }
    Some(Section {
        heading: "## Global middleware".into(),
        body,
    })
}

pub(super) fn config_section(ctx: &Ctx<'_>) -> Option<Section> {
    let config = &ctx.analysis.inventory.config;
    if config.is_empty() {
        return None;
    }
    let mut body = String::from(
        "Every environment variable the code reads (names only; values are never read), whether \
         a schema validates it, and where it is read.\n\n\
         | Variable | Secret | Validated | Default | Read at |\n| --- | --- | --- | --- | --- |\n",
    );
    for v in config {
        let validated = if v.validated {
            v.validators.join(", ")
        } else {
            "**no**".to_string()
        };
        let reads: Vec<String> = v
            .reads
            .iter()
            .map(|r| {
                let place = ctx.place(&r.file, r.line);
                match r.via.as_str() {
                    "process.env" => place,
                    via => format!("{place} ({via})"),
                }
            })
            .collect();
        let _ = writeln!(
            body,
            "| {} | {} | {validated} | {} | {} |",
            code(&v.name),
            if v.secret { "yes" } else { "—" },
            match v.default.as_deref() {
                Some("") => "empty".to_string(),
                Some(default) => code(default),
                None => "—".to_string(),
            },
            reads.join("<br>")
        );
    }
    Some(Section {
        heading: "## Configuration".into(),
        body,
    })
}

pub(super) fn jobs_section(ctx: &Ctx<'_>) -> Option<Section> {
    let jobs = &ctx.analysis.inventory.jobs;
    if jobs.queues.is_empty() && jobs.schedules.is_empty() {
        return None;
    }
    let mut body = String::new();
    if !jobs.queues.is_empty() {
        body.push_str(
            "### Queues\n\n\
             | Queue | Library | Job types | Enqueued by | For routes | Consumed by |\n\
             | --- | --- | --- | --- | --- | --- |\n",
        );
        for q in &jobs.queues {
            let producers: Vec<String> = q
                .producers
                .iter()
                .map(|p| {
                    let mut s = p.function.as_deref().map(code).unwrap_or_default();
                    if !s.is_empty() {
                        s.push(' ');
                    }
                    s.push_str(&ctx.place(&p.file, p.line));
                    s
                })
                .collect();
            let consumers: Vec<String> = q
                .consumers
                .iter()
                .map(|c| format!("{} ({})", ctx.handler_cell(c.handler.as_ref()), c.kind))
                .collect();
            let list = |items: Vec<String>| {
                if items.is_empty() {
                    "—".to_string()
                } else {
                    items.join("<br>")
                }
            };
            let mut routes: Vec<&String> = q.producers.iter().flat_map(|p| &p.routes).collect();
            routes.sort();
            routes.dedup();
            let _ = writeln!(
                body,
                "| {} | {} | {} | {} | {} | {} |",
                code(&q.name),
                q.library,
                list(q.job_types.iter().map(|j| code(j)).collect()),
                list(producers),
                list(routes.into_iter().map(|r| code(r)).collect()),
                list(consumers)
            );
        }
    }
    if !jobs.schedules.is_empty() {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(
            "### Schedules\n\n| Schedule | Library | Runs | Where |\n| --- | --- | --- | --- |\n",
        );
        for s in &jobs.schedules {
            let runs = match (&s.handler, &s.job) {
                (Some(_), _) => ctx.handler_cell(s.handler.as_ref()),
                (None, Some(job)) => code(job),
                (None, None) => "—".to_string(),
            };
            let _ = writeln!(
                body,
                "| {} | {} | {runs} | {} |",
                code(&s.schedule),
                s.library,
                ctx.place(&s.file, s.line)
            );
        }
    }
    Some(Section {
        heading: "## Background jobs".into(),
        body,
    })
}

pub(super) fn caches_section(ctx: &Ctx<'_>) -> Option<Section> {
    let caches = &ctx.analysis.inventory.caches;
    if caches.is_empty() {
        return None;
    }
    let mut body = String::from(
        "| Cache | Created at | Key | Commands | TTL | Used at | For routes |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for c in caches {
        let client = format!("{} ({})", c.library, c.kind);
        let created = ctx.place(&c.file, c.line);
        let ttl = |ms: Option<u64>| {
            ms.map(|ms| format_window(ms as f64))
                .unwrap_or_else(|| "—".into())
        };
        if c.keys.is_empty() {
            let _ = writeln!(
                body,
                "| {client} | {created} | — | — | {} | — | — |",
                ttl(c.ttl_ms)
            );
        }
        for k in &c.keys {
            let places: Vec<String> = k
                .places
                .iter()
                .map(|p| ctx.place(&p.file, p.line))
                .collect();
            let routes: Vec<String> = k.routes.iter().map(|r| code(r)).collect();
            let _ = writeln!(
                body,
                "| {client} | {created} | {} | {} | {} | {} | {} |",
                code(&k.pattern),
                k.commands.join(", "),
                ttl(k.ttl_ms.or(c.ttl_ms)),
                places.join("<br>"),
                if routes.is_empty() {
                    "—".to_string()
                } else {
                    routes.join("<br>")
                }
            );
        }
    }
    Some(Section {
        heading: "## Caches".into(),
        body,
    })
}

pub(super) fn health_section(ctx: &Ctx<'_>) -> Option<Section> {
    let routes: Vec<_> = ctx
        .analysis
        .inventory
        .routes
        .iter()
        .filter(|r| r.health.is_some())
        .collect();
    if routes.is_empty() {
        return None;
    }
    let mut body = String::from(
        "Routes that serve health checks, liveness, readiness or metrics.\n\n\
         | Method | Path | Serves | Registered at |\n| --- | --- | --- | --- |\n",
    );
    for r in routes {
        let _ = writeln!(
            body,
            "| {} | {} | {} | {} |",
            r.method,
            code(&r.path),
            r.health.as_deref().unwrap_or(""),
            ctx.place(&r.file, r.line)
        );
    }
    Some(Section {
        heading: "## Health and operations".into(),
        body,
    })
}
