//! The sections about what the chains do besides routing: the notification matrix (what
//! triggers each email, text message and push notification, with its template), the
//! integrations (third-party services, where their clients are created, what calls them), and
//! the personal data (which columns hold it and how many routes touch each).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::inventory::{NotificationUse, Reach};
use crate::schema::pii::Level;

use super::{code, Ctx, Section};

/// The channels of the matrix, in column order.
const CHANNELS: [(&str, &str); 4] = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("push", "Push"),
    ("unknown", "Other"),
];

/// Every route and socket event handler with what its chain reaches, by its trigger's name.
fn chains<'a>(ctx: &'a Ctx<'_>) -> impl Iterator<Item = (String, &'a Reach)> {
    let inv = ctx.analysis.inventory;
    let routes = inv
        .routes
        .iter()
        .map(|r| (format!("{} {}", r.method, code(&r.path)), &r.reach));
    let events = inv
        .socket_events
        .iter()
        .filter(|e| e.kind == "on")
        .map(|e| {
            let name = e.name.as_deref().or(e.expression.as_deref()).unwrap_or("?");
            (format!("Socket.IO {}", code(name)), &e.reach)
        });
    routes.chain(events)
}

fn send_text(n: &NotificationUse) -> String {
    let mut text = match &n.template {
        Some(t) => format!("{} ({})", code(t), n.provider),
        None => format!("no template ({})", n.provider),
    };
    if let Some(file) = &n.template_file {
        let _ = write!(text, " · {}", code(file));
    }
    text
}

pub(super) fn notifications_section(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    if inv.notifications.is_empty() {
        return None;
    }
    let mut rows: Vec<(String, Vec<NotificationUse>)> = chains(ctx)
        .filter(|(_, reach)| !reach.notifications.is_empty())
        .map(|(name, reach)| (name, reach.notifications.clone()))
        .collect();
    // Sends no route or event reaches are listed by the code that makes them.
    let mut unreached: BTreeMap<String, BTreeSet<NotificationUse>> = BTreeMap::new();
    for n in &inv.notifications {
        if n.triggers
            .iter()
            .any(|t| t.kind == "route" || t.kind == "socket_event")
        {
            continue;
        }
        let name = match &n.function {
            Some(f) => format!("{} {}", code(f), ctx.place(&n.file, n.line)),
            None => ctx.place(&n.file, n.line),
        };
        unreached.entry(name).or_default().insert(NotificationUse {
            channel: n.channel.clone(),
            provider: n.provider.clone(),
            template: n.template.clone(),
            template_file: n.template_file.clone(),
        });
    }
    rows.extend(
        unreached
            .into_iter()
            .map(|(name, sends)| (name, sends.into_iter().collect())),
    );
    let mut body = String::from(
        "What each route, socket event and service sends, by channel, with the template it names. \
         A service listed by itself is reached by no route or event the code shows (a queue \
         consumer, an event listener).\n\n",
    );
    let channels: Vec<&(&str, &str)> = CHANNELS
        .iter()
        .filter(|(c, _)| {
            rows.iter()
                .any(|(_, sends)| sends.iter().any(|n| n.channel == *c))
        })
        .collect();
    let _ = writeln!(
        body,
        "| Trigger | {} |\n| --- |{}",
        channels
            .iter()
            .map(|(_, h)| *h)
            .collect::<Vec<_>>()
            .join(" | "),
        " --- |".repeat(channels.len())
    );
    for (name, sends) in rows {
        let cells: Vec<String> = channels
            .iter()
            .map(|(c, _)| {
                let list: Vec<String> = sends
                    .iter()
                    .filter(|n| n.channel == *c)
                    .map(send_text)
                    .collect();
                if list.is_empty() {
                    "—".to_string()
                } else {
                    list.join("<br>")
                }
            })
            .collect();
        let _ = writeln!(body, "| {name} | {} |", cells.join(" | "));
    }
    Some(Section {
        heading: "## Notifications".into(),
        body,
    })
}

pub(super) fn integrations_section(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    if inv.integrations.is_empty() {
        return None;
    }
    let mut body = String::from(
        "Third-party services the code calls: where each client is created, what is called \
         through it, and how many routes and socket events reach it.\n\n\
         | Integration | Packages | Clients | Calls | Reached from |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for i in &inv.integrations {
        let packages: Vec<String> = i.packages.iter().map(|p| code(p)).collect();
        let clients: Vec<String> = i
            .clients
            .iter()
            .map(|c| format!("{} {}", code(&c.operation), ctx.place(&c.file, c.line)))
            .collect();
        let operations: BTreeSet<&str> = i.calls.iter().map(|c| c.operation.as_str()).collect();
        let calls: Vec<String> = operations.into_iter().map(code).collect();
        let routes = i.triggers.iter().filter(|t| t.kind == "route").count();
        let events = i
            .triggers
            .iter()
            .filter(|t| t.kind == "socket_event")
            .count();
        let reached = match (routes, events) {
            (0, 0) => "—".to_string(),
            (r, 0) => plural(r, "route"),
            (0, e) => plural(e, "socket event"),
            (r, e) => format!("{}, {}", plural(r, "route"), plural(e, "socket event")),
        };
        let list = |v: Vec<String>| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.join("<br>")
            }
        };
        let _ = writeln!(
            body,
            "| {} | {} | {} | {} | {reached} |",
            code(&i.name),
            packages.join(", "),
            list(clients),
            calls.join(", ")
        );
    }
    Some(Section {
        heading: "## Integrations".into(),
        body,
    })
}

pub(super) fn personal_data_section(ctx: &Ctx<'_>) -> Option<Section> {
    let inv = ctx.analysis.inventory;
    let mut columns: BTreeMap<(std::cmp::Reverse<Level>, String, String), (String, usize)> =
        BTreeMap::new();
    for t in &inv.tables {
        for c in &t.columns {
            if let Some(p) = &c.pii {
                columns.insert(
                    (std::cmp::Reverse(p.level), t.name.clone(), c.name.clone()),
                    (p.kind.clone(), 0),
                );
            }
        }
    }
    if columns.is_empty() {
        return None;
    }
    for (_, reach) in chains(ctx) {
        for p in &reach.pii {
            if let Some(entry) = columns.get_mut(&(
                std::cmp::Reverse(p.level),
                p.table.clone(),
                p.column.clone(),
            )) {
                entry.1 += 1;
            }
        }
    }
    let mut body = String::from(
        "Columns that hold personal data, by sensitivity, and how many routes and socket events \
         read or write their table. Correct the list with `[pii]` in `backend-brain.toml`.\n\n\
         | Column | Kind | Level | Routes and events |\n| --- | --- | --- | ---: |\n",
    );
    for ((level, table, column), (kind, count)) in columns {
        let _ = writeln!(
            body,
            "| {} | {kind} | {} | {count} |",
            code(&format!("{table}.{column}")),
            level.0.as_str()
        );
    }
    Some(Section {
        heading: "## Personal data".into(),
        body,
    })
}

/// `1 route`, `2 routes`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("{n} {what}")
    } else {
        format!("{n} {what}s")
    }
}
