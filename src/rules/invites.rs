//! Invitations nobody accepted: each holds a billable seat.

use crate::rules::context::OrgAudit;
use crate::rules::departed::invite_fix;
use crate::rules::{Finding, Rule, Severity, base_finding};

/// `stale_invite`: low. Age counts from the first snapshot that shows the
/// invite (or the time it was sent, if the source says and that is older).
/// An invite for a departed person is a `departed_invite` instead.
pub fn stale_invite(a: &OrgAudit) -> Vec<Finding> {
    a.invites
        .iter()
        .filter(|i| !a.departed(i.person))
        .filter_map(|i| {
            let inv = i.item;
            let since = a.invite_first_seen(inv);
            let age = a.days_since(since);
            (age > a.thresholds.stale_invite_days).then(|| {
                let mut f = base_finding(a, Rule::StaleInvite, Severity::Low, inv.invitee.clone(), i);
                f.username = inv.username.clone();
                f.email = f.email.or_else(|| inv.email.clone());
                f.role = inv.role.clone();
                f.detail = format!(
                    "the invitation to {} has been pending for {age} days (more than {}), holding a billable seat",
                    a.org(),
                    a.thresholds.stale_invite_days
                );
                f.fix = invite_fix(a, &inv.invitee);
                f.first_seen = Some(since);
                f.days_open = Some(age);
                f
            })
        })
        .collect()
}
