//! Sequelize: models defined with `sequelize.define('Order', ...)` or as classes extending
//! `Model` (also sequelize-typescript), called statically (`Order.findAll()`).

use std::rc::Rc;

use super::{access_of, handle, literal_arg, names, record};
use crate::facts::Call;
use crate::frameworks::{Framework, Handle};
use crate::resolve::graph::TableTarget;
use crate::resolve::value::{ClassRef, Env, Site, Value};
use crate::resolve::Interp;

pub struct Sequelize;

const VIA: &str = "sequelize";

fn is_sequelize(module: &str) -> bool {
    matches!(module, "sequelize" | "sequelize-typescript")
}

impl Framework for Sequelize {
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
        if !is_sequelize(module) || names(path).last() != Some(&"define") {
            return None;
        }
        let model = literal_arg(cx, call, env, 0)?;
        Some(handle(TableTarget::Model(model), VIA, site))
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
            target, via: VIA, ..
        } = receiver
        else {
            return None;
        };
        let access = access_of(method)?;
        record(cx, site, target.clone(), access, VIA);
        Some(Value::unknown(method))
    }

    fn call_class(
        &self,
        cx: &mut Interp<'_>,
        class: ClassRef,
        method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let base = cx.external_base(class)?;
        if !is_sequelize(&base.module) || base.path.first().map(|p| &**p) != Some("Model") {
            return None;
        }
        let access = access_of(method)?;
        let model = cx.facts(class.file).classes[class.id as usize]
            .name
            .clone()?;
        record(cx, site, TableTarget::Model(model), access, VIA);
        Some(Value::unknown(method))
    }
}
