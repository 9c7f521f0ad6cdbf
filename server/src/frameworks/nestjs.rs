//! NestJS: decorated controllers (`@Controller` + `@Get`/`@Post`/...), the application's global
//! prefix and URI versioning, `RouterModule` path trees, guards (class, method and global through
//! `APP_GUARD` or `useGlobalGuards`, with `SetMetadata`-based opt-outs such as `@Public()`),
//! roles and throttling; gateways (`@WebSocketGateway` + `@SubscribeMessage`) and the emits of
//! their `@WebSocketServer()` server and connected sockets, in the gateway's namespace. Routes
//! registered on the underlying adapter (`app.getHttpAdapter().getInstance().get(...)`) are
//! Express routes.
//!
//! Decorators are read from the class facts and evaluated in their file's top-level environment,
//! so constants in their arguments resolve across files. A decorator counts only when it resolves
//! to the right package: `@Get` from anywhere else is not a route.

use std::collections::HashMap;
use std::rc::Rc;

use crate::facts::{Call, Decorator, Expr, FnId};
use crate::resolve::graph::{
    EventKind, HandlerRef, Middleware, NodeKey, RouteReg, RouterKind, SocketEventReg,
};
use crate::resolve::value::{
    Arg, ClassRef, Env, External, FnRef, FnValue, Instance, Object, Site, Text, Value,
};
use crate::resolve::{describe, rate_limit, Interp};
use crate::workspace::FileId;

use super::{Framework, Handle};

pub struct NestJs;

const NAME: &str = "nestjs";
const COMMON: &str = "@nestjs/common";
const SWAGGER: &str = "@nestjs/swagger";
const CORE: &str = "@nestjs/core";
const WEBSOCKETS: &str = "@nestjs/websockets";
const THROTTLER: &str = "@nestjs/throttler";

/// Keeps the routers of decorated controllers apart from routers created by calls.
const CONTROLLER_CTX: u64 = 0x4e45_5354_4a53;

/// Method decorators that declare a route, with the HTTP method they register.
const ROUTE_DECORATORS: [(&str, &str); 10] = [
    ("Get", "GET"),
    ("Post", "POST"),
    ("Put", "PUT"),
    ("Patch", "PATCH"),
    ("Delete", "DELETE"),
    ("All", "ALL"),
    ("Options", "OPTIONS"),
    ("Head", "HEAD"),
    ("Search", "SEARCH"),
    ("Sse", "GET"),
];

#[derive(Clone, Debug)]
struct Exclude {
    path: String,
    /// Upper-case method, or `None` for all.
    method: Option<String>,
}

#[derive(Clone, Debug)]
struct Versioning {
    /// The `v` in `/v1`; empty when `prefix: false`.
    prefix: String,
    default: Option<Vec<Option<Text>>>,
}

#[derive(Clone, Debug)]
struct GlobalGuard {
    name: String,
    class: Option<ClassRef>,
}

#[derive(Default)]
struct State {
    prefix: Option<Text>,
    exclude: Vec<Exclude>,
    /// Set by `enableVersioning({ type: VersioningType.URI })`; other types leave paths alone.
    versioning: Option<Versioning>,
    global_guards: Vec<GlobalGuard>,
    /// `RouterModule.register([...])` trees, as evaluated.
    router_trees: Vec<Value>,
    /// The default limit of `ThrottlerModule.forRoot(...)`.
    throttle_default: Option<String>,
    scanned: bool,
    gateways_prepared: bool,
    setup_prescanned: bool,
    /// The `RouterModule` path of each controller's module.
    module_paths: HashMap<ClassRef, Text>,
    /// Metadata keys each guard class reads through the `Reflector`.
    guard_keys: HashMap<ClassRef, Vec<String>>,
    /// Middleware bound in modules' `configure(consumer)`.
    consumers: Vec<Binding>,
}

/// `consumer.apply(...middleware).exclude(...routes).forRoutes(...routes)`.
#[derive(Clone, Debug)]
struct Binding {
    middleware: Vec<String>,
    routes: Vec<RouteTarget>,
    exclude: Vec<RouteTarget>,
}

/// What `forRoutes`/`exclude` name: a controller, or a path (with wildcards) and a method.
#[derive(Clone, Debug)]
enum RouteTarget {
    Controller(ClassRef),
    Path {
        path: String,
        method: Option<String>,
    },
}

/// A decorator as resolved: where it comes from, its name, and its evaluated arguments.
#[derive(Clone, Debug)]
pub(super) struct Dec {
    /// The package it is imported from; `None` for one the code defines.
    pub module: Option<Rc<str>>,
    pub name: String,
    pub args: Vec<Arg>,
    pub called: bool,
    pub site: Site,
    /// `SetMetadata(key, value)` behind it, when the code shows it.
    pub metadata: Option<(String, Value)>,
}

impl Dec {
    pub fn is(&self, module: &str, name: &str) -> bool {
        self.module.as_deref() == Some(module) && self.name == name
    }
}

/// Resolves a list of decorators written in `file`; decorators that expand into others
/// (`applyDecorators(...)`) are replaced by what they expand to.
pub(super) fn decorators(cx: &mut Interp<'_>, decs: &[Decorator], file: FileId) -> Vec<Dec> {
    let env = cx.module_env(file);
    let mut out = Vec::new();
    for d in decs {
        resolve_decorator(cx, &d.expr, &env, None, &mut out, 0);
    }
    out
}

fn resolve_decorator(
    cx: &mut Interp<'_>,
    expr: &Expr,
    env: &Rc<Env>,
    outer: Option<Site>,
    out: &mut Vec<Dec>,
    depth: u32,
) {
    if depth > 6 {
        return;
    }
    let (callee, args_exprs, site, called): (&Expr, &[Expr], Site, bool) = match expr {
        Expr::Call(call) => (
            &call.callee,
            &call.args,
            Site {
                file: env.file,
                call: call.span,
                name: call.name_span,
            },
            true,
        ),
        Expr::Ident(_, span) | Expr::Member(_, _, span) => (
            expr,
            &[],
            Site {
                file: env.file,
                call: *span,
                name: *span,
            },
            false,
        ),
        _ => return,
    };
    let site = outer.unwrap_or(site);
    let name = match callee {
        Expr::Ident(n, _) | Expr::Member(_, n, _) => n.clone(),
        other => describe(other),
    };
    let value = cx.eval(callee, env);
    let args = cx.eval_args(args_exprs, env);
    match value {
        Value::External(e) => {
            let ext_name = e
                .path
                .iter()
                .rev()
                .find(|p| p.as_ref() != "()")
                .map(|p| p.to_string())
                .unwrap_or(name);
            let metadata = if ext_name == "SetMetadata" && e.module.as_ref() == COMMON {
                metadata_of(&args)
            } else {
                None
            };
            out.push(Dec {
                module: Some(e.module.clone()),
                name: ext_name,
                args,
                called,
                site,
                metadata,
            });
        }
        Value::Function(f) => {
            // A decorator the code defines: look at what it returns.
            let facts = cx.facts(f.func.file);
            let Some(func) = facts.function(f.func.id) else {
                return;
            };
            let fenv = Rc::new(Env {
                file: f.func.file,
                function: Some(f.func.id),
                args: args.clone(),
                bound: called,
                this: None,
                loops: Vec::new(),
                parent: Some(f.env.clone().unwrap_or_else(|| cx.module_env(f.func.file))),
                // Each use of the decorator is its own call: what it computes from its
                // arguments is not shared with other uses.
                ctx: decorator_ctx(site),
                ctx_depth: 1,
            });
            let mut metadata = None;
            // With several returns (one per shape of the arguments), the one that passes on
            // what the decorator was given (its parameters and what it derives from them).
            let mut params: Vec<&str> = func
                .params
                .iter()
                .filter_map(|p| match &p.pattern {
                    crate::facts::Pattern::Ident(n, _) => Some(n.as_str()),
                    crate::facts::Pattern::Rest(inner) => match inner.as_ref() {
                        crate::facts::Pattern::Ident(n, _) => Some(n.as_str()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            params.extend(
                facts
                    .bindings
                    .iter()
                    .filter(|b| b.scope == Some(f.func.id))
                    .map(|b| b.name.as_str()),
            );
            let calls: Vec<&Call> = func
                .returns
                .iter()
                .filter_map(|r| match r {
                    Expr::Call(c) => Some(c.as_ref()),
                    _ => None,
                })
                .collect();
            let chosen = if called && !args.is_empty() && calls.len() > 1 {
                calls
                    .iter()
                    .find(|c| c.args.iter().any(|a| mentions(a, &params)))
                    .or(calls.first())
                    .copied()
            } else {
                calls.first().copied()
            };
            if let Some(ret) = chosen {
                if let Value::External(e) = cx.eval(&ret.callee, &fenv) {
                    let last = e.path.last().map(|p| p.to_string()).unwrap_or_default();
                    match (e.module.as_ref(), last.as_str()) {
                        (COMMON, "applyDecorators") => {
                            for inner in &ret.args {
                                resolve_decorator(cx, inner, &fenv, Some(site), out, depth + 1);
                            }
                        }
                        (COMMON, "SetMetadata") => {
                            let margs = cx.eval_args(&ret.args, &fenv);
                            metadata = metadata_of(&margs);
                        }
                        // A decorator that forwards to a framework's own
                        // (`ApiController('x')` returning `Controller(...)`).
                        _ => {
                            let fargs = cx.eval_args(&ret.args, &fenv);
                            out.push(Dec {
                                module: Some(e.module.clone()),
                                name: last,
                                args: fargs,
                                called: true,
                                site,
                                metadata: None,
                            });
                        }
                    }
                }
            }
            // The user's decorator stays visible by its own name (roles, public markers) next
            // to what it expands to.
            out.push(Dec {
                module: None,
                name,
                args,
                called,
                site,
                metadata,
            });
        }
        _ => out.push(Dec {
            module: None,
            name,
            args,
            called,
            site,
            metadata: None,
        }),
    }
}

fn metadata_of(args: &[Arg]) -> Option<(String, Value)> {
    let key = match &args.first()?.value {
        Value::Text(t) => t.text.clone(),
        _ => args[0].label.to_string(),
    };
    Some((
        key,
        args.get(1)
            .map(|a| a.value.clone())
            .unwrap_or(Value::Bool(true)),
    ))
}

/// The paths a decorator argument stands for: none given is `""`, an array is several.
pub(super) fn path_list(arg: Option<&Arg>) -> Vec<Text> {
    match arg.map(|a| (&a.value, a)) {
        None => vec![Text::literal("")],
        Some((Value::Nullish, _)) => vec![Text::literal("")],
        Some((Value::Text(t), _)) => vec![t.clone()],
        Some((Value::Array(items), a)) => {
            let list: Vec<Text> = items
                .iter()
                .map(|v| match v {
                    Value::Text(t) => t.clone(),
                    _ => Text::unknown(&a.label),
                })
                .collect();
            if list.is_empty() {
                vec![Text::literal("")]
            } else {
                list
            }
        }
        Some((_, a)) => vec![Text::unknown(&a.label)],
    }
}

/// Joins path segments the way Nest and routing-controllers do: one slash between parts, a
/// leading slash, no trailing slash except for the root.
pub(super) fn join(parts: &[&Text]) -> Text {
    let mut out = String::new();
    let mut dynamic = false;
    for part in parts {
        dynamic |= part.dynamic;
        let p = part.text.trim().trim_matches('/');
        if p.is_empty() {
            continue;
        }
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    Text { text: out, dynamic }
}

/// A value as a person would write it in a decorator's arguments.
pub(super) fn value_text(arg: &Arg) -> String {
    match &arg.value {
        Value::Text(t) if !t.dynamic => format!("'{}'", t.text),
        // A numeric enum member reads better by its name: `RoleEnum.admin`, not `1`.
        Value::Num(n) if arg.label.parse::<f64>().is_err() && arg.label.as_ref() != "…" => {
            let _ = n;
            arg.label.to_string()
        }
        Value::Num(n) => crate::resolve::describe(&Expr::Num(*n)),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| {
                    value_text(&Arg {
                        value: v.clone(),
                        label: Rc::from("…"),
                        site: None,
                        inner: None,
                    })
                })
                .collect();
            format!("[{}]", parts.join(", "))
        }
        _ => arg.label.to_string(),
    }
}

/// `Roles('admin', 'editor')`: a decorator named with its arguments' values.
pub(super) fn named_with_args(dec: &Dec) -> String {
    if !dec.called || dec.args.is_empty() {
        return dec.name.clone();
    }
    let args: Vec<String> = dec.args.iter().map(value_text).collect();
    format!("{}({})", dec.name, args.join(", "))
}

/// A guard (or middleware) passed as a value: `JwtAuthGuard`, `AuthGuard('jwt')`,
/// `new RolesGuard(reflector)` is `RolesGuard`.
pub(super) fn guard_name(cx: &Interp<'_>, arg: &Arg) -> (String, Option<ClassRef>) {
    match &arg.value {
        Value::Class(c) => (class_name(cx, *c), Some(*c)),
        Value::Instance(i) => (class_name(cx, i.class), Some(i.class)),
        _ => {
            let label = arg.label.trim_start_matches("new ").to_string();
            (label, None)
        }
    }
}

pub(super) fn class_name(cx: &Interp<'_>, c: ClassRef) -> String {
    cx.facts(c.file)
        .class(c.id)
        .and_then(|k| k.name.clone())
        .unwrap_or_else(|| "<class>".into())
}

/// The classes from `class` up through what it extends.
pub(super) fn class_chain(cx: &mut Interp<'_>, class: ClassRef) -> Vec<ClassRef> {
    let mut chain = vec![class];
    let mut current = class;
    while chain.len() < 12 {
        let Some(extends) = cx
            .facts(current.file)
            .class(current.id)
            .and_then(|c| c.extends.clone())
        else {
            break;
        };
        let env = cx.module_env(current.file);
        match cx.eval(&extends, &env) {
            Value::Class(parent) if !chain.contains(&parent) => {
                chain.push(parent);
                current = parent;
            }
            _ => break,
        }
    }
    chain
}

/// The methods of a class and of the classes it extends, nearest first, each name once.
pub(super) fn methods_with_inherited(
    cx: &mut Interp<'_>,
    class: ClassRef,
) -> Vec<(ClassRef, usize)> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for c in class_chain(cx, class) {
        let facts = cx.facts(c.file);
        let Some(decl) = facts.class(c.id) else {
            continue;
        };
        for (i, m) in decl.methods.iter().enumerate() {
            if m.is_static || m.name == "constructor" || seen.contains(&m.name) {
                continue;
            }
            seen.push(m.name.clone());
            out.push((c, i));
        }
    }
    out
}

/// The handler value of a method, taken from an instance of `class`.
pub(super) fn method_value(cx: &Interp<'_>, class: ClassRef, file: FileId, id: FnId) -> Arg {
    let this = Rc::new(Value::Instance(Rc::new(Instance {
        class,
        args: Vec::new(),
    })));
    Arg {
        value: Value::Function(FnValue {
            func: FnRef { file, id },
            env: Some(cx.module_env(file)),
            this: Some(this),
            owner: None,
            wraps: None,
        }),
        label: Rc::from(""),
        site: None,
        inner: None,
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        _ => None,
    }
}

fn prop<'v>(o: &'v Object, key: &str) -> Option<&'v Value> {
    o.props.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// `limit` requests per `ttl`: milliseconds since @nestjs/throttler 5, seconds before.
fn throttle_rate(limit: &Value, ttl: &Value, seconds: bool) -> Option<String> {
    let limit = num(limit)?;
    let ttl = num(ttl)?;
    let window_ms = if seconds { ttl * 1000.0 } else { ttl };
    rate_limit(&Value::Object(Rc::new(Object {
        name: None,
        props: vec![
            ("limit".into(), Value::Num(limit)),
            ("windowMs".into(), Value::Num(window_ms)),
        ],
        site: None,
    })))
}

/// The rate of throttler options. A bare `{ limit, ttl }` is the @nestjs/throttler 4 form (ttl in
/// seconds); named throttlers `{ default: { limit, ttl } }`, arrays and `{ throttlers: [...] }`
/// are the later forms (ttl in milliseconds).
fn throttle_options(value: &Value) -> Option<String> {
    throttle_options_at(value, true)
}

fn throttle_options_at(value: &Value, top: bool) -> Option<String> {
    match value {
        Value::Array(items) => items.iter().find_map(|v| throttle_options_at(v, false)),
        Value::Object(o) => {
            if let (Some(l), Some(t)) = (prop(o, "limit"), prop(o, "ttl")) {
                return throttle_rate(l, t, top);
            }
            if let Some(t) = prop(o, "throttlers") {
                return throttle_options_at(t, false);
            }
            o.props.iter().find_map(|(_, v)| match v {
                Value::Object(_) => throttle_options_at(v, false),
                _ => None,
            })
        }
        _ => None,
    }
}

fn is_external(value: &Value, module: &str, last: &str) -> bool {
    matches!(value, Value::External(e) if e.module.as_ref() == module
        && e.path.last().map(|p| p.as_ref()) == Some(last))
}

/// A Nest application value, for a parameter typed as one.
fn app_value() -> Value {
    Value::External(Rc::new(External {
        module: Rc::from(CORE),
        path: vec![Rc::from("NestFactory"), Rc::from("create"), Rc::from("()")],
        rate_limit: None,
        label: None,
        wraps: None,
    }))
}

fn is_app_path(path: &[Rc<str>]) -> bool {
    path.first().map(|p| p.as_ref()) == Some("NestFactory")
        && path.iter().any(|p| p.as_ref() == "()")
}

impl Framework for NestJs {
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
        let names: Vec<&str> = path.iter().map(|p| p.as_ref()).collect();
        match (module, names.as_slice()) {
            (CORE, ["RouterModule", "register"])
            | ("nest-router", ["RouterModule", "forRoutes"]) => {
                let args = cx.eval_args(&call.args, env);
                if let Some(a) = args.first() {
                    cx.state::<State>().router_trees.push(a.value.clone());
                }
                None
            }
            (THROTTLER, ["ThrottlerModule", "forRoot"]) => {
                let args = cx.eval_args(&call.args, env);
                if let Some(rate) = args.first().and_then(|a| throttle_options(&a.value)) {
                    cx.state::<State>().throttle_default = Some(rate);
                }
                None
            }
            (THROTTLER, [unit @ ("seconds" | "minutes" | "hours" | "days")]) => {
                let args = cx.eval_args(&call.args, env);
                let n = args.first().and_then(|a| num(&a.value))?;
                let factor = match *unit {
                    "seconds" => 1000.0,
                    "minutes" => 60_000.0,
                    "hours" => 3_600_000.0,
                    _ => 86_400_000.0,
                };
                Some(Value::Num(n * factor))
            }
            (CORE, [..]) if is_app_path(path) => app_call(cx, &names, call, env, site),
            _ => None,
        }
    }

    fn typed(
        &self,
        _cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        _key: NodeKey,
        _site: Site,
        _ty: &str,
    ) -> Option<Value> {
        let last = path.last().map(|p| p.as_ref());
        match (module, last) {
            (COMMON, Some("INestApplication")) => Some(app_value()),
            ("@nestjs/platform-express", Some("NestExpressApplication")) => Some(app_value()),
            ("@nestjs/platform-fastify", Some("NestFastifyApplication")) => Some(app_value()),
            _ => None,
        }
    }

    fn class_declared(&self, cx: &mut Interp<'_>, class: ClassRef) {
        prescan_app_setup(cx);
        prepare_gateways(cx);
        let facts = cx.facts(class.file);
        let Some(decl) = facts.class(class.id) else {
            return;
        };
        if decl.decorators.is_empty() {
            return;
        }
        let decs = decorators(cx, &decl.decorators, class.file);
        if let Some(ctrl) = decs.iter().find(|d| d.is(COMMON, "Controller")) {
            let ctrl = ctrl.clone();
            scan_modules(cx);
            controller(cx, class, &ctrl, &decs);
        } else if let Some(gw) = decs.iter().find(|d| d.is(WEBSOCKETS, "WebSocketGateway")) {
            let gw = gw.clone();
            gateway(cx, class, &gw);
        }
    }
}

/// A method called on the Nest application (or on what its methods return).
fn app_call(
    cx: &mut Interp<'_>,
    names: &[&str],
    call: &Call,
    env: &Rc<Env>,
    site: Site,
) -> Option<Value> {
    let method = *names.last()?;
    // Only methods of the application itself, not of what its getters return.
    let on_app = names.len() >= 3 && names[names.len() - 2] == "()" && {
        let before: Vec<&&str> = names[..names.len() - 2]
            .iter()
            .filter(|p| **p != "()")
            .collect();
        before.len() == 2
    };
    match method {
        "setGlobalPrefix" if on_app => {
            let args = cx.eval_args(&call.args, env);
            let prefix = match args.first().map(|a| &a.value) {
                Some(Value::Text(t)) => t.clone(),
                Some(_) => Text::unknown(&written(&call.args[0])),
                None => return None,
            };
            let mut exclude = Vec::new();
            if let Some(Value::Object(o)) = args.get(1).map(|a| &a.value) {
                if let Some(Value::Array(items)) = prop(o, "exclude") {
                    for item in items.iter() {
                        match item {
                            Value::Text(t) => exclude.push(Exclude {
                                path: t.text.clone(),
                                method: None,
                            }),
                            Value::Object(e) => {
                                let Some(Value::Text(p)) = prop(e, "path") else {
                                    continue;
                                };
                                let method = match prop(e, "method") {
                                    Some(Value::External(m)) => {
                                        m.path.last().map(|x| x.to_string()).filter(|x| x != "ALL")
                                    }
                                    Some(Value::Num(n)) => request_method(*n),
                                    _ => None,
                                };
                                exclude.push(Exclude {
                                    path: p.text.clone(),
                                    method,
                                });
                            }
                            _ => {}
                        }
                    }
                }
            }
            let state = cx.state::<State>();
            state.prefix = Some(prefix);
            state.exclude = exclude;
            None
        }
        "enableVersioning" if on_app => {
            let args = cx.eval_args(&call.args, env);
            let options = match args.first().map(|a| &a.value) {
                Some(Value::Object(o)) => o.clone(),
                _ => return None,
            };
            let uri = match prop(&options, "type") {
                Some(v) => is_external(v, COMMON, "URI") || matches!(v, Value::Num(n) if *n == 0.0),
                None => false,
            };
            if !uri {
                return None;
            }
            let prefix = match prop(&options, "prefix") {
                Some(Value::Text(t)) => t.text.clone(),
                Some(Value::Bool(false)) => String::new(),
                _ => "v".to_string(),
            };
            let default =
                prop(&options, "defaultVersion").map(|v| versions_of(v, "defaultVersion"));
            cx.state::<State>().versioning = Some(Versioning { prefix, default });
            None
        }
        "useGlobalGuards" if on_app => {
            let args = cx.eval_args(&call.args, env);
            for a in &args {
                let (name, class) = guard_name(cx, a);
                let state = cx.state::<State>();
                if !state.global_guards.iter().any(|g| g.name == name) {
                    state.global_guards.push(GlobalGuard { name, class });
                }
            }
            None
        }
        // `NestFactory.create(AppModule).then((app) => ...)`.
        "then" if names.len() == 4 => {
            let callback = call.args.first().map(|a| cx.eval(a, env));
            if let Some(Value::Function(f)) = callback {
                let app = Arg {
                    value: app_value(),
                    label: Rc::from("app"),
                    site: None,
                    inner: None,
                };
                cx.invoke(env, &f, vec![app], None, site, 0);
            }
            None
        }
        "getInstance" => {
            // `app.getHttpAdapter().getInstance()`: the Express app underneath.
            let id = cx.router(
                (site.file, call.span.start, env.ctx),
                "express",
                RouterKind::App,
                site,
            );
            Some(Value::Handle(Handle::Router(id)))
        }
        _ => None,
    }
}

/// `RequestMethod` as a number (its enum order in @nestjs/common).
fn request_method(n: f64) -> Option<String> {
    const ORDER: [&str; 9] = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "ALL", "OPTIONS", "HEAD", "SEARCH",
    ];
    ORDER
        .get(n as usize)
        .filter(|m| **m != "ALL")
        .map(|m| m.to_string())
}

/// The versions a `version`/`@Version()` value stands for; `None` is version-neutral.
fn versions_of(value: &Value, label: &str) -> Vec<Option<Text>> {
    match value {
        Value::Text(t) => vec![Some(t.clone())],
        Value::Num(n) => vec![Some(Text::literal(crate::resolve::describe(&Expr::Num(
            *n,
        ))))],
        Value::Array(items) => items.iter().flat_map(|v| versions_of(v, label)).collect(),
        Value::External(e) if e.path.last().map(|p| p.as_ref()) == Some("VERSION_NEUTRAL") => {
            vec![None]
        }
        _ => vec![Some(Text::unknown(label))],
    }
}

/// Reads every `@Module({...})` once: global guards (`APP_GUARD`), controllers by module, and
/// the `RouterModule` trees and throttler defaults its imports register.
fn scan_modules(cx: &mut Interp<'_>) {
    if cx.state::<State>().scanned {
        return;
    }
    cx.state::<State>().scanned = true;
    let mut controllers_of: HashMap<ClassRef, Vec<ClassRef>> = HashMap::new();
    let mut guards = Vec::new();
    for file in 0..cx.file_count() as FileId {
        let facts = cx.facts(file);
        for (id, class) in facts.classes.iter().enumerate() {
            let is_module = class.decorators.iter().any(|d| match &d.expr {
                Expr::Call(c) => matches!(&c.callee, Expr::Ident(n, _) if n == "Module"),
                _ => false,
            });
            if !is_module {
                continue;
            }
            let decs = decorators(cx, &class.decorators, file);
            let Some(module) = decs.iter().find(|d| d.is(COMMON, "Module")) else {
                continue;
            };
            let Some(Value::Object(o)) = module.args.first().map(|a| &a.value) else {
                continue;
            };
            let me = ClassRef {
                file,
                id: id as u32,
            };
            if let Some(m) = class.method("configure") {
                let bindings = consumer_bindings(cx, file, m.function);
                cx.state::<State>().consumers.extend(bindings);
            }
            if let Some(Value::Array(items)) = prop(o, "controllers") {
                let list = items
                    .iter()
                    .filter_map(|v| match v {
                        Value::Class(c) => Some(*c),
                        _ => None,
                    })
                    .collect();
                controllers_of.insert(me, list);
            }
            if let Some(Value::Array(items)) = prop(o, "providers") {
                for p in items.iter() {
                    let Value::Object(p) = p else { continue };
                    if !prop(p, "provide").is_some_and(|v| is_external(v, CORE, "APP_GUARD")) {
                        continue;
                    }
                    let Some(v) = prop(p, "useClass").or_else(|| prop(p, "useExisting")) else {
                        continue;
                    };
                    let arg = Arg {
                        value: v.clone(),
                        label: Rc::from(cx.label_of(v).as_str()),
                        site: None,
                        inner: None,
                    };
                    guards.push(guard_name(cx, &arg));
                }
            }
        }
    }
    for (name, class) in guards {
        let state = cx.state::<State>();
        if !state.global_guards.iter().any(|g| g.name == name) {
            state.global_guards.push(GlobalGuard { name, class });
        }
    }
    // Keys guards read through the Reflector: what an opt-out decorator must set to skip them.
    let classes: Vec<ClassRef> = cx
        .state::<State>()
        .global_guards
        .iter()
        .filter_map(|g| g.class)
        .collect();
    for class in classes {
        let keys = reflector_keys(cx, class);
        cx.state::<State>().guard_keys.insert(class, keys);
    }
    // RouterModule trees: each module's path, for the controllers it declares.
    let trees = cx.state::<State>().router_trees.clone();
    let mut module_paths: HashMap<ClassRef, Text> = HashMap::new();
    for tree in &trees {
        walk_tree(tree, &Text::literal(""), &mut module_paths, 0);
    }
    let mut by_controller = HashMap::new();
    for (module, path) in module_paths {
        for c in controllers_of.get(&module).into_iter().flatten() {
            by_controller.insert(*c, path.clone());
        }
    }
    cx.state::<State>().module_paths = by_controller;
}

fn walk_tree(value: &Value, base: &Text, out: &mut HashMap<ClassRef, Text>, depth: u32) {
    if depth > 16 {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items.iter() {
                walk_tree(item, base, out, depth + 1);
            }
        }
        Value::Class(c) => {
            out.entry(*c).or_insert_with(|| base.clone());
        }
        Value::Object(o) => {
            let path = match prop(o, "path") {
                Some(Value::Text(t)) => join(&[base, t]),
                Some(_) => join(&[base, &Text::unknown("path")]),
                None => base.clone(),
            };
            if let Some(Value::Class(c)) = prop(o, "module") {
                out.insert(*c, path.clone());
            }
            if let Some(children) = prop(o, "children") {
                walk_tree(children, &path, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The metadata keys a guard class reads (`reflector.getAllAndOverride(IS_PUBLIC_KEY, ...)`).
fn reflector_keys(cx: &mut Interp<'_>, class: ClassRef) -> Vec<String> {
    let facts = cx.facts(class.file);
    let env = cx.module_env(class.file);
    let mut keys = Vec::new();
    for site in &facts.calls {
        let Expr::Call(call) = &site.expr else {
            continue;
        };
        let Expr::Member(_, method, _) = &call.callee else {
            continue;
        };
        if !matches!(
            method.as_str(),
            "get" | "getAllAndOverride" | "getAllAndMerge" | "getAll"
        ) {
            continue;
        }
        let in_class = site.scope.is_some_and(|f| {
            let mut f = Some(f);
            for _ in 0..32 {
                let Some(func) = f.and_then(|f| facts.function(f)) else {
                    return false;
                };
                if func.class == Some(class.id) {
                    return true;
                }
                f = func.parent;
            }
            false
        });
        if !in_class {
            continue;
        }
        if let Some(arg) = call.args.first() {
            if let Value::Text(t) = cx.eval(arg, &env) {
                keys.push(t.text);
            }
        }
    }
    keys
}

/// Whether a decorator opts out of a global guard: it sets a metadata key the guard reads, or,
/// when the guard's code is not visible, it reads as a public marker.
fn opts_out(dec: &Dec, guard: &GlobalGuard, guard_keys: &HashMap<ClassRef, Vec<String>>) -> bool {
    let Some((key, value)) = &dec.metadata else {
        return false;
    };
    if matches!(value, Value::Bool(false)) {
        return false;
    }
    if let Some(keys) = guard.class.and_then(|c| guard_keys.get(&c)) {
        if !keys.is_empty() {
            return keys.contains(key);
        }
    }
    // A public marker opts out of authentication, not of rate limiting.
    if guard.name.to_ascii_lowercase().contains("throttl") {
        return false;
    }
    let lower = format!("{key} {}", dec.name).to_ascii_lowercase();
    [
        "public",
        "skipauth",
        "skip_auth",
        "anonymous",
        "noauth",
        "no_auth",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn is_roles(dec: &Dec) -> bool {
    dec.module.is_none()
        && matches!(
            dec.name.as_str(),
            "Roles" | "Role" | "HasRoles" | "RequireRoles" | "Permissions" | "RequirePermissions"
        )
}

/// What one level (class or method) says about guards, roles and throttling.
#[derive(Default)]
struct Policy {
    guards: Vec<(String, Option<ClassRef>)>,
    roles: Option<String>,
    throttle: Option<String>,
    skip_throttle: bool,
    opt_outs: Vec<Dec>,
    version: Option<Vec<Option<Text>>>,
}

fn policy(cx: &Interp<'_>, decs: &[Dec]) -> Policy {
    let mut p = Policy::default();
    for d in decs {
        if d.is(COMMON, "UseGuards") {
            for a in &d.args {
                p.guards.push(guard_name(cx, a));
            }
        } else if d.is(THROTTLER, "Throttle") {
            p.throttle = match d.args.as_slice() {
                [one] => throttle_options(&one.value),
                [limit, ttl, ..] => throttle_rate(&limit.value, &ttl.value, true),
                [] => None,
            }
            .or_else(|| Some(String::new()));
        } else if d.is(THROTTLER, "SkipThrottle") {
            p.skip_throttle = !matches!(d.args.first().map(|a| &a.value), Some(Value::Bool(false)));
        } else if d.is(COMMON, "Version") {
            if let Some(a) = d.args.first() {
                p.version = Some(versions_of(&a.value, &a.label));
            }
        } else if is_roles(d) {
            p.roles = Some(named_with_args(d));
        }
        if d.metadata.is_some() {
            p.opt_outs.push(d.clone());
        }
    }
    p
}

fn controller(cx: &mut Interp<'_>, class: ClassRef, ctrl: &Dec, class_decs: &[Dec]) {
    let facts = cx.facts(class.file);
    let Some(decl) = facts.class(class.id) else {
        return;
    };
    let origin = Site {
        file: class.file,
        call: decl.span,
        name: decl.name_span,
    };
    let (ctrl_paths, ctrl_version) = match ctrl.args.first().map(|a| (&a.value, a)) {
        Some((Value::Object(o), a)) => {
            let path = prop(o, "path").map(|v| Arg {
                value: v.clone(),
                label: Rc::from(format!("{}.path", a.label).as_str()),
                site: None,
                inner: None,
            });
            let version = prop(o, "version").map(|v| versions_of(v, "version"));
            (path_list(path.as_ref()), version)
        }
        _ => (path_list(ctrl.args.first()), None),
    };
    let class_policy = policy(cx, class_decs);
    let router = cx.router(
        (class.file, decl.span.start, CONTROLLER_CTX),
        NAME,
        RouterKind::App,
        origin,
    );
    let state = cx.state::<State>();
    let prefix = state.prefix.clone();
    let exclude = state.exclude.clone();
    let versioning = state.versioning.clone();
    let global_guards = state.global_guards.clone();
    let guard_keys = state.guard_keys.clone();
    let throttle_default = state.throttle_default.clone();
    let module_path = state.module_paths.get(&class).cloned();
    let consumers = state.consumers.clone();

    for method in route_methods(cx, class, COMMON, &ROUTE_DECORATORS) {
        let (owner, function, decs) = (method.owner, method.function, method.decorators);
        let routes: Vec<(&str, &Dec)> =
            method.routes.iter().map(|(m, i)| (*m, &decs[*i])).collect();
        let method_policy = policy(cx, &decs);
        let middleware = route_middleware(
            &global_guards,
            &guard_keys,
            &class_policy,
            &method_policy,
            throttle_default.as_deref(),
        );
        let handler_arg = method_value(cx, class, owner.file, function);
        let handler = cx.handler_ref(&handler_arg);
        let versions: Vec<Option<Text>> = match &versioning {
            None => vec![None],
            Some(v) => method_policy
                .version
                .clone()
                .or_else(|| ctrl_version.clone())
                .or_else(|| v.default.clone())
                .unwrap_or_else(|| vec![None]),
        };
        let version_prefix = versioning
            .as_ref()
            .map(|v| v.prefix.clone())
            .unwrap_or_default();
        // `@ApiOperation({ summary })` documents the route as a doc comment does.
        let summary = decs
            .iter()
            .find(|d| d.is(SWAGGER, "ApiOperation"))
            .and_then(|d| match d.args.first().map(|a| &a.value) {
                Some(Value::Object(o)) => o.props.iter().find_map(|(k, v)| match v {
                    Value::Text(t) if k == "summary" && !t.dynamic => Some(t.text.clone()),
                    _ => None,
                }),
                _ => None,
            });
        for (http, dec) in &routes {
            if let Some(summary) = &summary {
                cx.add_doc(dec.site, summary.clone());
            }
            let method_paths = path_list(dec.args.first());
            for cp in &ctrl_paths {
                for mp in &method_paths {
                    let module = module_path.clone().unwrap_or_else(|| Text::literal(""));
                    let rest = join(&[&module, cp, mp]);
                    for version in &versions {
                        let version_seg = match version {
                            Some(v) => Text {
                                text: format!("{version_prefix}{}", v.text),
                                dynamic: v.dynamic,
                            },
                            None => Text::literal(""),
                        };
                        let global = match &prefix {
                            Some(p) if !excluded(&exclude, &rest.text, http) => p.clone(),
                            _ => Text::literal(""),
                        };
                        let full = join(&[&global, &version_seg, &rest]);
                        // Middleware runs before guards.
                        let mut route_mw = consumer_middleware(&consumers, class, &rest.text, http);
                        route_mw.extend(middleware.iter().cloned());
                        let seq = cx.next_seq();
                        cx.graph.add_route(
                            router,
                            RouteReg {
                                method: http.to_string(),
                                path: full,
                                site: dec.site,
                                handler: Some(handler.clone()),
                                middleware: route_mw,
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

/// A method of a controller (inherited ones included) that carries route decorators.
pub(super) struct RouteMethod {
    /// The class that declares the method.
    pub owner: ClassRef,
    pub function: FnId,
    /// All of the method's decorators, resolved.
    pub decorators: Vec<Dec>,
    /// The HTTP method of each route decorator, with its index in `decorators`.
    pub routes: Vec<(&'static str, usize)>,
}

/// The methods of `class` with at least one route decorator (`route_decorators`: name and HTTP
/// method) imported from `module`.
pub(super) fn route_methods(
    cx: &mut Interp<'_>,
    class: ClassRef,
    module: &str,
    route_decorators: &[(&str, &'static str)],
) -> Vec<RouteMethod> {
    let mut out = Vec::new();
    for (owner, index) in methods_with_inherited(cx, class) {
        let facts = cx.facts(owner.file);
        let Some(m) = facts.class(owner.id).and_then(|c| c.methods.get(index)) else {
            continue;
        };
        if m.decorators.is_empty() {
            continue;
        }
        let function = m.function;
        let decorators = decorators(cx, &m.decorators, owner.file);
        let routes: Vec<(&'static str, usize)> = decorators
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                route_decorators
                    .iter()
                    .find(|(n, _)| d.is(module, n))
                    .map(|(_, method)| (*method, i))
            })
            .collect();
        if !routes.is_empty() {
            out.push(RouteMethod {
                owner,
                function,
                decorators,
                routes,
            });
        }
    }
    out
}

fn route_middleware(
    global: &[GlobalGuard],
    guard_keys: &HashMap<ClassRef, Vec<String>>,
    class: &Policy,
    method: &Policy,
    throttle_default: Option<&str>,
) -> Vec<Middleware> {
    let skip_throttle = method.skip_throttle || class.skip_throttle;
    let throttle = method
        .throttle
        .clone()
        .or_else(|| class.throttle.clone())
        .filter(|t| !t.is_empty());
    let mut names: Vec<String> = Vec::new();
    for g in global {
        let opted_out = method
            .opt_outs
            .iter()
            .chain(class.opt_outs.iter())
            .any(|d| opts_out(d, g, guard_keys));
        if !opted_out {
            names.push(g.name.clone());
        }
    }
    for (g, _) in class.guards.iter().chain(method.guards.iter()) {
        if !names.contains(g) {
            names.push(g.clone());
        }
    }
    let mut out: Vec<Middleware> = Vec::new();
    let mut throttled = false;
    for name in names {
        let is_throttler = name.to_ascii_lowercase().contains("throttl");
        if is_throttler && skip_throttle {
            continue;
        }
        let rate_limit = if is_throttler {
            throttled = true;
            throttle
                .clone()
                .or_else(|| throttle_default.map(str::to_string))
        } else {
            None
        };
        out.push(Middleware { name, rate_limit });
    }
    if let Some(roles) = method.roles.clone().or_else(|| class.roles.clone()) {
        out.push(Middleware {
            name: roles,
            rate_limit: None,
        });
    }
    if !throttled && !skip_throttle {
        if let Some(rate) = throttle {
            out.push(Middleware {
                name: "Throttle".into(),
                rate_limit: Some(rate),
            });
        }
    }
    out
}

/// Whether a route path (without the global prefix and version) is excluded from the global
/// prefix. Exclusions match whole paths; `:param` matches one segment, `(.*)`/`*` the rest.
fn excluded(exclude: &[Exclude], path: &str, method: &str) -> bool {
    exclude.iter().any(|e| {
        if e.method.as_deref().is_some_and(|m| m != method) {
            return false;
        }
        path_matches(&e.path, path)
    })
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    for (i, p) in pat.iter().enumerate() {
        if *p == "*"
            || *p == "(.*)"
            || p.starts_with('*')
            || p.starts_with("{*")
            || p.ends_with("(.*)")
        {
            let head = p.trim_end_matches("(.*)").trim_end_matches('*');
            return segs.len() >= i
                && (head.is_empty() || segs.get(i).is_some_and(|s| s.starts_with(head)));
        }
        match segs.get(i) {
            Some(s) if p.starts_with(':') || s == p => {}
            _ => return false,
        }
    }
    pat.len() == segs.len()
}

/// The namespace a `@WebSocketGateway(port?, { namespace })` serves.
fn gateway_namespace(gw: &Dec) -> String {
    let options = gw.args.iter().find_map(|a| match &a.value {
        Value::Object(o) => Some(o.clone()),
        _ => None,
    });
    match options.as_ref().and_then(|o| prop(o, "namespace")) {
        Some(Value::Text(t)) if !t.dynamic => {
            if t.text.starts_with('/') {
                t.text.clone()
            } else {
                format!("/{}", t.text)
            }
        }
        Some(_) => "${namespace}".to_string(),
        None => "/".to_string(),
    }
}

/// Before any code runs on their behalf, every gateway's `@WebSocketServer()` field is its
/// namespace's server, so emits reached through services injected with the gateway carry it.
fn prepare_gateways(cx: &mut Interp<'_>) {
    if cx.state::<State>().gateways_prepared {
        return;
    }
    cx.state::<State>().gateways_prepared = true;
    for file in 0..cx.file_count() as FileId {
        let facts = cx.facts(file);
        for (id, decl) in facts.classes.iter().enumerate() {
            let named = decl.decorators.iter().any(|d| match &d.expr {
                Expr::Call(c) => {
                    matches!(&c.callee, Expr::Ident(n, _) | Expr::Member(_, n, _) if n == "WebSocketGateway")
                }
                _ => false,
            });
            if !named {
                continue;
            }
            let class = ClassRef {
                file,
                id: id as u32,
            };
            let decs = decorators(cx, &decl.decorators, file);
            let Some(gw) = decs.iter().find(|d| d.is(WEBSOCKETS, "WebSocketGateway")) else {
                continue;
            };
            let ns: Rc<str> = Rc::from(gateway_namespace(gw).as_str());
            for owner in class_chain(cx, class) {
                let facts = cx.facts(owner.file);
                let Some(decl) = facts.class(owner.id) else {
                    continue;
                };
                for field in &decl.fields {
                    if field.decorators.is_empty() {
                        continue;
                    }
                    let decs = decorators(cx, &field.decorators, owner.file);
                    if decs.iter().any(|d| d.is(WEBSOCKETS, "WebSocketServer")) {
                        cx.set_field(
                            class,
                            &field.name,
                            Value::Handle(Handle::SocketServer {
                                namespace: ns.clone(),
                            }),
                        );
                    }
                }
            }
        }
    }
}

fn gateway(cx: &mut Interp<'_>, class: ClassRef, gw: &Dec) {
    let namespace = gateway_namespace(gw);
    let ns: Rc<str> = Rc::from(namespace.as_str());
    let env = cx.module_env(class.file);
    for (owner, index) in methods_with_inherited(cx, class) {
        let facts = cx.facts(owner.file);
        let Some(m) = facts.class(owner.id).and_then(|c| c.methods.get(index)) else {
            continue;
        };
        let function = m.function;
        let decs = decorators(cx, &m.decorators, owner.file);
        let handler_arg = method_value(cx, class, owner.file, function);
        for d in decs.iter().filter(|d| d.is(WEBSOCKETS, "SubscribeMessage")) {
            let (name, expression) = match d.args.first().map(|a| &a.value) {
                Some(Value::Text(t)) if !t.dynamic => (Some(t.text.clone()), None),
                Some(_) => (None, Some(d.args[0].label.to_string())),
                None => continue,
            };
            let handler: HandlerRef = cx.handler_ref(&handler_arg);
            cx.add_event(SocketEventReg {
                kind: EventKind::On,
                name,
                expression,
                namespace: namespace.clone(),
                site: d.site,
                handler: Some(handler),
                payload: None,
                client: false,
                candidates: Vec::new(),
            });
        }
        // Run every method with its sockets and server bound to the namespace.
        let Some(func) = facts.function(function) else {
            continue;
        };
        if decs.iter().any(|d| d.is(WEBSOCKETS, "SubscribeMessage")) {
            ws_responses(cx, owner.file, &func.returns, &namespace);
        }
        // Without parameter decorators, Nest passes the socket first to message handlers and
        // connection hooks.
        let socket_first = func.params.iter().all(|p| p.decorators.is_empty())
            && (decs.iter().any(|d| d.is(WEBSOCKETS, "SubscribeMessage"))
                || matches!(
                    func.name.as_deref(),
                    Some("handleConnection" | "handleDisconnect")
                ));
        let args: Vec<Arg> = func
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let ty = p.ty.as_deref().unwrap_or("");
                let ty_last = ty.rsplit('.').next().unwrap_or(ty);
                let connected = p.decorators.iter().any(|d| match &d.expr {
                    Expr::Call(c) => {
                        matches!(&c.callee, Expr::Ident(n, _) if n == "ConnectedSocket")
                    }
                    _ => false,
                });
                let value = if connected || ty_last == "Socket" || (socket_first && i == 0) {
                    Value::Handle(Handle::Socket {
                        namespace: ns.clone(),
                        client: false,
                    })
                } else if ty_last == "Server"
                    || ty_last == "Namespace"
                    || func.name.as_deref() == Some("afterInit")
                {
                    Value::Handle(Handle::SocketServer {
                        namespace: ns.clone(),
                    })
                } else {
                    Value::unknown("param")
                };
                Arg {
                    value,
                    label: Rc::from("param"),
                    site: None,
                    inner: None,
                }
            })
            .collect();
        let Value::Function(f) = &handler_arg.value else {
            continue;
        };
        let f = f.clone();
        let this = f.this.clone();
        let site = Site {
            file: owner.file,
            call: m.span,
            name: func.name_span,
        };
        cx.invoke(&env, &f, args, this, site, 0);
    }
}

/// `return { event: 'x', data }` from a message handler sends `x` back to the client.
fn ws_responses(cx: &mut Interp<'_>, file: FileId, returns: &[Expr], namespace: &str) {
    let env = cx.module_env(file);
    for ret in returns {
        let Expr::Object(props, span) = ret else {
            continue;
        };
        let mut event = None;
        let mut payload = None;
        for p in props {
            match p {
                crate::facts::Prop::KeyValue(k, v) if k == "event" => event = Some(v),
                crate::facts::Prop::KeyValue(k, Expr::Object(data, _)) if k == "data" => {
                    payload = Some(
                        data.iter()
                            .filter_map(|d| match d {
                                crate::facts::Prop::KeyValue(k, _) => Some(k.clone()),
                                crate::facts::Prop::Spread(_) => None,
                            })
                            .collect(),
                    );
                }
                _ => {}
            }
        }
        let Some(event) = event else {
            continue;
        };
        let (name, expression) = match cx.eval(event, &env) {
            Value::Text(t) if !t.dynamic => (Some(t.text), None),
            _ => (None, Some(describe(event))),
        };
        let at = event.span().unwrap_or(*span);
        cx.add_event(SocketEventReg {
            kind: EventKind::Emit,
            name,
            expression,
            namespace: namespace.to_string(),
            site: Site {
                file,
                call: *span,
                name: at,
            },
            handler: None,
            payload,
            client: false,
            candidates: Vec::new(),
        });
    }
}

/// An expression as written, keeping a call's literal arguments and eliding the others:
/// `config.get('API_PREFIX')`, `configService.getOrThrow('app.apiPrefix', …)`.
fn written(expr: &Expr) -> String {
    match expr {
        Expr::Call(call) => {
            let args: Vec<String> = call
                .args
                .iter()
                .map(|a| match a {
                    Expr::Str(..) | Expr::Num(_) | Expr::Bool(_) => describe(a),
                    _ => "…".to_string(),
                })
                .collect();
            format!("{}({})", describe(&call.callee), args.join(", "))
        }
        other => describe(other),
    }
}

/// The `consumer.apply(...).exclude(...).forRoutes(...)` chains written in a module's
/// `configure` method.
fn consumer_bindings(cx: &mut Interp<'_>, file: FileId, function: FnId) -> Vec<Binding> {
    let facts = cx.facts(file);
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
    let mut out = Vec::new();
    for site in facts.calls.iter().filter(|c| c.scope == Some(function)) {
        // Walk the chain from its last link back to `apply`.
        let mut links: Vec<(&str, &[Expr])> = Vec::new();
        let mut expr = &site.expr;
        while let Expr::Call(call) = expr {
            let Expr::Member(object, method, _) = &call.callee else {
                break;
            };
            links.push((method.as_str(), &call.args));
            expr = object;
        }
        if !links.iter().any(|(m, _)| *m == "apply")
            || !links.iter().any(|(m, _)| *m == "forRoutes")
        {
            continue;
        }
        let mut binding = Binding {
            middleware: Vec::new(),
            routes: Vec::new(),
            exclude: Vec::new(),
        };
        for (method, args) in links.into_iter().rev() {
            let values = cx.eval_args(args, &env);
            match method {
                "apply" => {
                    for a in &values {
                        let (name, _) = guard_name(cx, a);
                        binding.middleware.push(name);
                    }
                }
                "forRoutes" => binding.routes.extend(values.iter().flat_map(route_targets)),
                "exclude" => binding
                    .exclude
                    .extend(values.iter().flat_map(route_targets)),
                _ => {}
            }
        }
        out.push(binding);
    }
    out
}

fn route_targets(arg: &Arg) -> Vec<RouteTarget> {
    match &arg.value {
        Value::Class(c) => vec![RouteTarget::Controller(*c)],
        Value::Text(t) => vec![RouteTarget::Path {
            path: t.text.clone(),
            method: None,
        }],
        Value::Object(o) => {
            let Some(Value::Text(p)) = prop(o, "path") else {
                return Vec::new();
            };
            let method = match prop(o, "method") {
                Some(Value::External(m)) => {
                    m.path.last().map(|x| x.to_string()).filter(|x| x != "ALL")
                }
                Some(Value::Num(n)) => request_method(*n),
                _ => None,
            };
            vec![RouteTarget::Path {
                path: p.text.clone(),
                method,
            }]
        }
        Value::Array(items) => items
            .iter()
            .flat_map(|v| {
                route_targets(&Arg {
                    value: v.clone(),
                    label: arg.label.clone(),
                    site: None,
                    inner: None,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn target_matches(target: &RouteTarget, class: ClassRef, path: &str, method: &str) -> bool {
    match target {
        RouteTarget::Controller(c) => *c == class,
        RouteTarget::Path { path: p, method: m } => {
            if m.as_deref().is_some_and(|m| m != method) {
                return false;
            }
            let p = p.trim();
            p == "*" || p == "/*" || p == "(.*)" || path_matches(p, path)
        }
    }
}

/// The middleware bound to a route through `MiddlewareConsumer`, in binding order.
fn consumer_middleware(
    bindings: &[Binding],
    class: ClassRef,
    path: &str,
    method: &str,
) -> Vec<Middleware> {
    let mut out: Vec<Middleware> = Vec::new();
    for b in bindings {
        if !b
            .routes
            .iter()
            .any(|t| target_matches(t, class, path, method))
        {
            continue;
        }
        if b.exclude
            .iter()
            .any(|t| target_matches(t, class, path, method))
        {
            continue;
        }
        for name in &b.middleware {
            if !out.iter().any(|m| &m.name == name) {
                out.push(Middleware {
                    name: name.clone(),
                    rate_limit: None,
                });
            }
        }
    }
    out
}

/// Whether an expression mentions one of `names` (as an identifier or spread of one).
fn mentions(expr: &Expr, names: &[&str]) -> bool {
    match expr {
        Expr::Ident(n, _) => names.contains(&n.as_str()),
        Expr::Call(c) | Expr::New(c) => {
            mentions(&c.callee, names) || c.args.iter().any(|a| mentions(a, names))
        }
        Expr::Member(o, _, _) => mentions(o, names),
        Expr::Index(o, i) => mentions(o, names) || mentions(i, names),
        Expr::Spread(e) => mentions(e, names),
        Expr::Binary(_, l, r) => mentions(l, names) || mentions(r, names),
        Expr::Array(items) => items.iter().any(|i| mentions(i, names)),
        Expr::Template(parts, _) => parts.iter().any(|p| match p {
            crate::facts::TemplatePart::Expr(e) => mentions(e, names),
            crate::facts::TemplatePart::Lit(_) => false,
        }),
        Expr::Object(props, _) => props.iter().any(|p| match p {
            crate::facts::Prop::KeyValue(_, v) | crate::facts::Prop::Spread(v) => {
                mentions(v, names)
            }
        }),
        _ => false,
    }
}

/// Application set-up (`app.setGlobalPrefix(...)`, `app.enableVersioning(...)`,
/// `app.useGlobalGuards(...)`) written in a function nothing visibly calls (a serverless handler,
/// a bootstrap exported to a launcher) is read before the controllers, so that it applies to them.
fn prescan_app_setup(cx: &mut Interp<'_>) {
    if cx.state::<State>().setup_prescanned {
        return;
    }
    cx.state::<State>().setup_prescanned = true;
    for file in 0..cx.file_count() as FileId {
        if !cx.file_imports(file, "@nestjs/") {
            continue;
        }
        let facts = cx.facts(file);
        for site in &facts.calls {
            let Some(function) = site.scope else {
                continue;
            };
            let Expr::Call(call) = &site.expr else {
                continue;
            };
            let Expr::Member(_, method, _) = &call.callee else {
                continue;
            };
            if !matches!(
                method.as_str(),
                "setGlobalPrefix" | "enableVersioning" | "useGlobalGuards"
            ) {
                continue;
            }
            let already = {
                let state = cx.state::<State>();
                match method.as_str() {
                    "setGlobalPrefix" => state.prefix.is_some(),
                    "enableVersioning" => state.versioning.is_some(),
                    _ => false,
                }
            };
            if already {
                continue;
            }
            let parent = match facts.function(function).and_then(|f| f.parent) {
                Some(_) => None,
                None => Some(cx.module_env(file)),
            };
            let Some(parent) = parent else {
                continue;
            };
            let env = Rc::new(Env {
                file,
                function: Some(function),
                args: Vec::new(),
                bound: false,
                this: None,
                loops: Vec::new(),
                parent: Some(parent),
                ctx: 0,
                ctx_depth: 0,
            });
            cx.eval(&site.expr, &env);
        }
    }
}

fn decorator_ctx(site: Site) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("decorator", site.file, site.call.start).hash(&mut h);
    h.finish()
}
