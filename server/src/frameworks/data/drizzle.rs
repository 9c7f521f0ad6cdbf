//! Drizzle: tables declared with `pgTable('orders', ...)` (also MySQL, SQLite and `pgSchema`
//! tables) and the queries that name them: `db.select().from(orders)` reads,
//! `db.insert(orders)`, `db.update(orders)`, `db.delete(orders)` write, `db.query.orders.findMany()`
//! reads through the relational API.

use std::rc::Rc;

use super::{handle, literal_arg, names, record};
use crate::facts::Call;
use crate::frameworks::{Framework, Handle};
use crate::resolve::graph::{Access, TableTarget};
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

pub struct Drizzle;

const VIA: &str = "drizzle";

impl Framework for Drizzle {
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
        if !module.starts_with("drizzle-orm") {
            return None;
        }
        let names = names(path);
        let access = match names.as_slice() {
            [.., "pgTable" | "mysqlTable" | "sqliteTable" | "table"] => {
                let name = literal_arg(cx, call, env, 0)?;
                return Some(handle(TableTarget::Name(name), VIA, site));
            }
            [.., "query", table, "findMany" | "findFirst"] => {
                let target = TableTarget::Model(table.to_string());
                record(cx, site, target, Access::Read, VIA);
                return None;
            }
            [.., "from" | "innerJoin" | "leftJoin" | "rightJoin" | "fullJoin"] => Access::Read,
            [.., "insert" | "update" | "delete"] => Access::Write,
            _ => return None,
        };
        if let Value::Handle(Handle::Data {
            target, via: VIA, ..
        }) = cx.eval(call.args.first()?, env)
        {
            record(cx, site, target, access, VIA);
        }
        None
    }
}
