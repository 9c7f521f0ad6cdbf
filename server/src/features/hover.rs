//! Hover cards: what a route registration or a socket event name stands for, in Markdown.

use std::fmt::Write;

use crate::inventory::{Handler, Reach, Route, SocketEvent};
use crate::schema::pii::Level;
use crate::workspace::FileId;

use super::{event_label, head, Analysis, Hit, HoverCard};

impl Analysis<'_> {
    pub fn hover(&self, file: FileId, text: &str, offset: u32) -> Option<HoverCard> {
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
