//! Express: `express()`, `Router()`, `METHOD(path, ...middleware, handler)`, `route(path)`,
//! `use([path], ...middleware | router)`.

use std::rc::Rc;

use crate::facts::{Call, Expr};
use crate::resolve::graph::{Mount, NodeKey, RouterKind, Use};
use crate::resolve::value::{Arg, Env, Site, Text, Value};
use crate::resolve::Interp;

use super::{Framework, Handle};

pub struct Express;

const NAME: &str = "express";

pub const HTTP_METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "options", "head", "all",
];

/// Receivers whose `.get(...)` is an HTTP request, not a route.
const HTTP_CLIENTS: [&str; 10] = [
    "axios",
    "http",
    "https",
    "request",
    "got",
    "superagent",
    "fetch",
    "client",
    "api",
    "httpService",
];

impl Framework for Express {
    fn call_external(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        _is_new: bool,
    ) -> Option<Value> {
        if module != "express" {
            return None;
        }
        let kind = match path
            .iter()
            .map(|p| p.as_ref())
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] | ["default"] => RouterKind::App,
            ["Router"] | ["default", "Router"] => RouterKind::Router,
            _ => return None,
        };
        let id = cx.router((site.file, call.span.start, env.ctx), NAME, kind, site);
        Some(Value::Handle(Handle::Router(id)))
    }

    fn typed(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        key: NodeKey,
        site: Site,
    ) -> Option<Value> {
        let last = path.last().map(|p| p.as_ref());
        if module != "express"
            || !matches!(last, Some("Router" | "IRouter" | "Express" | "Application"))
        {
            return None;
        }
        Some(Value::Handle(Handle::Router(cx.router(
            key,
            NAME,
            RouterKind::Param,
            site,
        ))))
    }

    fn call_method(
        &self,
        cx: &mut Interp<'_>,
        receiver: &Handle,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        match receiver {
            Handle::Router(router) if cx.graph.nodes.get(*router as usize)?.framework == NAME => {
                let router = *router;
                if HTTP_METHODS.contains(&method) || method.starts_with("${") {
                    // `app.get('env')` reads a setting.
                    if call.args.len() < 2 {
                        return Some(Value::unknown(method));
                    }
                    let args = cx.eval_args(&call.args, env);
                    register(cx, router, method, &args[0], &args[1..], env, site);
                    return Some(Value::Handle(Handle::Router(router)));
                }
                match method {
                    "route" => {
                        let args = cx.eval_args(&call.args, env);
                        let path = args
                            .first()
                            .map(|a| path_texts(a).remove(0))
                            .unwrap_or_else(|| Text::literal(""));
                        Some(Value::Handle(Handle::Route { router, path }))
                    }
                    "use" => {
                        let args = cx.eval_args(&call.args, env);
                        apply_use(cx, router, &args);
                        Some(Value::Handle(Handle::Router(router)))
                    }
                    _ => Some(Value::unknown(method)),
                }
            }
            Handle::Route { router, path } if HTTP_METHODS.contains(&method) => {
                let args = cx.eval_args(&call.args, env);
                let path_arg = Arg {
                    value: Value::Text(path.clone()),
                    label: Rc::from(""),
                    site: None,
                    inner: None,
                };
                register(cx, *router, method, &path_arg, &args, env, site);
                Some(Value::Handle(receiver.clone()))
            }
            _ => None,
        }
    }

    fn call_unknown(
        &self,
        cx: &mut Interp<'_>,
        receiver: &str,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        // An unresolved receiver that mounts a router is an app.
        if method == "use" {
            let args = cx.eval_args(&call.args, env);
            if !args
                .iter()
                .any(|a| matches!(a.value, Value::Handle(Handle::Router(_))))
            {
                return None;
            }
            let router = cx.router(
                (site.file, hash_str(receiver), 0),
                NAME,
                RouterKind::Implicit,
                site,
            );
            apply_use(cx, router, &args);
            return Some(Value::Handle(Handle::Router(router)));
        }
        // An unresolved receiver registers a route when the call clearly has a route's shape:
        // a literal path and a handler.
        if !HTTP_METHODS.contains(&method) || call.args.len() < 2 {
            return None;
        }
        let receiver_root = receiver.split('.').next_back().unwrap_or(receiver);
        if HTTP_CLIENTS.iter().any(|c| {
            receiver_root.eq_ignore_ascii_case(c) || receiver.starts_with(&format!("{c}."))
        }) {
            return None;
        }
        let path_like = match &call.args[0] {
            Expr::Str(s, _) => s.starts_with('/'),
            Expr::Template(parts, _) => {
                matches!(parts.first(), Some(crate::facts::TemplatePart::Lit(s)) if s.starts_with('/'))
            }
            _ => false,
        };
        let handler_like = matches!(
            call.args.last(),
            Some(Expr::Function(_) | Expr::Ident(..) | Expr::Member(..) | Expr::Call(_))
        );
        if !path_like || !handler_like {
            return None;
        }
        let key = (site.file, hash_str(receiver), 0);
        let router = cx.router(key, NAME, RouterKind::Implicit, site);
        let args = cx.eval_args(&call.args, env);
        register(cx, router, method, &args[0], &args[1..], env, site);
        Some(Value::Handle(Handle::Router(router)))
    }
}

fn flatten_arrays(cx: &Interp<'_>, args: &[Arg]) -> Vec<Arg> {
    let mut out = Vec::new();
    for arg in args {
        match &arg.value {
            Value::Array(items) => out.extend(items.iter().map(|v| Arg {
                value: v.clone(),
                label: Rc::from(cx.label_of(v).as_str()),
                site: arg.site,
                inner: None,
            })),
            _ => out.push(arg.clone()),
        }
    }
    out
}

fn hash_str(s: &str) -> u32 {
    s.bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619))
}

/// The paths a path argument stands for: one, several for an array, or an unknown one.
fn path_texts(arg: &Arg) -> Vec<Text> {
    match &arg.value {
        Value::Text(t) => vec![t.clone()],
        Value::Array(items) => {
            let texts: Vec<Text> = items
                .iter()
                .map(|v| match v {
                    Value::Text(t) => t.clone(),
                    _ => Text::unknown(&arg.label),
                })
                .collect();
            if texts.is_empty() {
                vec![Text::unknown(&arg.label)]
            } else {
                texts
            }
        }
        _ => vec![Text::unknown(&arg.label)],
    }
}

/// `METHOD(path, ...middleware, handler)`: the last argument handles, the ones between are
/// middleware.
fn register(
    cx: &mut Interp<'_>,
    router: u32,
    method: &str,
    path: &Arg,
    rest: &[Arg],
    env: &Rc<Env>,
    site: Site,
) {
    let rest = flatten_arrays(cx, rest);
    let (handler, middleware) = match rest.split_last() {
        Some((h, mw)) => (Some(h), mw),
        None => (None, &rest[..]),
    };
    let registration = path.site.unwrap_or(site);
    for p in path_texts(path) {
        cx.add_route(
            router,
            &if method.starts_with("${") {
                method.to_string()
            } else {
                method.to_ascii_uppercase()
            },
            p,
            registration,
            handler,
            middleware,
            env,
        );
    }
}

/// `use([path], ...items)`: routers among the items are mounted (with the middleware written
/// before them); when none is, the items are middleware for what the router registers later.
fn apply_use(cx: &mut Interp<'_>, router: u32, args: &[Arg]) {
    let (prefixes, items) = match args.first().map(|a| &a.value) {
        Some(Value::Text(_)) => (path_texts(&args[0]), &args[1..]),
        Some(Value::Array(values)) if values.iter().all(|v| matches!(v, Value::Text(_))) => {
            (path_texts(&args[0]), &args[1..])
        }
        _ => (Vec::new(), args),
    };
    let mut before = Vec::new();
    let mut mounted = false;
    for item in items {
        let children: Vec<u32> = match &item.value {
            Value::Handle(Handle::Router(child)) => vec![*child],
            Value::Array(values) => values
                .iter()
                .filter_map(|v| match v {
                    Value::Handle(Handle::Router(c)) => Some(*c),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if children.is_empty() {
            before.push(cx.middleware(item));
            continue;
        }
        mounted = true;
        for child in children {
            let prefixes = if prefixes.is_empty() {
                vec![Text::literal("")]
            } else {
                prefixes.clone()
            };
            for prefix in prefixes {
                let seq = cx.next_seq();
                cx.graph.add_mount(Mount {
                    parent: router,
                    child,
                    prefix,
                    middleware: before.clone(),
                    seq,
                });
            }
        }
    }
    if !mounted && !before.is_empty() {
        let seq = cx.next_seq();
        let prefixes: Vec<Option<Text>> = if prefixes.is_empty() {
            vec![None]
        } else {
            prefixes.into_iter().map(Some).collect()
        };
        for prefix in prefixes {
            cx.graph.add_use(
                router,
                Use {
                    prefix,
                    middleware: before.clone(),
                    seq,
                },
            );
        }
    }
}
