//! Cross-file resolution: from every file's facts to routers, mounts, routes and events.

mod describe;
pub mod graph;
mod interp;
pub mod modules;
pub mod value;

/// How rate limits are written, for frameworks that read limits from their own options.
pub use describe::{describe, format_window, rate_limit, rate_text};
pub use interp::{resolve, Interp, Resolution, ResolveOptions, SourceFile};
