//! The built-in catalog of third-party SDKs, and the names the config adds
//! (`[[integrations]] name = "billing", package = "@acme/billing-client"`).

use std::rc::Rc;

use crate::facts::Call;
use crate::frameworks::options::option;
use crate::resolve::value::Env;
use crate::resolve::Interp;
use crate::workspace::config::IntegrationConfig;

struct Entry {
    name: &'static str,
    packages: &'static [&'static str],
    /// Hosts (by suffix) a client's `endpoint` option can point at instead, with their names:
    /// the S3 client also speaks to Cloudflare R2.
    endpoints: &'static [(&'static str, &'static str)],
}

const CATALOG: &[Entry] = &[
    Entry {
        name: "stripe",
        packages: &["stripe"],
        endpoints: &[],
    },
    Entry {
        name: "s3",
        packages: &[
            "@aws-sdk/client-s3",
            "@aws-sdk/s3-request-presigner",
            "@aws-sdk/lib-storage",
        ],
        endpoints: &[
            ("r2.cloudflarestorage.com", "r2"),
            ("digitaloceanspaces.com", "spaces"),
            ("backblazeb2.com", "b2"),
        ],
    },
    Entry {
        name: "ses",
        packages: &["@aws-sdk/client-ses", "@aws-sdk/client-sesv2"],
        endpoints: &[],
    },
    Entry {
        name: "sendgrid",
        packages: &["@sendgrid/mail", "@sendgrid/client"],
        endpoints: &[],
    },
    Entry {
        name: "twilio",
        packages: &["twilio"],
        endpoints: &[],
    },
    Entry {
        name: "firebase",
        packages: &["firebase-admin"],
        endpoints: &[],
    },
    Entry {
        name: "openai",
        packages: &["openai"],
        endpoints: &[],
    },
    Entry {
        name: "slack",
        packages: &["@slack/web-api", "@slack/bolt"],
        endpoints: &[],
    },
    Entry {
        name: "redis",
        packages: &["redis", "ioredis", "@redis/client"],
        endpoints: &[],
    },
    Entry {
        name: "bullmq",
        packages: &["bullmq"],
        endpoints: &[],
    },
    Entry {
        name: "kafka",
        packages: &["kafkajs"],
        endpoints: &[],
    },
    Entry {
        name: "rabbitmq",
        packages: &["amqplib"],
        endpoints: &[],
    },
    Entry {
        name: "resend",
        packages: &["resend"],
        endpoints: &[],
    },
    Entry {
        name: "postmark",
        packages: &["postmark"],
        endpoints: &[],
    },
    Entry {
        name: "mailgun",
        packages: &["mailgun.js", "mailgun-js"],
        endpoints: &[],
    },
    Entry {
        name: "vonage",
        packages: &["@vonage/", "nexmo"],
        endpoints: &[],
    },
    Entry {
        name: "web-push",
        packages: &["web-push"],
        endpoints: &[],
    },
    Entry {
        name: "expo",
        packages: &["expo-server-sdk"],
        endpoints: &[],
    },
    Entry {
        name: "onesignal",
        packages: &["@onesignal/node-onesignal", "onesignal-node"],
        endpoints: &[],
    },
];

/// Whether `pattern` (a package, or a prefix ending in `/`) covers `module`, subpaths included
/// (`firebase-admin` covers `firebase-admin/messaging`).
fn covers(pattern: &str, module: &str) -> bool {
    if pattern.ends_with('/') {
        return module.starts_with(pattern);
    }
    module == pattern
        || module
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The integration a package is, if it is one: the config's names first, then the catalog, then
/// any AWS SDK client (`@aws-sdk/client-sqs` is `sqs`) or Google Cloud library.
pub fn catalog_name(module: &str, extra: &[IntegrationConfig]) -> Option<String> {
    if let Some(c) = extra.iter().find(|c| covers(&c.package, module)) {
        return Some(c.name.clone());
    }
    if let Some(e) = CATALOG
        .iter()
        .find(|e| e.packages.iter().any(|p| covers(p, module)))
    {
        return Some(e.name.to_string());
    }
    if let Some(service) = module.strip_prefix("@aws-sdk/client-") {
        return Some(service.to_string());
    }
    module
        .strip_prefix("@google-cloud/")
        .map(|service| format!("google-cloud-{service}"))
}

/// The name of a client being created: the catalog's, or another service's when its `endpoint`
/// option points there.
pub fn refine(name: &str, module: &str, cx: &mut Interp<'_>, call: &Call, env: &Rc<Env>) -> String {
    let Some(entry) = CATALOG
        .iter()
        .find(|e| e.name == name && e.packages.iter().any(|p| covers(p, module)))
        .filter(|e| !e.endpoints.is_empty())
    else {
        return name.to_string();
    };
    let endpoint = option(cx, call, env, "endpoint").and_then(|f| f.text);
    let host = endpoint.and_then(|t| super::http::host(&t.text).map(str::to_string));
    host.and_then(|h| {
        entry
            .endpoints
            .iter()
            .find(|(suffix, _)| h.ends_with(suffix))
            .map(|(_, n)| n.to_string())
    })
    .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_name_their_service() {
        assert_eq!(catalog_name("stripe", &[]).as_deref(), Some("stripe"));
        assert_eq!(
            catalog_name("firebase-admin/messaging", &[]).as_deref(),
            Some("firebase")
        );
        assert_eq!(
            catalog_name("@aws-sdk/client-sqs", &[]).as_deref(),
            Some("sqs")
        );
        assert_eq!(
            catalog_name("@google-cloud/storage", &[]).as_deref(),
            Some("google-cloud-storage")
        );
        assert_eq!(
            catalog_name("@vonage/server-sdk", &[]).as_deref(),
            Some("vonage")
        );
        assert_eq!(catalog_name("stripe-utils", &[]), None);
        assert_eq!(catalog_name("express", &[]), None);
        let extra = [IntegrationConfig {
            name: "billing".into(),
            package: "@acme/".into(),
        }];
        assert_eq!(
            catalog_name("@acme/billing-client", &extra).as_deref(),
            Some("billing")
        );
    }
}
