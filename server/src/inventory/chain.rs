//! The chain behind each route and event handler: the services its handler reaches through the
//! call graph, and the tables they read and write. Services are classes named `*Service`,
//! NestJS `@Injectable()` providers, and modules of functions under `services/` or named
//! `*.service`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::facts::{FileFacts, FnId};
use crate::resolve::graph::{Access, Effect, TableTarget};
use crate::resolve::value::FnRef;
use crate::resolve::Resolution;
use crate::schema::Table;
use crate::workspace::FileId;

use super::{Handler, Inventory, Location, Service, ServiceMethod, TableAccess, TableUse};

/// The most functions one handler's chain is followed through.
const MAX_REACH: usize = 5_000;

/// Classes that are injectable but are plumbing, not services.
const NOT_SERVICES: [&str; 8] = [
    "Guard",
    "Strategy",
    "Interceptor",
    "Pipe",
    "Filter",
    "Middleware",
    "Controller",
    "Gateway",
];

/// Links routes, events and services to what they reach. Runs after tables are known.
pub fn link(inv: &mut Inventory, resolution: &Resolution, files: &[(&str, &FileFacts)]) {
    let graph = CallGraph::new(resolution, files);
    let names = TableNames::new(&inv.tables);
    let services = ServiceIndex::new(files);

    inv.table_accesses.clear();
    for e in &resolution.effects {
        let Effect::Table {
            target,
            access,
            via,
        } = &e.effect
        else {
            continue;
        };
        inv.table_accesses.push(TableAccess {
            table: names.resolve(target),
            access: access_name(&[*access]).to_string(),
            via: via.to_string(),
            file: inv.files[e.site.file as usize].clone(),
            line: e.site.name.line + 1,
            function: e.function.and_then(|f| function_name(files, f)),
            service: e
                .function
                .and_then(|f| services.method_of(files, f))
                .map(|(s, _)| services.name(s)),
            location: Location {
                file: e.site.file,
                call: e.site.call,
                name: e.site.name,
            },
            func: e.function,
        });
    }
    inv.table_accesses.sort_by(|a, b| {
        (&a.file, a.line, &a.table, &a.access).cmp(&(&b.file, b.line, &b.table, &b.access))
    });
    inv.table_accesses.dedup_by(|a, b| {
        a.file == b.file && a.line == b.line && a.table == b.table && a.access == b.access
    });

    let chain = |handler: &Option<Handler>| -> (Vec<String>, Vec<TableUse>) {
        let Some(start) = handler.as_ref().and_then(|h| h.func) else {
            return (Vec::new(), Vec::new());
        };
        let reached = graph.reach(start);
        let mut methods = BTreeSet::new();
        for f in &reached {
            if let Some((service, method)) = services.method_of(files, *f) {
                methods.insert(format!("{}.{method}", services.name(service)));
            }
        }
        (
            methods.into_iter().collect(),
            table_uses(&inv.table_accesses, &reached),
        )
    };
    let route_chains: Vec<_> = inv.routes.iter().map(|r| chain(&r.handler)).collect();
    for (route, (services, tables)) in inv.routes.iter_mut().zip(route_chains) {
        route.services = services;
        route.tables = tables;
    }
    let event_chains: Vec<_> = inv
        .socket_events
        .iter()
        .map(|e| chain(&e.handler))
        .collect();
    for (event, (services, tables)) in inv.socket_events.iter_mut().zip(event_chains) {
        event.services = services;
        event.tables = tables;
    }
    inv.services = services.list(files, &inv.files, &graph, &inv.table_accesses);
}

/// Tables touched by any of `functions`, with the access merged per table.
fn table_uses(accesses: &[TableAccess], functions: &BTreeSet<FnRef>) -> Vec<TableUse> {
    let mut by_table: BTreeMap<&str, Vec<Access>> = BTreeMap::new();
    for a in accesses {
        if a.func.is_some_and(|f| functions.contains(&f)) {
            let access = if a.access == "write" {
                Access::Write
            } else {
                Access::Read
            };
            by_table.entry(&a.table).or_default().push(access);
        }
    }
    by_table
        .into_iter()
        .map(|(table, access)| TableUse {
            table: table.to_string(),
            access: access_name(&access).to_string(),
        })
        .collect()
}

fn access_name(accesses: &[Access]) -> &'static str {
    let reads = accesses.contains(&Access::Read);
    let writes = accesses.contains(&Access::Write);
    match (reads, writes) {
        (true, true) => "read_write",
        (false, true) => "write",
        _ => "read",
    }
}

/// The function an access is written in, named by the class method or module-level function
/// around it (a callback inside `AuthService.register` counts as `AuthService.register`).
pub(super) fn function_name(files: &[(&str, &FileFacts)], f: FnRef) -> Option<String> {
    let facts = files.get(f.file as usize)?.1;
    let mut id = f.id;
    for _ in 0..64 {
        let func = facts.function(id)?;
        if let Some(class) = func.class {
            let class = facts.class(class)?.name.as_deref().unwrap_or("<class>");
            return Some(format!(
                "{class}.{}",
                func.name.as_deref().unwrap_or("<anonymous>")
            ));
        }
        match func.parent {
            Some(parent) => id = parent,
            None => return func.name.clone(),
        }
    }
    None
}

/// Calls between functions, plus the functions written inside each (callbacks run as part of
/// the function that writes them).
pub(crate) struct CallGraph {
    next: HashMap<FnRef, Vec<FnRef>>,
}

impl CallGraph {
    pub(crate) fn new(resolution: &Resolution, files: &[(&str, &FileFacts)]) -> Self {
        let mut next: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
        for edge in &resolution.calls {
            next.entry(edge.caller).or_default().push(edge.callee);
        }
        for (file, (_, facts)) in files.iter().enumerate() {
            for (id, func) in facts.functions.iter().enumerate() {
                if let Some(parent) = func.parent {
                    let file = file as FileId;
                    next.entry(FnRef { file, id: parent })
                        .or_default()
                        .push(FnRef {
                            file,
                            id: id as FnId,
                        });
                }
            }
        }
        CallGraph { next }
    }

    /// The same graph with every edge reversed: what reaches a function is what it leads to here.
    pub(super) fn reversed(&self) -> CallGraph {
        let mut next: HashMap<FnRef, Vec<FnRef>> = HashMap::new();
        for (from, to) in &self.next {
            for t in to {
                next.entry(*t).or_default().push(*from);
            }
        }
        CallGraph { next }
    }

    /// Every function reachable from `start`, itself included.
    pub(crate) fn reach(&self, start: FnRef) -> BTreeSet<FnRef> {
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(f) = queue.pop_front() {
            for g in self.next.get(&f).into_iter().flatten() {
                if seen.len() >= MAX_REACH {
                    return seen;
                }
                if seen.insert(*g) {
                    queue.push_back(*g);
                }
            }
        }
        seen
    }
}

/// Maps what code calls a table (its name, a model) onto the schema's table names.
struct TableNames {
    by_name: HashMap<String, String>,
    by_model: HashMap<String, String>,
}

impl TableNames {
    fn new(tables: &[Table]) -> Self {
        let mut by_name = HashMap::new();
        let mut by_model = HashMap::new();
        for t in tables {
            let name = t.qualified_name();
            by_name.insert(t.name.to_ascii_lowercase(), name.clone());
            by_name.insert(name.to_ascii_lowercase(), name.clone());
            if let Some(model) = &t.model {
                by_model.insert(model.clone(), name.clone());
                by_model.insert(lower_first(model), name.clone());
            }
        }
        TableNames { by_name, by_model }
    }

    fn resolve(&self, target: &TableTarget) -> String {
        match target {
            TableTarget::Name(name) => {
                let lower = name.to_ascii_lowercase();
                let bare = lower.rsplit('.').next().unwrap_or(&lower);
                self.by_name
                    .get(&lower)
                    .or_else(|| self.by_name.get(bare))
                    .cloned()
                    .unwrap_or_else(|| name.clone())
            }
            TableTarget::Model(model) => self
                .by_model
                .get(model)
                .or_else(|| self.by_model.get(&lower_first(model)))
                .or_else(|| self.by_name.get(&model.to_ascii_lowercase()))
                .cloned()
                .unwrap_or_else(|| model.clone()),
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Identifies a service: a class, or a module of functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum ServiceKey {
    Class(FileId, u32),
    Module(FileId),
}

pub(super) struct ServiceIndex {
    names: HashMap<ServiceKey, String>,
}

impl ServiceIndex {
    pub(super) fn new(files: &[(&str, &FileFacts)]) -> Self {
        let mut names = HashMap::new();
        for (file, (path, facts)) in files.iter().enumerate() {
            let file = file as FileId;
            let mut has_class = false;
            for (id, class) in facts.classes.iter().enumerate() {
                if let Some(name) = class.name.as_deref().filter(|_| is_service_class(class)) {
                    names.insert(ServiceKey::Class(file, id as u32), name.to_string());
                    has_class = true;
                }
            }
            // Functions beside a service class are its helpers, not a service of their own.
            if !has_class && is_service_module(path) {
                names.insert(ServiceKey::Module(file), module_name(path));
            }
        }
        ServiceIndex { names }
    }

    pub(super) fn name(&self, key: ServiceKey) -> String {
        self.names.get(&key).cloned().unwrap_or_default()
    }

    /// The service and method a function belongs to: the class method or the module's top-level
    /// function it is written in.
    pub(super) fn method_of(
        &self,
        files: &[(&str, &FileFacts)],
        f: FnRef,
    ) -> Option<(ServiceKey, String)> {
        let facts = files.get(f.file as usize)?.1;
        let mut id = f.id;
        for _ in 0..64 {
            let func = facts.function(id)?;
            if let Some(class) = func.class {
                let key = ServiceKey::Class(f.file, class);
                return self
                    .names
                    .contains_key(&key)
                    .then(|| (key, func.name.clone().unwrap_or_default()));
            }
            match func.parent {
                Some(parent) => id = parent,
                None => {
                    let key = ServiceKey::Module(f.file);
                    let name = func.name.clone()?;
                    return self.names.contains_key(&key).then_some((key, name));
                }
            }
        }
        None
    }

    fn list(
        &self,
        files: &[(&str, &FileFacts)],
        paths: &[String],
        graph: &CallGraph,
        accesses: &[TableAccess],
    ) -> Vec<Service> {
        let mut out: Vec<Service> = Vec::new();
        let mut keys: Vec<&ServiceKey> = self.names.keys().collect();
        keys.sort();
        for key in keys {
            let (file, facts) = match key {
                ServiceKey::Class(file, _) | ServiceKey::Module(file) => {
                    (*file, files[*file as usize].1)
                }
            };
            let (kind, line, span, functions): (&str, u32, _, Vec<FnId>) = match key {
                ServiceKey::Class(_, class) => {
                    let decl = &facts.classes[*class as usize];
                    let kind = if has_decorator(decl, "Injectable") {
                        "provider"
                    } else {
                        "class"
                    };
                    let methods = decl
                        .methods
                        .iter()
                        .filter(|m| m.name != "constructor")
                        .map(|m| m.function)
                        .collect();
                    (kind, decl.name_span.line + 1, decl.name_span, methods)
                }
                ServiceKey::Module(_) => {
                    let top: Vec<FnId> = facts
                        .functions
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| {
                            f.parent.is_none() && f.class.is_none() && f.name.is_some()
                        })
                        .map(|(id, _)| id as FnId)
                        .collect();
                    if top.is_empty() {
                        continue;
                    }
                    let first = facts.functions[top[0] as usize].name_span;
                    ("module", 1, first, top)
                }
            };
            let methods: Vec<ServiceMethod> = functions
                .iter()
                .filter_map(|id| {
                    let func = &facts.functions[*id as usize];
                    Some(ServiceMethod {
                        name: func.name.clone()?,
                        line: func.name_span.line + 1,
                        definition: (file, func.name_span),
                    })
                })
                .collect();
            let reached: BTreeSet<FnRef> = functions
                .iter()
                .flat_map(|id| graph.reach(FnRef { file, id: *id }))
                .collect();
            let mut calls: BTreeSet<String> = BTreeSet::new();
            for f in &reached {
                if let Some((other, _)) = self.method_of(files, *f) {
                    if other != *key {
                        calls.insert(self.name(other));
                    }
                }
            }
            out.push(Service {
                name: self.name(*key),
                kind: kind.to_string(),
                file: paths[file as usize].clone(),
                line,
                methods,
                tables: table_uses(accesses, &reached),
                calls: calls.into_iter().collect(),
                definition: (file, span),
            });
        }
        out.sort_by(|a, b| (&a.name, &a.file).cmp(&(&b.name, &b.file)));
        out
    }
}

fn has_decorator(class: &crate::facts::Class, name: &str) -> bool {
    class.decorators.iter().any(|d| match &d.expr {
        crate::facts::Expr::Call(c) => {
            matches!(&c.callee, crate::facts::Expr::Ident(n, _) if n == name)
        }
        crate::facts::Expr::Ident(n, _) => n == name,
        _ => false,
    })
}

fn is_service_class(class: &crate::facts::Class) -> bool {
    let Some(name) = class.name.as_deref() else {
        return false;
    };
    if NOT_SERVICES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    name.ends_with("Service") || has_decorator(class, "Injectable")
}

fn is_service_module(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let stem = module_name(&lower);
    lower.starts_with("services/")
        || lower.contains("/services/")
        || stem.ends_with(".service")
        || stem.ends_with("-service")
        || stem.ends_with("_service")
        || stem.ends_with("service") && stem.len() > "service".len()
}

/// `src/services/order.service.ts` → `order.service`; an `index` file takes its folder's name.
fn module_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    let stem = file
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(file)
        .to_string();
    match (stem.as_str(), parts.next()) {
        ("index", Some(dir)) => dir.to_string(),
        _ => stem,
    }
}
