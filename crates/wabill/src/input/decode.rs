//! Compressed logs, unpacked on the fly whatever their name: gzip (also
//! several members, as `cat a.gz b.gz` makes) and zstd, told by their
//! magic bytes.

use std::io::{self, BufRead, BufReader};

const GZIP: &[u8] = &[0x1f, 0x8b];
const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// Whether `head` starts a gzip or zstd stream.
pub fn is_compressed(head: &[u8]) -> bool {
    head.starts_with(GZIP) || head.starts_with(ZSTD)
}

/// `raw` itself, or a reader of its unpacked content.
pub fn unpacked(mut raw: BufReader<Box<dyn io::Read>>) -> io::Result<Box<dyn BufRead>> {
    let head = raw.fill_buf()?;
    Ok(if head.starts_with(GZIP) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else if head.starts_with(ZSTD) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            zstd::stream::read::Decoder::with_buffer(raw)?,
        ))
    } else {
        Box::new(raw)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn unpack(bytes: Vec<u8>) -> String {
        let raw: Box<dyn io::Read> = Box::new(io::Cursor::new(bytes));
        let mut out = String::new();
        unpacked(BufReader::new(raw))
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn unpacks_gzip_members_and_zstd_and_passes_plain_text() {
        let text = "timestamp,customer,direction\n";
        let gz = |s: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(s.as_bytes()).unwrap();
            e.finish().unwrap()
        };
        let mut two = gz("a\n");
        two.extend(gz("b\n"));
        assert_eq!(unpack(gz(text)), text);
        assert_eq!(unpack(two), "a\nb\n");
        assert_eq!(unpack(zstd::encode_all(text.as_bytes(), 1).unwrap()), text);
        assert_eq!(unpack(text.as_bytes().to_vec()), text);
        assert_eq!(unpack(Vec::new()), "");
    }
}
