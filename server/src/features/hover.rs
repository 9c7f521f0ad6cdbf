//! Hover cards: what a route registration, a socket event name, an environment variable or a
//! queue name stands for, in Markdown.

use std::fmt::Write;

use crate::architecture::jobs::Queue;
use crate::architecture::ConfigVar;
use crate::inventory::{Handler, Location, Reach, Route, SocketEvent};
use crate::schema::pii::Level;
use crate::workspace::FileId;

use super::{event_label, head, Analysis, Hit, HoverCard};

impl Analysis<'_> {
    pub fn hover(&self, file: FileId, text: &str, offset: u32) -> Option<HoverCard> {
        if let Some(card) = self.name_hover(file, offset) {
            return Some(card);
        }
        match self.hit(file, text, offset)? {
            Hit::Routes(routes) => {
                let cards: Vec<String> = routes.iter().map(|r| self.route_card(r)).collect();
                Some(HoverCard {
                    range: head(text, &routes[0].location),
                    markdown: cards.join("\n---\n\n"),
                })
            }
            Hit::Event(event) => Some(HoverCard {
                range: head(text, &event.location),
                markdown: self.event_card(event),
            }),
            Hit::Tables(accesses) => Some(HoverCard {
                range: head(text, &accesses[0].location),
                markdown: self.table_cards(&accesses),
            }),
        }
    }

    fn route_card(&self, route: &Route) -> String {
        let mut out = format!("**{}** `{}`\n\n", route.method, route.path);
        let _ = writeln!(out, "- Handler: {}", handler_text(route.handler.as_ref()));
        if !route.middleware.is_empty() {
            let chain: Vec<String> = route.middleware.iter().map(|m| format!("`{m}`")).collect();
            let _ = writeln!(out, "- Middleware: {}", chain.join(" → "));
        }
        let _ = writeln!(
            out,
            "- Auth: {}",
            route
                .auth
                .as_deref()
                .map(|a| format!("`{a}`"))
                .unwrap_or_else(|| "none".into())
        );
        if let Some(rate) = &route.rate_limit {
            let _ = writeln!(out, "- Rate limit: {rate}");
        }
        if route.dynamic {
            out.push_str("- Path: partly computed at run time\n");
        }
        if !route.services.is_empty() {
            let services: Vec<String> = route.services.iter().map(|s| format!("`{s}`")).collect();
            let _ = writeln!(out, "- Services: {}", services.join(", "));
        }
        if !route.tables.is_empty() {
            let tables: Vec<String> = route
                .tables
                .iter()
                .map(|t| format!("`{}` ({})", t.table, t.access.replace('_', "/")))
                .collect();
            let _ = writeln!(out, "- Tables: {}", tables.join(", "));
        }
        out.push_str(&reach_lines(&route.reach));
        let docs = if super::has_summary(route.doc.as_deref()) {
            "documented".to_string()
        } else if self.table.contains(&route.method, &route.path) {
            format!("documented in {}", self.config.docs.table)
        } else {
            "undocumented".to_string()
        };
        let _ = writeln!(out, "- Docs: {docs}");
        if let Some(doc) = route.doc.as_deref().filter(|d| !d.trim().is_empty()) {
            let _ = write!(out, "\n{doc}\n");
        }
        out
    }

    fn event_card(&self, event: &SocketEvent) -> String {
        let mut out = format!(
            "**Socket.IO event** `{}` (namespace `{}`)\n",
            event_label(event),
            event.namespace
        );
        if event.name.is_none() {
            if !event.candidates.is_empty() {
                let names: Vec<String> =
                    event.candidates.iter().map(|c| format!("`{c}`")).collect();
                let _ = writeln!(out, "\nCan be: {}", names.join(", "));
            }
            return out;
        }
        let same: Vec<&SocketEvent> = self.same_event(event).collect();
        for (kind, title) in [("on", "Handlers"), ("emit", "Emitters")] {
            let list: Vec<&&SocketEvent> = same.iter().filter(|e| e.kind == kind).collect();
            let _ = writeln!(out, "\n{title}:");
            if list.is_empty() {
                out.push_str("- none in the workspace\n");
            }
            for e in list {
                let mut line = format!("- {}:{}", e.file, e.line);
                if e.side == "client" {
                    line.push_str(" (client)");
                }
                if kind == "on" {
                    let _ = write!(line, " → {}", handler_text(e.handler.as_ref()));
                }
                if let Some(payload) = &e.payload {
                    let _ = write!(line, " — payload `{{ {} }}`", payload.join(", "));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

impl Analysis<'_> {
    /// An environment variable's name where it is read, or a queue's name where it is written.
    fn name_hover(&self, file: FileId, offset: u32) -> Option<HoverCard> {
        let on = |l: &Location| l.file == file && l.name.contains(offset);
        let card = |l: &Location, markdown| HoverCard {
            range: (l.name.start, l.name.end),
            markdown,
        };
        for var in &self.inventory.config {
            if let Some(read) = var.reads.iter().find(|r| on(&r.location)) {
                return Some(card(&read.location, env_card(var, &read.location)));
            }
        }
        for queue in &self.inventory.jobs.queues {
            if let Some(l) = queue.locations.iter().find(|l| on(l)) {
                return Some(card(l, queue_card(queue)));
            }
        }
        None
    }
}

fn env_card(var: &ConfigVar, here: &Location) -> String {
    let mut out = format!("**Environment variable** `{}`", var.name);
    if var.secret {
        out.push_str(" — looks like a secret");
    }
    out.push_str("\n\n");
    if var.validated {
        let _ = writeln!(out, "- Validated by: {}", var.validators.join(", "));
    } else {
        out.push_str("- Validated: **no** schema checks it\n");
    }
    if let Some(default) = &var.default {
        let _ = writeln!(out, "- Default: `{default}`");
    }
    out.push_str("\nRead at:\n");
    for r in &var.reads {
        let mut line = format!("- {}:{}", r.file, r.line);
        if r.via != "process.env" {
            let _ = write!(line, " ({})", r.via);
        }
        if let Some(default) = &r.default {
            let _ = write!(line, " — default `{default}`");
        }
        if r.location == *here {
            line.push_str(" — here");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn queue_card(queue: &Queue) -> String {
    let mut out = format!("**Queue** `{}` ({})\n", queue.name, queue.library);
    if !queue.job_types.is_empty() {
        let jobs: Vec<String> = queue.job_types.iter().map(|j| format!("`{j}`")).collect();
        let _ = writeln!(out, "\nJob types: {}", jobs.join(", "));
    }
    out.push_str("\nProducers:\n");
    if queue.producers.is_empty() {
        out.push_str("- none in the workspace\n");
    }
    for p in &queue.producers {
        let mut line = format!("- {}:{} `{}`", p.file, p.line, p.call);
        if let Some(job) = &p.job {
            let _ = write!(line, " job `{job}`");
        }
        if let Some(function) = &p.function {
            let _ = write!(line, " in `{function}`");
        }
        if !p.routes.is_empty() {
            let routes: Vec<String> = p.routes.iter().map(|r| format!("`{r}`")).collect();
            let _ = write!(line, " — for {}", routes.join(", "));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("\nConsumers:\n");
    if queue.consumers.is_empty() {
        out.push_str("- none in the workspace\n");
    }
    for c in &queue.consumers {
        let mut line = format!(
            "- {}:{} {} → {}",
            c.file,
            c.line,
            c.kind,
            handler_text(c.handler.as_ref())
        );
        if let Some(job) = &c.job {
            let _ = write!(line, " — job `{job}`");
        }
        if !c.handles.is_empty() {
            let jobs: Vec<String> = c.handles.iter().map(|j| format!("`{j}`")).collect();
            let _ = write!(line, " — handles {}", jobs.join(", "));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn handler_text(handler: Option<&Handler>) -> String {
    match handler {
        None => "none".to_string(),
        Some(h) => match (&h.file, h.line) {
            (Some(file), Some(line)) => format!("`{}` at {file}:{line}", h.name),
            _ => format!("`{}` (definition not found)", h.name),
        },
    }
}

/// What the chain sends, calls and touches of personal data, one line each when it does.
fn reach_lines(reach: &Reach) -> String {
    let mut out = String::new();
    if !reach.notifications.is_empty() {
        let sends: Vec<String> = reach
            .notifications
            .iter()
            .map(|n| match &n.template {
                Some(t) => format!("{} `{t}` ({})", n.channel, n.provider),
                None => format!("{} ({})", n.channel, n.provider),
            })
            .collect();
        let _ = writeln!(out, "- Notifications: {}", sends.join(", "));
    }
    if !reach.integrations.is_empty() {
        let calls: Vec<String> = reach
            .integrations
            .iter()
            .map(|i| {
                if i.operations.is_empty() {
                    format!("`{}`", i.name)
                } else {
                    format!("`{}` ({})", i.name, i.operations.join(", "))
                }
            })
            .collect();
        let _ = writeln!(out, "- Integrations: {}", calls.join(", "));
    }
    if !reach.pii.is_empty() {
        let levels: Vec<String> = [Level::High, Level::Medium, Level::Low]
            .iter()
            .filter_map(|level| {
                let columns: Vec<String> = reach
                    .pii
                    .iter()
                    .filter(|p| p.level == *level)
                    .map(|p| format!("`{}.{}`", p.table, p.column))
                    .collect();
                (!columns.is_empty()).then(|| format!("{} {}", level.as_str(), columns.join(", ")))
            })
            .collect();
        let _ = writeln!(out, "- Personal data: {}", levels.join("; "));
    }
    out
}
