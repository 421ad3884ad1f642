//! Quantities shown to people, the same in the browser and in the
//! server's messages.

/// "12 KB", "3.4 MB": a size for people.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{} {}", value.round() as u64, UNITS[unit])
    } else {
        let tenths = (value * 10.0).round() as u64;
        if tenths.is_multiple_of(10) {
            format!("{} {}", tenths / 10, UNITS[unit])
        } else {
            format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(super::human_size(512), "512 B");
        assert_eq!(super::human_size(1536), "1.5 KB");
        assert_eq!(super::human_size(20 * 1024 * 1024), "20 MB");
        assert_eq!(super::human_size(1024 * 1024), "1 MB");
    }
}
