//! 50,000 rows parse correctly (their speed is measured by `benches/report.rs`).

use super::{date, parse};

#[test]
fn fifty_thousand_rows() {
    let text = big_roster(50_000);
    let r = parse(&text).unwrap();
    assert_eq!(r.people.len(), 50_000);
    assert!(r.warnings.is_empty());
    assert_eq!(r.people[49_999].line, 50_001);
    assert_eq!(
        r.departed_count(date("2026-01-01")),
        50_000 / 4 + 50_000 / 4
    );
}

/// A realistic roster: every 4th person terminated with a date, every 4th
/// (offset) with only a past termination date, quoted names with commas.
pub(super) fn big_roster(n: usize) -> String {
    let mut text = String::from(
        "Employee ID,Work Email,Legal Name,Worker Status,Termination Date,HF Username,Department,Cost Center,Manager Email\r\n",
    );
    for i in 0..n {
        let (status, end) = match i % 4 {
            0 => ("Terminated - Voluntary", "2025-06-30"),
            1 => ("Active", "2025-12-31T17:00:00Z"),
            2 => ("On Leave", ""),
            _ => ("Active", ""),
        };
        text.push_str(&format!(
            "{i:06},Person.{i}@Example.com,\"Surname{i}, Given\",{status},{end},user-{i},Dept {},CC-{},boss{}@example.com\r\n",
            i % 37,
            i % 11,
            i % 100
        ));
    }
    text
}
