//! The log's columns, found by header name (any order) and renamed with
//! `--column NAME=HEADER`. The other columns are tags (`validate::tags`):
//! kept when the command asks for them (`Keep`), ignored otherwise.

use std::fmt;

/// The record's columns, declared once: each variant with the header name
/// wabill's CSV gives it. `Column`, `Column::ALL`, `Column::name` and the
/// providers' record (`provider::Out`, `provider::HEADER`) all come from
/// this list; the README's input table is checked against it
/// (`tests/readme.rs`).
macro_rules! columns {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Column {
            $($(#[$doc])* $variant,)*
        }

        const COLUMNS: usize = [$(Column::$variant),*].len();

        impl Column {
            /// Every column, in declaration order (`Column as usize` is the
            /// index).
            pub const ALL: [Column; COLUMNS] = [$(Column::$variant),*];

            /// The header name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Column::$variant => $name,)*
                }
            }
        }
    };
}

columns! {
    Timestamp => "timestamp",
    Customer => "customer",
    Direction => "direction",
    Category => "category",
    Business => "business",
    MessageId => "message_id",
    Status => "status",
    EntryPoint => "entry_point",
    Country => "country",
    /// Group id: the row is a group message's copy for one participant.
    Group => "group",
    /// `call` marks a call row; any other value is a message.
    Kind => "kind",
    /// Business Agent tokens.
    Tokens => "tokens",
    /// Meta's reported cost (`pricing.cost.amount`, currency units).
    CostAmount => "cost_amount",
    /// Its currency (`pricing.cost.currency`).
    CostCurrency => "cost_currency",
    /// Template name, for `--max-price`.
    Template => "template",
    /// Meta's decision, when the source carries it (webhooks' `pricing`).
    PricingType => "pricing_type",
    PricingCategory => "pricing_category",
    PricingBillable => "pricing_billable",
    /// The business's phone number as customers see it (webhooks'
    /// `metadata.display_phone_number`), for reports: `business` stays the
    /// key (a `phone_number_id`).
    BusinessNumber => "business_number",
    /// The provider's (BSP's) own price for the message, as exported:
    /// kept apart from Meta's cost, never added to it.
    ProviderPrice => "provider_price",
    /// Its currency.
    ProviderCurrency => "provider_currency",
    /// Meta's `pricing.subtype` (`paid_exempt`: a government or
    /// non-profit business's service message past the 1,000 free, from
    /// 2026-10-12).
    PricingSubtype => "pricing_subtype",
}

impl Column {
    /// Another header that means the column (Meta's dotted names, as a
    /// flattened webhook export writes them).
    pub fn alias(self) -> Option<&'static str> {
        match self {
            Column::PricingType => Some("pricing.type"),
            Column::PricingCategory => Some("pricing.category"),
            Column::PricingBillable => Some("pricing.billable"),
            Column::PricingSubtype => Some("pricing.subtype"),
            Column::BusinessNumber => Some("display_phone_number"),
            _ => None,
        }
    }

    /// The header read when the column's own name is absent: Meta's
    /// message `type` says `call` too.
    pub fn fallback(self) -> Option<&'static str> {
        (self == Column::Kind).then_some("type")
    }

    pub fn required(self) -> bool {
        matches!(
            self,
            Column::Timestamp | Column::Customer | Column::Direction
        )
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--column` value or a header that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("{0:?} is not NAME=HEADER")]
    NotAMapping(String),
    #[error("unknown column {name:?} (expected one of {})", Column::ALL.map(Column::name).join(", "))]
    UnknownName { name: String },
    /// `found`: the header's names, escaped; `hint`: how to map another.
    #[error("missing required column {wanted:?} (found: {found}){hint}")]
    Missing {
        wanted: String,
        found: String,
        hint: String,
    },
    #[error("column {0:?} appears more than once")]
    Twice(String),
}

/// Which of the columns wabill does not interpret are kept as tags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// None (the cheapest: most reports group by built-in keys only).
    #[default]
    Nothing,
    /// Every one (`price` writes them through).
    All,
    /// These names (lower case): `--by column:NAME`, `price --keep`.
    Named(Vec<String>),
}

impl Keep {
    pub fn wants(&self, name: &str) -> bool {
        match self {
            Keep::Nothing => false,
            Keep::All => true,
            Keep::Named(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }

    /// Adds `name` to the kept names (nothing for `All`).
    pub fn add(&mut self, name: &str) {
        let name = name.trim().to_ascii_lowercase();
        match self {
            Keep::All => {}
            Keep::Nothing => *self = Keep::Named(vec![name]),
            Keep::Named(names) => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
}

/// `--column NAME=HEADER` overrides, as given by the user, and the tags
/// to keep.
#[derive(Clone, Debug, Default)]
pub struct ColumnMap(Vec<(Column, String)>, pub Keep);

impl ColumnMap {
    /// Parses `NAME=HEADER` and maps the column.
    pub fn add(&mut self, spec: &str) -> Result<(), ColumnError> {
        self.set(ColumnMap::mapping(spec)?);
        Ok(())
    }

    /// `NAME=HEADER` as the column and the header it is read from.
    pub fn mapping(spec: &str) -> Result<(Column, String), ColumnError> {
        let (name, header) = spec
            .split_once('=')
            .ok_or_else(|| ColumnError::NotAMapping(spec.to_string()))?;
        let column = Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ColumnError::UnknownName {
                name: name.to_string(),
            })?;
        Ok((column, header.trim().to_string()))
    }

    /// Reads `column` from `header` (a later mapping of it wins).
    pub fn set(&mut self, (column, header): (Column, String)) {
        self.0.retain(|(c, _)| *c != column);
        self.0.push((column, header));
    }

    fn header_for(&self, column: Column) -> &str {
        self.0
            .iter()
            .find(|(c, _)| *c == column)
            .map_or(column.name(), |(_, h)| h.as_str())
    }

    fn mapped(&self, column: Column) -> bool {
        self.0.iter().any(|(c, _)| *c == column)
    }

    /// The tags to keep.
    pub fn keep(&self) -> &Keep {
        &self.1
    }
}

/// Field index of each column in one file.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    index: [Option<usize>; COLUMNS],
    /// Whether the indexes are the file's own header positions (a delimited
    /// log), not a layout a reader built (`canonical`).
    from_header: bool,
    /// The kept tags: field index and tag name (the header, lower case).
    tags: Vec<(usize, Box<str>)>,
}

fn clean_header(h: &[u8]) -> String {
    let s = String::from_utf8_lossy(h);
    s.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
}

impl Columns {
    pub fn resolve(headers: &csv::ByteRecord, map: &ColumnMap) -> Result<Self, ColumnError> {
        let names: Vec<String> = headers.iter().map(clean_header).collect();
        let mut columns = Columns {
            from_header: true,
            ..Columns::default()
        };
        for column in Column::ALL {
            let wanted = map.header_for(column).to_ascii_lowercase();
            let alias = column.alias().filter(|_| !map.mapped(column));
            let mut found: Vec<usize> = (0..names.len())
                .filter(|i| names[*i] == wanted || Some(names[*i].as_str()) == alias)
                .collect();
            if let (true, Some(other)) = (found.is_empty(), column.fallback())
                && wanted == column.name()
            {
                found = (0..names.len()).filter(|i| names[*i] == other).collect();
            }
            match found.as_slice() {
                [] if column.required() => {
                    return Err(ColumnError::Missing {
                        wanted: wanted.clone(),
                        // Escaped: a header's bytes must not reach a terminal raw.
                        found: names
                            .iter()
                            .map(|n| {
                                n.chars()
                                    .map(|c| {
                                        if c.is_control() {
                                            c.escape_default().to_string()
                                        } else {
                                            c.to_string()
                                        }
                                    })
                                    .collect::<String>()
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                        hint: if wanted == column.name() {
                            format!("; map another header with --column {column}=HEADER")
                        } else {
                            String::new()
                        },
                    });
                }
                [] => {}
                [i] => columns.index[column as usize] = Some(*i),
                _ => return Err(ColumnError::Twice(wanted)),
            }
        }
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() || columns.index.contains(&Some(i)) || !map.keep().wants(name) {
                continue;
            }
            if columns.tags.iter().any(|(_, n)| **n == **name) {
                return Err(ColumnError::Twice(name.clone()));
            }
            columns.tags.push((i, name.as_str().into()));
        }
        Ok(columns)
    }

    /// Also reads field `index` as tag `name` (a reader's own field beyond
    /// wabill's columns, such as a webhook's `biz_opaque_callback_data`).
    pub fn with_tag(mut self, index: usize, name: &str) -> Self {
        self.tags.push((index, name.into()));
        self
    }

    /// The kept tags: field index and name.
    pub fn tags(&self) -> &[(usize, Box<str>)] {
        &self.tags
    }

    /// Every column at its own field, in `Column::ALL` order (the layout of
    /// records that readers other than CSV build).
    pub fn canonical() -> Self {
        Columns {
            index: std::array::from_fn(Some),
            from_header: false,
            tags: Vec::new(),
        }
    }

    /// The 1-based number of `column`'s field in the file as written, for
    /// diagnostics (`file:line:column`); `None` when the file has no such
    /// header position.
    pub fn number(&self, column: Column) -> Option<u64> {
        self.number_of_field(self.get(column)?)
    }

    /// The 1-based number in the file of the record's field `index`.
    pub fn number_of_field(&self, index: usize) -> Option<u64> {
        self.from_header.then_some(index as u64 + 1)
    }

    pub fn get(&self, column: Column) -> Option<usize> {
        self.index[column as usize]
    }

    /// The field of `column` in `record`; empty when absent.
    pub fn field<'r>(&self, record: &'r csv::ByteRecord, column: Column) -> &'r [u8] {
        self.get(column).and_then(|i| record.get(i)).unwrap_or(b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_columns_by_name_with_bom_and_mapping() {
        let headers =
            csv::ByteRecord::from(vec!["\u{feff}Timestamp", "to_number", "direction", "extra"]);
        let mut map = ColumnMap::default();
        assert!(
            Columns::resolve(&headers, &map)
                .unwrap_err()
                .to_string()
                .contains("missing required column \"customer\"")
        );
        map.add("customer=to_number").unwrap();
        let c = Columns::resolve(&headers, &map).unwrap();
        assert_eq!(c.get(Column::Timestamp), Some(0));
        assert_eq!(c.get(Column::Customer), Some(1));
        assert_eq!(c.get(Column::Category), None);
        assert_eq!(c.number(Column::Customer), Some(2));
        assert_eq!(Columns::canonical().number(Column::Customer), None);
        assert!(map.add("nope=x").is_err());
    }
}
