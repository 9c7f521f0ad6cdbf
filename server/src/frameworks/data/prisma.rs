//! Prisma Client: `prisma.order.findMany()` reads the table of model `Order`; `$transaction`
//! callbacks get the client.

use std::rc::Rc;

use super::{names, receiver_of, record, run_transaction};
use crate::facts::Call;
use crate::frameworks::routing::workspace_uses;
use crate::frameworks::Framework;
use crate::resolve::graph::{Access, TableTarget};
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

pub struct Prisma;

const CLIENT: &str = "@prisma/client";

/// A model delegate's operations: Prisma's set is closed.
fn operation(method: &str) -> Option<Access> {
    match method {
        "findMany" | "findUnique" | "findUniqueOrThrow" | "findFirst" | "findFirstOrThrow"
        | "count" | "aggregate" | "groupBy" => Some(Access::Read),
        "create"
        | "createMany"
        | "createManyAndReturn"
        | "update"
        | "updateMany"
        | "updateManyAndReturn"
        | "upsert"
        | "delete"
        | "deleteMany" => Some(Access::Write),
        _ => None,
    }
}

/// `order` in `prisma.order`: a delegate is named after its model in lower camel case.
fn is_delegate(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn record_operation(cx: &mut Interp<'_>, model: &str, method: &str, site: Site) -> bool {
    match operation(method) {
        Some(access) if is_delegate(model) => {
            record(
                cx,
                site,
                TableTarget::Model(model.to_string()),
                access,
                "prisma",
            );
            true
        }
        _ => false,
    }
}

impl Framework for Prisma {
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
        if module != CLIENT {
            return None;
        }
        match names(path).as_slice() {
            [.., "$transaction"] => {
                run_transaction(cx, call, env, site, receiver_of(module, path, 1));
            }
            [.., model, method] => {
                record_operation(cx, model, method, site);
            }
            _ => {}
        }
        None
    }

    /// `this.prisma.order.findMany()` where the client could not be resolved: the shape alone,
    /// in a backend that uses Prisma, with a receiver named like a client.
    fn call_unknown(
        &self,
        cx: &mut Interp<'_>,
        receiver: &str,
        method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let mut segments = receiver.rsplit('.');
        let (Some(model), Some(client)) = (segments.next(), segments.next()) else {
            return None;
        };
        let client = client.to_ascii_lowercase();
        let named_like_client =
            client.contains("prisma") || matches!(client.as_str(), "tx" | "db" | "client" | "trx");
        if operation(method).is_some() && named_like_client && workspace_uses(cx, CLIENT) {
            record_operation(cx, model, method, site);
        }
        None
    }
}
