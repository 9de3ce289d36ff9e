//! The parse ceiling for the benchmark: one pass of the csv crate over a
//! file with a reused `ByteRecord`, counting rows and bytes. Nothing can
//! price a CSV log faster than this reads it.
//!
//! cargo run --release --example csv_ceiling -- FILE

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv_ceiling FILE")?;
    let start = Instant::now();
    let mut reader =
        csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(std::io::BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(&path)?,
            ));
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut fields) = (0u64, 0u64);
    while reader.read_byte_record(&mut record)? {
        rows += 1;
        fields += record.len() as u64;
    }
    let bytes = reader.position().byte();
    eprintln!(
        "{rows} rows, {fields} fields, {bytes} bytes in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    println!("{rows}");
    Ok(())
}
