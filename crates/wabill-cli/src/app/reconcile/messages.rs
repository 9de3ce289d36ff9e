//! `wabill reconcile LOG...` without `--actual`: each message's pricing
//! against Meta's own decision carried by the log.

use anyhow::Result;

use super::ReconcileArgs;
use crate::app::finish::{Checks, verdict, write_report};
use crate::app::settings;
use crate::error::{Exit, Failure};
use wabill::reconcile::messages::MessageReconciliation;
use wabill::render::explain::sentence;
use wabill::render::{Document, Format};

pub fn run(args: &ReconcileArgs) -> Result<Exit> {
    let (target, format) = super::mode_target(
        args,
        MessageReconciliation::FORMATS,
        "per message, use table, csv or json",
    )?;
    let cells_only = [
        ("--tolerance", !args.tolerance.is_empty()),
        ("--fees", args.fees.is_some()),
        ("--fx", args.fx.is_some()),
        ("--utc", args.utc),
    ];
    if let Some((flag, _)) = cells_only.iter().find(|(_, given)| *given) {
        return Err(Failure::new(
            Exit::Usage,
            format!("{flag} compares with Meta's analytics: give --actual FILE too"),
        )
        .into());
    }
    let loaded = settings::load(&args.pricing, &args.input, true)?;
    let log = &loaded.log;
    if log.meta.is_empty() {
        return Err(Failure::new(
            Exit::Error,
            "no message in the log carries Meta's pricing decision (webhook `pricing` objects or \
             pricing_type/pricing_category columns); to compare with Meta's analytics, give --actual FILE",
        )
        .into());
    }
    let mut result = MessageReconciliation {
        inputs: log.files.clone(),
        ..MessageReconciliation::default()
    };
    let strings = &log.strings;
    let unpriced = loaded.price_each(|m, priced| {
        result.add(m, priced, log.meta.get(m.message_id), || {
            (
                m.message_id
                    .map_or(String::new(), |i| strings.message_ids.get(i).to_string()),
                m.at.to_string(),
                crate::app::price::shown_customer(strings.customers.get(m.customer)),
                sentence(m, priced, &loaded.ctx),
            )
        });
    });
    let checks = Checks::new(unpriced.summary(), log.stats.clone(), &args.input);
    write_report(&target, &checks, |out, style| {
        Ok(wabill::render::write(&result, format, style, out)?)
    })?;
    let summary = (format != Format::Table).then(|| wabill::render::messages::summary(&result));
    Ok(verdict(result.differing.is_empty(), summary))
}
