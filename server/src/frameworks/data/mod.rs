//! Data-access libraries: which tables code reads and writes. Each module recognizes one
//! library's calls and records [`Effect::Table`] where they are written; the inventory maps the
//! targets (table names, model names) onto the tables the schema readers found.

pub mod drizzle;
pub mod knex;
pub mod prisma;
pub mod sequelize;
pub mod sql;
pub mod typeorm;

use std::rc::Rc;

use crate::facts::{Call, Expr};
use crate::frameworks::Handle;
use crate::resolve::graph::{Access, Effect, TableTarget};
use crate::resolve::value::{Arg, ClassRef, Env, External, Site, Value};
use crate::resolve::Interp;

/// ORM methods that change rows.
const WRITES: &[&str] = &[
    "create",
    "createMany",
    "createManyAndReturn",
    "insert",
    "insertMany",
    "save",
    "update",
    "updateMany",
    "upsert",
    "delete",
    "deleteMany",
    "remove",
    "softDelete",
    "softRemove",
    "restore",
    "recover",
    "increment",
    "decrement",
    "destroy",
    "bulkCreate",
    "truncate",
    "clear",
    "findOrCreate",
    "findOneAndUpdate",
    "findByIdAndUpdate",
    "findOneAndDelete",
    "findByIdAndDelete",
];

/// ORM methods that only read rows.
const READS: &[&str] = &[
    "find",
    "findOne",
    "findBy",
    "findOneBy",
    "findOneOrFail",
    "findOneByOrFail",
    "findAndCount",
    "findAndCountBy",
    "findAll",
    "findAndCountAll",
    "findByPk",
    "findById",
    "findMany",
    "findUnique",
    "findUniqueOrThrow",
    "findFirst",
    "findFirstOrThrow",
    "count",
    "countBy",
    "aggregate",
    "groupBy",
    "exist",
    "exists",
    "existsBy",
    "sum",
    "average",
    "minimum",
    "maximum",
    "max",
    "min",
    "getMany",
    "getOne",
    "getOneOrFail",
    "getRawMany",
    "getRawOne",
    "getCount",
    "getManyAndCount",
];

/// What an ORM method does to its table; `None` for links of a chain (`where`, `orderBy`).
pub fn access_of(method: &str) -> Option<Access> {
    if WRITES.contains(&method) {
        Some(Access::Write)
    } else if READS.contains(&method) {
        Some(Access::Read)
    } else {
        None
    }
}

pub fn record(
    cx: &mut Interp<'_>,
    site: Site,
    target: TableTarget,
    access: Access,
    via: &'static str,
) {
    cx.add_effect(
        site,
        Effect::Table {
            target,
            access,
            via,
        },
    );
}

/// `Order.findAll()` on a model class whose root base is the package class `base` of one of
/// `packages` (Sequelize's `Model`, TypeORM's `BaseEntity`): records the access under the
/// class's name.
pub fn model_class_call(
    cx: &mut Interp<'_>,
    class: ClassRef,
    method: &str,
    site: Site,
    (packages, base): (&[&str], &str),
    via: &'static str,
) -> Option<Value> {
    let root = cx.external_base(class)?;
    if !packages.contains(&&*root.module) || root.path.first().map(|p| &**p) != Some(base) {
        return None;
    }
    let access = access_of(method)?;
    let model = cx.facts(class.file).classes[class.id as usize]
        .name
        .clone()?;
    record(cx, site, TableTarget::Model(model), access, via);
    Some(Value::unknown(method))
}

/// A method called on a [`Handle::Data`] of `via`: records what it does to the table. `None`
/// for a handle of another library.
pub fn data_method(
    cx: &mut Interp<'_>,
    receiver: &Handle,
    method: &str,
    site: Site,
    via: &'static str,
) -> Option<Option<Access>> {
    let Handle::Data { target, via: v, .. } = receiver else {
        return None;
    };
    if *v != via {
        return None;
    }
    let access = access_of(method);
    if let Some(access) = access {
        record(cx, site, target.clone(), access, via);
    }
    Some(access)
}

/// A value whose method calls touch `target`, made by the call at `opened`.
pub fn handle(target: TableTarget, via: &'static str, opened: Site) -> Value {
    Value::Handle(Handle::Data {
        target,
        via,
        wrote: false,
        opened,
    })
}

/// The model or table a call's argument names: a class the code defines (`getRepository(Order)`),
/// a string (`getRepository('order')`), or the name as written.
pub fn model_name(cx: &mut Interp<'_>, expr: &Expr, env: &Rc<Env>) -> Option<String> {
    match cx.eval(expr, env) {
        Value::Class(class) => cx.facts(class.file).classes[class.id as usize].name.clone(),
        Value::Text(t) if !t.dynamic => Some(t.text),
        _ => match expr {
            Expr::Ident(name, _) => Some(name.clone()),
            _ => None,
        },
    }
}

/// A literal string argument (`knex('orders')`, `pgTable('orders', ...)`).
pub fn literal_arg(
    cx: &mut Interp<'_>,
    call: &Call,
    env: &Rc<Env>,
    index: usize,
) -> Option<String> {
    match cx.eval(call.args.get(index)?, env) {
        Value::Text(t) if !t.dynamic => Some(t.text),
        _ => None,
    }
}

/// Runs a transaction's callback (`prisma.$transaction(async (tx) => ...)`,
/// `knex.transaction((trx) => ...)`) with the client it is handed, so that what it does through
/// that client is seen.
pub fn run_transaction(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, site: Site, client: Value) {
    let Some(callback) = call.args.iter().find(|a| matches!(a, Expr::Function(_))) else {
        return;
    };
    let callback = cx.eval(callback, env);
    let arg = |value| Arg {
        value,
        label: Rc::from("client"),
        site: None,
        inner: None,
    };
    cx.run_handler(env, &arg(callback), vec![arg(client)], site);
}

/// The package value a member path leads to, without its last `depth` segments: the client a
/// method was called on.
pub fn receiver_of(module: &str, path: &[Rc<str>], depth: usize) -> Value {
    Value::External(Rc::new(External {
        module: Rc::from(module),
        path: path[..path.len().saturating_sub(depth)].to_vec(),
        rate_limit: None,
        label: None,
        wraps: None,
    }))
}

/// The path's names without the `()` that mark calls.
pub fn names(path: &[Rc<str>]) -> Vec<&str> {
    path.iter().map(|s| &**s).filter(|s| *s != "()").collect()
}
