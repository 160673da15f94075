//! Seat and cost arithmetic for finance.
//!
//! Billable seats are members plus pending invitations (HUB_API.md: invites
//! count against the seat total on paid plans). Reclaimable seats are those
//! held by departed or unmatched members and by departed or stale invites —
//! as the unmuted findings say, so the money and the findings always agree;
//! a muted finding is an accepted seat. Rows are per cost center of the
//! person holding the seat, plus one `ALL` row per org.

use crate::collections::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeMap;

use crate::history::{Holder, SeatPoint};
use crate::model::MatchMethod;
use crate::report::{SeatHistoryRow, SeatRow};
use crate::rules::{Finding, OrgAudit, Rule};

/// Cost center of matched people without one.
pub const NO_COST_CENTER: &str = "(none)";
/// Cost center of seats nobody on the roster holds.
pub const UNMATCHED: &str = "(unmatched)";
/// The org-wide row.
pub const ALL: &str = "ALL";

/// Monthly price of a seat by plan, in USD: Team $20, Enterprise $50
/// (HUB_API.md); overridden per org by the configuration.
pub fn default_seat_price(plan: Option<&str>) -> f64 {
    match plan.map(str::to_ascii_lowercase).as_deref() {
        Some("team") => 20.0,
        Some("enterprise" | "plus") => 50.0,
        Some("academia") => 0.0,
        None | Some("free" | "") => 0.0,
        Some(_) => 20.0,
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    members: u64,
    invites: u64,
    departed: u64,
    unmatched: u64,
    inactive: u64,
    reclaimable: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.members += o.members;
        self.invites += o.invites;
        self.departed += o.departed;
        self.unmatched += o.unmatched;
        self.inactive += o.inactive;
        self.reclaimable += o.reclaimable;
    }
}

/// One row per cost center, then `ALL`, for one org.
pub fn seat_rows(a: &OrgAudit, findings: &[Finding], price: f64) -> Vec<SeatRow> {
    // (rule, lower-cased subject) of every unmuted finding of this org.
    let open: HashSet<(Rule, String)> = findings
        .iter()
        .filter(|f| f.org == a.org() && !f.is_muted())
        .map(|f| (f.rule, f.subject.to_lowercase()))
        .collect();
    let has = |rule, subject: &str| open.contains(&(rule, subject.to_lowercase()));
    let center = |method: MatchMethod, person: Option<&crate::model::Person>| match (method, person)
    {
        (MatchMethod::Unmatched, _) | (_, None) => UNMATCHED.to_string(),
        (_, Some(p)) => p
            .cost_center
            .clone()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| NO_COST_CENTER.to_string()),
    };

    let mut by_center: BTreeMap<String, Tally> = BTreeMap::new();
    for m in &a.members {
        let t = by_center.entry(center(m.method(), m.person)).or_default();
        let user = &m.item.username;
        t.members += 1;
        let departed = has(Rule::DepartedMember, user);
        let unmatched = has(Rule::UnmatchedMember, user);
        let inactive = has(Rule::InactiveMember, user);
        t.departed += departed as u64;
        t.unmatched += unmatched as u64;
        t.inactive += inactive as u64;
        t.reclaimable += (departed || unmatched || inactive) as u64;
    }
    for i in &a.invites {
        let t = by_center.entry(center(i.method(), i.person)).or_default();
        let who = &i.item.invitee;
        t.invites += 1;
        let departed = has(Rule::DepartedInvite, who);
        t.departed += departed as u64;
        t.reclaimable += (departed || has(Rule::StaleInvite, who)) as u64;
    }

    let plan = a.snapshot.plan.clone().unwrap_or_else(|| "free".into());
    let row = |cost_center: &str, t: &Tally| {
        let billable = t.members + t.invites;
        SeatRow {
            org: a.org().to_string(),
            cost_center: cost_center.to_string(),
            plan: plan.clone(),
            seat_price: price,
            billable_seats: billable,
            members: t.members,
            pending_invites: t.invites,
            departed: t.departed,
            unmatched: t.unmatched,
            inactive: t.inactive,
            reclaimable_seats: t.reclaimable,
            monthly_cost: round_cents(billable as f64 * price),
            reclaimable_monthly_cost: round_cents(t.reclaimable as f64 * price),
        }
    };
    let mut total = Tally::default();
    let mut rows = Vec::with_capacity(by_center.len() + 1);
    for (cc, t) in &by_center {
        total.add(t);
        rows.push(row(cc, t));
    }
    rows.push(row(ALL, &total));
    rows
}

/// What the roster says of every account ever a member, for the seat
/// history: unmatched, or departed after their last day (keyed by the
/// username as the Hub spells it).
pub fn holders(a: &OrgAudit) -> HashMap<String, Holder> {
    let holder = |method: MatchMethod, person: Option<&crate::model::Person>| {
        if method == MatchMethod::Unmatched {
            return Some(Holder::Unmatched);
        }
        let p = person?;
        p.departed(a.as_of).then(|| {
            Holder::DepartedAfter(
                p.termination_date
                    .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 999))
                    .map(|t| t.and_utc()),
            )
        })
    };
    let mut out = HashMap::new();
    for m in &a.members {
        if let Some(h) = holder(m.method(), m.person) {
            out.insert(m.item.username.clone(), h);
        }
    }
    for f in &a.former {
        if let Some(h) = holder(f.matched.method, f.person) {
            out.insert(f.presence.username.clone(), h);
        }
    }
    out
}

/// The seat history of one org: past snapshots count departed and
/// unmatched members as reclaimable; the latest point is the `ALL` row of
/// `seats.csv` itself (invites, inactive members and exceptions included),
/// so the chart and the table agree.
pub fn history_rows(
    org: &str,
    points: &[SeatPoint],
    latest: &[SeatRow],
    price: f64,
) -> Vec<SeatHistoryRow> {
    let all = latest.iter().find(|r| r.cost_center == ALL);
    let last = points.len().saturating_sub(1);
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (billable, departed, unmatched, reclaimable) = match all {
                Some(r) if i == last => (
                    r.billable_seats,
                    r.departed,
                    r.unmatched,
                    r.reclaimable_seats,
                ),
                _ => (
                    p.members + p.pending_invites,
                    p.departed,
                    p.unmatched,
                    p.departed + p.unmatched,
                ),
            };
            SeatHistoryRow {
                org: org.to_string(),
                snapshot_id: p.snapshot_id.clone(),
                taken_at: p.taken_at,
                billable_seats: billable,
                members: p.members,
                pending_invites: p.pending_invites,
                departed,
                unmatched,
                reclaimable_seats: reclaimable,
                monthly_cost: round_cents(billable as f64 * price),
                reclaimable_monthly_cost: round_cents(reclaimable as f64 * price),
            }
        })
        .collect()
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Seat prices per org, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct SeatPrices {
    pub per_org: HashMap<String, f64>,
}

impl SeatPrices {
    pub fn price(&self, org: &str, plan: Option<&str>) -> f64 {
        self.per_org
            .iter()
            .find(|(o, _)| o.eq_ignore_ascii_case(org))
            .map(|(_, p)| *p)
            .unwrap_or_else(|| default_seat_price(plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::evaluate;
    use crate::rules::exceptions::Exceptions;
    use crate::rules::testkit::*;

    fn rows(
        snap: &crate::model::Snapshot,
        people: &[crate::model::Person],
        exceptions: &str,
    ) -> Vec<SeatRow> {
        with_audit(snap, people, |audit| {
            let mut findings = evaluate(audit);
            Exceptions::parse(exceptions, std::path::Path::new("ex.toml"))
                .unwrap()
                .apply(&mut findings, as_of());
            seat_rows(audit, &findings, 20.0)
        })
    }

    fn all(rows: &[SeatRow]) -> &SeatRow {
        rows.iter()
            .find(|r| r.cost_center == ALL)
            .expect("an ALL row")
    }

    #[test]
    fn zero_seats() {
        let r = rows(&snapshot(vec![]), &[], "");
        assert_eq!(r.len(), 1, "only the ALL row");
        assert_eq!(all(&r).billable_seats, 0);
        assert_eq!(all(&r).monthly_cost, 0.0);
    }

    #[test]
    fn one_seat() {
        let r = rows(
            &snapshot(vec![member("alice", "admin")]),
            &[active("alice")],
            "",
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].cost_center, "R&D");
        assert_eq!((r[0].billable_seats, r[0].reclaimable_seats), (1, 0));
        assert_eq!(all(&r).monthly_cost, 20.0);
        assert_eq!(all(&r).plan, "team");
    }

    #[test]
    fn many_seats_by_cost_center_with_reclaimable_ones() {
        let mut people = vec![
            active("alice"),
            gone("bob"),
            active("carol"),
            active("newbie"),
        ];
        people[2].cost_center = Some("Sales".into());
        people[3].cost_center = None;
        let mut snap = snapshot(vec![
            member("alice", "admin"),
            member("bob", "write"),
            member("carol", "read"),
            member("ghost", "read"),
            member("ci-bot", "write"),
        ]);
        snap.invites = vec![invite("newbie", 30), invite("fresh", 2)];
        let muted =
            "[[exception]]\nrule = \"unmatched_member\"\nsubject = \"ci-bot\"\nreason = \"CI\"\n";
        let r = rows(&snap, &people, muted);
        let centers: Vec<&str> = r.iter().map(|r| r.cost_center.as_str()).collect();
        assert_eq!(
            centers,
            vec!["(none)", "(unmatched)", "R&D", "Sales", "ALL"]
        );
        let total = all(&r);
        assert_eq!(total.members, 5);
        assert_eq!(total.pending_invites, 2);
        assert_eq!(total.billable_seats, 7);
        assert_eq!(total.departed, 1, "bob");
        assert_eq!(total.unmatched, 1, "ghost; ci-bot is muted");
        // bob, ghost, and newbie's stale invite.
        assert_eq!(total.reclaimable_seats, 3);
        assert_eq!(total.monthly_cost, 140.0);
        assert_eq!(total.reclaimable_monthly_cost, 60.0);
        let rd = r.iter().find(|r| r.cost_center == "R&D").unwrap();
        assert_eq!((rd.members, rd.departed, rd.reclaimable_seats), (2, 1, 1));
        // Every row adds up to the ALL row.
        let sum: u64 = r
            .iter()
            .filter(|r| r.cost_center != ALL)
            .map(|r| r.billable_seats)
            .sum();
        assert_eq!(sum, total.billable_seats);
    }

    #[test]
    fn prices_follow_the_plan_unless_configured() {
        assert_eq!(default_seat_price(Some("team")), 20.0);
        assert_eq!(default_seat_price(Some("Enterprise")), 50.0);
        assert_eq!(default_seat_price(None), 0.0);
        let prices = SeatPrices {
            per_org: [("acme".to_string(), 35.0)].into_iter().collect(),
        };
        assert_eq!(prices.price("ACME", Some("team")), 35.0);
        assert_eq!(prices.price("other", Some("team")), 20.0);
    }

    #[test]
    fn seat_history_rows_zero_one_many() {
        use chrono::{TimeZone, Utc};
        let point = |d: u32, members: u64, invites: u64, departed: u64, unmatched: u64| SeatPoint {
            snapshot_id: format!("202606{d:02}T000000.000Z"),
            taken_at: Utc.with_ymd_and_hms(2026, 6, d, 0, 0, 0).unwrap(),
            members,
            pending_invites: invites,
            departed,
            unmatched,
        };
        assert!(history_rows("acme", &[], &[], 20.0).is_empty());

        let snap = snapshot(vec![member("alice", "admin"), member("ghost", "read")]);
        let latest = rows(&snap, &[active("alice")], "");
        let one = history_rows("acme", &[point(1, 2, 0, 0, 1)], &latest, 20.0);
        let a = all(&latest);
        assert_eq!(one.len(), 1);
        assert_eq!(
            (
                one[0].billable_seats,
                one[0].reclaimable_seats,
                one[0].monthly_cost
            ),
            (a.billable_seats, a.reclaimable_seats, a.monthly_cost),
            "the latest point is seats.csv's ALL row"
        );

        let many = history_rows(
            "acme",
            &[
                point(1, 10, 2, 1, 2),
                point(2, 11, 1, 3, 2),
                point(3, 2, 0, 0, 1),
            ],
            &latest,
            20.0,
        );
        let got: Vec<(u64, u64, f64)> = many
            .iter()
            .map(|r| {
                (
                    r.billable_seats,
                    r.reclaimable_seats,
                    r.reclaimable_monthly_cost,
                )
            })
            .collect();
        assert_eq!(got[..2], [(12, 3, 60.0), (12, 5, 100.0)]);
        assert_eq!(many[2].billable_seats, a.billable_seats);
    }
}
