//! Time as the storefront stores and writes it: Unix seconds in the
//! database, RFC 3339 in UTC for machines, "21 December 2026" for people.

use crate::date_label::DateLabel;
use std::time::{SystemTime, UNIX_EPOCH};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Seconds since the Unix epoch: how every timestamp is stored.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// A stored timestamp as a moment (the epoch for one out of range).
pub fn moment(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// RFC 3339 in UTC, e.g. `2026-12-21T00:00:00Z`: every time in the APIs.
pub fn rfc3339(moment: OffsetDateTime) -> String {
    moment
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// "21 December 2026", in UTC like every date the Payment MS sends.
pub fn date_label(moment: OffsetDateTime) -> DateLabel {
    let moment = moment.to_offset(UtcOffset::UTC);
    DateLabel {
        iso: rfc3339(moment),
        text: format!("{} {} {}", moment.day(), moment.month(), moment.year()),
        short: short_day(moment, self::moment(unix_now()).year()),
    }
}

/// "30 November 2026, 11:44 UTC" (short: "30 Nov, 11:44").
pub fn time_label(moment: OffsetDateTime) -> DateLabel {
    let day = date_label(moment);
    let moment = moment.to_offset(UtcOffset::UTC);
    let clock = format!("{:02}:{:02}", moment.hour(), moment.minute());
    DateLabel {
        text: format!("{}, {clock} UTC", day.text),
        short: format!("{}, {clock}", day.short),
        iso: day.iso,
    }
}

/// "21 Dec" in `this_year`, "21 Dec 2025" in any other.
fn short_day(moment: OffsetDateTime, this_year: i32) -> String {
    let moment = moment.to_offset(UtcOffset::UTC);
    let month = moment.month().to_string();
    let month = month.get(..3).unwrap_or(&month);
    if moment.year() == this_year {
        format!("{} {month}", moment.day())
    } else {
        format!("{} {month} {}", moment.day(), moment.year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_are_written_in_utc_for_machines_and_people() {
        let moment = datetime!(2026-12-21 08:30 +09:00);
        assert_eq!(rfc3339(moment), "2026-12-20T23:30:00Z");
        assert_eq!(date_label(moment).text, "20 December 2026");
        assert_eq!(time_label(moment).text, "20 December 2026, 23:30 UTC");
        assert_eq!(short_day(moment, 2026), "20 Dec");
        assert_eq!(short_day(moment, 2027), "20 Dec 2026");
        assert_eq!(rfc3339(super::moment(i64::MAX)), "1970-01-01T00:00:00Z");
    }
}
