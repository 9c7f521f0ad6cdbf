//! Express: `express()`, `Router()`, `METHOD(path, ...middleware, handler)`, `route(path)`,
//! `use([path], ...middleware | router)`.

use std::rc::Rc;

use crate::facts::Call;
use crate::resolve::graph::{NodeKey, RouterKind};
use crate::resolve::value::{Arg, Env, Site, Text, Value};
use crate::resolve::Interp;

use super::routing::{self, hash_str, path_texts};
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
        _ty: &str,
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
        if !HTTP_METHODS.contains(&method) {
            return None;
        }
        let receiver_root = receiver.split('.').next_back().unwrap_or(receiver);
        if HTTP_CLIENTS.iter().any(|c| {
            receiver_root.eq_ignore_ascii_case(c) || receiver.starts_with(&format!("{c}."))
        }) {
            return None;
        }
        if !routing::route_shaped(call) {
            return None;
        }
        let key = (site.file, hash_str(receiver), 0);
        let router = cx.router(key, NAME, RouterKind::Implicit, site);
        let args = cx.eval_args(&call.args, env);
        register(cx, router, method, &args[0], &args[1..], env, site);
        Some(Value::Handle(Handle::Router(router)))
    }
}

/// `METHOD(path, ...middleware, handler)` on an Express router.
fn register(
    cx: &mut Interp<'_>,
    router: u32,
    method: &str,
    path: &Arg,
    rest: &[Arg],
    env: &Rc<Env>,
    site: Site,
) {
    routing::register(
        cx,
        router,
        &[method.to_string()],
        path,
        rest,
        &[],
        env,
        site,
    );
}

/// `use([path], ...middleware | router)`.
fn apply_use(cx: &mut Interp<'_>, router: u32, args: &[Arg]) {
    routing::apply_use(cx, router, args, &|_, v| match v {
        Value::Handle(Handle::Router(child)) => Some(*child),
        _ => None,
    });
}
