//! A project's own notifier, by its shape: a function or method named like a send
//! (`sendEmail`, `sendSms`, `sendPush`, `sendNotification`, `notify...`), or `send`/`notify` on
//! something named like a notifier (`notificationService.send`, `mailer.send`), called with a
//! template id: a literal first argument (`send('order-created', user)`) or a `template` option
//! (`sendEmail({ template: 'welcome' })`). Without a template id nothing says it is one.
//!
//! Recorded with provider `own` at the argument that names the template. When the notifier's
//! own code is visible, the inventory follows the call into it for the channels it sends on.

use std::rc::Rc;

use super::template;
use crate::facts::{Call, Expr};
use crate::frameworks::options::option;
use crate::frameworks::Framework;
use crate::resolve::describe;
use crate::resolve::graph::{Channel, Effect};
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

pub struct OwnNotifier;

/// Options that name the template.
const TEMPLATE_KEYS: [&str; 5] = [
    "template",
    "templateId",
    "templateName",
    "template_id",
    "templateKey",
];

/// Words in a receiver's name that make it a notifier.
const NOTIFIER_WORDS: [&str; 6] = ["notif", "mailer", "email", "sms", "push", "messenger"];

impl Framework for OwnNotifier {
    fn call_seen(&self, cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>, site: Site) {
        let (receiver, name) = match &call.callee {
            Expr::Ident(name, _) => (None, name.as_str()),
            Expr::Member(object, name, _) => (Some(object.as_ref()), name.as_str()),
            _ => return,
        };
        // Most calls are not sends: decide by the name before describing the receiver.
        if !(name.starts_with("send")
            || name.starts_with("notify")
            || matches!(name, "dispatch" | "enqueue"))
        {
            return;
        }
        let receiver_text = receiver.map(describe).unwrap_or_default();
        if !is_notifier_call(&receiver_text, name) {
            return;
        }
        // A package's own send is its library's to recognize.
        let callee = match receiver {
            Some(object) => cx.eval(object, env),
            None => cx.eval(&call.callee, env),
        };
        if matches!(callee, Value::External(_)) {
            return;
        }
        let (template, origin) = match first_literal(cx, call, env) {
            Some(found) => found,
            None => template(cx, call, env, &TEMPLATE_KEYS),
        };
        let Some(template) = template.filter(|t| looks_like_template(t)) else {
            return;
        };
        let channel = channel_of(&format!("{receiver_text}.{name}"))
            .or_else(|| channel_option(cx, call, env))
            .unwrap_or(Channel::Unknown);
        cx.add_effect(
            origin.unwrap_or(site),
            Effect::Notification {
                channel,
                provider: "own",
                template: Some(template),
            },
        );
    }
}

/// `sendEmail`, `notifyCustomer`, `notificationService.send`, `mailer.send`.
fn is_notifier_call(receiver: &str, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let named_send = lower.starts_with("send")
        && ["email", "mail", "sms", "text", "push", "notification"]
            .iter()
            .any(|w| lower[4..].starts_with(w));
    let notify = lower.starts_with("notify");
    let last = receiver
        .rsplit('.')
        .next()
        .unwrap_or(receiver)
        .to_ascii_lowercase();
    let on_notifier = matches!(lower.as_str(), "send" | "notify" | "dispatch" | "enqueue")
        && NOTIFIER_WORDS.iter().any(|w| last.contains(w));
    named_send || notify || on_notifier
}

/// A literal first argument: `send('order-created', ...)`.
fn first_literal(
    cx: &mut Interp<'_>,
    call: &Call,
    env: &Rc<Env>,
) -> Option<(Option<String>, Option<Site>)> {
    let first = call.args.first()?;
    if matches!(first, Expr::Object(..)) {
        return None;
    }
    let arg = cx.eval_args(std::slice::from_ref(first), env).pop()?;
    match arg.value {
        Value::Text(t) if !t.dynamic => Some((Some(t.text), arg.site)),
        _ => None,
    }
}

/// Template ids are slugs or dotted keys, not sentences, addresses or phone numbers.
fn looks_like_template(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && !text.starts_with('+')
        && !text.contains('@')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'))
        && text.chars().any(|c| c.is_ascii_alphabetic())
}

/// The channel a notifier's name says.
fn channel_of(name: &str) -> Option<Channel> {
    let lower = name.to_ascii_lowercase();
    if lower.contains("email") || lower.contains("mail") {
        Some(Channel::Email)
    } else if lower.contains("sms") || lower.contains("sendtext") {
        Some(Channel::Sms)
    } else if lower.contains("push") {
        Some(Channel::Push)
    } else {
        None
    }
}

/// A literal `channel: 'sms'` option.
fn channel_option(cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>) -> Option<Channel> {
    let text = option(cx, call, env, "channel")?.text?;
    match text.text.to_ascii_lowercase().as_str() {
        "email" | "mail" => Some(Channel::Email),
        "sms" | "text" => Some(Channel::Sms),
        "push" => Some(Channel::Push),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifiers_are_recognized_by_name() {
        assert!(is_notifier_call("", "sendEmail"));
        assert!(is_notifier_call("this.mailer", "sendMail"));
        assert!(is_notifier_call("notificationService", "send"));
        assert!(is_notifier_call("", "notifyCustomer"));
        assert!(is_notifier_call("this.smsGateway", "send"));
        assert!(!is_notifier_call("res", "send"));
        assert!(!is_notifier_call("socket", "send"));
        assert!(!is_notifier_call("emailService", "sendPasswordReset"));
        assert!(!is_notifier_call("", "sendFile"));
    }

    #[test]
    fn template_ids_look_like_ids() {
        assert!(looks_like_template("order-created"));
        assert!(looks_like_template("emails/welcome.hbs"));
        assert!(looks_like_template("d-1a2b3c"));
        assert!(!looks_like_template("+15550100"));
        assert!(!looks_like_template("ops@example.com"));
        assert!(!looks_like_template("Your order has shipped"));
        assert!(!looks_like_template("42"));
    }
}
