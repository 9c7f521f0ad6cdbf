//! Knex: `knex('orders')`, `db.from('orders')`, `trx('orders')` start a query on a table; a
//! chain that inserts, updates or deletes writes it, any other chain reads it.

use std::rc::Rc;

use super::{handle, literal_arg, names, receiver_of, record, run_transaction};
use crate::facts::Call;
use crate::frameworks::{Framework, Handle};
use crate::resolve::graph::Access;
use crate::resolve::graph::TableTarget;
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

pub struct Knex;

const VIA: &str = "knex";

fn writes(method: &str) -> bool {
    matches!(
        method,
        "insert" | "update" | "del" | "delete" | "increment" | "decrement" | "truncate" | "upsert"
    )
}

impl Framework for Knex {
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
        if module != "knex" {
            return None;
        }
        let names = names(path);
        let table = match names.last() {
            Some(&"transaction") => {
                run_transaction(cx, call, env, site, receiver_of(module, path, 1));
                return None;
            }
            // `db.insert(row).into('orders')`: the table comes last.
            Some(&("from" | "table" | "into")) | None => literal_arg(cx, call, env, 0)?,
            // Calling the instance itself: `db('orders')`.
            _ if path.last().map(|p| &**p) == Some("()") => literal_arg(cx, call, env, 0)?,
            _ => return None,
        };
        let target = TableTarget::Name(table);
        if names.iter().any(|n| writes(n)) {
            record(cx, site, target.clone(), Access::Write, VIA);
            return Some(Value::Handle(Handle::Data {
                target,
                via: VIA,
                wrote: true,
                opened: site,
            }));
        }
        Some(handle(target, VIA, site))
    }

    fn call_method(
        &self,
        cx: &mut Interp<'_>,
        receiver: &Handle,
        method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let Handle::Data {
            target,
            via: VIA,
            opened,
            ..
        } = receiver
        else {
            return None;
        };
        if !writes(method) {
            return Some(Value::Handle(receiver.clone()));
        }
        record(cx, site, target.clone(), Access::Write, VIA);
        Some(Value::Handle(Handle::Data {
            target: target.clone(),
            via: VIA,
            wrote: true,
            opened: *opened,
        }))
    }

    /// A chain that wrote nothing read its table. Only the statement that holds the whole chain
    /// counts, not a call that got the query back from a function.
    fn settled(&self, cx: &mut Interp<'_>, handle: &Handle, site: Site) {
        if let Handle::Data {
            target,
            via: VIA,
            wrote: false,
            opened,
        } = handle
        {
            let holds_chain = opened.file == site.file
                && site.call.start <= opened.call.start
                && opened.call.end <= site.call.end;
            if holds_chain {
                record(cx, site, target.clone(), Access::Read, VIA);
            }
        }
    }
}
