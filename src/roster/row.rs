//! One roster row → one [`Person`].

use super::cells::{self, shown};
use super::dates::DateReader;
use super::headers::{Columns, Field};
use super::status;
use crate::model::{EmploymentStatus, Person};

/// A row problem: the 1-based column to blame (if any) and the message.
pub(crate) type RowError = (Option<u64>, String);

/// Reads one row whose cells are already known to be valid UTF-8.
pub(crate) struct RowReader<'a> {
    pub(crate) columns: &'a Columns,
    pub(crate) dates: &'a DateReader,
    pub(crate) statuses: status::StatusReader,
}

impl RowReader<'_> {
    pub(crate) fn person(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
    ) -> Result<Person, RowError> {
        let cols = self.columns;
        let cell_at = |i: usize| -> Option<(&str, u64)> {
            let c = record.get(i)?.trim();
            (!c.is_empty()).then_some((c, i as u64 + 1))
        };
        let cell = |field: Field| cols.get(field).and_then(cell_at);
        let at = |col: u64| move |message: String| (Some(col), message);

        let email_cell = cell(Field::Email).or_else(|| cols.email_fallback.and_then(cell_at));
        let email = match email_cell {
            Some((c, col)) => cells::email(c, "email").map_err(at(col))?,
            None => None,
        };
        let hf_username = match cell(Field::HfUsername) {
            Some((c, col)) => cells::hf_username(c).map_err(at(col))?,
            None => None,
        };
        if email.is_none() && hf_username.is_none() {
            let names: Vec<String> = [Field::Email, Field::HfUsername]
                .into_iter()
                .filter_map(|f| cols.get(f))
                .chain(cols.email_fallback)
                .map(|i| format!("{} (column {})", shown(&cols.names[i]), i + 1))
                .collect();
            return Err((
                None,
                format!(
                    "this row has neither an email nor an hf_username; every person needs one ({} {} empty)",
                    names.join(" and "),
                    if names.len() > 1 { "are" } else { "is" }
                ),
            ));
        }
        let (status, status_text) = match cell(Field::Status) {
            Some((c, col)) => (self.statuses.read(c).map_err(at(col))?, Some(c.to_owned())),
            None => (EmploymentStatus::Unknown, None),
        };
        let termination_date = match cell(Field::TerminationDate) {
            Some((c, col)) => Some(self.dates.parse(c).map_err(at(col))?),
            None => None,
        };
        let manager_email = match cell(Field::ManagerEmail) {
            Some((c, col)) => cells::email(c, "manager_email").map_err(at(col))?,
            None => None,
        };
        let full_name = match cell(Field::FullName) {
            Some((c, _)) => Some(c.to_owned()),
            None => match (cell(Field::FirstName), cell(Field::LastName)) {
                (Some((first, _)), Some((last, _))) => Some(format!("{first} {last}")),
                (Some((one, _)), None) | (None, Some((one, _))) => Some(one.to_owned()),
                (None, None) => None,
            },
        };
        let text = |field: Field| cell(field).and_then(|(c, _)| cells::text(c));
        Ok(Person {
            line,
            employee_id: text(Field::EmployeeId),
            email,
            full_name,
            status,
            status_text,
            termination_date,
            hf_username,
            department: text(Field::Department),
            cost_center: text(Field::CostCenter),
            manager_email,
        })
    }
}
