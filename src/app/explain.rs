//! `wabill explain`: the timeline of one business × customer pair and, for
//! each message, one sentence saying why it cost what it did.

use anyhow::{Result, bail};

use super::output::Output;
use super::settings;
use crate::cli::ExplainArgs;
use crate::engine;
use crate::error::Exit;
use crate::model::{Direction, Instant, Message, Span};
use crate::pricing::{Priced, Unpriced};
use crate::refdata::businesses::business_key;
use crate::render::explain::{sentence, time};
use crate::validate::normalize_number;

/// With --message-id, the timeline shows this much either side of it.
const CONTEXT: Span = Span::hours(4 * 24);

/// Business × customer pairs to show, the time span, and the message asked about.
type Selection = (Vec<(u32, u32)>, (Instant, Instant), Option<usize>);

pub fn run(args: &ExplainArgs) -> Result<Exit> {
    let loaded = engine::load(
        settings::pricing_context(&args.pricing)?,
        &settings::read_settings(&args.input)?,
        true,
    )?;
    let strings = &loaded.log.strings;
    // Which pairs and which span to show.
    let (pairs, span, focus): Selection = match (&args.message_id, &args.customer) {
        (Some(id), _) => {
            let key = crate::model::MessageKey::of(id.trim());
            let Some(index) = loaded
                .log
                .messages
                .iter()
                .position(|m| m.message_id == Some(key))
            else {
                bail!("no message with message_id {id:?} in the log");
            };
            let m = &loaded.log.messages[index];
            (
                vec![(m.business, m.customer)],
                (m.at - CONTEXT, m.at + CONTEXT),
                Some(index),
            )
        }
        (None, Some(number)) => {
            let mut digits = String::new();
            normalize_number(number, &mut digits)
                .map_err(|e| anyhow::anyhow!("--customer {number:?}: {e}"))?;
            let Some(customer) = strings.customers.find(&digits) else {
                bail!("customer +{digits} does not appear in the log");
            };
            let business = match &args.business {
                Some(b) => match strings.businesses.find(&business_key(b)) {
                    Some(id) => Some(id),
                    None => bail!("business {b:?} does not appear in the log"),
                },
                None => None,
            };
            let mut pairs: Vec<(u32, u32)> = loaded
                .log
                .messages
                .iter()
                .filter(|m| m.customer == customer && business.is_none_or(|b| b == m.business))
                .map(|m| (m.business, m.customer))
                .collect();
            pairs.sort_by_key(|(b, _)| strings.businesses.get(*b));
            pairs.dedup();
            (pairs, (Instant::MIN, Instant::MAX), None)
        }
        (None, None) => bail!("give --message-id or --customer"),
    };

    let mut timeline: Vec<(usize, Message, Result<Priced<'_>, Unpriced>)> = Vec::new();
    let mut index = 0;
    let unpriced = loaded.price_each(|m, result| {
        if pairs.contains(&(m.business, m.customer)) && span.0 <= m.at && m.at <= span.1 {
            timeline.push((index, *m, result.clone()));
        }
        index += 1;
    });

    let currency = loaded.ctx.currency.to_string();
    let mut output = Output::open(None)?;
    let out = output.writer();
    for &(business, customer) in &pairs {
        let business_name = match strings.businesses.get(business) {
            "" => "(default)".into(),
            b => crate::render::printable(b),
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
                    format!("{} {currency}", p.cost)
                }
                Ok(_) => String::new(),
                Err(_) => "unpriced".into(),
            };
            let id = m.message_id.map_or(String::new(), |id| {
                format!(" [{}]", strings.message_ids.get(id))
            });
            writeln!(out, "{marker} {}  {label:<32} {cost}{id}", time(m.at))?;
            writeln!(out, "      {}", sentence(m, result, &loaded.ctx))?;
        }
        writeln!(out)?;
    }
    output.finish()?;
    let _ = unpriced;
    Ok(Exit::Ok)
}
