//! BACKEND_BRAIN.md: one Markdown document rendered from the inventory, deterministic (sorted,
//! no timestamps) so that CI can regenerate it and fail when the committed copy differs.
//!
//! The document is a list of sections, each built from the inventory only when it has data for
//! it: a backend without Socket.IO gets no events section, never an empty placeholder. Sections
//! for data the inventory does not hold yet (services, tables) plug into [`sections`] the same
//! way when it does; notifications, integrations and personal data are in [`reach`].
//!
//! Human text survives regeneration: the Description cell of each route row, keyed by method and
//! path, and free text between `<!-- backend-brain:keep -->` and `<!-- backend-brain:end -->`,
//! put back in the section it was written in (see [`keep`]).

mod architecture;
pub mod keep;
mod reach;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::features::{has_summary, Analysis};
use crate::inventory::{Handler, Route, SocketEvent};

use keep::{Kept, Previous, GENERATED, KEEP_END, KEEP_START};

/// The section that holds kept text whose own section is gone.
pub const NOTES: &str = "## Notes";

/// How the document links to source files.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The path from the document's folder to the root, `/`-terminated (`""` when the document
    /// is at the root, `"../"` one folder down); `None` writes locations without links.
    pub link_prefix: Option<String>,
}

struct Section {
    heading: String,
    body: String,
}

/// The whole document, given the previous one's text (`None` when there is none).
pub fn generate(analysis: &Analysis<'_>, previous: Option<&str>, options: &Options) -> String {
    let previous = previous.map(Previous::parse).unwrap_or_default();
    let ctx = Ctx {
        analysis,
        previous: &previous,
        options,
    };
    let mut sections: Vec<Section> = sections(&ctx);
    let mut kept: BTreeMap<Option<String>, (Vec<&Kept>, Vec<&Kept>)> = BTreeMap::new();
    for k in &previous.kept {
        let known = k
            .anchor
            .section
            .as_ref()
            .is_none_or(|s| sections.iter().any(|x| &x.heading == s) || s == NOTES);
        let section = if known {
            k.anchor.section.clone()
        } else {
            Some(NOTES.to_string())
        };
        let slot = kept.entry(section).or_default();
        if k.anchor.top && known {
            slot.0.push(k);
        } else {
            slot.1.push(k);
        }
    }
    if kept.keys().any(|k| k.as_deref() == Some(NOTES)) {
        sections.push(Section {
            heading: NOTES.to_string(),
            body: String::new(),
        });
    }

    let mut out = String::from("# Backend inventory\n\n");
    out.push_str(
        "The HTTP routes and Socket.IO events of this backend, as `backend-brain` reads them from \
         the source. Regenerate it with `backend-brain generate`; CI checks that it is current \
         with `backend-brain generate --check`. Write in the Description column and between \
         `backend-brain:keep` and `backend-brain:end` markers: that text is kept, everything \
         else is rewritten.\n\n",
    );
    out.push_str(GENERATED);
    out.push_str(" by `backend-brain generate`; do not edit outside keep markers -->\n\n");
    match kept.get(&None) {
        Some((top, bottom)) => {
            for k in top.iter().chain(bottom) {
                out.push_str(&k.text);
                out.push_str("\n\n");
            }
        }
        // A place to write, for a document without one yet.
        None => out.push_str(&format!("{KEEP_START}\n{KEEP_END}\n\n")),
    }
    for section in &sections {
        out.push_str(&section.heading);
        out.push_str("\n\n");
        let (top, bottom) = kept
            .get(&Some(section.heading.clone()))
            .map(|(t, b)| (t.as_slice(), b.as_slice()))
            .unwrap_or_default();
        for k in top {
            out.push_str(&k.text);
            out.push_str("\n\n");
        }
        if !section.body.is_empty() {
            out.push_str(section.body.trim_end());
            out.push_str("\n\n");
        }
        for k in bottom {
            out.push_str(&k.text);
            out.push_str("\n\n");
        }
    }
    let mut out = out.trim_end().to_string();
    out.push('\n');
    out
}

struct Ctx<'a> {
    analysis: &'a Analysis<'a>,
    previous: &'a Previous,
    options: &'a Options,
}

/// Every section the inventory has data for, in document order.
fn sections(ctx: &Ctx<'_>) -> Vec<Section> {
    let builders: [fn(&Ctx<'_>) -> Option<Section>; 15] = [
        summary,
        architecture::stack_section,
        routes_section,
        architecture::health_section,
        events_section,
        services_section,
        tables_section,
        reach::notifications_section,
        reach::integrations_section,
        reach::personal_data_section,
        middleware_section,
        architecture::middleware_stack_section,
        architecture::config_section,
        architecture::jobs_section,
        architecture::caches_section,
    ];
    builders.iter().filter_map(|b| b(ctx)).collect()
}

fn summary(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    let routes = &inv.routes;
    let documented = routes
        .iter()
        .filter(|r| ctx.analysis.is_documented(r))
        .count();
    let files: BTreeSet<&str> = routes.iter().map(|r| r.file.as_str()).collect();
    let events: BTreeSet<(&str, Option<&str>)> = inv
        .socket_events
        .iter()
        .map(|e| (e.namespace.as_str(), e.name.as_deref()))
        .collect();
    let namespaces: BTreeSet<&str> = inv
        .socket_events
        .iter()
        .map(|e| e.namespace.as_str())
        .collect();
    let middleware: BTreeSet<&str> = routes
        .iter()
        .flat_map(|r| r.middleware.iter().map(String::as_str))
        .collect();
    let rows = [
        ("Routes", routes.len()),
        ("Documented routes", documented),
        ("Undocumented routes", routes.len() - documented),
        (
            "Routes behind auth",
            routes.iter().filter(|r| r.auth.is_some()).count(),
        ),
        (
            "Rate-limited routes",
            routes.iter().filter(|r| r.rate_limit.is_some()).count(),
        ),
        (
            "Routes with a path computed at run time",
            routes.iter().filter(|r| r.dynamic).count(),
        ),
        ("Files that register routes", files.len()),
        ("Middleware", middleware.len()),
        ("Socket.IO events", events.len()),
        ("Socket.IO namespaces", namespaces.len()),
        (
            "Places that emit an event",
            inv.socket_events
                .iter()
                .filter(|e| e.kind == "emit")
                .count(),
        ),
        (
            "Places that listen to an event",
            inv.socket_events.iter().filter(|e| e.kind == "on").count(),
        ),
    ];
    let mut body = String::from("| What | Count |\n| --- | ---: |\n");
    for (what, n) in rows {
        let _ = writeln!(body, "| {what} | {n} |");
    }
    Some(Section {
        heading: "## Summary".into(),
        body,
    })
}

fn routes_section(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    if inv.routes.is_empty() && ctx.previous.descriptions.is_empty() {
        return None;
    }
    let mut body = String::new();
    if !inv.routes.is_empty() {
        body.push_str(
            "### Route map\n\nEach file that registers routes, and the routes it registers.\n\n",
        );
        body.push_str(&routes_diagram(&inv.routes));
        body.push_str("\n### Route inventory\n\n");
        body.push_str(
            "| Method | Path | Handler | Auth | Rate limit | Documented | Description |\n\
             | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for route in &inv.routes {
            let key = (route.method.clone(), route.path.clone());
            let description = ctx
                .previous
                .descriptions
                .get(&key)
                .map(String::as_str)
                .unwrap_or("");
            let documented = if has_summary(route.doc.as_deref()) {
                "doc comment"
            } else if ctx.analysis.is_documented(route) {
                "description"
            } else {
                "**no**"
            };
            let mut handler = ctx.handler_cell(route.handler.as_ref());
            if route.dynamic {
                handler.push_str(" · path computed at run time");
            }
            let _ = writeln!(
                body,
                "| {} | {} | {} | {} | {} | {} | {} |",
                route.method,
                code(&route.path),
                handler,
                route
                    .auth
                    .as_deref()
                    .map(code)
                    .unwrap_or_else(|| "—".into()),
                route.rate_limit.as_deref().unwrap_or("—"),
                documented,
                cell(description),
            );
        }
    }
    let live: BTreeSet<(&str, &str)> = inv
        .routes
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let gone: Vec<(&(String, String), &String)> = ctx
        .previous
        .descriptions
        .iter()
        .filter(|((m, p), _)| !live.contains(&(m.as_str(), p.as_str())))
        .collect();
    if !gone.is_empty() {
        let mut gone = gone;
        gone.sort_by(|a, b| (&a.0 .1, &a.0 .0).cmp(&(&b.0 .1, &b.0 .0)));
        body.push_str(
            "\n### Descriptions whose route is gone\n\n\
             These rows describe routes the code no longer registers. Move each description to \
             the route's new row, or delete the row; `backend-brain check` reports them as \
             `stale-doc`.\n\n\
             | Method | Path | Description |\n| --- | --- | --- |\n",
        );
        for ((method, path), description) in gone {
            let _ = writeln!(
                body,
                "| {method} | {} | {} |",
                code(path),
                cell(description)
            );
        }
    }
    Some(Section {
        heading: "## Routes".into(),
        body,
    })
}

/// One flowchart: each registering file, and beside it the routes it registers, one per line.
fn routes_diagram(routes: &[Route]) -> String {
    let mut by_file: BTreeMap<&str, Vec<&Route>> = BTreeMap::new();
    for r in routes {
        by_file.entry(r.file.as_str()).or_default().push(r);
    }
    // Wide enough that a route stays on one line.
    let mut out = String::from(
        "```mermaid\n%%{init: {\"flowchart\": {\"wrappingWidth\": 600}}}%%\nflowchart LR\n",
    );
    for (i, (file, routes)) in by_file.iter().enumerate() {
        let mut seen = BTreeSet::new();
        let lines: Vec<String> = routes
            .iter()
            .filter(|r| seen.insert((&r.method, &r.path)))
            .map(|r| label(&format!("{} {}", r.method, r.path)))
            .collect();
        let _ = writeln!(
            out,
            "  f{i}[\"{}\"] --> r{i}[\"{}\"]",
            label(file),
            lines.join("<br/>")
        );
    }
    out.push_str("```\n");
    out
}

/// One event of the catalog: all the places that emit or handle one name in one namespace.
struct EventGroup<'a> {
    events: Vec<&'a SocketEvent>,
}

fn events_section(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    if inv.socket_events.is_empty() {
        return None;
    }
    // Named events by name then namespace, computed names last (by their source).
    let mut groups: BTreeMap<(bool, String, String), EventGroup<'_>> = BTreeMap::new();
    for e in &inv.socket_events {
        let name = e
            .name
            .clone()
            .unwrap_or_else(|| e.expression.clone().unwrap_or_default());
        groups
            .entry((e.name.is_none(), name, e.namespace.clone()))
            .or_insert_with(|| EventGroup { events: Vec::new() })
            .events
            .push(e);
    }
    let mut body =
        String::from("### Socket flows\n\nWho emits each event, and who handles it.\n\n");
    body.push_str(&events_diagram(&groups));
    body.push_str(
        "\n### Event catalog\n\n\
         | Event | Direction | Namespace | Payload keys | Handlers | Emitters |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for ((computed, name, namespace), group) in &groups {
        let event = if *computed {
            let candidates: BTreeSet<&str> = group
                .events
                .iter()
                .flat_map(|e| e.candidates.iter().map(String::as_str))
                .collect();
            let mut s = format!("computed: {}", code(name));
            if !candidates.is_empty() {
                let c: Vec<String> = candidates.iter().map(|c| code(c)).collect();
                let _ = write!(s, " (one of {})", c.join(", "));
            }
            s
        } else {
            code(name)
        };
        let to_client = group
            .events
            .iter()
            .any(|e| (e.kind == "emit") == (e.side == "server"));
        let to_server = group
            .events
            .iter()
            .any(|e| (e.kind == "emit") == (e.side == "client"));
        let direction = match (to_client, to_server) {
            (true, true) => "both ways",
            (true, false) => "server → client",
            _ => "client → server",
        };
        let mut keys: Vec<&str> = Vec::new();
        for e in group.events.iter().filter(|e| e.kind == "emit") {
            for k in e.payload.iter().flatten() {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        let keys = if keys.is_empty() {
            "—".to_string()
        } else {
            keys.iter().map(|k| code(k)).collect::<Vec<_>>().join(", ")
        };
        let side = |e: &SocketEvent| if e.side == "client" { " (client)" } else { "" };
        let handlers: Vec<String> = group
            .events
            .iter()
            .filter(|e| e.kind == "on")
            .map(|e| format!("{}{}", ctx.handler_cell(e.handler.as_ref()), side(e)))
            .collect();
        let emitters: Vec<String> = group
            .events
            .iter()
            .filter(|e| e.kind == "emit")
            .map(|e| format!("{}{}", ctx.place(&e.file, e.line), side(e)))
            .collect();
        let list = |v: Vec<String>| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.join("<br>")
            }
        };
        let _ = writeln!(
            body,
            "| {event} | {direction} | {} | {keys} | {} | {} |",
            code(namespace),
            list(handlers),
            list(emitters)
        );
    }
    Some(Section {
        heading: "## Socket.IO events".into(),
        body,
    })
}

/// One flowchart: emitting files → event → handling files.
fn events_diagram(groups: &BTreeMap<(bool, String, String), EventGroup<'_>>) -> String {
    let file_label = |e: &SocketEvent| {
        if e.side == "client" {
            format!("{} (client)", e.file)
        } else {
            e.file.clone()
        }
    };
    let files: BTreeSet<String> = groups
        .values()
        .flat_map(|g| g.events.iter().map(|e| file_label(e)))
        .collect();
    let id = |f: &str| files.iter().position(|x| x == f).unwrap_or(0);
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for (i, f) in files.iter().enumerate() {
        let _ = writeln!(out, "  f{i}[\"{}\"]", label(f));
    }
    for (n, ((computed, name, namespace), group)) in groups.iter().enumerate() {
        let mut text = if *computed {
            let candidates: BTreeSet<&str> = group
                .events
                .iter()
                .flat_map(|e| e.candidates.iter().map(String::as_str))
                .collect();
            if candidates.is_empty() {
                format!("? {name}")
            } else {
                format!(
                    "? {}",
                    candidates.into_iter().collect::<Vec<_>>().join(" | ")
                )
            }
        } else {
            name.clone()
        };
        if namespace != "/" {
            text = format!("{namespace} {text}");
        }
        let _ = writeln!(out, "  e{n}([\"{}\"])", label(&text));
        let mut edges = BTreeSet::new();
        for e in &group.events {
            let f = id(&file_label(e));
            if e.kind == "emit" {
                edges.insert(format!("  f{f} --> e{n}"));
            } else {
                edges.insert(format!("  e{n} --> f{f}"));
            }
        }
        for edge in edges {
            out.push_str(&edge);
            out.push('\n');
        }
    }
    out.push_str("```\n");
    out
}

fn services_section(ctx: &Ctx<'_>) -> Option<Section> {
    let services = &ctx.analysis.inventory.services;
    if services.is_empty() {
        return None;
    }
    let mut body = String::from(
        "Each service, the tables its methods reach (read, write or both) and the services it \
         calls.\n\n| Service | Kind | Defined | Methods | Tables | Calls |\n\
         | --- | --- | --- | ---: | --- | --- |\n",
    );
    for s in services {
        let tables: Vec<String> = s
            .tables
            .iter()
            .map(|t| format!("{} ({})", code(&t.table), t.access.replace('_', "/")))
            .collect();
        let calls: Vec<String> = s.calls.iter().map(|c| code(c)).collect();
        let _ = writeln!(
            body,
            "| {} | {} | {} | {} | {} | {} |",
            code(&s.name),
            s.kind,
            ctx.place(&s.file, s.line),
            s.methods.len(),
            or_dash(&tables),
            or_dash(&calls),
        );
    }
    Some(Section {
        heading: "## Services".into(),
        body,
    })
}

fn tables_section(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    if inv.tables.is_empty() {
        return None;
    }
    let mut body = String::from(
        "Each table, where it is defined, and who reads and writes it: the services (or \
         functions) and how many routes reach it.\n\n\
         | Table | Defined | Columns | Read by | Written by | Routes |\n\
         | --- | --- | ---: | --- | --- | ---: |\n",
    );
    let mut seen = BTreeSet::new();
    for t in &inv.tables {
        let name = t.qualified_name();
        // A table defined twice (a model and its migration) is one row, at its first definition.
        if !seen.insert(name.clone()) {
            continue;
        }
        let who = |access: &str| -> Vec<String> {
            let names: BTreeSet<&str> = inv
                .table_accesses
                .iter()
                .filter(|a| a.table == name && a.access == access)
                .filter_map(|a| a.service.as_deref().or(a.function.as_deref()))
                .collect();
            names.into_iter().map(code).collect()
        };
        let routes = inv
            .routes
            .iter()
            .filter(|r| r.tables.iter().any(|u| u.table == name))
            .count();
        let _ = writeln!(
            body,
            "| {} | {} | {} | {} | {} | {routes} |",
            code(&name),
            ctx.place(&t.file, t.line),
            t.columns.len(),
            or_dash(&who("read")),
            or_dash(&who("write")),
        );
    }
    Some(Section {
        heading: "## Tables".into(),
        body,
    })
}

/// A list for a table cell, or a dash when it is empty.
fn or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items.join(", ")
    }
}

fn middleware_section(ctx: &Ctx<'_>) -> Option<Section> {
    let routes = &ctx.analysis.inventory.routes;
    let mut used: BTreeMap<&str, (usize, bool)> = BTreeMap::new();
    for r in routes {
        let mut seen = BTreeSet::new();
        for m in &r.middleware {
            if seen.insert(m.as_str()) {
                let entry = used.entry(m.as_str()).or_default();
                entry.0 += 1;
                entry.1 |= r.auth.as_deref() == Some(m.as_str());
            }
        }
    }
    if used.is_empty() {
        return None;
    }
    let mut rows: Vec<(&str, (usize, bool))> = used.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let mut body = String::from(
        "Every middleware that runs before a route handler, by how many routes it guards.\n\n\
         | Middleware | Routes | Auth guard |\n| --- | ---: | --- |\n",
    );
    for (name, (count, auth)) in rows {
        let _ = writeln!(
            body,
            "| {} | {count} | {} |",
            code(name),
            if auth { "yes" } else { "—" }
        );
    }
    Some(Section {
        heading: "## Middleware".into(),
        body,
    })
}

impl Ctx<'_> {
    /// `` `name` `` and where it is defined, linked when the document can link.
    fn handler_cell(&self, handler: Option<&Handler>) -> String {
        match handler {
            None => "—".to_string(),
            Some(h) => match (&h.file, h.line) {
                (Some(file), Some(line)) => format!("{} {}", code(&h.name), self.place(file, line)),
                _ => code(&h.name),
            },
        }
    }

    /// `file:line`, linked to the line when the document can link.
    fn place(&self, file: &str, line: u32) -> String {
        match &self.options.link_prefix {
            Some(prefix) => format!("[{file}:{line}]({prefix}{file}#L{line})"),
            None => format!("{file}:{line}"),
        }
    }
}

/// Text in a table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ").replace('|', "\\|")
}

/// A code span in a table cell.
fn code(text: &str) -> String {
    let text = cell(text);
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// A Mermaid label between double quotes.
fn label(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('`', "#96;")
}

#[cfg(test)]
mod tests;
