//! Email: SendGrid, nodemailer, Amazon SES, Resend, Postmark and Mailgun.

use super::{ends_with, last_is, Send};
use crate::resolve::graph::Channel;

pub const SENDS: &[Send] = &[
    // `sgMail.send({ templateId: 'd-...' })`
    Send {
        provider: "sendgrid",
        channel: Channel::Email,
        modules: &["@sendgrid/mail"],
        call: |names, _| last_is(names, &["send", "sendMultiple"]),
        template: &["templateId"],
        requires: None,
        by_shape: false,
    },
    // `transporter.sendMail({ template: 'welcome' })` (a template engine plugged into the
    // transport reads `template`).
    Send {
        provider: "nodemailer",
        channel: Channel::Email,
        modules: &["nodemailer"],
        call: |names, _| last_is(names, &["sendMail"]),
        template: &["template", "templateName", "templateId"],
        requires: None,
        by_shape: true,
    },
    // `new SendTemplatedEmailCommand({ Template })`; SES v2 nests it under `Content.Template`.
    Send {
        provider: "ses",
        channel: Channel::Email,
        modules: &["@aws-sdk/client-ses", "@aws-sdk/client-sesv2"],
        call: |names, is_new| {
            is_new
                && last_is(
                    names,
                    &[
                        "SendEmailCommand",
                        "SendTemplatedEmailCommand",
                        "SendBulkTemplatedEmailCommand",
                        "SendBulkEmailCommand",
                        "SendRawEmailCommand",
                    ],
                )
        },
        template: &[
            "Template",
            "Content.Template.TemplateName",
            "DefaultContent.Template.TemplateName",
        ],
        requires: None,
        by_shape: false,
    },
    // `resend.emails.send({ react: WelcomeEmail({ ... }) })`
    Send {
        provider: "resend",
        channel: Channel::Email,
        modules: &["resend"],
        call: |names, _| {
            ends_with(names, &["emails", "send"]) || ends_with(names, &["batch", "send"])
        },
        template: &["template.id", "template", "react"],
        requires: None,
        by_shape: false,
    },
    // `client.sendEmailWithTemplate({ TemplateAlias: 'welcome' })`
    Send {
        provider: "postmark",
        channel: Channel::Email,
        modules: &["postmark"],
        call: |names, _| {
            last_is(
                names,
                &[
                    "sendEmail",
                    "sendEmailWithTemplate",
                    "sendEmailBatch",
                    "sendEmailBatchWithTemplates",
                ],
            )
        },
        template: &["TemplateAlias", "TemplateId"],
        requires: None,
        by_shape: true,
    },
    // `mg.messages.create(domain, { template: 'welcome' })`; mailgun-js: `mg.messages().send()`.
    Send {
        provider: "mailgun",
        channel: Channel::Email,
        modules: &["mailgun.js", "mailgun-js"],
        call: |names, _| {
            ends_with(names, &["messages", "create"]) || ends_with(names, &["messages", "send"])
        },
        template: &["template"],
        requires: None,
        by_shape: false,
    },
];
