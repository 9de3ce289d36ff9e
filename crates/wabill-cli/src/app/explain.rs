//! `wabill explain`: the timeline of one business × customer pair and, for
//! each message, one sentence saying why it cost what it did.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use rust_decimal::Decimal;

use super::output::{Target, check_text_target};
use super::settings;
use crate::error::{Exit, Failure};
use crate::flags::{AllInArgs, InputArgs, PricingArgs};
use wabill::model::Direction;
use wabill::model::{Instant, Span};
use wabill::pricing::PricingType;
use wabill::refdata::businesses::business_key;
use wabill::render::timeline;
use wabill::report::allin::{AllIn, AllInPricing, Delivery};
use wabill::validate::normalize_number;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub all_in: AllInArgs,

    /// The message to explain
    #[arg(long, value_name = "ID", required_unless_present = "customer")]
    pub message_id: Option<String>,

    /// Show the whole timeline of this customer (with every business)
    #[arg(long, value_name = "NUMBER", conflicts_with = "message_id")]
    pub customer: Option<String>,

    /// With --customer: only this business number
    #[arg(long, value_name = "BUSINESS", requires = "customer")]
    pub business: Option<String>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The all-in amounts of each priced message of the timeline, by the
/// rules `estimate` uses: an outbound message's Meta cost and fee (a failed
/// one's failed_message fee), an inbound one's fee; calls carry none.
/// A message whose date `--fx` has no rate for fails the run.
fn all_in_amounts(
    rules: &dyn AllInPricing,
    events: &[timeline::Entry<'_>],
    strings: &wabill::validate::Strings,
    ctx: &wabill::pricing::PricingContext,
) -> Result<Vec<Option<AllIn>>> {
    let mut amounts = Vec::with_capacity(events.len());
    for (_, m, result) in events {
        let Ok(p) = result else {
            amounts.push(None);
            continue;
        };
        if m.extras.call {
            amounts.push(None);
            continue;
        }
        let (meta, delivery) = match m.direction {
            Direction::In => (Decimal::ZERO, Delivery::Inbound),
            Direction::Out if p.pricing_type == PricingType::NotDelivered => {
                (p.cost, Delivery::Failed)
            }
            Direction::Out => (p.cost, Delivery::Delivered),
        };
        let home = ctx
            .businesses
            .get(strings.businesses.get(m.business))
            .and_then(|b| b.home_country);
        let a = rules
            .message(meta, delivery, p.local_date, home)
            .map_err(|e| Failure::new(Exit::Error, format!("all-in: {e}; nothing was written")))?;
        amounts.push(Some(a));
    }
    Ok(amounts)
}

/// With --message-id, the timeline shows this much either side of it.
const CONTEXT: Span = Span::hours(4 * 24);

/// Business × customer pairs to show, the time span, and the message asked about.
type Selection = (Vec<(u32, u32)>, (Instant, Instant), Option<usize>);

pub fn run(args: &ExplainArgs) -> Result<Exit> {
    let target = Target::resolve(args.output.as_deref())?;
    check_text_target(&target)?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let loaded = settings::load(&args.pricing, &args.input, true)?;
    let strings = &loaded.log.strings;
    // Which pairs and which span to show.
    let (pairs, span, focus): Selection = match (&args.message_id, &args.customer) {
        (Some(id), _) => {
            let key = wabill::model::MessageKey::of(id.trim());
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

    let mut events: Vec<timeline::Entry<'_>> = Vec::new();
    let mut index = 0;
    let unpriced = loaded.price_each(|m, result| {
        if pairs.contains(&(m.business, m.customer)) && span.0 <= m.at && m.at <= span.1 {
            events.push((index, *m, result.clone()));
        }
        index += 1;
    });

    let rules = settings::all_in(&args.all_in, &loaded.ctx)?;
    let amounts = match &rules {
        Some(r) => all_in_amounts(r, &events, strings, &loaded.ctx)?,
        None => Vec::new(),
    };
    let currency = rules
        .as_ref()
        .map(|r| r.currency(loaded.ctx.currency).to_string());
    let shown = rules
        .as_ref()
        .zip(currency.as_deref())
        .map(|(r, c)| timeline::AllInShown {
            amounts: &amounts,
            currency: c,
            rules: r.description(),
        });
    let mut output = target.open()?;
    timeline::render_all_in(
        &pairs,
        &events,
        focus,
        strings,
        &loaded.ctx,
        shown.as_ref(),
        output.writer(),
    )?;
    output.finish()?;
    let _ = unpriced;
    Ok(Exit::Ok)
}
