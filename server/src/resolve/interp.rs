//! Cross-file resolution: a small abstract interpreter over the files' facts.
//!
//! Every module's top level runs once; calls to functions the code defines are followed with
//! their arguments bound (so routers passed into functions, factories, wrappers and class
//! hierarchies resolve); functions nobody visibly calls run on their own afterwards with unknown
//! parameters. Framework modules see every call on a value they recognize and record routes,
//! mounts and events. Evaluation is idempotent: the same code in the same call context yields the
//! same routers, so running something twice never duplicates a route.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use crate::facts::{
    BinOp, BindingInit, Call, CallSite, ClassId, Declared, Expr, FileFacts, FnId, FunctionKind,
    Import, ImportKind, Pattern, Prop, Scope, TemplatePart,
};
use crate::frameworks::FRAMEWORKS;
use crate::workspace::FileId;

use super::describe::{describe, rate_limit};
use super::graph::{
    CallEdge, Effect, EffectReg, HandlerRef, Middleware, MountGraph, NodeKey, RouteReg, RouterId,
    RouterKind, SocketEventReg,
};
use super::modules::ModuleResolver;
use super::value::{
    Arg, ClassRef, Env, External, FnRef, FnValue, Instance, Object, Site, Text, Value,
};

/// How deep expression evaluation may nest before giving up on a value.
const MAX_EVAL_DEPTH: u32 = 160;
/// How deep calls may be followed.
const MAX_INVOKE_DEPTH: u32 = 24;
/// How many call sites make up a call context: deeper chains share their context.
const MAX_CONTEXT_DEPTH: u8 = 4;
/// The most elements of a literal array a loop or `forEach` is followed through.
const MAX_UNROLL: usize = 64;
/// A bound on total work, so that pathological code ends in a partial inventory, not a hang.
const MAX_STEPS: u64 = 20_000_000;

/// What an implementation is looked up by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ImplKey {
    Subclass(ClassRef),
    Interface(String),
}

/// One file as resolution sees it.
pub struct SourceFile<'a> {
    pub path: &'a str,
    pub facts: &'a FileFacts,
}

/// What resolution found.
#[derive(Debug, Default)]
pub struct Resolution {
    pub graph: MountGraph,
    pub events: Vec<SocketEventReg>,
    /// Documentation frameworks read from their own declarations (`@ApiOperation`), by file and
    /// the registering call's start offset; doc comments are read from the facts.
    pub docs: HashMap<(FileId, u32), String>,
    /// What the architecture recognizers saw: jobs, caches, configuration reads, middleware.
    pub architecture: crate::architecture::Recorded,
    /// Calls between the code's own functions, sorted.
    pub calls: Vec<CallEdge>,
    /// What functions do besides routing (tables they touch, ...), in the order seen.
    pub effects: Vec<EffectReg>,
}

/// What the user declared about the code that the code itself does not show.
#[derive(Debug, Default)]
pub struct ResolveOptions {
    pub route_wrappers: Vec<crate::workspace::config::RouteWrapper>,
    /// Packages to count as integrations besides the built-in catalog (`[[integrations]]`).
    pub integrations: Vec<crate::workspace::config::IntegrationConfig>,
}

pub fn resolve(
    files: &[SourceFile<'_>],
    modules: &ModuleResolver,
    options: &ResolveOptions,
) -> Resolution {
    let mut interp = Interp::new(files, modules, options);
    for file in 0..files.len() {
        interp.run_module(file as FileId);
    }
    interp.run_class_hooks();
    interp.run_uncalled_functions();
    let architecture = crate::architecture::Recorded::take(&mut interp);
    let mut calls: Vec<CallEdge> = interp.calls.into_iter().collect();
    calls.sort();
    Resolution {
        graph: interp.graph,
        events: interp.events,
        docs: interp.docs,
        architecture,
        calls,
        effects: interp.effects,
    }
}

pub struct Interp<'a> {
    files: &'a [SourceFile<'a>],
    modules: &'a ModuleResolver,
    options: &'a ResolveOptions,
    pub graph: MountGraph,
    events: Vec<SocketEventReg>,
    docs: HashMap<(FileId, u32), String>,
    calls: HashSet<CallEdge>,
    /// Set while calling a function a parameter holds, so that no call edge is recorded for it.
    passed_in_callee: bool,
    effects: Vec<EffectReg>,
    seen_effects: HashSet<EffectReg>,
    /// Call sites of each file by the scope they are written in.
    calls_by_scope: Vec<HashMap<Scope, Vec<u32>>>,
    module_envs: Vec<Rc<Env>>,
    binding_cache: HashMap<(FileId, usize, u64), Value>,
    export_cache: HashMap<(FileId, String), Value>,
    field_cache: HashMap<(ClassRef, String), Value>,
    return_cache: HashMap<(FnRef, u64), Value>,
    executed: HashSet<(FnRef, u64)>,
    invoked: HashSet<FnRef>,
    /// Functions invoked at a call site (by file and offset): a callback a call already ran with
    /// its real arguments is not run again without them.
    invoked_at: HashSet<(FnRef, FileId, u32)>,
    framework_state: HashMap<std::any::TypeId, Box<dyn std::any::Any>>,
    /// Each class's subclasses and each interface name's implementing classes, built on first
    /// need: an injected abstract class or interface is served by what implements it.
    implementations: Option<HashMap<ImplKey, Vec<ClassRef>>>,
    seq: u64,
    steps: u64,
    depth: u32,
    invoke_depth: u32,
}

impl<'a> Interp<'a> {
    fn new(
        files: &'a [SourceFile<'a>],
        modules: &'a ModuleResolver,
        options: &'a ResolveOptions,
    ) -> Self {
        let calls_by_scope = files
            .iter()
            .map(|f| {
                let mut by_scope: HashMap<Scope, Vec<u32>> = HashMap::new();
                for (i, call) in f.facts.calls.iter().enumerate() {
                    by_scope.entry(call.scope).or_default().push(i as u32);
                }
                by_scope
            })
            .collect();
        let module_envs = (0..files.len())
            .map(|f| Rc::new(Env::module(f as FileId)))
            .collect();
        Interp {
            files,
            modules,
            options,
            graph: MountGraph::default(),
            events: Vec::new(),
            docs: HashMap::new(),
            calls: HashSet::new(),
            passed_in_callee: false,
            effects: Vec::new(),
            seen_effects: HashSet::new(),
            calls_by_scope,
            module_envs,
            binding_cache: HashMap::new(),
            export_cache: HashMap::new(),
            field_cache: HashMap::new(),
            return_cache: HashMap::new(),
            executed: HashSet::new(),
            invoked: HashSet::new(),
            invoked_at: HashSet::new(),
            framework_state: HashMap::new(),
            implementations: None,
            seq: 0,
            steps: 0,
            depth: 0,
            invoke_depth: 0,
        }
    }

    pub fn facts(&self, file: FileId) -> &'a FileFacts {
        self.files[file as usize].facts
    }

    /// What the user declared in the config that resolution needs.
    pub fn options(&self) -> &'a ResolveOptions {
        self.options
    }

    pub fn path(&self, file: FileId) -> &'a str {
        self.files[file as usize].path
    }

    /// How many files the workspace has (ids run from 0), for frameworks that load whole
    /// directories (Fastify's autoload).
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The environment of `file`'s top level, for evaluating what is written there (decorator
    /// arguments, class members).
    pub fn module_env(&self, file: FileId) -> Rc<Env> {
        self.module_envs[file as usize].clone()
    }

    fn run_module(&mut self, file: FileId) {
        let env = self.module_env(file);
        self.run_scope(file, None, &env);
    }

    fn run_scope(&mut self, file: FileId, scope: Scope, env: &Rc<Env>) {
        let Some(indices) = self.calls_by_scope[file as usize].get(&scope).cloned() else {
            return;
        };
        let facts = self.facts(file);
        for i in indices {
            self.effect(&facts.calls[i as usize], env);
        }
    }

    /// Evaluates a call for its effect, once per element when it sits in a loop over a literal array.
    fn effect(&mut self, call: &'a CallSite, env: &Rc<Env>) {
        let facts = self.facts(env.file);
        if let Some(l) = call.in_loop {
            let iterable = self.eval(&facts.loops[l as usize].iterable, env);
            if let Value::Array(items) = iterable {
                for item in items.iter().take(MAX_UNROLL) {
                    let mut inner = clone_env(env);
                    inner.loops.push((l, item.clone()));
                    let value = self.eval(&call.expr, &Rc::new(inner));
                    self.settle(&value, &call.expr, env.file);
                }
                return;
            }
        }
        let value = self.eval(&call.expr, env);
        self.settle(&value, &call.expr, env.file);
    }

    /// A statement's call chain ended in a value a framework recognizes (a query nothing wrote
    /// through): the framework may record what that means.
    fn settle(&mut self, value: &Value, expr: &Expr, file: FileId) {
        let (Value::Handle(handle), Expr::Call(call) | Expr::New(call)) = (value, expr) else {
            return;
        };
        let site = Site {
            file,
            call: call.span,
            name: call.name_span,
        };
        for fw in FRAMEWORKS {
            fw.settled(self, handle, site);
        }
    }

    /// Records what the code at `site` does, for the innermost function written around it.
    pub fn add_effect(&mut self, site: Site, effect: Effect) {
        let reg = EffectReg {
            site,
            function: self.function_at(site.file, site.call.start),
            effect,
        };
        if self.seen_effects.insert(reg.clone()) {
            self.effects.push(reg);
        }
    }

    /// The innermost function whose text contains `offset`.
    pub fn function_at(&self, file: FileId, offset: u32) -> Option<FnRef> {
        self.facts(file)
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.span.start <= offset && offset < f.span.end)
            .min_by_key(|(_, f)| f.span.end - f.span.start)
            .map(|(id, _)| FnRef {
                file,
                id: id as FnId,
            })
    }

    fn run_class_hooks(&mut self) {
        for file in 0..self.files.len() as FileId {
            for id in 0..self.facts(file).classes.len() as ClassId {
                for fw in FRAMEWORKS {
                    fw.class_declared(self, ClassRef { file, id });
                }
            }
        }
    }

    /// Records documentation a framework reads from its own declarations (NestJS's
    /// `@ApiOperation({ summary })`) for the registration at `site`, unless a doc comment is there.
    pub fn add_doc(&mut self, site: Site, text: String) {
        self.docs
            .entry((site.file, site.call.start))
            .or_insert(text);
    }

    /// State a framework module keeps across one resolution (a NestJS global prefix, a Koa
    /// router's own prefix), created empty on first use.
    pub fn state<T: Default + 'static>(&mut self) -> &mut T {
        let entry = self
            .framework_state
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        match entry.downcast_mut::<T>() {
            Some(state) => state,
            None => unreachable!("framework state is keyed by its own type"),
        }
    }

    /// Takes what a framework module kept across this resolution, leaving it empty.
    pub fn take_state<T: Default + 'static>(&mut self) -> T {
        self.framework_state
            .remove(&std::any::TypeId::of::<T>())
            .and_then(|state| state.downcast::<T>().ok())
            .map(|state| *state)
            .unwrap_or_default()
    }

    /// Functions that no resolved call reached (handlers, methods a framework calls, exported
    /// helpers used from outside) run on their own so that what they register is still seen.
    fn run_uncalled_functions(&mut self) {
        for file in 0..self.files.len() as FileId {
            let facts = self.facts(file);
            for id in 0..facts.functions.len() as FnId {
                let func = FnRef { file, id };
                if self.invoked.contains(&func)
                    || !self.calls_by_scope[file as usize].contains_key(&Some(id))
                {
                    continue;
                }
                self.invoked.insert(func);
                let env = self.standalone_env(file, id, 0);
                self.run_scope(file, Some(id), &env);
            }
        }
    }

    fn standalone_env(&mut self, file: FileId, id: FnId, depth: u32) -> Rc<Env> {
        let facts = self.facts(file);
        let func = &facts.functions[id as usize];
        let parent = match func.parent {
            Some(p) if depth < 32 => self.standalone_env(file, p, depth + 1),
            _ => self.module_env(file),
        };
        let this = func.class.map(|class| {
            Rc::new(Value::Instance(Rc::new(Instance {
                class: ClassRef { file, id: class },
                args: Vec::new(),
            })))
        });
        Rc::new(Env {
            file,
            function: Some(id),
            args: Vec::new(),
            bound: false,
            this,
            loops: Vec::new(),
            parent: Some(parent),
            ctx: 0,
            ctx_depth: 0,
        })
    }

    // ----- evaluation -------------------------------------------------------------------------

    pub fn eval(&mut self, expr: &Expr, env: &Rc<Env>) -> Value {
        self.steps += 1;
        if self.depth > MAX_EVAL_DEPTH || self.steps > MAX_STEPS {
            return Value::unknown(&describe(expr));
        }
        self.depth += 1;
        let value = self.eval_inner(expr, env);
        self.depth -= 1;
        value
    }

    fn eval_inner(&mut self, expr: &Expr, env: &Rc<Env>) -> Value {
        match expr {
            Expr::Str(s, _) => Value::Text(Text::literal(s.clone())),
            Expr::Num(n) => Value::Num(*n),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Nullish => Value::Nullish,
            Expr::Regex(r, _) => Value::Text(Text::literal(r.clone())),
            Expr::Template(parts, _) => {
                let mut out = Text::literal("");
                for part in parts {
                    match part {
                        TemplatePart::Lit(s) => out.text.push_str(s),
                        TemplatePart::Expr(e) => {
                            let v = self.eval(e, env);
                            let t = text_of(&v, e);
                            out.text.push_str(&t.text);
                            out.dynamic |= t.dynamic;
                        }
                    }
                }
                Value::Text(out)
            }
            Expr::Binary(op, l, r) => {
                let lv = self.eval(l, env);
                let rv = self.eval(r, env);
                match (op, &lv, &rv) {
                    (BinOp::Add, Value::Num(a), Value::Num(b)) => Value::Num(a + b),
                    (BinOp::Sub, Value::Num(a), Value::Num(b)) => Value::Num(a - b),
                    (BinOp::Mul, Value::Num(a), Value::Num(b)) => Value::Num(a * b),
                    (BinOp::Div, Value::Num(a), Value::Num(b)) if *b != 0.0 => Value::Num(a / b),
                    (BinOp::Add, _, _) => {
                        let a = text_of(&lv, l);
                        let b = text_of(&rv, r);
                        Value::Text(Text {
                            text: a.text + &b.text,
                            dynamic: a.dynamic || b.dynamic,
                        })
                    }
                    _ => Value::unknown(&describe(expr)),
                }
            }
            Expr::Ident(name, _) => self.lookup(name, env),
            Expr::This => env
                .this_value()
                .map(|t| (*t).clone())
                .unwrap_or_else(|| Value::unknown("this")),
            Expr::Super => Value::unknown("super"),
            Expr::Member(object, prop, _) => {
                let ov = self.eval(object, env);
                self.member(&ov, prop, object)
            }
            Expr::Index(object, index) => {
                let ov = self.eval(object, env);
                match self.eval(index, env) {
                    Value::Text(t) if !t.dynamic => self.member(&ov, &t.text, object),
                    Value::Num(n) => match &ov {
                        Value::Array(items) => {
                            items.get(n as usize).cloned().unwrap_or(Value::Nullish)
                        }
                        _ => Value::unknown(&describe(expr)),
                    },
                    _ => Value::unknown(&describe(expr)),
                }
            }
            Expr::Call(call) => self.eval_call(call, env, false),
            Expr::New(call) => self.eval_call(call, env, true),
            Expr::Object(props, span) => {
                let mut out = Vec::new();
                for prop in props {
                    match prop {
                        Prop::KeyValue(k, v) => {
                            let value = self.eval(v, env);
                            out.push((k.clone(), value));
                        }
                        Prop::Spread(e) => {
                            if let Value::Object(o) = self.eval(e, env) {
                                out.extend(o.props.iter().cloned());
                            }
                        }
                    }
                }
                let site = Site {
                    file: env.file,
                    call: *span,
                    name: *span,
                };
                Value::Object(Rc::new(Object {
                    name: None,
                    props: out,
                    site: Some(site),
                }))
            }
            Expr::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Expr::Spread(inner) => match self.eval(inner, env) {
                            Value::Array(values) => out.extend(values.iter().cloned()),
                            other => out.push(other),
                        },
                        _ => out.push(self.eval(item, env)),
                    }
                }
                Value::Array(Rc::new(out))
            }
            Expr::Spread(inner) => self.eval(inner, env),
            Expr::Function(id) => Value::Function(FnValue::new(
                FnRef {
                    file: env.file,
                    id: *id,
                },
                Some(env.clone()),
            )),
            Expr::Class(id) => Value::Class(ClassRef {
                file: env.file,
                id: *id,
            }),
            Expr::Unknown(text, _) => Value::unknown(text),
        }
    }

    fn lookup(&mut self, name: &str, env: &Rc<Env>) -> Value {
        let file = env.file;
        let facts = self.facts(file);
        match facts.lookup(name, env.function) {
            Some(Declared::Binding(index)) => self.binding_value(file, index, env),
            Some(Declared::Param(function, index)) => {
                self.param_value(file, function, index, name, env)
            }
            Some(Declared::LoopVar(l)) => match env.loop_value(l).cloned() {
                Some(v) => self.destructure_value(&facts.loops[l as usize].pattern, v, name, env),
                None => Value::unknown(name),
            },
            Some(Declared::Import(import)) => self.import_value(file, import),
            None => match name {
                "undefined" => Value::Nullish,
                _ => Value::unknown(name),
            },
        }
    }

    fn binding_value(&mut self, file: FileId, index: usize, env: &Rc<Env>) -> Value {
        let facts = self.facts(file);
        let binding = &facts.bindings[index];
        let scope_env = match binding.scope {
            None => self.module_env(file),
            Some(f) => env.frame_of(file, f).unwrap_or_else(|| env.clone()),
        };
        let key = (file, index, scope_env.ctx);
        if let Some(v) = self.binding_cache.get(&key) {
            return v.clone();
        }
        // A binding that refers to itself sees an unknown value instead of looping.
        self.binding_cache
            .insert(key, Value::unknown(&binding.name));
        let value = match &binding.init {
            BindingInit::Expr(e) => self.eval(e, &scope_env),
            BindingInit::Function(id) => Value::Function(FnValue::new(
                FnRef { file, id: *id },
                Some(scope_env.clone()),
            )),
            BindingInit::Class(id) => Value::Class(ClassRef { file, id: *id }),
            BindingInit::Enum(members) => {
                let mut props = Vec::new();
                for (k, e) in members {
                    let v = self.eval(e, &scope_env);
                    props.push((k.clone(), v));
                }
                Value::Object(Rc::new(Object {
                    name: None,
                    props,
                    site: None,
                }))
            }
            BindingInit::None => {
                // `let io; ... io = new Server(http);`, possibly inside an init function.
                let assigned = facts
                    .assignments
                    .iter()
                    .filter(|a| matches!(&a.target, Expr::Ident(n, _) if *n == binding.name))
                    .min_by_key(|a| a.scope != binding.scope);
                match assigned {
                    Some(a) if a.scope == binding.scope => self.eval(&a.value, &scope_env),
                    Some(a) => {
                        let env = match a.scope {
                            Some(f) => self.standalone_env(file, f, 0),
                            None => self.module_env(file),
                        };
                        self.eval(&a.value, &env)
                    }
                    None => match &binding.ty {
                        Some(ty) => self.typed_value(
                            file,
                            ty,
                            (file, binding.span.start, scope_env.ctx),
                            binding.span,
                        ),
                        None => Value::unknown(&binding.name),
                    },
                }
            }
        };
        let value = name_object(value, &binding.name);
        self.binding_cache.insert(key, value.clone());
        value
    }

    fn param_value(
        &mut self,
        file: FileId,
        function: FnId,
        index: usize,
        name: &str,
        env: &Rc<Env>,
    ) -> Value {
        let facts = self.facts(file);
        let param = &facts.functions[function as usize].params[index];
        let frame = env.frame_of(file, function);
        let arg = frame
            .as_ref()
            .filter(|f| f.bound)
            .and_then(|f| match &param.pattern {
                Pattern::Rest(_) => Some(Value::Array(Rc::new(
                    f.args.iter().skip(index).map(|a| a.value.clone()).collect(),
                ))),
                _ => f.args.get(index).map(|a| a.value.clone()),
            });
        let scope_env = frame.unwrap_or_else(|| env.clone());
        match arg {
            Some(v) => self.destructure_value(&param.pattern, v, name, &scope_env),
            None => {
                if let Some(default) = pattern_default(&param.pattern, name) {
                    return self.eval(default, &scope_env);
                }
                match (&param.ty, &param.pattern) {
                    (Some(ty), Pattern::Ident(_, span)) => {
                        self.typed_value(file, ty, (file, span.start, scope_env.ctx), *span)
                    }
                    _ => Value::unknown(name),
                }
            }
        }
    }

    /// The part of `value` that `name` takes in a destructuring `pattern`.
    fn destructure_value(
        &mut self,
        pattern: &Pattern,
        value: Value,
        name: &str,
        env: &Rc<Env>,
    ) -> Value {
        match pattern {
            Pattern::Ident(..) | Pattern::Rest(_) | Pattern::Unknown => value,
            Pattern::Default(inner, default) => {
                if matches!(value, Value::Nullish) {
                    self.eval(default, env)
                } else {
                    self.destructure_value(inner, value, name, env)
                }
            }
            Pattern::Object(props) => {
                for (key, p) in props {
                    if p.binds(name) {
                        let part = if key == "..." {
                            value.clone()
                        } else {
                            self.member(&value, key, &Expr::Nullish)
                        };
                        return self.destructure_value(p, part, name, env);
                    }
                }
                Value::unknown(name)
            }
            Pattern::Array(items) => {
                for (i, p) in items.iter().enumerate() {
                    if let Some(p) = p.as_ref().filter(|p| p.binds(name)) {
                        let part = match &value {
                            Value::Array(values) => {
                                values.get(i).cloned().unwrap_or(Value::Nullish)
                            }
                            _ => Value::unknown(name),
                        };
                        return self.destructure_value(p, part, name, env);
                    }
                }
                Value::unknown(name)
            }
        }
    }

    fn import_value(&mut self, file: FileId, import: &Import) -> Value {
        match self.modules.resolve(self.path(file), &import.module) {
            Some(target) => match &import.kind {
                ImportKind::Default => self.export_value(target, "default"),
                ImportKind::Named(name) => self.export_value(target, name),
                ImportKind::Namespace => Value::Module(target),
            },
            None => Value::External(Rc::new(External {
                module: Rc::from(import.module.as_str()),
                path: match &import.kind {
                    ImportKind::Named(n) if n != "default" => vec![Rc::from(n.as_str())],
                    _ => Vec::new(),
                },
                rate_limit: None,
                label: None,
                wraps: None,
            })),
        }
    }

    /// What module `file` exports as `name`, through re-exports and CommonJS interop.
    pub fn export_value(&mut self, file: FileId, name: &str) -> Value {
        let key = (file, name.to_string());
        if let Some(v) = self.export_cache.get(&key) {
            return v.clone();
        }
        self.export_cache.insert(key.clone(), Value::unknown(name));
        let value = self.export_value_uncached(file, name);
        self.export_cache.insert(key, value.clone());
        value
    }

    fn export_value_uncached(&mut self, file: FileId, name: &str) -> Value {
        use crate::facts::ExportTarget;
        let facts = self.facts(file);
        let env = self.module_env(file);
        if let Some(export) = facts.exports.iter().rev().find(|e| e.name == name) {
            return match &export.target {
                ExportTarget::Local(local) => self.lookup(local, &env),
                ExportTarget::Expr(e) => self.eval(e, &env),
                ExportTarget::ReExport {
                    module,
                    name: inner,
                } => match self.modules.resolve(self.path(file), module) {
                    Some(target) => self.export_value(target, inner),
                    None => external(
                        module,
                        if inner == "default" {
                            None
                        } else {
                            Some(inner)
                        },
                    ),
                },
                ExportTarget::Namespace { module } => {
                    match self.modules.resolve(self.path(file), module) {
                        Some(target) => Value::Module(target),
                        None => external(module, None),
                    }
                }
            };
        }
        if name != "default" {
            for export in facts.exports.iter().filter(|e| e.name == "*") {
                if let ExportTarget::ReExport { module, .. } = &export.target {
                    if let Some(target) = self.modules.resolve(self.path(file), module) {
                        let v = self.export_value(target, name);
                        if !v.is_unknown() {
                            return v;
                        }
                    }
                }
            }
            // `import { a } from './cjs'` where the module does `module.exports = { a }`.
            if facts.exports.iter().any(|e| e.name == "default") {
                let default = self.export_value(file, "default");
                return self.member(&default, name, &Expr::Nullish);
            }
            return Value::unknown(name);
        }
        Value::Module(file)
    }

    fn require(&mut self, file: FileId, specifier: &str) -> Value {
        match self.modules.resolve(self.path(file), specifier) {
            Some(target)
                if self
                    .facts(target)
                    .exports
                    .iter()
                    .any(|e| e.name == "default") =>
            {
                self.export_value(target, "default")
            }
            Some(target) => Value::Module(target),
            None => external(specifier, None),
        }
    }

    pub fn member(&mut self, value: &Value, prop: &str, object_expr: &Expr) -> Value {
        match value {
            Value::Object(o) => match o.props.iter().rev().find(|(k, _)| k == prop) {
                Some((_, Value::Function(f))) => Value::Function(FnValue {
                    owner: o.name.clone(),
                    ..f.clone()
                }),
                Some((_, v)) => v.clone(),
                None => Value::unknown(&format!("{}.{prop}", describe(object_expr))),
            },
            Value::Module(file) => self.export_value(*file, prop),
            Value::External(e) => {
                let mut path = e.path.clone();
                path.push(Rc::from(prop));
                Value::External(Rc::new(External {
                    module: e.module.clone(),
                    path,
                    rate_limit: None,
                    label: None,
                    wraps: None,
                }))
            }
            Value::Instance(instance) => self.instance_member(instance, prop),
            Value::Class(class) => self.static_member(*class, prop),
            Value::Handle(h) => FRAMEWORKS
                .iter()
                .find_map(|fw| fw.member(h, prop))
                .unwrap_or_else(|| Value::unknown(prop)),
            Value::Array(items) if prop == "length" => Value::Num(items.len() as f64),
            Value::Unknown(text) if text.len() < 200 => Value::unknown(&format!("{text}.{prop}")),
            _ => Value::unknown(&format!("{}.{prop}", describe(object_expr))),
        }
    }

    /// The classes from `class` up through what it extends.
    fn class_chain(&mut self, class: ClassRef) -> Vec<ClassRef> {
        let mut chain = vec![class];
        let mut current = class;
        while chain.len() < 12 {
            let facts = self.facts(current.file);
            let Some(extends) = &facts.classes[current.id as usize].extends else {
                break;
            };
            let env = self.module_env(current.file);
            match self.eval(extends, &env) {
                Value::Class(parent) if !chain.contains(&parent) => {
                    chain.push(parent);
                    current = parent;
                }
                _ => break,
            }
        }
        chain
    }

    fn find_method(&mut self, class: ClassRef, name: &str, want_static: bool) -> Option<FnRef> {
        for c in self.class_chain(class) {
            let facts = self.facts(c.file);
            if let Some(m) = facts.classes[c.id as usize]
                .methods
                .iter()
                .find(|m| m.name == name && m.is_static == want_static)
            {
                return Some(FnRef {
                    file: c.file,
                    id: m.function,
                });
            }
        }
        None
    }

    fn instance_member(&mut self, instance: &Rc<Instance>, prop: &str) -> Value {
        let this = Rc::new(Value::Instance(instance.clone()));
        for class in self.class_chain(instance.class) {
            let facts = self.facts(class.file);
            let decl = &facts.classes[class.id as usize];
            if let Some(field) = decl.fields.iter().find(|f| f.name == prop && !f.is_static) {
                if let Some(index) = field.from_param {
                    return match instance.args.get(index) {
                        Some(arg) => arg.value.clone(),
                        None => match &field.ty {
                            Some(ty) => self.typed_value(
                                class.file,
                                ty,
                                (class.file, field.span.start, class_ctx(instance.class)),
                                field.span,
                            ),
                            None => Value::unknown(&format!("this.{prop}")),
                        },
                    };
                }
                let key = (instance.class, prop.to_string());
                if let Some(v) = self.field_cache.get(&key) {
                    return v.clone();
                }
                self.field_cache
                    .insert(key.clone(), Value::unknown(&format!("this.{prop}")));
                let value = match (&field.init, &field.ty) {
                    (Some(init), _) => {
                        let env = Rc::new(Env {
                            this: Some(this.clone()),
                            ctx: class_ctx(instance.class),
                            ..Env::module(class.file)
                        });
                        self.eval(init, &env)
                    }
                    (None, _) => match self.assigned_field(class, prop, &this, instance) {
                        Some(v) => v,
                        None => match &field.ty {
                            Some(ty) => self.typed_value(
                                class.file,
                                ty,
                                (class.file, field.span.start, class_ctx(instance.class)),
                                field.span,
                            ),
                            None => Value::unknown(&format!("this.{prop}")),
                        },
                    },
                };
                self.field_cache.insert(key, value.clone());
                return value;
            }
            if let Some(v) = self.assigned_field(class, prop, &this, instance) {
                return v;
            }
            if let Some(m) = decl.methods.iter().find(|m| m.name == prop && !m.is_static) {
                if m.is_getter {
                    let getter = FnValue {
                        func: FnRef {
                            file: class.file,
                            id: m.function,
                        },
                        env: Some(self.module_env(class.file)),
                        this: Some(this.clone()),
                        owner: None,
                        wraps: None,
                    };
                    let env = self.module_env(class.file);
                    let site = Site {
                        file: class.file,
                        call: m.span,
                        name: m.span,
                    };
                    return self.invoke(
                        &env,
                        &getter,
                        Vec::new(),
                        Some(this.clone()),
                        site,
                        class_ctx(instance.class),
                    );
                }
                return Value::Function(FnValue {
                    func: FnRef {
                        file: class.file,
                        id: m.function,
                    },
                    env: Some(self.module_env(class.file)),
                    this: Some(this.clone()),
                    owner: None,
                    wraps: None,
                });
            }
        }
        if let Some(base) = self.external_base(instance.class) {
            return self.member(&Value::External(base), prop, &Expr::This);
        }
        match self
            .implementations_of(instance.class, prop)
            .into_iter()
            .next()
        {
            Some(f) => Value::Function(f),
            None => Value::unknown(&format!("this.{prop}")),
        }
    }

    /// An abstract method, or a class injected by its abstract type: the subclasses and
    /// implementing classes that define the method serve the call.
    fn implementations_of(&mut self, class: ClassRef, method: &str) -> Vec<FnValue> {
        let mut classes = self.implementing(ImplKey::Subclass(class));
        if let Some(name) = self.facts(class.file).classes[class.id as usize]
            .name
            .clone()
        {
            classes.extend(self.implementing(ImplKey::Interface(name)));
        }
        let mut out = Vec::new();
        for sub in classes {
            if let Some(func) = self.find_method(sub, method, false) {
                let this = Value::Instance(Rc::new(Instance {
                    class: sub,
                    args: Vec::new(),
                }));
                out.push(FnValue {
                    func,
                    env: Some(self.module_env(func.file)),
                    this: Some(Rc::new(this)),
                    owner: None,
                    wraps: None,
                });
            }
        }
        out
    }

    /// Whether the class or one it extends declares a field named `name`.
    fn has_field(&mut self, class: ClassRef, name: &str) -> bool {
        self.class_chain(class).iter().any(|c| {
            self.facts(c.file).classes[c.id as usize]
                .fields
                .iter()
                .any(|f| f.name == name)
        })
    }

    /// The classes extending `class` (at any depth), or implementing an interface, in workspace
    /// order.
    fn implementing(&mut self, key: ImplKey) -> Vec<ClassRef> {
        if self.implementations.is_none() {
            let mut index: HashMap<ImplKey, Vec<ClassRef>> = HashMap::new();
            for file in 0..self.files.len() as FileId {
                for id in 0..self.facts(file).classes.len() as ClassId {
                    let class = ClassRef { file, id };
                    for name in &self.facts(file).classes[id as usize].implements {
                        index
                            .entry(ImplKey::Interface(name.clone()))
                            .or_default()
                            .push(class);
                    }
                    if self.facts(file).classes[id as usize].extends.is_some() {
                        for ancestor in self.class_chain(class).into_iter().skip(1) {
                            index
                                .entry(ImplKey::Subclass(ancestor))
                                .or_default()
                                .push(class);
                        }
                    }
                }
            }
            self.implementations = Some(index);
        }
        self.implementations
            .as_ref()
            .and_then(|index| index.get(&key))
            .cloned()
            .unwrap_or_default()
    }

    /// The package class a workspace class extends at the root of its chain
    /// (`class PrismaService extends PrismaClient`), whose members it inherits.
    pub fn external_base(&mut self, class: ClassRef) -> Option<Rc<External>> {
        let root = *self.class_chain(class).last()?;
        let extends = self.facts(root.file).classes[root.id as usize]
            .extends
            .as_ref()?;
        let env = self.module_env(root.file);
        match self.eval(extends, &env) {
            Value::External(e) => Some(e),
            _ => None,
        }
    }

    /// `this.prop = value` in one of the class's methods (usually the constructor).
    fn assigned_field(
        &mut self,
        class: ClassRef,
        prop: &str,
        this: &Rc<Value>,
        instance: &Rc<Instance>,
    ) -> Option<Value> {
        let facts = self.facts(class.file);
        let assignment = facts.assignments.iter().find(|a| {
            matches!(&a.target, Expr::Member(obj, p, _) if p == prop && matches!(obj.as_ref(), Expr::This))
                && a.scope.is_some_and(|f| method_class(facts, f) == Some(class.id))
        })?;
        let function = assignment.scope?;
        let is_constructor = facts.classes[class.id as usize]
            .constructor()
            .is_some_and(|m| m.function == function);
        let key = (instance.class, format!("={prop}"));
        if let Some(v) = self.field_cache.get(&key) {
            return Some(v.clone());
        }
        self.field_cache
            .insert(key.clone(), Value::unknown(&format!("this.{prop}")));
        let env = Rc::new(Env {
            file: class.file,
            function: Some(function),
            args: if is_constructor {
                instance.args.clone()
            } else {
                Vec::new()
            },
            bound: is_constructor && !instance.args.is_empty(),
            this: Some(this.clone()),
            loops: Vec::new(),
            parent: Some(self.module_env(class.file)),
            ctx: class_ctx(instance.class),
            ctx_depth: MAX_CONTEXT_DEPTH,
        });
        let value = self.eval(&assignment.value, &env);
        self.field_cache.insert(key, value.clone());
        Some(value)
    }

    fn static_member(&mut self, class: ClassRef, prop: &str) -> Value {
        for c in self.class_chain(class) {
            let facts = self.facts(c.file);
            let decl = &facts.classes[c.id as usize];
            if let Some(m) = decl.methods.iter().find(|m| m.name == prop && m.is_static) {
                return Value::Function(FnValue::new(
                    FnRef {
                        file: c.file,
                        id: m.function,
                    },
                    Some(self.module_env(c.file)),
                ));
            }
            if let Some(field) = decl.fields.iter().find(|f| f.name == prop && f.is_static) {
                if let Some(init) = &field.init {
                    let env = self.module_env(c.file);
                    return self.eval(init, &env);
                }
            }
        }
        Value::unknown(prop)
    }

    /// The value of something declared only by its type (`router: Router`), when a framework
    /// knows that type. Type aliases (`type IOServer = Server<...>`) are followed, in this file
    /// or imported from another.
    fn typed_value(
        &mut self,
        file: FileId,
        ty: &str,
        key: NodeKey,
        span: crate::facts::Span,
    ) -> Value {
        self.typed_value_at_depth(file, ty, key, span, 0)
    }

    fn typed_value_at_depth(
        &mut self,
        file: FileId,
        ty: &str,
        key: NodeKey,
        span: crate::facts::Span,
        depth: u32,
    ) -> Value {
        // `typeof Order`: the class itself (what `@InjectModel(Order)` hands a constructor).
        if let Some(name) = ty.strip_prefix("typeof ").map(str::trim) {
            if is_identifier(name) {
                let env = self.module_env(file);
                if let v @ Value::Class(_) = self.lookup(name, &env) {
                    return v;
                }
            }
        }
        let head = ty.split(['<', '[', ' ', '|']).next().unwrap_or("").trim();
        let mut segments = head.split('.');
        let Some(first) = segments.next().filter(|s| !s.is_empty()) else {
            return Value::unknown(ty);
        };
        if depth > 4 {
            return Value::unknown(ty);
        }
        let facts = self.facts(file);
        let (alias_file, alias_name) = match facts.lookup(first, None) {
            Some(Declared::Import(import)) => {
                match self.modules.resolve(self.path(file), &import.module) {
                    None => {
                        let mut path: Vec<Rc<str>> = match &import.kind {
                            ImportKind::Named(n) => vec![Rc::from(n.as_str())],
                            _ => Vec::new(),
                        };
                        path.extend(segments.map(Rc::from));
                        let site = Site {
                            file,
                            call: span,
                            name: span,
                        };
                        for fw in FRAMEWORKS {
                            if let Some(v) = fw.typed(self, &import.module, &path, key, site, ty) {
                                return v;
                            }
                        }
                        return Value::unknown(ty);
                    }
                    Some(target) => match &import.kind {
                        ImportKind::Named(name) => (target, name.clone()),
                        _ => return Value::unknown(ty),
                    },
                }
            }
            _ => (file, first.to_string()),
        };
        match self.type_alias(alias_file, &alias_name, 0) {
            Some(aliased) => self.typed_value_at_depth(alias_file, &aliased, key, span, depth + 1),
            None => {
                // A parameter or field typed as a class the code defines, with no visible value,
                // is an instance of it (what dependency injection hands a constructor).
                if head == first && facts.lookup(first, None).is_some() {
                    let env = self.module_env(file);
                    if let Value::Class(class) = self.lookup(first, &env) {
                        return Value::Instance(Rc::new(Instance {
                            class,
                            args: Vec::new(),
                        }));
                    }
                }
                // An interface: the class that implements it (the first, when several do).
                let implementors = self.implementing(ImplKey::Interface(alias_name.clone()));
                match implementors.first() {
                    Some(class) if head == first => Value::Instance(Rc::new(Instance {
                        class: *class,
                        args: Vec::new(),
                    })),
                    _ => Value::unknown(ty),
                }
            }
        }
    }

    // ----- calls ------------------------------------------------------------------------------

    fn eval_call(&mut self, call: &Call, env: &Rc<Env>, is_new: bool) -> Value {
        if let (Expr::Ident(name, _), Some(Expr::Str(specifier, _))) =
            (&call.callee, call.args.first())
        {
            if (name == "require" || name == "import")
                && self.facts(env.file).lookup(name, env.function).is_none()
            {
                return self.require(env.file, specifier);
            }
        }
        let site = Site {
            file: env.file,
            call: call.span,
            name: call.name_span,
        };
        if let Some(v) = self.object_builtin(call, env) {
            return v;
        }
        // `new Map([[k, v], ...])` and `new Set([...])` iterate like the literal array they wrap.
        if let (true, Expr::Ident(name, _), Some(first)) = (is_new, &call.callee, call.args.first())
        {
            if (name == "Map" || name == "Set")
                && self.facts(env.file).lookup(name, env.function).is_none()
            {
                if let v @ Value::Array(_) = self.eval(first, env) {
                    return v;
                }
            }
        }
        let called_name = match &call.callee {
            Expr::Ident(name, _) | Expr::Member(_, name, _) => Some(name.as_str()),
            _ => None,
        };
        let options = self.options;
        if let Some(wrapper) =
            called_name.and_then(|n| options.route_wrappers.iter().find(|w| w.name == n))
        {
            let v = crate::frameworks::declared::register(self, wrapper, call, env, site);
            self.run_inline_callbacks(call, env, site);
            return v;
        }
        let result = match &call.callee {
            Expr::Member(object, method, _) if matches!(object.as_ref(), Expr::Super) => {
                self.call_super(env, Some(method), call, site)
            }
            Expr::Super => self.call_super(env, None, call, site),
            Expr::Member(object, method, _) => {
                let receiver = self.eval(object, env);
                self.call_method(receiver, method, call, env, site, is_new)
            }
            Expr::Index(object, index) => {
                let receiver = self.eval(object, env);
                match self.eval(index, env) {
                    Value::Text(t) if !t.dynamic => {
                        self.call_method(receiver, &t.text, call, env, site, is_new)
                    }
                    // `router[method](...)` with a method the code does not show: frameworks
                    // register it with the method written `${source}`.
                    _ if matches!(receiver, Value::Handle(_)) => {
                        let method = format!("${{{}}}", describe(index));
                        self.call_method(receiver, &method, call, env, site, is_new)
                    }
                    _ => Value::unknown(&describe(&call.callee)),
                }
            }
            callee => {
                let f = self.eval(callee, env);
                // A function handed in as an argument (`fn(client)` in a transaction helper) is
                // part of the chain of whoever wrote it, not of every helper it passes through.
                self.passed_in_callee = matches!(callee, Expr::Ident(name, _)
                    if matches!(self.facts(env.file).lookup(name, env.function), Some(Declared::Param(..))));
                let v = self.call_value(f, call, env, site, is_new);
                self.passed_in_callee = false;
                v
            }
        };
        for fw in FRAMEWORKS {
            fw.call_seen(self, call, env, site);
        }
        self.run_inline_callbacks(call, env, site);
        result
    }

    /// `Object.entries(o)`, `Object.values(o)`, `Object.keys(o)` over a known object literal, so
    /// that a map of prefixes to routers mounted in a loop resolves.
    fn object_builtin(&mut self, call: &Call, env: &Rc<Env>) -> Option<Value> {
        let Expr::Member(object, method, _) = &call.callee else {
            return None;
        };
        if !matches!(object.as_ref(), Expr::Ident(n, _) if n == "Object")
            || self
                .facts(env.file)
                .lookup("Object", env.function)
                .is_some()
        {
            return None;
        }
        let Value::Object(o) = self.eval(call.args.first()?, env) else {
            return Some(Value::unknown(&describe(&call.callee)));
        };
        let items = o.props.iter().map(|(k, v)| match method.as_str() {
            "keys" => Value::Text(Text::literal(k.clone())),
            "values" => v.clone(),
            _ => Value::Array(Rc::new(vec![
                Value::Text(Text::literal(k.clone())),
                v.clone(),
            ])),
        });
        match method.as_str() {
            "entries" | "values" | "keys" => Some(Value::Array(Rc::new(items.collect()))),
            _ => None,
        }
    }

    /// Functions written in place as arguments run with the environment they close over, so that
    /// what a callback does with the enclosing function's parameters is seen.
    fn run_inline_callbacks(&mut self, call: &Call, env: &Rc<Env>, site: Site) {
        for arg in &call.args {
            if let Expr::Function(id) = arg {
                let func = FnRef {
                    file: env.file,
                    id: *id,
                };
                if self
                    .invoked_at
                    .contains(&(func, site.file, site.call.start))
                {
                    continue;
                }
                let f = FnValue::new(
                    FnRef {
                        file: env.file,
                        id: *id,
                    },
                    Some(env.clone()),
                );
                self.invoke(env, &f, Vec::new(), None, site, 0);
            }
        }
    }

    fn call_super(
        &mut self,
        env: &Rc<Env>,
        method: Option<&str>,
        call: &Call,
        site: Site,
    ) -> Value {
        let facts = self.facts(env.file);
        let Some(class_id) = env.function.and_then(|f| enclosing_class(facts, f)) else {
            return Value::unknown("super");
        };
        let chain = self.class_chain(ClassRef {
            file: env.file,
            id: class_id,
        });
        let Some(parent) = chain.get(1).copied() else {
            return Value::unknown("super");
        };
        let this = env.this_value();
        let Some(func) = self.find_method(parent, method.unwrap_or("constructor"), false) else {
            return Value::unknown("super");
        };
        let args = self.eval_args(&call.args, env);
        let f = FnValue {
            func,
            env: Some(self.module_env(func.file)),
            this: this.clone(),
            owner: None,
            wraps: None,
        };
        self.invoke(env, &f, args, this, site, 0)
    }

    fn call_method(
        &mut self,
        receiver: Value,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        is_new: bool,
    ) -> Value {
        match &receiver {
            Value::Handle(h) => {
                for fw in FRAMEWORKS {
                    if let Some(v) = fw.call_method(self, h, method, call, env, site) {
                        return v;
                    }
                }
                Value::unknown(method)
            }
            Value::Function(f) => match method {
                "bind" => {
                    let this = match call.args.first() {
                        Some(a) => Some(Rc::new(self.eval(a, env))),
                        None => f.this.clone(),
                    };
                    Value::Function(FnValue { this, ..f.clone() })
                }
                "call" | "apply" => {
                    let args = self.eval_args(call.args.get(1..).unwrap_or(&[]), env);
                    self.invoke(env, f, args, None, site, 0)
                }
                _ => Value::unknown(method),
            },
            Value::Array(items) => {
                let items = items.clone();
                self.array_method(&items, method, call, env, site)
            }
            Value::Text(text) => {
                let text = text.clone();
                self.text_method(&text, method, call, env)
            }
            Value::External(e) => {
                let mut path = e.path.clone();
                path.push(Rc::from(method));
                let module = e.module.clone();
                self.call_external(&module, path, call, env, site, is_new)
            }
            Value::Unknown(text) => {
                for fw in FRAMEWORKS {
                    if let Some(v) = fw.call_unknown(self, text, method, call, env, site) {
                        return v;
                    }
                }
                Value::unknown(&describe(&Expr::Call(Arc::new(call.clone()))))
            }
            Value::Class(class) if self.find_method(*class, method, true).is_none() => {
                let class = *class;
                for fw in FRAMEWORKS {
                    if let Some(v) = fw.call_class(self, class, method, call, env, site) {
                        return v;
                    }
                }
                let callee = self.static_member(class, method);
                self.call_value(callee, call, env, site, is_new)
            }
            Value::Instance(instance)
                if self.find_method(instance.class, method, false).is_none()
                    && !self.has_field(instance.class, method) =>
            {
                // Every implementation may serve the call: follow each, answer with the first.
                let class = instance.class;
                let implementations = self.implementations_of(class, method);
                if implementations.len() < 2 {
                    let callee = self.member(&receiver, method, &call.callee);
                    return match callee {
                        Value::Function(f) => {
                            let args = self.eval_args(&call.args, env);
                            let this = f.this.clone();
                            self.invoke(env, &f, args, this, site, 0)
                        }
                        other => self.call_value(other, call, env, site, is_new),
                    };
                }
                let args = self.eval_args(&call.args, env);
                let mut result = None;
                for f in implementations {
                    let this = f.this.clone();
                    let v = self.invoke(env, &f, args.clone(), this, site, 0);
                    result.get_or_insert(v);
                }
                result.unwrap_or_else(|| Value::unknown(method))
            }
            _ => {
                let callee = self.member(&receiver, method, &call.callee);
                let this = match &receiver {
                    Value::Instance(_) => Some(Rc::new(receiver.clone())),
                    _ => None,
                };
                match callee {
                    Value::Function(f) => {
                        let args = self.eval_args(&call.args, env);
                        let this = this.or_else(|| f.this.clone());
                        self.invoke(env, &f, args, this, site, 0)
                    }
                    other => self.call_value(other, call, env, site, is_new),
                }
            }
        }
    }

    /// What the code does with a literal array: iterate it (`forEach`, `map`, `flatMap`,
    /// `reduce`), filter it by a predicate that evaluates to a boolean (kept when it does not), or
    /// combine it (`concat`, `flat`, `join`).
    fn array_method(
        &mut self,
        items: &Rc<Vec<Value>>,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Value {
        let item_arg = |value: &Value| Arg {
            value: value.clone(),
            label: Rc::from("item"),
            site: literal_site(value),
            inner: None,
        };
        match method {
            "forEach" | "map" | "flatMap" | "filter" => {
                let Some(Value::Function(f)) = call.args.first().map(|a| self.eval(a, env)) else {
                    return Value::unknown(method);
                };
                let mut results = Vec::new();
                for (i, item) in items.iter().take(MAX_UNROLL).enumerate() {
                    let result =
                        self.invoke(env, &f, vec![item_arg(item)], None, site, i as u64 + 1);
                    match method {
                        "map" => results.push(result),
                        "flatMap" => match result {
                            Value::Array(inner) => results.extend(inner.iter().cloned()),
                            other => results.push(other),
                        },
                        "filter" if !matches!(result, Value::Bool(false)) => {
                            results.push(item.clone())
                        }
                        _ => {}
                    }
                }
                if method == "forEach" {
                    Value::Nullish
                } else {
                    Value::Array(Rc::new(results))
                }
            }
            "reduce" => {
                let Some(Value::Function(f)) = call.args.first().map(|a| self.eval(a, env)) else {
                    return Value::unknown(method);
                };
                let mut rest = items.iter();
                let mut acc = match call.args.get(1) {
                    Some(init) => self.eval(init, env),
                    None => rest.next().cloned().unwrap_or(Value::Nullish),
                };
                for (i, item) in rest.take(MAX_UNROLL).enumerate() {
                    let args = vec![item_arg(&acc), item_arg(item)];
                    acc = self.invoke(env, &f, args, None, site, i as u64 + 1);
                }
                acc
            }
            "concat" => {
                let mut out: Vec<Value> = items.to_vec();
                for a in &call.args {
                    match self.eval(a, env) {
                        Value::Array(more) => out.extend(more.iter().cloned()),
                        v => out.push(v),
                    }
                }
                Value::Array(Rc::new(out))
            }
            "slice" => {
                let index = |v: Option<Value>, default: usize| match v {
                    Some(Value::Num(n)) if n < 0.0 => items.len().saturating_sub((-n) as usize),
                    Some(Value::Num(n)) => (n as usize).min(items.len()),
                    _ => default,
                };
                let from = index(call.args.first().map(|a| self.eval(a, env)), 0);
                let to = index(call.args.get(1).map(|a| self.eval(a, env)), items.len());
                Value::Array(Rc::new(
                    items
                        .get(from..to.max(from))
                        .map(<[Value]>::to_vec)
                        .unwrap_or_default(),
                ))
            }
            "flat" => Value::Array(Rc::new(
                items
                    .iter()
                    .flat_map(|v| match v {
                        Value::Array(inner) => inner.to_vec(),
                        other => vec![other.clone()],
                    })
                    .collect(),
            )),
            "join" => {
                let separator = match call.args.first().map(|a| self.eval(a, env)) {
                    Some(Value::Text(t)) => t.text,
                    _ => ",".to_string(),
                };
                let parts: Vec<Text> = items.iter().map(|v| text_of(v, &Expr::Nullish)).collect();
                Value::Text(Text {
                    text: parts
                        .iter()
                        .map(|t| t.text.as_str())
                        .collect::<Vec<_>>()
                        .join(&separator),
                    dynamic: parts.iter().any(|t| t.dynamic),
                })
            }
            _ => Value::unknown(method),
        }
    }

    /// String methods that paths and event names are commonly built with.
    fn text_method(&mut self, text: &Text, method: &str, call: &Call, env: &Rc<Env>) -> Value {
        let args: Vec<Value> = call.args.iter().map(|a| self.eval(a, env)).collect();
        let literal = |i: usize| match args.get(i) {
            Some(Value::Text(t)) if !t.dynamic => Some(t.text.clone()),
            _ => None,
        };
        let same = |s: String| {
            Value::Text(Text {
                text: s,
                dynamic: text.dynamic,
            })
        };
        match method {
            "toLowerCase" | "toLocaleLowerCase" if !text.dynamic => same(text.text.to_lowercase()),
            "toUpperCase" | "toLocaleUpperCase" if !text.dynamic => same(text.text.to_uppercase()),
            "trim" => same(text.text.trim().to_string()),
            "replace" | "replaceAll" => match (literal(0), literal(1)) {
                (Some(from), Some(to)) if method == "replace" => {
                    same(text.text.replacen(&from, &to, 1))
                }
                (Some(from), Some(to)) => same(text.text.replace(&from, &to)),
                _ => Value::unknown(method),
            },
            "concat" => {
                let mut out = text.clone();
                for (a, e) in args.iter().zip(&call.args) {
                    let t = text_of(a, e);
                    out.text.push_str(&t.text);
                    out.dynamic |= t.dynamic;
                }
                Value::Text(out)
            }
            "split" if !text.dynamic => match literal(0) {
                Some(sep) if !sep.is_empty() => Value::Array(Rc::new(
                    text.text
                        .split(sep.as_str())
                        .map(|p| Value::Text(Text::literal(p)))
                        .collect(),
                )),
                _ => Value::unknown(method),
            },
            "slice" | "substring" if !text.dynamic => {
                let chars: Vec<char> = text.text.chars().collect();
                let index = |v: Option<&Value>, default: usize| match v {
                    Some(Value::Num(n)) if *n < 0.0 => chars.len().saturating_sub((-n) as usize),
                    Some(Value::Num(n)) => (*n as usize).min(chars.len()),
                    _ => default,
                };
                let (from, to) = (index(args.first(), 0), index(args.get(1), chars.len()));
                same(
                    chars
                        .get(from..to.max(from))
                        .map(|c| c.iter().collect())
                        .unwrap_or_default(),
                )
            }
            _ => Value::unknown(method),
        }
    }

    fn call_value(
        &mut self,
        callee: Value,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        is_new: bool,
    ) -> Value {
        match callee {
            Value::Function(f) => {
                let args = self.eval_args(&call.args, env);
                let wrapped = wrapped_function(&args);
                let this = f.this.clone();
                match (self.invoke(env, &f, args, this, site, 0), wrapped) {
                    (Value::Function(result), Some(inner))
                        if result.func.file == f.func.file && result.wraps.is_none() =>
                    {
                        Value::Function(FnValue {
                            wraps: Some(Rc::new(inner)),
                            ..result
                        })
                    }
                    (result, _) => result,
                }
            }
            Value::Class(class) if is_new => {
                let args = self.eval_args(&call.args, env);
                self.construct(class, args, env, site)
            }
            Value::External(e) => {
                let module = e.module.clone();
                self.call_external(&module, e.path.clone(), call, env, site, is_new)
            }
            _ => Value::unknown(&describe(&Expr::Call(Arc::new(call.clone())))),
        }
    }

    fn call_external(
        &mut self,
        module: &str,
        path: Vec<Rc<str>>,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        is_new: bool,
    ) -> Value {
        for fw in FRAMEWORKS {
            if let Some(v) = fw.call_external(self, module, &path, call, env, site, is_new) {
                return v;
            }
        }
        let limit = match call.args.first() {
            Some(Expr::Object(..)) | Some(Expr::Ident(..))
                if looks_like_rate_limiter(&describe(&call.callee)) =>
            {
                let options = self.eval(&call.args[0], env);
                rate_limit(&options)
            }
            _ => None,
        };
        let wraps = call
            .args
            .iter()
            .rev()
            .find(|a| matches!(a, Expr::Function(_) | Expr::Ident(..) | Expr::Member(..)))
            .map(|a| self.eval(a, env))
            .filter(|v| matches!(v, Value::Function(_)))
            .map(Rc::new);
        let mut path = path;
        path.push(Rc::from("()"));
        Value::External(Rc::new(External {
            module: Rc::from(module),
            path,
            rate_limit: limit.map(|l| Rc::from(l.as_str())),
            label: Some(Rc::from(
                describe(&Expr::Call(Arc::new(call.clone()))).as_str(),
            )),
            wraps,
        }))
    }

    fn construct(&mut self, class: ClassRef, args: Vec<Arg>, env: &Rc<Env>, site: Site) -> Value {
        let args: Vec<Arg> = args.into_iter().map(|a| with_site(a, site)).collect();
        let instance = Rc::new(Instance {
            class,
            args: args.clone(),
        });
        let this = Rc::new(Value::Instance(instance.clone()));
        if let Some(ctor) = self.find_method(class, "constructor", false) {
            let f = FnValue {
                func: ctor,
                env: Some(self.module_env(ctor.file)),
                this: Some(this.clone()),
                owner: None,
                wraps: None,
            };
            self.invoke(env, &f, args, Some(this), site, class_ctx(class));
        }
        Value::Instance(instance)
    }

    /// Calls a function the code defines: binds its parameters, runs its body's calls once per
    /// call context, and returns what it returns.
    pub fn invoke(
        &mut self,
        caller: &Rc<Env>,
        f: &FnValue,
        args: Vec<Arg>,
        this: Option<Rc<Value>>,
        site: Site,
        salt: u64,
    ) -> Value {
        let facts = self.facts(f.func.file);
        let Some(func) = facts.function(f.func.id) else {
            return Value::unknown("function");
        };
        self.invoked.insert(f.func);
        self.invoked_at.insert((f.func, site.file, site.call.start));
        let passed_in = std::mem::take(&mut self.passed_in_callee);
        if let Some(caller_fn) = caller.function.filter(|_| !passed_in) {
            let caller_fn = FnRef {
                file: caller.file,
                id: caller_fn,
            };
            if caller_fn != f.func {
                self.calls.insert(CallEdge {
                    caller: caller_fn,
                    callee: f.func,
                    site,
                });
            }
        }
        if self.invoke_depth >= MAX_INVOKE_DEPTH || self.steps > MAX_STEPS {
            return Value::unknown(func.name.as_deref().unwrap_or("function"));
        }
        let (ctx, ctx_depth) = if caller.ctx_depth < MAX_CONTEXT_DEPTH {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (caller.ctx, site.file, site.call.start, salt).hash(&mut h);
            (h.finish(), caller.ctx_depth + 1)
        } else {
            (caller.ctx ^ salt, caller.ctx_depth)
        };
        let args = args.into_iter().map(|a| with_site(a, site)).collect();
        let this = this.or_else(|| f.this.clone());
        let env = Rc::new(Env {
            file: f.func.file,
            function: Some(f.func.id),
            args,
            bound: true,
            this: if func.kind == FunctionKind::Arrow {
                None
            } else {
                this
            },
            loops: Vec::new(),
            parent: f.env.clone(),
            ctx,
            ctx_depth,
        });
        self.invoke_depth += 1;
        if self.executed.insert((f.func, ctx)) {
            self.run_scope(f.func.file, Some(f.func.id), &env);
        }
        let key = (f.func, ctx);
        let result = match self.return_cache.get(&key) {
            Some(v) => v.clone(),
            None => {
                self.return_cache.insert(key, Value::unknown("return"));
                let mut result =
                    Value::unknown(&format!("{}()", func.name.as_deref().unwrap_or("function")));
                for ret in &func.returns {
                    let v = self.eval(ret, &env);
                    if !v.is_unknown() {
                        result = v;
                        break;
                    }
                }
                self.return_cache.insert(key, result.clone());
                result
            }
        };
        self.invoke_depth -= 1;
        result
    }

    /// Evaluates call arguments, keeping how each was written. A spread of a rest parameter
    /// passes the caller's own arguments through unchanged.
    pub fn eval_args(&mut self, args: &[Expr], env: &Rc<Env>) -> Vec<Arg> {
        let mut out = Vec::new();
        for expr in args {
            match expr {
                Expr::Spread(inner) => {
                    if let Some(rest) = self.rest_args(inner, env) {
                        out.extend(rest);
                        continue;
                    }
                    match self.eval(inner, env) {
                        Value::Array(items) => out.extend(items.iter().map(|v| Arg {
                            value: v.clone(),
                            label: Rc::from(value_label(self, v).as_str()),
                            site: None,
                            inner: None,
                        })),
                        v => out.push(Arg {
                            value: v,
                            label: Rc::from(describe(expr).as_str()),
                            site: None,
                            inner: None,
                        }),
                    }
                }
                _ => {
                    if let Some(arg) = self.param_arg(expr, env) {
                        out.push(arg);
                        continue;
                    }
                    let value = self.eval(expr, env);
                    let inner = match expr {
                        Expr::Call(call) => self.innermost_function(call, env),
                        Expr::Function(id) => self.forwarded_function(*id, env),
                        _ => None,
                    };
                    out.push(Arg {
                        value,
                        label: Rc::from(describe(expr).as_str()),
                        site: None,
                        inner,
                    });
                }
            }
        }
        out
    }

    /// A parameter passed on as an argument keeps the label and site of the caller's argument.
    fn param_arg(&mut self, expr: &Expr, env: &Rc<Env>) -> Option<Arg> {
        let (root, is_member) = match expr {
            Expr::Ident(..) => (expr, false),
            Expr::Member(object, _, _) if matches!(object.as_ref(), Expr::Ident(..)) => {
                (object.as_ref(), true)
            }
            _ => return None,
        };
        let Expr::Ident(name, _) = root else {
            return None;
        };
        let facts = self.facts(env.file);
        let (function, index) = match facts.lookup(name, env.function) {
            Some(Declared::Param(function, index)) => (function, index),
            // An entry of a table looped over: what it registers points at the entry.
            Some(Declared::LoopVar(l)) if is_member => {
                let site = env.loop_value(l).and_then(literal_site);
                let value = self.eval(expr, env);
                return site.map(|site| Arg {
                    label: Rc::from(describe(expr).as_str()),
                    value,
                    site: Some(site),
                    inner: None,
                });
            }
            _ => return None,
        };
        let frame = env.frame_of(env.file, function).filter(|f| f.bound)?;
        let param = &facts.functions[function as usize].params[index];
        let original = frame.args.get(index)?.clone();
        if matches!(param.pattern, Pattern::Rest(_)) {
            return None;
        }
        if !is_member && matches!(param.pattern, Pattern::Ident(..)) {
            return Some(original);
        }
        let value = self.eval(expr, env);
        Some(Arg {
            label: Rc::from(value_label(self, &value).as_str()),
            value,
            site: original.site,
            inner: None,
        })
    }

    fn rest_args(&mut self, expr: &Expr, env: &Rc<Env>) -> Option<Vec<Arg>> {
        let Expr::Ident(name, _) = expr else {
            return None;
        };
        let facts = self.facts(env.file);
        let Some(Declared::Param(function, index)) = facts.lookup(name, env.function) else {
            return None;
        };
        let param = &facts.functions[function as usize].params[index];
        if !matches!(param.pattern, Pattern::Rest(_)) {
            return None;
        }
        let frame = env.frame_of(env.file, function).filter(|f| f.bound)?;
        Some(frame.args.iter().skip(index).cloned().collect())
    }

    /// For `(req, res) => ctrl.create(req, res)`, the function it forwards to.
    fn forwarded_function(&mut self, id: FnId, env: &Rc<Env>) -> Option<Value> {
        let func = self.facts(env.file).function(id)?;
        if func.kind != FunctionKind::Arrow || func.returns.len() != 1 || !func.expression_body {
            return None;
        }
        let Expr::Call(call) = &func.returns[0] else {
            return None;
        };
        if !matches!(call.callee, Expr::Ident(..) | Expr::Member(..)) {
            return None;
        }
        let closure = Rc::new(Env {
            function: Some(id),
            parent: Some(env.clone()),
            ..Env::module(env.file)
        });
        match self.eval(&call.callee, &closure) {
            v @ Value::Function(_) => Some(v),
            _ => None,
        }
    }

    /// For `asyncHandler(ctrl.create)`, the function wrapped: the innermost function argument.
    fn innermost_function(&mut self, call: &Call, env: &Rc<Env>) -> Option<Value> {
        for arg in call.args.iter().rev() {
            match arg {
                Expr::Call(inner) => {
                    if let Some(v) = self.innermost_function(inner, env) {
                        return Some(v);
                    }
                    if let Expr::Member(object, m, _) = &inner.callee {
                        if m == "bind" {
                            let v = self.eval(object, env);
                            if matches!(v, Value::Function(_)) {
                                return Some(v);
                            }
                        }
                    }
                }
                Expr::Ident(..) | Expr::Member(..) | Expr::Function(_) => {
                    let v = self.eval(arg, env);
                    if matches!(v, Value::Function(_)) {
                        return Some(v);
                    }
                }
                _ => {}
            }
        }
        None
    }

    // ----- what frameworks record ------------------------------------------------------------

    /// The handler an argument names, with its definition when the code shows it.
    pub fn handler_ref(&self, arg: &Arg) -> HandlerRef {
        let mut value = arg.inner.as_ref().unwrap_or(&arg.value);
        for _ in 0..8 {
            match value {
                Value::Function(FnValue {
                    wraps: Some(inner), ..
                }) => value = inner,
                Value::External(e) if e.wraps.is_some() => {
                    value = e.wraps.as_deref().unwrap_or(value)
                }
                _ => break,
            }
        }
        match value {
            Value::Function(f) => {
                let facts = self.facts(f.func.file);
                let func = &facts.functions[f.func.id as usize];
                let name = match (&func.name, func.class, &f.owner) {
                    (Some(n), Some(c), _) => {
                        let class = facts.classes[c as usize]
                            .name
                            .as_deref()
                            .unwrap_or("<class>");
                        format!("{class}.{n}")
                    }
                    (Some(n), None, Some(owner)) => format!("{owner}.{n}"),
                    (Some(n), None, None) => n.clone(),
                    (None, _, _) => "<inline>".to_string(),
                };
                HandlerRef {
                    name,
                    definition: Some((f.func.file, func.name_span)),
                    func: Some(f.func),
                }
            }
            _ => HandlerRef {
                name: arg.label.to_string(),
                definition: None,
                func: None,
            },
        }
    }

    pub fn middleware(&self, arg: &Arg) -> Middleware {
        let rate_limit = match &arg.value {
            Value::External(e) => e.rate_limit.as_ref().map(|r| r.to_string()),
            _ => None,
        };
        Middleware {
            name: arg.label.to_string(),
            rate_limit,
        }
    }

    /// Runs a handler function so that what it does (emits, nested registrations) is seen with
    /// the environment it closes over.
    pub fn run_handler(&mut self, env: &Rc<Env>, arg: &Arg, args: Vec<Arg>, site: Site) {
        if let Value::Function(f) = arg.inner.as_ref().unwrap_or(&arg.value) {
            let f = f.clone();
            let this = f.this.clone();
            self.invoke(env, &f, args, this, site, 0);
        }
    }

    pub fn router(
        &mut self,
        key: NodeKey,
        framework: &'static str,
        kind: RouterKind,
        origin: Site,
    ) -> RouterId {
        self.graph.node(key, framework, kind, origin)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_route(
        &mut self,
        router: RouterId,
        method: &str,
        path: Text,
        site: Site,
        handler: Option<&Arg>,
        middleware: &[Arg],
        env: &Rc<Env>,
    ) {
        let seq = self.next_seq();
        let route = RouteReg {
            method: method.to_string(),
            path,
            site,
            handler: handler.map(|h| self.handler_ref(h)),
            middleware: middleware.iter().map(|m| self.middleware(m)).collect(),
            seq,
        };
        self.graph.add_route(router, route);
        if let Some(h) = handler {
            self.run_handler(env, h, Vec::new(), site);
        }
    }

    pub fn add_event(&mut self, event: SocketEventReg) {
        if !self.events.contains(&event) {
            self.events.push(event);
        }
    }

    /// Names a computed event name can take, from `switch` labels on the parameter it comes from.
    pub fn candidates(&mut self, expr: &Expr, env: &Rc<Env>) -> Vec<String> {
        if let Expr::Template(parts, _) = expr {
            // `order:${status}` takes each name `status` can take.
            let subs: Vec<&Expr> = parts
                .iter()
                .filter_map(|p| match p {
                    TemplatePart::Expr(e) => Some(e),
                    TemplatePart::Lit(_) => None,
                })
                .collect();
            let [sub] = subs.as_slice() else {
                return Vec::new();
            };
            return self
                .candidates(sub, env)
                .into_iter()
                .map(|c| {
                    parts
                        .iter()
                        .map(|p| match p {
                            TemplatePart::Lit(s) => s.clone(),
                            TemplatePart::Expr(_) => c.clone(),
                        })
                        .collect()
                })
                .collect();
        }
        let Expr::Ident(name, _) = expr else {
            return Vec::new();
        };
        let facts = self.facts(env.file);
        let Some(Declared::Param(function, index)) = facts.lookup(name, env.function) else {
            return Vec::new();
        };
        let func = &facts.functions[function as usize];
        let mut out: Vec<String> = func
            .switches
            .iter()
            .filter(|(d, _)| d == name)
            .flat_map(|(_, labels)| labels.iter().cloned())
            .collect();
        if let Some(ty) = &func.params[index].ty {
            let resolved = self
                .type_alias(env.file, ty.trim(), 0)
                .unwrap_or_else(|| ty.clone());
            out.extend(string_literal_union(&resolved));
            // A parameter typed by an enum takes the enum's string values.
            if is_identifier(ty.trim()) {
                let module = self.module_env(env.file);
                if let Value::Object(members) = self.lookup(ty.trim(), &module) {
                    out.extend(members.props.iter().filter_map(|(_, v)| match v {
                        Value::Text(t) if !t.dynamic => Some(t.text.clone()),
                        _ => None,
                    }));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

impl Interp<'_> {
    /// The text of type alias `name` as seen from `file`: declared there, or imported (through
    /// re-exports) from another workspace file.
    fn type_alias(&self, file: FileId, name: &str, depth: u32) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let facts = self.facts(file);
        if let Some((_, text)) = facts.type_aliases.iter().find(|(n, _)| n == name) {
            return Some(text.clone());
        }
        let path = self.path(file);
        if let Some(import) = facts.imports.iter().find(|i| i.local == name) {
            let target = self.modules.resolve(path, &import.module)?;
            let imported = match &import.kind {
                ImportKind::Named(n) => n.as_str(),
                _ => return None,
            };
            return self.type_alias(target, imported, depth + 1);
        }
        // `export { X } from './m'` and `export * from './m'` in a barrel.
        use crate::facts::ExportTarget;
        for export in &facts.exports {
            if let ExportTarget::ReExport {
                module,
                name: inner,
            } = &export.target
            {
                if export.name == name || (export.name == "*" && inner == "*") {
                    let target = self.modules.resolve(path, module)?;
                    let wanted = if inner == "*" { name } else { inner.as_str() };
                    if let Some(text) = self.type_alias(target, wanted, depth + 1) {
                        return Some(text);
                    }
                }
            }
        }
        None
    }
}

fn clone_env(env: &Env) -> Env {
    Env {
        file: env.file,
        function: env.function,
        args: env.args.clone(),
        bound: env.bound,
        this: env.this.clone(),
        loops: env.loops.clone(),
        parent: env.parent.clone(),
        ctx: env.ctx,
        ctx_depth: env.ctx_depth,
    }
}

/// The function a call's arguments hand to it, for a call that returns a wrapper.
fn wrapped_function(args: &[Arg]) -> Option<Value> {
    args.iter()
        .rev()
        .find_map(|a| match a.inner.as_ref().unwrap_or(&a.value) {
            v @ Value::Function(_) => Some(v.clone()),
            _ => None,
        })
}

/// Where an object literal taken from a table is written.
fn literal_site(value: &Value) -> Option<Site> {
    match value {
        Value::Object(o) => o.site,
        _ => None,
    }
}

fn with_site(mut arg: Arg, site: Site) -> Arg {
    arg.site.get_or_insert(site);
    arg
}

fn class_ctx(class: ClassRef) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("class", class.file, class.id).hash(&mut h);
    h.finish()
}

fn external(module: &str, name: Option<&str>) -> Value {
    Value::External(Rc::new(External {
        module: Rc::from(module),
        path: name.map(|n| vec![Rc::from(n)]).unwrap_or_default(),
        rate_limit: None,
        label: None,
        wraps: None,
    }))
}

/// An object literal bound to a name takes that name, so its methods are named `obj.method`.
fn name_object(value: Value, name: &str) -> Value {
    match value {
        Value::Object(o) if o.name.is_none() => Value::Object(Rc::new(Object {
            name: Some(Rc::from(name)),
            props: o.props.clone(),
            site: o.site,
        })),
        v => v,
    }
}

fn pattern_default<'p>(pattern: &'p Pattern, name: &str) -> Option<&'p Expr> {
    match pattern {
        Pattern::Default(inner, default) if inner.binds(name) => Some(default),
        _ => None,
    }
}

/// The class a method (or a function nested in one) belongs to.
fn enclosing_class(facts: &FileFacts, mut function: FnId) -> Option<ClassId> {
    for _ in 0..64 {
        let f = facts.function(function)?;
        if let Some(c) = f.class {
            return Some(c);
        }
        function = f.parent?;
    }
    None
}

fn method_class(facts: &FileFacts, function: FnId) -> Option<ClassId> {
    enclosing_class(facts, function)
}

/// A string value: literal when known, `${source}` otherwise.
pub fn text_of(value: &Value, expr: &Expr) -> Text {
    match value {
        Value::Text(t) => t.clone(),
        Value::Num(n) => Text::literal(format_number(*n)),
        Value::Bool(b) => Text::literal(b.to_string()),
        _ => Text::unknown(&describe(expr)),
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

impl Interp<'_> {
    /// Fixes what `this.prop` is on instances of `class`, for a field a framework fills in
    /// (a NestJS gateway's `@WebSocketServer() server`).
    pub fn set_field(&mut self, class: ClassRef, prop: &str, value: Value) {
        self.field_cache.insert((class, prop.to_string()), value);
    }

    /// How to name a value that reached a call without its source text (array elements).
    pub fn label_of(&self, value: &Value) -> String {
        value_label(self, value)
    }

    /// Whether some file of the workspace imports a module whose name starts with `prefix`.
    pub fn workspace_imports(&self, prefix: &str) -> bool {
        self.files
            .iter()
            .any(|f| f.facts.imports.iter().any(|i| i.module.starts_with(prefix)))
            || self.files.iter().any(|f| {
                f.facts.bindings.iter().any(|b| match &b.init {
                    BindingInit::Expr(Expr::Call(c)) => {
                        matches!(c.args.first(), Some(Expr::Str(m, _)) if m.starts_with(prefix))
                    }
                    _ => false,
                })
            })
    }

    /// Whether `file` imports a module whose name starts with `prefix`.
    pub fn file_imports(&self, file: FileId, prefix: &str) -> bool {
        self.facts(file)
            .imports
            .iter()
            .any(|i| i.module.starts_with(prefix))
    }
}

/// How to name a value that reached a call without its source text (spread arrays).
fn value_label(interp: &Interp<'_>, value: &Value) -> String {
    match value {
        Value::Function(_) => {
            interp
                .handler_ref(&Arg {
                    value: value.clone(),
                    label: Rc::from(""),
                    site: None,
                    inner: None,
                })
                .name
        }
        Value::Text(t) => format!("'{}'", t.text),
        Value::External(e) => match &e.label {
            Some(label) => label.to_string(),
            None => e
                .path
                .iter()
                .map(|p| p.as_ref())
                .collect::<Vec<_>>()
                .join("."),
        },
        Value::Unknown(t) => t.to_string(),
        _ => "<value>".to_string(),
    }
}

fn looks_like_rate_limiter(callee: &str) -> bool {
    let lower = callee.to_ascii_lowercase();
    ["ratelimit", "rate_limit", "limiter", "throttle", "slowdown"]
        .iter()
        .any(|k| lower.contains(k))
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// `'a' | 'b'` as a type gives `a` and `b`.
fn string_literal_union(ty: &str) -> Vec<String> {
    ty.split('|')
        .filter_map(|part| {
            let p = part.trim();
            let quoted = (p.starts_with('\'') && p.ends_with('\''))
                || (p.starts_with('"') && p.ends_with('"'));
            (quoted && p.len() >= 2).then(|| p[1..p.len() - 1].to_string())
        })
        .collect()
}
