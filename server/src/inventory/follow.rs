//! Moving an inventory along an edit that left one file's facts congruent (see
//! [`crate::facts::congruent`]): every span in that file goes to its new place and the routes'
//! docs are read again; nothing else can have changed, so no resolution is needed.
//!
//! Every inventory type is destructured without `..`: a field added later does not compile until
//! it is listed here, so a new kind of position cannot be left behind stale.

use std::collections::HashMap;

use crate::architecture::caches::{Cache, CacheKey};
use crate::architecture::config_vars::{ConfigRead, ConfigVar};
use crate::architecture::jobs::{Consumer, JobsInventory, Producer, Queue, Schedule};
use crate::architecture::stack::{LockfileSummary, Stack, StackDependency, StackPackage};
use crate::architecture::{Place, StackMiddleware};
use crate::facts::{FileFacts, Span, SpanMoves};
use crate::schema::pii::{Level, Pii};
use crate::schema::postgres::{ColumnDrift, Drift, TableRef};
use crate::schema::{Column, ForeignKey, Index, Table};
use crate::workspace::FileId;

use super::build::{call_docs, route_doc};
use super::{
    Handler, Integration, IntegrationCall, IntegrationUse, Inventory, Location, Notification,
    NotificationUse, PiiUse, Reach, Route, Service, ServiceMethod, SocketEvent, TableAccess,
    TableUse, Trigger,
};

/// The edited file and where its old spans went.
pub struct FileMoves<'a> {
    pub file: FileId,
    pub moves: &'a SpanMoves,
}

impl FileMoves<'_> {
    fn span(&self, file: FileId, span: &mut Span) -> bool {
        // A synthesized position at the top of a file (a module's own place) stays there.
        if file != self.file || *span == Span::default() {
            return true;
        }
        match self.moves.get(*span) {
            Some(moved) => {
                *span = moved;
                true
            }
            None => false,
        }
    }
}

/// Moves `inventory` along the edit; `false` when some span of the file is not among the moves
/// (the caller then resolves afresh: the inventory is left half-moved and must be dropped).
/// `facts_of` gives each file's current facts, for the docs.
pub fn follow<'a>(
    inventory: &mut Inventory,
    moves: &FileMoves<'_>,
    facts_of: &dyn Fn(FileId) -> Option<&'a FileFacts>,
) -> bool {
    if !inventory.follow(moves) {
        return false;
    }
    let Some(facts) = facts_of(moves.file) else {
        return false;
    };
    let mut comments = HashMap::from([(moves.file, call_docs(facts))]);
    for route in &mut inventory.routes {
        let handler_file = route
            .handler
            .as_ref()
            .and_then(|h| h.definition)
            .map(|(f, _)| f);
        if route.location.file != moves.file && handler_file != Some(moves.file) {
            continue;
        }
        let file = route.location.file;
        let docs = comments
            .entry(file)
            .or_insert_with(|| facts_of(file).map(call_docs).unwrap_or_default());
        let comment = docs.get(&route.location.call.start).copied();
        route.doc = route_doc(
            comment,
            route.declared_doc.as_deref(),
            route.handler.as_ref(),
            facts_of,
        );
    }
    true
}

trait Follow {
    fn follow(&mut self, moves: &FileMoves<'_>) -> bool;
}

impl Follow for Location {
    fn follow(&mut self, moves: &FileMoves<'_>) -> bool {
        let Location { file, call, name } = self;
        moves.span(*file, call) && moves.span(*file, name)
    }
}

impl Follow for (FileId, Span) {
    fn follow(&mut self, moves: &FileMoves<'_>) -> bool {
        moves.span(self.0, &mut self.1)
    }
}

impl<T: Follow> Follow for Option<T> {
    fn follow(&mut self, moves: &FileMoves<'_>) -> bool {
        self.as_mut().is_none_or(|x| x.follow(moves))
    }
}

impl<T: Follow> Follow for Vec<T> {
    fn follow(&mut self, moves: &FileMoves<'_>) -> bool {
        self.iter_mut().all(|x| x.follow(moves))
    }
}

/// Types that hold no position.
macro_rules! no_positions {
    ($($ty:ty),* $(,)?) => {$(
        impl Follow for $ty {
            fn follow(&mut self, _: &FileMoves<'_>) -> bool {
                true
            }
        }
    )*};
}

no_positions!(
    String,
    bool,
    u32,
    u64,
    usize,
    Level,
    crate::resolve::value::FnRef,
    serde_json::Map<String, serde_json::Value>,
);

macro_rules! follow_fields {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl Follow for $ty {
            fn follow(&mut self, moves: &FileMoves<'_>) -> bool {
                let $ty { $($field),* } = self;
                true $(&& $field.follow(moves))*
            }
        }
    )*};
}

follow_fields! {
    Inventory {
        routes, socket_events, tables, drift, stack, middleware_stack, config, jobs, caches,
        services, table_accesses, notifications, integrations, files
    }
    Route {
        method, path, file, line, handler, middleware, auth, rate_limit, framework, dynamic,
        health, services, tables, reach, location, doc, declared_doc
    }
    Handler { name, file, line, definition, func }
    SocketEvent {
        name, kind, namespace, file, line, handler, payload, dynamic, candidates, side,
        expression, services, tables, reach, location
    }
    TableUse { table, access }
    TableAccess { table, access, via, file, line, function, service, location, func }
    Service { name, kind, file, line, methods, tables, calls, definition }
    ServiceMethod { name, line, definition }
    Reach { notifications, integrations, pii }
    NotificationUse { channel, provider, template, template_file }
    IntegrationUse { name, operations }
    PiiUse { table, column, kind, level }
    Trigger { kind, name }
    Notification {
        channel, provider, template, template_file, file, line, function, service, triggers,
        location
    }
    Integration { name, packages, clients, calls, triggers }
    IntegrationCall { operation, package, file, line, function, service, location }
    Table { name, schema, columns, indexes, file, line, source, model }
    Column { name, ty, nullable, default, primary_key, foreign_key, pii }
    ForeignKey { table, column }
    Index { name, columns, unique }
    Pii { kind, level }
    Drift { database, only_in_database, only_in_code, columns }
    TableRef { name, schema, file, line, source }
    ColumnDrift { table, column, kind, code, database, file, line, source }
    Stack { packages, dependencies, lockfiles }
    StackPackage { file, name, version, node, workspaces, lockfile }
    StackDependency { name, layer, declared, version, dev, package }
    LockfileSummary { file, format, entries, error }
    StackMiddleware {
        app, framework, order, name, kind, path, package, options, rate_limit, file, line
    }
    Place { file, line }
    ConfigVar { name, secret, validated, validators, default, reads }
    ConfigRead { file, line, via, default, location }
    JobsInventory { queues, schedules }
    Queue { name, dynamic, library, declared, job_types, producers, consumers, locations }
    Producer { file, line, call, job, function, routes, by }
    Consumer { file, line, kind, job, handles, handler }
    Schedule { library, schedule, job, handler, file, line, location }
    Cache { kind, library, file, line, max_entries, ttl_ms, keys, used_by }
    CacheKey { pattern, commands, ttl_ms, places, routes, by }
}
