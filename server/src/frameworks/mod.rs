//! Framework modules: each recognizes its own values and calls during resolution and records
//! routes, mounts and events into the shared model. Adding a framework adds a module here and a
//! line to [`FRAMEWORKS`]; nothing downstream changes.

mod data;
pub mod declared;
mod express;
mod fastify;
mod hono;
pub mod integrations;
mod koa;
mod nestjs;
pub mod notifications;
mod options;
pub(crate) mod routing;
mod routing_controllers;
mod socketio;

use std::rc::Rc;

use crate::facts::Call;
use crate::resolve::graph::{NodeKey, RouterId, TableTarget};
use crate::resolve::value::{ClassRef, Env, Site, Text, Value};
use crate::resolve::Interp;

/// A value a framework recognizes.
#[derive(Clone, Debug, PartialEq)]
pub enum Handle {
    /// An app or router in the mount graph.
    Router(RouterId),
    /// `router.route('/path')`: a path waiting for its methods.
    Route { router: RouterId, path: Text },
    /// A Socket.IO server or namespace.
    SocketServer { namespace: Rc<str> },
    /// A connected socket (server side), or a socket.io-client socket.
    Socket { namespace: Rc<str>, client: bool },
    /// A job queue (`new Queue('emails')`, `@InjectQueue('emails')`), or a job library's client
    /// that names its queue per call (Agenda, pg-boss): an index into the recorded queues.
    Jobs(u32),
    /// A cache client (ioredis, redis, lru-cache, node-cache): an index into the recorded caches.
    Cache(u32),
    /// @nestjs/config's `ConfigService`.
    ConfigService,
    /// Something whose method calls read or write a table: a Drizzle table, a Knex query, a
    /// TypeORM repository, a Sequelize model. `wrote` once a call in the chain wrote through it;
    /// `opened` is the call that made it.
    Data {
        target: TableTarget,
        via: &'static str,
        wrote: bool,
        opened: Site,
    },
}

/// What a framework module can recognize. Every method answers `None` for what is not its own.
#[allow(clippy::too_many_arguments)]
pub trait Framework: Sync {
    /// A call of something imported from a package: `express()`, `new Server(http)`.
    fn call_external(
        &self,
        _cx: &mut Interp<'_>,
        _module: &str,
        _path: &[Rc<str>],
        _call: &Call,
        _env: &Rc<Env>,
        _site: Site,
        _is_new: bool,
    ) -> Option<Value> {
        None
    }
    /// A parameter or field known only by its declared type from a package (`router: Router`);
    /// `ty` is the type as written (`Repository<Order>`).
    fn typed(
        &self,
        _cx: &mut Interp<'_>,
        _module: &str,
        _path: &[Rc<str>],
        _key: NodeKey,
        _site: Site,
        _ty: &str,
    ) -> Option<Value> {
        None
    }
    /// A method called on a recognized value.
    fn call_method(
        &self,
        _cx: &mut Interp<'_>,
        _receiver: &Handle,
        _method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        _site: Site,
    ) -> Option<Value> {
        None
    }
    /// A property of a recognized value (`socket.broadcast`).
    fn member(&self, _receiver: &Handle, _prop: &str) -> Option<Value> {
        None
    }
    /// Called once for every class of the workspace, after every module's top level ran and
    /// before uncalled functions run (decorated controllers and gateways register here).
    fn class_declared(&self, _cx: &mut Interp<'_>, _class: ClassRef) {}
    /// A static method a workspace class does not define (`Order.findAll()` on a model class that
    /// inherits it from a package).
    fn call_class(
        &self,
        _cx: &mut Interp<'_>,
        _class: ClassRef,
        _method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        _site: Site,
    ) -> Option<Value> {
        None
    }
    /// A statement's call chain ended in this recognized value (`await db('orders').where(...)`).
    fn settled(&self, _cx: &mut Interp<'_>, _handle: &Handle, _site: Site) {}
    /// Every call, after it was evaluated: for what is recognized by how the call is written,
    /// whatever its callee resolved to (a project's own notifier, a global `fetch`).
    fn call_seen(&self, _cx: &mut Interp<'_>, _call: &Call, _env: &Rc<Env>, _site: Site) {}
    /// A method called on something that could not be resolved, which may still clearly be a
    /// registration by its shape.
    fn call_unknown(
        &self,
        _cx: &mut Interp<'_>,
        _receiver: &str,
        _method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        _site: Site,
    ) -> Option<Value> {
        None
    }
}

pub static FRAMEWORKS: &[&dyn Framework] = &[
    &fastify::Fastify,
    &koa::Koa,
    &hono::Hono,
    &express::Express,
    &socketio::SocketIo,
    &nestjs::NestJs,
    &routing_controllers::RoutingControllers,
    // Notifications and integrations only record, so they see each call before a recognizer
    // below claims the value (a BullMQ queue, a Redis client) as its own.
    &notifications::Notifications,
    &notifications::own::OwnNotifier,
    &integrations::Integrations,
    &crate::architecture::jobs::Jobs,
    &crate::architecture::caches::Caches,
    &crate::architecture::config_vars::ConfigService,
    &crate::architecture::middleware_stack::GlobalMiddleware,
    &data::sql::RawSql,
    &data::prisma::Prisma,
    &data::typeorm::TypeOrm,
    &data::drizzle::Drizzle,
    &data::knex::Knex,
    &data::sequelize::Sequelize,
];
