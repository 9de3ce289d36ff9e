//! The columns of Meta's 2026 lines: groups, calls, usernames, the
//! Marketing Messages API's reported cost and max-price templates, Business
//! Agent tokens (docs/pricing-rules.md §9, README "2026 lines").

use rust_decimal::Decimal;

use super::{FieldError, Strings, field_error, phone, text};
use crate::input::{Column, Columns};
use crate::model::{Category, Extras, ProviderCharge, ReportedCost, Status};
use crate::refdata::markets::parse_country;

/// The extras of one record (category-dependent flags are set later by
/// `category`).
pub fn read(
    strings: &mut Strings,
    record: &csv::ByteRecord,
    columns: &Columns,
) -> Result<Extras, FieldError> {
    let field = |c: Column| columns.field(record, c);
    let group = match text(Column::Group, field(Column::Group))? {
        "" => None,
        g => Some(strings.groups.intern(g)),
    };
    let call = text(Column::Kind, field(Column::Kind))?.eq_ignore_ascii_case("call");
    let raw = field(Column::Tokens);
    let tokens =
        match text(Column::Tokens, raw)? {
            "" => None,
            s => Some(s.parse::<u64>().map_err(|_| {
                field_error(Column::Tokens, raw, "expected a whole number of tokens")
            })?),
        };
    let raw = field(Column::CostAmount);
    let amount = match text(Column::CostAmount, raw)? {
        "" => None,
        // Digits and one point only: `1_0` is not 10.
        s if !plain_decimal(s) => {
            return Err(field_error(
                Column::CostAmount,
                raw,
                "expected a non-negative decimal amount",
            ));
        }
        s => match s.parse::<Decimal>() {
            Ok(d) if !d.is_sign_negative() => Some(d),
            _ => {
                return Err(field_error(
                    Column::CostAmount,
                    raw,
                    "expected a non-negative decimal amount",
                ));
            }
        },
    };
    let raw = field(Column::CostCurrency);
    let currency = match text(Column::CostCurrency, raw)? {
        "" => None,
        s if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
            let b = s.to_ascii_uppercase().into_bytes();
            Some([b[0], b[1], b[2]])
        }
        _ => {
            return Err(field_error(
                Column::CostCurrency,
                raw,
                "expected a 3-letter currency code",
            ));
        }
    };
    let reported_cost = match (amount, currency) {
        (Some(amount), Some(currency)) => Some(ReportedCost { amount, currency }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(field_error(
                Column::CostCurrency,
                raw,
                "required with cost_amount (Meta's cost is in the WABA's currency)",
            ));
        }
        (None, Some(_)) => {
            return Err(field_error(
                Column::CostAmount,
                field(Column::CostAmount),
                "required with cost_currency",
            ));
        }
    };
    let provider_charge = provider_charge(record, columns)?;
    let template = match text(Column::Template, field(Column::Template))? {
        "" => None,
        t => Some(strings.templates.intern(t)),
    };
    let mut extras = Extras::default();
    extras.call = call;
    extras.set_group(group);
    extras.set_template(template);
    extras
        .set_tokens(tokens)
        .map_err(|reason| field_error(Column::Tokens, field(Column::Tokens), reason))?;
    extras
        .set_reported_cost(reported_cost)
        .map_err(|reason| field_error(Column::CostAmount, field(Column::CostAmount), reason))?;
    extras
        .set_provider_charge(provider_charge)
        .map_err(|reason| {
            field_error(Column::ProviderPrice, field(Column::ProviderPrice), reason)
        })?;
    Ok(extras)
}

/// A 3-letter currency code, upper-cased.
fn currency_code(column: Column, raw: &[u8]) -> Result<Option<[u8; 3]>, FieldError> {
    match text(column, raw)? {
        "" => Ok(None),
        s if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
            let b = s.to_ascii_uppercase().into_bytes();
            Ok(Some([b[0], b[1], b[2]]))
        }
        _ => Err(field_error(
            column,
            raw,
            "expected a 3-letter currency code",
        )),
    }
}

/// The provider's own price (`provider_price`, `provider_currency`), read
/// exactly as written (`1.5E-3` too). A currency without a price is no
/// charge (exports write the unit on rows not priced yet).
fn provider_charge(
    record: &csv::ByteRecord,
    columns: &Columns,
) -> Result<Option<ProviderCharge>, FieldError> {
    let field = |c: Column| columns.field(record, c);
    let raw = field(Column::ProviderPrice);
    let amount = match text(Column::ProviderPrice, raw)? {
        "" => return Ok(None),
        s if s.contains('_') => {
            return Err(field_error(
                Column::ProviderPrice,
                raw,
                "expected a non-negative decimal amount",
            ));
        }
        s => match s
            .parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(s))
        {
            Ok(d) if !d.is_sign_negative() => d,
            _ => {
                return Err(field_error(
                    Column::ProviderPrice,
                    raw,
                    "expected a non-negative decimal amount",
                ));
            }
        },
    };
    let raw = field(Column::ProviderCurrency);
    let currency = currency_code(Column::ProviderCurrency, raw)?.ok_or_else(|| {
        field_error(
            Column::ProviderCurrency,
            raw,
            "required with provider_price (the currency the provider charges in)",
        )
    })?;
    Ok(Some(ProviderCharge { amount, currency }))
}

/// An outbound category, with Meta's group and Marketing Messages API
/// names folded into the 1:1 category plus a flag.
pub fn category(s: &str, extras: &mut Extras) -> Result<Category, &'static str> {
    let group = [
        ("group_marketing", Category::Marketing),
        ("group_utility", Category::Utility),
        ("group_service", Category::Service),
    ];
    if let Some((_, c)) = group.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        if extras.group().is_none() {
            return Err("a group category needs the group column");
        }
        return Ok(*c);
    }
    if s.eq_ignore_ascii_case("marketing_lite") {
        extras.lite = true;
        return Ok(Category::MarketingLite);
    }
    s.parse::<Category>().map_err(|_| {
        "expected marketing, utility, authentication, authentication_international, service, \
         marketing_lite, referral_conversion, group_marketing, group_utility, group_service, \
         general_purpose_ai or business_agent"
    })
}

/// A call's outcome: accepted calls count as delivered.
pub fn call_status(s: &str) -> Option<Status> {
    let accepted = ["", "accepted", "answered", "connected", "completed"];
    let refused = ["missed", "rejected", "declined", "unanswered", "failed"];
    if accepted.iter().any(|a| a.eq_ignore_ascii_case(s)) {
        Some(Status::Delivered)
    } else if refused.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        Some(Status::Failed)
    } else {
        super::parse_status(s)
    }
}

/// What tells one participant of a group message from another, robust to
/// formatting (`+49 151…` and `49151…` agree).
pub fn participant_key(raw: &[u8]) -> String {
    match phone::number_value(raw) {
        Some(v) => v.to_string(),
        None => String::from_utf8_lossy(raw.trim_ascii()).to_ascii_uppercase(),
    }
}

/// A business-scoped user id as the customer: `US.13491208655302741918`
/// (or a parent `US.ENT.…`) is priced in its prefix's country, unless the
/// row's `country` says otherwise. An id of more digits than any phone
/// number (and no `+`) but without a prefix needs a `country`; a phone
/// number gives
/// `None` (the caller normalises it).
pub fn user_id(raw: &[u8], country: &mut Option<[u8; 2]>) -> Result<Option<String>, FieldError> {
    let t = text(Column::Customer, raw)?;
    let b = t.as_bytes();
    let id_chars = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'-')
    };
    if b.len() > 3
        && b[2] == b'.'
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && id_chars(&t[3..])
    {
        let Some(prefix) = parse_country(&t[..2]) else {
            return Err(field_error(
                Column::Customer,
                raw,
                "user id prefix is not an ISO 3166 alpha-2 country code",
            ));
        };
        *country = country.or(Some(prefix));
        return Ok(Some(format!("{}{}", t[..2].to_ascii_uppercase(), &t[2..])));
    }
    // The older business-scoped user id, `user.<hex>`: it names no country,
    // so the row must (a webhook's `contacts[].profile.country_code`).
    if let Some(rest) = t
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("user."))
        .map(|_| &t[5..])
        && id_chars(rest)
    {
        if country.is_none() {
            return Err(field_error(
                Column::Customer,
                raw,
                "a user id of the form user.<id> names no country, and the row gives none \
                 (a webhook's contacts[].profile.country_code, or the country column): its \
                 market is unknown",
            ));
        }
        return Ok(Some(format!("user.{rest}")));
    }
    // More digits than any phone number, and no `+`: not a number mistyped.
    let digits = t;
    if digits.len() > 15 && digits.bytes().all(|c| c.is_ascii_digit()) {
        if country.is_none() {
            return Err(field_error(
                Column::Customer,
                raw,
                "a user id with neither a country prefix (such as US.) nor a country: \
                 its market is unknown",
            ));
        }
        return Ok(Some(digits.to_string()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_name_their_country() {
        let mut c = None;
        let id = user_id(b"us.13491208655302741918", &mut c).unwrap();
        assert_eq!(id.as_deref(), Some("US.13491208655302741918"));
        assert_eq!(c, Some(*b"US"));
        // A country column wins over the prefix.
        let mut c = Some(*b"DE");
        user_id(b"US.ENT.1349", &mut c).unwrap();
        assert_eq!(c, Some(*b"DE"));
        let mut c = None;
        let e = user_id(b"13491208655302741918", &mut c).unwrap_err();
        assert!(
            e.reason.contains("neither a country prefix"),
            "{}",
            e.reason
        );
        let mut c = Some(*b"BR");
        assert!(user_id(b"13491208655302741918", &mut c).unwrap().is_some());
        // The older `user.<hex>` form takes the row's country.
        let mut c = Some(*b"BR");
        let id = user_id(b"User.4f3a9c2e1b7d", &mut c).unwrap();
        assert_eq!(id.as_deref(), Some("user.4f3a9c2e1b7d"));
        let mut c = None;
        let e = user_id(b"user.4f3a9c2e1b7d", &mut c).unwrap_err();
        assert!(e.reason.contains("names no country"), "{}", e.reason);
        assert_eq!(user_id(b"+49 151 1234567", &mut None).unwrap(), None);
        // A country Meta does not list is Other later; two letters that
        // are no country code at all are an error (issue 27).
        let mut c = None;
        assert!(user_id(b"JE.1349", &mut c).unwrap().is_some());
        assert_eq!(c, Some(*b"JE"));
        let e = user_id(b"XX.123", &mut None).unwrap_err();
        assert!(e.reason.contains("not an ISO 3166"), "{}", e.reason);
    }

    fn charge(price: &str, currency: &str) -> Result<Option<ProviderCharge>, FieldError> {
        let headers = csv::ByteRecord::from(vec!["provider_price", "provider_currency"]);
        let columns = Columns::resolve(&headers, &Default::default());
        // The required columns are missing: resolve by hand.
        assert!(columns.is_err());
        let columns = Columns::canonical();
        let mut record = csv::ByteRecord::from(vec![""; Column::ALL.len()]);
        let mut fields: Vec<Vec<u8>> = record.iter().map(|f| f.to_vec()).collect();
        fields[Column::ProviderPrice as usize] = price.as_bytes().to_vec();
        fields[Column::ProviderCurrency as usize] = currency.as_bytes().to_vec();
        record = csv::ByteRecord::from(fields);
        provider_charge(&record, &columns)
    }

    #[test]
    fn provider_prices_are_exact_positive_and_need_a_currency() {
        let c = charge(" 0.00500 ", "usd").unwrap().unwrap();
        assert_eq!(
            (c.amount.to_string(), c.currency),
            ("0.00500".into(), *b"USD")
        );
        assert_eq!(
            charge("1.5E-3", "EUR").unwrap().unwrap().amount.to_string(),
            "0.0015"
        );
        // A unit without a price is no charge (Twilio's rows not priced yet).
        assert_eq!(charge("", "USD").unwrap(), None);
        for (price, currency, reason) in [
            ("-0.005", "USD", "expected a non-negative decimal amount"),
            ("abc", "USD", "expected a non-negative decimal amount"),
            ("0.005", "", "required with provider_price"),
            ("0.005", "US", "expected a 3-letter currency code"),
        ] {
            let e = charge(price, currency).unwrap_err();
            assert!(
                e.reason.starts_with(reason),
                "{price} {currency}: {}",
                e.reason
            );
        }
    }

    #[test]
    fn group_and_lite_categories_fold_into_flags() {
        let mut e = Extras::default();
        assert!(category("group_marketing", &mut e).is_err());
        e.set_group(Some(0));
        assert_eq!(category("group_utility", &mut e), Ok(Category::Utility));
        assert_eq!(
            category("marketing_lite", &mut e),
            Ok(Category::MarketingLite)
        );
        assert!(e.lite);
        assert_eq!(category("AI_BOT", &mut e), Ok(Category::GeneralPurposeAi));
        assert_eq!(call_status("missed"), Some(Status::Failed));
        assert_eq!(call_status("accepted"), Some(Status::Delivered));
    }
}

/// Digits with at most one decimal point, and at least one digit.
fn plain_decimal(s: &str) -> bool {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && frac.is_empty()) && digits(whole) && digits(frac)
}

#[cfg(test)]
mod plain_decimal_tests {
    #[test]
    fn underscores_and_signs_are_not_plain() {
        for ok in ["10", "0.0050", ".5", "5."] {
            assert!(super::plain_decimal(ok), "{ok}");
        }
        for bad in ["1_0", "", ".", "-1", "1e3", "1.2.3", " 1"] {
            assert!(!super::plain_decimal(bad), "{bad}");
        }
    }
}
