//! Domain of socio-professional support: plain types, no SQL, no terminal.
//!
//! Every referential value is stored as a stable code (`String`); labels come from the
//! [`Referential`]. The codes the application logic relies on are in [`codes`]; the rules a
//! field's value must respect (whoever writes it) are in [`rules`].

pub mod codes;
mod etape;
pub mod eligibility;
mod eligibility_record;
pub mod contract;
mod model;
pub mod nir;
pub mod referential;
pub mod rules;
mod saisine;
mod veille;
mod session;

pub use etape::*;
pub use eligibility_record::*;
pub use model::*;
pub use referential::Referential;
pub use rules::RuleError;
pub use saisine::*;
pub use veille::*;
pub use session::*;
