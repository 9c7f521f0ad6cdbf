//! routing-controllers: `@Controller('/x')` / `@JsonController('/x')` classes with `@Get`/`@Post`/...
//! actions, the `routePrefix` of `useExpressServer`/`createExpressServer` (and the Koa variants),
//! and `@UseBefore(...)` / `@Authorized(...)` as middleware and auth.

use std::rc::Rc;

use crate::facts::{Call, Expr};
use crate::resolve::graph::{Middleware, Mount, RouteReg, RouterId, RouterKind};
use crate::resolve::value::{ClassRef, Env, Object, Site, Text, Value};
use crate::resolve::{describe, Interp};
use crate::workspace::FileId;

use super::nestjs::{
    decorators, join, method_value, named_with_args, path_list, route_methods, Dec,
};
use super::{Framework, Handle};

pub struct RoutingControllers;

const NAME: &str = "routing-controllers";
const MODULE: &str = "routing-controllers";

/// Keeps these controllers' routers apart from other routers.
const CONTROLLER_CTX: u64 = 0x5243_5452_4c53;

const ROUTE_DECORATORS: [(&str, &str); 7] = [
    ("Get", "GET"),
    ("Post", "POST"),
    ("Put", "PUT"),
    ("Patch", "PATCH"),
    ("Delete", "DELETE"),
    ("Head", "HEAD"),
    ("All", "ALL"),
];

/// One server set-up call: its route prefix and the controllers it lists (`None` when they are
/// given as glob strings, which match any controller).
struct Server {
    prefix: Text,
    controllers: Option<Vec<ClassRef>>,
    /// The Express app the controllers are registered on, and when: its middleware registered
    /// before applies to them.
    app: Option<(RouterId, u64)>,
}

#[derive(Default)]
struct State {
    servers: Vec<Server>,
    prescanned: bool,
}

const SETUP_CALLS: [&str; 4] = [
    "useExpressServer",
    "createExpressServer",
    "useKoaServer",
    "createKoaServer",
];

/// Server set-up written inside a function nothing visibly calls (a loader handed to a
/// bootstrapping library) runs before the controllers are read, so that its `routePrefix`
/// applies to them.
fn prescan(cx: &mut Interp<'_>) {
    if cx.state::<State>().prescanned {
        return;
    }
    cx.state::<State>().prescanned = true;
    for file in 0..cx.file_count() as FileId {
        if !cx.file_imports(file, MODULE) {
            continue;
        }
        let facts = cx.facts(file);
        for site in &facts.calls {
            let Expr::Call(call) = &site.expr else {
                continue;
            };
            let name = match &call.callee {
                Expr::Ident(n, _) | Expr::Member(_, n, _) => n.as_str(),
                _ => continue,
            };
            let Some(function) = site.scope else {
                continue;
            };
            if !SETUP_CALLS.contains(&name) {
                continue;
            }
            let env = Rc::new(Env {
                file,
                function: Some(function),
                args: Vec::new(),
                bound: false,
                this: None,
                loops: Vec::new(),
                parent: Some(cx.module_env(file)),
                ctx: 0,
                ctx_depth: 0,
            });
            cx.eval(&site.expr, &env);
        }
    }
}

fn record_options(
    cx: &mut Interp<'_>,
    options: &Value,
    written: Option<&Expr>,
    app: Option<RouterId>,
) {
    // An unknown prefix reads as written: `${env.app.routePrefix}`.
    let written_prefix = match written {
        Some(Expr::Object(props, _)) => props.iter().find_map(|p| match p {
            crate::facts::Prop::KeyValue(k, v) if k == "routePrefix" => Some(describe(v)),
            _ => None,
        }),
        _ => None,
    };
    let Value::Object(o) = options else {
        return;
    };
    let o: Rc<Object> = o.clone();
    let get = |k: &str| {
        o.props
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v)
    };
    let prefix = match get("routePrefix") {
        Some(Value::Text(t)) => t.clone(),
        Some(Value::Nullish) | None => Text::literal(""),
        Some(Value::Unknown(source)) => Text::unknown(written_prefix.as_deref().unwrap_or(source)),
        Some(_) => Text::unknown(written_prefix.as_deref().unwrap_or("routePrefix")),
    };
    let controllers = match get("controllers") {
        Some(Value::Array(items)) if items.iter().all(|v| matches!(v, Value::Class(_))) => Some(
            items
                .iter()
                .filter_map(|v| match v {
                    Value::Class(c) => Some(*c),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    };
    if cx
        .state::<State>()
        .servers
        .iter()
        .any(|s| s.prefix == prefix && s.controllers == controllers)
    {
        return;
    }
    let app = app.map(|id| (id, cx.next_seq()));
    cx.state::<State>().servers.push(Server {
        prefix,
        controllers,
        app,
    });
}

impl Framework for RoutingControllers {
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
        if module != MODULE {
            return None;
        }
        let names: Vec<&str> = path.iter().map(|p| p.as_ref()).collect();
        match names.as_slice() {
            ["useExpressServer" | "useKoaServer"] => {
                let args = cx.eval_args(&call.args, env);
                let app = match args.first().map(|a| &a.value) {
                    Some(Value::Handle(Handle::Router(id))) => Some(*id),
                    _ => None,
                };
                if let Some(options) = args.get(1) {
                    record_options(cx, &options.value, call.args.get(1), app);
                }
                args.first().map(|a| a.value.clone())
            }
            ["createExpressServer" | "createKoaServer"] => {
                let args = cx.eval_args(&call.args, env);
                // The Express app it creates: raw routes registered on it count.
                let id = cx.router(
                    (site.file, call.span.start, env.ctx),
                    "express",
                    RouterKind::App,
                    site,
                );
                let express = names[0] == "createExpressServer";
                if let Some(options) = args.first() {
                    record_options(cx, &options.value, call.args.first(), express.then_some(id));
                }
                Some(Value::Handle(Handle::Router(id)))
            }
            _ => None,
        }
    }

    fn class_declared(&self, cx: &mut Interp<'_>, class: ClassRef) {
        let facts = cx.facts(class.file);
        let Some(decl) = facts.class(class.id) else {
            return;
        };
        if decl.decorators.is_empty() {
            return;
        }
        let origin = Site {
            file: class.file,
            call: decl.span,
            name: decl.name_span,
        };
        let key_start = decl.span.start;
        let is_controller = decl.decorators.iter().any(|d| match &d.expr {
            Expr::Call(c) => matches!(&c.callee,
                Expr::Ident(n, _) | Expr::Member(_, n, _) if n.ends_with("Controller")),
            _ => false,
        });
        if !is_controller {
            return;
        }
        prescan(cx);
        let decs = decorators(cx, &decl.decorators, class.file);
        let Some(ctrl) = decs
            .iter()
            .find(|d| d.is(MODULE, "Controller") || d.is(MODULE, "JsonController"))
        else {
            return;
        };
        let base = path_list(ctrl.args.first());
        let class_mw = middleware_of(&decs);
        // Under each server that lists it: mounted on its Express app when the code shows it,
        // else with the prefix written into the path.
        let mut mounts: Vec<(RouterId, u64, Text)> = Vec::new();
        let mut prefixes: Vec<Text> = Vec::new();
        for s in &cx.state::<State>().servers {
            if !s.controllers.as_ref().is_none_or(|l| l.contains(&class)) {
                continue;
            }
            match s.app {
                Some((app, seq)) => mounts.push((app, seq, s.prefix.clone())),
                None => prefixes.push(s.prefix.clone()),
            }
        }
        if mounts.is_empty() && prefixes.is_empty() {
            prefixes.push(Text::literal(""));
        }
        let mut routers: Vec<(RouterId, Text)> = Vec::new();
        if !mounts.is_empty() {
            let id = cx.router(
                (class.file, key_start, CONTROLLER_CTX + 1),
                NAME,
                RouterKind::Router,
                origin,
            );
            for (app, seq, prefix) in mounts {
                cx.graph.add_mount(Mount {
                    parent: app,
                    child: id,
                    prefix,
                    middleware: Vec::new(),
                    seq,
                });
            }
            routers.push((id, Text::literal("")));
        }
        if !prefixes.is_empty() {
            let id = cx.router(
                (class.file, key_start, CONTROLLER_CTX),
                NAME,
                RouterKind::App,
                origin,
            );
            routers.extend(prefixes.into_iter().map(|p| (id, p)));
        }
        for method in route_methods(cx, class, MODULE, &ROUTE_DECORATORS) {
            let (owner, function, mdecs) = (method.owner, method.function, method.decorators);
            let routes: Vec<(&str, &Dec)> = method
                .routes
                .iter()
                .map(|(m, i)| (*m, &mdecs[*i]))
                .collect();
            let method_mw = middleware_of(&mdecs);
            // `@Authorized()` on the action replaces the controller's.
            let mut middleware: Vec<Middleware> = Vec::new();
            if let Some(name) = method_mw.authorized.clone().or(class_mw.authorized.clone()) {
                middleware.push(Middleware {
                    name,
                    rate_limit: None,
                });
            }
            middleware.extend(class_mw.before.iter().cloned());
            middleware.extend(method_mw.before.iter().cloned());
            let handler_arg = method_value(cx, class, owner.file, function);
            let handler = cx.handler_ref(&handler_arg);
            for (http, dec) in &routes {
                for (router, prefix) in &routers {
                    for b in &base {
                        for p in path_list(dec.args.first()) {
                            let full = join(&[prefix, b, &p]);
                            let seq = cx.next_seq();
                            cx.graph.add_route(
                                *router,
                                RouteReg {
                                    method: http.to_string(),
                                    path: full,
                                    site: dec.site,
                                    handler: Some(handler.clone()),
                                    middleware: middleware.clone(),
                                    seq,
                                },
                            );
                        }
                    }
                }
            }
            let env = cx.module_env(owner.file);
            cx.run_handler(&env, &handler_arg, Vec::new(), routes[0].1.site);
        }
    }
}

#[derive(Default)]
struct Level {
    authorized: Option<String>,
    before: Vec<Middleware>,
}

fn middleware_of(decs: &[Dec]) -> Level {
    let mut level = Level::default();
    for d in decs {
        if d.is(MODULE, "Authorized") {
            level.authorized = Some(named_with_args(d));
        } else if d.is(MODULE, "UseBefore") {
            for a in &d.args {
                let rate_limit = match &a.value {
                    Value::External(e) => e.rate_limit.as_ref().map(|r| r.to_string()),
                    _ => None,
                };
                level.before.push(Middleware {
                    name: a.label.to_string(),
                    rate_limit,
                });
            }
        }
    }
    level
}
