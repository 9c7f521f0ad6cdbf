//! The inventory: an immutable snapshot of what the backend exposes, built from resolution.
//!
//! Its JSON form (`inventory --json`) is a contract other tools read: fields are added, never
//! renamed. Fields marked `serde(skip)` are for the editor features (byte spans, file ids).

pub(crate) mod build;
pub(crate) mod chain;
mod effects;
mod follow;
pub(crate) mod render;

pub use build::build;
pub use chain::link;
pub use effects::{
    link as link_effects, Integration, IntegrationCall, IntegrationUse, Notification,
    NotificationUse, PiiUse, Reach, Trigger,
};
pub use follow::{follow, FileMoves};
pub use render::{render_chain, render_expected, render_tables};

use serde::Serialize;

use crate::facts::Span;
use crate::resolve::value::FnRef;
pub use crate::schema::postgres::Drift;
pub use crate::schema::Table;
use crate::workspace::FileId;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Inventory {
    pub routes: Vec<Route>,
    pub socket_events: Vec<SocketEvent>,
    /// Tables defined by SQL migrations, Prisma schemas and the ORMs, sorted by name.
    pub tables: Vec<Table>,
    /// The comparison with a live database, when one was given (`--database-url`); else null.
    pub drift: Option<Drift>,
    /// The technology stack, from `package.json` files and lockfiles.
    pub stack: crate::architecture::Stack,
    /// Each application's own middleware (`app.use(...)`, Nest's global pipes, guards,
    /// interceptors and filters), in execution order, classified.
    pub middleware_stack: Vec<crate::architecture::StackMiddleware>,
    /// Every environment variable the backend reads, sorted by name.
    pub config: Vec<crate::architecture::ConfigVar>,
    /// Job queues with their producers and consumers, and scheduled jobs.
    pub jobs: crate::architecture::JobsInventory,
    /// Cache clients with their key patterns.
    pub caches: Vec<crate::architecture::Cache>,
    /// Service classes and modules with their methods, the tables they reach and the other
    /// services they call, sorted by name.
    pub services: Vec<Service>,
    /// Every place code reads or writes a table, by file and line.
    pub table_accesses: Vec<TableAccess>,
    /// Every place code sends an email, a text message or a push notification, by file and line.
    pub notifications: Vec<Notification>,
    /// Third-party services the code calls, by name.
    pub integrations: Vec<Integration>,
    /// Root-relative paths by file id.
    #[serde(skip)]
    pub files: Vec<String>,
}

/// Where something is written: the file and the spans of the whole call and of its name token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub call: Span,
    pub name: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Handler {
    pub name: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// Where the handler is defined, for go-to-definition.
    #[serde(skip)]
    pub definition: Option<(FileId, Span)>,
    /// The handler function, for following its chain.
    #[serde(skip)]
    pub func: Option<FnRef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Route {
    /// Upper case; `ALL` for `.all`.
    pub method: String,
    /// The full path with every mount prefix applied; unknown parts written `${source}`.
    pub path: String,
    pub file: String,
    /// 1-based line of the registering call's method-name token.
    pub line: u32,
    pub handler: Option<Handler>,
    pub middleware: Vec<String>,
    pub auth: Option<String>,
    pub rate_limit: Option<String>,
    pub framework: String,
    pub dynamic: bool,
    /// `health`, `liveness`, `readiness` or `metrics` for an operations route; else null.
    pub health: Option<String>,
    /// Service methods the handler reaches (`OrdersService.create`), sorted.
    pub services: Vec<String>,
    /// Tables the handler and what it reaches read and write, sorted by table.
    pub tables: Vec<TableUse>,
    /// Notifications, integrations and personal data along the handler's chain.
    #[serde(flatten)]
    pub reach: Reach,
    #[serde(skip)]
    pub location: Location,
    /// The JSDoc block above the registration or the handler.
    #[serde(skip)]
    pub doc: Option<String>,
    /// What the framework declares as the route's summary (`@ApiOperation`), kept so that the
    /// doc can be read again after an edit.
    #[serde(skip)]
    pub declared_doc: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SocketEvent {
    /// `None` when the name is computed at run time.
    pub name: Option<String>,
    /// `emit` or `on`.
    pub kind: String,
    pub namespace: String,
    pub file: String,
    pub line: u32,
    pub handler: Option<Handler>,
    pub payload: Option<Vec<String>>,
    pub dynamic: bool,
    pub candidates: Vec<String>,
    /// `server`, or `client` for socket.io-client code.
    pub side: String,
    /// The source of a computed name.
    pub expression: Option<String>,
    /// Service methods the handler reaches, sorted.
    pub services: Vec<String>,
    /// Tables the handler and what it reaches read and write.
    pub tables: Vec<TableUse>,
    /// Notifications, integrations and personal data along the handler's chain.
    #[serde(flatten)]
    pub reach: Reach,
    #[serde(skip)]
    pub location: Location,
}

/// A table and how a route, handler or service uses it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableUse {
    pub table: String,
    /// `read`, `write` or `read_write`.
    pub access: String,
}

/// One place code reads or writes a table.
#[derive(Clone, Debug, Serialize)]
pub struct TableAccess {
    /// The table's name when the schema defines it; otherwise the name or model as written.
    pub table: String,
    /// `read` or `write`.
    pub access: String,
    /// `sql`, `prisma`, `typeorm`, `drizzle`, `knex` or `sequelize`.
    pub via: String,
    pub file: String,
    pub line: u32,
    /// The function the access is written in (`OrdersService.create`), when it is in one.
    pub function: Option<String>,
    /// The service that function belongs to.
    pub service: Option<String>,
    #[serde(skip)]
    pub location: Location,
    #[serde(skip)]
    pub func: Option<FnRef>,
}

/// A service: a class named `*Service` or an `@Injectable()` provider (`class`, `provider`), or a
/// module of functions (`module`).
#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub name: String,
    pub kind: String,
    pub file: String,
    pub line: u32,
    pub methods: Vec<ServiceMethod>,
    /// Tables its methods and what they reach read and write.
    pub tables: Vec<TableUse>,
    /// Other services its methods call.
    pub calls: Vec<String>,
    #[serde(skip)]
    pub definition: (FileId, Span),
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceMethod {
    pub name: String,
    pub line: u32,
    #[serde(skip)]
    pub definition: (FileId, Span),
}

impl Inventory {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
