//! `wabill reconcile LOG... --provider-charges`: each message's price in
//! the provider's export against wabill's estimate of Meta's price (plus
//! `--fees`), by message or by period.

use anyhow::{Context, Result};

use super::ReconcileArgs;
use crate::app::finish::{Checks, verdict, write_report};
use crate::app::settings;
use crate::error::{Exit, Failure};
use wabill::reconcile::charges::ChargeReconciliation;
use wabill::reconcile::fees::Fees;
use wabill::reconcile::tolerance::Tolerance;
use wabill::render::{self, Document, Format};

pub fn run(args: &ReconcileArgs) -> Result<Exit> {
    let view = args.provider_charges.unwrap_or_default();
    let (target, format) = super::mode_target(
        args,
        ChargeReconciliation::FORMATS,
        "with --provider-charges, use table, csv, markdown or json",
    )?;
    if args.fx.is_some() {
        return Err(Failure::new(
            Exit::Usage,
            "--fx converts Meta's billed amounts (with --actual); --provider-charges compares \
             the provider's prices in their own currency",
        )
        .into());
    }
    let tolerance = Tolerance::all(&args.tolerance);
    let fees = match &args.fees {
        Some(path) => {
            let name = path.display().to_string();
            let text =
                crate::output::read_input(path).with_context(|| format!("cannot read {name}"))?;
            Some(Fees::parse(&name, &text)?)
        }
        None => None,
    };
    let loaded = settings::load(&args.pricing, &args.input, true)?;
    let log = &loaded.log;
    if !log
        .messages
        .iter()
        .any(|m| m.extras.provider_charge().is_some())
    {
        return Err(Failure::new(
            Exit::Error,
            "no message in the log carries the provider's price (Twilio Price, YCloud \
             totalPrice, Infobip pricePerMessage, or a provider_price column): nothing to \
             compare",
        )
        .into());
    }
    let mut result = ChargeReconciliation::new(
        log.files.clone(),
        loaded.ctx.currency.as_str(),
        tolerance,
        fees,
        args.granularity,
        view,
    );
    let strings = &log.strings;
    let unpriced = loaded.price_each(|m, priced| {
        // The estimate's days (the business's zone), or UTC days (--utc).
        let date = match priced {
            Ok(p) if !args.utc => p.local_date,
            _ => m.at.utc_date().unwrap_or_default(),
        };
        result.add(m, priced, args.granularity.period(date), || {
            (
                m.message_id
                    .map_or(String::new(), |i| strings.message_ids.get(i).to_string()),
                m.at.to_string(),
            )
        });
    });
    result.finish();
    if result.compared == 0 {
        let currencies: Vec<&str> = result
            .other_currencies
            .iter()
            .map(|c| c.currency.as_str())
            .collect();
        return Err(Failure::new(
            Exit::Error,
            format!(
                "the provider charges in {} but wabill prices in {}: nothing to compare (price with --currency and a card in the provider's currency)",
                currencies.join(", "),
                result.currency
            ),
        )
        .into());
    }
    let checks = Checks::new(unpriced.summary(), log.stats.clone(), &args.input);
    write_report(&target, &checks, |out, style| {
        Ok(render::write(&result, format, style, out)?)
    })?;
    let summary = (format != Format::Table).then(|| wabill::render::charges::summary(&result));
    Ok(verdict(result.agrees(), summary))
}
