//! Giving criteria meaning: each `Criteria` becomes a typed [`Filter`] (or an
//! [`InvalidRequest`]), and an [`AssetFilter`] tells whether an asset matches all of them.
//!
//! The field and operator tables are in the module docs of the simulator. Comparisons are exact
//! and case-sensitive; `GREATER` and `LESSER` are strict; dates compare as instants.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::agents::{Asset, WHOLE_SECONDS};
use super::service_request::{Criterion, InvalidRequest};

/// Most ids one `IN` criterion may list in an on-demand scan request.
pub(crate) const MAX_IN_IDS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextOperator {
    Equals,
    NotEquals,
    Contains,
}

impl TextOperator {
    fn parse(operator: &str) -> Option<TextOperator> {
        match operator {
            "EQUALS" => Some(TextOperator::Equals),
            "NOT EQUALS" => Some(TextOperator::NotEquals),
            "CONTAINS" => Some(TextOperator::Contains),
            _ => None,
        }
    }

    /// One value against the wanted text; `None` is a missing field.
    fn matches(self, actual: Option<&str>, wanted: &str) -> bool {
        match self {
            TextOperator::Equals => actual == Some(wanted),
            TextOperator::NotEquals => actual != Some(wanted),
            TextOperator::Contains => actual.is_some_and(|actual| actual.contains(wanted)),
        }
    }

    /// Several values (tags): EQUALS/CONTAINS when one matches, NOT EQUALS when none equals.
    fn matches_any<'a>(self, mut actual: impl Iterator<Item = &'a str>, wanted: &str) -> bool {
        match self {
            TextOperator::Equals => actual.any(|value| value == wanted),
            TextOperator::NotEquals => actual.all(|value| value != wanted),
            TextOperator::Contains => actual.any(|value| value.contains(wanted)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum IntegerTest {
    Equals(u64),
    NotEquals(u64),
    Greater(u64),
    Lesser(u64),
    In(Vec<u64>),
}

impl IntegerTest {
    fn parse(field: &str, operator: &str, value: &str) -> Result<IntegerTest, InvalidRequest> {
        let test = match operator {
            "EQUALS" => IntegerTest::Equals(parse_integer(field, value)?),
            "NOT EQUALS" => IntegerTest::NotEquals(parse_integer(field, value)?),
            "GREATER" => IntegerTest::Greater(parse_integer(field, value)?),
            "LESSER" => IntegerTest::Lesser(parse_integer(field, value)?),
            "IN" => IntegerTest::In(
                value
                    .split(',')
                    .map(|item| parse_integer(field, item))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(unsupported_operator(field, operator)),
        };
        Ok(test)
    }

    fn matches(&self, actual: u64) -> bool {
        match self {
            IntegerTest::Equals(wanted) => actual == *wanted,
            IntegerTest::NotEquals(wanted) => actual != *wanted,
            IntegerTest::Greater(bound) => actual > *bound,
            IntegerTest::Lesser(bound) => actual < *bound,
            IntegerTest::In(wanted) => wanted.contains(&actual),
        }
    }

    /// Several values (tag ids): NOT EQUALS when none equals, the others when one matches.
    fn matches_any(&self, mut actual: impl Iterator<Item = u64>) -> bool {
        match self {
            IntegerTest::NotEquals(wanted) => actual.all(|value| value != *wanted),
            _ => actual.any(|value| self.matches(value)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateTest {
    Equals(OffsetDateTime),
    Greater(OffsetDateTime),
    Lesser(OffsetDateTime),
}

impl DateTest {
    fn parse(field: &str, operator: &str, value: &str) -> Result<DateTest, InvalidRequest> {
        let instant = parse_qualys_date(value).ok_or_else(|| {
            InvalidRequest::new(format!(
                "Invalid date for {field}: '{value}' (expected YYYY-MM-DDTHH:MM:SSZ)."
            ))
        })?;
        match operator {
            "EQUALS" => Ok(DateTest::Equals(instant)),
            "GREATER" => Ok(DateTest::Greater(instant)),
            "LESSER" => Ok(DateTest::Lesser(instant)),
            _ => Err(unsupported_operator(field, operator)),
        }
    }

    fn matches(self, actual: OffsetDateTime) -> bool {
        match self {
            DateTest::Equals(wanted) => actual == wanted,
            DateTest::Greater(bound) => actual > bound,
            DateTest::Lesser(bound) => actual < bound,
        }
    }
}

/// The text fields of an asset that criteria can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    Name,
    Os,
    DnsHostName,
    Address,
    Fqdn,
    NetbiosName,
    TrackingMethod,
    AgentVersion,
    AgentConfigurationName,
    ActivationKey,
}

impl TextField {
    fn parse(field: &str) -> Option<TextField> {
        let parsed = match field {
            "name" => TextField::Name,
            "os" => TextField::Os,
            "dnsHostName" => TextField::DnsHostName,
            "address" => TextField::Address,
            "fqdn" => TextField::Fqdn,
            "netbiosName" => TextField::NetbiosName,
            "trackingMethod" => TextField::TrackingMethod,
            "agentVersion" => TextField::AgentVersion,
            "agentConfigurationName" => TextField::AgentConfigurationName,
            "activationKey" => TextField::ActivationKey,
            _ => return None,
        };
        Some(parsed)
    }

    fn value(self, asset: &Asset) -> Option<&str> {
        let agent = asset.agent_info.as_ref();
        match self {
            TextField::Name => Some(asset.name.as_str()),
            TextField::Os => asset.os.as_deref(),
            TextField::DnsHostName => asset.dns_host_name.as_deref(),
            TextField::Address => asset.address.as_deref(),
            TextField::Fqdn => asset.fqdn.as_deref(),
            TextField::NetbiosName => asset.netbios_name.as_deref(),
            TextField::TrackingMethod => Some(asset.tracking_method.as_str()),
            TextField::AgentVersion => agent.and_then(|agent| agent.agent_version.as_deref()),
            TextField::AgentConfigurationName => agent
                .and_then(|agent| agent.agent_configuration.as_ref())
                .map(|configuration| configuration.name.as_str()),
            TextField::ActivationKey => agent
                .and_then(|agent| agent.activation_key.as_ref())
                .map(|key| key.activation_id.as_str()),
        }
    }
}

/// One compiled criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    Text(TextField, TextOperator, String),
    TagName(TextOperator, String),
    TagId(IntegerTest),
    Id(IntegerTest),
    LastCheckedIn(DateTest),
}

impl Filter {
    fn compile(criterion: &Criterion) -> Result<Filter, InvalidRequest> {
        let Criterion {
            field,
            operator,
            value,
        } = criterion;
        let text_operator =
            || TextOperator::parse(operator).ok_or_else(|| unsupported_operator(field, operator));
        if let Some(text_field) = TextField::parse(field) {
            return Ok(Filter::Text(text_field, text_operator()?, value.clone()));
        }
        match field.as_str() {
            "tagName" => Ok(Filter::TagName(text_operator()?, value.clone())),
            "tagId" => Ok(Filter::TagId(IntegerTest::parse(field, operator, value)?)),
            "id" => Ok(Filter::Id(IntegerTest::parse(field, operator, value)?)),
            "lastCheckedIn" => Ok(Filter::LastCheckedIn(DateTest::parse(
                field, operator, value,
            )?)),
            _ => Err(InvalidRequest::new(format!(
                "Unknown field '{field}' in Criteria."
            ))),
        }
    }

    fn matches(&self, asset: &Asset) -> bool {
        match self {
            Filter::Text(field, operator, wanted) => operator.matches(field.value(asset), wanted),
            Filter::TagName(operator, wanted) => operator.matches_any(asset.tag_names(), wanted),
            Filter::TagId(test) => test.matches_any(asset.tags.iter().map(|tag| tag.id)),
            Filter::Id(test) => test.matches(asset.id),
            Filter::LastCheckedIn(test) => asset
                .last_checked_in()
                .is_some_and(|checked_in| test.matches(checked_in)),
        }
    }
}

/// All criteria of a request, AND-ed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AssetFilter {
    filters: Vec<Filter>,
}

impl AssetFilter {
    /// Compiles every criterion, or says which one Qualys would reject.
    pub(crate) fn compile(criteria: &[Criterion]) -> Result<AssetFilter, InvalidRequest> {
        let filters = criteria
            .iter()
            .map(Filter::compile)
            .collect::<Result<_, _>>()?;
        Ok(AssetFilter { filters })
    }

    /// Whether the asset matches every criterion.
    pub(crate) fn matches(&self, asset: &Asset) -> bool {
        self.filters.iter().all(|filter| filter.matches(asset))
    }

    /// Whether there are no criteria at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The largest number of ids listed by one `IN` criterion on `id`.
    pub(crate) fn largest_id_list(&self) -> usize {
        self.filters
            .iter()
            .map(|filter| match filter {
                Filter::Id(IntegerTest::In(ids)) => ids.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }
}

fn parse_integer(field: &str, value: &str) -> Result<u64, InvalidRequest> {
    value.trim().parse().map_err(|_| {
        InvalidRequest::new(format!(
            "Invalid value for {field}: '{value}' is not an integer."
        ))
    })
}

fn unsupported_operator(field: &str, operator: &str) -> InvalidRequest {
    InvalidRequest::new(format!(
        "Operator '{operator}' is not supported for field '{field}'."
    ))
}

const FRACTIONAL_SECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]Z");

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (or with a fraction of a second) as a UTC instant.
pub(crate) fn parse_qualys_date(value: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(value, WHOLE_SECONDS)
        .or_else(|_| PrimitiveDateTime::parse(value, FRACTIONAL_SECONDS))
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Dataset;
    use crate::service_request::tests::criterion;

    fn filter(criteria: &[Criterion]) -> AssetFilter {
        AssetFilter::compile(criteria).expect("valid criteria")
    }

    #[test]
    fn date_comparisons_are_strict_on_the_instant() {
        let dataset = Dataset::generate(7, 50, 0, false);
        let asset = &dataset.assets[10];
        let instant = crate::format_instant(asset.last_checked_in().expect("agent"));
        let id = asset.id.to_string();
        let with = |operator: &str| {
            filter(&[
                criterion("id", "EQUALS", &id),
                criterion("lastCheckedIn", operator, &instant),
            ])
            .matches(asset)
        };
        assert!(!with("GREATER"));
        assert!(!with("LESSER"));
        assert!(with("EQUALS"));
    }

    #[test]
    fn text_operators_are_case_sensitive_and_absent_fields_only_match_not_equals() {
        let dataset = Dataset::generate(7, 300, 0, false);
        let asset = dataset
            .assets
            .iter()
            .find(|asset| asset.dns_host_name.is_none())
            .expect("an asset without dnsHostName");
        let upper = asset.name.to_uppercase();
        let lower = asset.name.to_lowercase();
        let other_case = if upper != asset.name { upper } else { lower };
        assert!(filter(&[criterion("name", "EQUALS", &asset.name)]).matches(asset));
        assert!(!filter(&[criterion("name", "EQUALS", &other_case)]).matches(asset));
        assert!(!filter(&[criterion("dnsHostName", "CONTAINS", "")]).matches(asset));
        assert!(filter(&[criterion("dnsHostName", "NOT EQUALS", "x")]).matches(asset));
    }

    #[test]
    fn unknown_fields_operators_and_values_are_invalid() {
        for bad in [
            criterion("bogus", "EQUALS", "x"),
            criterion("name", "GREATER", "x"),
            criterion("id", "CONTAINS", "1"),
            criterion("id", "EQUALS", "one"),
            criterion("id", "IN", "1,,2"),
            criterion("lastCheckedIn", "EQUALS", "2026-11-01"),
            criterion("lastCheckedIn", "EQUALS", "2026-11-01T00:00:00+02:00"),
            criterion("lastCheckedIn", "NOT EQUALS", "2026-11-01T00:00:00Z"),
            criterion("tagName", "IN", "Cloud Agent"),
        ] {
            assert!(
                AssetFilter::compile(std::slice::from_ref(&bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn qualys_dates_parse_with_and_without_fraction() {
        let whole = parse_qualys_date("2026-10-01T12:30:05Z").expect("whole seconds");
        let fraction = parse_qualys_date("2026-10-01T12:30:05.000Z").expect("fraction");
        assert_eq!(whole, fraction);
        assert_eq!(parse_qualys_date("2026-13-01T00:00:00Z"), None);
    }
}
