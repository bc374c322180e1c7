//! Every stored table described once: its name, its columns (with the role each plays in
//! writes) and the order its rows are listed in. The statements are generated from these
//! descriptions (`sql.rs`), rows are read by column name and fields bound by column name,
//! so a column is named in one place only: here, as the field of its record.
//!
//! The descriptions hold names only, no SQL syntax: a second backend (the shared server)
//! generates its own dialect from the same [`Table`]s.
//!
//! Adding a field to a record: add it to its struct (`domain/model.rs`), to its line below,
//! and a migration adding the column (`schema.rs`).

use super::db::{self, Exec};
use super::sql::{self, Sql};
use crate::domain::*;

/// What a column is for when a row is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The row id: key of updates and deletes; given by the database when a record is new.
    Key,
    /// The row this one belongs to: the person of a record, the diagnostic of a theme
    /// assessment. Lists are read by it.
    Owner,
    /// Written by inserts and updates.
    Data,
    /// Written by the insert only (n° de dossier, creation time).
    Fixed,
    /// The position of a sub-row among its siblings (kept in the order given).
    Position,
    /// The version a write must find (else it is refused: changed elsewhere meanwhile);
    /// each update increments it.
    Version,
}

/// One column of a stored table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub role: Role,
}

/// One stored table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    /// Every column the store reads and writes, in order.
    pub columns: &'static [Column],
    /// Columns a list of rows of one owner is sorted by.
    pub order: &'static [&'static str],
}

impl Table {
    /// The first column with `role`.
    pub fn column(&self, role: Role) -> Option<&'static str> {
        self.columns.iter().find(|c| c.role == role).map(|c| c.name)
    }
}

/// A record kind (or sub-row kind) mapped to its table, for this SQLite store.
pub(super) trait Stored: Sized {
    /// The table the records are kept in.
    const TABLE: &'static Table;
    /// Statements of the table, generated once.
    fn sql() -> &'static Sql;
    /// Every field with the parameter named after its column (`:nom`); a statement binds
    /// those it names (an update has no parameter for a fixed column, a new row none for
    /// its key).
    fn params(&self) -> Vec<(&'static str, sql::Param<'_>)>;
    /// The columns the fields are read from, in field order.
    const FIELDS: &'static [&'static str];
    /// Reads a row whose field `k` is in column `at[k]`, as [`sql::columns`] finds them by
    /// name (once per statement, not once per row); a field without a column (`None`, a
    /// query that leaves it out) and the sub-rows are left empty ([`Stored::load_sub_rows`]).
    fn read_columns(row: &db::Row<'_>, at: &[Option<usize>]) -> rusqlite::Result<Self>;
    /// [`Stored::read_columns`] of an SQLite row.
    #[cfg(test)]
    fn from_columns(row: &rusqlite::Row<'_>, at: &[Option<usize>]) -> rusqlite::Result<Self> {
        Self::read_columns(&db::Row::lite(row), at)
    }
    /// Loads the sub-rows kept in their own table (a diagnostic's theme assessments).
    fn load_sub_rows(&mut self, db: &dyn Exec) -> super::Result<()>;
    /// Replaces the sub-rows of the row `id` by this record's (`fresh`: a new row, which
    /// has none yet).
    fn write_sub_rows(&self, db: &dyn Exec, id: Id, fresh: bool) -> super::Result<()>;
}

/// Describes a table and maps its record, naming each column once.
///
/// `Type in "table" as CONST, order [..] { field: Role, .. }`, then optionally
/// `owned_by { column: Owner, .. }` (columns of the table that are not fields: the owner of
/// a sub-row) and `sub_rows { field, .. }` (fields kept in another table, by this row's id).
macro_rules! stored {
    (
        $(#[$doc:meta])*
        $ty:ident in $table:literal as $konst:ident, order [$($order:literal),*]
        { $($col:ident: $role:ident),* $(,)? }
        $(owned_by { $($extra:ident: $erole:ident),* $(,)? })?
        $(sub_rows { $($sub:ident),* $(,)? })?
    ) => {
        $(#[$doc])*
        pub const $konst: Table = Table {
            name: $table,
            columns: &[
                $($(Column { name: stringify!($extra), role: Role::$erole },)*)?
                $(Column { name: stringify!($col), role: Role::$role },)*
            ],
            order: &[$($order),*],
        };

        impl Stored for $ty {
            const TABLE: &'static Table = &$konst;

            fn sql() -> &'static Sql {
                static SQL: std::sync::OnceLock<Sql> = std::sync::OnceLock::new();
                SQL.get_or_init(|| Sql::new(&$konst))
            }

            fn params(&self) -> Vec<(&'static str, sql::Param<'_>)> {
                vec![$((concat!(":", stringify!($col)), sql::field(&self.$col))),*]
            }

            const FIELDS: &'static [&'static str] = &[$(stringify!($col)),*];

            fn read_columns(row: &db::Row<'_>, at: &[Option<usize>]) -> rusqlite::Result<Self> {
                let mut field = at.iter().copied();
                let mut next = || field.next().expect("one entry per field");
                Ok($ty {
                    $($col: match next() {
                        Some(i) => row.get(i)?,
                        None => Default::default(),
                    },)*
                    $($($sub: Vec::new(),)*)?
                })
            }

            #[allow(unused_variables)]
            fn load_sub_rows(&mut self, db: &dyn Exec) -> super::Result<()> {
                $($(self.$sub = sql::list(db, self.id)?;)*)?
                Ok(())
            }

            #[allow(unused_variables)]
            fn write_sub_rows(&self, db: &dyn Exec, id: Id, fresh: bool) -> super::Result<()> {
                $($(sql::replace_sub_rows(db, id, &self.$sub, fresh)?;)*)?
                Ok(())
            }
        }
    };
}

stored! {
    Person in "persons" as PERSONS, order ["dossier"] {
        id: Key, dossier: Fixed, nom: Data, prenom: Data, nom_usage: Data, birth_date: Data,
        sexe: Data, phone: Data, email: Data, commune: Data, nom_naissance: Data,
        caf_numero: Data, caf_organisme: Data, nir: Data, id_france_travail: Data,
        id_departement: Data, role_foyer: Data, adresse: Data, code_postal: Data,
        rsa_depuis: Data, rsa_statut: Data, ass_depuis: Data, ass_statut: Data,
        aah_depuis: Data, aah_statut: Data, ase_sortant: Data, protection: Data, rqth: Data,
        rqth_fin: Data, zrr: Data, qpv: Data, niveau_francais: Data, parent_isole: Data,
        created_at: Fixed, updated_at: Data, version: Version,
    }
}

stored! {
    Suivi in "suivis" as SUIVIS, order ["id"] {
        id: Key, person_id: Owner, dispositif: Data, referent: Data, prescripteur: Data,
        date_orientation: Data, date_premier_contact: Data, date_entree: Data, contrat: Data,
        contrat_debut: Data, contrat_fin: Data, sortie_date: Data, sortie_categorie: Data,
        sortie_detail: Data, version: Version, contrat_signe_le: Data, contrat_revision: Data,
        contrat_intensite: Data, contrat_metiers: Data, contrat_zone: Data,
        engagements_personne: Data, engagements_structure: Data,
    }
}

stored! {
    Diagnostic in "diagnostics" as DIAGNOSTICS, order ["date", "id"] {
        id: Key, person_id: Owner, kind: Data, date: Data, niveau: Data, diplomes: Data,
        situation_pro: Data, dernier_emploi: Data, inactivite_mois: Data, ft_inscrit: Data,
        ft_date: Data, projet: Data, metiers_cibles: Data, competences: Data, envies: Data,
        version: Version,
    }
    sub_rows { themes }
}

stored! {
    /// A diagnostic's level per theme; the store gives them back in theme-code order.
    ThemeAssessment in "diagnostic_themes" as DIAGNOSTIC_THEMES, order ["theme"] {
        theme: Data, level: Data, comment: Data,
    }
    owned_by { diagnostic_id: Owner }
}

stored! {
    Barrier in "barriers" as BARRIERS, order ["id"] {
        id: Key, person_id: Owner, theme: Data, situation: Data, label: Data, status: Data,
        since: Data, resolved: Data, note: Data, version: Version,
    }
}

stored! {
    Objective in "objectives" as OBJECTIVES, order ["id"] {
        id: Key, person_id: Owner, theme: Data, label: Data, status: Data, version: Version,
        contrat: Data,
    }
}

stored! {
    PlanAction in "actions" as ACTIONS, order ["id"] {
        id: Key, person_id: Owner, objective_id: Data, barrier_id: Data, label: Data,
        action_type: Data, partner: Data, due: Data, status: Data, outcome: Data,
        version: Version,
    }
}

stored! {
    Appointment in "appointments" as APPOINTMENTS, order ["start", "id"] {
        id: Key, person_id: Owner, start: Data, duration_min: Data, medium: Data,
        status: Data, report: Data, version: Version,
    }
    sub_rows { demarches }
}

stored! {
    /// The démarches of an appointment, in the order given.
    Demarche in "demarches" as DEMARCHES, order ["position"] {
        theme: Data, label: Data,
    }
    owned_by { appointment_id: Owner, position: Position }
}

stored! {
    Note in "notes" as NOTES, order ["at", "id"] {
        id: Key, person_id: Owner, at: Data, author: Data, private: Data, text: Data,
        version: Version,
    }
}

stored! {
    Etape in "etapes" as ETAPES, order ["debut", "id"] {
        id: Key, person_id: Owner, kind: Data, debut: Data, fin: Data, organisme: Data,
        note: Data, version: Version,
    }
}

stored! {
    Saisine in "saisines" as SAISINES, order ["date", "id"] {
        id: Key, person_id: Owner, suivi_id: Data, date: Data, motif: Data, detail: Data,
        version: Version,
    }
}

stored! {
    Veille in "veilles" as VEILLES, order ["date", "id"] {
        id: Key, person_id: Owner, suivi_id: Data, date: Data, situation: Data, note: Data,
        version: Version,
    }
}

stored! {
    /// A collective session; its participants are its sub-rows (one version covers them).
    Session in "sessions" as SESSIONS, order ["start", "id"] {
        id: Key, title: Data, kind: Data, start: Data, duration_min: Data, place: Data,
        partner: Data, capacity: Data, themes: Data, animateur: Data, report: Data,
        version: Version,
    }
    sub_rows { participants }
}

stored! {
    /// The people enrolled in a session, in enrolment order. Each row refers to its person:
    /// erasing the person removes it (the session stays).
    Participation in "session_participants" as SESSION_PARTICIPANTS, order ["position"] {
        person_id: Data, status: Data, note: Data,
    }
    owned_by { session_id: Owner, position: Position }
}

stored! {
    /// IAE eligibility diagnostics (issue 13).
    Eligibility in "eligibilities" as ELIGIBILITIES, order ["date", "id"] {
        id: Key, person_id: Owner, date: Data, structure: Data, prescriber: Data,
        author: Data, eligible: Data, expires: Data, version: Version,
    }
    sub_rows { criteria }
}

stored! {
    /// The confirmed criteria of an eligibility diagnostic, in the order given.
    EligibilityCriterion in "eligibility_criteria" as ELIGIBILITY_CRITERIA, order ["position"] {
        criterion: Data, met: Data, proof: Data, source: Data,
    }
    owned_by { eligibility_id: Owner, position: Position }
}

impl RecordKind {
    /// The table of this kind of record (also its name in the audit log).
    pub(crate) fn table(self) -> &'static Table {
        match self {
            RecordKind::Person => &PERSONS,
            RecordKind::Suivi => &SUIVIS,
            RecordKind::Diagnostic => &DIAGNOSTICS,
            RecordKind::Barrier => &BARRIERS,
            RecordKind::Objective => &OBJECTIVES,
            RecordKind::Action => &ACTIONS,
            RecordKind::Appointment => &APPOINTMENTS,
            RecordKind::Note => &NOTES,
            RecordKind::Etape => &ETAPES,
            RecordKind::Saisine => &SAISINES,
            RecordKind::Veille => &VEILLES,
            RecordKind::Session => &SESSIONS,
            RecordKind::Eligibility => &ELIGIBILITIES,
        }
    }
}
