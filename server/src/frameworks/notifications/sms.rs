//! Text messages: Twilio, Amazon SNS (a publish to a phone number) and Vonage.

use super::{ends_with, last_is, Send};
use crate::resolve::graph::Channel;

pub const SENDS: &[Send] = &[
    // `client.messages.create({ to, body })`; a Content API template is its `contentSid`.
    Send {
        provider: "twilio",
        channel: Channel::Sms,
        modules: &["twilio"],
        call: |names, _| ends_with(names, &["messages", "create"]),
        template: &["contentSid"],
        requires: None,
        by_shape: true,
    },
    // `new PublishCommand({ PhoneNumber, Message })`; a publish to a topic is no text message.
    Send {
        provider: "sns",
        channel: Channel::Sms,
        modules: &["@aws-sdk/client-sns"],
        call: |names, is_new| is_new && last_is(names, &["PublishCommand"]),
        template: &[],
        requires: Some("PhoneNumber"),
        by_shape: false,
    },
    // `vonage.sms.send({ to, from, text })`; the older client's `message.sendSms(...)`.
    Send {
        provider: "vonage",
        channel: Channel::Sms,
        modules: &["@vonage/server-sdk", "@vonage/sms", "nexmo"],
        call: |names, _| ends_with(names, &["sms", "send"]) || last_is(names, &["sendSms"]),
        template: &[],
        requires: None,
        by_shape: false,
    },
];
