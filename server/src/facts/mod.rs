//! The shared fact model: what one file says, read from its syntax tree alone.
//!
//! Facts are framework-agnostic: imports, exports, bindings, functions, classes with their
//! decorators, and every call with its symbolic arguments. Framework modules interpret them during
//! cross-file resolution; nothing here knows what a route is.

mod congruent;
mod env;
mod extract;

use std::sync::Arc;

pub use congruent::{congruent, SpanMoves};
pub use extract::extract;

/// A byte range in a file, with the 0-based row and byte column of its start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub col: u32,
}

impl Span {
    pub fn contains(&self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }
}

/// Index of a function in [`FileFacts::functions`].
pub type FnId = u32;
/// Index of a class in [`FileFacts::classes`].
pub type ClassId = u32;

/// A symbolic expression, kept as written so that resolution can evaluate it later, possibly with
/// parameters bound to a caller's arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String, Span),
    Num(f64),
    Bool(bool),
    /// `null` or `undefined`.
    Nullish,
    Template(Vec<TemplatePart>, Span),
    Regex(String, Span),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Ident(String, Span),
    This,
    Super,
    Member(Box<Expr>, String, Span),
    Index(Box<Expr>, Box<Expr>),
    /// Shared: a call is listed as a [`CallSite`] and also stays where it is written (an argument,
    /// a return value, an initializer), and both hold the same call.
    Call(Arc<Call>),
    New(Arc<Call>),
    Object(Vec<Prop>, Span),
    Array(Vec<Expr>),
    Spread(Box<Expr>),
    Function(FnId),
    Class(ClassId),
    /// Anything else; the source text is kept (shortened) for messages and dynamic paths.
    Unknown(String, Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    Lit(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Prop {
    KeyValue(String, Expr),
    Spread(Expr),
}

/// A call or `new` expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub callee: Expr,
    pub args: Vec<Expr>,
    /// The whole call.
    pub span: Span,
    /// The called name's token: `get` in `router.get(...)`, `Router` in `Router()`.
    pub name_span: Span,
}

impl Expr {
    pub fn span(&self) -> Option<Span> {
        match self {
            Expr::Str(_, s)
            | Expr::Template(_, s)
            | Expr::Regex(_, s)
            | Expr::Ident(_, s)
            | Expr::Member(_, _, s)
            | Expr::Unknown(_, s) => Some(*s),
            Expr::Call(c) | Expr::New(c) => Some(c.span),
            Expr::Object(_, s) => Some(*s),
            _ => None,
        }
    }
}

/// The scope a name is declared in: a function, or the module when `None`.
pub type Scope = Option<FnId>;

#[derive(Clone, Debug, PartialEq)]
pub enum ImportKind {
    Default,
    Named(String),
    Namespace,
}

/// `import x from 'm'`, `import { a as b } from 'm'`, `import * as n from 'm'`,
/// `import x = require('m')`.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub local: String,
    pub module: String,
    pub kind: ImportKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExportTarget {
    /// A module-level name of this file.
    Local(String),
    /// `export default <expr>`, `module.exports = <expr>`, `exports.x = <expr>`.
    Expr(Expr),
    /// `export { a as b } from 'm'` (`a` may be `default`).
    ReExport { module: String, name: String },
    /// `export * as n from 'm'`.
    Namespace { module: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// The exported name; `default` for the default export.
    pub name: String,
    pub target: ExportTarget,
}

/// How a declared name gets its value.
#[derive(Clone, Debug, PartialEq)]
pub enum BindingInit {
    Expr(Expr),
    Function(FnId),
    Class(ClassId),
    Enum(Vec<(String, Expr)>),
    /// Declared without a value (`let x;`).
    None,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub name: String,
    pub scope: Scope,
    pub init: BindingInit,
    pub span: Span,
    /// The declared type's name, when annotated (`const app: Express = ...`).
    pub ty: Option<String>,
}

/// A parameter pattern: `x`, `{ a, b: c }`, `[x, y]`, `...rest`.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Ident(String, Span),
    Object(Vec<(String, Pattern)>),
    Array(Vec<Option<Pattern>>),
    Rest(Box<Pattern>),
    /// A pattern with a default value.
    Default(Box<Pattern>, Expr),
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub pattern: Pattern,
    /// The annotated type's leading name (`Router` for `router: Router`, `Server` for
    /// `io: SocketIO.Server` is `SocketIO.Server`).
    pub ty: Option<String>,
    pub decorators: Vec<Decorator>,
    /// `constructor(private io: Server)` declares a field too.
    pub is_property: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    Declaration,
    Expression,
    Arrow,
    Method,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: Option<String>,
    pub kind: FunctionKind,
    /// The lexically enclosing function.
    pub parent: Scope,
    /// The class this is a method of.
    pub class: Option<ClassId>,
    pub params: Vec<Param>,
    pub returns: Vec<Expr>,
    /// An arrow function whose body is an expression (`(req, res) => ctrl.list(req, res)`).
    pub expression_body: bool,
    /// `switch (x) { case 'a': ... }` inside the body: the discriminant's name and the literal labels.
    pub switches: Vec<(String, Vec<String>)>,
    pub span: Span,
    /// The name's token, or the start of the function when it has none.
    pub name_span: Span,
    pub doc: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    /// For `constructor(private io: Server)`, the constructor parameter's index.
    pub from_param: Option<usize>,
    pub init: Option<Expr>,
    pub ty: Option<String>,
    pub decorators: Vec<Decorator>,
    pub is_static: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    pub name: String,
    pub function: FnId,
    pub is_static: bool,
    /// `get name() { ... }`: reading the property calls it.
    pub is_getter: bool,
    pub decorators: Vec<Decorator>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    pub name: Option<String>,
    pub extends: Option<Expr>,
    /// The interfaces it implements, by name (`implements UserRepository` gives `UserRepository`).
    pub implements: Vec<String>,
    /// The scope the class is declared in.
    pub scope: Scope,
    pub decorators: Vec<Decorator>,
    pub fields: Vec<Field>,
    pub methods: Vec<Method>,
    pub span: Span,
    pub name_span: Span,
    pub doc: Option<String>,
}

impl Class {
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }
    pub fn constructor(&self) -> Option<&Method> {
        self.method("constructor")
    }
}

/// A call evaluated for its effect (registering a route, mounting a router, emitting an event).
/// Every call of the file is listed except the inner links of a chain (`a.b().c()` is listed once).
#[derive(Clone, Debug, PartialEq)]
pub struct CallSite {
    /// An `Expr::Call` or `Expr::New`.
    pub expr: Expr,
    pub scope: Scope,
    /// The innermost `for (... of ...)` loop around the call.
    pub in_loop: Option<u32>,
    /// The JSDoc block right above the statement this call begins.
    pub doc: Option<String>,
}

/// An assignment `target = value` (`module.exports = x`, `this.io = io`, `app.locals.x = y`).
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub target: Expr,
    pub value: Expr,
    pub scope: Scope,
}

/// `for (const pattern of iterable) { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Loop {
    pub pattern: Pattern,
    pub iterable: Expr,
    pub scope: Scope,
    /// The enclosing loop, for nested loops.
    pub parent: Option<u32>,
}

/// An environment variable the file reads: `process.env.X`, `process.env['X']`, a name
/// destructured from `process.env`, or a key of a schema that validates `process.env` (zod's
/// `Schema.parse(process.env)`, envalid's `cleanEnv(process.env, {...})`, joi, yup, and
/// `ConfigModule.forRoot({ validationSchema })`).
#[derive(Clone, Debug, PartialEq)]
pub struct EnvRead {
    pub name: String,
    /// The name's token: the property, the string, the destructured name or the schema key.
    pub span: Span,
    pub scope: Scope,
    /// The fallback written beside it when it is a literal: `?? 'x'`, `|| 10`, a destructuring
    /// default, a schema's `.default(...)`.
    pub default: Option<String>,
    /// For a schema key, the library that validates it (`zod`, `envalid`, `joi`, or the schema
    /// builder's name as written); `None` for a plain read.
    pub validator: Option<String>,
}

/// Everything extracted from one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileFacts {
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub bindings: Vec<Binding>,
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub calls: Vec<CallSite>,
    pub assignments: Vec<Assignment>,
    pub loops: Vec<Loop>,
    /// `type Name = ...` declarations: the name and the type's text.
    pub type_aliases: Vec<(String, String)>,
    /// Environment variables read or validated in this file, in source order.
    pub env_reads: Vec<EnvRead>,
    /// Where the first syntax error is, when the file does not parse cleanly; the facts are then
    /// what the error-tolerant tree still shows.
    pub syntax_error: Option<Span>,
    /// Bindings and imports by name, built on the first [`FileFacts::lookup`].
    names: NameIndex,
}

/// Where each name is declared: without it a lookup scans every binding of the file, which is
/// quadratic in a large file (a 1 MB bundle took seconds). Not part of what the facts say, so
/// it never makes two facts unequal.
#[derive(Clone, Default)]
struct NameIndex(std::sync::OnceLock<Names>);

#[derive(Clone, Default)]
struct Names {
    /// Every binding of a name, in file order, with its scope.
    bindings: std::collections::HashMap<String, Vec<(Scope, usize)>>,
    /// The first import of a local name.
    imports: std::collections::HashMap<String, usize>,
}

impl PartialEq for NameIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for NameIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameIndex")
    }
}

impl FileFacts {
    fn names(&self) -> &Names {
        self.names.0.get_or_init(|| {
            let mut names = Names::default();
            for (i, b) in self.bindings.iter().enumerate() {
                names
                    .bindings
                    .entry(b.name.clone())
                    .or_default()
                    .push((b.scope, i));
            }
            for (i, import) in self.imports.iter().enumerate() {
                names.imports.entry(import.local.clone()).or_insert(i);
            }
            names
        })
    }

    /// The binding or parameter that `name` refers to from `scope`, searching outwards.
    pub fn lookup(&self, name: &str, mut scope: Scope) -> Option<Declared<'_>> {
        let names = self.names();
        let bindings = names.bindings.get(name).map(Vec::as_slice).unwrap_or(&[]);
        loop {
            // The last declaration in the scope wins, as a scan from the end would find.
            if let Some((_, b)) = bindings.iter().rev().find(|(s, _)| *s == scope) {
                return Some(Declared::Binding(*b));
            }
            if let Some(loop_index) = self
                .loops
                .iter()
                .position(|l| l.scope == scope && l.pattern.binds(name))
            {
                return Some(Declared::LoopVar(loop_index as u32));
            }
            match scope {
                Some(f) => {
                    let function = &self.functions[f as usize];
                    if let Some(index) = function.params.iter().position(|p| p.pattern.binds(name))
                    {
                        return Some(Declared::Param(f, index));
                    }
                    scope = function.parent;
                }
                None => {
                    return names
                        .imports
                        .get(name)
                        .and_then(|i| self.imports.get(*i))
                        .map(Declared::Import);
                }
            }
        }
    }

    pub fn function(&self, id: FnId) -> Option<&Function> {
        self.functions.get(id as usize)
    }

    pub fn class(&self, id: ClassId) -> Option<&Class> {
        self.classes.get(id as usize)
    }
}

/// What a name refers to.
#[derive(Clone, Copy, Debug)]
pub enum Declared<'a> {
    /// An index into [`FileFacts::bindings`].
    Binding(usize),
    Param(FnId, usize),
    LoopVar(u32),
    Import(&'a Import),
}

impl Pattern {
    pub fn binds(&self, name: &str) -> bool {
        match self {
            Pattern::Ident(n, _) => n == name,
            Pattern::Object(props) => props.iter().any(|(_, p)| p.binds(name)),
            Pattern::Array(items) => items.iter().flatten().any(|p| p.binds(name)),
            Pattern::Rest(p) | Pattern::Default(p, _) => p.binds(name),
            Pattern::Unknown => false,
        }
    }
}
