//! `--tolerance`: how far an estimate may be from Meta's figure. `0.01` is
//! an amount in the billed currency, `2%` a share of the estimate; given
//! both, a cell passes when it meets either (like `isclose`). No tolerance
//! means exact agreement.

use std::fmt;

use rust_decimal::Decimal;
use serde::Serialize;

use super::actual::parse_amount;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tolerance {
    pub absolute: Option<Decimal>,
    /// Percent of the estimate (2 for `2%`).
    pub percent: Option<Decimal>,
}

/// A `--tolerance` value that is neither an amount nor a percentage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--tolerance {0:?}: expected an amount (0.01) or a percentage (2%), not negative")]
pub struct BadTolerance(pub String);

impl Tolerance {
    /// Several `--tolerance` values as one: a later bound of a kind wins.
    pub fn all(values: &[Tolerance]) -> Tolerance {
        values
            .iter()
            .fold(Tolerance::default(), |t, later| t.then(*later))
    }

    /// One `--tolerance` value: `0.01`, `2%`, or both (`0.01,2%`).
    pub fn parse_one(value: &str) -> Result<Tolerance, BadTolerance> {
        let mut t = Tolerance::default();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (number, relative) = match part.strip_suffix('%') {
                Some(n) => (n.trim(), true),
                None => (part, false),
            };
            let d = parse_amount(number)
                .ok()
                .filter(|d| !d.is_sign_negative())
                .ok_or_else(|| BadTolerance(part.to_string()))?;
            if relative {
                t.percent = Some(d);
            } else {
                t.absolute = Some(d);
            }
        }
        Ok(t)
    }

    /// This tolerance with a later one's bounds winning where it sets them.
    pub fn then(self, later: Tolerance) -> Tolerance {
        Tolerance {
            absolute: later.absolute.or(self.absolute),
            percent: later.percent.or(self.percent),
        }
    }

    /// Whether `actual` is close enough to `estimate`.
    pub fn accepts(&self, estimate: Decimal, actual: Decimal) -> bool {
        let diff = (actual - estimate).abs();
        if diff.is_zero() {
            return true;
        }
        let absolute = self.absolute.is_some_and(|a| diff <= a);
        // diff <= pct/100 × |estimate|, without dividing.
        let relative = self.percent.is_some_and(|p| {
            diff.checked_mul(Decimal::ONE_HUNDRED)
                .zip(p.checked_mul(estimate.abs()))
                .is_some_and(|(l, r)| l <= r)
        });
        absolute || relative
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.absolute, self.percent) {
            (None, None) => f.write_str("exact"),
            (Some(a), None) => write!(f, "±{a}"),
            (None, Some(p)) => write!(f, "±{p}%"),
            (Some(a), Some(p)) => write!(f, "±{a} or ±{p}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn either_bound_passes() {
        let one = |s: &str| Tolerance::parse_one(s).unwrap();
        let t = Tolerance::all(&[one("0.01"), one("2%")]);
        assert_eq!(t, one("0.01,2%"));
        assert_eq!(
            Tolerance::all(&[t, one("0.02")]).to_string(),
            "±0.02 or ±2%"
        );
        assert_eq!(t.to_string(), "±0.01 or ±2%");
        assert!(t.accepts(dec!(1.00), dec!(1.01)));
        assert!(t.accepts(dec!(10), dec!(10.2)));
        assert!(!t.accepts(dec!(10), dec!(10.21)));
        assert!(!t.accepts(dec!(0), dec!(0.02)));
        let exact = Tolerance::default();
        assert!(exact.accepts(dec!(0.0625), dec!(0.06250)));
        assert!(!exact.accepts(dec!(0.0625), dec!(0.0626)));
        assert!(Tolerance::parse_one("-1").is_err());
        assert!(Tolerance::parse_one("x%").is_err());
    }
}
