//! The shared route model: routers and apps as nodes, mounts as edges, routes and middleware on
//! the nodes. Every HTTP framework writes into it; flattening it gives full paths.

use std::collections::HashMap;

use super::value::{FnRef, Site, Text};

pub type RouterId = u32;

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterKind {
    /// An application (`express()`): a natural root.
    App,
    Router,
    /// A parameter typed as a router, in a function nobody visibly calls.
    Param,
    /// A receiver that could not be resolved but registers what clearly are routes.
    Implicit,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Middleware {
    pub name: String,
    pub rate_limit: Option<String>,
}

/// The function that handles a route or an event.
#[derive(Clone, Debug, PartialEq)]
pub struct HandlerRef {
    pub name: String,
    /// Where it is defined, when that could be found: the file and its name token.
    pub definition: Option<(crate::workspace::FileId, crate::facts::Span)>,
    /// The handler function, for following what it calls.
    pub func: Option<FnRef>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteReg {
    pub method: String,
    /// The path relative to the router.
    pub path: Text,
    pub site: Site,
    pub handler: Option<HandlerRef>,
    pub middleware: Vec<Middleware>,
    pub seq: u64,
}

/// Middleware a router applies to what is registered after it (`router.use(mw)`), optionally
/// under a path prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct Use {
    pub prefix: Option<Text>,
    pub middleware: Vec<Middleware>,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    pub parent: RouterId,
    pub child: RouterId,
    pub prefix: Text,
    /// Middleware written in the mounting call before the router.
    pub middleware: Vec<Middleware>,
    pub seq: u64,
}

#[derive(Clone, Debug)]
pub struct RouterNode {
    pub framework: &'static str,
    pub kind: RouterKind,
    pub origin: Site,
    pub routes: Vec<RouteReg>,
    pub uses: Vec<Use>,
}

/// Identifies a router across repeated evaluation of the code that creates it: the creating
/// expression's file and offset, and the call context.
pub type NodeKey = (crate::workspace::FileId, u32, u64);

#[derive(Debug, Default)]
pub struct MountGraph {
    pub nodes: Vec<RouterNode>,
    pub mounts: Vec<Mount>,
    by_key: HashMap<NodeKey, RouterId>,
}

impl MountGraph {
    /// The node for `key`, created on first sight.
    pub fn node(
        &mut self,
        key: NodeKey,
        framework: &'static str,
        kind: RouterKind,
        origin: Site,
    ) -> RouterId {
        if let Some(id) = self.by_key.get(&key) {
            return *id;
        }
        let id = self.nodes.len() as RouterId;
        self.nodes.push(RouterNode {
            framework,
            kind,
            origin,
            routes: Vec::new(),
            uses: Vec::new(),
        });
        self.by_key.insert(key, id);
        id
    }

    pub fn add_route(&mut self, router: RouterId, route: RouteReg) {
        let Some(node) = self.nodes.get_mut(router as usize) else {
            return;
        };
        let duplicate = node.routes.iter().any(|r| {
            r.site == route.site
                && r.method == route.method
                && r.path == route.path
                && r.handler == route.handler
        });
        if !duplicate {
            node.routes.push(route);
        }
    }

    pub fn add_use(&mut self, router: RouterId, entry: Use) {
        let Some(node) = self.nodes.get_mut(router as usize) else {
            return;
        };
        if !node
            .uses
            .iter()
            .any(|u| u.prefix == entry.prefix && u.middleware == entry.middleware)
        {
            node.uses.push(entry);
        }
    }

    pub fn add_mount(&mut self, mount: Mount) {
        if mount.parent == mount.child {
            return;
        }
        let duplicate = self.mounts.iter().any(|m| {
            m.parent == mount.parent && m.child == mount.child && m.prefix == mount.prefix
        });
        if !duplicate {
            self.mounts.push(mount);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    Emit,
    On,
}

/// A Socket.IO event emitted or handled somewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct SocketEventReg {
    pub kind: EventKind,
    /// `None` when the name is computed at run time.
    pub name: Option<String>,
    /// The source of a computed name.
    pub expression: Option<String>,
    pub namespace: String,
    pub site: Site,
    pub handler: Option<HandlerRef>,
    pub payload: Option<Vec<String>>,
    /// Emitted or handled by a socket.io-client socket.
    pub client: bool,
    pub candidates: Vec<String>,
}

/// A call from one function the code defines to another, as resolution followed it: the edges
/// of the call graph that leads from a handler to the services it reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallEdge {
    pub caller: FnRef,
    pub callee: FnRef,
    pub site: Site,
}

/// Whether code reads or changes what it touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    Read,
    Write,
}

/// How code names a table: by the table's own name (SQL, Knex, a Drizzle table) or by the model
/// an ORM maps onto it (a Prisma delegate, a TypeORM entity, a Sequelize model).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableTarget {
    Name(String),
    Model(String),
}

/// Something a function does besides routing, recorded where it is written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Reads or writes a table; `via` names the library (`sql`, `prisma`, `typeorm`, ...).
    Table {
        target: TableTarget,
        access: Access,
        via: &'static str,
    },
    /// Sends an email, a text message or a push notification; `provider` names the library
    /// (`sendgrid`, `twilio`, `fcm`, ...) or is `own` for a project's own notifier.
    Notification {
        channel: Channel,
        provider: &'static str,
        /// The template id or name as written (`d-order-confirmed`, `welcome`), when literal.
        template: Option<String>,
    },
    /// Creates or calls the client of a third-party service.
    Integration {
        /// The service (`stripe`, `s3`, `api.github.com`); `None` for a call through a client
        /// whose service only its creation shows (an axios instance with a `baseURL`).
        name: Option<String>,
        package: String,
        /// What is called (`paymentIntents.create`, `send(PutObjectCommand)`, `GET /v1/charges`)
        /// or, for a client, how it is created (`new Stripe`).
        operation: String,
        /// Whether this creates a client rather than calls one.
        client: bool,
    },
}

/// How a notification reaches someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Sms,
    Push,
    /// A project's own notifier whose name does not say, before its sends are followed.
    Unknown,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
            Channel::Unknown => "unknown",
        }
    }
}

/// An effect and where it happens: the call, and the innermost function written around it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EffectReg {
    pub site: Site,
    pub function: Option<FnRef>,
    pub effect: Effect,
}
