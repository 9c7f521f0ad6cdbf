//! Koa: `new Koa()`, `@koa/router` / `koa-router` routers with their own prefix
//! (`new Router({ prefix })`, `router.prefix(p)`), `METHOD([name,] path, ...middleware, handler)`,
//! `register(path, methods, middleware)`, `use([path], ...middleware | other.routes())`,
//! `app.use(router.routes())`, and apps mounted with `koa-mount`.
//!
//! A router is two nodes: the one its routes are registered on, mounted under its own prefix in
//! an outer one that `routes()` hands out, so that changing the prefix later moves every route.

use std::collections::HashMap;
use std::rc::Rc;

use crate::facts::Call;
use crate::resolve::graph::{NodeKey, RouterId, RouterKind};
use crate::resolve::value::{Arg, Env, Site, Text, Value};
use crate::resolve::Interp;

use super::routing::{self, is_path, path_texts, text_prop};
use super::{Framework, Handle};

pub struct Koa;

const NAME: &str = "koa";

const METHODS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "del", "options", "head", "all",
];

const ROUTER_MODULES: [&str; 2] = ["@koa/router", "koa-router"];

/// Packages whose router extends koa-router, with the export that creates it.
const DERIVED_ROUTERS: [(&str, &str); 1] = [("koa-swagger-decorator", "SwaggerRouter")];

#[derive(Default)]
struct KoaState {
    /// A router's outer node (what `routes()` returns), by the node its routes go to.
    outer: HashMap<RouterId, RouterId>,
}

fn outer_of(cx: &mut Interp<'_>, router: RouterId) -> RouterId {
    cx.state::<KoaState>()
        .outer
        .get(&router)
        .copied()
        .unwrap_or(router)
}

/// Sets a router's own prefix: the path its outer node mounts it at.
fn set_prefix(cx: &mut Interp<'_>, router: RouterId, prefix: Text) {
    let outer = outer_of(cx, router);
    if outer == router {
        return;
    }
    if let Some(m) = cx
        .graph
        .mounts
        .iter_mut()
        .find(|m| m.parent == outer && m.child == router)
    {
        m.prefix = prefix;
    }
}

/// A router or app among `use(...)` items, by the node that mounting it adds.
fn child_of(cx: &mut Interp<'_>, value: &Value) -> Option<RouterId> {
    match value {
        Value::Handle(handle) => {
            let router = routing::own_router(cx, handle, NAME)?;
            Some(outer_of(cx, router))
        }
        _ => None,
    }
}

impl Framework for Koa {
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
        let path: Vec<&str> = path.iter().map(|p| p.as_ref()).collect();
        let key = (site.file, call.span.start, env.ctx);
        match (module, path.as_slice()) {
            ("koa", [] | ["default"] | ["Koa"]) => {
                let id = cx.router(key, NAME, RouterKind::App, site);
                Some(Value::Handle(Handle::Router(id)))
            }
            (m, [] | ["default"] | ["Router"]) if ROUTER_MODULES.contains(&m) => {
                Some(new_router(cx, call, env, site))
            }
            (m, [name]) if DERIVED_ROUTERS.contains(&(m, *name)) => {
                Some(new_router(cx, call, env, site))
            }
            // `combineRouters(a, b)` (koa-combine-routers): one middleware serving every router.
            ("koa-combine-routers", [] | ["default"]) => {
                let args = cx.eval_args(&call.args, env);
                let holder = cx.router(key, NAME, RouterKind::Router, site);
                let values: Vec<Value> = routing::flatten_arrays(cx, &args)
                    .into_iter()
                    .map(|a| a.value)
                    .collect();
                for value in values {
                    if let Some(child) = child_of(cx, &value) {
                        routing::mount(cx, holder, child, Text::literal(""), Vec::new());
                    }
                }
                Some(Value::Handle(Handle::Router(holder)))
            }
            // `mount('/v1', app)`: a node holding the app under the prefix.
            ("koa-mount", [] | ["default"]) => {
                let args = cx.eval_args(&call.args, env);
                let (prefix, target) = match args.as_slice() {
                    [p, t, ..] if is_path(&p.value) => (path_texts(p), t),
                    [t, ..] => (vec![Text::literal("/")], t),
                    [] => return None,
                };
                let child = child_of(cx, &target.value)?;
                let holder = cx.router(key, NAME, RouterKind::Router, site);
                for p in prefix {
                    routing::mount(cx, holder, child, p, Vec::new());
                }
                Some(Value::Handle(Handle::Router(holder)))
            }
            _ => None,
        }
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
        let known = match module {
            "koa" => matches!(last, None | Some("Koa" | "default")),
            m if ROUTER_MODULES.contains(&m) => matches!(last, None | Some("Router" | "default")),
            m => DERIVED_ROUTERS
                .iter()
                .any(|(module, name)| *module == m && last == Some(*name)),
        };
        if !known {
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
        let router = routing::own_router(cx, receiver, NAME)?;
        let same = Some(Value::Handle(Handle::Router(router)));
        if METHODS.contains(&method) {
            if call.args.len() < 2 {
                return Some(Value::unknown(method));
            }
            let args = cx.eval_args(&call.args, env);
            register(cx, router, method, &args, env, site);
            return same;
        }
        match method {
            "register" => {
                let args = cx.eval_args(&call.args, env);
                if let [path, methods, middleware, ..] = args.as_slice() {
                    let methods = routing::method_names(&methods.value);
                    routing::register(
                        cx,
                        router,
                        &methods,
                        path,
                        std::slice::from_ref(middleware),
                        &[],
                        env,
                        site,
                    );
                }
                same
            }
            "use" => {
                let args: Vec<Arg> = cx
                    .eval_args(&call.args, env)
                    .into_iter()
                    .filter(|a| !a.label.ends_with(".allowedMethods()"))
                    .collect();
                routing::apply_use(cx, router, &args, &child_of);
                same
            }
            "prefix" => {
                let args = cx.eval_args(&call.args, env);
                if let Some(p) = args.first() {
                    let prefix = path_texts(p).remove(0);
                    set_prefix(cx, router, prefix);
                }
                same
            }
            "routes" | "middleware" => Some(Value::Handle(Handle::Router(outer_of(cx, router)))),
            _ => Some(Value::unknown(method)),
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
        if !METHODS.contains(&method)
            || !routing::route_shaped(call)
            || !routing::unresolved_belongs_to(cx, site.file, &ROUTER_MODULES)
        {
            return None;
        }
        let router = routing::unresolved_router(cx, NAME, receiver, env, site);
        let args = cx.eval_args(&call.args, env);
        register(cx, router, method, &args, env, site);
        Some(Value::Handle(Handle::Router(router)))
    }
}

/// `new Router({ prefix })`: the node routes go to, mounted under the prefix in the node
/// `routes()` hands out.
fn new_router(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, site: Site) -> Value {
    let key = (site.file, call.span.start, env.ctx);
    let args = cx.eval_args(&call.args, env);
    let prefix = args
        .first()
        .and_then(|a| text_prop(&a.value, "prefix"))
        .unwrap_or_else(|| Text::literal(""));
    let outer = cx.router(key, NAME, RouterKind::Router, site);
    let inner_key = (site.file, call.name_span.start | 0x8000_0000, env.ctx);
    let inner = cx.router(inner_key, NAME, RouterKind::Router, site);
    cx.state::<KoaState>().outer.insert(inner, outer);
    if !cx
        .graph
        .mounts
        .iter()
        .any(|m| m.parent == outer && m.child == inner)
    {
        routing::mount(cx, outer, inner, prefix, Vec::new());
    }
    Value::Handle(Handle::Router(inner))
}

/// `METHOD([name,] path, ...middleware, handler)`.
fn register(
    cx: &mut Interp<'_>,
    router: RouterId,
    method: &str,
    args: &[Arg],
    env: &Rc<Env>,
    site: Site,
) {
    let named =
        args.len() >= 3 && matches!(args[0].value, Value::Text(_)) && is_path(&args[1].value);
    let args = if named { &args[1..] } else { args };
    let method = if method == "del" { "delete" } else { method };
    routing::register(
        cx,
        router,
        &[method.to_string()],
        &args[0],
        &args[1..],
        &[],
        env,
        site,
    );
}
