//! Sequelize: models defined with `sequelize.define('Order', ...)` or as classes extending
//! `Model` (also sequelize-typescript), called statically (`Order.findAll()`).

use std::rc::Rc;

use super::{data_method, handle, literal_arg, model_class_call, names};
use crate::facts::Call;
use crate::frameworks::{Framework, Handle};
use crate::resolve::graph::TableTarget;
use crate::resolve::value::{ClassRef, Env, Site, Value};
use crate::resolve::Interp;

pub struct Sequelize;

const VIA: &str = "sequelize";

const PACKAGES: [&str; 2] = ["sequelize", "sequelize-typescript"];

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
        if !PACKAGES.contains(&module) || names(path).last() != Some(&"define") {
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
        data_method(cx, receiver, method, site, VIA)??;
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
        model_class_call(cx, class, method, site, (&PACKAGES, "Model"), VIA)
    }
}
