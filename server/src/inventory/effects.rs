//! What each chain does besides reading and writing tables: the notifications it sends, the
//! third-party services it calls, and the personal data in the tables it touches. Runs after
//! [`super::link`], over the same call graph: a send or a call belongs to every route, socket
//! event handler and service method whose chain reaches the function it is written in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::facts::FileFacts;
use crate::frameworks::integrations::catalog_name;
use crate::frameworks::notifications::{template_file_keys, template_key};
use crate::resolve::graph::{Channel, Effect, EffectReg};
use crate::resolve::value::{FnRef, Site};
use crate::resolve::Resolution;
use crate::schema::pii::{self, Level};
use crate::workspace::Config;

use super::chain::{function_name, CallGraph, ServiceIndex};
use super::{Handler, Inventory, Location};

/// What a route's or event handler's chain does besides tables.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Reach {
    /// Notifications sent along the chain, sorted.
    pub notifications: Vec<NotificationUse>,
    /// Third-party services called along the chain, sorted by name.
    pub integrations: Vec<IntegrationUse>,
    /// Personal-data columns of the tables the chain reads and writes, sorted by table, column.
    pub pii: Vec<PiiUse>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NotificationUse {
    /// `email`, `sms`, `push`, or `unknown` for a project's notifier whose sends are not visible.
    pub channel: String,
    /// The library (`sendgrid`, `twilio`, `fcm`, ...), or `own` for a project's notifier.
    pub provider: String,
    pub template: Option<String>,
    /// The template file the template names, when the workspace has one.
    pub template_file: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntegrationUse {
    pub name: String,
    /// What the chain calls through it (`paymentIntents.create`), sorted.
    pub operations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PiiUse {
    pub table: String,
    pub column: String,
    pub kind: String,
    pub level: Level,
}

/// What reaches a send or a call: a route (`POST /orders`), a socket event handler
/// (`on bid:place`) or a service method (`OrderService.create`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Trigger {
    /// `route`, `socket_event` or `service`.
    pub kind: String,
    pub name: String,
}

/// One place code sends a notification.
#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    pub channel: String,
    pub provider: String,
    pub template: Option<String>,
    pub template_file: Option<String>,
    /// Where the send is written, or the caller's argument that names its template.
    pub file: String,
    pub line: u32,
    pub function: Option<String>,
    pub service: Option<String>,
    /// The routes, socket events and service methods whose chain reaches it, sorted.
    pub triggers: Vec<Trigger>,
    #[serde(skip)]
    pub location: Location,
}

/// A third-party service, its clients and every call through them.
#[derive(Clone, Debug, Serialize)]
pub struct Integration {
    pub name: String,
    pub packages: Vec<String>,
    /// Where its clients are created (`new Stripe`).
    pub clients: Vec<IntegrationCall>,
    /// Every call through them.
    pub calls: Vec<IntegrationCall>,
    /// The routes, socket events and service methods whose chain reaches a client or a call.
    pub triggers: Vec<Trigger>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IntegrationCall {
    pub operation: String,
    pub package: String,
    pub file: String,
    pub line: u32,
    pub function: Option<String>,
    pub service: Option<String>,
    #[serde(skip)]
    pub location: Location,
}

/// A send as the link works on it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Send {
    channel: Channel,
    provider: &'static str,
    template: Option<String>,
    site: Site,
    function: Option<FnRef>,
}

/// A client or call as the link works on it, named.
struct Call {
    name: String,
    package: String,
    operation: String,
    client: bool,
    site: Site,
    function: Option<FnRef>,
}

/// An [`Effect::Integration`] with where it happens.
struct IntegrationEffect<'a> {
    reg: &'a EffectReg,
    name: Option<&'a str>,
    package: &'a str,
    operation: &'a str,
    client: bool,
}

impl<'a> IntegrationEffect<'a> {
    fn of(reg: &'a EffectReg) -> Option<Self> {
        match &reg.effect {
            Effect::Integration {
                name,
                package,
                operation,
                client,
            } => Some(IntegrationEffect {
                reg,
                name: name.as_deref(),
                package,
                operation,
                client: *client,
            }),
            _ => None,
        }
    }
}

/// Classifies personal data in `inv.tables` and fills in each chain's notifications,
/// integrations and personal data, and the top-level `notifications` and `integrations`.
/// `templates` are the workspace's template files.
pub fn link(
    inv: &mut Inventory,
    resolution: &Resolution,
    files: &[(&str, &FileFacts)],
    config: &Config,
    templates: &[String],
) {
    pii::apply(&mut inv.tables, &config.pii);
    let graph = CallGraph::new(resolution, files);
    let cx = Cx {
        files,
        paths: &inv.files,
        services: ServiceIndex::new(files),
        callers: graph.reversed(),
        graph,
        templates: template_index(templates),
        triggers: triggers(inv),
    };
    let (sends, covered) = cx.sends(resolution);
    let calls = cx.calls(resolution, config);
    let mut ancestors: HashMap<Option<FnRef>, BTreeSet<FnRef>> = HashMap::new();
    let mut reaches = |f: Option<FnRef>| -> BTreeSet<FnRef> {
        ancestors
            .entry(f)
            .or_insert_with(|| f.map(|f| cx.callers.reach(f)).unwrap_or_default())
            .clone()
    };
    let send_reach: Vec<BTreeSet<FnRef>> = sends.iter().map(|s| reaches(s.function)).collect();
    let call_reach: Vec<BTreeSet<FnRef>> = calls.iter().map(|c| reaches(c.function)).collect();

    let chain = |handler: &Option<Handler>, tables: &[super::TableUse]| -> Reach {
        let Some(start) = handler.as_ref().and_then(|h| h.func) else {
            return Reach {
                pii: pii_of(&inv.tables, tables),
                ..Reach::default()
            };
        };
        let reached: Vec<&Send> = sends
            .iter()
            .zip(&send_reach)
            .filter(|(_, r)| r.contains(&start))
            .map(|(s, _)| s)
            .collect();
        let hidden: BTreeSet<&Send> = reached
            .iter()
            .filter_map(|s| covered.get(*s))
            .flatten()
            .collect();
        let notifications: BTreeSet<NotificationUse> = reached
            .iter()
            .filter(|s| !hidden.contains(*s))
            .map(|s| cx.notification_use(s))
            .collect();
        let mut integrations: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (c, r) in calls.iter().zip(&call_reach) {
            if r.contains(&start) {
                let ops = integrations.entry(&c.name).or_default();
                if !c.client {
                    ops.insert(&c.operation);
                }
            }
        }
        Reach {
            notifications: notifications.into_iter().collect(),
            integrations: integrations
                .into_iter()
                .map(|(name, ops)| IntegrationUse {
                    name: name.to_string(),
                    operations: ops.into_iter().map(str::to_string).collect(),
                })
                .collect(),
            pii: pii_of(&inv.tables, tables),
        }
    };
    let routes: Vec<Reach> = inv
        .routes
        .iter()
        .map(|r| chain(&r.handler, &r.tables))
        .collect();
    let events: Vec<Reach> = inv
        .socket_events
        .iter()
        .map(|e| chain(&e.handler, &e.tables))
        .collect();

    inv.notifications = sends
        .iter()
        .zip(&send_reach)
        .map(|(s, reach)| {
            let used = cx.notification_use(s);
            let (function, service) = cx.names_of(s.function);
            Notification {
                channel: used.channel,
                provider: used.provider,
                template: used.template,
                template_file: used.template_file,
                file: cx.paths[s.site.file as usize].clone(),
                line: s.site.name.line + 1,
                function,
                service,
                triggers: cx.triggers_of(reach),
                location: location(s.site),
            }
        })
        .collect();
    inv.notifications.sort_by(|a, b| {
        (&a.file, a.line, &a.channel, &a.provider, &a.template).cmp(&(
            &b.file,
            b.line,
            &b.channel,
            &b.provider,
            &b.template,
        ))
    });
    inv.integrations = cx.integrations(&calls, &call_reach);
    for (route, reach) in inv.routes.iter_mut().zip(routes) {
        route.reach = reach;
    }
    for (event, reach) in inv.socket_events.iter_mut().zip(events) {
        event.reach = reach;
    }
}

struct Cx<'a> {
    files: &'a [(&'a str, &'a FileFacts)],
    paths: &'a [String],
    services: ServiceIndex,
    graph: CallGraph,
    callers: CallGraph,
    /// Template files by [`template_key`].
    templates: HashMap<String, String>,
    /// Routes and event handlers by their handler function.
    triggers: Vec<(FnRef, Trigger)>,
}

impl Cx<'_> {
    /// Every send, with a project's notifier replaced by the sends its code makes (with the
    /// notifier's template), and for each such replacement the template-less sends it stands for.
    fn sends(&self, resolution: &Resolution) -> (Vec<Send>, HashMap<Send, Vec<Send>>) {
        let mut sends: Vec<Send> = resolution
            .effects
            .iter()
            .filter_map(|e| match &e.effect {
                Effect::Notification {
                    channel,
                    provider,
                    template,
                } => Some(Send {
                    channel: *channel,
                    provider,
                    template: template.clone(),
                    site: e.site,
                    function: e.function,
                }),
                _ => None,
            })
            .collect();
        // A library's send seen at the same argument says more than the notifier's name.
        let library_sites: BTreeSet<Site> = sends
            .iter()
            .filter(|s| s.provider != "own")
            .map(|s| s.site)
            .collect();
        sends.retain(|s| s.provider != "own" || !library_sites.contains(&s.site));
        let untemplated: Vec<Send> = sends
            .iter()
            .filter(|s| s.provider != "own" && s.template.is_none())
            .cloned()
            .collect();
        let mut covered: HashMap<Send, Vec<Send>> = HashMap::new();
        let mut out = Vec::new();
        for send in sends {
            if send.provider != "own" {
                out.push(send);
                continue;
            }
            let inside: BTreeSet<FnRef> = resolution
                .calls
                .iter()
                .filter(|edge| edge.site == send.site)
                .flat_map(|edge| self.graph.reach(edge.callee))
                .collect();
            let made: Vec<&Send> = untemplated
                .iter()
                .filter(|u| u.function.is_some_and(|f| inside.contains(&f)))
                .collect();
            if made.is_empty() {
                out.push(send);
                continue;
            }
            for m in made.iter() {
                let expanded = Send {
                    channel: m.channel,
                    provider: m.provider,
                    template: send.template.clone(),
                    site: send.site,
                    function: send.function,
                };
                covered
                    .entry(expanded.clone())
                    .or_default()
                    .extend(made.iter().map(|m| (*m).clone()));
                out.push(expanded);
            }
        }
        out.sort();
        out.dedup();
        (out, covered)
    }

    /// Every client and call, named: by what the call shows (a URL's host), else by the one
    /// name the package's clients were created with (an axios instance's `baseURL`, an S3 client
    /// pointed at R2), else by the catalog. Calls nothing names are dropped.
    fn calls(&self, resolution: &Resolution, config: &Config) -> Vec<Call> {
        let mut created: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for i in resolution.effects.iter().filter_map(IntegrationEffect::of) {
            if let (true, Some(name)) = (i.client, i.name) {
                created.entry(i.package).or_default().insert(name);
            }
        }
        resolution
            .effects
            .iter()
            .filter_map(IntegrationEffect::of)
            .filter_map(|i| {
                let single = created
                    .get(i.package)
                    .filter(|names| names.len() == 1)
                    .and_then(|names| names.iter().next())
                    .map(|n| n.to_string());
                let name = i
                    .name
                    .map(str::to_string)
                    .or(single)
                    .or_else(|| catalog_name(i.package, &config.integrations))?;
                Some(Call {
                    name,
                    package: i.package.to_string(),
                    operation: i.operation.to_string(),
                    client: i.client,
                    site: i.reg.site,
                    function: i.reg.function,
                })
            })
            .collect()
    }

    fn integrations(&self, calls: &[Call], reach: &[BTreeSet<FnRef>]) -> Vec<Integration> {
        let mut by_name: BTreeMap<&str, Integration> = BTreeMap::new();
        let mut triggers: BTreeMap<&str, BTreeSet<Trigger>> = BTreeMap::new();
        for (c, r) in calls.iter().zip(reach) {
            let entry = by_name.entry(&c.name).or_insert_with(|| Integration {
                name: c.name.clone(),
                packages: Vec::new(),
                clients: Vec::new(),
                calls: Vec::new(),
                triggers: Vec::new(),
            });
            if !entry.packages.contains(&c.package) {
                entry.packages.push(c.package.clone());
            }
            let (function, service) = self.names_of(c.function);
            let place = IntegrationCall {
                operation: c.operation.clone(),
                package: c.package.clone(),
                file: self.paths[c.site.file as usize].clone(),
                line: c.site.name.line + 1,
                function,
                service,
                location: location(c.site),
            };
            if c.client {
                entry.clients.push(place);
            } else {
                entry.calls.push(place);
            }
            triggers
                .entry(&c.name)
                .or_default()
                .extend(self.triggers_of(r));
        }
        by_name
            .into_iter()
            .map(|(name, mut i)| {
                i.packages.sort();
                for list in [&mut i.clients, &mut i.calls] {
                    list.sort_by(|a, b| {
                        (&a.file, a.line, &a.operation).cmp(&(&b.file, b.line, &b.operation))
                    });
                    list.dedup_by(|a, b| {
                        a.file == b.file && a.line == b.line && a.operation == b.operation
                    });
                }
                i.triggers = triggers
                    .remove(name)
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                i
            })
            .collect()
    }

    fn notification_use(&self, s: &Send) -> NotificationUse {
        NotificationUse {
            channel: s.channel.as_str().to_string(),
            provider: s.provider.to_string(),
            template: s.template.clone(),
            // Template files are email templates and email components.
            template_file: s
                .template
                .as_deref()
                .filter(|_| matches!(s.channel, Channel::Email | Channel::Unknown))
                .and_then(|t| self.templates.get(&template_key(t)))
                .cloned(),
        }
    }

    /// The function's name and its service.
    fn names_of(&self, f: Option<FnRef>) -> (Option<String>, Option<String>) {
        let Some(f) = f else {
            return (None, None);
        };
        (
            function_name(self.files, f),
            self.services
                .method_of(self.files, f)
                .map(|(s, _)| self.services.name(s)),
        )
    }

    /// The routes, event handlers and service methods among the functions that reach something.
    fn triggers_of(&self, reach: &BTreeSet<FnRef>) -> Vec<Trigger> {
        let mut out: BTreeSet<Trigger> = self
            .triggers
            .iter()
            .filter(|(f, _)| reach.contains(f))
            .map(|(_, t)| t.clone())
            .collect();
        for f in reach {
            if let Some((service, method)) = self.services.method_of(self.files, *f) {
                out.insert(Trigger {
                    kind: "service".into(),
                    name: format!("{}.{method}", self.services.name(service)),
                });
            }
        }
        out.into_iter().collect()
    }
}

/// Routes and socket event handlers by their handler function.
fn triggers(inv: &Inventory) -> Vec<(FnRef, Trigger)> {
    let routes = inv.routes.iter().filter_map(|r| {
        let f = r.handler.as_ref()?.func?;
        Some((
            f,
            Trigger {
                kind: "route".into(),
                name: format!("{} {}", r.method, r.path),
            },
        ))
    });
    let events = inv.socket_events.iter().filter_map(|e| {
        let f = e.handler.as_ref()?.func?;
        let name = e
            .name
            .clone()
            .or_else(|| e.expression.clone())
            .unwrap_or_else(|| "?".into());
        Some((
            f,
            Trigger {
                kind: "socket_event".into(),
                name: format!("{} {name}", e.kind),
            },
        ))
    });
    routes.chain(events).collect()
}

/// Template files by the names they can be called by; the first path in order wins a name.
fn template_index(templates: &[String]) -> HashMap<String, String> {
    let mut sorted: Vec<&String> = templates.iter().collect();
    sorted.sort();
    let mut out = HashMap::new();
    for path in sorted {
        for key in template_file_keys(path) {
            out.entry(key).or_insert_with(|| path.clone());
        }
    }
    out
}

/// The personal-data columns of the tables a chain touches.
fn pii_of(tables: &[crate::schema::Table], used: &[super::TableUse]) -> Vec<PiiUse> {
    let mut out = BTreeSet::new();
    for u in used {
        for t in tables
            .iter()
            .filter(|t| t.name == u.table || t.qualified_name() == u.table)
        {
            for c in &t.columns {
                if let Some(p) = &c.pii {
                    out.insert(PiiUse {
                        table: u.table.clone(),
                        column: c.name.clone(),
                        kind: p.kind.clone(),
                        level: p.level,
                    });
                }
            }
        }
    }
    out.into_iter().collect()
}

fn location(site: Site) -> Location {
    Location {
        file: site.file,
        call: site.call,
        name: site.name,
    }
}
