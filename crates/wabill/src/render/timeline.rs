//! `wabill explain`'s timeline: per business × customer pair, each message
//! with its time, direction and category, cost and id, and the sentence
//! saying why (`explain::sentence`).

use std::io::{self, Write};

use super::explain::{sentence, time};
use crate::model::{Direction, Message};
use crate::pricing::{Priced, PricingContext, Unpriced};
use crate::validate::Strings;

/// A message of the timeline: its index in the log, itself, and its price.
pub type Entry<'a> = (usize, Message, Result<Priced<'a>, Unpriced>);

/// `focus`: the index of the message asked about (marked `»`).
pub fn render(
    pairs: &[(u32, u32)],
    timeline: &[Entry<'_>],
    focus: Option<usize>,
    strings: &Strings,
    ctx: &PricingContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let currency = ctx.currency.to_string();
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
        for (i, m, result) in timeline
            .iter()
            .filter(|(_, m, _)| (m.business, m.customer) == (business, customer))
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
            writeln!(out, "      {}", sentence(m, result, ctx))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
