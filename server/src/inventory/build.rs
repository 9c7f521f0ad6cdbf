//! Flattening the mount graph into routes with full paths, and events into the catalog.

use std::collections::HashMap;

use crate::facts::FileFacts;
use crate::resolve::graph::{
    EventKind, HandlerRef, Middleware, MountGraph, RouterId, RouterKind, Use,
};
use crate::resolve::value::Text;
use crate::resolve::Resolution;
use crate::workspace::FileId;

use super::{Handler, Inventory, Location, Route, SocketEvent};

/// Words in a middleware's name that mean it guards the route.
const AUTH_WORDS: [&str; 12] = [
    "auth",
    "jwt",
    "guard",
    "permission",
    "role",
    "loggedin",
    "signedin",
    "apikey",
    "api_key",
    "bearer",
    "clerk",
    "acl",
];

/// Words that mean the request must carry something, when paired with a guard verb
/// (`requireSession`, `verifyToken`, `isAdmin`).
const GUARDED_WORDS: [&str; 5] = ["session", "token", "admin", "user", "login"];
const GUARD_VERBS: [&str; 8] = [
    "require", "ensure", "verify", "validate", "check", "is", "has", "must",
];

/// Middleware that sets authentication up or makes it optional, or limits rates: not a guard.
const NOT_GUARDS: [&str; 6] = [
    "initialize",
    "throttl",
    "optional",
    "limit",
    "passport.session",
    "session(",
];

/// Builds the inventory. `files` gives each file's root-relative path and facts, by file id.
pub fn build(
    resolution: &Resolution,
    files: &[(&str, &FileFacts)],
    extra_auth: &[String],
) -> Inventory {
    let paths: Vec<String> = files.iter().map(|(p, _)| p.to_string()).collect();
    let mut routes = flatten(&resolution.graph, &paths, files, resolution, extra_auth);
    routes.sort_by(|a, b| {
        (&a.path, &a.method, &a.file, a.line).cmp(&(&b.path, &b.method, &b.file, b.line))
    });
    routes.dedup_by(|a, b| {
        a.path == b.path
            && a.method == b.method
            && a.location == b.location
            && a.handler == b.handler
    });
    let mut socket_events: Vec<SocketEvent> = resolution
        .events
        .iter()
        .map(|e| SocketEvent {
            name: e.name.clone(),
            kind: match e.kind {
                EventKind::Emit => "emit".into(),
                EventKind::On => "on".into(),
            },
            namespace: e.namespace.clone(),
            file: paths[e.site.file as usize].clone(),
            line: e.site.name.line + 1,
            handler: e.handler.as_ref().map(|h| handler(h, &paths)),
            payload: e.payload.clone(),
            dynamic: e.name.is_none(),
            candidates: e.candidates.clone(),
            side: if e.client {
                "client".into()
            } else {
                "server".into()
            },
            expression: e.expression.clone(),
            services: Vec::new(),
            tables: Vec::new(),
            reach: Default::default(),
            location: Location {
                file: e.site.file,
                call: e.site.call,
                name: e.site.name,
            },
        })
        .collect();
    socket_events.sort_by(|a, b| {
        (
            a.name.is_none(),
            &a.name,
            &a.kind,
            &a.file,
            a.line,
            &a.namespace,
        )
            .cmp(&(
                b.name.is_none(),
                &b.name,
                &b.kind,
                &b.file,
                b.line,
                &b.namespace,
            ))
    });
    socket_events.dedup_by(|a, b| {
        a.name == b.name
            && a.kind == b.kind
            && a.location == b.location
            && a.namespace == b.namespace
            && a.side == b.side
    });
    Inventory {
        routes,
        socket_events,
        files: paths,
        ..Inventory::default()
    }
}

pub(crate) fn handler(h: &HandlerRef, paths: &[String]) -> Handler {
    Handler {
        name: h.name.clone(),
        file: h.definition.map(|(f, _)| paths[f as usize].clone()),
        line: h.definition.map(|(_, s)| s.line + 1),
        definition: h.definition,
        func: h.func,
    }
}

/// What a walk down the mount graph carries: the path so far and the middleware in force.
#[derive(Clone)]
struct Inherited {
    prefix: Text,
    middleware: Vec<Middleware>,
}

fn flatten(
    graph: &MountGraph,
    paths: &[String],
    files: &[(&str, &FileFacts)],
    resolution: &Resolution,
    extra_auth: &[String],
) -> Vec<Route> {
    let mut incoming: HashMap<RouterId, usize> = HashMap::new();
    for m in &graph.mounts {
        *incoming.entry(m.child).or_default() += 1;
    }
    let mut flattener = Flattener {
        graph,
        paths,
        files,
        resolution,
        extra_auth,
        comments: files.iter().map(|(_, f)| call_docs(f)).collect(),
        reached: vec![false; graph.nodes.len()],
        out: Vec::new(),
    };
    let from_root = Inherited {
        prefix: Text::literal(""),
        middleware: Vec::new(),
    };
    for root in (0..graph.nodes.len() as RouterId).filter(|id| !incoming.contains_key(id)) {
        // A router nothing visibly mounts sits under a prefix the code does not show.
        let start = match graph.nodes[root as usize].kind {
            RouterKind::Router | RouterKind::Param => Inherited {
                prefix: Text {
                    text: String::new(),
                    dynamic: true,
                },
                middleware: Vec::new(),
            },
            RouterKind::App | RouterKind::Implicit => from_root.clone(),
        };
        flattener.walk(root, &start, &mut Vec::new());
    }
    // Routers mounted only inside a cycle have no root: list them from themselves.
    for id in 0..graph.nodes.len() as RouterId {
        if !flattener.reached[id as usize] {
            flattener.walk(id, &from_root, &mut Vec::new());
        }
    }
    flattener.out
}

/// Walks the mount graph from its roots, emitting each route once per path that reaches it.
struct Flattener<'a> {
    graph: &'a MountGraph,
    paths: &'a [String],
    files: &'a [(&'a str, &'a FileFacts)],
    resolution: &'a Resolution,
    extra_auth: &'a [String],
    /// Each file's [`call_docs`].
    comments: Vec<HashMap<u32, &'a str>>,
    reached: Vec<bool>,
    out: Vec<Route>,
}

impl Flattener<'_> {
    fn walk(&mut self, node_id: RouterId, inherited: &Inherited, stack: &mut Vec<RouterId>) {
        if stack.contains(&node_id) || stack.len() > 64 {
            return;
        }
        self.reached[node_id as usize] = true;
        stack.push(node_id);
        let node = &self.graph.nodes[node_id as usize];
        for route in &node.routes {
            let mut middleware = inherited.middleware.clone();
            middleware.extend(uses_before(&node.uses, route.seq, &route.path));
            middleware.extend(route.middleware.iter().cloned());
            let full = join_paths(&inherited.prefix, &route.path);
            let handler = route.handler.as_ref().map(|h| handler(h, self.paths));
            let declared_doc = self
                .resolution
                .docs
                .get(&(route.site.file, route.site.call.start))
                .cloned();
            let comment = self.comments[route.site.file as usize]
                .get(&route.site.call.start)
                .copied();
            let files = self.files;
            let doc = route_doc(comment, declared_doc.as_deref(), handler.as_ref(), &|f| {
                files.get(f as usize).map(|(_, facts)| *facts)
            });
            self.out.push(Route {
                method: route.method.clone(),
                path: full.text,
                file: self.paths[route.site.file as usize].clone(),
                line: route.site.name.line + 1,
                handler,
                auth: middleware
                    .iter()
                    .find(|m| is_auth(&m.name, self.extra_auth))
                    .map(|m| m.name.clone()),
                rate_limit: middleware.iter().find_map(|m| m.rate_limit.clone()),
                middleware: middleware.into_iter().map(|m| m.name).collect(),
                framework: node.framework.to_string(),
                dynamic: full.dynamic || route.method.starts_with("${"),
                health: None,
                services: Vec::new(),
                tables: Vec::new(),
                reach: Default::default(),
                location: Location {
                    file: route.site.file,
                    call: route.site.call,
                    name: route.site.name,
                },
                doc,
                declared_doc,
            });
        }
        for mount in self.graph.mounts.iter().filter(|m| m.parent == node_id) {
            let mut middleware = inherited.middleware.clone();
            middleware.extend(uses_before(&node.uses, mount.seq, &mount.prefix));
            middleware.extend(mount.middleware.iter().cloned());
            let next = Inherited {
                prefix: join_paths(&inherited.prefix, &mount.prefix),
                middleware,
            };
            self.walk(mount.child, &next, stack);
        }
        stack.pop();
    }
}

/// Middleware a router applied before `seq`, to paths under `path`.
fn uses_before<'u>(
    uses: &'u [Use],
    seq: u64,
    path: &'u Text,
) -> impl Iterator<Item = Middleware> + 'u {
    uses.iter()
        .filter(move |u| u.seq < seq)
        .filter(move |u| match &u.prefix {
            None => true,
            Some(prefix) => path_under(&path.text, &prefix.text),
        })
        .flat_map(|u| u.middleware.iter().cloned())
}

fn path_under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty() || path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// Doc comments of a file's call statements by the call's start offset (a chain's inner calls
/// start there too).
pub(crate) fn call_docs(facts: &FileFacts) -> HashMap<u32, &str> {
    facts
        .calls
        .iter()
        .filter_map(|c| Some((c.expr.span()?.start, c.doc.as_deref()?)))
        .collect()
}

/// A route's documentation: the doc comment above its registration, else what its framework
/// declares (`@ApiOperation`), else the doc comment of its handler function.
pub(crate) fn route_doc<'a>(
    comment: Option<&str>,
    declared: Option<&str>,
    handler: Option<&Handler>,
    facts_of: &dyn Fn(FileId) -> Option<&'a FileFacts>,
) -> Option<String> {
    if let Some(doc) = comment.or(declared) {
        return Some(doc.to_string());
    }
    let (file, span) = handler?.definition?;
    facts_of(file)?
        .functions
        .iter()
        .find(|f| f.name_span == span)
        .and_then(|f| f.doc.clone())
}

/// Whether a middleware (by its name as written) authenticates or authorizes the request.
pub(crate) fn is_auth(name: &str, extra: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    if extra
        .iter()
        .any(|e| lower.contains(&e.to_ascii_lowercase()))
    {
        return true;
    }
    if NOT_GUARDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    let callee = lower.split('(').next().unwrap_or(&lower);
    let last = callee.rsplit('.').next().unwrap_or(callee);
    AUTH_WORDS.iter().any(|w| callee.contains(w))
        || callee == "passport.authenticate"
        || last.starts_with("protect")
        || GUARDED_WORDS.iter().any(|w| {
            last.contains(w)
                && GUARD_VERBS
                    .iter()
                    .any(|v| last.starts_with(v) && last != *w)
        })
}

/// Joins a mount prefix and a route path the way Express matches them: one slash between
/// segments, no trailing slash except for the root.
pub fn join_paths(prefix: &Text, path: &Text) -> Text {
    let mut joined = String::new();
    for part in [prefix.text.as_str(), path.text.as_str()] {
        let part = part.trim();
        if part.is_empty() || part == "/" {
            continue;
        }
        if !joined.ends_with('/') && !part.starts_with('/') {
            joined.push('/');
        }
        if joined.ends_with('/') && part.starts_with('/') {
            joined.pop();
        }
        joined.push_str(part);
    }
    while joined.len() > 1 && joined.ends_with('/') {
        joined.pop();
    }
    if joined.is_empty() {
        joined.push('/');
    }
    if !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    Text {
        text: joined,
        dynamic: prefix.dynamic || path.dynamic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(a: &str, b: &str) -> String {
        join_paths(&Text::literal(a), &Text::literal(b)).text
    }

    #[test]
    fn joins_like_express_matches() {
        assert_eq!(j("", "/"), "/");
        assert_eq!(j("/api", "/"), "/api");
        assert_eq!(j("/api/", "/orders"), "/api/orders");
        assert_eq!(j("/api", "orders/"), "/api/orders");
        assert_eq!(j("", "*"), "/*");
        assert_eq!(j("/api", ""), "/api");
    }

    #[test]
    fn auth_is_recognized_by_name() {
        assert!(is_auth("authenticate", &[]));
        assert!(is_auth("requireRole('admin')", &[]));
        assert!(is_auth("passport.authenticate('jwt')", &[]));
        assert!(!is_auth("validate", &[]));
        assert!(!is_auth("apiLimiter", &[]));
        assert!(!is_auth("authLimiter", &[]));
        assert!(!is_auth("passport.initialize()", &[]));
        assert!(!is_auth("session", &[]));
        assert!(!is_auth("auth.optional", &[]));
        assert!(is_auth("auth.required", &[]));
        assert!(is_auth("isAuthenticated", &[]));
        assert!(is_auth("verifyToken", &[]));
        assert!(is_auth("isAdmin", &[]));
        assert!(!is_auth("userValidation", &[]));
        assert!(!is_auth("lusca.xssProtection(true)", &[]));
        assert!(is_auth("protect", &[]));
        assert!(is_auth("JwtAuthGuard", &[]));
        assert!(!is_auth("ThrottlerGuard", &[]));
        assert!(is_auth("ensureCustomer", &["ensureCustomer".to_string()]));
    }
}
