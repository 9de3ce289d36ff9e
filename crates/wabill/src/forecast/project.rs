//! Projecting monthly volumes forward: compound growth from the last
//! history month, or a least-squares linear trend fitted to the history.
//! Both are computed exactly (integers and decimals, never floats) and
//! rounded to whole messages once per month, half away from zero.

use rust_decimal::Decimal;

use super::round_count;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Monthly compound growth rate (0.05 = 5 % a month).
    Growth(Decimal),
    /// Least-squares line through the monthly volumes, clamped at 0.
    Trend,
}

impl Method {
    pub fn describe(&self, last_month: &str) -> String {
        match self {
            Method::Growth(g) => format!(
                "compound growth of {}% a month from the volumes of {last_month}",
                (g * Decimal::ONE_HUNDRED).normalize()
            ),
            Method::Trend => {
                "least-squares linear trend of each monthly series, clamped at 0".to_string()
            }
        }
    }
}

/// Rounds a rational p/q (q > 0) to the nearest whole number, halves away
/// from zero; negatives clamp to 0.
fn round_ratio(p: i128, q: i128) -> Option<u64> {
    if p <= 0 {
        return Some(0);
    }
    let rounded = p.checked_mul(2)?.checked_add(q)? / q.checked_mul(2)?;
    u64::try_from(rounded).ok()
}

/// Volumes for the `months` months that start `skip` months after the end
/// of `history` (oldest first; `skip` months left out of it, such as a last
/// month covered only in part). `None` when the history is empty or the
/// numbers overflow.
pub fn project(history: &[u64], skip: u32, months: u32, method: Method) -> Option<Vec<u64>> {
    match method {
        Method::Growth(g) => {
            let base = Decimal::from(*history.last()?);
            let factor = Decimal::ONE.checked_add(g)?;
            // factor^k by repeated multiplication (k is at most a few hundred).
            let mut power = Decimal::ONE;
            for _ in 0..skip {
                power = power.checked_mul(factor)?;
            }
            (1..=months)
                .map(|_| {
                    power = power.checked_mul(factor)?;
                    round_count(base.checked_mul(power)?)
                })
                .collect()
        }
        Method::Trend => {
            // y = a + b·x over x = 0..n-1, solved in integers:
            // b = S/D with S = n·Σxy − Σx·Σy and D = n·Σx² − (Σx)²;
            // y(x) = (Σy·D − S·Σx + n·S·x) / (n·D).
            let n = i128::try_from(history.len()).ok()?;
            if n == 0 {
                return None;
            }
            let (mut sx, mut sy, mut sxx, mut sxy) = (0i128, 0i128, 0i128, 0i128);
            for (x, y) in history.iter().enumerate() {
                let (x, y) = (x as i128, i128::from(*y));
                sx += x;
                sy = sy.checked_add(y)?;
                sxx += x * x;
                sxy = sxy.checked_add(x.checked_mul(y)?)?;
            }
            let d = n * sxx - sx * sx;
            if d == 0 {
                // One month of history: the trend is flat.
                return Some(vec![history[0]; months as usize]);
            }
            let s = n.checked_mul(sxy)?.checked_sub(sx.checked_mul(sy)?)?;
            let base = sy.checked_mul(d)?.checked_sub(s.checked_mul(sx)?)?;
            (1..=i128::from(months))
                .map(|k| {
                    let x = n - 1 + i128::from(skip) + k;
                    let p = base.checked_add(n.checked_mul(s)?.checked_mul(x)?)?;
                    round_ratio(p, n * d)
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_straight_line_continues() {
        assert_eq!(
            project(&[100, 200, 300], 0, 3, Method::Trend),
            Some(vec![400, 500, 600])
        );
        assert_eq!(
            project(&[500, 400, 300], 0, 4, Method::Trend),
            Some(vec![200, 100, 0, 0])
        );
    }

    #[test]
    fn the_trend_is_least_squares() {
        // Points (0,1) (1,2) (2,2): b = 1/2, a = 7/6; at x = 3: 8/3 → 3,
        // at x = 4: 19/6 → 3, at x = 5: 11/3 → 4.
        assert_eq!(
            project(&[1, 2, 2], 0, 3, Method::Trend),
            Some(vec![3, 3, 4])
        );
        // (0,0) (1,1): at x = 2 exactly 2; (0,0) (1,0) (2,1): b = 1/2,
        // a = -1/6; x = 3 → 4/3 → 1; x = 4 → 11/6 → 2.
        assert_eq!(project(&[0, 1], 0, 1, Method::Trend), Some(vec![2]));
        assert_eq!(project(&[0, 0, 1], 0, 2, Method::Trend), Some(vec![1, 2]));
        // (0,1) (1,1) (2,2) (3,2): b = 2/5, a = 9/10; x = 4 → 2.5 → 3 (a
        // half, away from zero), x = 5 → 2.9 → 3.
        assert_eq!(
            project(&[1, 1, 2, 2], 0, 2, Method::Trend),
            Some(vec![3, 3])
        );
        // One month of history: flat.
        assert_eq!(project(&[7], 0, 2, Method::Trend), Some(vec![7, 7]));
        assert_eq!(project(&[], 0, 2, Method::Trend), None);
        // A month left out after the history: the line skips it.
        assert_eq!(
            project(&[100, 200], 1, 2, Method::Trend),
            Some(vec![400, 500])
        );
    }

    #[test]
    fn compound_growth_rounds_each_month_from_the_exact_value() {
        // 1000 × 1.05^k = 1050, 1102.5 → 1103, 1157.625 → 1158.
        assert_eq!(
            project(&[10, 1000], 0, 3, Method::Growth(dec!(0.05))),
            Some(vec![1050, 1103, 1158])
        );
        assert_eq!(
            project(&[1000], 0, 2, Method::Growth(dec!(-0.5))),
            Some(vec![500, 250])
        );
        assert_eq!(project(&[u64::MAX], 0, 1, Method::Growth(dec!(1000))), None);
        // Growth compounds over a skipped month too.
        assert_eq!(
            project(&[1000], 1, 1, Method::Growth(dec!(0.1))),
            Some(vec![1210])
        );
    }

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(round_ratio(5, 2), Some(3));
        assert_eq!(round_ratio(3, 2), Some(2));
        assert_eq!(round_ratio(7, 3), Some(2));
        assert_eq!(round_ratio(-7, 3), Some(0));
    }
}
