//! `data/numbering-plan.csv` against libphonenumber's metadata (the
//! `phonenumber` crate, a dev-dependency only):
//! - the table is exactly what this generator derives from the metadata
//!   (`WABILL_REGENERATE=1 cargo test --test numbering_plan` rewrites it);
//! - every example number of every region in the metadata, and a spread of
//!   numbers under each shared calling code, get the country libphonenumber
//!   gives them (where it gives one).
//!
//! How the table is derived: a calling code with one region is one row. For
//! a shared code, regions are tried in libphonenumber's order (its
//! `getRegionCodeForNumber`: a region with leading digits takes the number
//! when they match its start; another takes it when the number is of a known
//! type there), on national prefixes of growing length, with each pattern
//! compiled to a minimal DFA so that "can a number starting with these digits
//! be this region's?" has an exact answer. A prefix where one region remains
//! is a row; rows equal to their parent are dropped.

use std::collections::BTreeMap;
use std::path::PathBuf;

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use wabill::refdata::numbering::NumberingPlan;

/// National digits examined under a shared code before taking the first
/// region still possible.
const MAX_DEPTH: usize = 6;

fn plan_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/numbering-plan.csv")
}

/// A pattern matched from the start of the national number, as the crate's
/// `find(..).start() == 0`: some prefix of the number matches it.
struct Pattern(dense::DFA<Vec<u32>>);

#[derive(Clone, Copy, PartialEq)]
enum Reach {
    /// Some prefix of the digits already matches: every number starting
    /// with them does.
    Matched,
    /// Some number starting with the digits could match.
    Possible,
    Never,
}

impl Pattern {
    fn new(pattern: &str) -> Pattern {
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .minimize(true)
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored),
            )
            .syntax(
                syntax::Config::new()
                    .unicode(false)
                    .utf8(false)
                    .ignore_whitespace(true),
            )
            .build(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"));
        Pattern(dfa)
    }

    fn start(&self) -> Cursor {
        let state = self
            .0
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .expect("anchored start");
        Cursor { state, reach: None }
    }

    /// The cursor after one more digit.
    fn step(&self, c: Cursor, digit: u8) -> Cursor {
        if c.reach.is_some() {
            return c;
        }
        let dfa = &self.0;
        let state = dfa.next_state(c.state, digit);
        // Matches show one byte late: this one ended before `digit`.
        let reach = if dfa.is_match_state(state) {
            Some(Reach::Matched)
        } else if dfa.is_dead_state(state) {
            Some(Reach::Never)
        } else {
            None
        };
        Cursor { state, reach }
    }

    fn reach(&self, c: Cursor) -> Reach {
        match c.reach {
            Some(r) => r,
            None if self.0.is_match_state(self.0.next_eoi_state(c.state)) => Reach::Matched,
            None => Reach::Possible,
        }
    }
}

/// Where a pattern stands after some digits; `reach` once it is settled.
#[derive(Clone, Copy)]
struct Cursor {
    state: regex_automata::util::primitives::StateID,
    reach: Option<Reach>,
}

struct Region {
    id: String,
    /// Leading digits, then the general pattern, then the types' patterns.
    patterns: Vec<Pattern>,
    has_leading: bool,
}

fn descriptors(m: &Metadata) -> Vec<&Descriptor> {
    let d = m.descriptors();
    [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl Region {
    fn new(m: &Metadata) -> Region {
        let leading = m.leading_digits().map(|p| Pattern::new(p.as_str()));
        let has_leading = leading.is_some();
        let mut patterns: Vec<Pattern> = leading.into_iter().collect();
        patterns.push(Pattern::new(
            m.descriptors().general().national_number().as_str(),
        ));
        patterns.extend(
            descriptors(m)
                .into_iter()
                .map(|d| Pattern::new(d.national_number().as_str())),
        );
        Region {
            id: m.id().to_string(),
            patterns,
            has_leading,
        }
    }

    fn start(&self) -> Vec<Cursor> {
        self.patterns.iter().map(Pattern::start).collect()
    }

    fn step(&self, cursors: &[Cursor], digit: u8) -> Vec<Cursor> {
        self.patterns
            .iter()
            .zip(cursors)
            .map(|(p, c)| p.step(*c, digit))
            .collect()
    }

    /// What the leading digits say, if the region has them.
    fn leading(&self, cursors: &[Cursor]) -> Option<Reach> {
        self.has_leading.then(|| self.patterns[0].reach(cursors[0]))
    }

    /// Whether a valid number starting with these digits could be this
    /// region's (an over-approximation: general and type patterns are
    /// asked apart).
    fn valid_possible(&self, cursors: &[Cursor]) -> bool {
        let skip = usize::from(self.has_leading);
        let mut rest = self.patterns[skip..].iter().zip(&cursors[skip..]);
        let Some((general, g)) = rest.next() else {
            return false;
        };
        general.reach(*g) != Reach::Never && rest.any(|(p, c)| p.reach(*c) != Reach::Never)
    }
}

enum Resolved {
    Nobody,
    One(String),
    Several(String),
}

fn resolve(regions: &[Region], cursors: &[Vec<Cursor>]) -> Resolved {
    let mut possible: Vec<&str> = Vec::new();
    for (r, c) in regions.iter().zip(cursors) {
        match r.leading(c) {
            Some(Reach::Matched) if possible.is_empty() => return Resolved::One(r.id.clone()),
            Some(Reach::Matched) => {
                possible.push(&r.id);
                break;
            }
            Some(Reach::Possible) => possible.push(&r.id),
            Some(Reach::Never) => {}
            None if r.valid_possible(c) => possible.push(&r.id),
            None => {}
        }
    }
    match possible.as_slice() {
        [] => Resolved::Nobody,
        [one] => Resolved::One(one.to_string()),
        [first, ..] => Resolved::Several(first.to_string()),
    }
}

fn walk(
    code: u16,
    regions: &[Region],
    national: &mut Vec<u8>,
    cursors: &[Vec<Cursor>],
    rows: &mut BTreeMap<String, String>,
) {
    let row = |national: &[u8]| format!("{code}{}", String::from_utf8_lossy(national));
    match resolve(regions, cursors) {
        Resolved::Nobody => {}
        Resolved::One(id) => {
            rows.insert(row(national), id);
        }
        Resolved::Several(first) if national.len() == MAX_DEPTH => {
            rows.insert(row(national), first);
        }
        Resolved::Several(_) => {
            for d in b'0'..=b'9' {
                let next: Vec<Vec<Cursor>> = regions
                    .iter()
                    .zip(cursors)
                    .map(|(r, c)| r.step(c, d))
                    .collect();
                national.push(d);
                walk(code, regions, national, &next, rows);
                national.pop();
            }
        }
    }
}

/// The table as CSV text.
fn generate() -> String {
    let mut codes: Vec<u16> = DATABASE.iter().map(|m| m.country_code()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut rows: BTreeMap<String, String> = BTreeMap::new();
    for code in codes {
        let ids = DATABASE.region(&code).unwrap_or_default();
        let ids: Vec<&str> = ids.into_iter().filter(|id| *id != "001").collect();
        if ids.is_empty() {
            continue; // non-geographic (+800, +882 …): no country
        }
        let metas: Vec<&Metadata> = ids.iter().map(|id| DATABASE.by_id(*id).unwrap()).collect();
        let main = metas
            .iter()
            .find(|m| m.is_main_country_for_code())
            .unwrap_or(&metas[0]);
        rows.insert(code.to_string(), main.id().to_string());
        if metas.len() > 1 {
            let regions: Vec<Region> = metas.iter().map(|m| Region::new(m)).collect();
            let mut shared = BTreeMap::new();
            let start: Vec<Vec<Cursor>> = regions.iter().map(Region::start).collect();
            walk(code, &regions, &mut Vec::new(), &start, &mut shared);
            rows.extend(shared);
        }
    }
    // Drop a row that says what its nearest shorter row says.
    let keep: Vec<(&String, &String)> = rows
        .iter()
        .filter(|(prefix, country)| {
            let parent = (1..prefix.len())
                .rev()
                .find_map(|len| rows.get(&prefix[..len]));
            parent != Some(*country)
        })
        .collect();
    let mut out = String::from("prefix,country\n");
    for (prefix, country) in keep {
        out.push_str(&format!("{prefix},{country}\n"));
    }
    out
}

#[test]
fn the_table_is_generated_from_libphonenumber_metadata() {
    let generated = generate();
    let path = plan_path();
    if std::env::var_os("WABILL_REGENERATE").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap();
    assert!(
        shipped == generated,
        "{} differs from the metadata of the phonenumber crate: \
         WABILL_REGENERATE=1 cargo test --test numbering_plan rewrites it",
        path.display()
    );
}

/// libphonenumber's country of `+digits`, when it gives one.
/// Numbers whose digits the crate's parser changes (it strips what looks
/// like a national prefix, `8` under +7, from some invalid numbers) are
/// left out: an E.164 number is taken as written.
fn oracle(digits: &str) -> Option<String> {
    let n = phonenumber::parse(None, format!("+{digits}")).ok()?;
    // The crate resolves the country from the national number's value,
    // without leading zeros; numbers that have some are left out too.
    let code = n.code().value().to_string();
    if digits.strip_prefix(&code) != Some(n.national().value().to_string().as_str()) {
        return None;
    }
    n.country().id().map(|id| format!("{id:?}"))
}

fn ours(plan: &NumberingPlan, digits: &str) -> Option<String> {
    plan.country(digits)
        .map(|n| String::from_utf8_lossy(&n.country).into_owned())
}

#[test]
fn every_example_number_gets_libphonenumbers_country() {
    let plan = NumberingPlan::builtin();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for m in DATABASE.iter() {
        if m.id() == "001" {
            continue;
        }
        let d = m.descriptors();
        for desc in descriptors(m).into_iter().chain([d.general()]) {
            let Some(example) = desc.example() else {
                continue;
            };
            let digits = format!("{}{example}", m.country_code());
            let Some(expected) = oracle(&digits) else {
                continue;
            };
            checked += 1;
            if ours(&plan, &digits).as_deref() != Some(expected.as_str()) {
                wrong.push(format!(
                    "+{digits}: {expected} vs {:?}",
                    ours(&plan, &digits)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked > 1000, "only {checked} example numbers checked");
}

#[test]
fn numbers_under_shared_codes_get_libphonenumbers_country() {
    let plan = NumberingPlan::builtin();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut checked = 0;
    let mut wrong = Vec::new();
    for code in [1u16, 7, 44, 262, 590, 599, 47, 358, 61, 212, 290, 39] {
        let regions = DATABASE.region(&code).unwrap();
        assert!(regions.len() > 1, "+{code} is shared");
        for _ in 0..400 {
            // Numbers built from an example's first digits, so most are real.
            let id = regions[(next() % regions.len() as u64) as usize];
            let m = DATABASE.by_id(id).unwrap();
            let examples: Vec<&str> = descriptors(m).iter().filter_map(|d| d.example()).collect();
            let Some(example) = examples.get((next() % examples.len().max(1) as u64) as usize)
            else {
                continue;
            };
            let keep = (next() % example.len() as u64) as usize;
            let mut digits = format!("{code}{}", &example[..keep]);
            for _ in keep..example.len() {
                digits.push(char::from(b'0' + (next() % 10) as u8));
            }
            let Some(expected) = oracle(&digits) else {
                continue;
            };
            checked += 1;
            if ours(&plan, &digits).as_deref() != Some(expected.as_str()) {
                wrong.push(format!(
                    "+{digits}: {expected} vs {:?}",
                    ours(&plan, &digits)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked > 1000, "only {checked} numbers checked");
}

/// Every country of Meta's country table (`data/meta-country-calling-codes-2026-09-11.csv`,
/// as published on 2026-09-11) is in its market on that day, by number
/// (libphonenumber's example numbers of that country) and by country
/// (a username's prefix, a `country` column) alike.
#[test]
fn every_country_of_metas_table_is_in_its_market_by_number_and_by_username() {
    use wabill::refdata::markets::{MarketTable, parse_country};
    let markets = MarketTable::builtin();
    let day = jiff::civil::date(2026, 9, 11);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/meta-country-calling-codes-2026-09-11.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let mut countries = 0;
    for row in reader.records() {
        let row = row.unwrap();
        let (market, iso, code) = (&row[0], &row[2], &row[3]);
        let country = parse_country(iso).unwrap_or_else(|| panic!("{iso} is a country"));
        let by_country = markets.lookup_country(country, day);
        assert_eq!(markets.name(by_country.market), market, "{iso} by username");
        let m = DATABASE
            .by_id(iso)
            .unwrap_or_else(|| panic!("{iso} has a plan"));
        let mut numbers = 0;
        let d = m.descriptors();
        for desc in [d.fixed_line(), d.mobile()].into_iter().flatten() {
            let Some(example) = desc.example() else {
                continue;
            };
            let mut digits = format!("{}{example}", m.country_code());
            if !digits.starts_with(code) {
                // Meta names the area codes it means (1809, 1829, 1849 for
                // DO): the example's subscriber digits under each.
                digits = format!("{code}{}", &digits[code.len()..]);
                if oracle(&digits).as_deref() != Some(iso) {
                    continue;
                }
            }
            let found = markets.lookup(&digits, day);
            assert_eq!(found.country, Some(country), "+{digits}");
            assert_eq!(markets.name(found.market), market, "+{digits} ({iso})");
            numbers += 1;
        }
        assert!(numbers > 0, "{iso}: no example number under +{code}");
        countries += 1;
    }
    assert_eq!(countries, 144, "rows of Meta's table");
}
