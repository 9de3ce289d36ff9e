//! `wabill explain`'s timeline: per business × customer pair, each message
//! with its time, direction and category, cost and id, and the sentence
//! saying why (`explain::sentence`).

use std::io::{self, Write};

use super::explain::{sentence, time};
use crate::model::{Direction, Message};
use crate::pricing::{Priced, PricingContext, Unpriced};
use crate::report::allin::AllIn;
use crate::validate::Strings;

/// A message of the timeline: its index in the log, itself, and its price.
pub type Entry<'a> = (usize, Message, Result<Priced<'a>, Unpriced>);

/// `explain --fees/--tax/--fx`: the all-in amounts of each entry of the
/// timeline (`None`: not a message with a fee, or not priced), their
/// currency, and the rules.
pub struct AllInShown<'a> {
    pub amounts: &'a [Option<AllIn>],
    pub currency: &'a str,
    pub rules: &'a str,
}

/// `focus`: the index of the message asked about (marked `»`).
pub fn render(
    pairs: &[(u32, u32)],
    timeline: &[Entry<'_>],
    focus: Option<usize>,
    strings: &Strings,
    ctx: &PricingContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_all_in(pairs, timeline, focus, strings, ctx, None, out)
}

/// As `render`; with `all_in`, each priced message's sentence ends with its
/// Meta cost, provider fee, tax and all-in total (exact), and a last line
/// gives the all-in total of the messages shown.
pub fn render_all_in(
    pairs: &[(u32, u32)],
    timeline: &[Entry<'_>],
    focus: Option<usize>,
    strings: &Strings,
    ctx: &PricingContext,
    all_in: Option<&AllInShown<'_>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let currency = ctx.currency.to_string();
    let mut total = AllIn::default();
    let mut counted = 0u64;
    for &(business, customer) in pairs {
        let business_name = match strings.businesses.get(business) {
            "" => "(default)".into(),
            b => super::printable(b),
        };
        writeln!(
            out,
            "business {business_name} × customer +{} (times in UTC)",
            strings.customers.get(customer)
        )?;
        for (k, (i, m, result)) in timeline
            .iter()
            .enumerate()
            .filter(|(_, (_, m, _))| (m.business, m.customer) == (business, customer))
        {
            let marker = if Some(*i) == focus { "»" } else { " " };
            let label = match m.direction {
                _ if m.extras.call => format!("{} call", m.direction.as_str()),
                Direction::In => "in ".to_string(),
                Direction::Out => format!("out {}", m.category.map_or("", |c| c.as_str())),
            };
            let cost = match result {
                Ok(p) if m.direction == Direction::Out && !m.extras.call => {
                    format!("{} {currency}", super::shown(p.cost))
                }
                Ok(_) => String::new(),
                Err(_) => "unpriced".into(),
            };
            let id = m.message_id.map_or(String::new(), |id| {
                format!(" [{}]", strings.message_ids.get(id))
            });
            writeln!(out, "{marker} {}  {label:<32} {cost}{id}", time(m.at))?;
            let why = sentence(m, result, ctx);
            match all_in.and_then(|a| a.amounts.get(k).copied().flatten().map(|x| (a, x))) {
                Some((a, x)) => {
                    total.add(&x);
                    counted += 1;
                    writeln!(
                        out,
                        "      {why} All-in {}: Meta cost {} + provider fee {} + tax {} = {}.",
                        a.currency,
                        super::shown(x.meta_cost),
                        super::shown(x.provider_fee),
                        super::shown(x.tax),
                        super::shown(x.total)
                    )?;
                }
                None => writeln!(out, "      {why}")?,
            }
        }
        writeln!(out)?;
    }
    if let Some(a) = all_in {
        writeln!(
            out,
            "all-in total of the {} shown: {} {} (Meta cost {} + provider fee {} + tax {}); \
             {}; every amount exact",
            crate::display::plural(counted, "message"),
            super::shown(total.total),
            a.currency,
            super::shown(total.meta_cost),
            super::shown(total.provider_fee),
            super::shown(total.tax),
            a.rules
        )?;
    }
    Ok(())
}
