//! Push notifications: Firebase Cloud Messaging (firebase-admin), web-push, Expo and OneSignal.

use super::{last_is, Send};
use crate::resolve::graph::Channel;

pub const SENDS: &[Send] = &[
    // `admin.messaging().send(message)`, `getMessaging().sendEachForMulticast(...)`.
    Send {
        provider: "fcm",
        channel: Channel::Push,
        modules: &["firebase-admin", "firebase-admin/messaging"],
        call: |names, _| {
            names
                .iter()
                .any(|n| *n == "messaging" || *n == "getMessaging")
                && last_is(
                    names,
                    &[
                        "send",
                        "sendEach",
                        "sendEachForMulticast",
                        "sendMulticast",
                        "sendAll",
                        "sendToDevice",
                        "sendToTopic",
                        "sendToCondition",
                    ],
                )
        },
        template: &[],
        requires: None,
        by_shape: false,
    },
    // `webpush.sendNotification(subscription, payload)`
    Send {
        provider: "web-push",
        channel: Channel::Push,
        modules: &["web-push"],
        call: |names, _| last_is(names, &["sendNotification"]),
        template: &[],
        requires: None,
        by_shape: false,
    },
    // `expo.sendPushNotificationsAsync(chunk)`
    Send {
        provider: "expo",
        channel: Channel::Push,
        modules: &["expo-server-sdk"],
        call: |names, _| last_is(names, &["sendPushNotificationsAsync"]),
        template: &[],
        requires: None,
        by_shape: true,
    },
    // `client.createNotification({ template_id })`
    Send {
        provider: "onesignal",
        channel: Channel::Push,
        modules: &["@onesignal/node-onesignal", "onesignal-node"],
        call: |names, _| last_is(names, &["createNotification"]),
        template: &["template_id"],
        requires: None,
        by_shape: true,
    },
];
