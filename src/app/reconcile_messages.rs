//! `wabill reconcile LOG...` without `--actual`: each message's pricing
//! against Meta's own decision carried by the log.

use anyhow::Result;

use super::finish::{Checks, verdict, write_report};
use super::output::{Target, format_for};
use super::settings;
use crate::cli::ReconcileArgs;
use crate::engine;
use crate::error::{Exit, Failure};
use crate::reconcile::messages::MessageReconciliation;
use crate::render::Format;
use crate::render::explain::sentence;
use crate::render::messages as render;
use crate::render::reconcile::ReconcileFormat;

pub fn run(args: &ReconcileArgs) -> Result<Exit> {
    let target = Target::resolve(args.output.as_deref())?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let format = match format_for(args.format, &target, ReconcileFormat::Table)? {
        ReconcileFormat::Table => Format::Table,
        ReconcileFormat::Csv => Format::Csv,
        ReconcileFormat::Json => Format::Json,
        ReconcileFormat::Markdown => Format::Markdown,
        ReconcileFormat::Xlsx => Format::Xlsx,
        ReconcileFormat::Html => {
            return Err(Failure::new(
                Exit::Usage,
                "--format html is for reconcile with --actual; per message, use table, csv or json",
            )
            .into());
        }
    };
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
    let loaded = engine::load(
        settings::pricing_context(&args.pricing)?,
        &settings::read_settings(&args.input)?,
        true,
    )?;
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
                jiff::Timestamp::from_microsecond(m.at.as_micros())
                    .map_or(String::new(), |t| t.to_string()),
                super::price::shown_customer(strings.customers.get(m.customer)),
                sentence(m, priced, &loaded.ctx),
            )
        });
    });
    let checks = Checks::new(unpriced.summary(), log.stats.clone(), &args.input);
    write_report(&target, &checks, |out, style| {
        Ok(render::render(&result, format, style, out)?)
    })?;
    let summary = (format != Format::Table).then(|| render::summary(&result));
    Ok(verdict(result.differing.is_empty(), summary))
}
