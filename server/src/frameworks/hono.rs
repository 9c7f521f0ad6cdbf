//! Hono: `new Hono()`, `basePath(prefix)`, `METHOD(path?, ...middleware, handler)`, `on(methods,
//! paths, ...)`, `use(path?, ...middleware)`, `route(prefix, sub)`; `OpenAPIHono` with routes
//! declared by `createRoute({ method, path })` and registered by `openapi(route, handler)`, and
//! `doc(path, ...)` serving the document.

use std::collections::HashMap;
use std::rc::Rc;

use crate::facts::Call;
use crate::resolve::graph::{NodeKey, RouterId, RouterKind};
use crate::resolve::value::{Arg, Env, Site, Text, Value};
use crate::resolve::Interp;

use super::routing::{self, is_path, path_texts, synthetic_arg, text_prop};
use super::{Framework, Handle};

pub struct Hono;

const NAME: &str = "hono";

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "options", "all"];

#[derive(Default)]
struct HonoState {
    /// A `basePath(...)` view's app: the one whose routes it shares.
    root_of: HashMap<RouterId, RouterId>,
    /// The path of the last registration on an app, for `app.get('/x', h).post(h2)`.
    last_path: HashMap<RouterId, Arg>,
}

fn is_hono_module(module: &str) -> bool {
    module == "hono"
        || module.starts_with("hono/")
        || module == "@hono/zod-openapi"
        || module == "@hono/openapi"
}

/// OpenAPI paths write parameters as `{id}`; the inventory writes them as `:id`.
fn openapi_path(text: &Text) -> Text {
    let mut out = String::new();
    let mut chars = text.text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && !text.text.contains("${") {
            let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
            out.push(':');
            out.push_str(&name);
        } else {
            out.push(c);
        }
    }
    Text {
        text: out,
        dynamic: text.dynamic,
    }
}

/// `use('/api/*', mw)` applies under `/api`; `use('*', mw)` everywhere.
fn use_prefix(text: Text) -> Option<Text> {
    let trimmed = text.text.trim_end_matches('*').trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    Some(Text {
        text: trimmed.to_string(),
        dynamic: text.dynamic,
    })
}

impl Framework for Hono {
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
        if !is_hono_module(module) {
            return None;
        }
        match path
            .iter()
            .map(|p| p.as_ref())
            .collect::<Vec<_>>()
            .as_slice()
        {
            // `createFactory().createApp()` from hono/factory is an app too.
            ["Hono"] | ["OpenAPIHono"] | ["createFactory", "()", "createApp"] => {
                let key = (site.file, call.span.start, env.ctx);
                let id = cx.router(key, NAME, RouterKind::App, site);
                Some(Value::Handle(Handle::Router(id)))
            }
            // `createRoute(config)` returns its configuration.
            ["createRoute"] => Some(
                call.args
                    .first()
                    .map(|a| cx.eval(a, env))
                    .unwrap_or_else(|| Value::unknown("createRoute")),
            ),
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
        if !is_hono_module(module) || !matches!(last, Some("Hono" | "OpenAPIHono")) {
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
            let args = cx.eval_args(&call.args, env);
            let methods = [method.to_string()];
            register(cx, router, &methods, &args, env, site);
            return same;
        }
        match method {
            "on" => {
                let args = cx.eval_args(&call.args, env);
                let methods = args
                    .first()
                    .map(|a| routing::method_names(&a.value))
                    .unwrap_or_default();
                if !methods.is_empty() {
                    register(cx, router, &methods, &args[1..], env, site);
                }
                same
            }
            "use" => {
                let args = cx.eval_args(&call.args, env);
                let (prefixes, items) = match args.first() {
                    Some(first) if is_path(&first.value) => (path_texts(first), &args[1..]),
                    _ => (Vec::new(), &args[..]),
                };
                let prefixes: Vec<Text> = prefixes.into_iter().filter_map(use_prefix).collect();
                let middleware = routing::flatten_arrays(cx, items)
                    .iter()
                    .map(|a| cx.middleware(a))
                    .collect();
                let seq = cx.next_seq();
                routing::add_uses(cx, router, prefixes, middleware, seq);
                same
            }
            "route" => {
                let args = cx.eval_args(&call.args, env);
                if let [prefix, sub, ..] = args.as_slice() {
                    if let Value::Handle(Handle::Router(child)) = sub.value {
                        let child = root_of(cx, child);
                        for p in path_texts(prefix) {
                            routing::mount(cx, router, child, p, Vec::new());
                        }
                    }
                }
                same
            }
            "basePath" => {
                let args = cx.eval_args(&call.args, env);
                let key = (site.file, call.name_span.start, env.ctx);
                let view = cx.router(key, NAME, RouterKind::Router, site);
                let prefix = args
                    .first()
                    .map(|a| path_texts(a).remove(0))
                    .unwrap_or_else(|| Text::literal(""));
                routing::mount(cx, router, view, prefix, Vec::new());
                let root = root_of(cx, router);
                cx.state::<HonoState>().root_of.insert(view, root);
                Some(Value::Handle(Handle::Router(view)))
            }
            "openapi" => {
                let args = cx.eval_args(&call.args, env);
                let Some(route) = args.first() else {
                    return same;
                };
                let methods = routing::method_names(
                    routing::prop(&route.value, "method").unwrap_or(&Value::Nullish),
                );
                let path = text_prop(&route.value, "path")
                    .map(|t| openapi_path(&t))
                    .unwrap_or_else(|| Text::unknown(&format!("{}.path", route.label)));
                let middleware =
                    routing::option_items(cx, call.args.first(), &route.value, "middleware", env);
                let mut path_arg = synthetic_arg(Value::Text(path));
                path_arg.site = route.site;
                routing::register(
                    cx,
                    router,
                    &methods,
                    &path_arg,
                    args.get(1..2).unwrap_or(&[]),
                    &middleware,
                    env,
                    site,
                );
                same
            }
            "doc" | "doc31" => {
                let args = cx.eval_args(&call.args, env);
                if let Some(path) = args.first() {
                    for p in path_texts(path) {
                        cx.add_route(router, "GET", p, site, None, &[], env);
                    }
                }
                same
            }
            "mount" | "notFound" | "onError" => same,
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
            || !routing::unresolved_belongs_to(cx, site.file, &["hono", "@hono/"])
        {
            return None;
        }
        let router = routing::unresolved_router(cx, NAME, receiver, env, site);
        let args = cx.eval_args(&call.args, env);
        register(cx, router, &[method.to_string()], &args, env, site);
        Some(Value::Handle(Handle::Router(router)))
    }
}

/// The app whose routes a `basePath` view shares.
fn root_of(cx: &mut Interp<'_>, router: RouterId) -> RouterId {
    cx.state::<HonoState>()
        .root_of
        .get(&router)
        .copied()
        .unwrap_or(router)
}

/// `METHOD(path?, ...middleware, handler)`: without a path, the last one registered on the app.
fn register(
    cx: &mut Interp<'_>,
    router: RouterId,
    methods: &[String],
    args: &[Arg],
    env: &Rc<Env>,
    site: Site,
) {
    let (path, rest) = match args.first() {
        Some(first) if is_path(&first.value) => {
            cx.state::<HonoState>()
                .last_path
                .insert(router, first.clone());
            (first.clone(), &args[1..])
        }
        _ => {
            let last = cx.state::<HonoState>().last_path.get(&router).cloned();
            let mut path = last.unwrap_or_else(|| synthetic_arg(Value::Text(Text::literal("/"))));
            path.site = None;
            (path, args)
        }
    };
    if rest.is_empty() {
        return;
    }
    routing::register(cx, router, methods, &path, rest, &[], env, site);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_parameters_are_written_express_style() {
        let p = |s: &str| openapi_path(&Text::literal(s)).text;
        assert_eq!(p("/users/{id}"), "/users/:id");
        assert_eq!(p("/a/{x}/b/{y}"), "/a/:x/b/:y");
        assert_eq!(p("/plain"), "/plain");
    }

    #[test]
    fn middleware_paths_cover_what_is_under_them() {
        let u = |s: &str| use_prefix(Text::literal(s)).map(|t| t.text);
        assert_eq!(u("*"), None);
        assert_eq!(u("/*"), None);
        assert_eq!(u("/api/*"), Some("/api".to_string()));
        assert_eq!(u("/api"), Some("/api".to_string()));
    }
}
