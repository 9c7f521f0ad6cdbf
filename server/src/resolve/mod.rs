//! Cross-file resolution: from every file's facts to routers, mounts, routes and events.

mod describe;
pub mod graph;
mod interp;
pub mod modules;
pub mod value;

pub use describe::{describe, rate_text};
pub use interp::{resolve, Interp, Resolution, SourceFile};
