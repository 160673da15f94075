//! Members' access tokens: `tokens_per_member` per member, roles in turn
//! (`read`, `write`, `fineGrained`, so that the collector's role partitions
//! are even), mostly used in the last weeks, some never. Enterprise orgs
//! require approval: their tokens carry an `authorization`, approved by an
//! admin, a few pending, denied or revoked.
//!
//! Drawn from their own random source, so adding tokens to a spec changes
//! nothing else of the org.

use super::super::fake_hub::{MemberToken, OrgMember, TokenApproval};
use super::random::{DAY_MS, Rng, rfc3339_ms};

const ROLES: [&str; 3] = ["read", "write", "fineGrained"];
const NAMES: [&str; 6] = ["ci", "laptop", "notebook", "inference", "upload", "eval"];

pub(super) fn tokens(
    per_member: usize,
    approval: bool,
    members: &[OrgMember],
    admins: &[String],
    org_id: &str,
    now_ms: i64,
    rng: &mut Rng,
) -> Vec<MemberToken> {
    let mut out = Vec::with_capacity(members.len() * per_member);
    for m in members {
        for i in 0..per_member {
            let role = ROLES[(out.len()) % ROLES.len()];
            let name = format!("{}-{}", NAMES[rng.below(NAMES.len())], i + 1);
            let created_ms = now_ms - rng.between(20 * DAY_MS, 400 * DAY_MS);
            let id = rng.hex_id();
            let last4: String = id[20..].to_string();
            let last_used_at = (!rng.chance(10)).then(|| {
                rfc3339_ms(
                    now_ms
                        - rng
                            .between(DAY_MS / 24, 150 * DAY_MS)
                            .min(now_ms - created_ms),
                )
            });
            let authorization = approval.then(|| {
                let status = match rng.below(100) {
                    0..3 => "pending",
                    3..5 => "denied",
                    5..8 => "revoked",
                    _ => "approved",
                };
                let granted = matches!(status, "approved" | "revoked");
                TokenApproval {
                    status: status.into(),
                    requested_at: rfc3339_ms(created_ms),
                    authorized_at: granted.then(|| rfc3339_ms(created_ms + DAY_MS / 2)),
                    authorizer: granted.then(|| rng.pick(admins).clone()),
                }
            });
            let scoped = if role == "fineGrained" {
                vec![(
                    "org".to_string(),
                    org_id.to_string(),
                    vec!["repo.content.read".to_string(), "org.read".to_string()],
                )]
            } else {
                Vec::new()
            };
            out.push(MemberToken {
                id,
                owner: m.user.clone(),
                display_name: name,
                role: role.into(),
                last4: Some(last4),
                created_at: rfc3339_ms(created_ms),
                last_used_at,
                authorization,
                scoped,
            });
        }
    }
    out
}
