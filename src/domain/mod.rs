//! Domain of socio-professional support: plain types, no SQL, no terminal.
//!
//! Every referential value is stored as a stable code (`String`); labels come from the
//! [`Referential`]. The codes the application logic relies on are in [`codes`]; the rules a
//! field's value must respect (whoever writes it) are in [`rules`].

pub mod codes;
pub mod contract;
pub mod eligibility;
mod eligibility_record;
mod etape;
mod model;
pub mod nir;
pub mod referential;
pub mod rules;
mod saisine;
mod session;
mod veille;

pub use eligibility_record::*;
pub use etape::*;
pub use model::*;
pub use referential::Referential;
pub use rules::RuleError;
pub use saisine::*;
pub use session::*;
pub use veille::*;
