//! Notifications: emails, text messages and push notifications. The libraries that send them are
//! listed by channel ([`email`], [`sms`], [`push`]) and recognized here; a project's own notifier
//! is recognized by its shape ([`own`]).
//!
//! A send is recorded as [`Effect::Notification`] where its template id is written: at the send
//! when the id is literal there, or — when the id reaches the send through a parameter — at the
//! caller's argument, so that a sender shared by many callers is not charged with every caller's
//! template. Template files are matched by name when the inventory is built ([`template_key`]).

pub mod email;
pub mod own;
pub mod push;
pub mod sms;

use std::rc::Rc;

use crate::facts::Call;
use crate::frameworks::data::names;
use crate::frameworks::options::option;
use crate::frameworks::routing::workspace_uses;
use crate::frameworks::Framework;
use crate::resolve::graph::{Channel, Effect};
use crate::resolve::value::{Env, Site, Value};
use crate::resolve::Interp;

/// One library call that sends a notification.
pub struct Send {
    pub provider: &'static str,
    pub channel: Channel,
    /// The packages the call comes from.
    pub modules: &'static [&'static str],
    /// Whether a member path (without calls) and `new` make this send.
    pub call: fn(&[&str], bool) -> bool,
    /// Options that hold the template id, dotted for nested ones (`Content.Template.TemplateName`).
    pub template: &'static [&'static str],
    /// An option the call must have to be this send (SNS texts a phone only with `PhoneNumber`).
    pub requires: Option<&'static str>,
    /// Whether the shape alone is distinctive enough to count on a client that could not be
    /// resolved (`this.transporter.sendMail(...)`) in a backend that uses the package.
    pub by_shape: bool,
}

/// Every send the channel modules list.
fn sends() -> impl Iterator<Item = &'static Send> {
    email::SENDS.iter().chain(sms::SENDS).chain(push::SENDS)
}

/// The last name of a member path is one of `methods`.
pub fn last_is(names: &[&str], methods: &[&str]) -> bool {
    names.last().is_some_and(|m| methods.contains(m))
}

/// The member path ends with `tail` (`messages`, `create`).
pub fn ends_with(names: &[&str], tail: &[&str]) -> bool {
    names.ends_with(tail)
}

pub struct Notifications;

impl Framework for Notifications {
    fn call_external(
        &self,
        cx: &mut Interp<'_>,
        module: &str,
        path: &[Rc<str>],
        call: &Call,
        env: &Rc<Env>,
        site: Site,
        is_new: bool,
    ) -> Option<Value> {
        let names = names(path);
        if let Some(send) =
            sends().find(|s| s.modules.contains(&module) && (s.call)(&names, is_new))
        {
            record_send(cx, send, call, env, site);
        }
        None
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
        let mut names: Vec<&str> = receiver.split('.').collect();
        names.push(method);
        let send = sends().find(|s| s.by_shape && (s.call)(&names, false))?;
        if send.modules.iter().any(|m| workspace_uses(cx, m)) {
            record_send(cx, send, call, env, site);
        }
        None
    }
}

fn record_send(cx: &mut Interp<'_>, send: &Send, call: &Call, env: &Rc<Env>, site: Site) {
    if let Some(required) = send.requires {
        if option(cx, call, env, required).is_none() {
            return;
        }
    }
    let (template, origin) = template(cx, call, env, send.template);
    cx.add_effect(
        origin.unwrap_or(site),
        Effect::Notification {
            channel: send.channel,
            provider: send.provider,
            template,
        },
    );
}

/// The first of `keys` some argument's options give a literal template for, and where that
/// value was written when it came in through a parameter.
pub fn template(
    cx: &mut Interp<'_>,
    call: &Call,
    env: &Rc<Env>,
    keys: &[&str],
) -> (Option<String>, Option<Site>) {
    let mut origin = None;
    for key in keys {
        if let Some(found) = option(cx, call, env, key) {
            match found.text {
                Some(t) if !t.dynamic => return (Some(t.text), found.site),
                _ => origin = origin.or(found.site),
            }
        }
    }
    (None, origin)
}

/// Folders that hold notification templates.
const TEMPLATE_DIRS: [&str; 8] = [
    "templates",
    "template",
    "emails",
    "email",
    "mail",
    "mails",
    "email-templates",
    "mail-templates",
];

/// Extensions of template files; `.tsx`/`.jsx` are email components (React Email, MJML React).
const TEMPLATE_EXTENSIONS: [&str; 9] = [
    "hbs",
    "handlebars",
    "ejs",
    "mjml",
    "html",
    "pug",
    "njk",
    "tsx",
    "jsx",
];

/// Whether a root-relative path is a notification template: a file with a template extension
/// in a templates or emails folder.
pub fn is_template_path(rel: &str) -> bool {
    let mut segments: Vec<&str> = rel.split('/').collect();
    let Some(name) = segments.pop() else {
        return false;
    };
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    extension.is_some_and(|e| TEMPLATE_EXTENSIONS.contains(&e.as_str()))
        && segments
            .iter()
            .any(|s| TEMPLATE_DIRS.contains(&s.to_ascii_lowercase().as_str()))
}

/// What a template is called for matching names: lower case letters and digits only, without a
/// folder or extension (`emails/Order_Created.hbs`, `order-created` and `OrderCreated` match).
pub fn template_key(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    let stem = match base.rsplit_once('.') {
        Some((stem, ext)) if TEMPLATE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => {
            stem
        }
        _ => base,
    };
    stem.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The names a template file can be called by: its own, and its folder's for a file named after
/// its part (`templates/welcome/html.hbs` is the `welcome` template).
pub fn template_file_keys(rel: &str) -> Vec<String> {
    let mut keys = vec![template_key(rel)];
    let mut segments = rel.rsplit('/');
    let name = segments.next().unwrap_or(rel);
    let stem = template_key(name);
    if ["html", "text", "subject", "index", "body"].contains(&stem.as_str()) {
        if let Some(folder) = segments.next() {
            keys = vec![template_key(folder)];
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_files_are_found_by_folder_and_extension() {
        assert!(is_template_path("src/templates/welcome.hbs"));
        assert!(is_template_path("emails/OrderShipped.tsx"));
        assert!(is_template_path("src/mail/templates/reset/html.pug"));
        assert!(!is_template_path("src/routes/orders.ts"));
        assert!(!is_template_path("public/index.html"));
        assert!(!is_template_path("src/components/Button.tsx"));
    }

    #[test]
    fn template_names_match_across_spellings() {
        assert_eq!(template_key("order-created"), "ordercreated");
        assert_eq!(template_key("src/emails/Order_Created.hbs"), "ordercreated");
        assert_eq!(template_key("OrderCreated"), "ordercreated");
        assert_eq!(template_key("welcome.v2"), "welcomev2");
        assert_eq!(
            template_file_keys("templates/welcome/html.hbs"),
            vec!["welcome"]
        );
        assert_eq!(template_file_keys("emails/reset.mjml"), vec!["reset"]);
    }
}
