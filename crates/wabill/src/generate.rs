//! Synthetic message logs for benchmarks and tests (`wabill generate`).
//!
//! Deterministic from a seed; shaped like real traffic: customer questions
//! answered within minutes, marketing blasts, OTP bursts, order updates,
//! click-to-WhatsApp entries, failed deliveries, several business numbers,
//! and customers spread over markets roughly as WhatsApp Business traffic
//! is. Rows come out in time order (or shuffled), written straight into a
//! byte buffer so that generating is never the slow part of a benchmark.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

/// Unix milliseconds: the generator writes whole-millisecond times.
type Millis = i64;

pub const HEADER: &str =
    "timestamp,business,customer,direction,category,message_id,status,entry_point\n";

#[derive(Clone, Debug)]
pub struct Options {
    pub rows: u64,
    pub seed: u64,
    pub customers: u32,
    pub businesses: u32,
    /// First episode, Unix milliseconds.
    pub start: Millis,
    pub days: u32,
    /// Share of inbound messages that come from a click-to-WhatsApp ad.
    pub entry_point_share: f64,
    /// Share of outbound messages logged as a `sent` row followed by a
    /// `delivered`/`read` row with the same message id (webhook exports).
    pub status_event_share: f64,
    pub shuffle: bool,
    /// Meta's webhook notifications (JSON lines, one per row) instead of CSV.
    pub webhooks: bool,
}

/// Calling code, national number length, traffic weight (per mille).
/// Weights follow the rough order of WhatsApp Business traffic; national
/// numbers start with a digit that keeps longest-prefix matching on the
/// country itself (e.g. no +1 876 Jamaica among US numbers).
const MARKETS: &[(&str, &str, u32)] = &[
    ("91", "9", 300),
    ("55", "11", 140),
    ("62", "81", 100),
    ("52", "55", 70),
    ("1", "21", 50),
    ("234", "80", 40),
    ("20", "10", 35),
    ("90", "53", 35),
    ("57", "30", 30),
    ("49", "15", 30),
    ("44", "7", 25),
    ("966", "5", 25),
    ("971", "5", 20),
    ("92", "3", 20),
    ("27", "8", 20),
    ("39", "3", 20),
    ("34", "6", 20),
    ("60", "1", 20),
    ("54", "9", 20),
    ("7", "9", 20),
];

/// splitmix64: tiny, fast, and good enough for traffic shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
    fn between(&mut self, lo: Millis, hi: Millis) -> Millis {
        lo + self.below((hi - lo) as u64) as Millis
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    In {
        entry_point: bool,
    },
    Out {
        category: &'static str,
        status: &'static str,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    at: Millis,
    seq: u64,
    business: u32,
    customer: u32,
    kind: Kind,
    id: u64,
}

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;

struct Generator {
    opts: Options,
    rng: Rng,
    /// Rows scheduled in the future, earliest first.
    queue: BinaryHeap<Reverse<Row>>,
    seq: u64,
    market_of: Vec<u8>,
}

impl Generator {
    fn new(opts: Options) -> Self {
        let mut rng = Rng(opts.seed);
        let total: u32 = MARKETS.iter().map(|m| m.2).sum();
        let market_of = (0..opts.customers)
            .map(|_| {
                let mut pick = rng.below(total as u64) as u32;
                MARKETS
                    .iter()
                    .position(|m| {
                        let hit = pick < m.2;
                        pick = pick.saturating_sub(m.2);
                        hit
                    })
                    .unwrap_or(0) as u8
            })
            .collect();
        Generator {
            opts,
            rng,
            queue: BinaryHeap::new(),
            seq: 0,
            market_of,
        }
    }

    /// Regular customers write more often: a skewed pick.
    fn customer(&mut self) -> u32 {
        let u = self.rng.below(1 << 20);
        ((((u * u) >> 20) * self.opts.customers as u64) >> 20) as u32
    }

    fn business(&mut self) -> u32 {
        self.rng.below(self.opts.businesses as u64) as u32
    }

    /// Schedules a row; a new message id unless `id` continues a message.
    fn push(
        &mut self,
        at: Millis,
        business: u32,
        customer: u32,
        kind: Kind,
        id: Option<u64>,
    ) -> u64 {
        self.seq += 1;
        let id = id.unwrap_or_else(|| mix(self.seq ^ self.opts.seed.rotate_left(32)));
        self.queue.push(Reverse(Row {
            at,
            seq: self.seq,
            business,
            customer,
            kind,
            id,
        }));
        id
    }

    fn inbound(&mut self, at: Millis, b: u32, c: u32) {
        let entry_point = self.rng.chance(self.opts.entry_point_share);
        self.push(at, b, c, Kind::In { entry_point }, None);
    }

    fn outbound(&mut self, at: Millis, b: u32, c: u32, category: &'static str) {
        let status = match self.rng.below(100) {
            0..2 => "failed",
            2..60 => "delivered",
            _ => "read",
        };
        if status != "failed" && self.rng.chance(self.opts.status_event_share) {
            // The same message twice: `sent`, then its receipt, seconds later.
            let sent = Kind::Out {
                category,
                status: "sent",
            };
            let id = self.push(at, b, c, sent, None);
            let later = at + self.rng.between(SECOND, 5 * SECOND);
            self.push(later, b, c, Kind::Out { category, status }, Some(id));
            return;
        }
        self.push(at, b, c, Kind::Out { category, status }, None);
    }

    /// One burst of related traffic starting at `t`.
    fn episode(&mut self, t: Millis) {
        let b = self.business();
        match self.rng.below(100) {
            // A customer asks; the business answers within minutes, maybe
            // with an order update, maybe a follow-up template a day later.
            0..40 => {
                let c = self.customer();
                self.inbound(t, b, c);
                let reply = t + self.rng.between(20 * SECOND, 10 * MINUTE);
                self.outbound(reply, b, c, "service");
                if self.rng.chance(0.5) {
                    let again = reply + self.rng.between(MINUTE, 20 * MINUTE);
                    self.inbound(again, b, c);
                    let r = again + self.rng.between(20 * SECOND, 5 * MINUTE);
                    self.outbound(r, b, c, "service");
                }
                if self.rng.chance(0.3) {
                    let u = reply + self.rng.between(MINUTE, HOUR);
                    self.outbound(u, b, c, "utility");
                }
                if self.rng.chance(0.1) {
                    let f = t + self.rng.between(25 * HOUR, 30 * HOUR);
                    self.outbound(f, b, c, "marketing");
                }
            }
            // One-time passwords, sometimes answered.
            40..70 => {
                let c = self.customer();
                self.outbound(t, b, c, "authentication");
                if self.rng.chance(0.05) {
                    let r = t + self.rng.between(10 * SECOND, MINUTE);
                    self.inbound(r, b, c);
                }
            }
            // Order and delivery updates.
            70..98 => {
                let c = self.customer();
                self.outbound(t, b, c, "utility");
            }
            // A marketing blast over ten minutes; a few customers reply.
            _ => {
                let size = 50 + self.rng.below(400);
                for _ in 0..size {
                    let c = self.customer();
                    let at = t + self.rng.between(0, 10 * MINUTE);
                    self.outbound(at, b, c, "marketing");
                    if self.rng.chance(0.08) {
                        let r = at + self.rng.between(MINUTE, 2 * HOUR);
                        self.inbound(r, b, c);
                        let s = r + self.rng.between(20 * SECOND, 10 * MINUTE);
                        self.outbound(s, b, c, "service");
                    }
                }
            }
        }
    }
}

/// Writes one CSV row for `row` into `out`.
struct RowWriter {
    day: i64,
    day_text: Vec<u8>,
    numbers: Vec<Vec<u8>>,
    businesses: Vec<Vec<u8>>,
    webhooks: bool,
}

impl RowWriter {
    fn new(g: &Generator) -> Self {
        let numbers = (0..g.opts.customers)
            .map(|c| {
                let (code, lead, _) = MARKETS[g.market_of[c as usize] as usize];
                format!("+{code}{lead}{:08}", c).into_bytes()
            })
            .collect();
        let businesses = (0..g.opts.businesses)
            .map(|b| format!("+1555010{:04}", b).into_bytes())
            .collect();
        RowWriter {
            day: i64::MIN,
            day_text: Vec::new(),
            numbers,
            businesses,
            webhooks: g.opts.webhooks,
        }
    }

    fn write(&mut self, row: &Row, out: &mut Vec<u8>) {
        if self.webhooks {
            return self.write_webhook(row, out);
        }
        let day = row.at.div_euclid(86_400_000);
        if day != self.day {
            self.day = day;
            let date = jiff::Timestamp::from_millisecond(day * 86_400_000)
                .expect("generated times are in range")
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date();
            self.day_text = format!("{date}T").into_bytes();
        }
        let secs = row.at.rem_euclid(86_400_000) / 1000;
        out.extend_from_slice(&self.day_text);
        two(out, secs / 3600);
        out.push(b':');
        two(out, secs / 60 % 60);
        out.push(b':');
        two(out, secs % 60);
        out.extend_from_slice(b"Z,");
        out.extend_from_slice(&self.businesses[row.business as usize]);
        out.push(b',');
        out.extend_from_slice(&self.numbers[row.customer as usize]);
        let (direction, category, status, entry) = match row.kind {
            Kind::In { entry_point } => ("in", "", "", if entry_point { "ctwa" } else { "" }),
            Kind::Out { category, status } => ("out", category, status, ""),
        };
        out.push(b',');
        out.extend_from_slice(direction.as_bytes());
        out.push(b',');
        out.extend_from_slice(category.as_bytes());
        out.extend_from_slice(b",wamid.");
        hex16(out, row.id);
        out.push(b',');
        out.extend_from_slice(status.as_bytes());
        out.push(b',');
        out.extend_from_slice(entry.as_bytes());
        out.push(b'\n');
    }
}

impl RowWriter {
    /// One notification, shaped as Meta sends it (the `pricing.type` is
    /// always `regular`: the generator does not price).
    fn write_webhook(&self, row: &Row, out: &mut Vec<u8>) {
        let business = &self.businesses[row.business as usize];
        out.extend_from_slice(
            b"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\
              \"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\
              \"metadata\":{\"display_phone_number\":\"",
        );
        out.extend_from_slice(&business[1..]);
        out.extend_from_slice(b"\",\"phone_number_id\":\"");
        out.extend_from_slice(business);
        let customer = &self.numbers[row.customer as usize][1..];
        let stamp = (row.at / 1000).to_string();
        match row.kind {
            Kind::In { entry_point } => {
                out.extend_from_slice(
                    b"\"},\"contacts\":[{\"profile\":{\"name\":\"Customer\"},\"wa_id\":\"",
                );
                out.extend_from_slice(customer);
                out.extend_from_slice(b"\"}],\"messages\":[{\"from\":\"");
                out.extend_from_slice(customer);
                out.extend_from_slice(b"\",\"id\":\"wamid.");
                hex16(out, row.id);
                out.extend_from_slice(b"\",\"timestamp\":\"");
                out.extend_from_slice(stamp.as_bytes());
                out.extend_from_slice(b"\",\"type\":\"text\",\"text\":{\"body\":\"Hello\"}");
                if entry_point {
                    out.extend_from_slice(
                        b",\"referral\":{\"source_url\":\"https://fb.me/ad\",\"source_type\":\"ad\",\
                          \"source_id\":\"120200000000000\",\"ctwa_clid\":\"ARAkLkA\"}",
                    );
                }
                out.extend_from_slice(b"}]");
            }
            Kind::Out { category, status } => {
                let status = if status.is_empty() {
                    "delivered"
                } else {
                    status
                };
                out.extend_from_slice(b"\"},\"statuses\":[{\"id\":\"wamid.");
                hex16(out, row.id);
                out.extend_from_slice(b"\",\"status\":\"");
                out.extend_from_slice(status.as_bytes());
                out.extend_from_slice(b"\",\"timestamp\":\"");
                out.extend_from_slice(stamp.as_bytes());
                out.extend_from_slice(b"\",\"recipient_id\":\"");
                out.extend_from_slice(customer);
                if status == "failed" {
                    out.extend_from_slice(
                        b"\",\"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\"}]}]",
                    );
                } else {
                    out.extend_from_slice(b"\",\"conversation\":{\"id\":\"c");
                    hex16(out, row.id);
                    out.extend_from_slice(b"\",\"origin\":{\"type\":\"");
                    out.extend_from_slice(category.as_bytes());
                    out.extend_from_slice(
                        b"\"}},\"pricing\":{\"billable\":true,\"pricing_model\":\"PMP\",\"type\":\"regular\",\"category\":\"",
                    );
                    out.extend_from_slice(category.as_bytes());
                    out.extend_from_slice(b"\"}}]");
                }
            }
        }
        out.extend_from_slice(b"}}]}]}\n");
    }
}

fn two(out: &mut Vec<u8>, n: i64) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

fn hex16(out: &mut Vec<u8>, n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(DIGITS[(n >> (shift * 4)) as usize & 15]);
    }
}

/// Writes a log of exactly `opts.rows` rows (plus the header) to `out`.
pub fn generate(opts: &Options, out: &mut dyn Write) -> io::Result<()> {
    let mut g = Generator::new(Options {
        customers: opts.customers.max(1),
        businesses: opts.businesses.max(1),
        ..opts.clone()
    });
    let mut writer = RowWriter::new(&g);
    if !opts.webhooks {
        out.write_all(HEADER.as_bytes())?;
    }
    // About 2.6 rows per episode on average; spread episodes evenly.
    let episodes = (opts.rows as f64 / 2.6).max(1.0);
    let span = opts.days.max(1) as f64 * 86_400_000.0;
    let gap = (span / episodes).max(1.0) as u64;
    let mut t = opts.start;
    let mut written = 0u64;
    let mut buf = Vec::with_capacity(1 << 20);
    // For --shuffle: every row, then a seeded Fisher–Yates over the lines.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut all = Vec::new();
    while written < opts.rows {
        g.episode(t);
        t += 1 + g.rng.below(2 * gap) as Millis;
        while let Some(Reverse(row)) = g.queue.peek().copied() {
            if row.at > t || written == opts.rows {
                break;
            }
            g.queue.pop();
            written += 1;
            if opts.shuffle {
                let start = all.len();
                writer.write(&row, &mut all);
                lines.push((start, all.len() - start));
                continue;
            }
            writer.write(&row, &mut buf);
            if buf.len() > (1 << 20) - 256 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        if g.queue.is_empty() && written < opts.rows && t > opts.start + span as Millis * 4 {
            break;
        }
    }
    if opts.shuffle {
        let mut rng = Rng(opts.seed ^ 0x5348_5546);
        for i in (1..lines.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            lines.swap(i, j);
        }
        for (start, len) in lines {
            buf.extend_from_slice(&all[start..start + len]);
            if buf.len() > (1 << 20) - 256 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(rows: u64, seed: u64) -> Options {
        Options {
            rows,
            seed,
            customers: 500,
            businesses: 3,
            start: 1_775_001_600_000, // 2026-04-01
            days: 7,
            entry_point_share: 0.06,
            status_event_share: 0.2,
            shuffle: false,
            webhooks: false,
        }
    }

    fn text(o: &Options) -> String {
        let mut out = Vec::new();
        generate(o, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn exact_row_count_sorted_and_deterministic() {
        let a = text(&opts(5_000, 7));
        assert_eq!(a.lines().count(), 5_001);
        assert_eq!(a, text(&opts(5_000, 7)));
        assert_ne!(a, text(&opts(5_000, 8)));
        let times: Vec<&str> = a.lines().skip(1).map(|l| &l[..20]).collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "rows are in time order"
        );
    }

    #[test]
    fn shuffled_is_a_permutation() {
        let sorted = text(&opts(3_000, 3));
        let shuffled = text(&Options {
            shuffle: true,
            ..opts(3_000, 3)
        });
        assert_ne!(sorted, shuffled);
        let mut a: Vec<&str> = sorted.lines().collect();
        let mut b: Vec<&str> = shuffled.lines().collect();
        assert_eq!(a[0], b[0], "header first");
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }

    #[test]
    fn has_the_shapes_a_benchmark_needs() {
        let t = text(&opts(20_000, 1));
        for needle in [
            ",in,,",
            ",out,service,",
            ",out,marketing,",
            ",out,authentication,",
            ",out,utility,",
            ",failed,",
            ",sent,",
            ",ctwa\n",
            "+91",
            "+55",
        ] {
            assert!(t.contains(needle), "no {needle:?} in the generated log");
        }
    }
}
