//! backend-brain: a static inventory of a TypeScript backend — routes, middleware, auth,
//! Socket.IO events — served to editors over LSP and to CI from the command line.
//!
//! Data flows one way: files → [`facts`] (per file, from one syntax tree) → [`resolve`]
//! (across files, with [`frameworks`] recognizing what they know) → [`inventory`] (an immutable
//! snapshot) → features and front-ends ([`cli`]).

pub mod architecture;
pub mod check;
pub mod cli;
pub mod document;
pub mod export;
pub mod facts;
pub mod features;
pub mod frameworks;
pub mod inventory;
pub mod lsp;
pub mod resolve;
pub mod schema;
pub mod syntax;
pub mod workspace;
