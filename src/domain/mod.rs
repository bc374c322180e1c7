//! Domain of socio-professional support: plain types, no SQL, no terminal.
//!
//! Every referential value is stored as a stable code (`String`); labels come from the
//! [`Referential`]. The codes the application logic relies on are in [`codes`].

pub mod codes;
mod model;
pub mod referential;

pub use model::*;
pub use referential::Referential;
