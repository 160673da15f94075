//! `hfaudit review status`: per reviewer, the lines, how many are decided,
//! and how many are overdue (undecided after the due date).

use crate::collections::HashSet;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Decision, Population};

/// One reviewer's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewerStatus {
    pub reviewer: String,
    pub lines: usize,
    pub decided: usize,
    pub overdue: usize,
}

impl ReviewerStatus {
    pub fn undecided(&self) -> usize {
        self.lines - self.decided
    }
}

/// The progress of a campaign on `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub reviewers: Vec<ReviewerStatus>,
    pub lines: usize,
    pub decided: usize,
    pub overdue: usize,
}

impl Status {
    /// Every line decided.
    pub fn complete(&self) -> bool {
        self.decided == self.lines
    }

    pub fn undecided(&self) -> usize {
        self.lines - self.decided
    }
}

/// Counts, per reviewer (sorted by email), the lines of `population` and
/// those `decisions` decide; undecided lines are overdue once `today` is
/// after `due`.
pub fn status(
    population: &Population,
    decisions: &[Decision],
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> Status {
    let decided: HashSet<&str> = decisions.iter().map(|d| d.line_id.as_str()).collect();
    let late = due.is_some_and(|d| today > d);
    let mut per: BTreeMap<&str, ReviewerStatus> = BTreeMap::new();
    for l in &population.lines {
        let s = per.entry(&l.reviewer).or_insert_with(|| ReviewerStatus {
            reviewer: l.reviewer.clone(),
            lines: 0,
            decided: 0,
            overdue: 0,
        });
        s.lines += 1;
        if decided.contains(l.line_id.as_str()) {
            s.decided += 1;
        } else if late {
            s.overdue += 1;
        }
    }
    let reviewers: Vec<ReviewerStatus> = per.into_values().collect();
    Status {
        lines: reviewers.iter().map(|r| r.lines).sum(),
        decided: reviewers.iter().map(|r| r.decided).sum(),
        overdue: reviewers.iter().map(|r| r.overdue).sum(),
        reviewers,
    }
}

/// The lines no decision covers, in population order.
pub fn undecided<'a>(population: &'a Population, decisions: &[Decision]) -> Vec<&'a super::Line> {
    let decided: HashSet<&str> = decisions.iter().map(|d| d.line_id.as_str()).collect();
    population
        .lines
        .iter()
        .filter(|l| !decided.contains(l.line_id.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::decisions::Verdict;

    fn pop(lines: &[(&str, &str)]) -> Population {
        let mut base = crate::review::worksheet::tests_line();
        Population {
            schema_version: 1,
            review_id: "x".into(),
            lines: lines
                .iter()
                .map(|(id, r)| {
                    base.line_id = (*id).into();
                    base.reviewer = (*r).into();
                    base.clone()
                })
                .collect(),
        }
    }

    fn decided(id: &str) -> Decision {
        Decision {
            line_id: id.into(),
            org: "acme".into(),
            username: id.into(),
            decision: Verdict::Keep,
            new_role: None,
            note: None,
            reviewer: "a".into(),
            recorded_at: chrono::Utc::now(),
            worksheet: "w.csv".into(),
            worksheet_sha256: "0".into(),
            worksheet_line: 2,
        }
    }

    #[test]
    fn counts_per_reviewer_and_overdue_after_the_due_date() {
        let p = pop(&[("1", "b"), ("2", "a"), ("3", "a"), ("4", "c")]);
        let d = [decided("2"), decided("4")];
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
        let s = status(&p, &d, Some(day(10)), day(10));
        assert_eq!((s.lines, s.decided, s.overdue), (4, 2, 0));
        assert!(!s.complete());
        let names: Vec<(&str, usize, usize)> = s
            .reviewers
            .iter()
            .map(|r| (r.reviewer.as_str(), r.lines, r.decided))
            .collect();
        assert_eq!(names, vec![("a", 2, 1), ("b", 1, 0), ("c", 1, 1)]);
        let s = status(&p, &d, Some(day(10)), day(11));
        assert_eq!(s.overdue, 2);
        assert_eq!(s.reviewers[0].overdue, 1);
        assert_eq!(status(&p, &d, None, day(31)).overdue, 0);
        let all: Vec<Decision> = ["1", "2", "3", "4"].into_iter().map(decided).collect();
        assert!(status(&p, &all, None, day(1)).complete());
        assert_eq!(undecided(&p, &d).len(), 2);
        // Zero lines is complete.
        assert!(status(&pop(&[]), &[], None, day(1)).complete());
    }
}
