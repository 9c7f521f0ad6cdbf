//! Hover cards: what a route registration or a socket event name stands for, in Markdown.

use std::fmt::Write;

use crate::inventory::{Handler, Route, SocketEvent};
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
