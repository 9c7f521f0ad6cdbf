//! What resolution computes for an expression: a small abstract value domain.

use std::rc::Rc;

use crate::facts::{ClassId, FnId, Span};
use crate::frameworks::Handle;
use crate::workspace::FileId;

/// Where something is written: a call in a file, and the token naming what it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Site {
    pub file: FileId,
    pub call: Span,
    pub name: Span,
}

/// A string value. Parts that cannot be known statically are written `${source}` and make the
/// text dynamic.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub text: String,
    pub dynamic: bool,
}

impl Text {
    pub fn literal(text: impl Into<String>) -> Text {
        Text {
            text: text.into(),
            dynamic: false,
        }
    }
    pub fn unknown(source: &str) -> Text {
        Text {
            text: format!("${{{source}}}"),
            dynamic: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClassRef {
    pub file: FileId,
    pub id: ClassId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnRef {
    pub file: FileId,
    pub id: FnId,
}

/// A function value: the function, the environment it closes over, and `this` for a method
/// taken from an instance.
#[derive(Clone, Debug)]
pub struct FnValue {
    pub func: FnRef,
    pub env: Option<Rc<Env>>,
    pub this: Option<Rc<Value>>,
    /// The name of the object literal the function was taken from (`reviewController`).
    pub owner: Option<Rc<str>>,
    /// For what a wrapper returned (`catchAsync(fn)`), the function it wraps.
    pub wraps: Option<Rc<Value>>,
}

impl FnValue {
    /// A plain function value: no bound `this`, not taken from an object, wrapping nothing.
    pub fn new(func: FnRef, env: Option<Rc<Env>>) -> FnValue {
        FnValue {
            func,
            env,
            this: None,
            owner: None,
            wraps: None,
        }
    }
}

/// A value that comes from an npm package (`express.Router`, `rateLimit({...})`).
#[derive(Clone, Debug)]
pub struct External {
    pub module: Rc<str>,
    /// Member path from the module's export; `()` marks a call.
    pub path: Vec<Rc<str>>,
    /// A rate limiter's visible limit, `100/15min`.
    pub rate_limit: Option<Rc<str>>,
    /// The call as written, for a value produced by calling the package.
    pub label: Option<Rc<str>>,
    /// For what a wrapper from a package returned (`asyncHandler(fn)`), the function it wraps.
    pub wraps: Option<Rc<Value>>,
}

#[derive(Clone, Debug)]
pub struct Object {
    /// The name of the binding the object literal was declared with, for naming its methods.
    pub name: Option<Rc<str>>,
    pub props: Vec<(String, Value)>,
    /// Where the literal is written: a route taken from a table points at its entry.
    pub site: Option<Site>,
}

#[derive(Clone, Debug)]
pub enum Value {
    Text(Text),
    Num(f64),
    Bool(bool),
    Nullish,
    Object(Rc<Object>),
    Array(Rc<Vec<Value>>),
    Function(FnValue),
    Class(ClassRef),
    Instance(Rc<Instance>),
    /// A module's namespace (`import * as m`).
    Module(FileId),
    External(Rc<External>),
    /// Something a framework recognizes: a router, a socket server.
    Handle(Handle),
    Unknown(Rc<str>),
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub class: ClassRef,
    /// The constructor's arguments, when the instance comes from a visible `new`.
    pub args: Vec<Arg>,
}

impl Value {
    pub fn unknown(text: &str) -> Value {
        Value::Unknown(Rc::from(text))
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_) | Value::Nullish)
    }
    pub fn as_handle(&self) -> Option<&Handle> {
        match self {
            Value::Handle(h) => Some(h),
            _ => None,
        }
    }
}

/// An argument as passed at a call: its value, how the user wrote it, and the outermost call site
/// it was written at (so that a route registered through a wrapper points at the user's call).
#[derive(Clone, Debug)]
pub struct Arg {
    pub value: Value,
    pub label: Rc<str>,
    pub site: Option<Site>,
    /// For an argument written as a wrapping call (`asyncHandler(ctrl.create)`), the innermost
    /// function it wraps.
    pub inner: Option<Value>,
}

/// The environment a function body is evaluated in.
#[derive(Debug)]
pub struct Env {
    pub file: FileId,
    /// The function whose parameters `args` binds; `None` at module level.
    pub function: Option<FnId>,
    pub args: Vec<Arg>,
    /// False when the function runs on its own, without a caller: parameters are then unknown
    /// (or known by their declared type).
    pub bound: bool,
    pub this: Option<Rc<Value>>,
    /// Values of `for ... of` loop variables, by loop index.
    pub loops: Vec<(u32, Value)>,
    /// The lexically enclosing environment.
    pub parent: Option<Rc<Env>>,
    /// Identifies the chain of calls that led here, so that a factory called from two places
    /// creates two routers.
    pub ctx: u64,
    pub ctx_depth: u8,
}

impl Env {
    pub fn module(file: FileId) -> Env {
        Env {
            file,
            function: None,
            args: Vec::new(),
            bound: false,
            this: None,
            loops: Vec::new(),
            parent: None,
            ctx: 0,
            ctx_depth: 0,
        }
    }

    /// The environment that binds `function`'s parameters, searching outwards.
    pub fn frame_of(self: &Rc<Env>, file: FileId, function: FnId) -> Option<Rc<Env>> {
        let mut env = Some(self.clone());
        while let Some(e) = env {
            if e.file == file && e.function == Some(function) {
                return Some(e);
            }
            env = e.parent.clone();
        }
        None
    }

    pub fn loop_value(&self, index: u32) -> Option<&Value> {
        let mut env = Some(self);
        while let Some(e) = env {
            if let Some((_, v)) = e.loops.iter().rev().find(|(l, _)| *l == index) {
                return Some(v);
            }
            env = e.parent.as_deref();
        }
        None
    }

    /// `this` as seen here: arrow functions see their enclosing method's.
    pub fn this_value(&self) -> Option<Rc<Value>> {
        let mut env = Some(self);
        while let Some(e) = env {
            if let Some(t) = &e.this {
                return Some(t.clone());
            }
            env = e.parent.as_deref();
        }
        None
    }
}
