//! Row lists of each pane, computed from the state: shared by update (what is selected)
//! and views (what is drawn), so both always agree.

use super::state::*;
use crate::domain::referential::Theme;
use crate::domain::*;
use chrono::NaiveDateTime;

impl App {
    pub fn diag_rows(&self) -> Vec<&Theme> {
        self.rf.active_themes().collect()
    }

    pub fn barrier_rows(&self, file: &FileState) -> Vec<BarrierRow> {
        let mut rows = Vec::new();
        let data = &file.data;
        for theme in self.rf.active_themes() {
            let mut group = Vec::new();
            for s in &theme.situations {
                let barrier = data
                    .barriers
                    .iter()
                    .position(|b| b.situation.as_deref() == Some(&s.code));
                if file.checked_only && barrier.is_none() {
                    continue;
                }
                group.push(BarrierRow::Situation {
                    theme: theme.code.clone(),
                    code: s.code.clone(),
                    barrier,
                });
            }
            for (i, b) in data.barriers.iter().enumerate() {
                let known = b
                    .situation
                    .as_ref()
                    .is_some_and(|c| self.rf.situation(c).is_some());
                if b.theme == theme.code && !known {
                    group.push(BarrierRow::Free(i));
                }
            }
            if !group.is_empty() {
                rows.push(BarrierRow::Theme(theme.code.clone()));
                rows.extend(group);
            }
        }
        // Barriers under a theme that is switched off or unknown: kept and shown, never dropped.
        let orphans: Vec<usize> = data
            .barriers
            .iter()
            .enumerate()
            .filter(|(_, b)| self.rf.theme(&b.theme).is_none_or(|t| !t.enabled))
            .map(|(i, _)| i)
            .collect();
        if !orphans.is_empty() {
            rows.push(BarrierRow::Theme(String::new()));
            rows.extend(orphans.into_iter().map(BarrierRow::Free));
        }
        rows
    }

    pub fn plan_rows(&self, file: &FileState) -> Vec<PlanRow> {
        let data = &file.data;
        let mut rows = Vec::new();
        for (oi, o) in data.objectives.iter().enumerate() {
            rows.push(PlanRow::Objective(oi));
            for (ai, a) in data.actions.iter().enumerate() {
                if a.objective_id == Some(o.id) {
                    rows.push(PlanRow::Action(ai));
                }
            }
        }
        for (ai, a) in data.actions.iter().enumerate() {
            let linked = a
                .objective_id
                .is_some_and(|id| data.objectives.iter().any(|o| o.id == id));
            if !linked {
                rows.push(PlanRow::Action(ai));
            }
        }
        rows
    }

    /// Upcoming appointments first (soonest first), then past ones (latest first).
    pub fn appointment_rows(&self, file: &FileState, now: NaiveDateTime) -> Vec<usize> {
        let a = &file.data.appointments;
        let mut upcoming: Vec<usize> = (0..a.len())
            .filter(|i| a[*i].start.is_none_or(|s| s >= now))
            .collect();
        upcoming.sort_by_key(|i| a[*i].start);
        let mut past: Vec<usize> = (0..a.len())
            .filter(|i| a[*i].start.is_some_and(|s| s < now))
            .collect();
        past.sort_by_key(|i| std::cmp::Reverse(a[*i].start));
        upcoming.extend(past);
        upcoming
    }

    /// Journal notes, latest first.
    pub fn journal_rows(&self, file: &FileState) -> Vec<usize> {
        let n = &file.data.notes;
        let mut rows: Vec<usize> = (0..n.len()).collect();
        rows.sort_by_key(|i| std::cmp::Reverse((n[*i].at, n[*i].id)));
        rows
    }

    pub fn pane_len(&self, file: &FileState, pane: Pane) -> usize {
        match pane {
            Pane::Diagnostic => self.diag_rows().len(),
            Pane::Barriers => self.barrier_rows(file).len(),
            Pane::Plan => self.plan_rows(file).len(),
            Pane::Appointments => file.data.appointments.len(),
        }
    }

    /// Is this action overdue (open status, due date passed)?
    pub fn action_overdue(&self, a: &PlanAction) -> bool {
        a.due.is_some_and(|d| d < self.clock.today()) && self.rf.action_open(&a.status)
    }
}
