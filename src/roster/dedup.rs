//! Duplicate people: the same email or the same employee_id on two rows.
//!
//! SPEC.md: duplicates are reported and "the most recent row wins". A roster
//! has no reliable "as of" column, so the rule is:
//!
//! 1. when both rows have a termination date, the row with the later date
//!    wins: it describes the later period of employment (whatever the file
//!    order);
//! 2. otherwise the row further down the file wins.
//!
//! Rows are never merged: the winner is kept exactly as written. We do not
//! let an "active" row beat a terminated one just because it looks like a
//! rehire: without dates that could hide a leaver, and a wrongly flagged
//! rehire is one muted finding while a hidden leaver is an open door.
//!
//! The same hf_username on two different people is only warned about: both
//! rows are kept and identity matching decides.

use std::collections::HashMap;
use std::path::Path;

use super::cells::shown;
use crate::model::Person;

/// Collects people in file order, resolving duplicates as they arrive.
#[derive(Debug)]
pub(crate) struct People {
    source: String,
    slots: Vec<Option<Person>>,
    by_email: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    by_hf: HashMap<String, usize>,
    warnings: Vec<String>,
}

impl People {
    pub(crate) fn new(path: &Path) -> Self {
        People {
            source: path.display().to_string(),
            slots: Vec::new(),
            by_email: HashMap::new(),
            by_id: HashMap::new(),
            by_hf: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, person: Person) {
        let line = person.line;
        let mut matches: Vec<(usize, Vec<String>)> = Vec::new();
        let mut note = |slot: Option<&usize>, what: String| {
            if let Some(&slot) = slot {
                match matches.iter_mut().find(|(s, _)| *s == slot) {
                    Some((_, whats)) => whats.push(what),
                    None => matches.push((slot, vec![what])),
                }
            }
        };
        if let Some(email) = &person.email {
            note(self.by_email.get(email), format!("email {email}"));
        }
        if let Some(id) = &person.employee_id {
            note(self.by_id.get(id), format!("employee_id {}", shown(id)));
        }
        matches.sort_by_key(|(slot, _)| *slot);

        let mut winner = person;
        let mut winner_slot = None;
        let mut losers = Vec::new();
        for (slot, whats) in matches {
            let Some(old) = self.slots[slot].take() else {
                continue;
            };
            let (keep_old, outcome) = decide(&old, &winner);
            self.warnings.push(format!(
                "{}:{line}: duplicate {} (also on line {}); {outcome}",
                self.source,
                whats.join(" and "),
                old.line
            ));
            if keep_old {
                losers.push(std::mem::replace(&mut winner, old));
                winner_slot = Some(slot);
            } else {
                losers.push(old);
            }
        }
        let slot = winner_slot.unwrap_or(self.slots.len());
        if let Some(hf) = &winner.hf_username
            && let Some(&other) = self.by_hf.get(&hf.to_ascii_lowercase())
            && let Some(Some(p)) = self.slots.get(other).filter(|_| other != slot)
        {
            self.warnings.push(format!(
                "{}:{}: hf_username {hf} is also on line {} for a different person; both rows are kept, check the roster",
                self.source, winner.line, p.line
            ));
        }
        for person in losers.iter().chain(std::iter::once(&winner)) {
            if let Some(email) = &person.email {
                self.by_email.insert(email.clone(), slot);
            }
            if let Some(id) = &person.employee_id {
                self.by_id.insert(id.clone(), slot);
            }
            if let Some(hf) = &person.hf_username {
                self.by_hf.insert(hf.to_ascii_lowercase(), slot);
            }
        }
        if slot == self.slots.len() {
            self.slots.push(Some(winner));
        } else {
            self.slots[slot] = Some(winner);
        }
    }

    /// The people in file order, and the warnings.
    pub(crate) fn finish(self) -> (Vec<Person>, Vec<String>) {
        (self.slots.into_iter().flatten().collect(), self.warnings)
    }
}

/// Which of two duplicate rows wins (`true`: `a`), and the words saying why.
fn decide(a: &Person, b: &Person) -> (bool, String) {
    let (earlier, later, a_is_later) = if a.line > b.line {
        (b, a, true)
    } else {
        (a, b, false)
    };
    match (earlier.termination_date, later.termination_date) {
        (Some(e), Some(l)) if e > l => (
            !a_is_later,
            format!(
                "line {} wins: it has the later termination date ({e}, against {l})",
                earlier.line
            ),
        ),
        _ => (
            a_is_later,
            format!("the later row (line {}) wins", later.line),
        ),
    }
}
