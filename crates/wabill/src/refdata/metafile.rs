//! Meta's downloadable rate-card and volume-tier files, read as published:
//! a title line naming the currency and effective date ("Cost per message in
//! USD …, effective April 1, 2026"), preamble lines, a wide header (one
//! column per category, `"Authentication-\nInternational"`), `n/a` cells,
//! volumes written `"100,000"`, `--` for no upper bound, and in the tier file
//! the market named on its first band only. Each is turned into wabill's own
//! CSV shape, which the card and tier readers then load as usual.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::csvfile::RefDataError;
use crate::model::Currency;

type Records = Vec<(u64, Vec<String>)>;

fn records(name: &str, text: &str) -> Result<Records, RefDataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            RefDataError::new(name, line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        out.push((line, record.iter().map(|c| c.trim().to_string()).collect()));
    }
    Ok(out)
}

/// Lower-case words joined by `_`: `"Authentication-\nInternational"` →
/// `authentication_international`, `"Market\n(per rate card)"` →
/// `market_per_rate_card`.
fn norm(cell: &str) -> String {
    cell.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// Meta's title line, if the file starts with one (wabill's own files start
/// with their header).
fn title(records: &Records) -> Option<&str> {
    let first = records.first()?.1.first()?;
    let l = first.to_ascii_lowercase();
    (l.starts_with("cost per") || (l.contains("effective") && !l.starts_with("market")))
        .then_some(first.as_str())
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The date after "effective" in the title: `April 1, 2026` or `2026-04-01`.
fn effective_date(title: &str) -> Option<Date> {
    let lower = title.to_ascii_lowercase();
    let rest = &lower[lower.find("effective")? + "effective".len()..];
    let words: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && *w != "from" && *w != "on")
        .collect();
    if let Some(d) = words.first().and_then(|w| w.parse::<Date>().ok()) {
        return Some(d);
    }
    let first = *words.first()?;
    let month = MONTHS.iter().position(|m| *m == first)? + 1;
    let day: i8 = words.get(1)?.parse().ok()?;
    let year: i16 = words.get(2)?.parse().ok()?;
    Date::new(year, month as i8, day).ok()
}

/// The currency named in the title ("… in USD …", "… in $US …").
fn title_currency(title: &str) -> Option<Currency> {
    let words: Vec<&str> = title.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case("in") && currency(w[1]).is_some())
        .and_then(|w| currency(w[1]))
}

/// A currency as Meta's cards write it: a code (`USD`), or the dollar
/// written `$US` / `US$` (the conversation-era cards).
fn currency(cell: &str) -> Option<Currency> {
    let c = cell.trim().trim_end_matches([',', '.', ';', ':']);
    if ["$us", "us$", "usd$"]
        .iter()
        .any(|d| c.eq_ignore_ascii_case(d))
    {
        return Currency::parse("USD");
    }
    (c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()))
        .then(|| Currency::parse(c))
        .flatten()
}

/// Whether the title says the card is per conversation ("Cost per
/// conversation …": the conversation-era cards).
fn per_conversation(title: &str) -> bool {
    title.to_ascii_lowercase().contains("per conversation")
}

/// A line of prose after the header (a note with a link in a later
/// column): no cell is a number, and one is a link.
fn is_prose(row: &[String]) -> bool {
    let link = |c: &String| {
        let l = c.trim().to_ascii_lowercase();
        l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www.")
    };
    row.iter().any(link)
        && !row
            .iter()
            .skip(1)
            .any(|c| !c.is_empty() && c.chars().all(|c| c.is_ascii_digit() || ".,$ ".contains(c)))
}

fn is_blank(cell: &str) -> bool {
    matches!(
        cell.trim().to_ascii_lowercase().as_str(),
        "" | "n/a" | "na" | "-" | "--"
    )
}

/// A published rate: `0.0260`, `$0.0260`, `0,0260` (decimal comma).
fn rate(cell: &str) -> Option<Decimal> {
    let kept: String = cell
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    let kept = if kept.contains('.') {
        kept.replace(',', "")
    } else {
        kept.replace(',', ".")
    };
    kept.parse().ok()
}

struct Header<'r> {
    date: Date,
    title_currency: Option<Currency>,
    /// Index of the header row in the records.
    row: usize,
    cells: &'r [String],
}

fn header<'r>(name: &str, records: &'r Records, title: &str) -> Result<Header<'r>, RefDataError> {
    let date = effective_date(title).ok_or_else(|| {
        RefDataError::new(
            name,
            records[0].0,
            format!("Meta's title line names no effective date: {title:?}"),
        )
    })?;
    let row = records
        .iter()
        .position(|(_, r)| r.first().is_some_and(|c| norm(c).starts_with("market")))
        .ok_or_else(|| {
            RefDataError::new(name, records[0].0, "no header row starting with Market")
        })?;
    Ok(Header {
        date,
        title_currency: title_currency(title),
        row,
        cells: &records[row].1,
    })
}

fn currency_of(
    name: &str,
    line: u64,
    h: &Header<'_>,
    row: &[String],
) -> Result<Currency, RefDataError> {
    let col = h.cells.iter().position(|c| norm(c) == "currency");
    match col.and_then(|i| row.get(i)).filter(|c| !c.is_empty()) {
        Some(c) => currency(c)
            .or_else(|| Currency::parse(c))
            .ok_or_else(|| RefDataError::new(name, line, format!("currency {c:?} is not a code"))),
        None => h
            .title_currency
            .ok_or_else(|| RefDataError::new(name, line, "no currency column or title currency")),
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    let bytes = w.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("written from strings")
}

const CATEGORIES: [&str; 5] = [
    "marketing",
    "utility",
    "authentication",
    "authentication_international",
    "service",
];

/// A sheet of Meta's (a rate card or tier file) with its title and header,
/// given to `convert`; `None` when `text` is not in Meta's shape.
fn meta_sheet<T>(
    name: &str,
    text: &str,
    convert: impl FnOnce(&Records, &str, &Header<'_>) -> Result<T, RefDataError>,
) -> Result<Option<T>, RefDataError> {
    if !text
        .trim_start_matches('\u{feff}')
        .starts_with(['"', 'C', 'c'])
    {
        return Ok(None);
    }
    let records = records(name, text)?;
    let Some(title) = title(&records) else {
        return Ok(None);
    };
    let h = header(name, &records, title)?;
    convert(&records, title, &h).map(Some)
}

/// Meta's rate card → `market,category,rate,currency,effective_from`;
/// `None` when `text` is not in Meta's shape.
pub fn rates_to_csv(name: &str, text: &str) -> Result<Option<String>, RefDataError> {
    meta_sheet(name, text, |records, title, h| {
        let columns: Vec<(usize, &str)> = h
            .cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let n = norm(c);
                CATEGORIES.iter().find(|k| **k == n).map(|k| (i, *k))
            })
            .collect();
        if columns.is_empty() {
            return Err(RefDataError::new(
                name,
                records[h.row].0,
                "the header names no category (Marketing, Utility, Authentication, …)",
            ));
        }
        let mut w = writer();
        // A conversation-era card ("Cost per conversation …") is read as one.
        let unit = if per_conversation(title) {
            "conversation"
        } else {
            "message"
        };
        w.write_record([
            "market",
            "category",
            "rate",
            "currency",
            "effective_from",
            "unit",
        ])
        .expect("in memory");
        let date = h.date.to_string();
        for (line, row) in &records[h.row + 1..] {
            let market = row.first().map_or("", |c| c.as_str());
            if market.is_empty() || is_prose(row) {
                continue;
            }
            let currency = currency_of(name, *line, h, row)?.to_string();
            for (i, category) in &columns {
                let Some(cell) = row.get(*i).filter(|c| !is_blank(c)) else {
                    continue;
                };
                let r = rate(cell).ok_or_else(|| {
                    RefDataError::new(name, *line, format!("{category}: {cell:?} is not a rate"))
                })?;
                w.write_record([market, category, &r.to_string(), &currency, &date, unit])
                    .expect("in memory");
            }
        }
        Ok(finish(w))
    })
}

/// Meta's volume-tier file → `market,category,from,to,rate,currency,
/// effective_from`; `None` when `text` is not in Meta's shape. Category
/// groups (Utility, Authentication, Authentication-International) are named
/// on a line above the header, each over its From, To, Rate type, Rate and
/// "vs. List rate" columns.
pub fn tiers_to_csv(name: &str, text: &str) -> Result<Option<String>, RefDataError> {
    meta_sheet(name, text, |records, _, h| {
        // The category over each column, from the nearest group label to its left.
        let mut groups: Vec<(usize, &str)> = Vec::new();
        for (_, row) in &records[1..h.row] {
            for (i, c) in row.iter().enumerate() {
                let n = norm(c);
                if let Some(k) = CATEGORIES.iter().find(|k| **k == n) {
                    groups.push((i, k));
                }
            }
        }
        let group_at = |i: usize| groups.iter().rev().find(|(g, _)| *g <= i).map(|g| g.1);
        struct Group<'a> {
            category: &'a str,
            from: usize,
            to: usize,
            rate: usize,
        }
        let names: Vec<String> = h.cells.iter().map(|c| norm(c)).collect();
        let mut cols = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if n != "from" {
                continue;
            }
            let after = |want: &str| {
                names[i + 1..]
                    .iter()
                    .take_while(|n| *n != "from")
                    .position(|n| n == want)
                    .map(|p| i + 1 + p)
            };
            let (Some(category), Some(to), Some(rate)) = (group_at(i), after("to"), after("rate"))
            else {
                return Err(RefDataError::new(
                    name,
                    records[h.row].0,
                    format!(
                        "column {} (From) has no category above it, or no To and Rate after it",
                        i + 1
                    ),
                ));
            };
            cols.push(Group {
                category,
                from: i,
                to,
                rate,
            });
        }
        if cols.is_empty() {
            return Err(RefDataError::new(
                name,
                records[h.row].0,
                "the header has no From column",
            ));
        }
        let mut w = writer();
        w.write_record([
            "market",
            "category",
            "from",
            "to",
            "rate",
            "currency",
            "effective_from",
        ])
        .expect("in memory");
        let date = h.date.to_string();
        let mut market = String::new();
        for (line, row) in &records[h.row + 1..] {
            if row.iter().all(|c| c.is_empty()) || is_prose(row) {
                continue;
            }
            if let Some(m) = row.first().filter(|m| !m.is_empty()) {
                market = m.clone();
            }
            if market.is_empty() {
                return Err(RefDataError::new(name, *line, "a band before any market"));
            }
            let currency = currency_of(name, *line, h, row)?.to_string();
            let cell = |i: usize| row.get(i).map_or("", |c| c.as_str());
            for g in &cols {
                if is_blank(cell(g.from)) {
                    continue;
                }
                let volume = |c: &str| -> Result<String, RefDataError> {
                    if is_blank(c) {
                        return Ok(String::new());
                    }
                    let digits = c.replace([',', ' ', '_'], "");
                    digits.parse::<u64>().map(|n| n.to_string()).map_err(|_| {
                        RefDataError::new(
                            name,
                            *line,
                            format!("{}: {c:?} is not a volume", g.category),
                        )
                    })
                };
                let r = rate(cell(g.rate)).ok_or_else(|| {
                    RefDataError::new(
                        name,
                        *line,
                        format!("{}: {:?} is not a rate", g.category, cell(g.rate)),
                    )
                })?;
                w.write_record([
                    market.as_str(),
                    g.category,
                    &volume(cell(g.from))?,
                    &volume(cell(g.to))?,
                    &r.to_string(),
                    &currency,
                    &date,
                ])
                .expect("in memory");
            }
        }
        Ok(finish(w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATES: &str =
        include_str!("../../../../data/examples/meta-files/USD_rates-2026-04-01.csv");
    const TIERS: &str =
        include_str!("../../../../data/examples/meta-files/USD_volume_tiers-2026-04-01.csv");

    #[test]
    fn title_gives_date_and_currency() {
        let t =
            "Cost per message in USD on the WhatsApp Business Platform, effective April 1, 2026";
        assert_eq!(effective_date(t), Some(jiff::civil::date(2026, 4, 1)));
        assert_eq!(title_currency(t), Some(Currency::USD));
        assert_eq!(
            effective_date("Tarifs en EUR, effective 2026-07-01"),
            Some(jiff::civil::date(2026, 7, 1))
        );
        assert_eq!(
            norm("Authentication-\nInternational"),
            "authentication_international"
        );
    }

    #[test]
    fn meta_rate_card_becomes_rows() {
        let csv = rates_to_csv("r.csv", RATES).unwrap().unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "market,category,rate,currency,effective_from,unit"
        );
        assert_eq!(
            lines[1],
            "Argentina,marketing,0.0618,USD,2026-04-01,message"
        );
        assert!(
            lines.contains(&"India,authentication_international,0.0304,USD,2026-04-01,message")
        );
        // n/a cells (service everywhere, most international cells) are absent.
        assert!(!csv.contains("service"));
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with("Brazil,authentication_international"))
        );
        // 32 markets × 3 categories + 9 international rates.
        assert_eq!(lines.len() - 1, 32 * 3 + 9);
    }

    #[test]
    fn meta_tier_file_carries_the_market_down() {
        let csv = tiers_to_csv("t.csv", TIERS).unwrap().unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[1], "Argentina,utility,0,100000,0.0260,USD,2026-04-01");
        assert!(lines.contains(&"Argentina,authentication,10000001,,0.0195,USD,2026-04-01"));
        assert!(
            lines.contains(
                &"Egypt,authentication_international,300001,2000000,0.0618,USD,2026-04-01"
            )
        );
        assert!(!csv.contains("n/a"));
    }

    #[test]
    fn wabill_files_are_left_alone() {
        let plain = "market,category,rate,currency,effective_from\nIndia,utility,0.1,USD,\n";
        assert_eq!(rates_to_csv("x", plain).unwrap(), None);
        assert_eq!(tiers_to_csv("x", plain).unwrap(), None);
    }

    #[test]
    fn bad_cells_name_the_line() {
        let bad = RATES.replace("Brazil,USD,0.0625", "Brazil,USD,abc");
        let e = rates_to_csv("r.csv", &bad).unwrap_err();
        assert_eq!(e.to_string(), "r.csv:7: marketing: \"abc\" is not a rate");
    }
}
