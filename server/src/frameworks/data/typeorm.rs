//! TypeORM: repositories (`getRepository(Order)`, `dataSource.getRepository(Order)`, an injected
//! `Repository<Order>`), the entity manager (`manager.save(Order, ...)`), query builders made from
//! a repository, and entities extending `BaseEntity` (`Order.find()`).

use std::rc::Rc;

use super::{
    access_of, data_method, handle, model_class_call, model_name, names, receiver_of, record,
    run_transaction,
};
use crate::facts::Call;
use crate::frameworks::{Framework, Handle};
use crate::resolve::graph::{NodeKey, TableTarget};
use crate::resolve::value::{ClassRef, Env, Site, Value};
use crate::resolve::Interp;

pub struct TypeOrm;

const VIA: &str = "typeorm";

impl Framework for TypeOrm {
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
        if module != "typeorm" {
            return None;
        }
        let method = *names(path).last()?;
        match method {
            "getRepository" | "getTreeRepository" | "getMongoRepository" => {
                let model = model_name(cx, call.args.first()?, env)?;
                Some(handle(TableTarget::Model(model), VIA, site))
            }
            "transaction" => {
                run_transaction(cx, call, env, site, receiver_of(module, path, 1));
                None
            }
            // The entity manager: `manager.save(Order, data)`, `dataSource.manager.find(User)`.
            _ => {
                let access = access_of(method)?;
                if let Value::Class(class) = cx.eval(call.args.first()?, env) {
                    let model = cx.facts(class.file).classes[class.id as usize]
                        .name
                        .clone()?;
                    record(cx, site, TableTarget::Model(model), access, VIA);
                }
                None
            }
        }
    }

    /// `@InjectRepository(Order) private orders: Repository<Order>`; an injected `DataSource` or
    /// `EntityManager` is the package's own value.
    fn typed(
        &self,
        _cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        _key: NodeKey,
        site: Site,
        ty: &str,
    ) -> Option<Value> {
        if module != "typeorm" {
            return None;
        }
        match path.first().map(|p| &**p) {
            Some("Repository" | "TreeRepository" | "MongoRepository") => {
                let entity = ty.split_once('<')?.1.trim_end_matches('>').trim();
                Some(handle(TableTarget::Model(entity.to_string()), VIA, site))
            }
            _ => Some(receiver_of(module, path, 0)),
        }
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
        data_method(cx, receiver, method, site, VIA)?;
        // Query builders and other chain links keep the entity.
        Some(Value::Handle(receiver.clone()))
    }

    /// `Order.find()` on an entity extending `BaseEntity`.
    fn call_class(
        &self,
        cx: &mut Interp<'_>,
        class: ClassRef,
        method: &str,
        _call: &Call,
        _env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        model_class_call(cx, class, method, site, (&["typeorm"], "BaseEntity"), VIA)
    }
}
