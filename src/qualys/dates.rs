//! Dates of search criteria: what callers write, and what Qualys takes.
//!
//! Qualys compares `lastCheckedIn` with UTC instants written `YYYY-MM-DDTHH:MM:SSZ`. Callers
//! write instants in whatever their tool produces; [`UtcInstant::parse`] accepts
//!
//! * `YYYY-MM-DDTHH:MM:SSZ`, as Qualys writes it;
//! * `YYYY-MM-DD`, meaning midnight UTC;
//! * `YYYY-MM-DDTHH:MM:SS+HH:MM` (or `-HH:MM`), converted to UTC;
//! * `MM/DD/YYYY hh:mm AM|PM`, what SOAR date pickers send, taken as UTC;
//!
//! and [`UtcInstant::to_qualys`] writes the result back the way Qualys wants it. Nothing here
//! reads a clock.
//!
//! The four fixed layouts are matched by a small pattern scanner (`digits`) instead of
//! `time`'s format descriptions, whose parser and formatter would make the component much
//! larger for the same four layouts.
//! `time` still does the parts that are easy to get wrong: which dates exist (month lengths,
//! leap years) and offset arithmetic across day, month and year boundaries.

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::{Error, Result};

/// The formats [`UtcInstant::parse`] accepts, for messages.
pub const ACCEPTED_FORMATS: &str = "YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DD (midnight UTC), \
     YYYY-MM-DDTHH:MM:SS+HH:MM (converted to UTC) or MM/DD/YYYY hh:mm AM|PM (UTC)";

/// Largest offset hour RFC 3339 allows.
const MAX_OFFSET_HOURS: u16 = 23;

/// An instant in UTC, to the second, in a four-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcInstant(PrimitiveDateTime);

impl UtcInstant {
    /// Reads `text` in one of the [`ACCEPTED_FORMATS`]; anything else is `invalid-input`
    /// naming the value.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        iso(trimmed)
            .or_else(|| date_only(trimmed))
            .or_else(|| us_12_hour(trimmed))
            .filter(|instant| (1..=9999).contains(&instant.year()))
            .map(Self)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "{text:?} is not a date; accepted formats: {ACCEPTED_FORMATS}"
                ))
            })
    }

    /// The instant as Qualys writes it: `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_qualys(self) -> String {
        let (date, time) = (self.0.date(), self.0.time());
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            date.year(),
            u8::from(date.month()),
            date.day(),
            time.hour(),
            time.minute(),
            time.second()
        )
    }
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `Z` or an offset `±HH:MM`, in UTC.
fn iso(text: &str) -> Option<PrimitiveDateTime> {
    let (local, zone) = text.split_at_checked(19)?;
    let [year, month, day, hour, minute, second] = digits(local, "####-##-##T##:##:##")?;
    let local = PrimitiveDateTime::new(date(year, month, day)?, time(hour, minute, second)?);
    let utc = local
        .assume_offset(offset(zone)?)
        .checked_to_offset(UtcOffset::UTC)?;
    Some(PrimitiveDateTime::new(utc.date(), utc.time()))
}

/// `Z`, `+HH:MM` or `-HH:MM`.
fn offset(zone: &str) -> Option<UtcOffset> {
    if zone == "Z" {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = zone.split_at_checked(1)?;
    let sign = match sign {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let [hours, minutes] = digits(rest, "##:##")?;
    if hours > MAX_OFFSET_HOURS {
        return None;
    }
    let hours = sign * i8::try_from(hours).ok()?;
    let minutes = sign * i8::try_from(minutes).ok()?;
    UtcOffset::from_hms(hours, minutes, 0).ok()
}

/// `YYYY-MM-DD` at midnight.
fn date_only(text: &str) -> Option<PrimitiveDateTime> {
    let [year, month, day] = digits(text, "####-##-##")?;
    Some(date(year, month, day)?.midnight())
}

/// `MM/DD/YYYY hh:mm AM` or `PM`, in any case.
fn us_12_hour(text: &str) -> Option<PrimitiveDateTime> {
    let (clock, period) = text.split_at_checked(text.len().checked_sub(2)?)?;
    let [month, day, year, hour, minute] = digits(clock, "##/##/#### ##:## ")?;
    let afternoon = if period.eq_ignore_ascii_case("PM") {
        12
    } else if period.eq_ignore_ascii_case("AM") {
        0
    } else {
        return None;
    };
    if !(1..=12).contains(&hour) {
        return None;
    }
    let time = time(hour % 12 + afternoon, minute, 0)?;
    Some(PrimitiveDateTime::new(date(year, month, day)?, time))
}

fn date(year: u16, month: u16, day: u16) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

fn time(hour: u16, minute: u16, second: u16) -> Option<Time> {
    let [hour, minute, second] = [hour, minute, second].map(|part| u8::try_from(part).ok());
    Time::from_hms(hour?, minute?, second?).ok()
}

/// The numbers of `text` where `pattern` has runs of `#` (one ASCII digit each); every other
/// character of `pattern` must appear in `text` as is.
fn digits<const N: usize>(text: &str, pattern: &str) -> Option<[u16; N]> {
    if text.len() != pattern.len() {
        return None;
    }
    let mut numbers = [0u16; N];
    let mut index = 0;
    let mut in_number = false;
    for (have, want) in text.bytes().zip(pattern.bytes()) {
        if want != b'#' {
            if have != want {
                return None;
            }
            index += usize::from(in_number);
            in_number = false;
            continue;
        }
        if !have.is_ascii_digit() {
            return None;
        }
        let number = numbers.get_mut(index)?;
        *number = number
            .checked_mul(10)?
            .checked_add(u16::from(have - b'0'))?;
        in_number = true;
    }
    index += usize::from(in_number);
    (index == N).then_some(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn qualys(text: &str) -> String {
        UtcInstant::parse(text).unwrap().to_qualys()
    }

    #[test]
    fn the_qualys_format_is_kept_as_is() {
        assert_eq!(qualys("2024-05-01T10:20:30Z"), "2024-05-01T10:20:30Z");
    }

    #[test]
    fn a_bare_date_is_midnight_utc() {
        assert_eq!(qualys("2024-05-01"), "2024-05-01T00:00:00Z");
    }

    #[test]
    fn an_offset_is_converted_to_utc() {
        assert_eq!(qualys("2024-05-01T10:00:00+02:00"), "2024-05-01T08:00:00Z");
        assert_eq!(qualys("2024-05-01T22:30:00-05:30"), "2024-05-02T04:00:00Z");
        assert_eq!(qualys("2024-05-01T10:00:00+00:00"), "2024-05-01T10:00:00Z");
    }

    #[test]
    fn an_offset_may_cross_a_year_boundary() {
        assert_eq!(qualys("2024-12-31T23:30:00-01:00"), "2025-01-01T00:30:00Z");
    }

    #[test]
    fn the_soar_format_is_read_as_utc_in_twelve_hour_time() {
        assert_eq!(qualys("05/01/2024 10:07 AM"), "2024-05-01T10:07:00Z");
        assert_eq!(qualys("05/01/2024 10:07 PM"), "2024-05-01T22:07:00Z");
        assert_eq!(qualys("05/01/2024 12:00 AM"), "2024-05-01T00:00:00Z");
        assert_eq!(qualys("05/01/2024 12:00 PM"), "2024-05-01T12:00:00Z");
        assert_eq!(qualys("12/31/2024 11:59 pm"), "2024-12-31T23:59:00Z");
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        assert_eq!(qualys(" 2024-05-01 "), "2024-05-01T00:00:00Z");
    }

    #[test]
    fn instants_compare_in_time_order_whatever_their_format() {
        let early = UtcInstant::parse("2024-05-01T10:00:00+02:00").unwrap();
        let late = UtcInstant::parse("2024-05-01T09:00:00Z").unwrap();
        assert!(early < late);
        assert_eq!(
            UtcInstant::parse("2024-05-01").unwrap(),
            UtcInstant::parse("05/01/2024 12:00 AM").unwrap()
        );
    }

    #[test]
    fn anything_else_is_invalid_input_naming_the_value_and_the_formats() {
        let invalid = [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2023-02-29",
            "5/01/2024 10:00 AM",
            "05/01/2024 00:30 AM",
            "05/01/2024 10:00 XM",
            "2024-05-01T10:00:00+02:60",
            "2024-05-01T25:00:00Z",
            "2024-05-01T10:00:00",
            "2024-05-01T10:00:00.5Z",
            "2024-05-01 10:00:00",
            "2024-05-01T10:00:00+2",
            "2024-05-01T10:00:00+24:00",
            "05/01/2024 13:00 PM",
            "05/01/2024 10:00",
            "5/1/24 10:00 AM",
            "01/05/2024T10:00 AM",
            "+2024-05-01",
            "-0001-05-01",
            "0000-01-01",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
            "2024-05-01Z",
            "2024-05-01T10:00:00Z trailing",
        ];
        let accepted: Vec<_> = invalid
            .iter()
            .filter(|text| UtcInstant::parse(text).is_ok())
            .collect();
        assert!(accepted.is_empty(), "{accepted:?}");
        for text in invalid {
            let error = UtcInstant::parse(text).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{text:?}");
            assert!(error.message.contains(&format!("{text:?}")), "{text:?}");
            assert!(error.message.contains("MM/DD/YYYY hh:mm AM|PM"), "{text:?}");
        }
    }

    #[test]
    fn a_leap_day_exists_only_in_leap_years() {
        assert_eq!(qualys("2024-02-29"), "2024-02-29T00:00:00Z");
        assert_eq!(qualys("02/29/2000 11:59 PM"), "2000-02-29T23:59:00Z");
    }

    #[test]
    fn the_extreme_four_digit_years_are_accepted() {
        assert_eq!(qualys("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z");
        assert_eq!(qualys("9999-12-31T23:59:59Z"), "9999-12-31T23:59:59Z");
    }
}
