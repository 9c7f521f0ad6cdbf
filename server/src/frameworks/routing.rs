//! What HTTP frameworks share: reading path arguments, splitting `...middleware, handler`
//! argument lists, and mounting routers or applying middleware under a prefix.

use std::rc::Rc;

use crate::facts::{Call, Expr, Prop, TemplatePart};
use crate::resolve::graph::{Middleware, Mount, RouterId, RouterKind, Use};
use crate::resolve::value::{Arg, Env, Site, Text, Value};
use crate::resolve::Interp;

use super::Handle;

/// The router a receiver stands for, when it is one of `framework`'s.
pub fn own_router(cx: &Interp<'_>, receiver: &Handle, framework: &str) -> Option<RouterId> {
    let Handle::Router(router) = receiver else {
        return None;
    };
    let node = cx.graph.nodes.get(*router as usize)?;
    (node.framework == framework).then_some(*router)
}

/// A stable small hash of a name, for keying routers created for unresolved receivers.
pub fn hash_str(s: &str) -> u32 {
    s.bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619))
}

/// Arguments with the elements of literal arrays spread in (`[auth, limiter]`).
pub fn flatten_arrays(cx: &Interp<'_>, args: &[Arg]) -> Vec<Arg> {
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

/// Whether a value is a path: a string, or an array of strings.
pub fn is_path(value: &Value) -> bool {
    match value {
        Value::Text(_) => true,
        Value::Array(values) => {
            !values.is_empty() && values.iter().all(|v| matches!(v, Value::Text(_)))
        }
        _ => false,
    }
}

/// The paths a path argument stands for: one, several for an array, or an unknown one.
pub fn path_texts(arg: &Arg) -> Vec<Text> {
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
/// middleware. Registers the route once per method and per path.
#[allow(clippy::too_many_arguments)]
pub fn register(
    cx: &mut Interp<'_>,
    router: RouterId,
    methods: &[String],
    path: &Arg,
    rest: &[Arg],
    leading: &[Arg],
    env: &Rc<Env>,
    site: Site,
) {
    let rest = flatten_arrays(cx, rest);
    let (handler, middleware) = match rest.split_last() {
        Some((h, mw)) => (Some(h), mw),
        None => (None, &rest[..]),
    };
    let mut all: Vec<Arg> = leading.to_vec();
    all.extend(middleware.iter().cloned());
    let registration = path.site.unwrap_or(site);
    for method in methods {
        for p in path_texts(path) {
            // A method computed at run time stays written as `${source}`.
            let method = if method.starts_with("${") {
                method.clone()
            } else {
                method.to_ascii_uppercase()
            };
            cx.add_route(router, &method, p, registration, handler, &all, env);
        }
    }
}

/// Mounts `child` under `parent` at `prefix`, with the middleware written before it.
pub fn mount(
    cx: &mut Interp<'_>,
    parent: RouterId,
    child: RouterId,
    prefix: Text,
    middleware: Vec<Middleware>,
) {
    let seq = cx.next_seq();
    cx.graph.add_mount(Mount {
        parent,
        child,
        prefix,
        middleware,
        seq,
    });
}

/// Middleware `router` applies to what it registers after `seq` (0: to everything it has),
/// under each prefix (none: everywhere).
pub fn add_uses(
    cx: &mut Interp<'_>,
    router: RouterId,
    prefixes: Vec<Text>,
    middleware: Vec<Middleware>,
    seq: u64,
) {
    if middleware.is_empty() {
        return;
    }
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
                middleware: middleware.clone(),
                seq,
            },
        );
    }
}

/// `use([path], ...items)`: routers among the items (as `child_of` recognizes them) are mounted
/// with the middleware written before them; when none is, the items are middleware for what the
/// router registers later. Returns whether something was mounted.
pub fn apply_use(
    cx: &mut Interp<'_>,
    router: RouterId,
    args: &[Arg],
    child_of: &dyn Fn(&mut Interp<'_>, &Value) -> Option<RouterId>,
) -> bool {
    let (prefixes, items) = match args.first() {
        Some(first) if is_path(&first.value) => (path_texts(first), &args[1..]),
        _ => (Vec::new(), args),
    };
    let mut before = Vec::new();
    let mut mounted = false;
    for item in items {
        let children: Vec<RouterId> = match &item.value {
            Value::Array(values) => values.iter().filter_map(|v| child_of(cx, v)).collect(),
            v => child_of(cx, v).into_iter().collect(),
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
                mount(cx, router, child, prefix, before.clone());
            }
        }
    }
    if !mounted {
        let seq = cx.next_seq();
        add_uses(cx, router, prefixes, before, seq);
    }
    mounted
}

/// Whether a call on an unresolved receiver clearly has a route's shape: a literal path first
/// and a handler last.
pub fn route_shaped(call: &Call) -> bool {
    if call.args.len() < 2 {
        return false;
    }
    let path_like = match &call.args[0] {
        Expr::Str(s, _) => s.starts_with('/'),
        Expr::Template(parts, _) => {
            matches!(parts.first(), Some(TemplatePart::Lit(s)) if s.starts_with('/'))
        }
        _ => false,
    };
    let handler_like = matches!(
        call.args.last(),
        Some(Expr::Function(_) | Expr::Ident(..) | Expr::Member(..) | Expr::Call(_))
    );
    path_like && handler_like
}

/// The router standing for a receiver that could not be resolved, in a file that clearly uses
/// `framework`: one per receiver name and function, under a prefix the code does not show.
pub fn unresolved_router(
    cx: &mut Interp<'_>,
    framework: &'static str,
    receiver: &str,
    env: &Rc<Env>,
    site: Site,
) -> RouterId {
    let scope = env.function.map_or(0, |f| f as u64 + 1);
    cx.router(
        (site.file, hash_str(receiver), scope),
        framework,
        RouterKind::Param,
        site,
    )
}

/// The expression of `key` in an object literal written in place.
pub fn literal_prop<'e>(expr: Option<&'e Expr>, key: &str) -> Option<&'e Expr> {
    match expr? {
        Expr::Object(props, _) => props.iter().rev().find_map(|p| match p {
            Prop::KeyValue(k, e) if k == key => Some(e),
            _ => None,
        }),
        _ => None,
    }
}

/// A property of an object value.
pub fn prop<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    match value {
        Value::Object(o) => o.props.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The items of an option (`preHandler: [auth, limiter]`, `middleware: auth`) as arguments,
/// named as written when the options object is written in place.
pub fn option_items(
    cx: &mut Interp<'_>,
    expr: Option<&Expr>,
    value: &Value,
    key: &str,
    env: &Rc<Env>,
) -> Vec<Arg> {
    let args = match literal_prop(expr, key) {
        Some(Expr::Array(items)) => cx.eval_args(items, env),
        Some(e) => cx.eval_args(std::slice::from_ref(e), env),
        None => match prop(value, key) {
            Some(v) => vec![Arg {
                value: v.clone(),
                label: Rc::from(cx.label_of(v).as_str()),
                site: None,
                inner: None,
            }],
            None => Vec::new(),
        },
    };
    flatten_arrays(cx, &args)
        .into_iter()
        .filter(|a| !matches!(a.value, Value::Nullish))
        .collect()
}

/// A string option's value.
pub fn text_prop(value: &Value, key: &str) -> Option<Text> {
    match prop(value, key)? {
        Value::Text(t) => Some(t.clone()),
        _ => None,
    }
}

/// HTTP methods named by a value: `'GET'`, `['GET', 'POST']`.
pub fn method_names(value: &Value) -> Vec<String> {
    match value {
        Value::Text(t) if !t.dynamic => vec![t.text.to_ascii_uppercase()],
        Value::Array(items) => items.iter().flat_map(method_names).collect(),
        _ => Vec::new(),
    }
}

/// An argument for a value that was not written as an argument (a path from options).
pub fn synthetic_arg(value: Value) -> Arg {
    Arg {
        value,
        label: Rc::from(""),
        site: None,
        inner: None,
    }
}

#[derive(Default)]
struct WorkspaceUse {
    by_prefix: std::collections::HashMap<&'static str, bool>,
}

/// Whether some file of the workspace imports a package starting with `prefix` (cached).
pub fn workspace_uses(cx: &mut Interp<'_>, prefix: &'static str) -> bool {
    if let Some(known) = cx.state::<WorkspaceUse>().by_prefix.get(prefix) {
        return *known;
    }
    let uses = cx.workspace_imports(prefix);
    cx.state::<WorkspaceUse>().by_prefix.insert(prefix, uses);
    uses
}

/// Whether a route-shaped call on an unresolved receiver in `file` belongs to the framework of
/// `packages`: the file imports one of them, or the backend uses one of them and not Express.
pub fn unresolved_belongs_to(
    cx: &mut Interp<'_>,
    file: crate::workspace::FileId,
    packages: &[&'static str],
) -> bool {
    if packages.iter().any(|p| cx.file_imports(file, p)) {
        return true;
    }
    packages.iter().any(|p| workspace_uses(cx, p)) && !workspace_uses(cx, "express")
}
