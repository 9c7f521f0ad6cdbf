//! Socket.IO: servers (`new Server()`, `require('socket.io')(http)`), namespaces (`io.of`),
//! connection callbacks, `socket.on`, and emits through every modifier (`to`, `in`, `broadcast`,
//! `volatile`, `except`, `timeout`). socket.io-client sockets are recognized too.

use std::rc::Rc;

use crate::facts::Call;
use crate::resolve::describe;
use crate::resolve::graph::{EventKind, NodeKey, SocketEventReg};
use crate::resolve::value::{Arg, Env, Site, Value};
use crate::resolve::Interp;

use super::{Framework, Handle};

pub struct SocketIo;

/// Socket.IO's own events: not part of an application's event catalog.
const RESERVED: [&str; 8] = [
    "connection",
    "connect",
    "disconnect",
    "disconnecting",
    "error",
    "connect_error",
    "new_namespace",
    "reconnect",
];

/// Calls that return the same emitter with a modifier applied.
const MODIFIERS: [&str; 7] = [
    "to", "in", "except", "timeout", "compress", "local", "volatile",
];

impl Framework for SocketIo {
    fn call_external(
        &self,
        _cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        _call: &Call,
        _env: &Rc<Env>,
        _site: Site,
        _is_new: bool,
    ) -> Option<Value> {
        let path: Vec<&str> = path.iter().map(|p| p.as_ref()).collect();
        match (module, path.as_slice()) {
            ("socket.io", [] | ["Server"] | ["default"]) => Some(server("/")),
            ("socket.io-client", [] | ["io"] | ["connect"] | ["default"]) => {
                Some(Value::Handle(Handle::Socket {
                    namespace: Rc::from("/"),
                    client: true,
                }))
            }
            _ => None,
        }
    }

    fn typed(
        &self,
        _cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        _key: NodeKey,
        _site: Site,
        _ty: &str,
    ) -> Option<Value> {
        let last = path.last().map(|p| p.as_ref());
        match (module, last) {
            ("socket.io", Some("Server" | "Namespace")) => Some(server("/")),
            ("socket.io", Some("Socket")) => Some(Value::Handle(Handle::Socket {
                namespace: Rc::from("/"),
                client: false,
            })),
            ("socket.io-client", Some("Socket")) => Some(Value::Handle(Handle::Socket {
                namespace: Rc::from("/"),
                client: true,
            })),
            _ => None,
        }
    }

    fn call_unknown(
        &self,
        cx: &mut Interp<'_>,
        receiver: &str,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        // Code that reaches the server through something the code does not show
        // (`req.app.get('io')`, `global.io`, an untyped `socket` parameter) is still recognized by
        // name, in a workspace that uses Socket.IO at all.
        let kind = receiver_kind(receiver)?;
        if !matches!(
            method,
            "emit"
                | "on"
                | "once"
                | "to"
                | "in"
                | "except"
                | "of"
                | "volatile"
                | "timeout"
                | "compress"
        ) {
            return None;
        }
        let client = cx.file_imports(env.file, "socket.io-client");
        if !client && !super::routing::workspace_uses(cx, "socket.io") {
            return None;
        }
        let handle = match kind {
            ReceiverKind::Server => Handle::SocketServer {
                namespace: Rc::from("/"),
            },
            ReceiverKind::Socket => Handle::Socket {
                namespace: Rc::from("/"),
                client,
            },
        };
        self.call_method(cx, &handle, method, call, env, site)
    }

    fn member(&self, receiver: &Handle, prop: &str) -> Option<Value> {
        match (receiver, prop) {
            (Handle::SocketServer { .. }, "sockets" | "local" | "volatile") => {
                Some(Value::Handle(receiver.clone()))
            }
            (Handle::Socket { .. }, "broadcast" | "volatile" | "local") => {
                Some(Value::Handle(receiver.clone()))
            }
            (
                Handle::Socket {
                    namespace,
                    client: false,
                },
                "nsp",
            ) => Some(server(namespace)),
            (Handle::Socket { client: false, .. }, "server") => Some(server("/")),
            _ => None,
        }
    }

    fn call_method(
        &self,
        cx: &mut Interp<'_>,
        receiver: &Handle,
        method: &str,
        call: &Call,
        env: &Rc<Env>,
        site: Site,
    ) -> Option<Value> {
        let (namespace, client, is_server) = match receiver {
            Handle::SocketServer { namespace } => (namespace.clone(), false, true),
            Handle::Socket { namespace, client } => (namespace.clone(), *client, false),
            _ => return None,
        };
        if MODIFIERS.contains(&method) {
            return Some(Value::Handle(receiver.clone()));
        }
        match method {
            "of" if is_server => {
                let args = cx.eval_args(&call.args, env);
                let name = match args.first().map(|a| &a.value) {
                    Some(Value::Text(t)) => t.text.clone(),
                    _ => args
                        .first()
                        .map(|a| format!("${{{}}}", a.label))
                        .unwrap_or_else(|| "/".into()),
                };
                Some(server(&name))
            }
            "on" | "once" => {
                let args = cx.eval_args(&call.args, env);
                let Some(name_arg) = args.first() else {
                    return Some(Value::unknown(method));
                };
                let name = event_name(name_arg);
                if is_server {
                    if matches!(name.as_deref(), Some("connection" | "connect")) {
                        if let Some(callback) = args.get(1) {
                            let socket = Arg {
                                value: Value::Handle(Handle::Socket {
                                    namespace: namespace.clone(),
                                    client: false,
                                }),
                                label: Rc::from("socket"),
                                site: None,
                                inner: None,
                            };
                            cx.run_handler(env, callback, vec![socket], site);
                        }
                    }
                    return Some(Value::Handle(receiver.clone()));
                }
                if name.as_deref().is_some_and(|n| RESERVED.contains(&n)) {
                    if let Some(handler) = args.get(1) {
                        cx.run_handler(env, handler, Vec::new(), site);
                    }
                    return Some(Value::Handle(receiver.clone()));
                }
                let handler = args.get(1).map(|h| cx.handler_ref(h));
                let event = make_event(
                    cx,
                    EventKind::On,
                    name_arg,
                    &call.args[0],
                    &namespace,
                    client,
                    site,
                    env,
                    handler,
                    None,
                );
                cx.add_event(event);
                if let Some(h) = args.get(1) {
                    cx.run_handler(env, h, Vec::new(), site);
                }
                Some(Value::Handle(receiver.clone()))
            }
            "emit" | "emitWithAck" => {
                let args = cx.eval_args(&call.args, env);
                let Some(name_arg) = args.first() else {
                    return Some(Value::unknown(method));
                };
                if event_name(name_arg)
                    .as_deref()
                    .is_some_and(|n| RESERVED.contains(&n))
                {
                    return Some(Value::unknown(method));
                }
                let payload = args.get(1).and_then(|p| match &p.value {
                    Value::Object(o) => Some(o.props.iter().map(|(k, _)| k.clone()).collect()),
                    _ => None,
                });
                let event = make_event(
                    cx,
                    EventKind::Emit,
                    name_arg,
                    &call.args[0],
                    &namespace,
                    client,
                    site,
                    env,
                    None,
                    payload,
                );
                cx.add_event(event);
                Some(Value::unknown(method))
            }
            _ => Some(Value::unknown(method)),
        }
    }
}

enum ReceiverKind {
    Server,
    Socket,
}

/// Names that, in a Socket.IO code base, denote the server or a socket.
fn receiver_kind(receiver: &str) -> Option<ReceiverKind> {
    let compact: String = receiver.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("get('io')") || compact.contains("get(\"io\")") {
        return Some(ReceiverKind::Server);
    }
    let last = compact
        .rsplit('.')
        .find(|s| !s.is_empty() && !matches!(*s, "sockets" | "broadcast" | "volatile" | "local"))?;
    let name = last.split('(').next().unwrap_or(last);
    match name {
        "io" | "socketio" | "socketIO" | "socketIo" | "ioServer" | "socketServer" | "getIO"
        | "getIo" | "getSocketServer" | "nsp" => Some(ReceiverKind::Server),
        "socket" | "clientSocket" | "sock" => Some(ReceiverKind::Socket),
        _ => None,
    }
}

fn server(namespace: &str) -> Value {
    Value::Handle(Handle::SocketServer {
        namespace: Rc::from(namespace),
    })
}

fn event_name(arg: &Arg) -> Option<String> {
    match &arg.value {
        Value::Text(t) if !t.dynamic => Some(t.text.clone()),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn make_event(
    cx: &mut Interp<'_>,
    kind: EventKind,
    name_arg: &Arg,
    name_expr: &crate::facts::Expr,
    namespace: &str,
    client: bool,
    site: Site,
    env: &Rc<Env>,
    handler: Option<crate::resolve::graph::HandlerRef>,
    payload: Option<Vec<String>>,
) -> SocketEventReg {
    let name = event_name(name_arg);
    let (expression, candidates) = if name.is_none() {
        (Some(describe(name_expr)), cx.candidates(name_expr, env))
    } else {
        (None, Vec::new())
    };
    SocketEventReg {
        kind,
        name,
        expression,
        namespace: namespace.to_string(),
        site,
        handler,
        payload,
        client,
        candidates,
    }
}
