//! The seat-trend chart of `report.html`: billable seats per snapshot with
//! the reclaimable ones stacked on top of the kept ones, drawn by plotters'
//! SVG backend into an inline `<svg>` (no fonts, no scripts, no links).

use chrono::DateTime;
use plotters::prelude::*;

use crate::report::SeatHistoryRow;

const SIZE: (u32, u32) = (760, 240);
/// Kept seats and reclaimable seats (the legend in the page uses the same).
pub const KEPT: RGBColor = RGBColor(74, 120, 181);
pub const RECLAIMABLE: RGBColor = RGBColor(217, 130, 43);

/// The chart of one org's seat history (rows oldest first), or `None` when
/// there is nothing to draw.
pub fn seat_trend(rows: &[&SeatHistoryRow]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut svg = String::new();
    draw(rows, &mut svg).ok()?;
    // Inline in HTML the namespace is implied; leaving the URL out keeps
    // the page free of any address at all.
    let svg = svg.replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1);
    Some(svg.replacen(
        "<svg ",
        r#"<svg role="img" aria-label="Billable seats per snapshot, reclaimable stacked on top" "#,
        1,
    ))
}

fn draw(rows: &[&SeatHistoryRow], out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let day = |r: &SeatHistoryRow| r.taken_at.timestamp_millis() as f64 / 86_400_000.0;
    let x0 = day(rows[0]);
    let x1 = day(rows[rows.len() - 1]).max(x0 + 1.0);
    let top = rows.iter().map(|r| r.billable_seats).max().unwrap_or(0);
    let y1 = ((top as f64) * 1.1).max(5.0);

    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(26)
        .y_label_area_size(48)
        .build_cartesian_2d(x0..x1, 0f64..y1)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| {
            DateTime::from_timestamp_millis((x * 86_400_000.0) as i64)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(220, 220, 220))
        .axis_style(RGBColor(120, 120, 120))
        .label_style(("sans-serif", 12).into_font().color(&RGBColor(60, 60, 60)))
        .draw()?;
    // The whole billable height in the reclaimable colour, then the kept
    // part over it: what shows of the first is the reclaimable stack.
    let billable = rows.iter().map(|r| (day(r), r.billable_seats as f64));
    let kept = rows.iter().map(|r| {
        let kept = r.billable_seats.saturating_sub(r.reclaimable_seats);
        (day(r), kept as f64)
    });
    chart.draw_series(
        AreaSeries::new(billable, 0.0, RECLAIMABLE.mix(0.85)).border_style(RECLAIMABLE),
    )?;
    chart.draw_series(AreaSeries::new(kept, 0.0, KEPT.mix(0.85)).border_style(KEPT))?;
    if rows.len() == 1 {
        // One snapshot: a bar would mislead less than nothing at all, but a
        // point says "one observation" plainly.
        let r = rows[0];
        chart.draw_series(std::iter::once(Circle::new(
            (day(r), r.billable_seats as f64),
            4,
            RECLAIMABLE.filled(),
        )))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn row(day: u32, billable: u64, reclaimable: u64) -> SeatHistoryRow {
        SeatHistoryRow {
            org: "acme".into(),
            snapshot_id: format!("202611{day:02}T000000.000Z"),
            taken_at: Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap(),
            billable_seats: billable,
            members: billable,
            pending_invites: 0,
            departed: reclaimable,
            unmatched: 0,
            reclaimable_seats: reclaimable,
            monthly_cost: 0.0,
            reclaimable_monthly_cost: 0.0,
        }
    }

    #[test]
    fn zero_one_many_points() {
        assert_eq!(seat_trend(&[]), None);

        let one = row(2, 40, 3);
        let svg = seat_trend(&[&one]).expect("a chart");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("<circle"), "one point is drawn as a point");

        let rows = [row(2, 40, 3), row(9, 42, 5), row(16, 45, 9)];
        let refs: Vec<&SeatHistoryRow> = rows.iter().collect();
        let svg = seat_trend(&refs).expect("a chart");
        assert_eq!(svg.matches("<polygon").count(), 2, "two stacked areas");
        assert!(svg.contains("2026-11-"), "dated x axis: {svg}");
        for bad in ["<script", "href", "url(", "@import", "style=", "http"] {
            assert!(!svg.contains(bad), "{bad} in the chart");
        }
    }
}
